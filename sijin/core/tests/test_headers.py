"""Headers that keep case data where it belongs (sijin.core.middleware.SecurityHeadersMiddleware).

- A Content-Security-Policy on every page: scripts, styles, fonts and images from the site only; no inline
  script, no on*="" handler, no style="" attribute — the templates are checked for them, the pages as served,
  and the main pages in a real Chromium, which reports any violation.
- ``Cache-Control: no-store`` on every page and file served to a logged-in user; static files may be cached.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

import sijin
from sijin.core.middleware import CONTENT_SECURITY_POLICY
from sijin.testing import client_for

TEMPLATES = sorted(p for p in (Path(sijin.__file__).parent / "templates").rglob("*.html"))
# <script> without src= (a json_script's data block is not run, and is allowed); <style>; on*="" handlers;
# style="" attributes; javascript: links.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE = {
    "script": INLINE_SCRIPT,
    "style element": re.compile(r"<style\b", re.I),
    "handler": re.compile(r"""\son[a-z]+\s*=\s*["'{]""", re.I),
    "style attribute": re.compile(r"""\sstyle\s*=\s*["'{]""", re.I),
    "javascript: link": re.compile(r"javascript:", re.I),
}
PAGES = [
    "/",
    "/groups/",
    "/targets/",
    "/visits/new/",
    "/problems/",
    "/problems/supervision/",
    "/support/plans/",
    "/support/outcomes/",
    "/support/checklists/",
    "/reports/ledgers/",
    "/reports/dashboard/",
    "/reports/briefings/",
    "/reports/methods/",
    "/reports/import/",
]


def inline_code(text: str) -> list[str]:
    return [f"{kind}: {m.group(0)}" for kind, pattern in INLINE.items() for m in pattern.finditer(text)]


def test_the_checks_see_what_they_look_for():
    assert inline_code('<script>alert(1)</script><select onchange="go()"><div style="width: 3px">') == [
        "script: <script>",
        'handler:  onchange="',
        'style attribute:  style="',
    ]
    assert not inline_code("<script src=\"{% static 'sijin/app.js' %}\"></script>")
    assert not inline_code('<script id="d" type="application/json">{"a": 1}</script><p class="one">x</p>')
    assert not inline_code('<div data-sj-width="40" data-onchange="x">')


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_no_template_has_inline_script_or_style(template):
    assert inline_code(template.read_text(encoding="utf-8")) == []


def page_ids(world) -> list[str]:
    problem, target = world.problems["in_progress"], world.enterprise
    return [
        *PAGES,
        f"/groups/{world.group.pk}/",
        f"/targets/{target.pk}/",
        f"/problems/{problem.pk}/",
        f"/support/targets/{target.pk}/outcomes/new/",
        f"/support/targets/{target.pk}/plans/new/",
    ]


def test_the_pages_as_served_have_no_inline_script_or_style(world):
    client = client_for("office")
    for address in page_ids(world):
        r = client.get(address)
        assert r.status_code == 200, address
        assert inline_code(r.content.decode()) == [], address
        assert r["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, address
    r = Client().get("/login/")
    assert inline_code(r.content.decode()) == []
    assert r["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_the_policy_allows_only_the_site_itself():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_it_forbids_caching_pages_and_files_with_case_data_but_not_static_files(world, settings):
    settings.WHITENOISE_USE_FINDERS = True  # static files from the source tree, without collectstatic
    settings.WHITENOISE_AUTOREFRESH = True
    client = client_for("office")
    problem = world.problems["in_progress"]
    for address in ("/", "/problems/", f"/problems/{problem.pk}/", f"/targets/{world.enterprise.pk}/"):
        assert no_store(client.get(address)), address
    ledger = client.get("/reports/ledgers/problems.xlsx")
    assert ledger.status_code == 200
    assert no_store(ledger)
    assert no_store(client.get("/no-such-page/"))  # error pages of a logged-in user too
    css = client.get("/static/sijin/app.css")
    assert css.status_code == 200
    assert not no_store(css)


# ---- in a real browser ----------------------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing")
@pytest.mark.django_db(transaction=True)
def test_the_main_pages_break_no_policy_in_chromium(world, live_server, monkeypatch):
    """Chromium reports every refused inline script, style or handler as a console error."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    session = client_for("office").cookies[settings.SESSION_COOKIE_NAME].value
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context()
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()

        def console(message) -> None:
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
                errors.append(f"{page.url}: {message.text}")

        page.on("console", console)
        page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
        # The pages whose scripts do most: htmx, Bootstrap's menus, the visit draft, ECharts, progress bars.
        for address in ["/", f"/problems/{world.overdue.pk}/", "/visits/new/", "/reports/dashboard/"]:
            response = page.goto(live_server.url + address)
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert page.locator("#chart-trend canvas").count() == 1  # ECharts drew, from its json_script data
        page.goto(live_server.url + "/support/plans/")
        bar = page.locator(".progress-bar[data-sj-width]").first
        assert bar.evaluate("el => el.style.width") == bar.get_attribute("data-sj-width") + "%"
        browser.close()
    assert errors == [], "\n".join(errors)
