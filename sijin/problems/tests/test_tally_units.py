"""The 督办 page's units from the kept tallies (problems.tally.unit_rows: the unit tally and the due tally by
handling unit) are the rows of the page's own grouped query over the problems (problems.views.supervision) —
for every persona, on 30 consecutive days, after every step of the workflow (改派 to another unit, 合并 and
撤销 among them); its rows per unit (unit_first_ids) are the window's; a dropped trigger shows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber

from sijin.accounts.models import Role
from sijin.accounts.services import user_role_ensure
from sijin.directory.models import Region, RegionLevel
from sijin.problems.models import Light, Problem, Status
from sijin.problems.rates import counted, rate_counts
from sijin.problems.supervision import light_conditions
from sijin.problems.tally import unit_first_ids, unit_rows
from sijin.problems.tests.test_tally import assert_kept
from sijin.problems.tests.test_workflow import (
    ACT_DAY,
    PERSONAS,
    TABLE,
    act,
    fields_for,
    problem_in,
    triage_fields,
)
from sijin.problems.workflow import TRANSITIONS, problem_transition
from sijin.reports.tests import test_dashboard_tally
from sijin.testing import PASSWORD, d

pytestmark = pytest.mark.django_db
wider = test_dashboard_tally.wider  # the dashboard's wider world: two campaigns, two units, lights moving
VIEWERS = ["office", "leader", "unit", "group_leader", "member", "admin", "handler"]


def live_rows(user, today) -> list[dict]:
    """The 督办 page's grouped query (problems.views.supervision), as it stands."""
    lights = light_conditions(today)
    return list(
        counted(Problem.objects.visible_to(user))
        .order_by()
        .values("handling_org_id", "handling_org__name")
        .annotate(
            **rate_counts(today),
            red=Count("id", filter=lights[Light.RED]),
            yellow=Count("id", filter=lights[Light.YELLOW]),
        )
    )


def by_unit(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: r["handling_org_id"] or 0)


def assert_same(user, today) -> list[dict]:
    kept = unit_rows(user, today, groups_live=False)
    assert kept is not None
    live = live_rows(user, today)
    assert by_unit(kept) == by_unit(live), (user.username, today)
    return kept


def assert_same_for_all(world, today) -> None:
    for name in VIEWERS:
        assert_same(world.users[name], today)


@pytest.mark.parametrize("username", VIEWERS)
def test_it_equals_the_live_rows_for_every_persona(wider, username):
    kept = assert_same(wider.users[username], d(6, 24))
    assert kept, "every persona sees some unit"
    assert {"handling_org_id", "handling_org__name", "total", "due_to_accept", "red", "yellow"} <= set(
        kept[0]
    )


def test_it_leaves_a_groups_few_problems_to_the_live_count(wider):
    for name in ("member", "group_leader"):
        assert unit_rows(wider.users[name], d(6, 24)) is None
    for name in ("office", "leader", "unit", "handler", "admin"):
        assert unit_rows(wider.users[name], d(6, 24))


def test_it_moves_the_lights_with_the_date_alone(wider):
    seen = set()
    for days in range(30):
        today = d(6, 10) + timedelta(days=days)
        for name in ("office", "leader", "unit", "member", "admin"):
            kept = assert_same(wider.users[name], today)
            if name == "office":
                seen.add(tuple((r["red"], r["yellow"], r["due_to_accept"]) for r in by_unit(kept)))
    assert len(seen) > 3  # the lights and late signing did move


# Every step of the workflow table: in `make test-slow` and the PostgreSQL run, not in `make test`.
@pytest.mark.slow
@pytest.mark.parametrize(("state", "action"), TABLE, ids=[f"{s}-{a}" for s, a in TABLE])
def test_it_equals_the_live_rows_after_every_step_of_the_workflow(world, state, action):
    problem = problem_in(world, state)
    fields = fields_for(world, action, problem)
    roles = TRANSITIONS[(state, action)].roles
    persona = next(p for p, role in PERSONAS.items() if role in roles)
    problem_transition(actor=world.users[persona], problem=problem, action=action, on_date=ACT_DAY, **fields)
    for days in (0, 10, 20):
        assert_same_for_all(world, ACT_DAY + timedelta(days=days))


def unit_row(user, org, today) -> dict:
    return next(
        (
            r
            for r in unit_rows(user, today, groups_live=False)
            if r["handling_org_id"] == (org.pk if org else None)
        ),
        {},
    )


