"""The 问题台账 in a fixed number of queries: every persona and every kind of page (page 1, a status filter, a
keyword, a sort, a later keyset page) takes as many queries with sixty rows as with six hundred, and at most
eight; and the bulk bar's units and handlers, fetched when the bar opens, only ever for the user's own problems."""

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sijin.accounts import access
from sijin.accounts.models import Role, User
from sijin.accounts.services import user_role_ensure
from sijin.core.pagination import Total, keyset_paginate
from sijin.core.tests.test_browser import CHROMIUM, CHROMIUM_ARGS
from sijin.directory.services import organization_ensure
from sijin.problems.forms import ProblemFilterForm
from sijin.problems.models import Problem, Status
from sijin.testing import PASSWORD, World, client_for

LIST_BUDGET = 8
PERSONAS = ("office", "group_leader", "member", "handler", "leader")
PAGES = (
    "/problems/",
    "/problems/?status=assigned",
    "/problems/?q=排水沟",
    "/problems/?sort=deadline",
    "/problems/?status=assigned&q=排水沟&sort=-deadline",
)
WORD = "排水沟"


def add_problems(world: World, n: int) -> None:
    """``n`` problems of the world's group at its project, assigned to 嘉祥县水务局 and due in a month (so every
    persona sees them, and their lights need the working-day clock), titled with the keyword. One insert."""
    model = world.problems["assigned"]
    today = timezone.localdate()
    Problem.objects.bulk_create(
        Problem(
            campaign_id=model.campaign_id,
            target_id=model.target_id,
            group_id=model.group_id,
            region_id=model.region_id,
            title=f"{WORD}第{i:03d}段堵塞",
            reported_on=today - timedelta(days=i % 20),
            status=Status.ASSIGNED,
            level="county",
            assigned_on=today - timedelta(days=i % 20),
            deadline=today + timedelta(days=30 + i % 7),
            handling_org=world.dept,
        )
        for i in range(n)
    )


def next_link(body: str) -> str:
    tag = re.search(r'<a[^>]*rel="next"[^>]*>', body)
    assert tag, "no 下一页"
    return html.unescape(re.search(r'href="([^"]+)"', tag.group(0)).group(1))


def queries(client, url: str) -> tuple[int, str]:
    """The queries of one request of ``url`` (after a first one: the session settles) and its page."""
    assert client.get(url).status_code == 200
    connection.queries_log.clear()  # the log is a bounded deque: building the world may have filled it
    with CaptureQueriesContext(connection) as captured:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(captured), r.content.decode()


def counts(username: str) -> dict[str, int]:
    """Each page's queries for ``username``, and those of page 2 reached by the 下一页 link of page 1."""
    client = client_for(username)
    found = {}
    for url in PAGES:
        found[url], body = queries(client, url)
        if url == "/problems/":
            found["page 2"], _ = queries(client, f"/problems/{next_link(body)}")
    return found


@pytest.mark.slow  # several seconds: `make test-slow` and the PostgreSQL run have it
def test_it_answers_every_page_in_as_many_queries_whatever_the_rows(world):
    add_problems(world, 60)  # two pages for everyone
    few = {username: counts(username) for username in PERSONAS}
    add_problems(world, 540)  # twelve pages
    many = {username: counts(username) for username in PERSONAS}
    assert many == few
    for username, pages in many.items():
        for page, n in pages.items():
            assert n <= LIST_BUDGET, (username, page, n)


def test_it_needs_no_more_queries_when_a_page_holds_everything(world):
    add_problems(world, 1)  # one running problem with its deadline ahead: the lights read the clock
    few = {username: queries(client_for(username), "/problems/")[0] for username in PERSONAS}
    add_problems(world, 300)
    many = {username: queries(client_for(username), "/problems/")[0] for username in PERSONAS}
    assert few == many


def test_it_shows_each_row_its_light_and_the_total_without_a_query_of_its_own(world):
    add_problems(world, 60)
    body = client_for("office").get("/problems/?q=排水沟").content.decode()
    assert "共 60 条" in body
    assert body.count("sj-light-green") == 50  # due in a month: 正常, read from the working-day clock
    # 下一页 carries the total: page 2 shows it without counting again, and the last page knows it anyway
    page_two = client_for("office").get(f"/problems/{next_link(body)}").content.decode()
    assert "共 60 条" in page_two
    overdue = client_for("office").get("/problems/?status=in_progress").content.decode()
    assert "sj-light-red" in overdue and "共 1 条" in overdue


