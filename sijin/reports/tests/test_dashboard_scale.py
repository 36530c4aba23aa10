"""数据看板 at province scale: a fixed handful of grouped queries, however many groups, units, regions, kinds
and categories are in scope, and still the same numbers as a count of each thing on its own."""

from collections import Counter

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from sijin.campaigns import services as campaigns
from sijin.directory.models import Region, RegionLevel
from sijin.directory.services import organization_ensure
from sijin.problems.models import Problem
from sijin.problems.rates import compute_rates
from sijin.problems.services import problem_report
from sijin.reports.dashboard import Filters, dashboard_data
from sijin.reports.tests.test_dashboard_links import ledger_count, shown_links
from sijin.testing import client_for, d

KINDS = ["enterprise", "project", "village"]


def add_groups(world, counties: list[Region], first: int) -> None:
    """A work group of its own unit in each county, with a target of a kind and a problem of a category of its
    own: one more group, unit, county, category (and kind, in turn) for every county."""
    admin = world.users["admin"]
    for i, county in enumerate(counties, start=first):
        unit = organization_ensure(
            actor=admin, name=f"济宁市第{i}派出单位", region=world.city, kind="government"
        )
        group = campaigns.group_ensure(
            actor=admin,
            campaign=world.campaign,
            name=f"第{i}工作组",
            dispatching_org=unit,
            region=county,
            tier="city",
            start=d(6, 3),
            end=d(6, 30),
        )
        category = campaigns.category_ensure(actor=admin, campaign=world.campaign, name=f"第{i}类问题")
        target = campaigns.target_ensure(
            actor=admin,
            campaign=world.campaign,
            kind=world.kinds[KINDS[i % len(KINDS)]],
            name=f"第{i}帮扶对象",
            region=county,
            group=group,
        )
        for n in range(2):
            problem_report(
                actor=admin, target=target, title=f"第{i}组问题{n}", reported_on=d(6, 12), category=category
            )


def queries(username, world) -> tuple[int, int]:
    """Queries of dashboard_data and of the whole page, for one viewer."""
    reset_queries()  # the log keeps the last 9,000 only: a full one would capture nothing
    with CaptureQueriesContext(connection) as data:
        dashboard_data(world.users[username], Filters())
    client = client_for(username)
    client.get("/reports/dashboard/")  # the session and the login's grants, once
    with CaptureQueriesContext(connection) as page:
        assert client.get("/reports/dashboard/").status_code == 200
    return len(data.captured_queries), len(page.captured_queries)


def test_it_runs_as_many_queries_for_many_groups_regions_and_categories(world):
    counties = list(
        Region.objects.filter(code__startswith=world.city.prefix, level=RegionLevel.COUNTY)
        .exclude(code=world.county.code)
        .order_by("code")[:5]
    )
    add_groups(world, counties[:1], first=1)  # two counties: the area chart's county bars
    few = queries("office", world)
    add_groups(world, counties[1:], first=2)
    data = dashboard_data(world.users["office"], Filters())
    assert len(data["groups"]) == len(data["units"]) == 6
    assert len(data["charts"]["region"]) == 6 and len(data["charts"]["category"]) >= 7
    assert queries("office", world) == few


def test_it_counts_each_group_and_unit_as_compute_rates_does(world):
    add_groups(world, [world.other_county], first=1)
    user = world.users["office"]
    data = dashboard_data(user, Filters())
    visible = Problem.objects.visible_to(user)
    for row in data["groups"]:
        rates = compute_rates(visible.filter(group__name=row["name"]))
        assert (row["total"], row["solved"], row["办结率"]) == (rates.total, rates.solved, rates.solve_rate)
    assert [(u["name"], u["total"]) for u in data["units"]] == [
        ("济宁市农业农村局", 6),
        ("济宁市第1派出单位", 2),
    ]
    assert data["rates"]["total"] == compute_rates(visible).total == 8
    by_status = Counter(visible.values_list("status", flat=True))
    assert sum(n for _, n in data["by_status"]) == sum(by_status.values()) == data["total"]


def test_it_links_every_number_across_counties_to_as_many_ledger_rows(world):
    add_groups(world, [world.other_county], first=1)
    data = dashboard_data(world.users["office"], Filters())
    assert [bar["label"] for bar in data["charts"]["region"]] == ["嘉祥县", "汶上县"]
    for n, url in shown_links(data):
        assert ledger_count("office", url) == n, url
