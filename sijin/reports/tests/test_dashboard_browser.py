"""数据看板 in a real Chromium (Debian's /usr/bin/chromium): the county map draws from the vendored boundaries,
with no console error and no Content-Security-Policy violation, and the region picker cascades."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from sijin.testing import client_for

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing"),
]


@pytest.mark.django_db(transaction=True)
def test_it_draws_the_county_map_without_errors(live_server, world):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        context.set_default_timeout(8000)
        page = context.new_page()
        # A refused script or style would show as a console error and a securitypolicyviolation event.
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation',"
            " e => console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI))"
        )
        errors: list[str] = []
        missing: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
        session = client_for("office").cookies[settings.SESSION_COOKIE_NAME].value  # logged in as the 活动办
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page.goto(f"{live_server.url}/reports/dashboard/")
        page.wait_for_selector("#chart-map[data-ready]")
        assert int(page.get_attribute("#chart-map", "data-ready") or 0) > 5  # 济宁市's counties
        assert page.locator("#chart-map canvas").count() == 1
        assert page.locator("#chart-trend canvas").count() == 1
        page.click("[data-map-measure=overdue]")
        assert page.get_attribute("[data-map-measure=overdue]", "aria-pressed") == "true"

        # The picker: the plain select hidden, cascading selects instead; picking a county narrows to it.
        assert page.locator("select[name=region]").is_hidden()
        page.select_option(".sj-region-picker select[data-depth='0']", world.city.code)
        page.select_option(".sj-region-picker select[data-depth='1']", world.county.code)
        assert page.input_value("select[name=region]") == world.county.code
        page.click("form button.btn-primary")
        page.wait_for_url(f"**region={world.county.code}**")
        page.wait_for_selector("#chart-map[data-ready='1']")
        browser.close()
    missing = [u for u in missing if not u.endswith("/favicon.ico")]  # the site has none (not ours)
    assert missing == []
    assert [e for e in errors if not e.startswith("Failed to load resource")] == []