def test_it_counts_a_long_list_no_further_than_the_cap(world, rf):
    """PostgreSQL asks its planner first and, expecting more than the cap, shows the estimate; SQLite counts up
    to the cap in the query of the rows (10,000+); a short list is counted exactly in that query."""
    add_problems(world, 30)
    rows = Problem.objects.order_by()
    order = ("-reported_on", "-id")
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        page = keyset_paginate(rf.get("/problems/"), rows, order, 10, counted=True, exact_under=20)
    if connection.vendor == "postgresql":
        assert page.total.kind == "estimate" and page.total.n >= 20  # the planner's figure
        assert len(captured) == 2 and captured[0]["sql"].startswith("EXPLAIN")
    else:
        assert page.total == Total(20, "at_least") and str(page.total) == "20+ 条"
        assert len(captured) == 1
    with CaptureQueriesContext(connection) as captured:
        exact = keyset_paginate(rf.get("/problems/"), rows, order, 10, counted=True)
    assert exact.total == Total(Problem.objects.count())
    assert len(captured) == (2 if connection.vendor == "postgresql" else 1)
    # the link to page 2 carries the total: page 2 counts nothing
    link = exact.link(2)
    with CaptureQueriesContext(connection) as captured:
        two = keyset_paginate(
            rf.get("/problems/", {"page": 2, "after": link.after}), rows, order, 10, counted=True
        )
    assert two.total == exact.total and len(captured) == 1


# ---- the bulk bar's units and handlers, when it opens ---------------------------------------------------------
def options_of(body: str, name: str) -> list[str]:
    """The options (but the empty one) of the bulk bar's select ``name``."""
    select = re.search(rf'<select name="{name}"[^>]*id="bulk-{name}"[^>]*>(.*?)</select>', body, re.S)
    assert select, name
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', select.group(1))
    return [html.unescape(label) for value, label in options if value]


def bulk_options_url(body: str) -> str:
    return html.unescape(re.search(r'data-options="([^"]+)"', body).group(1))


def test_the_page_leaves_the_bulk_bars_units_to_be_fetched_when_it_opens(world):
    body = client_for("office").get("/problems/").content.decode()
    assert options_of(body, "handling_org") == [] and options_of(body, "handler") == []
    url = bulk_options_url(body)
    assert url.startswith("/problems/bulk/options/?problems=")
    shown = {int(pk) for pk in re.findall(r'name="problems" value="(\d+)"', body)}
    assert {int(pk) for pk in re.findall(r"problems=(\d+)", url)} == shown
    fragment = client_for("office").get(url).content.decode()
    units = options_of(fragment, "handling_org")
    assert {"嘉祥县水务局", "嘉祥县自然资源局", "济宁市农业农村局"} <= set(units)
    assert "赵静" in options_of(fragment, "handler")
    assert 'id="bulk-handling_org"' in fragment and 'data-org="' in fragment


def test_without_javascript_the_bulk_bars_link_brings_the_page_with_its_units(world):
    body = client_for("office").get("/problems/").content.decode()
    assert 'href="?bulk=1"' in body and "collapse card" in body  # closed
    opened = client_for("office").get("/problems/?bulk=1").content.decode()
    assert "collapse show card" in opened and "data-options" not in opened
    assert "嘉祥县水务局" in options_of(opened, "handling_org")
    export = html.unescape(re.search(r'id="ledger-export"\s+href="([^"]+)"', opened).group(1))
    assert "bulk" not in export


def test_the_bulk_options_are_only_the_users_own(world):
    ids = "&".join(f"problems={p.pk}" for p in world.problems.values())
    url = f"/problems/bulk/options/?{ids}"
    # the office of another city: its own problems only, and it has none of these
    outsider = client_for("outsider").get(url)
    assert outsider.status_code == 200
    assert options_of(outsider.content.decode(), "handling_org") == []
    assert options_of(outsider.content.decode(), "handler") == []
    # another city's dispatching unit, which may route its own groups' problems
    weifang = organization_ensure(
        actor=None, name="潍坊市农业农村局", region=world.outside_city, kind="government"
    )
    user_role_ensure(
        actor=None, username="other_unit", password=PASSWORD, role=Role.UNIT, organization=weifang
    )
    assert options_of(client_for("other_unit").get(url).content.decode(), "handling_org") == []
    # the group's leader: the group's problems' units
    assert "嘉祥县水务局" in options_of(client_for("group_leader").get(url).content.decode(), "handling_org")


