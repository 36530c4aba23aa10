"""The 问题 import writes its rows in bulk (reports.imports.problems_create, COPY on PostgreSQL): the same
problems, events, audit rows and notifications as the services write one row at a time, and a number of queries
that does not grow with the rows."""

import io
from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from sijin.core.audit import audit_verify
from sijin.core.models import AuditLog, Notification
from sijin.problems.models import Level, Problem, Status
from sijin.reports.imports import problem_create, problems_import
from sijin.reports.ledgers import Header

HEADER = [Header.TARGET, Header.PROBLEM, Header.REPORTED_ON, Header.LEVEL, Header.HANDLING_ORG, Header.STATUS]
HEADER += [Header.RESOLUTION, Header.CATEGORY, Header.DESCRIPTION]
# The fields that differ between two problems written alike (the keys and the moments they were written).
WRITTEN = {"id", "title", "created_at", "updated_at"}


def sheet(rows: list[list]) -> io.BytesIO:
    wb = Workbook()
    for row in [["问题导入"], HEADER, *rows]:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def written(problem: Problem) -> dict:
    """A problem as written: its fields, its events and its audit rows, with its own title and keys taken out."""
    fields = {f.attname: getattr(problem, f.attname) for f in Problem._meta.concrete_fields}
    events = list(problem.events.order_by("id"))
    audit = AuditLog.objects.filter(object_type__in=["problems.problem"], object_id=str(problem.pk))
    numbered = {e.pk: n for n, e in enumerate(events)}
    return {
        "fields": {k: v for k, v in fields.items() if k not in WRITTEN},
        "events": [
            (e.actor_id, e.action, e.from_status, e.to_status, e.comment, e.data, e.on_date) for e in events
        ],
        "audit": [
            (
                a.actor_id,
                a.action,
                a.summary.replace(problem.title, "…"),
                {k: numbered.get(v, v) if k == "event" else v for k, v in a.data.items()},
            )
            for a in audit.order_by("id")
        ],
        "notified": sorted(
            (n.user_id, n.kind, n.title.replace(problem.title, "…"), n.body.replace(problem.title, "…"))
            for n in Notification.objects.filter(url=f"/problems/{problem.pk}/")
        ),
    }


def test_it_writes_what_the_services_write_row_by_row(world):
    leader, dept = world.users["group_leader"], world.dept
    category = world.campaign.categories.order_by("id").first()
    rows = [
        [world.project.name, "批量:上报", "2025-06-12", None, None, None, None, category.name, "缺少冷库"],
        [world.project.name, "批量:交办", "2025-06-12", "县级", dept.name, "已交办", None, None, "道路破损"],
        [world.village.name, "批量:办结", "2025-06-13", "工作组协调", None, "已办结", "已协调解决", None, ""],
    ]
    result = problems_import(actor=leader, campaign=world.campaign, source=sheet(rows))
    assert result.errors == [] and result.created == 3
    one_by_one = [
        problem_create(
            actor=leader,
            target=world.project,
            title="逐条:上报",
            reported_on=date(2025, 6, 12),
            category=category,
            description="缺少冷库",
        ),
        problem_create(
            actor=leader,
            target=world.project,
            title="逐条:交办",
            reported_on=date(2025, 6, 12),
            category=None,
            description="道路破损",
            status=Status.ASSIGNED,
            level=Level.COUNTY,
            handling_org=dept,
        ),
        problem_create(
            actor=leader,
            target=world.village,
            title="逐条:办结",
            reported_on=date(2025, 6, 13),
            category=None,
            description="",
            status=Status.RESOLVED,
            level=Level.GROUP,
            resolution="已协调解决",
        ),
    ]
    for by_row in one_by_one:
        in_bulk = Problem.objects.get(title=by_row.title.replace("逐条", "批量"))
        assert written(in_bulk) == written(Problem.objects.get(pk=by_row.pk)), by_row.title
        assert in_bulk.created_at and in_bulk.updated_at and in_bulk.events.get(action="report").at
    assert written(Problem.objects.get(title="批量:交办"))[
        "notified"
    ]  # the handler is told, as by the service
    assert audit_verify().intact


def test_it_imports_ten_rows_or_two_hundred_with_the_same_queries(world):
    def queries(n: int) -> int:
        rows = [[world.village.name, f"问题{n}-{i}", "2025-06-12"] for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            result = problems_import(actor=world.users["member"], campaign=world.campaign, source=sheet(rows))
        assert result.errors == [] and result.created == n
        return len(captured)

    assert queries(10) == queries(200)
    assert Problem.objects.filter(title__startswith="问题200-").count() == 200
    assert audit_verify().intact


def test_it_writes_nothing_when_one_row_is_refused(world):
    rows = [[world.village.name, f"问题{i}", "2025-06-12"] for i in range(50)]
    rows.append([world.village.name, "将来的问题", "2099-01-01"])
    before = (Problem.objects.count(), AuditLog.objects.count())
    result = problems_import(actor=world.users["member"], campaign=world.campaign, source=sheet(rows))
    assert result.created == 0 and len(result.errors) == 1
    assert result.errors[0].startswith(
        "第53行 第3列:日期应在行动期间(2025年"
    )  # the campaign runs on to this year
    assert (Problem.objects.count(), AuditLog.objects.count()) == before
