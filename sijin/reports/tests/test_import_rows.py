"""The 问题 import writes its events and audit rows from plain values (core.bulk.insert_rows, audit.audit_rows,
problems.services.problem_events_insert), with no model instance for them: the same rows and chain as one
service call each, every row still checked with its Chinese message."""

from datetime import date
from itertools import pairwise

import pytest
from django.db import connection
from django.utils import timezone

from sijin.core.audit import audit, audit_rows, audit_verify, row_hash
from sijin.core.bulk import insert_rows
from sijin.core.models import AuditAction, AuditLog, Notification
from sijin.problems.models import Problem, ProblemEvent, Status
from sijin.problems.services import problem_events_insert
from sijin.reports.imports import problems_import
from sijin.reports.tests.test_import_bulk import sheet


def test_it_chains_audit_rows_from_values_as_one_audit_call_each(world):
    actor = world.users["office"]
    problems = list(Problem.objects.order_by("id")[:3])
    audit(actor, AuditAction.PROBLEM_REPORT, problems[0], "之前")
    entries = [
        (p.pk, f"上报问题 {p.title}", {"n": i, "x": [1, 2.0, "三"], "on": date(2025, 6, 12)})
        for i, p in enumerate(problems)
    ]
    ids = audit_rows(actor, AuditAction.PROBLEM_REPORT, Problem, entries)
    audit(actor, AuditAction.PROBLEM_REPORT, problems[0], "之后")
    rows = list(AuditLog.objects.filter(pk__in=ids).order_by("id"))
    assert [r.pk for r in rows] == ids == sorted(ids)
    assert [(r.actor_id, r.action, r.object_type, r.object_id, r.summary, r.data) for r in rows] == [
        (
            actor.pk,
            "problem_report",
            "problems.problem",
            str(p.pk),
            f"上报问题 {p.title}",
            {"n": i, "x": [1, 2, "三"], "on": "2025-06-12"},
        )
        for i, p in enumerate(problems)
    ]
    previous = AuditLog.objects.filter(id__lt=ids[0]).order_by("-id").first()
    assert rows[0].prev_hash == previous.hash and all(a.hash == b.prev_hash for a, b in pairwise(rows))
    assert all(row_hash(r) == r.hash for r in rows) and len({r.at for r in rows}) == 1
    assert audit_verify().intact


def test_it_writes_rows_from_values_with_the_defaults_and_the_moment(world):
    user = world.users["member"]
    before = timezone.now()
    keys = insert_rows(
        Notification,
        ["user_id", "kind", "title", "body"],
        [(user.pk, "triage", f"第{i}条", "正文\t含制表符\n和换行") for i in range(3)],
    )
    assert keys == sorted(keys) and len(keys) == 3
    stored = list(Notification.objects.filter(pk__in=keys).order_by("id"))
    assert [(n.user_id, n.kind, n.title, n.body, n.url, n.read_at) for n in stored] == [
        (user.pk, "triage", f"第{i}条", "正文\t含制表符\n和换行", "", None) for i in range(3)
    ]
    assert before <= stored[0].at == stored[2].at <= timezone.now()  # auto_now_add: one moment for the rows
    assert Notification.objects.filter(at__gte=before, pk__in=keys).count() == 3
    assert insert_rows(Notification, ["user_id", "kind", "title"], []) == []
    with pytest.raises(ValueError, match="no columns"):
        insert_rows(Notification, ["user_id", "kind", "headline"], [(user.pk, "triage", "x")])