@pytest.mark.parametrize("username", ["handler", "member", "leader", "auditor"])
def test_the_bulk_options_refuse_those_who_may_not_route(world, username):
    url = f"/problems/bulk/options/?problems={world.problems['reported'].pk}"
    assert client_for(username).get(url).status_code == 403


def test_the_bulk_options_refuse_ids_that_are_not_ids(world):
    for query in ("problems=abc", "problems=-1", f"problems={2**40}"):
        assert client_for("office").get(f"/problems/bulk/options/?{query}").status_code == 404, query


def test_the_bulk_options_of_no_problems_are_none(world):
    r = client_for("office").get("/problems/bulk/options/")
    assert r.status_code == 200
    assert options_of(r.content.decode(), "handling_org") == []


# ---- the filters' drop-downs: the scope's own, in one query ------------------------------------------------
def offered(username: str, django_assert_num_queries) -> dict[str, set[str]]:
    """The labels each drop-down offers ``username``, read (the grants aside: once per request) in one query."""
    user = User.objects.get(username=username)
    access.grants(user)
    with django_assert_num_queries(1):
        form = ProblemFilterForm(None, user=user)
    return {
        name: {str(label).strip("\u3000") for value, label in form.fields[name].choices if value}
        for name in ("region", "handling_org", "category")
    }


def test_the_drop_downs_offer_each_user_their_scope_in_one_query(world, django_assert_num_queries):
    office = offered("office", django_assert_num_queries)
    assert {"嘉祥县", "汶上县"} <= office["region"] and "潍坊市" not in office["region"]
    assert {"嘉祥县水务局", "济宁市农业农村局"} <= office["handling_org"]
    handler = offered("handler", django_assert_num_queries)
    assert handler["region"] == {"嘉祥县"}  # its problems' county; 济宁市 and 山东省 above it are the trunk
    assert handler["handling_org"] == {"嘉祥县水务局"}
    assert handler["category"] == office["category"] != set()
    member = offered("member", django_assert_num_queries)
    assert member["region"] == {"嘉祥县"} and "济宁市农业农村局" in member["handling_org"]
    outsider = offered("outsider", django_assert_num_queries)
    assert "嘉祥县" not in outsider["region"] and "嘉祥县水务局" not in outsider["handling_org"]


# ---- in a real browser: the bar fetches its units when it opens, and a tick opens it -------------------------
@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1366])
def test_the_bulk_bar_fetches_its_units_when_it_opens_and_triages(world, live_server, browser, width):
    from playwright.sync_api import expect

    problem = world.problems["reported"]
    url = live_server.url
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{url}/login/")
    page.fill("#id_username", "office")
    page.fill("#id_password", "sijin-demo")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{url}/")
    page.goto(f"{url}/problems/")
    bar = page.locator("#bulk-form")
    expect(bar).to_be_hidden()
    expect(page.locator("#bulk-handling_org option")).to_have_count(1)  # 承办单位 only: nothing fetched yet
    with page.expect_response(lambda r: "/problems/bulk/options/" in r.url):
        page.get_by_role("button", name="批量交办/催办").click()
    expect(bar).to_be_visible()
    expect(page.locator("#bulk-handling_org option", has_text="嘉祥县水务局")).to_have_count(1)
    page.locator(f"#pick-{problem.pk}").check()
    expect(page.locator("#bulk-count")).to_have_text("已选 1 件")
    page.select_option("#bulk-action", "triage")
    page.select_option("#bulk-level", "county")
    page.select_option("#bulk-handling_org", label="嘉祥县水务局")
    # problem-routing.js offers only the chosen unit's people
    handlers = page.evaluate(
        "[...document.querySelectorAll('#bulk-handler option')].filter(o => o.value && !o.hidden)"
        ".map(o => o.textContent)"
    )
    assert handlers == ["赵静"]
    page.select_option("#bulk-handler", label="赵静")
    page.get_by_role("button", name="执行").click()
    expect(page.locator(".alert-success")).to_contain_text("已交办 1 件")
    problem.refresh_from_db()
    assert problem.status == Status.ASSIGNED and problem.handling_org_id == world.dept.pk
    # A closed bar opens when a row is ticked.
    expect(bar).to_be_hidden()
    page.locator('input[name="problems"]').first.check()
    expect(bar).to_be_visible()
    assert errors == []
    context.close()
