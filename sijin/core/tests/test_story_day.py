"""Each role's day in a real Chromium (Debian's /usr/bin/chromium), on the test world (济宁市, 嘉祥县):

1. the member, on a phone (390 px) with no signal, records a visit with a problem and a photo; the page says
   “1 条待上传”; the signal comes back and the visit is sent, once;
2. the office (1366 px) finds the problem in 我的待办 as 待交办 and 交办s it to 嘉祥县水务局 with a deadline;
3. the handler (390 px) 签收s it and asks for an extension, the office approves it, the handler 办结s it;
4. the member does the 回访 (满意): 已销号;
5. the leader (1366 px) clicks 嘉祥县 on the dashboard's map (a real click on the canvas, at the pixel ECharts
   draws the county's centre at) and lands on the 问题台账 of that county, which shows the problem.

A screenshot of each step goes to var/screenshots/ (the project's SIJIN_VAR_DIR), 01-member-offline.png …, and
axe-core finds no serious or critical violation on any page visited. One Chromium, one context per persona.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from .test_accessibility import session_cookie, violations
from .test_browser import CHROMIUM, CHROMIUM_ARGS

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
NOTES = "走访嘉祥县王庄村,查看灌溉渠"
TITLE = "王庄村灌溉渠渗漏"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing (apt-get install chromium)",
    ),
]


def persona(browser, url: str, username: str, viewport: dict):
    """A logged-in page of its own context. The site's Content-Security-Policy refuses inline scripts, axe's
    included: bypassed in tests only, as in test_accessibility.py."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", bypass_csp=True)
    context.set_default_timeout(10000)
    context.add_cookies([session_cookie(username, url)])
    return context.new_page()


class Story:
    """Screenshots in order, and axe's findings on each page seen."""

    def __init__(self) -> None:
        self.folder = Path(settings.VAR_DIR) / "screenshots"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.n = 0
        self.found: dict[str, list[str]] = {}

    def shoot(self, page, name: str, *, axe: bool = True) -> None:
        self.n += 1
        page.screenshot(path=str(self.folder / f"{self.n:02d}-{name}.png"), full_page=True)
        if axe and (problems := violations(page)):
            self.found[f"{self.n:02d}-{name} {page.url}"] = problems


