"""The kept tallies (problems.tally, migration 0012_problem_tally) agree with the problems after every kind of
write — each step of the workflow table, 回访, the sweep, a target moved or given another kind, a bulk import, a
delete, a bare queryset update of any field the tallies read — on SQLite and PostgreSQL alike; a missing
trigger is caught."""

import importlib
import threading
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from sijin.accounts.models import User
from sijin.campaigns import services as campaigns
from sijin.fieldwork.models import Outcome, OutcomeTally
from sijin.problems.models import (
    Problem,
    ProblemDueTally,
    ProblemFacetTally,
    ProblemTally,
    ProblemUnitDueTally,
    ProblemUnitTally,
    ProblemWeekTally,
    Status,
)
from sijin.problems.supervision import supervision_sweep
from sijin.problems.tally import tally_check, tally_rebuild
from sijin.problems.tests.test_workflow import (
    ACT_DAY,
    PERSONAS,
    TABLE,
    act,
    fields_for,
    new_problem,
    problem_in,
    triage_fields,
)
from sijin.problems.workflow import TRANSITIONS, problem_transition
from sijin.reports.imports import imported_delete, problems_import
from sijin.reports.ledgers import Header
from sijin.reports.tests.test_scale import problem_sheet
from sijin.testing import d, needs_postgresql

pytestmark = pytest.mark.django_db
MIGRATION = importlib.import_module("sijin.problems.migrations.0012_problem_tally")
OUTCOME_MIGRATION = importlib.import_module("sijin.fieldwork.migrations.0009_outcome_tally")


def assert_kept() -> None:
    differences = tally_check()
    assert differences == [], "\n".join(str(x) for x in differences)


def kept_n(model, **key) -> int:
    return sum(model.objects.filter(**key).values_list("n", flat=True))


def test_it_counts_the_world_as_built(world):
    assert kept_n(ProblemTally) == kept_n(ProblemUnitTally) == Problem.objects.count() > 0
    assert kept_n(ProblemUnitTally, handling_org_id=world.dept.pk) > 0
    for what in ("deadline", "accept_by"):
        assert kept_n(ProblemUnitDueTally, what=what) == kept_n(ProblemDueTally, what=what)
    assert kept_n(ProblemFacetTally) == kept_n(ProblemWeekTally) == Problem.objects.count()
    assert kept_n(ProblemDueTally, what="deadline") > 0
    assert_kept()


# Every step of the workflow table: in `make test-slow` and the PostgreSQL run, not in `make test`.
@pytest.mark.slow
@pytest.mark.parametrize(("state", "action"), TABLE, ids=[f"{s}-{a}" for s, a in TABLE])
def test_it_keeps_them_through_every_step_of_the_workflow(world, state, action):
    problem = problem_in(world, state)
    fields = fields_for(world, action, problem)
    assert_kept()
    roles = TRANSITIONS[(state, action)].roles
    persona = next(p for p, role in PERSONAS.items() if role in roles)
    actor = world.users[persona]
    problem_transition(actor=actor, problem=problem, action=action, on_date=ACT_DAY, **fields)
    assert_kept()


def test_it_keeps_them_through_the_sweep(world):
    result = supervision_sweep(today=d(6, 24))  # claims its reminders with UPDATEs of the problems
    assert result.urged + result.supervised > 0
    assert_kept()


def test_it_moves_a_targets_problems_to_its_new_region_and_group(world):
    other = campaigns.group_ensure(
        actor=world.users["admin"],
        campaign=world.campaign,
        name="汶上县工作组",
        dispatching_org=world.unit_org,
        region=world.other_county,
        tier="city",
        start=d(6, 3),
        end=d(6, 30),
    )
    moving = Problem.objects.filter(target=world.project).count()
    assert moving > 0
    campaigns.target_update(
        actor=world.users["admin"], target=world.project, region=world.other_county, group=other
    )
    assert kept_n(ProblemTally, group=other, county=world.other_county.prefix) == moving
    assert kept_n(ProblemWeekTally, group=other) == kept_n(ProblemFacetTally, group=other) == moving
    assert kept_n(ProblemDueTally, group=other) > 0
    assert_kept()


