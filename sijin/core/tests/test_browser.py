"""The whole story in a real Chromium (Debian's /usr/bin/chromium, never a downloaded browser).

A member records a visit with a photo and a problem; the office assigns it to 惠民县教育局 with a deadline;
the handler signs it and resolves it with an outcome (解决用工 12人) and evidence; the member's 回访 closes it
(已销号), and the outcome shows on the target page and the dashboard. An outsider gets 404 on the problem
and on its photo. Screenshots of the main pages at phone and desktop widths go to var/screenshots/.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test are still sync.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BASE = "惠民县职业中专智能制造综合实训基地"
TITLE = "实训楼二层消防通道堆放杂物"
WIDTHS = {"phone": (390, 844), "desktop": (1440, 900)}

if not Path(CHROMIUM).exists():
    print(f"\n*** BROWSER TESTS SKIPPED: {CHROMIUM} is missing (apt-get install chromium) ***\n")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing (apt-get install chromium)",
    ),
]


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def login(browser, base_url: str, username: str, width: str = "desktop"):
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "sijin-demo")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page


def shoot(page, name: str) -> None:
    """Full-page screenshots at both widths, named <page>-<width>.png."""
    folder = settings.VAR_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for w, h in WIDTHS.values():
        page.set_viewport_size({"width": w, "height": h})
        page.wait_for_timeout(100)
        page.screenshot(path=str(folder / f"{name}-{w}.png"), full_page=True)


def act(page, action: str, label: str) -> None:
    """Open an action's small form on the problem page (a <details>) if it is closed."""
    details = page.locator(f"#action-{action}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    assert label in details.locator("summary").inner_text()


@pytest.mark.django_db(transaction=True)
def test_it_carries_a_problem_from_the_field_to_closure(live_server, browser, media, tmp_path):
    from django.core.management import call_command
    from playwright.sync_api import expect

    from sijin.demo import load_demo
    from sijin.fieldwork.models import VisitPhoto
    from sijin.problems.models import Problem
    from sijin.testing import outsider

    # The story runs on what `sijin demo` gives a fresh install: the regions and the Binzhou demo, nothing of
    # the tests' own small world (pytest-django empties the tables again after this transactional test).
    call_command("flush", interactive=False, verbosity=0)
    load_demo()
    outsider()
    url = live_server.url
    photo_path = tmp_path / "site.png"
    Image.new("RGB", (64, 48), (40, 140, 60)).save(photo_path, "PNG")

    # 1. The member, on a phone, records the visit with a photo and a problem.
    member = login(browser, url, "member", "phone")
    member.goto(f"{url}/visits/new/")
    member.locator("#id_targets").get_by_label(BASE).check()
    member.get_by_label("分散走访").check()
    member.fill("#id_notes", "检查实训基地复工准备")
    member.select_option("#id_problems-0-target", label=BASE)
    member.fill("#id_problems-0-title", TITLE)
    member.fill("#id_problems-0-description", "二层东侧通道堆放桌椅")
    # A half-filled form survives a reload (localStorage draft).
    member.reload()
    expect(member.locator("#id_problems-0-title")).to_have_value(TITLE)
    expect(member.locator("#id_targets").get_by_label(BASE)).to_be_checked()
    member.set_input_files("#id_photos", str(photo_path))
    shoot(member, "visit-form")
    member.set_viewport_size({"width": 390, "height": 844})
    member.click("#visit-submit")
    expect(member.locator(".alert-success")).to_contain_text("走访已保存")
    expect(member.locator("#id_problems-0-title")).to_have_value("")  # the draft is gone after saving
    problem = Problem.objects.get(title=TITLE)
    photo = VisitPhoto.objects.get(visit=problem.visit)

    # 2. The office assigns it (分级交办) to 惠民县教育局 with a deadline.
    office = login(browser, url, "office")
    office.goto(f"{url}/problems/")
    expect(office.locator("table")).to_contain_text(TITLE)
    shoot(office, "problem-list")
    office.set_viewport_size({"width": 1440, "height": 900})
    office.get_by_role("link", name=TITLE).click()
    act(office, "triage", "分级交办")
    office.select_option("#id_triage-level", "county")
    office.select_option("#id_triage-handling_org", label="惠民县教育局")
    office.fill("#id_triage-deadline_days", "10")
    shoot(office, "problem-detail-actions")
    office.set_viewport_size({"width": 1440, "height": 900})
    office.click("#action-triage button[type=submit]")
    expect(office.locator("#problem-status")).to_contain_text("已交办")
    # The form went by htmx: the notice is inside the swapped panel, not the page's message area.
    expect(office.locator("#problem-panel #action-notice")).to_contain_text("已分级交办")

    # 3. The handler signs it and reports it done with a result and the outcome it produced.
    handler = login(browser, url, "handler")
    handler.goto(f"{url}/problems/{problem.pk}/")
    act(handler, "accept", "签收")
    handler.click("#action-accept button[type=submit]")
    expect(handler.locator("#problem-status")).to_contain_text("已签收")
    act(handler, "resolve", "办结")
    # A missing result comes back in the panel (an htmx swap), with nothing saved.
    handler.click("#action-resolve button[type=submit]")
    expect(handler.locator("#action-resolve")).to_contain_text("请填写办理结果。")
    expect(handler.locator("#problem-status")).to_contain_text("已签收")
    handler.fill("#id_resolve-resolution", "已清理通道杂物,设置警示标识")
    handler.fill("#id_resolve-measures", "组织师生清理杂物")
    # The outcome it produced, as typed, and a photo as evidence (the htmx form posts multipart).
    handler.select_option("#id_resolve-outcome0_indicator", label="解决用工(人)")
    handler.fill("#id_resolve-outcome0_value", "12人")
    handler.fill("#id_resolve-outcome0_note", "安排保洁岗位")
    handler.set_input_files("#id_resolve-evidence", str(photo_path))
    shoot(handler, "problem-resolve")
    handler.set_viewport_size({"width": 1440, "height": 900})
    handler.click("#action-resolve button[type=submit]")
    expect(handler.locator("#problem-status")).to_contain_text("已办结")
    expect(handler.locator("#problem-outcomes")).to_contain_text("解决用工 12人")
    expect(handler.locator("#timeline")).to_contain_text("site.png")
    # The handler sees the photos of the visit the problem came from, served through the problem (none broken).
    thumbs = handler.locator("img.sj-thumb")
    thumbs.first.scroll_into_view_if_needed()  # they load lazily
    loaded = "[...document.querySelectorAll('img.sj-thumb')].every(i => i.complete && i.naturalWidth > 0)"
    for _ in range(50):  # polled from here: wait_for_function evaluates in the page, which the CSP forbids
        if handler.evaluate(loaded):
            break
        handler.wait_for_timeout(100)
    assert handler.evaluate(loaded)

    # 4. The member does the 回访: satisfied, and it is 销号.
    member.goto(f"{url}/problems/{problem.pk}/")
    act(member, "verify", "回访")
    member.locator("#action-verify").get_by_label("满意", exact=True).check()
    member.click("#action-verify button[type=submit]")
    expect(member.locator("#problem-status")).to_contain_text("已销号")
    expect(member.locator("#timeline")).to_contain_text("已清理通道杂物")
    shoot(member, "problem-detail")
    problem.refresh_from_db()
    assert problem.status == "closed"

    # The outcome landed in the target's 成效 and in the dashboard's sums, without a second entry.
    member.goto(f"{url}/targets/{problem.target_id}/")
    expect(member.locator("li.list-group-item", has_text="解决用工")).to_contain_text("安排保洁岗位12人")
    office.goto(f"{url}/reports/dashboard/")
    expect(office.locator("tr", has_text="解决用工")).to_contain_text("12人")

    # 5. The workbench at both widths (the office's).
    office.goto(f"{url}/")
    shoot(office, "workbench")

    # 6. An outsider can neither see the problem nor fetch its photo.
    stranger = login(browser, url, "outsider")
    assert stranger.goto(f"{url}/problems/{problem.pk}/").status == 404
    assert stranger.goto(f"{url}/visits/photos/{photo.pk}/").status == 404
    assert member.goto(f"{url}/visits/photos/{photo.pk}/").status == 200
