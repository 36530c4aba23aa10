"""Offline entry (README, "Offline entry"): the service worker, the logout that clears the browser's cache, and
in a real Chromium a visit recorded with the network off, kept on the device with its photo, sent once when the
network is back, and a refused one opened again for correction."""

import os
from pathlib import Path

import pytest
from PIL import Image

from sijin.core.tests.test_browser import CHROMIUM, CHROMIUM_ARGS
from sijin.fieldwork.models import Visit, VisitPhoto
from sijin.problems.models import Problem
from sijin.testing import PASSWORD, client_for

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are still sync.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

NOTES = "断网时录入的走访"
TITLE = "村口排水沟堵塞"


def test_it_serves_the_service_worker_for_the_whole_site(world):
    r = client_for("member").get("/sw.js")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/javascript")
    assert r["Service-Worker-Allowed"] == "/"
    assert b'var FORM = "/visits/new/"' in r.content


def test_it_offers_the_app_only_to_people_who_record_visits(world):
    page = client_for("member").get("/").content.decode()
    assert 'rel="manifest"' in page
    assert 'id="sj-offline-queue"' in page and 'data-sw="/sw.js"' in page
    leader = client_for("leader").get("/").content.decode()
    assert "sj-offline-queue" not in leader and "/sw.js" not in leader


def test_it_clears_the_browser_cache_at_logout(world):
    client = client_for("member")
    r = client.post("/logout/")
    assert r.status_code == 302
    assert r["Clear-Site-Data"] == '"cache"'
    assert client.get("/").status_code == 302  # logged out


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def fill_visit(page, world, photo: Path, date: str) -> None:
    page.locator("#id_targets").get_by_label(world.village.name).check()
    page.get_by_label("分散走访").check()
    page.fill("#id_date", date)
    page.fill("#id_notes", NOTES)
    page.select_option("#id_problems-0-target", label=world.village.name)
    page.fill("#id_problems-0-title", TITLE)
    page.set_input_files("#id_photos", str(photo))


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)")
@pytest.mark.django_db(transaction=True)
def test_it_keeps_a_visit_offline_and_sends_it_once(world, live_server, browser, settings, tmp_path):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path / "media"
    url = live_server.url
    photo = tmp_path / "drain.png"
    Image.new("RGB", (64, 48), (40, 90, 160)).save(photo, "PNG")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(8000)
    page = context.new_page()
    page.goto(f"{url}/login/")
    page.fill("#id_username", "member")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{url}/")
    page.goto(f"{url}/visits/new/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    visits = Visit.objects.count()

    # No signal: the visit, its problem and its photo stay on the phone, and the page says so.
    context.set_offline(True)
    fill_visit(page, world, photo, "2025-06-20")
    page.click("#visit-submit")
    expect(page.locator("#visit-queue")).to_contain_text("已保存在本机,1 条待上传")
    expect(page.locator("#sj-offline-queue")).to_have_text("1 条待上传")
    expect(page.locator("#id_notes")).to_have_value("")  # emptied for the next visit
    assert Visit.objects.count() == visits
    kept = page.evaluate(
        "sijinOffline.entries().then(l => { window.kept = l[0]; return [l.length, l[0].files.length,"
        " l[0].files[0].blob.size]; })"
    )
    assert kept == [1, 1, photo.stat().st_size]

    # The signal comes back: it is sent, once, with its problem and its photo.
    context.set_offline(False)
    expect(page.locator("#visit-queue")).to_contain_text("已上传 1 条走访")
    expect(page.locator("#sj-offline-queue")).to_be_hidden()
    visit = Visit.objects.get(notes=NOTES)
    assert Visit.objects.count() == visits + 1
    assert list(visit.problems.values_list("title", flat=True)) == [TITLE]
    assert VisitPhoto.objects.filter(visit=visit).count() == 1

    # The same entry sent again (its answer lost, say) carries the same one-time token: still one visit.
    left = page.evaluate(
        "sijinOffline.store(window.kept).then(sijinOffline.flush).then(sijinOffline.entries)"
    )
    assert left == []
    assert Visit.objects.count() == visits + 1
    assert Problem.objects.filter(title=TITLE).count() == 1

    # A visit the server refuses (a date in the future) stays, with the reason and a link to open it again.
    context.set_offline(True)
    fill_visit(page, world, photo, "2099-01-01")
    page.click("#visit-submit")
    expect(page.locator("#visit-queue")).to_contain_text("1 条待上传")
    context.set_offline(False)
    refused = page.locator(".visit-queue-refused")
    expect(refused).to_contain_text("走访日期不能晚于今天")
    refused.get_by_role("link", name="打开修改").click()
    expect(page.locator("#id_notes")).to_have_value(NOTES)
    assert page.evaluate("document.getElementById('id_photos').files.length") == 1
    page.fill("#id_date", "2025-06-21")
    page.click("#visit-submit")  # online now: sent at once, the page the server answers is shown
    expect(page.locator(".alert-success")).to_contain_text("走访已保存")
    expect(page.locator("#sj-offline-queue")).to_be_hidden()
    assert page.evaluate("sijinOffline.entries().then(l => l.length)") == 0
    assert Visit.objects.count() == visits + 2
    assert VisitPhoto.objects.filter(visit__date="2025-06-21").count() == 1
    context.close()