def test_it_follows_a_target_given_another_kind(world):
    moving = Problem.objects.filter(target=world.project).count()
    enterprise = world.kinds["enterprise"]
    before = kept_n(ProblemTally, kind=enterprise)
    campaigns.target_update(actor=world.users["admin"], target=world.project, kind=enterprise, attributes={})
    assert kept_n(ProblemTally, kind=enterprise) == before + moving
    assert kept_n(ProblemTally, kind=world.kinds["project"]) == 0
    assert_kept()


def test_it_counts_a_bulk_import_and_its_deletion(world):
    rows = [
        {Header.TARGET: world.village.name, Header.PROBLEM: f"导入问题{i}", Header.REPORTED_ON: "2025-06-10"}
        for i in range(6)
    ]
    rows[0] |= {Header.STATUS: "已办结", Header.RESOLUTION: "已解决", Header.LEVEL: "工作组协调"}
    result = problems_import(actor=world.users["member"], campaign=world.campaign, source=problem_sheet(rows))
    assert result.created == 6, result
    assert_kept()
    imported = list(Problem.objects.filter(title__startswith="导入问题").values_list("pk", flat=True))
    imported_delete("problems", imported)
    assert_kept()


def test_it_keeps_them_through_bare_queryset_updates_of_every_field_it_reads(world):
    problem = world.problems["in_progress"]
    others = Problem.objects.exclude(pk=problem.pk)
    one = Problem.objects.filter(pk=problem.pk)
    for status in Status.values:  # every status, against every status set the triggers hold
        one.update(status=status)
        assert_kept()
    day = problem.deadline
    for change in (
        {"accepted_on": None},
        {"accepted_on": day + timedelta(days=30)},  # signed late
        {"accept_by": None},
        {"assigned_on": None, "deadline": None},
        {"assigned_on": day, "deadline": day, "resolved_on": day, "status": Status.RESOLVED},
        {"resolved_on": day + timedelta(days=1)},  # solved late
        {"satisfaction": "basic", "status": Status.CLOSED},
        {"satisfaction": "dissatisfied", "status": Status.REOPENED},
        {"category": None, "level": ""},
        {"reported_on": date(2025, 6, 15)},  # a Sunday: the week of Monday 06-09
        {"reported_on": date(2025, 6, 16)},
        {"region_id": world.other_county.code},
        {"campaign_id": world.campaign.pk, "group_id": world.group.pk, "target_id": world.enterprise.pk},
    ):
        one.update(**change)
        assert_kept()
    others.update(status=Status.ASSIGNED, accepted_on=None)  # many rows in one statement
    assert_kept()
    one.delete()
    assert_kept()


def test_it_finds_and_repairs_a_wrong_tally(world):
    row = ProblemTally.objects.filter(n__gt=0).first()
    ProblemTally.objects.filter(pk=row.pk).update(n=row.n + 5, verified=row.verified + 1)
    ProblemDueTally.objects.create(
        campaign_id=row.campaign_id,
        group_id=row.group_id,
        county=row.county,
        what="deadline",
        day=d(6, 1),
        n=2,
    )
    differences = tally_check()
    assert len(differences) == 2
    assert "n 记为" in str(differences[0]) or "n 记为" in str(differences[1])
    with pytest.raises(CommandError, match="2 处不一致"):
        call_command("tally", "check")
    counts = tally_rebuild()
    assert counts["problems_problemtally"] > 0
    assert_kept()
    call_command("tally", "check")


def triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall()}


