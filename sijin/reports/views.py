"""HTML views (thin: access, form, service, render)."""

import tempfile
from pathlib import Path
from typing import IO, cast
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from sijin.accounts import access
from sijin.campaigns.models import TargetKind, WorkGroup
from sijin.core.audit import audit_read
from sijin.core.models import AuditAction
from sijin.core.once import FormTokenSpent, form_token, form_token_fresh, form_token_spend
from sijin.core.services import error_text

from . import services
from .briefing import as_html, briefing_docx, briefing_masthead, display_html
from .dashboard import Filters, dashboard_data
from .forms import BriefingEditForm, BriefingNewForm, DashboardForm, ImportForm, PeriodForm, import_campaigns
from .imports import import_check, import_inline, import_sheet, problem_template, target_template
from .ledgers import (
    KINDS,
    PROBLEM_FILTERS,
    PROBLEM_KINDS,
    ledger_build,
    ledger_title,
    problem_query,
    write_xlsx,
)
from .models import Briefing, BriefingStatus, ExportJob, ExportStatus, ImportJob, ImportStatus, WorkMethod

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SYNC_EXPORT_LIMIT = 20_000  # above this, the page offers the background export
MAX_QUERY_CHARS = 2000  # a page's query string passed on (the 问题台账's filters): longer is refused


def attachment(response, filename: str):
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _period(request) -> PeriodForm:
    form = PeriodForm(request.user, request.GET or None)
    if request.GET and not form.is_valid():
        raise Http404("筛选条件不正确")
    return form


def _filters(form: PeriodForm) -> dict:
    data = form.cleaned_data if form.is_bound else {}
    return {"group": data.get("group"), "start": data.get("start"), "end": data.get("end")}


def _back(kind: str, data: QueryDict) -> str:
    """Where a refused export sends the user: the 问题台账 it came from (its filters kept), else the 清单 page."""
    from_list = kind in PROBLEM_KINDS and any(data.get(name) for name in PROBLEM_FILTERS)
    url = reverse("problems:problem_list" if from_list else "reports:ledger_list")
    query = data.urlencode()
    return f"{url}?{query}" if query and len(query) <= MAX_QUERY_CHARS else url


# ---- 清单 ----------------------------------------------------------------------------------------------------
@login_required
def ledger_list(request):
    """The ledgers with their row counts. Come from the 问题台账 with its filters (too many rows for a direct
    download), only the ledgers of problems are listed, counted and exported with those filters."""
    form = _period(request)
    filters = _filters(form)
    kinds = dict(KINDS)
    try:
        query = problem_query(request.GET)
        if query:
            kinds = {k: v for k, v in KINDS.items() if k in PROBLEM_KINDS}
        built = {kind: ledger_build(kind, request.user, **filters, query=query) for kind in kinds}
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("reports:ledger_list")
    described = next((ledger.filters_text for ledger in built.values()), "")
    services.export_job_expire(jobs=ExportJob.objects.filter(user=request.user))  # dead ones show as failed
    jobs = ExportJob.objects.filter(user=request.user)[:10]
    return render(
        request,
        "reports/ledgers.html",
        {
            "form": form,
            "ledgers": [(k, name, built[k].total) for k, name in kinds.items()],
            "jobs": jobs,
            "limit": SYNC_EXPORT_LIMIT,
            "query": request.GET.urlencode(),
            "described": described,
        },
    )


@login_required
def ledger_download(request, kind: str):
    """The ledger as .xlsx, of the 清单 page's period and the 问题台账's filters (its whole query string)."""
    if kind not in KINDS:
        raise Http404("没有这种清单")
    filters = _filters(_period(request))
    try:
        query = problem_query(request.GET)
        ledger = ledger_build(kind, request.user, **filters, query=query)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(_back(kind, request.GET))
    if ledger.total > SYNC_EXPORT_LIMIT:
        messages.info(request, _("超过%(n)d行,请使用后台导出。") % {"n": SYNC_EXPORT_LIMIT})
        return redirect(f"{reverse('reports:ledger_list')}?{request.GET.urlencode()}")
    out = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it after streaming
    write_xlsx(ledger, out, ledger_title(ledger, **filters))
    out.seek(0)
    summary = f"下载{KINDS[kind]}" + (f"({ledger.filters_text})" if ledger.filters_text else "")
    audit_read(request, AuditAction.LEDGER_DOWNLOAD, summary=summary, kind=kind, **filters, filters=query)
    return attachment(FileResponse(out, content_type=XLSX), f"{KINDS[kind]}.xlsx")


