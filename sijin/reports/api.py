"""Reports in the JSON API: 简报 (the list, one briefing, 生成 and the .docx) and 后台导出 of the ledgers (start,
poll, download the .xlsx).

The same scope (``Briefing.objects.visible_to``, ``access.get_briefing_for``, ``access.get_export_job_for``: an
export is its maker's alone), the same forms (``BriefingNewForm``, ``PeriodForm``) and services
(``briefing_generate``, ``export_job_start``), and the same audit rows for a download as the pages.
"""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status

from sijin.accounts import access
from sijin.accounts.http import AuthenticatedRequest
from sijin.core.audit import audit_read
from sijin.core.jsonapi import BodyIn, Day, ErrorOut, Id, Page, PageQuery, Ref, cursor_page
from sijin.core.models import AuditAction

from . import services
from .briefing import briefing_docx
from .forms import BriefingNewForm, PeriodForm
from .ledgers import KINDS
from .models import Briefing, ExportJob, ExportStatus
from .views import DOCX, XLSX, attachment, export_job_file

router = Router(tags=["简报与导出"])
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


def _file(content_type: str, description: str) -> dict:
    """The spec of a response that is a file, not JSON."""
    return {
        "responses": {
            200: {
                "description": description,
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


class BriefingOut(Schema):
    id: int
    scope: str = Field(description="group 工作组、unit 单位、region 区划")
    group: Ref | None
    organization: Ref | None
    region: str | None
    period_start: date
    period_end: date
    title: str
    status: str = Field(description="draft 草稿、submitted 已报送")
    body: str = Field(description="正文(HTML)")
    created_at: datetime
    submitted_at: datetime | None

    @staticmethod
    def resolve_group(obj: Briefing) -> dict | None:
        return {"id": obj.group_id, "name": obj.group.name} if obj.group_id else None

    @staticmethod
    def resolve_organization(obj: Briefing) -> dict | None:
        return {"id": obj.organization_id, "name": obj.organization.name} if obj.organization_id else None

    @staticmethod
    def resolve_region(obj: Briefing) -> str | None:
        return obj.region_id


class BriefingIn(BodyIn):
    """One of group, organization, region: the briefing's scope."""

    group: Id | None = Field(None, description="工作组 id")
    organization: Id | None = Field(None, description="派出单位 id(汇总其全部工作组)")
    region: str | None = Field(None, max_length=12, description="区划代码(活动办汇总区划内全部工作组)")
    start: Day
    end: Day


def _briefings(user):
    return Briefing.objects.visible_to(user).select_related("group", "organization")


@router.get("/briefings", response={200: Page[BriefingOut], **ERRORS}, summary="简报")
def briefing_list(request: AuthenticatedRequest, page: Query[PageQuery]):
    return cursor_page(_briefings(request.user), ("-id",), page.cursor, page.limit)


@router.get("/briefings/{briefing_id}", response={200: BriefingOut, **ERRORS}, summary="一份简报")
def briefing_detail(request: AuthenticatedRequest, briefing_id: Id):
    return access.get_briefing_for(request.user, briefing_id)


@router.post("/briefings", response={201: BriefingOut, **ERRORS}, summary="生成简报")
def briefing_create(request: AuthenticatedRequest, payload: BriefingIn):
    if not access.can_write(request.user):
        raise PermissionDenied("只读权限,不能起草简报。")
    form = BriefingNewForm(request.user, payload.dict(exclude_none=True))
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    data = form.cleaned_data
    briefing = services.briefing_generate(
        actor=request.user,
        group=data["group"],
        organization=data["organization"],
        region=data["region"],
        period_start=data["start"],
        period_end=data["end"],
    )
    return Status(201, _briefings(request.user).get(pk=briefing.pk))


@router.get(
    "/briefings/{briefing_id}/docx",
    response=ERRORS,
    summary="下载简报(Word)",
    openapi_extra=_file(DOCX, "简报的 .docx 文件"),
)
def briefing_download(request: AuthenticatedRequest, briefing_id: Id):
    briefing = access.get_briefing_for(request.user, briefing_id)
    audit_read(request, AuditAction.BRIEFING_DOWNLOAD, briefing, f"下载简报 {briefing.title}")
    return attachment(HttpResponse(briefing_docx(briefing), content_type=DOCX), f"{briefing.title}.docx")


# ---- 后台导出 ----------------------------------------------------------------------------------------------------
class ExportOut(Schema):
    id: int
    kind: str
    kind_name: str
    status: str = Field(description="queued 排队中、running 导出中、done 已完成、failed 失败")
    rows_total: int
    rows_done: int
    error: str
    group_id: int | None
    period_start: date | None
    period_end: date | None
    filters: dict[str, str]
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_kind_name(obj: ExportJob) -> str:
        return KINDS.get(obj.kind, obj.kind)


class ExportIn(BodyIn):
    kind: str = Field(
        description="problems 问题清单、handling 办理清单、effect 问效清单、targets 帮扶对象台账、visits 走访台账"
    )
    group: Id | None = None
    start: Day | None = None
    end: Day | None = None
    filters: dict[str, str] = Field(default_factory=dict, description="问题台账的筛选条件(同 GET /problems)")


@router.post("/exports", response={201: ExportOut, **ERRORS}, summary="开始后台导出")
def export_start(request: AuthenticatedRequest, payload: ExportIn):
    if payload.kind not in KINDS:
        raise ValidationError({"kind": [f"应为 {'、'.join(KINDS)} 之一。"]})
    form = PeriodForm(request.user, payload.dict(include={"group", "start", "end"}, exclude_none=True))
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    job = services.export_job_start(
        actor=request.user,
        kind=payload.kind,
        group=form.cleaned_data["group"],
        period_start=form.cleaned_data["start"],
        period_end=form.cleaned_data["end"],
        filters=payload.filters,
    )
    return Status(201, job)


@router.get("/exports/{export_id}", response={200: ExportOut, **ERRORS}, summary="后台导出的进度")
def export_detail(request: AuthenticatedRequest, export_id: Id):
    job = access.get_export_job_for(request.user, export_id)
    if job.status == ExportStatus.RUNNING and services.export_job_expire(
        jobs=ExportJob.objects.filter(pk=job.pk)
    ):
        job.refresh_from_db()  # its worker stopped beating: now failed, as the page shows it
    return job


@router.get(
    "/exports/{export_id}/xlsx",
    response=ERRORS,
    summary="下载后台导出的文件",
    openapi_extra=_file(XLSX, "清单的 .xlsx 文件"),
)
def export_download(request: AuthenticatedRequest, export_id: Id):
    return export_job_file(request, access.get_export_job_for(request.user, export_id), via=",API")
