"""问题台账 at province scale: keyset pages (下一页, 上一页, 第N页 by seeking), the total exact when cheap and
estimated when not, and a query count that does not grow with the rows."""

import html
import re
from datetime import date, timedelta

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from sijin.accounts.access import region_within_q
from sijin.core.pagination import Total, count_total
from sijin.directory.models import Region
from sijin.problems.models import Problem, Status
from sijin.testing import World, client_for

EXTRA = 160  # with the world's own: three pages of 50 and some


@pytest.fixture
def crowded(world: World) -> World:
    """The world plus EXTRA problems at its project, many on the same day (ties that only the id orders) and
    a third with a deadline (NULLs to order too). Made in one insert: the rows are the fixture, not the test."""
    model = world.problems["reported"]
    start = date(2025, 6, 1)
    rows = []
    for i in range(EXTRA):
        deadline = start + timedelta(days=20 + i % 7) if i % 3 == 0 else None
        rows.append(
            Problem(
                campaign_id=model.campaign_id,
                target_id=model.target_id,
                group_id=model.group_id,
                region_id=model.region_id,
                title=f"排水沟{i:03d}号段堵塞",
                reported_on=start + timedelta(days=i % 9),
                status=Status.ASSIGNED if deadline else Status.REPORTED,
                assigned_on=start if deadline else None,
                deadline=deadline,
                handling_org=world.dept if deadline else None,
            )
        )
    Problem.objects.bulk_create(rows)
    return world


def link(body: str, rel: str) -> str | None:
    """The href of the pager's 下一页 (``next``) or 上一页 (``prev``)."""
    tag = re.search(rf'<a[^>]*rel="{rel}"[^>]*>', body)
    return html.unescape(re.search(r'href="([^"]+)"', tag.group(0)).group(1)) if tag else None


def ids(response) -> list[int]:
    return [p.pk for p in response.context["page_obj"]]


def expected(username: str, *order: str) -> list[int]:
    from sijin.accounts.models import User

    user = User.objects.get(username=username)
    return list(Problem.objects.visible_to(user).order_by(*order).values_list("id", flat=True))


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("", ("-reported_on", "-id")),
        ("deadline", ("deadline", "id")),  # NULLs where the database puts them, as its index does
        ("-handling_org", ("-handling_org__name", "-id")),  # NULLs through a relation
    ],
)
def test_it_walks_every_page_forwards_and_back_by_seeking(crowded, sort, order):
    client = client_for("office")
    every = expected("office", *order)
    assert len(every) > 150
    url = f"/problems/?sort={sort}" if sort else "/problems/"
    seen, pages, bodies = [], [], []
    while url:
        r = client.get(url)
        assert r.status_code == 200, url
        page = r.context["page_obj"]
        assert page.number == len(pages) + 1  # 第N页 however it was reached
        pages.append(ids(r))
        seen += ids(r)
        body = r.content.decode()
        bodies.append(body)
        nxt = link(body, "next")
        assert "offset" not in (nxt or "")
        if nxt:
            assert "after=" in nxt and f"page={page.number + 1}" in nxt
        url = f"/problems/{nxt}" if nxt else None
    assert seen == every  # each row once, in the list's order
    # 上一页 from the last page back to the first: the same pages.
    body, n = bodies[-1], len(pages)
    while (prev := link(body, "prev")) is not None:
        n -= 1
        r = client.get(f"/problems/{prev}")
        assert ids(r) == pages[n - 1] and r.context["page_obj"].number == n
        body = r.content.decode()
    assert n == 1


def test_it_jumps_to_a_nearby_page_by_seeking_from_the_page_it_is_on(crowded):
    client = client_for("office")
    every = expected("office", "-reported_on", "-id")
    first = client.get("/problems/")
    page = first.context["page_obj"]
    three = page.link(3)
    assert three.after and not three.before
    r = client.get("/problems/", {"page": 3, "after": three.after})
    assert ids(r) == every[100:150]
    # and back from page 3 to page 2 by its first row
    two = r.context["page_obj"].link(2)
    assert two.before and not two.after
    assert ids(client.get("/problems/", {"page": 2, "before": two.before})) == every[50:100]
    # a page asked for by number alone: OFFSET, only for the first pages
    assert ids(client.get("/problems/", {"page": 2})) == every[50:100]
    assert client.get("/problems/", {"page": 11}).status_code == 404


