"""Writes for work methods, briefings and background jobs (exports and imports)."""

import shutil
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from sijin.accounts.models import User
from sijin.campaigns.models import Campaign, WorkGroup
from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.services import locked, recorded_actor, saved, validated
from sijin.directory.models import Organization, Region

from .models import (
    BackgroundJob,
    Briefing,
    BriefingIssueCounter,
    BriefingScope,
    BriefingSeries,
    BriefingStatus,
    BriefingVersion,
    ExportJob,
    ExportStatus,
    ImportJob,
    ImportStage,
    VersionKind,
    WorkMethod,
)

J = TypeVar("J", bound=BackgroundJob)


@transaction.atomic
def work_method_create(*, actor: User | None, group: WorkGroup, title: str, **fields: Any) -> WorkMethod:
    method = WorkMethod(group=group, title=title, **fields)
    return saved(actor, method, AuditAction.WORK_METHOD_CREATE, f"工作法 {title}")


@transaction.atomic
def work_method_update(*, actor: User | None, method: WorkMethod, **fields: Any) -> WorkMethod:
    """Change a work method: its text, or how far it went (推荐, 入选 at a level)."""
    method = locked(method, **fields)
    return saved(
        actor, method, AuditAction.WORK_METHOD_UPDATE, f"修改工作法 {method.title}", fields=list(fields)
    )


def work_method_ensure(*, actor: User | None, group: WorkGroup, title: str, **fields: Any) -> WorkMethod:
    return WorkMethod.objects.filter(group=group, title=title).first() or work_method_create(
        actor=actor, group=group, title=title, **fields
    )


FROZEN_MESSAGE = "简报已报送,不能再修改。"
EMPTY_MESSAGE = "简报正文不能为空。"
# What the 简报 page edits besides the body (编发单位 and the 报 / 送 / 发 lines).
BRIEFING_LINES = ("issuer", "report_to", "copy_to", "issue_to")


@transaction.atomic
def briefing_generate(
    *,
    actor: User | None,
    period_start: date,
    period_end: date,
    group: WorkGroup | None = None,
    organization: Organization | None = None,
    region: Region | None = None,
    list_targets: bool | None = None,
) -> Briefing:
    """Write a draft briefing from the data the actor may see (see reports.briefing), with the 编发单位 and
    报 / 送 / 发 suggested from the scope; it is kept as version 1. ``list_targets``: a section per target (a
    region's briefing summarises by area and group unless asked; see ``briefing_text``)."""
    from .briefing import briefing_distribution, briefing_text, clean_body

    scope = (
        BriefingScope.GROUP
        if group is not None
        else BriefingScope.UNIT
        if organization is not None
        else BriefingScope.REGION
    )
    text = briefing_text(
        actor,
        period_start=period_start,
        period_end=period_end,
        group=group,
        organization=organization,
        region=region,
        list_targets=list_targets,
    )
    lines = briefing_distribution(group=group, organization=organization, region=region)
    briefing = Briefing(
        scope=scope,
        group=group,
        organization=organization,
        region=region,
        period_start=period_start,
        period_end=period_end,
        title=text.title[:200],
        body=clean_body(text.body),
        issuer=lines.issuer[:100],
        report_to=lines.report_to[:300],
        copy_to=lines.copy_to[:300],
        issue_to=lines.issue_to[:300],
        created_by=recorded_actor(actor),
    )
    saved(
        actor, briefing, AuditAction.BRIEFING_GENERATE, f"生成简报 {briefing.title}", exclude=["created_by"]
    )
    _briefing_version(actor, briefing, VersionKind.GENERATED)
    return briefing


