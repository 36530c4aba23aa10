"""The 工作台's numbers — 帮扶对象, 发现问题, 已解决 and the four rates — read from the kept tallies (by work group and
county, or by handling unit for a handler) and from a handler's problems alone, equal what counting the problems
and targets in the user's scope gives, for every persona; and the index they need is there after all
migrations."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from sijin.accounts import access
from sijin.accounts.models import Role, User
from sijin.accounts.services import user_role_ensure
from sijin.campaigns.models import Target
from sijin.directory.models import Region, RegionLevel
from sijin.problems.models import SOLVED_STATUSES, Problem, ProblemUnitTally, Status
from sijin.problems.rates import compute_rates
from sijin.testing import PASSWORD, client_for, d

PERSONAS = ["office", "unit", "leader", "group_leader", "member", "handler", "auditor", "admin", "outsider"]


def copies(problem: Problem, n: int, **fields) -> list[Problem]:
    """``n`` more problems like ``problem`` (rows written directly: the shapes, not the steps, matter here)."""
    made = []
    for i in range(n):
        copy = Problem.objects.get(pk=problem.pk)
        copy.pk, copy.title = None, f"{problem.title}{i}"
        for name, value in fields.items():
            setattr(copy, name, value(i) if callable(value) else value)
        made.append(copy)
    return Problem.objects.bulk_create(made)


@pytest.fixture
def varied(world):
    """The world with problems that each count apart: unsigned ones still within their 签收时限 (from today on)
    and past it, a void one among them, signed late and in time, solved on time and late, one the group
    handles itself, one of the unit on another target, and some of another unit in the other county; a 街道's
    office (below the county: counted live), and an office cadre who also handles for 嘉祥县水务局."""
    p, today = world.problems, timezone.localdate()
    copies(p["assigned"], 3, accept_by=lambda i: today + timedelta(days=i))  # due today and after
    copies(p["assigned"], 2, accept_by=today - timedelta(days=1))
    copies(p["assigned"], 1, status=Status.CANCELLED, accept_by=today + timedelta(days=2))
    copies(p["accepted"], 2, accepted_on=lambda i: [d(6, 12), d(7, 12)][i])  # the second signed late
    copies(p["in_progress"], 2, status=Status.RESOLVED, resolved_on=lambda i: d(6, 10 + 20 * i))
    copies(p["in_progress"], 1, handling_org=None, handler=None)
    copies(p["accepted"], 1, target=world.village)
    copies(p["assigned"], 2, region=world.other_county, handling_org=world.other_dept, handler=None)
    town = Region.objects.create(
        code=f"{world.county.prefix}001000", name="嘉祥街道", level=RegionLevel.TOWNSHIP, parent=world.county
    )
    user_role_ensure(actor=None, username="town_office", password=PASSWORD, role=Role.OFFICE, region=town)
    user_role_ensure(
        actor=None, username="both", password=PASSWORD, role=Role.OFFICE, region=world.other_county
    )
    user_role_ensure(
        actor=None, username="both", password=PASSWORD, role=Role.HANDLER, organization=world.dept
    )
    Problem.objects.filter(region=world.county).update(region=town)
    return world


def shown(username: str) -> dict:
    response = client_for(username).get("/")
    assert response.status_code == 200
    numbers = response.context["numbers"]
    return {"targets": numbers["targets"], "problems": numbers["problems"], "solved": numbers["solved"]} | {
        "rates": response.context["rates"]
    }


def counted(username: str) -> dict:
    user = User.objects.get(username=username)
    problems = Problem.objects.visible_to(user)
    return {
        "targets": Target.objects.visible_to(user).count(),
        "problems": problems.count(),
        "solved": problems.filter(status__in=SOLVED_STATUSES).count(),
        "rates": compute_rates(problems, timezone.localdate()),
    }


@pytest.mark.parametrize("username", [*PERSONAS, "town_office", "both"])
def test_it_shows_what_counting_the_problems_gives(varied, username):
    expected = counted(username)
    assert shown(username) == expected
    if username in ("office", "handler", "both"):
        assert expected["problems"] > 10 and expected["rates"].due_to_accept > 0


def test_the_rates_count_the_unsigned_problems_whose_time_has_passed(varied):
    handler = shown("handler")
    today = timezone.localdate()
    copies(varied.problems["assigned"], 1, accept_by=today - timedelta(days=3))
    copies(varied.problems["assigned"], 2, accept_by=today + timedelta(days=3))
    after = shown("handler")
    assert after["problems"] == handler["problems"] + 3
    assert after["rates"].due_to_accept == handler["rates"].due_to_accept + 1
    assert after == counted("handler")


def test_a_handlers_numbers_come_from_the_unit_tally(varied):
    """A wrong unit tally shows on the handler's page (read from it) and not on the 街道 office's (counted)."""
    before, town = shown("handler"), shown("town_office")
    ProblemUnitTally.objects.filter(handling_org_id=varied.dept.pk, status=Status.ASSIGNED).update(
        n=F("n") + 100
    )
    assert shown("handler")["problems"] == before["problems"] + 100
    assert shown("town_office") == town


def test_a_handlers_targets_are_each_counted_once(varied):
    ids = [row["target_id"] for row in access.target_ids(User.objects.get(username="handler"))]
    assert sorted(ids) == sorted({varied.project.pk, varied.village.pk})  # its problems' targets, each once
    assert shown("handler")["targets"] == 2
    assert shown("outsider")["targets"] == 0


def test_problems_keys_are_indexed_once(db):
    """problems 0016: the 工作台's indexes are there, and a key that a composite index begins with has no index of
    its own (each is written with every problem); the target keeps its one."""
    with connection.cursor() as cursor:
        problems = connection.introspection.get_constraints(cursor, "problems_problem")
        due = connection.introspection.get_constraints(cursor, "problems_problemduetally")
    assert problems["problem_org_target_idx"]["columns"] == ["handling_org_id", "target_id"]
    assert due["problemduetally_accept_idx"]["columns"] == ["day"]
    alone = [
        tuple(c["columns"])
        for c in problems.values()
        if c["index"] and len(c["columns"]) == 1 and not (c["unique"] or c["primary_key"])
    ]
    assert alone.count(("target_id",)) == 1
    assert not {("group_id",), ("region_id",), ("handling_org_id",)} & set(alone)
