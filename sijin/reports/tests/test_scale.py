"""Province scale (issue 14): the 问题清单 export, the 问题 import and a region's briefing each take a number of
queries that does not grow with their rows — counted here on the small world, before and after it grows."""

import io
from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from sijin.campaigns.services import target_create
from sijin.core.audit import audit_verify
from sijin.core.models import AuditAction, AuditLog
from sijin.problems.models import Problem, ProblemEvent
from sijin.problems.services import problem_report
from sijin.reports.briefing import briefing_text
from sijin.reports.imports import problems_import
from sijin.reports.ledgers import Header, ledger_export

START, END = date(2025, 6, 1), date(2025, 6, 30)


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as seen:
        fn()
    return len(seen)


def grow(world, n: int) -> None:
    """``n`` more targets of the world's group, each with a problem found in June 2025."""
    admin = world.users["admin"]
    for i in range(n):
        target = target_create(
            actor=admin,
            campaign=world.campaign,
            kind=world.kinds["village"],
            name=f"增加的村{i}",
            region=world.county,
            group=world.group,
        )
        problem_report(actor=admin, target=target, title=f"增加的问题{i}", reported_on=date(2025, 6, 10))


def problem_sheet(rows: list[dict[str, str]]) -> io.BytesIO:
    headers = [Header.SEQ, Header.TARGET, Header.PROBLEM, Header.REPORTED_ON, Header.LEVEL]
    headers += [Header.HANDLING_ORG, Header.STATUS, Header.RESOLUTION]
    wb = Workbook()
    ws = wb.active
    ws.append(["问题清单"])
    ws.append(headers)
    for n, row in enumerate(rows, 1):
        ws.append([n, *(row.get(h, "") for h in headers[1:])])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def reported(world, n: int, prefix: str) -> list[dict[str, str]]:
    return [
        {Header.TARGET: world.village.name, Header.PROBLEM: f"{prefix}{i}", Header.REPORTED_ON: "2025-06-10"}
        for i in range(n)
    ]


def test_it_exports_the_problem_ledger_in_queries_that_do_not_grow_with_its_rows(world):
    admin = world.users["admin"]
    ledger_export("problems", admin, io.BytesIO())  # the user's grants are read once, then kept on the user
    before = queries(lambda: ledger_export("problems", admin, io.BytesIO()))
    grow(world, 8)
    out = io.BytesIO()
    after = queries(lambda: ledger_export("problems", admin, out))
    assert after == before
    rows = list(load_workbook(io.BytesIO(out.getvalue())).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2 + Problem.objects.count()
    assert {r[6] for r in rows[2:]} >= {f"增加的问题{i}" for i in range(8)}


def test_it_imports_problems_in_queries_that_do_not_grow_with_the_rows(world):
    member, campaign = world.users["member"], world.campaign
    problems_import(actor=member, campaign=campaign, source=problem_sheet(reported(world, 1, "先")))
    # Up to 25 rows: one INSERT a table (SQLite takes 999 parameters a statement, some 30 problems).
    few = queries(
        lambda: problems_import(
            actor=member, campaign=campaign, source=problem_sheet(reported(world, 2, "少"))
        )
    )
    many = queries(
        lambda: problems_import(
            actor=member, campaign=campaign, source=problem_sheet(reported(world, 25, "多"))
        )
    )
    assert many == few
    made = Problem.objects.filter(title__startswith="多")
    assert made.count() == 25 and {p.target_id for p in made} == {world.village.pk}
    # One 上报 event and one audit row per problem, as problem_report writes them; the chain still holds.
    events = ProblemEvent.objects.filter(problem__in=made)
    assert events.count() == 25 and set(events.values_list("action", flat=True)) == {"report"}
    audited = AuditLog.objects.filter(action=AuditAction.PROBLEM_REPORT, object_type="problems.problem")
    assert set(audited.values_list("object_id", flat=True)) >= {str(p.pk) for p in made}
    assert audit_verify().intact


def test_it_imports_assigned_and_resolved_problems_with_their_steps(world):
    admin = world.users["admin"]
    dept = world.dept.name
    rows = [
        {
            Header.TARGET: world.village.name,
            Header.PROBLEM: "导入交办",
            Header.REPORTED_ON: "2025-06-10",
            Header.LEVEL: "县级",
            Header.HANDLING_ORG: dept,
            Header.STATUS: "已交办",
        },
        {
            Header.TARGET: world.village.name,
            Header.PROBLEM: "导入办结",
            Header.REPORTED_ON: "2025-06-10",
            Header.STATUS: "已办结",
            Header.RESOLUTION: "当场协调解决",
        },
    ]
    result = problems_import(
        actor=world.users["group_leader"], campaign=world.campaign, source=problem_sheet(rows)
    )
    assert result.errors == [] and result.created == 2
    assigned = Problem.objects.get(title="导入交办")
    assert (assigned.status, assigned.level, assigned.handling_org, assigned.assigned_on) == (
        "assigned",
        "county",
        world.dept,
        date(2025, 6, 10),
    )
    assert assigned.deadline is not None and assigned.accept_by is not None and assigned.version == 2
    step = assigned.events.get(action="triage")
    assert step.data == {"level": "county", "handling_org": {"id": world.dept.pk, "name": dept}}
    resolved = Problem.objects.get(title="导入办结")
    assert (resolved.status, resolved.level, resolved.resolved_on) == (
        "resolved",
        "on_site",
        date(2025, 6, 10),
    )
    assert resolved.events.get(action="resolve_on_site").comment == "当场协调解决"
    steps = AuditLog.objects.filter(action=AuditAction.PROBLEM_EVENT)
    assert {str(assigned.pk), str(resolved.pk)} <= set(steps.values_list("object_id", flat=True))
    assert admin is not None


def test_it_refuses_a_step_the_actor_may_not_take_at_the_status_cell_and_writes_nothing(world):
    rows = [
        *reported(world, 1, "好的"),
        {
            Header.TARGET: world.village.name,
            Header.PROBLEM: "组员交办",
            Header.REPORTED_ON: "2025-06-10",
            Header.LEVEL: "县级",
            Header.HANDLING_ORG: world.dept.name,
            Header.STATUS: "已交办",
        },
    ]
    before = Problem.objects.count()
    result = problems_import(actor=world.users["member"], campaign=world.campaign, source=problem_sheet(rows))
    assert result.created == 0
    assert result.errors == ["第4行 第7列:您无权对此问题执行“分级交办”。"]
    assert Problem.objects.count() == before


def test_it_summarises_a_region_by_county_and_group_in_queries_that_do_not_grow(world):
    office = world.users["office"]

    def brief() -> str:
        return briefing_text(office, region=world.city, period_start=START, period_end=END).body

    before = queries(brief)
    grow(world, 8)
    body = ""

    def again() -> None:
        nonlocal body
        body = brief()

    assert queries(again) == before
    assert "<h2>各县(市、区)工作情况</h2>" in body and "<h2>各工作组工作情况</h2>" in body
    assert f"<td>{world.county.name}</td>" in body and f"<td>{world.group.name}</td>" in body
    assert "<h3>" not in body and "增加的村0" not in body  # no section per target unless asked


def test_it_tells_the_targets_of_a_region_when_asked(world):
    body = briefing_text(
        world.users["office"], region=world.city, period_start=START, period_end=END, list_targets=True
    ).body
    assert "<h3>" in body and "各工作组工作情况" not in body