@login_required
@require_POST
def export_job_start(request, kind: str):
    """后台导出: the period and the 问题台账's filters come as the fields themselves, or as the page's whole
    query string in ``query`` (the 清单 page passes on the filters it was opened with)."""
    if kind not in KINDS:
        raise Http404("没有这种清单")
    raw = request.POST.get("query")
    if raw is not None and len(raw) > MAX_QUERY_CHARS:
        messages.error(request, _("筛选条件过长,未能导出。"))
        return redirect("reports:ledger_list")
    data = QueryDict(raw) if raw is not None else request.POST
    form = PeriodForm(request.user, data)
    if not form.is_valid():
        messages.error(request, _("筛选条件不正确。"))
        return redirect("reports:ledger_list")
    try:
        job = services.export_job_start(
            actor=request.user,
            kind=kind,
            group=form.cleaned_data["group"],
            period_start=form.cleaned_data["start"],
            period_end=form.cleaned_data["end"],
            filters=problem_query(data),
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(_back(kind, data))
    messages.success(request, _("已开始后台导出%(kind)s,完成后可在下方下载。") % {"kind": KINDS[kind]})
    return redirect("reports:export_job_detail", job.pk)


@login_required
@vary_on_headers("HX-Request")
def export_job_detail(request, pk: int):
    job = access.get_export_job_for(request.user, pk)
    if request.method == "POST":  # 重试
        try:
            services.export_job_retry(actor=request.user, job=job)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已重新开始后台导出。"))
        return redirect("reports:export_job_detail", pk)
    this = ExportJob.objects.filter(pk=job.pk)
    if job.status == ExportStatus.RUNNING and services.export_job_expire(jobs=this):
        job.refresh_from_db()  # its worker stopped beating: now failed, with the retry button
    template = "reports/export_job.html#progress" if request.htmx else "reports/export_job.html"
    return render(request, template, {"job": job, "kind_name": KINDS.get(job.kind, job.kind)})


@login_required
def export_job_download(request, pk: int):
    return export_job_file(request, access.get_export_job_for(request.user, pk))


def export_job_file(request, job, via: str = ""):
    """A finished background export's file, its download audited (``via``: ",API" from the JSON API)."""
    if job.status != ExportStatus.DONE or not Path(job.file).exists():
        raise Http404("文件尚未生成")
    audit_read(
        request,
        AuditAction.LEDGER_DOWNLOAD,
        job,
        f"下载{KINDS[job.kind]}(后台导出{via})",
        kind=job.kind,
        group=job.group_id,
        start=job.period_start,
        end=job.period_end,
        filters=job.filters,
    )
    return attachment(FileResponse(open(job.file, "rb"), content_type=XLSX), f"{KINDS[job.kind]}.xlsx")


# ---- 导入 ----------------------------------------------------------------------------------------------------
@login_required
def import_page(request):
    if not access.can_write(request.user):
        raise PermissionDenied(_("只读权限,不能导入"))
    form = ImportForm(request.user, request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and not form_token_fresh(request):
        messages.warning(request, _("该表单已提交,请勿重复提交。"))
        return redirect("reports:import_page")
    if request.method == "POST" and form.is_valid():
        what, campaign, upload = (form.cleaned_data[k] for k in ("what", "campaign", "file"))
        try:
            sheet = import_sheet(what, campaign, upload)  # read before the token's transaction begins
            with form_token_spend(request):
                if len(sheet.rows) + len(sheet.refused) > settings.SIJIN_IMPORT_INLINE_ROWS:
                    job = services.import_job_start(
                        actor=request.user, what=what, campaign=campaign, upload=upload, filename=upload.name
                    )
                    return redirect("reports:import_job_detail", job.pk)
                checked = import_check(what, actor=request.user, campaign=campaign, sheet=sheet)
                result = import_inline(checked)
                if not result.ok:
                    transaction.set_rollback(True)  # nothing imported: the token stays for the corrected file
        except FormTokenSpent:
            messages.warning(request, _("该表单已提交,请勿重复提交。"))
            return redirect("reports:import_page")
        except (ValidationError, OSError, KeyError, ValueError) as exc:
            errors = [
                error_text(exc)
                if isinstance(exc, ValidationError)
                else _("无法读取该文件,请上传 .xlsx 格式的 Excel 文件。")
            ]
        else:
            if result.ok:
                messages.success(request, _("已导入 %(n)d 行。") % {"n": result.created})
                return redirect("reports:import_page")
            errors = result.errors
    kinds = TargetKind.objects.filter(campaign__in=import_campaigns(request.user)).select_related("campaign")
    jobs = ImportJob.objects.filter(user=request.user).select_related("campaign")[:5]
    return render(
        request,
        "reports/import.html",
        {
            "form": form,
            "errors": errors,
            "kinds": kinds,
            "jobs": jobs,
            "inline_rows": settings.SIJIN_IMPORT_INLINE_ROWS,
            "form_token": form_token(request),
        },
    )


@login_required
@vary_on_headers("HX-Request")
def import_job_detail(request, pk: int):
    job = access.get_import_job_for(request.user, pk)
    if request.method == "POST":  # 重试
        try:
            services.import_job_retry(actor=request.user, job=job)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已重新开始后台导入。"))
        return redirect("reports:import_job_detail", pk)
    if job.status == ImportStatus.RUNNING and services.import_job_expire(
        jobs=ImportJob.objects.filter(pk=pk)
    ):
        job.refresh_from_db()  # its worker stopped beating: what it wrote is gone, and it can be retried
    template = "reports/import_job.html#progress" if request.htmx else "reports/import_job.html"
    return render(request, template, {"job": job, "can_retry": bool(job.file) and Path(job.file).exists()})


@login_required
def import_template(request, kind_id: int):
    kind = (
        TargetKind.objects.filter(pk=kind_id, campaign__in=import_campaigns(request.user))
        .select_related("campaign")
        .first()
    )
    if kind is None:
        raise Http404("不存在或无权查看")
    response = HttpResponse(content_type=XLSX)
    target_template(kind, cast(IO[bytes], response))
    return attachment(response, f"帮扶对象导入模板-{kind.name}.xlsx")


@login_required
def import_problem_template(request):
    response = HttpResponse(content_type=XLSX)
    problem_template(cast(IO[bytes], response))
    return attachment(response, "问题导入模板.xlsx")


# ---- 数据看板 ------------------------------------------------------------------------------------------------
@login_required
def dashboard(request):
    form = DashboardForm(request.user, request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = Filters(
        campaign=data.get("campaign"),
        region=data.get("region"),
        group=data.get("group"),
        start=data.get("start"),
        end=data.get("end"),
    )
    return render(
        request, "reports/dashboard.html", {"form": form, "data": dashboard_data(request.user, filters)}
    )


# ---- 简报 ----------------------------------------------------------------------------------------------------
@login_required
def briefing_list(request):
    briefings = Briefing.objects.visible_to(request.user).select_related(
        "group", "organization", "region", "created_by"
    )
    return render(request, "reports/briefing_list.html", {"briefings": briefings[:200]})


@login_required
def briefing_new(request):
    if not access.can_write(request.user):
        raise PermissionDenied(_("只读权限,不能起草简报。"))
    form = BriefingNewForm(request.user, request.POST or None)
    if request.method == "POST" and not form_token_fresh(request):
        messages.warning(request, _("该表单已提交,请勿重复提交。"))
        return redirect("reports:briefing_list")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with form_token_spend(request):
                briefing = services.briefing_generate(
                    actor=request.user,
                    group=data["group"],
                    organization=data["organization"],
                    region=data["region"],
                    period_start=data["start"],
                    period_end=data["end"],
                    list_targets=True if data["list_targets"] else None,
                )
        except FormTokenSpent:
            messages.warning(request, _("该表单已提交,请勿重复提交。"))
            return redirect("reports:briefing_list")
        messages.success(request, _("简报已生成,请核对修改后报送。"))
        return redirect("reports:briefing_detail", briefing.pk)
    return render(request, "reports/briefing_new.html", {"form": form, "form_token": form_token(request)})


@login_required
def briefing_detail(request, pk: int):
    briefing = access.get_briefing_for(request.user, pk, write=request.method == "POST")
    initial = {name: getattr(briefing, name) for name in BriefingEditForm.base_fields}
    form = BriefingEditForm(request.POST or None, initial={**initial, "body": as_html(briefing.body)})
    # 报送 from the edit form submits what is in it; a bare 报送 button (no text posted) submits it as saved.
    edited = "title" in request.POST or "body" in request.POST
    if request.method == "POST" and (form.is_valid() or not edited):
        changes = form.cleaned_data if edited else {}
        try:
            if "submit" in request.POST:
                briefing = services.briefing_submit(actor=request.user, briefing=briefing, **changes)
                messages.success(request, _("简报已报送,编为%(issue)s。") % {"issue": briefing.issue_label})
            else:
                services.briefing_update(actor=request.user, briefing=briefing, **changes)
                messages.success(request, _("已保存。"))
            return redirect("reports:briefing_detail", pk)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
    versions = briefing.versions.select_related("created_by")
    return render(
        request,
        "reports/briefing_detail.html",
        {
            "briefing": briefing,
            "form": form,
            "frozen": briefing.status == BriefingStatus.SUBMITTED,
            "body_html": mark_safe(display_html(briefing.body)),  # sanitised by nh3 (reports.briefing.body)
            "masthead": briefing_masthead(briefing),
            "versions": [(v, mark_safe(display_html(v.body))) for v in versions],
        },
    )


@login_required
def briefing_download(request, pk: int):
    briefing = access.get_briefing_for(request.user, pk)
    audit_read(request, AuditAction.BRIEFING_DOWNLOAD, briefing, f"下载简报 {briefing.title}")
    response = HttpResponse(briefing_docx(briefing), content_type=DOCX)
    return attachment(response, f"{briefing.title}.docx")


# ---- 工作法 --------------------------------------------------------------------------------------------------
@login_required
def method_list(request):
    methods = (
        WorkMethod.objects.filter(group__in=WorkGroup.objects.visible_to(request.user))
        .select_related("group", "target")
        .order_by("-status", "-created_at")
    )
    return render(request, "reports/methods.html", {"methods": methods})
