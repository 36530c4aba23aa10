"""The navbar fits one line at 1366 px for every persona, in Chinese and in English: nothing wraps and nothing
is pushed past the right edge (a new menu entry or the bell can do either). Real Chromium, fonts-noto-cjk."""

import os
from pathlib import Path

import pytest

from sijin.core.tests.test_accessibility import session_cookie
from sijin.core.tests.test_browser import CHROMIUM, CHROMIUM_ARGS

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing (apt-get install chromium)",
    ),
]
PERSONAS = ["office", "unit", "leader", "group_leader", "member", "handler", "auditor", "admin"]
WIDTH = 1366
# The navbar's height and the right edge of its rightmost visible item.
MEASURE = """() => {
  const nav = document.querySelector('nav.navbar');
  const shown = [...nav.querySelectorAll('a, button, span')].filter(e => e.offsetParent !== null);
  return [nav.getBoundingClientRect().height, Math.max(...shown.map(e => e.getBoundingClientRect().right))];
}"""


@pytest.mark.django_db(transaction=True)
def test_every_personas_navbar_fits_one_line_in_both_languages(live_server, world):
    from playwright.sync_api import sync_playwright

    url = live_server.url
    too_wide = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for username in PERSONAS:
            for language in ("zh-hans", "en"):
                context = browser.new_context(viewport={"width": WIDTH, "height": 800})
                context.add_cookies(
                    [
                        session_cookie(username, url),
                        {"name": "django_language", "value": language, "url": url},
                    ]
                )
                page = context.new_page()
                page.goto(f"{url}/")
                height, right = page.evaluate(MEASURE)
                if height > 64 or right > WIDTH:
                    too_wide[f"{username} {language}"] = (height, right)
                context.close()
        browser.close()
    assert too_wide == {}
