"""One vocabulary: every status, light, action and audit kind is a choice with its label (and colour), the
status sets are defined once and agree with each other, and every action of the workflow table has a label, a
form and a timeline wording (so adding an action means the table and one form description, nothing else)."""

import ast
import re
from pathlib import Path

import pytest

from sijin.core.models import AuditAction, AuditLog
from sijin.desk.timeline import target_timeline
from sijin.problems.forms import ActionForm
from sijin.problems.models import (
    HANDLER_STATUSES,
    OPEN_STATUSES,
    ROUTING_STATUSES,
    RUNNING_STATUSES,
    SOLVED_STATUSES,
    VOID_STATUSES,
    WORKING_STATUSES,
    Action,
    Light,
    Problem,
    ProblemEvent,
    Status,
)
from sijin.problems.workflow import FIELD_LABELS, TRANSITIONS

SIJIN = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("choices", [Status, Light, Action, AuditAction])
def test_it_gives_every_choice_a_label_and_a_colour(choices):
    for member in choices:
        assert str(member.label) and str(member.label) != member.value, member
        assert member.colour in {
            "primary",
            "secondary",
            "success",
            "danger",
            "warning",
            "info",
            "light",
            "dark",
        }
    if choices is not AuditAction:  # audit kinds fall back to "secondary"; the others name every colour
        assert set(choices.__colours__) == set(choices.values)


def test_it_stores_events_and_audit_rows_as_choices():
    assert ProblemEvent._meta.get_field("action").choices == Action.choices
    assert AuditLog._meta.get_field("action").choices == AuditAction.choices


def test_it_defines_status_sets_that_agree():
    every = set(Status)
    assert set(OPEN_STATUSES).isdisjoint(SOLVED_STATUSES)
    assert set(VOID_STATUSES).isdisjoint(set(OPEN_STATUSES) | set(SOLVED_STATUSES))
    # Every status is open, solved, void, or 长期推进 (parked): exactly one of them.
    assert set(OPEN_STATUSES) | set(SOLVED_STATUSES) | set(VOID_STATUSES) | {Status.DEFERRED} == every
    assert set(RUNNING_STATUSES) == set(OPEN_STATUSES) - {Status.REPORTED}
    assert set(WORKING_STATUSES) < set(HANDLER_STATUSES) < set(RUNNING_STATUSES)
    assert set(ROUTING_STATUSES) < set(OPEN_STATUSES)
    # The handler's actions are taken exactly from the working states (signing from 已交办).
    assert {s for (s, a) in TRANSITIONS if a == Action.RESOLVE} == set(WORKING_STATUSES)
    assert {s for (s, a) in TRANSITIONS if a == Action.ACCEPT} | set(WORKING_STATUSES) == set(
        HANDLER_STATUSES
    )


def test_it_knows_every_action_and_state_of_the_table():
    for (state, action), transition in TRANSITIONS.items():
        assert state in Status.values and action in Action.values
        assert transition.to is None or transition.to in Status.values
        for name in (*transition.requires, *transition.optional):
            assert name in FIELD_LABELS, (action, name)


@pytest.mark.parametrize(("state", "action"), list(TRANSITIONS))
def test_it_has_a_form_and_a_timeline_wording_for_every_action(world, state, action):
    transition = TRANSITIONS[(state, action)]
    problem = Problem.objects.select_related("campaign", "group", "region").first()
    form = ActionForm(
        action=action, transition=transition, problem=problem, user_problems=Problem.objects.none()
    )
    assert "version" in form.fields
    for name in transition.requires:
        if name != "outcomes":
            assert name in form.fields, (action, name)

    ProblemEvent.objects.create(problem=problem, action=action, from_status=state, to_status=state)
    entries = target_timeline(problem.target, Problem.objects.filter(pk=problem.pk))
    wordings = [e.label for e in entries if e.kind == "event" and e.obj.action == action]
    assert wordings == [Action(action).label] * len(wordings) and wordings, action


def _code_files():
    for path in SIJIN.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        yield path


def test_it_names_status_sets_and_region_levels_instead_of_spelling_them():
    statuses = "|".join(Status.values)
    literal_set = re.compile(rf"status__in=\(\s*\"({statuses})\"")
    numbered_level = re.compile(r"\blevel\s*(==|<=|>=|<|>|=)\s*[1-5]\b")
    found = []
    for path in _code_files():
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if literal_set.search(line) or numbered_level.search(line):
                found.append(f"{path.relative_to(SIJIN)}:{lineno}: {line.strip()}")
    assert not found, "\n".join(found)


def test_it_leaves_no_status_tuple_outside_the_models():
    """A tuple of two or more status strings outside problems/models.py is a status set defined twice."""
    statuses = set(Status.values)
    found = []
    for path in _code_files():
        if path == SIJIN / "problems" / "models.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple | ast.List | ast.Set):
                values = [e.value for e in node.elts if isinstance(e, ast.Constant)]
                if len(values) >= 2 and len(values) == len(node.elts) and set(values) <= statuses:
                    found.append(f"{path.relative_to(SIJIN)}:{node.lineno}: {values}")
    assert not found, "\n".join(found)