def act(page, action: str) -> None:
    """Open an action's small form on the problem page (a <details>) if it is closed."""
    details = page.locator(f"#action-{action}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def click_county(page, code: str) -> None:
    """Click the county on the map's canvas where ECharts draws its centre (the map's own click handler then
    opens the county's 问题台账)."""
    point = page.evaluate(
        """(code) => {
          const chart = echarts.getInstanceByDom(document.getElementById('chart-map'));
          const region = chart.getModel().getSeriesByIndex(0).coordinateSystem.getRegion(code);
          const xy = chart.convertToPixel({seriesIndex: 0}, region.getCenter());
          const box = document.getElementById('chart-map').getBoundingClientRect();
          return [box.left + xy[0], box.top + xy[1]];
        }""",
        code,
    )
    page.mouse.click(point[0], point[1])


@pytest.mark.django_db(transaction=True)
def test_it_walks_each_roles_day(world, live_server, settings, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from sijin.fieldwork.models import Visit, VisitPhoto
    from sijin.problems.models import Problem

    settings.MEDIA_ROOT = tmp_path / "media"
    url = live_server.url
    photo = tmp_path / "canal.png"
    Image.new("RGB", (64, 48), (60, 120, 170)).save(photo, "PNG")
    story = Story()
    visits = Visit.objects.count()
    county = world.county.code[:6]  # the map names counties by their 6-digit adcode

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)

        # 1. The member, on a phone with no signal, records a visit with a problem and a photo.
        member = persona(browser, url, "member", PHONE)
        member_context = member.context
        member.goto(f"{url}/visits/new/")
        member.evaluate("navigator.serviceWorker.ready.then(() => true)")
        member_context.set_offline(True)
        member.locator("#id_targets").get_by_label(world.village.name).check()
        member.get_by_label("分散走访").check()
        member.fill("#id_date", "2025-06-20")
        member.fill("#id_notes", NOTES)
        member.select_option("#id_problems-0-target", label=world.village.name)
        member.fill("#id_problems-0-title", TITLE)
        member.set_input_files("#id_photos", str(photo))
        member.click("#visit-submit")
        expect(member.locator("#visit-queue")).to_contain_text("已保存在本机,1 条待上传")
        expect(member.locator("#sj-offline-queue")).to_have_text("1 条待上传")
        assert Visit.objects.count() == visits
        story.shoot(member, "member-offline")
        member_context.set_offline(False)
        expect(member.locator("#visit-queue")).to_contain_text("已上传 1 条走访")
        expect(member.locator("#sj-offline-queue")).to_be_hidden()
        assert member.evaluate("sijinOffline.entries().then(l => l.length)") == 0
        story.shoot(member, "member-sent")
        assert Visit.objects.count() == visits + 1
        problem = Problem.objects.get(title=TITLE)
        assert VisitPhoto.objects.filter(visit=problem.visit).count() == 1
        assert problem.status == "reported"
        problem_url = f"{url}/problems/{problem.pk}/"

        # 2. The office finds it in 我的待办 as 待交办 and hands it to 嘉祥县水务局 with a deadline.
        office = persona(browser, url, "office", DESKTOP)
        office.goto(f"{url}/")
        todo = office.locator("#my-todos li", has_text=TITLE)
        expect(todo).to_have_attribute("data-waiting", "triage")
        expect(todo).to_contain_text("待交办")
        story.shoot(office, "office-todos")
        todo.get_by_role("link", name=TITLE).click()
        office.wait_for_url(problem_url)
        act(office, "triage")
        office.select_option("#id_triage-level", "county")
        office.select_option("#id_triage-handling_org", label=world.dept.name)
        office.fill("#id_triage-deadline_days", "10")
        office.click("#action-triage button[type=submit]")
        expect(office.locator("#problem-status")).to_contain_text("已交办")
        expect(office.locator("#problem-panel #action-notice")).to_contain_text("已分级交办")
        story.shoot(office, "office-triaged")
        problem.refresh_from_db()
        assert problem.handling_org_id == world.dept.pk and problem.deadline_days == 10
        deadline = problem.deadline

        # 3. The handler, on a phone, signs it and asks for more time; the office approves; the handler 办结s.
        handler = persona(browser, url, "handler", PHONE)
        handler.goto(problem_url)
        act(handler, "accept")
        handler.click("#action-accept button[type=submit]")
        expect(handler.locator("#problem-status")).to_contain_text("已签收")
        act(handler, "request_extension")
        later = (deadline + timedelta(days=14)).isoformat()
        handler.fill("#id_request_extension-new_deadline", later)
        handler.fill("#id_request_extension-comment", "渠道清淤需等枯水期")
        handler.click("#action-request_extension button[type=submit]")
        expect(handler.locator("#problem-panel #action-notice")).to_contain_text("申请延期")
        story.shoot(handler, "handler-extension")

        office.goto(problem_url)
        act(office, "approve_extension")
        office.click("#action-approve_extension button[type=submit]")
        expect(office.locator("#problem-panel #action-notice")).to_contain_text("批准延期")
        story.shoot(office, "office-extension-approved")
        problem.refresh_from_db()
        assert problem.deadline.isoformat() == later

        handler.goto(problem_url)
        act(handler, "resolve")
        handler.fill("#id_resolve-resolution", "已完成渠道防渗处理")
        handler.click("#action-resolve button[type=submit]")
        expect(handler.locator("#problem-status")).to_contain_text("已办结")
        story.shoot(handler, "handler-resolved")

        # 4. The member's 回访: satisfied, and it is 销号.
        member.goto(problem_url)
        act(member, "verify")
        member.locator("#action-verify").get_by_label("满意", exact=True).check()
        member.click("#action-verify button[type=submit]")
        expect(member.locator("#problem-status")).to_contain_text("已销号")
        story.shoot(member, "member-closed")
        problem.refresh_from_db()
        assert problem.status == "closed"

        # 5. The leader clicks the county on the map and lands on its 问题台账, which shows the problem.
        leader = persona(browser, url, "leader", DESKTOP)
        leader.goto(f"{url}/reports/dashboard/")
        leader.wait_for_selector("#chart-map[data-ready]")
        story.shoot(leader, "leader-dashboard")
        click_county(leader, county)
        leader.wait_for_url(f"**/problems/?*region={world.county.code}*")
        expect(leader.locator("select[name=region]")).to_have_value(world.county.code)
        expect(leader.locator("table")).to_contain_text(TITLE)
        story.shoot(leader, "leader-county-ledger")
        browser.close()

    assert story.found == {}, json.dumps(story.found, ensure_ascii=False, indent=1)