def _briefing_edit(briefing: Briefing, title: str | None, body: str | None, lines: dict[str, str]) -> None:
    """Apply an edit to a locked draft: the body sanitised (reports.briefing.body), never left empty."""
    from .briefing import body_is_empty, clean_body

    if briefing.status == BriefingStatus.SUBMITTED:
        raise ValidationError(FROZEN_MESSAGE)
    if title is not None:
        briefing.title = title.strip()
    if body is not None:
        body = clean_body(body)
        if body_is_empty(body):
            raise ValidationError(EMPTY_MESSAGE)
        briefing.body = body
    for name, value in lines.items():
        if name not in BRIEFING_LINES:
            raise TypeError(f"briefing has no line {name!r}")
        setattr(briefing, name, (value or "").strip())
    validated(briefing, exclude=["created_by"])


def _briefing_version(actor: User | None, briefing: Briefing, kind: VersionKind) -> BriefingVersion:
    last = briefing.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return BriefingVersion.objects.create(
        briefing=briefing,
        number=last + 1,
        kind=kind,
        title=briefing.title,
        body=briefing.body,
        created_by=recorded_actor(actor),
    )


@transaction.atomic
def briefing_update(
    *, actor: User | None, briefing: Briefing, title: str, body: str, **lines: str
) -> Briefing:
    """Save the office's edit of a draft (title, body as HTML, and any of ``BRIEFING_LINES``); kept as a
    version."""
    briefing = Briefing.objects.select_for_update().get(pk=briefing.pk)
    _briefing_edit(briefing, title, body, lines)
    briefing.save(update_fields=["title", "body", *lines])
    version = _briefing_version(actor, briefing, VersionKind.SAVED)
    audit(actor, AuditAction.BRIEFING_UPDATE, briefing, f"修改简报 {briefing.title}", version=version.number)
    return briefing


@transaction.atomic
def briefing_submit(
    *,
    actor: User | None,
    briefing: Briefing,
    title: str | None = None,
    body: str | None = None,
    **lines: str,
) -> Briefing:
    """报送: apply the last edit if one is given, give the briefing the next issue number of its series for the
    year (第N期), freeze it and keep what was submitted as a version."""
    briefing = Briefing.objects.select_for_update().get(pk=briefing.pk)
    if briefing.status == BriefingStatus.SUBMITTED:
        raise ValidationError("简报已报送。")
    _briefing_edit(briefing, title, body, lines)
    briefing.submitted_at = timezone.now()
    briefing.series = _briefing_series(briefing)
    briefing.issue_year = timezone.localdate(briefing.submitted_at).year
    briefing.issue_number = _briefing_issue_number(briefing.series, briefing.issue_year)
    briefing.status = BriefingStatus.SUBMITTED
    briefing.save()
    version = _briefing_version(actor, briefing, VersionKind.SUBMITTED)
    audit(
        actor,
        AuditAction.BRIEFING_SUBMIT,
        briefing,
        f"报送简报 {briefing.title}({briefing.issue_year}年{briefing.issue_label})",
        series=briefing.series,
        issue_year=briefing.issue_year,
        issue_number=briefing.issue_number,
        version=version.number,
    )
    return briefing


def _briefing_series(briefing: Briefing) -> BriefingSeries:
    """The series of the briefing's scope, made with its first submitted issue (a concurrent first submit
    meets the unique constraint and takes the row the other made)."""
    from .briefing import series_name

    series, _ = BriefingSeries.objects.get_or_create(
        scope=briefing.scope,
        group=briefing.group,
        organization=briefing.organization,
        region=briefing.region,
        defaults={
            "name": series_name(
                group=briefing.group, organization=briefing.organization, region=briefing.region
            )
        },
    )
    return series


def _briefing_issue_number(series: BriefingSeries, year: int) -> int:
    """The next number of ``series`` in ``year``. The UPDATE ... SET last_number = last_number + 1 locks the
    counter row until the submitting transaction ends: a second submit waits there, then counts on from the
    first one's number."""
    counter, _ = BriefingIssueCounter.objects.get_or_create(series=series, year=year)
    BriefingIssueCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
    return BriefingIssueCounter.objects.values_list("last_number", flat=True).get(pk=counter.pk)


