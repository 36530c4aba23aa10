"""The 简报 editor in a real Chromium (Debian's /usr/bin/chromium): Quill over the body, under the site's
Content-Security-Policy; what the office types is saved as the briefing's HTML."""

import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing (apt-get install chromium)",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_it_edits_the_briefing_in_the_rich_text_editor(live_server, world, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's ORM calls are still sync. Set for
    # this test only (a subprocess of another test must not inherit it).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    from sijin.reports.models import Briefing
    from sijin.reports.services import briefing_generate

    briefing = briefing_generate(
        actor=world.users["member"],
        group=world.group,
        period_start=date(2025, 6, 9),
        period_end=date(2025, 6, 29),
    )
    tables = briefing.body.count("<table>")
    assert tables == 2  # the four rates and the overdue problems
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
        page.set_default_timeout(15000)
        refused: list[str] = []
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "member")
        page.fill("#id_password", "sijin-demo")
        page.click("form button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/reports/briefings/{briefing.pk}/")

        editor = page.locator("#briefing-editor .ql-editor")
        expect(editor.locator("h2").first).to_have_text("进企业真服务,在“帮”上下功夫")
        expect(editor.locator("table")).to_have_count(tables)
        expect(page.locator("#id_body")).to_be_hidden()  # the text box gives way to the editor
        # A new section at the end: type it, make it a heading with the toolbar, then a paragraph under it.
        editor.click()
        page.keyboard.press("Control+End")
        page.keyboard.press("Enter")
        page.keyboard.type("下步工作打算")
        page.locator("#briefing-toolbar .ql-header .ql-picker-label").click()
        page.locator('#briefing-toolbar .ql-header .ql-picker-item[data-value="2"]').click()
        page.keyboard.press("End")
        page.keyboard.press("Enter")
        page.locator("#briefing-toolbar .ql-header .ql-picker-label").click()
        page.locator("#briefing-toolbar .ql-header .ql-picker-item:not([data-value])").click()
        page.keyboard.type("继续跟进 超期问题。")
        page.keyboard.press("Shift+Home")
        page.locator("#briefing-toolbar button.ql-bold").click()
        folder = settings.VAR_DIR / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / "briefing-editor-1440.png"), full_page=True)
        page.locator("#briefing-form button[name=save]").click()
        expect(page.locator(".alert-success")).to_contain_text("已保存")
        browser.close()

    body = Briefing.objects.get(pk=briefing.pk).body
    assert body.endswith("<h2>下步工作打算</h2>\n<p><strong>继续跟进 超期问题。</strong></p>")
    assert body.count("<table>") == tables and "<td>响应率</td>" in body
    assert not re.search(r"<[a-z0-9]+ [^>]*>", body)  # no attribute came through (data-row, style …)
    assert "&nbsp;" not in body and "\xa0" not in body
    assert briefing.versions.filter(kind="saved").count() == 1
    assert not refused, refused
