"""数据看板's reads at province scale give what their plain definitions give: the problems counted in one query
(``live_counts``) as the grouped queries count them, the region picker's regions as the problems' own regions
and their ancestors, and the page's drop-downs read once each."""

from collections import Counter
from datetime import date

import pytest
from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import Substr
from django.test.utils import CaptureQueriesContext

from sijin.accounts import access
from sijin.campaigns import services as campaigns
from sijin.directory.models import PREFIX_LENGTH, Region, RegionLevel
from sijin.directory.services import regions_load_deep
from sijin.problems.models import SOLVED_STATUSES, VOID_STATUSES, Light, Problem
from sijin.problems.rates import rate_counts
from sijin.problems.services import problem_report
from sijin.problems.supervision import light_conditions
from sijin.reports.dashboard import (
    Counts,
    Filters,
    dashboard_data,
    live_counts,
    picker_regions,
    scoped_problems,
)
from sijin.reports.forms import DashboardForm
from sijin.reports.tests.test_dashboard_tally import filters, wider  # noqa: F401 (wider: a fixture)
from sijin.testing import client_for, d, outsider

PERSONAS = ["office", "leader", "unit", "group_leader", "member", "admin", "handler", "outsider"]
VILLAGE = "370829001008"  # 呈祥社区, in 嘉祥街道 (嘉祥县, the world's county)


@pytest.fixture
def wide(wider):  # noqa: F811 (the fixture imported above)
    """test_dashboard_tally's wider world: two campaigns, groups in two counties."""
    return wider


@pytest.fixture
def deep(wide):
    """The wider world, with a town of 嘉祥县 and its villages and two problems of a target in one village."""
    regions_load_deep(within=VILLAGE[:9], level=RegionLevel.VILLAGE)  # 嘉祥街道 and its villages
    target = campaigns.target_create(
        actor=wide.users["admin"],
        campaign=wide.campaign,
        kind=wide.kinds["village"],
        name="呈祥社区",
        region=Region.objects.get(code=VILLAGE),
        group=wide.group,
    )
    for n in range(2):
        problem_report(actor=wide.users["admin"], target=target, title=f"村里的问题{n}", reported_on=d(6, 14))
    return wide


def user_of(world, username: str):
    return outsider() if username == "outsider" else world.users[username]


def grouped(problems, today: date) -> dict[str, Counter]:
    """The definitions: each grouping of the problems its own grouped query, as the ORM writes it."""
    lights = light_conditions(today)
    not_void = ~Q(status__in=VOID_STATUSES)
    rates = {
        name: Count("id", filter=not_void if c.filter is None else not_void & c.filter)
        for name, c in rate_counts(today).items()
    }
    rows = problems.order_by()
    by_group = rows.values("group_id", p=Substr("region_id", 1, 6)).annotate(
        n=Count("id"),
        red=Count("id", filter=lights[Light.RED]),
        yellow=Count("id", filter=lights[Light.YELLOW]),
        **rates,
    )
    dims = rows.values("target__kind_id", "status", "category_id", "level").annotate(n=Count("id"))
    days = rows.values(day=F("reported_on")).annotate(
        found=Count("id"), solved=Count("id", filter=Q(status__in=SOLVED_STATUSES))
    )
    regions = rows.values(p=F("region_id")).annotate(n=Count("id"))
    return {
        "by_group": Counter(tuple(sorted(r.items())) for r in by_group),
        "dims": Counter(tuple(sorted(r.items())) for r in dims),
        "days": Counter(tuple(sorted(r.items())) for r in days),
        "regions": Counter(tuple(sorted(r.items())) for r in regions),
    }


def as_counters(counts: Counts) -> dict[str, Counter]:
    assert counts.kind_status == counts.facets
    return {
        "by_group": Counter(tuple(sorted(r.items())) for r in counts.by_group),
        "dims": Counter(tuple(sorted(r.items())) for r in counts.kind_status),
        "days": Counter(tuple(sorted(r.items())) for r in counts.days),
        "regions": Counter(tuple(sorted(r.items())) for r in counts.regions or []),
    }


def counted_alike(world, cases) -> None:
    for username, f, today in cases:
        problems = scoped_problems(user_of(world, username), f)
        with CaptureQueriesContext(connection) as seen:
            counts = live_counts(problems, today)
        assert as_counters(counts) == grouped(problems, today), (username, f, today)
        read = [q["sql"] for q in seen.captured_queries if '"problems_problem"' in q["sql"]]
        assert len(read) == 1, (username, f)


