"""督办: near-due and overdue problems by handling unit, and the printable 督办通知单 (.docx)."""

import io
from datetime import date
from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from sijin.accounts import access
from sijin.accounts.models import Role
from sijin.core.workdays import add_workdays, workdays_between
from sijin.directory.models import Organization

from .rates import compute_rates
from .supervision import annotate_light, light_q

PAGE_LIMIT = 1000  # rows shown on the page; the ledger export has all of them
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _attention(user, today: date):
    """The user's visible near-due (yellow) and overdue (red) problems, most overdue first."""
    problems = access.visible_problems(user).filter(light_q("yellow", today) | light_q("red", today))
    return (
        annotate_light(problems, today)
        .select_related("handling_org", "target")
        .order_by("handling_org__name", "handling_org_id", "deadline", "id")
    )


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = list(_attention(request.user, today)[:PAGE_LIMIT])
    visible = access.visible_problems(request.user)
    units = []
    for org_id, items in groupby(rows, key=lambda p: p.handling_org_id):
        problems = list(items)
        units.append(
            {
                "org": problems[0].handling_org,
                "problems": problems,
                "red": sum(p.light == "red" for p in problems),
                "yellow": sum(p.light == "yellow" for p in problems),
                "rates": compute_rates(visible.filter(handling_org_id=org_id)).as_list(),
            }
        )
    return render(
        request,
        "problems/supervision.html",
        {
            "units": units,
            "today": today,
            "rates": compute_rates(visible).as_list(),
            "truncated": len(rows) == PAGE_LIMIT,
            "can_issue": _can_issue(request.user),
        },
    )


def _can_issue(user) -> bool:
    return bool(access.roles(user) & {Role.OFFICE, Role.ADMIN})


@login_required
def supervision_notice(request: HttpRequest, org_id: int) -> HttpResponse:
    today = timezone.localdate()
    problems = list(_attention(request.user, today).filter(handling_org_id=org_id).select_related("campaign"))
    if not problems:
        raise Http404("不存在或无权查看")
    if not _can_issue(request.user):
        raise PermissionDenied("只有活动办可以签发督办通知单")
    org = problems[0].handling_org
    body = _notice_docx(org, problems, today, _issuer(request.user))
    response = HttpResponse(body, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''notice-{org.pk}-{today:%Y%m%d}.docx"
    return response


def _issuer(user) -> str:
    """The issuing office: the user's own unit, else the office unit of their region, else the region's 活动办."""
    if user.person_id and user.person.organization_id:
        return user.person.organization.name
    for g in access.grants(user):
        if g.role == Role.OFFICE:
            office = Organization.objects.filter(kind="office", region=g.region).first()
            return office.name if office else f"{g.region.name}“四进”攻坚行动办公室"
    return "“四进”攻坚行动办公室"


# Official documents are written in Chinese whatever language the page is shown in.
@translation.override("zh-hans")
def _notice_docx(org: Organization, problems: list, today: date, issuer: str) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    report_by = add_workdays(today, min(p.campaign.answer_days for p in problems))
    doc = Document()
    title = doc.add_heading("督办通知单", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"{org.name}:")
    overdue = sum(p.light == "red" for p in problems)
    doc.add_paragraph(
        f"截至{today:%Y年%m月%d日},贵单位承办的以下{len(problems)}件问题中,{overdue}件已超过办结期限,"
        f"{len(problems) - overdue}件临近办结期限。请高度重视,逐件落实办理措施,"
        f"于{report_by:%Y年%m月%d日}前将办理情况书面报告。"
    )
    table = doc.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, ("序号", "帮扶对象", "问题", "交办日期", "办结期限", "超期(工作日)"), strict=True
    ):
        cell.text = text
    for i, p in enumerate(problems, 1):
        late = workdays_between(p.deadline, today) if p.light == "red" else 0
        values = (
            str(i),
            p.target.name,
            p.title,
            f"{p.assigned_on:%Y-%m-%d}" if p.assigned_on else "",
            f"{p.deadline:%Y-%m-%d}",
            str(late) if late > 0 else "临期",
        )
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text
    doc.add_paragraph("")
    for text in (issuer, f"{today:%Y年%m月%d日}"):
        doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
