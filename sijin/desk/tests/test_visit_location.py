"""In a real Chromium with a position to give: the member presses 获取当前位置, records a visit with a problem of
a chosen category, and the problem's page shows where it was seen and its category; with no signal, the visit
kept on the phone carries the location and the categories, and 打开修改 puts them back (issue 11)."""

import os
from pathlib import Path

import pytest

from sijin.core.tests.test_browser import CHROMIUM, CHROMIUM_ARGS
from sijin.fieldwork.models import Visit
from sijin.problems.models import Problem
from sijin.testing import PASSWORD

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are still sync.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

TITLE = "村口路灯损坏"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(live_server):
    """A phone (390 px) that may tell its position (37.38, 117.97), logged in as the group member."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            locale="zh-CN",
            geolocation={"latitude": 37.38, "longitude": 117.97},
            permissions=["geolocation"],
        )
        context.set_default_timeout(8000)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "member")
        page.fill("#id_password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/visits/new/")
        yield page
        context.close()
        browser.close()


def fill_visit(page, world, category) -> None:
    page.locator("#id_targets").get_by_label(world.village.name).check()
    page.get_by_label("分散走访").check()
    page.fill("#id_date", "2025-06-20")
    page.select_option("#id_problems-0-target", label=world.village.name)
    page.select_option("#id_problems-0-category", label=category.name)
    page.fill("#id_problems-0-title", TITLE)


def test_it_records_where_the_visit_and_its_problem_were(world, live_server, page):
    from playwright.sync_api import expect

    category = world.categories["安全生产"]
    expect(page.locator(".sj-at-visit").first).to_be_hidden()  # no location yet: nothing to share
    page.get_by_role("button", name="获取当前位置").click()
    expect(page.locator("#id_latitude")).to_have_value("37.380000")
    expect(page.locator("#id_longitude")).to_have_value("117.970000")
    expect(page.locator("#visit-location-status")).to_contain_text("已获取位置")
    expect(page.locator("#id_problems-0-at_visit")).to_be_checked()
    fill_visit(page, world, category)
    page.click("#visit-submit")
    expect(page.locator(".alert-success")).to_contain_text("走访已保存")

    problem = Problem.objects.get(title=TITLE)
    visit = Visit.objects.get(pk=problem.visit_id)
    assert (str(visit.latitude), str(visit.longitude)) == ("37.380000", "117.970000")
    assert (problem.latitude, problem.longitude, problem.category) == (
        visit.latitude,
        visit.longitude,
        category,
    )

    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    expect(page.locator("#problem-category")).to_have_text(category.name)
    expect(page.locator("#problem-location")).to_contain_text("37.380000, 117.970000")


def test_it_keeps_the_location_and_categories_of_a_visit_kept_offline(world, page):
    from playwright.sync_api import expect

    category = world.categories["安全生产"]
    page.get_by_role("button", name="获取当前位置").click()
    expect(page.locator("#id_latitude")).to_have_value("37.380000")
    fill_visit(page, world, category)
    page.locator("details.sj-problem").nth(1).locator("summary").click()
    page.locator("#id_problems-1-at_visit").uncheck()  # an empty row: its box must come back unticked

    page.context.set_offline(True)
    page.click("#visit-submit")
    expect(page.locator("#visit-queue")).to_contain_text("1 条待上传")
    expect(page.locator("#id_latitude")).to_have_value("")  # emptied for the next visit
    expect(page.locator(".sj-at-visit").first).to_be_hidden()
    fields = page.evaluate("sijinOffline.entries().then(l => { window.kept = l[0]; return l[0].fields; })")
    kept = dict(fields)
    assert (kept["latitude"], kept["longitude"]) == ("37.380000", "117.970000")
    assert kept["problems-0-category"] == str(category.pk) and kept["problems-0-at_visit"] == "on"
    assert "problems-1-at_visit" not in kept

    # 打开修改 (here without waiting for a refusal): every field comes back, the location shown again.
    page.evaluate("location.hash = '#queued-' + window.kept.id")
    expect(page.locator("#id_problems-0-title")).to_have_value(TITLE)
    expect(page.locator("#id_latitude")).to_have_value("37.380000")
    expect(page.locator("#id_longitude")).to_have_value("117.970000")
    expect(page.locator("#id_problems-0-category")).to_have_value(str(category.pk))
    expect(page.locator("#id_problems-0-at_visit")).to_be_checked()
    expect(page.locator("#id_problems-1-at_visit")).not_to_be_checked()
    expect(page.locator("#visit-location-fields")).to_be_visible()
    expect(page.locator("#visit-location-clear")).to_be_visible()