def test_it_counts_the_problems_in_one_query_as_the_grouped_queries_do(deep):
    """Every persona without a filter and with the filters that count the problems themselves (a period, a
    township)."""
    township = Region.objects.get(code=VILLAGE[:9].ljust(12, "0"))
    periods = [Filters(), Filters(start=d(6, 11), end=d(6, 16)), Filters(region=township)]
    counted_alike(deep, [(username, f, d(6, 16)) for username in PERSONAS for f in periods])
    office = live_counts(scoped_problems(deep.users["office"], Filters()), d(6, 16))
    assert (
        sum(row["n"] for row in office.by_group) == Problem.objects.visible_to(deep.users["office"]).count()
    )
    # The page of the township: its village's bar holds them all and opens the township's ledger.
    data = dashboard_data(deep.users["office"], Filters(region=township))
    bar = {
        "label": Region.objects.get(code=VILLAGE).name,
        "n": 2,
        "url": f"/problems/?region={township.code}",
    }
    assert data["total"] == 2 and data["charts"]["region"] == [bar]


def test_it_counts_the_problems_in_one_query_with_every_filter(deep):
    """The office with every filter, on two days (the lights and late signing differ)."""
    counted_alike(
        deep, [("office", f, today) for f in filters(deep).values() for today in (d(6, 16), d(6, 25))]
    )


def test_it_counts_a_day_without_problems_as_nothing(wide):
    counts = live_counts(scoped_problems(wide.users["office"], Filters(start=d(5, 1), end=d(5, 2))), d(6, 16))
    assert counts == Counts(by_group=[], kind_status=[], facets=[], days=[], regions=[])


def picker_definition(user) -> list[str]:
    """The picker's regions by their definition: the regions of the problems in scope and every region above
    them, less the levels that hold one region only (from the top), and a region grant's region with its
    cities and counties."""
    lines: set[str] = set()
    for code in Problem.objects.visible_to(user).values_list("region_id", flat=True):
        level = Region.objects.get(code=code).level
        lines |= {code} | {code[: PREFIX_LENGTH[lv]].ljust(12, "0") for lv in RegionLevel if lv < level}
    held = list(Region.objects.filter(code__in=lines))
    levels = sorted({r.level for r in held})
    while len(levels) > 1 and [r.level for r in held].count(levels[0]) == 1:
        levels.pop(0)
    codes = {r.code for r in held if r.level >= levels[0]}
    for grant in access.grants(user):
        if grant.role in access.REGION_ROLES and grant.region is not None:
            codes.add(grant.region.code)
            codes |= {
                r.code
                for r in Region.objects.filter(level__lte=RegionLevel.COUNTY)
                if r.code.startswith(grant.region.prefix)
            }
    return sorted(codes)


def test_it_offers_the_regions_of_the_problems_and_the_grants(deep):
    offered = {}
    for username in PERSONAS:
        user = user_of(deep, username)
        offered[username] = list(picker_regions(user).values_list("code", flat=True))
        assert offered[username] == picker_definition(user), username
    # Problems in two counties: the village's town and county too; the member's all in 嘉祥县: what is below it.
    assert {VILLAGE, VILLAGE[:9].ljust(12, "0"), deep.county.code} <= set(offered["office"])
    assert {VILLAGE, VILLAGE[:9].ljust(12, "0"), deep.county.code} <= set(offered["admin"])
    assert offered["member"] == [VILLAGE]
    outside = offered["outsider"]  # 潍坊市's office: its own city and counties
    assert outside and all(code.startswith("3707") for code in outside)


def test_it_probes_the_regions_for_an_office_rather_than_reading_its_problems(wide):
    """An office's picker asks the region index whether each region in its subtree has a problem: it never
    lists the problems (at 1,000,000 problems a city office's 219,046)."""
    with CaptureQueriesContext(connection) as seen:
        picker_regions(wide.users["office"])
    read = [q["sql"] for q in seen.captured_queries if '"problems_problem"' in q["sql"]]
    assert len(read) == 1 and "EXISTS" in read[0] and "DISTINCT" not in read[0]


def test_it_offers_each_list_as_a_select_read_beforehand(wide):
    """The page's three drop-downs: what the user may pick, styled as selects, and no query to render them (a
    city office is offered hundreds of groups)."""
    form = DashboardForm(wide.users["office"])
    with CaptureQueriesContext(connection) as seen:
        html = {name: str(form[name]) for name in ("campaign", "region", "group")}
    assert seen.captured_queries == []
    page = client_for("office").get("/reports/dashboard/").content.decode()
    for name in ("campaign", "region", "group"):
        options = html[name].split(">", 1)[1]
        assert options in page  # as the form has them
        assert f'<select name="{name}" class="form-select"' in page  # and styled as a select
    for campaign in (wide.campaign, wide.second):
        assert f'<option value="{campaign.pk}">{campaign.name}</option>' in html["campaign"]
    assert f'<option value="{wide.second_group.pk}">{wide.second_group.name}</option>' in html["group"]
    assert f'<option value="{wide.other_county.code}">' in html["region"]
