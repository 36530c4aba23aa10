"""The 工作台's to-dos at a province's scale (desk.todos.board): a fixed number of queries whatever the number of
problems, counts that stop at “99+”, and the same rows, kinds and order as every to-do counted one by one."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sijin.accounts.models import Role, User
from sijin.accounts.services import user_role_ensure
from sijin.desk import todos
from sijin.desk.todos import CAP, KINDS, LIMIT, board, kinds_of
from sijin.problems.models import Problem
from sijin.problems.workflow import problem_transition
from sijin.testing import PASSWORD, client_for, d

PERSONAS = ["office", "unit", "leader", "group_leader", "member", "handler", "auditor", "admin", "outsider"]


def copies(problem: Problem, n: int, **fields) -> list[Problem]:
    """``n`` more problems like ``problem`` (rows written directly: the shapes, not the steps, matter here)."""
    model = Problem.objects.get(pk=problem.pk)
    made = []
    for i in range(n):
        copy = Problem.objects.get(pk=model.pk)
        copy.pk, copy.title = None, f"{model.title}{i}"
        for name, value in fields.items():
            setattr(copy, name, value(i) if callable(value) else value)
        made.append(copy)
    return Problem.objects.bulk_create(made)


@pytest.fixture
def busy(world):
    """The world with more of every kind of to-do: fresh problems (待交办), assigned ones (待签收), problems
    worked on, with and without a deadline, some overdue (待办理, 督办), one the group handles itself, and
    some in the other county that the office of 嘉祥县 does not see."""
    p = world.problems
    copies(p["reported"], 12, reported_on=lambda i: d(6, 1 + i % 20))
    copies(p["assigned"], 7, deadline=lambda i: d(6, 10 + i))
    copies(p["in_progress"], 9, deadline=lambda i: d(6, 5 + 3 * i))
    copies(p["in_progress"], 3, deadline=None)
    copies(p["in_progress"], 2, handling_org=None, handler=None)
    copies(p["reported"], 4, region=world.other_county)
    user_role_ensure(
        actor=None, username="county_office", password=PASSWORD, role=Role.OFFICE, region=world.county
    )
    # An office cadre who also handles for 嘉祥县水务局: two grants, one row each way.
    both = user_role_ensure(
        actor=None, username="both", password=PASSWORD, role=Role.OFFICE, region=world.city
    )
    user_role_ensure(
        actor=None, username="both", password=PASSWORD, role=Role.HANDLER, organization=world.dept
    )
    assert both.grants.count() == 2
    return world


def every(username: str) -> dict[int, str]:
    """Every to-do of the user, counted one by one (``todos.todos``: one CASE over all of them)."""
    user = User.objects.get(username=username)
    return dict(todos.todos(user).values_list("pk", "waiting"))


@pytest.mark.parametrize("username", [*PERSONAS, "county_office", "both"])
def test_it_counts_and_lists_what_counting_one_by_one_finds(busy, username):
    user = User.objects.get(username=username)
    expected = every(username)
    found = board(user)
    assert {c["kind"]: c["n"] for c in found.counts} == {
        k: list(expected.values()).count(k) for k in set(expected.values())
    }
    rows = {p.pk: p for p in Problem.objects.filter(pk__in=expected)}
    first = sorted(
        expected,
        key=lambda pk: (rows[pk].deadline is None, rows[pk].deadline or date.min, rows[pk].reported_on, pk),
    )
    assert found.ids == [(pk, expected[pk]) for pk in first[:LIMIT]]
    assert found.total == len(expected) and not found.capped


@pytest.mark.parametrize("username", [*PERSONAS, "county_office", "both"])
def test_each_kind_is_inside_the_users_scope(busy, username):
    user = User.objects.get(username=username)
    visible = Problem.objects.visible_to(user)
    for undated in (False, True):
        for kind, q in kinds_of(user, undated=undated).items():
            assert not Problem.objects.filter(q).exclude(pk__in=visible.values("pk")).exists(), kind


def test_no_row_is_two_kinds(busy):
    accepted = busy.problems["accepted"]
    problem_transition(
        actor=busy.users["handler"],
        problem=accepted,
        action="request_extension",
        on_date=d(6, 20),
        new_deadline=d(7, 10),
        comment="材料厂家停产。",
    )
    kinds = kinds_of(User.objects.get(username="both"))
    seen: dict[int, str] = {}
    for kind, q in kinds.items():
        for pk in Problem.objects.filter(q).values_list("pk", flat=True):
            assert pk not in seen, (pk, seen.get(pk), kind)
            seen[pk] = kind
    # As the office it waits for the answer to 申请延期, as the handler it is being worked on: the first wins.
    assert seen[accepted.pk] == "approve_extension"
    assert set(seen.values()) >= {"approve_extension", "triage", "accept", "resolve"}


def test_its_queries_do_not_grow_with_the_todos(busy):
    for username in ("office", "handler", "member", "unit", "admin"):
        client = client_for(username)
        client.get("/")
        with CaptureQueriesContext(connection) as few:
            client.get("/")
        copies(busy.problems["reported"], 40)
        copies(busy.overdue, 40)
        copies(busy.problems["assigned"], 40)
        with CaptureQueriesContext(connection) as many:
            client.get("/")
        assert len(many) == len(few), username


def test_it_says_99_plus_beyond_a_hundred(busy):
    copies(busy.problems["reported"], CAP + 5)
    html = client_for("office").get("/").content.decode()
    badge = re.search(r'data-kind="triage"[^>]*>[^<]*<span class="badge[^"]*">([^<]+)</span>', html)
    assert badge and badge.group(1) == "99+"
    assert re.search(r'data-kind="accept"[^>]*>[^<]*<span class="badge[^"]*">(\d+)</span>', html)
    found = board(User.objects.get(username="office"))
    assert found.capped and found.total_label.endswith("+") and len(found.ids) == LIMIT
    assert "共 " + found.total_label + " 项" in html
    only = board(User.objects.get(username="office"), kind="accept")
    assert not only.capped and {k for _pk, k in only.ids} == {"accept"}


def test_it_puts_a_pending_extension_first_and_lets_it_go_once_answered(busy):
    accepted = busy.problems["accepted"]
    problem_transition(
        actor=busy.users["handler"],
        problem=accepted,
        action="request_extension",
        on_date=d(6, 20),
        new_deadline=d(7, 10),
        comment="材料厂家停产。",
    )
    office = User.objects.get(username="office")
    assert dict(board(office).ids)[accepted.pk] == "approve_extension"
    assert dict(board(office, kind="approve_extension").ids) == {accepted.pk: "approve_extension"}
    accepted.refresh_from_db()
    problem_transition(
        actor=busy.users["office"],
        problem=accepted,
        action="reject_extension",
        on_date=d(6, 21),
        comment="按期办结。",
    )
    assert "approve_extension" not in {c["kind"] for c in board(office).counts}


def test_it_lists_the_nearest_deadline_first_and_the_undated_last(busy):
    found = board(User.objects.get(username="handler"), kind="resolve")
    rows = [Problem.objects.get(pk=pk) for pk, _k in found.ids]
    dated = [p for p in rows if p.deadline is not None]
    assert rows[: len(dated)] == dated and all(p.deadline is None for p in rows[len(dated) :])
    assert [(p.deadline, p.reported_on, p.pk) for p in dated] == sorted(
        (p.deadline, p.reported_on, p.pk) for p in dated
    )
    assert any(p.deadline is None for p in rows)


def test_the_office_chases_only_what_is_overdue_today(busy):
    office = User.objects.get(username="county_office")
    today = timezone.localdate()
    overdue = set(
        Problem.objects.filter(status__in=KINDS["resolve"][1], deadline__lt=today).values_list(
            "pk", flat=True
        )
    )
    chased = {pk for pk, k in board(office, today, kind="resolve").ids}
    assert chased and chased <= overdue
    assert "resolve" not in {c["kind"] for c in board(office, d(6, 1)).counts}  # before every deadline
