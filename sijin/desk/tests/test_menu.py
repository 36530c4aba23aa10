"""Each role sees its own work: every link of the navigation and every button of the main pages leads somewhere
the persona may go (200, never 403), and what a role may not do is not offered."""

import re
from html import unescape

import pytest

from sijin.accounts.models import Role
from sijin.accounts.services import user_role_ensure
from sijin.reports.services import briefing_generate
from sijin.testing import PASSWORD, client_for, d

PERSONAS = [
    "office",
    "unit",
    "leader",
    "group_leader",
    "member",
    "handler",
    "auditor",
    "admin",
    "outsider",
    "security",
]
PAGES = ["/", "/reports/briefings/", "/reports/ledgers/", "/targets/", "/support/checklists/"]
# Links that download a file or leave the site's pages (the set_language form and logout are forms, not links).
SKIP = re.compile(r"^(#|https?:|mailto:)|\.(xlsx|docx)$")


def security_admin() -> None:
    user_role_ensure(
        actor=None, username="security", password=PASSWORD, role=Role.SECURITY, display_name="安全员"
    )


def offered(html: str) -> set[str]:
    """The links of the navigation bar and the buttons (a.btn) of the page."""
    nav = html.split('<nav class="navbar', 1)[1].split("</nav>", 1)[0]
    links = set(re.findall(r'href="([^"]+)"', nav))
    links |= set(re.findall(r'<a class="btn[^"]*"[^>]*href="([^"]+)"', html))
    return {unescape(link) for link in links if not SKIP.search(link)}


@pytest.mark.slow  # several seconds: `make test-slow` and the PostgreSQL run have it
def test_it_offers_only_what_each_persona_may_open(world):
    security_admin()
    briefing_generate(
        actor=world.users["member"], group=world.group, period_start=d(6, 3), period_end=d(6, 30)
    )
    for username in PERSONAS:
        client = client_for(username)
        seen: set[str] = set()
        for page in PAGES:
            response = client.get(page)
            assert response.status_code == 200, (username, page)
            seen |= offered(response.content.decode())
        for link in sorted(seen):
            status = client.get(link).status_code
            assert status == 200, (username, link, status)


def test_it_hides_what_the_leader_may_not_do(world):
    briefing = briefing_generate(
        actor=world.users["member"], group=world.group, period_start=d(6, 3), period_end=d(6, 30)
    )
    leader = client_for("leader")
    nav = leader.get("/").content.decode()
    assert 'href="/visits/new/"' not in nav and 'href="/problems/"' in nav
    assert "生成简报" not in leader.get("/reports/briefings/").content.decode()
    assert "从 Excel 导入" not in leader.get("/reports/ledgers/").content.decode()
    html = leader.get(f"/reports/briefings/{briefing.pk}/").content.decode()
    assert 'name="submit"' not in html and 'name="save"' not in html
    member = client_for("member")
    assert 'name="submit"' in member.get(f"/reports/briefings/{briefing.pk}/").content.decode()
    assert "生成简报" in member.get("/reports/briefings/").content.decode()


def test_it_shows_the_handler_the_problems_not_the_groups_work(world):
    nav = client_for("handler").get("/").content.decode()
    assert 'href="/visits/new/"' not in nav and 'href="/groups/"' not in nav
    assert 'href="/problems/"' in nav and 'href="/problems/supervision/"' in nav
    assert 'href="/visits/new/"' in client_for("member").get("/").content.decode()


def test_it_shows_the_auditor_no_case_pages(world):
    nav = client_for("auditor").get("/").content.decode()
    assert 'href="/problems/"' not in nav and 'href="/targets/"' not in nav
    assert 'href="/admin/"' in nav


def test_it_gives_every_page_a_skip_link_and_the_charts_a_table(world):
    html = client_for("office").get("/reports/dashboard/").content.decode()
    assert 'href="#main"' in html and "跳到正文" in html and 'id="main"' in html
    tables = html.split('id="sj-chart-tables"', 1)[1].split("</details>", 1)[0]
    assert "<table" in tables and "基础设施" in tables  # a category of the world's problems, with its count