def test_it_moves_a_problem_reassigned_to_another_unit(world):
    """改派: the office routes an assigned problem (and a returned one) to another department; the problem
    leaves the first unit's row for the other's, its light with it."""
    office, today = world.users["office"], ACT_DAY + timedelta(days=20)  # past the 10 working days: red
    problem = problem_in(world, Status.ASSIGNED)
    returned = problem_in(world, Status.RETURNED)
    before = unit_row(office, world.dept, today)
    assert before["red"] >= 1 and not unit_row(office, world.other_dept, today)
    for p in (problem, returned):
        act(
            p,
            "triage",
            "office",
            on=ACT_DAY,
            **(triage_fields(world) | {"handling_org": world.other_dept, "handler": None}),
        )
    assert unit_row(office, world.dept, today)["total"] == before["total"] - 2
    moved = unit_row(office, world.other_dept, today)
    assert moved["total"] == 2 and moved["red"] == 2 and moved["handling_org__name"] == world.other_dept.name
    assert_same_for_all(world, today)
    assert_kept()


def test_it_drops_merged_and_cancelled_problems_from_their_unit(world):
    office, today = world.users["office"], ACT_DAY + timedelta(days=20)
    problems = [problem_in(world, Status.ASSIGNED) for _ in range(2)]
    before = unit_row(office, world.dept, today)
    act(problems[0], "cancel", "office", on=ACT_DAY, comment="重复上报")
    Problem.objects.filter(pk=problems[1].pk).update(status=Status.MERGED)  # as a merge leaves it
    after = unit_row(office, world.dept, today)
    assert after["total"] == before["total"] - 2 and after["red"] == before["red"] - 2
    assert_same_for_all(world, today)


def test_it_counts_the_groups_own_problems_as_one_unit(world):
    """自行办理: no handling unit — the row of 工作组自办 (``handling_org_id`` None)."""
    problem = problem_in(world, Status.REPORTED)
    act(problem, "self_handle", "group_leader", on=ACT_DAY, deadline_days=5)
    own = unit_row(world.users["office"], None, ACT_DAY + timedelta(days=20))
    assert own["total"] >= 1 and own["red"] >= 1 and own["handling_org__name"] is None
    assert_same_for_all(world, ACT_DAY + timedelta(days=20))


def test_it_reads_nothing_for_a_scope_below_the_county(world):
    township, _ = Region.objects.get_or_create(
        code=f"{world.county.prefix}001000",
        defaults={"name": "测试镇", "level": RegionLevel.TOWNSHIP, "parent": world.county},
    )
    user = user_role_ensure(
        actor=None, username="township", password=PASSWORD, role=Role.OFFICE, region=township
    )
    assert unit_rows(user, d(6, 24)) is None


def test_it_gives_each_units_first_rows_as_the_window_does(wider):
    """unit_first_ids gives the ids the page's window gives — each unit's first rows by deadline and id, the
    group's own problems (None) among the units — by the window or (PostgreSQL) by a LIMIT per unit."""
    problem = problem_in(wider, Status.REPORTED)
    act(problem, "self_handle", "group_leader", on=ACT_DAY, deadline_days=5)
    for _ in range(3):
        other = triage_fields(wider) | {"handling_org": wider.other_dept, "handler": None}
        act(problem_in(wider, Status.ASSIGNED), "triage", "office", on=ACT_DAY, **other)
    office = wider.users["office"]
    for today in (d(6, 24), ACT_DAY + timedelta(days=20)):
        lights = light_conditions(today)
        attention = Problem.objects.visible_to(office).filter(lights[Light.RED] | lights[Light.YELLOW])
        units = [r for r in unit_rows(office, today) if r["red"] or r["yellow"]]
        org_ids = [u["handling_org_id"] for u in units]
        assert org_ids and (None in org_ids) == (len(org_ids) == 3) == (today > ACT_DAY)
        for per_unit in (1, 2, 5):
            ranked = (
                attention.annotate(
                    rank=Window(
                        RowNumber(), partition_by=[F("handling_org_id")], order_by=[F("deadline"), F("id")]
                    )
                )
                .filter(rank__lte=per_unit)
                .values_list("pk", flat=True)
            )
            for window_rows in (0, 10_000):  # the LIMITs (on PostgreSQL), the window
                ids = unit_first_ids(attention, units, per_unit, window_rows=window_rows)
                assert sorted(ids) == sorted(ranked), (today, per_unit, window_rows)
    assert unit_first_ids(attention, [], 5) == []


def test_it_notices_a_dropped_trigger(world):
    name = "problems_tally_update" if connection.vendor == "postgresql" else "problems_tally_unit_au"
    with connection.cursor() as cursor:  # in the test's transaction: rolled back with it
        cursor.execute(
            f"DROP TRIGGER {name} ON problems_problem"
            if connection.vendor == "postgresql"
            else f"DROP TRIGGER {name}"
        )
    office, today = world.users["office"], ACT_DAY
    assert_same(office, today)
    Problem.objects.filter(handling_org=world.dept).update(handling_org=world.other_dept)  # a bare 改派
    kept, live = unit_rows(office, today), live_rows(office, today)
    assert by_unit(kept) != by_unit(live)