def test_it_has_every_trigger_after_all_migrations():
    # On SQLite a later migration that rebuilds problems_problem, fieldwork_outcome or campaigns_target drops
    # them silently.
    assert MIGRATION.TRIGGERS[connection.vendor] <= triggers()
    assert OUTCOME_MIGRATION.TRIGGERS[connection.vendor] <= triggers()
    if connection.vendor == "sqlite":  # one per tally and event, the 督办's unit tally among them
        names = {f"problems_tally_{t}_{e}" for t in ("unit", "unitdue") for e in ("ai", "au", "ad")}
        assert names <= MIGRATION.TRIGGERS["sqlite"]
    else:  # statement triggers: every tally in each function
        with connection.cursor() as cursor:
            cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'problems_tally_update'")
            source = cursor.fetchone()[0]
            assert "problems_problemunittally" in source and "problems_problemunitduetally" in source


def test_it_notices_a_dropped_trigger(world):
    name = "problems_tally_update" if connection.vendor == "postgresql" else "problems_tally_main_au"
    with connection.cursor() as cursor:  # in the test's transaction: rolled back with it
        cursor.execute(
            f"DROP TRIGGER {name} ON problems_problem"
            if connection.vendor == "postgresql"
            else f"DROP TRIGGER {name}"
        )
    assert name not in triggers()
    Problem.objects.filter(pk=world.problems["assigned"].pk).update(status=Status.ACCEPTED)
    assert tally_check() != []


def test_it_recounts_them_after_a_bulk_load_with_the_triggers_off(world):
    from sijin.synth import synth_load

    before = triggers()
    synth_load(problems=200, seed=5, end=date(2025, 6, 30), password="synth-test-pw")
    assert triggers() == before  # back on
    assert kept_n(ProblemTally) == Problem.objects.count()
    assert kept_n(OutcomeTally) == Outcome.objects.count() > 3  # the world's 3 and the load's
    assert_kept()
    problem = Problem.objects.filter(status=Status.ASSIGNED).first()
    Problem.objects.filter(pk=problem.pk).update(status=Status.ACCEPTED)  # and keeping them again
    assert_kept()


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL's flush empties every table with TRUNCATE"
)
def test_it_ends_empty_when_the_tallies_are_emptied_before_the_problems(world):
    # SQLite's flush deletes table by table in no set order: the tallies may go first, the problems after.
    tallies = (
        ProblemTally,
        ProblemUnitTally,
        ProblemFacetTally,
        ProblemWeekTally,
        ProblemDueTally,
        ProblemUnitDueTally,
    )
    for model in tallies:
        model.objects.all().delete()
    Problem.objects.all().delete()
    assert not any(m.objects.exists() for m in tallies)
    assert_kept()


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_it_keeps_them_through_simultaneous_writes_to_the_same_rows(world):
    """Four handlers' steps on four problems of one group at once: their upserts meet on the same tally rows
    (one waits for the other's commit), and every count comes out right."""
    problems = [
        act(new_problem(world, f"同时办理{i}"), "triage", "office", **triage_fields(world)) for i in range(4)
    ]
    for p in problems[2:]:
        act(p, "accept", "handler")
    steps = [("accept", {}), ("return", {"reason": "信息不全", "comment": "请补充"})]
    steps += [("progress", {"comment": "已现场查看"}), ("resolve", {"resolution": "已办结"})]
    barrier = threading.Barrier(len(problems))
    errors: list[Exception] = []

    def step(problem: Problem, action: str, fields: dict) -> None:
        from django.db import connection as own

        try:
            loaded = Problem.objects.get(pk=problem.pk)
            handler = User.objects.get(username="handler")
            barrier.wait(timeout=10)
            problem_transition(actor=handler, problem=loaded, action=action, on_date=ACT_DAY, **fields)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            own.close()

    threads = [
        threading.Thread(target=step, args=(p, action, fields))
        for p, (action, fields) in zip(problems, steps, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    statuses = Problem.objects.filter(pk__in=[p.pk for p in problems]).values_list("status", flat=True)
    assert sorted(statuses) == ["accepted", "in_progress", "resolved", "returned"]
    assert_kept()
