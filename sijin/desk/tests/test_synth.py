"""``sijin synth``: a synthetic province whose rows keep the rules of real data, the same for the same seed."""

import hashlib
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from sijin.core.models import AuditLog
from sijin.fieldwork.models import Outcome, Visit
from sijin.problems.models import Problem, ProblemEvent, Status
from sijin.problems.workflow import TRANSITIONS
from sijin.reports.dashboard import Filters, dashboard_data
from sijin.reports.tests.test_dashboard import ledger_rows
from sijin.synth import synth_load
from sijin.testing import client_for

END = date(2025, 6, 30)


@pytest.fixture(scope="module")
def synth_module(django_db_setup, django_db_blocker):
    """300 problems, seed 3, loaded once for the module inside a transaction rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield synth_load(problems=300, seed=3, end=END, password="synth-test-pw")
        transaction.set_rollback(True)


@pytest.fixture
def synth(synth_module, db):
    return synth_module


def problems_of(result):
    return Problem.objects.filter(campaign=result.campaign)


def walk(events: list[tuple[str, str, str]]) -> str | None:
    """The state the events (action, from, to) reach through the workflow table; None when a step is not in it."""
    state = ""
    for action, before, after in events:
        if action == "report":
            if state or before or after != Status.REPORTED:
                return None
        else:
            transition = TRANSITIONS.get((state, action))
            if transition is None or before != state:
                return None
            expected = transition.to or (after if action == "verify" else state)
            if after != expected:
                return None
        state = after
    return state


def test_it_walks_every_problem_along_the_workflow_table(synth):
    events: dict[int, list[tuple[str, str, str, date | None]]] = {}
    rows = ProblemEvent.objects.filter(problem__campaign=synth.campaign).order_by("problem", "on_date", "id")
    for e in rows.values_list("problem_id", "action", "from_status", "to_status", "on_date"):
        events.setdefault(e[0], []).append(e[1:])
    problems = list(problems_of(synth))
    assert len(problems) == 300
    assert 4 <= len(rows) / len(problems) <= 6  # about five events a problem
    for p in problems:
        steps = events[p.pk]
        assert walk([s[:3] for s in steps]) == p.status, p.pk
        assert steps[0][3] == p.reported_on
        assert p.version == len(steps)
    counts = {s: problems_of(synth).filter(status=s).count() for s in Status.values}
    assert all(counts.values()), counts


def test_it_keeps_the_rules_of_real_data(synth):
    for p in problems_of(synth).select_related("target", "merged_into", "handler"):
        assert p.region_id == p.target.region_id and p.group_id == p.target.group_id
        assert p.reported_on <= END and p.created_at <= p.updated_at
        dates = [p.reported_on, p.assigned_on, p.accepted_on, p.resolved_on, p.closed_on]
        present = [d for d in dates if d is not None]
        assert present == sorted(present) and present[-1] <= END, p.pk
        if p.deadline:
            assert p.assigned_on is not None and p.deadline > p.assigned_on
        if p.status == Status.MERGED:
            assert p.merged_into.campaign_id == p.campaign_id and p.merged_into.group_id == p.group_id
        if p.handler_id and p.handling_org_id:
            assert p.handler.organization_id == p.handling_org_id
        if p.status in (Status.ASSIGNED, Status.ACCEPTED, Status.IN_PROGRESS):
            assert p.deadline is not None
    sample = problems_of(synth).order_by("id")[:30]
    for p in sample:
        p.full_clean(exclude=["created_by"])  # a loader, like an import by the command line
    for v in Visit.objects.filter(group__campaign=synth.campaign).prefetch_related("targets")[:50]:
        v.full_clean(exclude=["created_by"])
        assert all(t.group_id == v.group_id for t in v.targets.all())
    assert Outcome.objects.filter(problem__campaign=synth.campaign).exists()
    connection.check_constraints()  # the foreign keys (deferred until commit) all point somewhere


def test_it_scopes_the_synthetic_personas(synth):
    users = synth.users
    member, handler, office = users["synth-member"], users["synth-handler"], users["synth-office"]
    group = member.grants.get().work_group
    org = handler.grants.get().organization
    prefix = office.grants.get().region.prefix
    assert set(Problem.objects.visible_to(member)) == set(Problem.objects.filter(group=group))
    assert set(Problem.objects.visible_to(handler)) == set(Problem.objects.filter(handling_org=org))
    assert set(Problem.objects.visible_to(office)) == set(
        Problem.objects.filter(region__code__startswith=prefix)
    )
    assert (
        problems_of(synth).filter(group=group).exists()
        and problems_of(synth).filter(handling_org=org).exists()
    )
    assert problems_of(synth).exclude(group=group).exists()
    for username in ("synth-office", "synth-member", "synth-handler", "synth-province"):
        assert client_for(username).get("/problems/").status_code == 200


@pytest.mark.parametrize("username", ["synth-office", "synth-member", "synth-handler"])
def test_it_gives_the_same_numbers_on_the_dashboard_and_in_the_ledger(synth, username):
    user = synth.users[username]
    data = dashboard_data(user, Filters())
    rows = ledger_rows("problems", user)
    assert data["total"] == len(rows) == Problem.objects.visible_to(user).count() > 0
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[row[12]] = by_status.get(row[12], 0) + 1
    assert dict(data["by_status"]) == by_status


def fingerprint(result) -> str:
    """The loaded rows, with ids counted from the first one of each table (sequences are not rolled back)."""
    problems = problems_of(result).order_by("id")
    first = problems[0].pk
    first_event = ProblemEvent.objects.filter(problem__in=problems).order_by("id")[0].pk
    digest = hashlib.sha256()
    for row in problems.values_list(
        "id",
        "title",
        "status",
        "reported_on",
        "deadline",
        "closed_on",
        "region_id",
        "group__name",
        "target__name",
    ):
        digest.update(repr((row[0] - first, *row[1:])).encode())
    for row in ProblemEvent.objects.filter(problem__in=problems).values_list(
        "id", "problem_id", "action", "to_status", "on_date", "at"
    ):
        digest.update(repr((row[0] - first_event, row[1] - first, *row[2:])).encode())
    return digest.hexdigest()


class Rollback(Exception):
    pass


def load_and_fingerprint(seed: int) -> str:
    try:
        with transaction.atomic():
            found = fingerprint(synth_load(problems=120, seed=seed, end=END, password="synth-test-pw"))
            raise Rollback
    except Rollback:
        return found


def test_it_makes_the_same_rows_from_the_same_seed(db):
    first = load_and_fingerprint(11)
    assert load_and_fingerprint(11) == first
    assert load_and_fingerprint(12) != first


def test_it_writes_one_summary_audit_row_not_one_a_row(synth):
    rows = AuditLog.objects.filter(object_type="campaigns.campaign", object_id=str(synth.campaign.pk))
    summary = rows.filter(data__synth=True)
    assert summary.count() == 1 and summary.get().data["problems"] == 300
    assert (
        not AuditLog.objects.filter(action__in=["problem_report", "problem_event", "target_create"])
        .filter(object_id__in=[str(pk) for pk in problems_of(synth).values_list("pk", flat=True)])
        .exists()
    )


def test_it_refuses_bad_input_with_a_chinese_message(synth):
    with pytest.raises(CommandError, match="问题数量"):
        call_command("synth", "--problems", "0", "--skip-checks")
    with pytest.raises(CommandError, match="省级区划"):
        call_command("synth", "--problems", "10", "--province", "370100000000", "--skip-checks")
    with pytest.raises(CommandError, match="已有合成数据"):
        call_command("synth", "--problems", "10", "--seed", "3", "--skip-checks")
    with pytest.raises(CommandError, match="日期"):
        call_command("synth", "--problems", "10", "--end", "2025-13-01", "--skip-checks")