@transaction.atomic
def export_job_start(
    *,
    actor: User,
    kind: str,
    group: WorkGroup | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    filters: Mapping[str, Any] | None = None,
) -> ExportJob:
    """Queue a large ledger export for the background worker (reports.tasks), for ``actor`` to download (so
    never ``None``). ``filters`` are the 问题台账's (its query): checked now, so a refused one queues nothing,
    and kept on the job to be checked again in the user's scope when it runs.

    The task is enqueued when the job row is committed, never before: a rolled-back request leaves no task
    for a job that does not exist. ``task_id`` is filled in then.
    """
    from .ledgers import KINDS, PROBLEM_KINDS, problem_filter_form, problem_query

    if kind not in KINDS:
        raise ValidationError("没有这种清单。")
    query = problem_query(filters or {})
    if query and kind not in PROBLEM_KINDS:
        raise ValidationError(f"{KINDS[kind]}不能按问题台账的筛选条件导出。")
    if query:
        problem_filter_form(actor, query)  # raises ValidationError for a value out of scope
    job = ExportJob.objects.create(
        user=actor, kind=kind, group=group, period_start=period_start, period_end=period_end, filters=query
    )
    audit(actor, AuditAction.EXPORT_JOB_START, job, f"后台导出{KINDS[kind]}", filters=query)
    transaction.on_commit(partial(_export_job_enqueue, job.pk))
    return job


def _export_job_enqueue(job_id: int) -> None:
    from .tasks import ledger_export_task

    result = ledger_export_task.enqueue(job_id)
    ExportJob.objects.filter(pk=job_id).update(task_id=str(result.id))


INTERRUPTED_MESSAGE = "后台任务中断,请重试"


