"""数据看板 from the kept tallies (problems.tally) gives the very page the problems give (``live=True``): for
every persona, with every filter, on any day — the lights and late signing move with the date, no write needed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sijin.campaigns import services as campaigns
from sijin.directory.models import Region, RegionLevel
from sijin.problems.models import ProblemTally
from sijin.problems.services import problem_report
from sijin.problems.workflow import problem_transition
from sijin.reports.dashboard import Filters, dashboard_data
from sijin.reports.tests.test_dashboard_scale import add_groups
from sijin.testing import d, outsider

PERSONAS = ["office", "leader", "unit", "group_leader", "member", "admin", "handler", "outsider"]


@pytest.fixture
def wider(world):
    """The small world, plus a group of another unit in 汶上县 and a second campaign in 嘉祥县 whose yellow
    light starts 5 working days ahead (the first's: 2), each with problems assigned, signed and not, and
    two assigned ones 撤销 and 合并 before they were signed."""
    admin = world.users["admin"]
    add_groups(world, [world.other_county], first=1)
    second = campaigns.campaign_ensure(
        actor=admin, name="济宁市“万人助万企”行动(2025)", level="city", region=world.city, start=d(6, 1)
    )
    campaigns.campaign_update(actor=admin, campaign=second, yellow_days=5)
    config = campaigns.campaign_configure(
        actor=admin,
        campaign=second,
        kinds=[{"code": "enterprise", "name": "企业", "focus": "帮", "slogan": "", "schema": []}],
        categories=["营商环境"],
    )
    group = campaigns.group_ensure(
        actor=admin,
        campaign=second,
        name="助企工作组",
        dispatching_org=world.office_org,
        region=world.county,
        tier="city",
        start=d(6, 1),
        end=d(7, 31),
    )
    target = campaigns.target_ensure(
        actor=admin,
        campaign=second,
        kind=config.kinds["enterprise"],
        name="嘉祥县助企对象",
        region=world.county,
        group=group,
    )
    first = None
    for i, days in enumerate((3, 8, 12, 20, 6, 6)):
        problem = problem_report(actor=admin, target=target, title=f"助企问题{i}", reported_on=d(6, 16))
        problem = problem_transition(
            actor=admin,
            problem=problem,
            action="triage",
            on_date=d(6, 17),
            level="county",
            handling_org=world.dept,
            deadline_days=days,
            category=config.categories["营商环境"],
        )
        if i == 1 or i == 3:
            problem_transition(
                actor=world.users["handler"], problem=problem, action="accept", on_date=d(6, 20)
            )
        elif i == 4:  # assigned, not signed, then 撤销: counted in no rate
            problem_transition(
                actor=admin, problem=problem, action="cancel", on_date=d(6, 20), comment="重复"
            )
        elif i == 5:  # and one 合并 into the first
            problem_transition(
                actor=admin, problem=problem, action="merge", on_date=d(6, 20), merged_into=first
            )
        first = first or problem
    world.second, world.second_group = second, group
    return world


def both(user, f: Filters, today=None) -> tuple[dict, dict]:
    return dashboard_data(user, f, today=today), dashboard_data(user, f, today=today, live=True)


@pytest.mark.parametrize("username", PERSONAS)
def test_it_equals_the_live_count_for_every_persona(wider, username):
    kept, live = both(wider.users[username] if username != "outsider" else outsider(), Filters())
    assert kept == live
    if username != "outsider":
        assert kept["total"] > 0


def filters(world) -> dict[str, Filters]:
    township = Region.objects.filter(code__startswith=world.county.prefix, level=RegionLevel.TOWNSHIP).first()
    out = {
        "campaign": Filters(campaign=world.campaign),
        "second campaign": Filters(campaign=world.second),
        "group": Filters(group=world.group),
        "second group": Filters(group=world.second_group),
        "city": Filters(region=world.city),
        "county": Filters(region=world.county),
        "other county": Filters(region=world.other_county),
        "campaign and county": Filters(campaign=world.second, region=world.county),
        "period": Filters(start=d(6, 11), end=d(6, 16)),
    }
    if township is not None:
        out["township"] = Filters(region=township)
    return out


@pytest.mark.parametrize("username", ["office", "leader", "unit", "member", "admin"])
def test_it_equals_the_live_count_with_every_filter(wider, username):
    for name, f in filters(wider).items():
        kept, live = both(wider.users[username], f)
        assert kept == live, name


@pytest.mark.slow  # several seconds: `make test-slow` and the PostgreSQL run have it
def test_it_moves_the_lights_and_late_signing_with_the_date_alone(wider):
    office = wider.users["office"]
    seen = set()
    for days in range(50):  # every day: a light changes on the very day (today itself is not yet late)
        today = d(6, 10) + timedelta(days=days)
        for f in (Filters(), Filters(campaign=wider.second)):
            kept, live = both(office, f, today)
            assert kept == live, (today, f)
            seen.add(
                (
                    kept["lights"]["red"]["n"],
                    kept["lights"]["yellow"]["n"],
                    kept["rates"]["响应率"],
                )
            )
    reds = {red for red, _, _ in seen}
    yellows = {yellow for _, yellow, _ in seen}
    responses = {response for _, _, response in seen}
    assert len(reds) > 2 and len(yellows) > 2 and len(responses) > 2


def test_it_reads_the_tallies_where_it_can_and_the_problems_where_it_cannot(wider):
    """A wrong tally shows on the office's page (read from the tallies) and not on the handler's (a handler's
    scope is the handling unit's problems, which the tallies do not key) nor on a period's."""
    office, handler = wider.users["office"], wider.users["handler"]
    before = {
        "office": dashboard_data(office, Filters())["total"],
        "handler": dashboard_data(handler, Filters())["total"],
        "period": dashboard_data(office, Filters(start=d(6, 1), end=d(6, 30)))["total"],
    }
    row = ProblemTally.objects.filter(n__gt=0, county=wider.county.prefix).first()
    ProblemTally.objects.filter(pk=row.pk).update(n=row.n + 100)
    assert dashboard_data(office, Filters())["total"] == before["office"] + 100
    assert dashboard_data(handler, Filters())["total"] == before["handler"]
    assert dashboard_data(office, Filters(start=d(6, 1), end=d(6, 30)))["total"] == before["period"]


def test_it_reads_the_tallies_in_a_fixed_number_of_queries(wider):
    """The office's page from the tallies: the same queries for one county as for two (it never reads
    problems unless all are in one county: the area chart's township bars)."""
    office = wider.users["office"]
    dashboard_data(office, Filters())  # the grants, once per user
    with CaptureQueriesContext(connection) as seen:
        dashboard_data(office, Filters())
    problems_read = [q["sql"] for q in seen.captured_queries if '"problems_problem"' in q["sql"]]
    assert problems_read == []
    add_groups(wider, [wider.county], first=7)
    with CaptureQueriesContext(connection) as more:
        dashboard_data(office, Filters())
    assert len(more.captured_queries) == len(seen.captured_queries)