def test_it_refuses_a_cursor_that_is_not_one_with_a_404(crowded):
    client = client_for("office")
    after = client.get("/problems/").context["page_obj"].link(2).after
    for params in (
        {"page": 2, "after": "junk"},
        {"page": 2, "after": "W10"},  # an empty list
        {"page": 2, "after": after[:-3]},
        {"page": 9, "after": after},  # further than a link goes from page 1
        {"page": 1, "after": after},  # backwards with an "after" cursor
        {"page": "x", "after": after},
        {"page": 40, "before": after},
    ):
        assert client.get("/problems/", params).status_code == 404, params
    assert client.get("/problems/", {"page": 2, "after": after}).status_code == 200


def test_it_keeps_the_filters_and_the_cursor_apart_in_the_export_link(crowded):
    client = client_for("office")
    nxt = link(client.get("/problems/?status=reported").content.decode(), "next")
    body = client.get(f"/problems/{nxt}").content.decode()
    export = html.unescape(re.search(r'id="ledger-export"\s+href="([^"]+)"', body).group(1))
    assert export == "/reports/ledgers/problems.xlsx?status=reported"


def test_it_counts_exactly_when_cheap_and_estimates_when_not(crowded):
    visible = Problem.objects.all()
    n = visible.count()
    assert count_total(visible) == Total(n)
    small = count_total(visible, exact_under=10)
    if connection.vendor == "postgresql":
        assert small.kind == "estimate" and small.n > 0  # the planner's figure, no row read
    else:
        assert small == Total(10, "at_least") and str(small) == "10+ 条"
    body = client_for("office").get("/problems/").content.decode()
    office_n = len(expected("office", "id"))
    assert f"共 {office_n} 条" in body


def test_it_says_an_estimate_as_a_person_would():
    assert str(Total(300_412, "estimate")) == "约30万条"
    assert str(Total(25_530, "estimate")) == "约2.6万条"
    assert str(Total(20_000, "estimate")) == "约2万条"
    assert str(Total(1_234_567, "estimate")) == "约123万条"
    assert str(Total(10_000, "at_least")) == "10,000+ 条"
    assert str(Total(1_234)) == "共 1,234 条"


def more_problems(world: World, n: int) -> None:
    model = world.problems["reported"]
    Problem.objects.bulk_create(
        Problem(
            campaign_id=model.campaign_id,
            target_id=model.target_id,
            group_id=model.group_id,
            region_id=model.region_id,
            title=f"问题{i}",
            reported_on=date(2025, 6, 1),
        )
        for i in range(n)
    )


# The office's page: the request's own 4 (session, user, grants, and the per-user facts — second factor,
# notifications, menu — in one), the filters' drop-downs 1, the rows with the total 1 (PostgreSQL's estimate
# of a long list: 1 more), the lights' clock 1; the bulk bar's units and handlers come when it opens.
# test_list_queries.py counts each variant exactly.
QUERY_BUDGET = 8


def test_it_answers_in_as_many_queries_whatever_the_rows(world, django_assert_max_num_queries):
    more_problems(world, 60)  # two pages: the total is counted
    client = client_for("office")
    client.get("/problems/")  # the session and the user's grants settle
    reset_queries()  # the log keeps 9,000 queries: building the world fills it
    with CaptureQueriesContext(connection) as two_pages:
        assert client.get("/problems/").status_code == 200
    n = len(two_pages)  # now: the next request empties the log the capture reads
    assert 5 <= n <= QUERY_BUDGET
    more_problems(world, 240)
    for url in ("/problems/", "/problems/?status=reported&sort=deadline", "/problems/?page=2"):
        with django_assert_max_num_queries(n):
            assert client.get(url).status_code == 200
    nxt = link(client.get("/problems/").content.decode(), "next")
    with django_assert_max_num_queries(n):
        assert client.get(f"/problems/{nxt}").status_code == 200
    member = client_for("member")
    member.get("/problems/")
    with django_assert_max_num_queries(n):
        assert member.get("/problems/").status_code == 200


@pytest.mark.slow  # several seconds: `make test-slow` and the PostgreSQL run have it
def test_a_region_range_means_exactly_a_code_prefix(world):
    """The office's subtree as ``code >= p AND code < p+1`` holds exactly the codes that start with ``p``, for
    every region's prefix (a trailing 9 carries: 3719 → 372)."""
    counties = Region.objects.filter(level__lte=3).only("code", "level")
    prefixes = {r.prefix for r in counties} | {"3719", "379", "99", "9"}
    for prefix in sorted(prefixes):
        by_range = set(Region.objects.filter(region_within_q("code", prefix)).values_list("code", flat=True))
        by_like = set(Region.objects.filter(code__startswith=prefix).values_list("code", flat=True))
        assert by_range == by_like, prefix