def _jobs_expire(
    model: type[J], jobs: QuerySet[J] | None, now: datetime | None, expired: Callable[[J], None]
) -> int:
    """Mark failed every running job of ``model`` (of ``jobs``, default all) whose heartbeat is older than
    SIJIN_TASK_LEASE: its worker died mid-job. Each job is claimed with a conditional update on the heartbeat
    it was seen with (so a job still beating is left alone, and two sweeps expire it once), and
    ``expired(job)`` runs in that transaction. Return how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SIJIN_TASK_LEASE)
    stale = (model._default_manager.all() if jobs is None else jobs).filter(status=ExportStatus.RUNNING)
    stale = stale.filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at=None, created_at__lt=cutoff))
    count = 0
    for found in stale.only("pk", "heartbeat_at", "runner"):
        with transaction.atomic():
            claimed = model._default_manager.filter(
                pk=found.pk, status=ExportStatus.RUNNING, runner=found.runner, heartbeat_at=found.heartbeat_at
            ).update(status=ExportStatus.FAILED, error=INTERRUPTED_MESSAGE, finished_at=now)
            if claimed:
                count += 1
                expired(model._default_manager.get(pk=found.pk))
    return count


def export_job_expire(
    *, actor: User | None = None, jobs: QuerySet[ExportJob] | None = None, now: datetime | None = None
) -> int:
    """Mark failed every running export whose worker died (``_jobs_expire``). The job and ledger pages run it
    for what they show, ``sijin sweep`` for all; safe to run twice or in parallel."""

    def expired(job: ExportJob) -> None:
        audit(
            actor,
            AuditAction.EXPORT_JOB_EXPIRE,
            job,
            f"后台导出中断(超过{settings.SIJIN_TASK_LEASE}秒无心跳)",
            heartbeat_at=job.heartbeat_at,
        )

    return _jobs_expire(ExportJob, jobs, now, expired)


def _job_requeue(model: type[J], job: J, refused: str, **reset: Any) -> J:
    """Put a failed job back in the queue, once however often the button is pressed (a conditional update
    from ``failed``); the caller enqueues it when committed."""
    claimed = model._default_manager.filter(pk=job.pk, status=ExportStatus.FAILED).update(
        status=ExportStatus.QUEUED,
        rows_done=0,
        rows_total=0,
        error="",
        runner="",
        heartbeat_at=None,
        finished_at=None,
        **reset,
    )
    if not claimed:
        raise ValidationError(refused)
    return model._default_manager.get(pk=job.pk)


@transaction.atomic
def export_job_retry(*, actor: User, job: ExportJob) -> ExportJob:
    """Queue a failed export again (same ledger, same filters), enqueued when committed like a new one."""
    from .ledgers import KINDS

    previous = ExportJob.objects.get(pk=job.pk).error
    job = _job_requeue(ExportJob, job, "只有失败的导出任务可以重试。", file="")
    audit(
        actor,
        AuditAction.EXPORT_JOB_RETRY,
        job,
        f"重试后台导出{KINDS.get(job.kind, job.kind)}",
        error=previous,
    )
    transaction.on_commit(partial(_export_job_enqueue, job.pk))
    return job


# ---- 后台导入 --------------------------------------------------------------------------------------------------
def import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@transaction.atomic
def import_job_start(
    *, actor: User, what: str, campaign: Campaign, upload: IO[bytes], filename: str = "", enqueue: bool = True
) -> ImportJob:
    """Keep the uploaded workbook under MEDIA_ROOT/imports and queue it for the worker (reports.tasks
    .import_task), enqueued when the job row is committed. ``enqueue=False`` leaves the running to the caller
    (``sijin import`` runs the task itself). The rows it writes are audited by the services that write them."""
    if what not in ("targets", "problems"):
        raise ValidationError("只能导入帮扶对象或问题。")
    path = import_dir() / f"{uuid.uuid4().hex}.xlsx"
    upload.seek(0)
    with path.open("wb") as out:
        shutil.copyfileobj(upload, out)
    job = ImportJob.objects.create(
        user=actor, what=what, campaign=campaign, file=str(path), filename=(filename or "")[:200]
    )
    audit(actor, AuditAction.IMPORT_JOB_START, job, f"后台导入{job.filename or job.what}", what=what)
    if enqueue:
        transaction.on_commit(partial(_import_job_enqueue, job.pk))
    return job


def _import_job_enqueue(job_id: int) -> None:
    from .tasks import import_task

    result = import_task.enqueue(job_id)
    ImportJob.objects.filter(pk=job_id).update(task_id=str(result.id))


def import_job_expire(*, jobs: QuerySet[ImportJob] | None = None, now: datetime | None = None) -> int:
    """Mark failed every running import whose worker died, deleting what it wrote in the same transaction
    (``_jobs_expire``): the user sees all or nothing, and may retry. Safe to run twice or in parallel."""
    from .imports import imported_delete

    def expired(job: ImportJob) -> None:
        audit(
            None,
            AuditAction.IMPORT_JOB_EXPIRE,
            job,
            f"后台导入中断(超过{settings.SIJIN_TASK_LEASE}秒无心跳),已撤回写入的{len(job.written)}行",
            heartbeat_at=job.heartbeat_at,
        )
        imported_delete(job.what, job.written)
        ImportJob.objects.filter(pk=job.pk).update(written=[])

    return _jobs_expire(ImportJob, jobs, now, expired)


@transaction.atomic
def import_job_retry(*, actor: User, job: ImportJob) -> ImportJob:
    """Queue an interrupted import again from its kept file (a refused one has none left: fix the file and
    upload it again)."""
    if not job.file or not Path(job.file).exists():
        raise ValidationError("该导入已校验出错误或文件已不存在,请修改文件后重新上传。")
    job = _job_requeue(
        ImportJob, job, "只有失败的导入任务可以重试。", written=[], errors=[], stage=ImportStage.CHECK
    )
    audit(actor, AuditAction.IMPORT_JOB_RETRY, job, f"重试后台导入{job.filename or job.what}")
    transaction.on_commit(partial(_import_job_enqueue, job.pk))
    return job
