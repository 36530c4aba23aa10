"""WCAG 2.1 AA in a real Chromium: axe-core (vendored for tests, see vendor/VERSIONS) finds no serious or critical
violation on the login page, the workbench, the 问题台账, a problem page and the dashboard, each seen by the
persona who uses it, as the page loads. About 10 s on an idle machine (one Chromium, two sessions)."""

import json
import os
from pathlib import Path

import pytest
from django.test import Client

from .test_browser import CHROMIUM, CHROMIUM_ARGS

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing (apt-get install chromium)",
    ),
]


def violations(page) -> list[str]:
    """Run axe on the loaded page; the serious and critical findings, one line each."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        RULES,
    )["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {json.dumps([n['target'] for n in v['nodes']][:5])}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def session_cookie(username: str, url: str) -> dict:
    from sijin.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}


@pytest.mark.django_db(transaction=True)
def test_it_passes_axe_on_the_main_pages(live_server, world):
    from playwright.sync_api import sync_playwright

    url = live_server.url
    problem = world.problems["in_progress"]
    visits = [
        (None, "/login/"),
        ("office", "/"),
        ("office", "/problems/"),
        ("office", "/reports/dashboard/"),
        ("handler", "/"),
        ("handler", f"/problems/{problem.pk}/"),  # with the forms of the steps the handler may take
    ]
    found: dict[str, list[str]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        contexts = {}
        for username, path in visits:
            if username not in contexts:
                # The site's Content-Security-Policy refuses inline scripts, axe's included: bypassed in tests only.
                context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
                if username:
                    context.add_cookies([session_cookie(username, url)])
                contexts[username] = context.new_page()
            page = contexts[username]
            response = page.goto(f"{url}{path}")
            assert response is not None and response.status == 200, (username, path)
            if problems := violations(page):
                found[f"{username or 'anonymous'} {path}"] = problems
        browser.close()
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