def test_it_writes_events_by_the_recorded_actor_in_order(world):
    problem = Problem.objects.order_by("id").first()
    actor = world.users["office"]
    ids = problem_events_insert(
        actor=actor,
        events=[
            (problem.pk, "report", "", Status.REPORTED, "说明", {}, date(2025, 6, 12)),
            (
                problem.pk,
                "resolve_on_site",
                Status.REPORTED,
                Status.RESOLVED,
                "",
                {"resolution": "已解决"},
                None,
            ),
        ],
    )
    events = list(ProblemEvent.objects.filter(pk__in=ids).order_by("id"))
    assert [
        (e.pk, e.actor_id, e.action, e.from_status, e.to_status, e.comment, e.data, e.on_date) for e in events
    ] == [
        (ids[0], actor.pk, "report", "", "reported", "说明", {}, date(2025, 6, 12)),
        (ids[1], actor.pk, "resolve_on_site", "reported", "resolved", "", {"resolution": "已解决"}, None),
    ]
    assert events[0].at == events[1].at and list(problem.events.filter(pk__in=ids)) == events


def test_it_links_each_step_to_its_event_and_its_audit_row(world):
    leader = world.users["group_leader"]
    rows = []
    for i in range(6):
        if i % 3 == 0:
            rows.append([world.project.name, f"步骤{i}", "2025-06-12"])
        elif i % 3 == 1:
            rows.append([world.project.name, f"步骤{i}", "2025-06-12", "县级", world.dept.name, "已交办"])
        else:
            rows.append([world.village.name, f"步骤{i}", "2025-06-13", None, None, "已办结", f"已解决{i}"])
    result = problems_import(actor=leader, campaign=world.campaign, source=sheet(rows))
    assert result.errors == [] and result.created == 6
    problems = {p.pk: p for p in Problem.objects.filter(title__startswith="步骤")}
    events = list(ProblemEvent.objects.filter(problem__in=problems).order_by("id"))
    # Every 上报 first, in the rows' order, then the steps: ids in the order things happened.
    assert [e.action for e in events] == ["report"] * 6 + ["triage", "resolve_on_site"] * 2
    assert [problems[e.problem_id].title for e in events[:6]] == [f"步骤{i}" for i in range(6)]
    steps = AuditLog.objects.filter(
        action=AuditAction.PROBLEM_EVENT, object_id__in=[str(k) for k in problems]
    )
    assert steps.count() == 4
    for entry in steps:
        event = ProblemEvent.objects.get(pk=entry.data["event"])
        assert (str(event.problem_id), event.action) == (entry.object_id, entry.data["step"])
        assert (
            entry.summary
            == f"{'分级交办' if event.action == 'triage' else '现场解决'}:{problems[event.problem_id].title}"
        )
        assert event.actor_id == leader.pk and event.to_status == problems[event.problem_id].status
    assert audit_verify().intact


def test_it_checks_every_row_with_its_message_and_writes_none(world):
    rows = [[world.village.name, f"问题{i}", "2025-06-12"] for i in range(5)]
    rows[1][1] = "长" * 201
    rows[3][1] = "长" * 250
    before = (Problem.objects.count(), ProblemEvent.objects.count(), AuditLog.objects.count())
    result = problems_import(actor=world.users["member"], campaign=world.campaign, source=sheet(rows))
    assert result.created == 0
    assert result.errors == [
        "第4行 第2列:确保该变量包含不超过 200 字符 (目前字符数 201)。",
        "第6行 第2列:确保该变量包含不超过 200 字符 (目前字符数 250)。",
    ]
    assert (Problem.objects.count(), ProblemEvent.objects.count(), AuditLog.objects.count()) == before


def test_it_stamps_problems_as_django_writes_a_moment(world):
    """On SQLite a moment is text; the import's must read as Django writes them (no ``+00:00``), so comparing
    moments in SQL orders imported problems among the others."""
    result = problems_import(
        actor=world.users["member"],
        campaign=world.campaign,
        source=sheet([[world.village.name, "时刻", "2025-06-12"]]),
    )
    assert result.ok
    imported = Problem.objects.get(title="时刻")
    assert Problem.objects.filter(
        pk=imported.pk, created_at__lte=timezone.now(), updated_at__gte=imported.updated_at
    ).exists()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT created_at || '', updated_at || '' FROM problems_problem WHERE id = %s", [imported.pk]
            )
            created, updated = cursor.fetchone()
        assert "+" not in created and "+" not in updated, (created, updated)
