"""Writes for work methods and briefings."""

from datetime import date
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sijin.accounts.models import User
from sijin.campaigns.models import WorkGroup
from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.services import locked, saved, validated
from sijin.directory.models import Organization, Region

from .models import Briefing, BriefingScope, BriefingStatus, ExportJob, WorkMethod


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


@transaction.atomic
def briefing_generate(
    *,
    actor: User | None,
    period_start: date,
    period_end: date,
    group: WorkGroup | None = None,
    organization: Organization | None = None,
    region: Region | None = None,
) -> Briefing:
    """Write a draft briefing from the data the actor may see (see reports.briefing)."""
    from .briefing import briefing_text

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
    )
    briefing = Briefing(
        scope=scope,
        group=group,
        organization=organization,
        region=region,
        period_start=period_start,
        period_end=period_end,
        title=text.title[:200],
        body=text.body,
        created_by=actor if actor is not None and actor.pk else None,
    )
    return saved(
        actor, briefing, AuditAction.BRIEFING_GENERATE, f"生成简报 {briefing.title}", exclude=["created_by"]
    )


@transaction.atomic
def briefing_update(*, actor: User | None, briefing: Briefing, title: str, body: str) -> Briefing:
    briefing = Briefing.objects.select_for_update().get(pk=briefing.pk)
    if briefing.status == BriefingStatus.SUBMITTED:
        raise ValidationError(FROZEN_MESSAGE)
    briefing.title, briefing.body = title.strip(), body
    validated(briefing, exclude=["created_by"])
    briefing.save(update_fields=["title", "body"])
    audit(actor, AuditAction.BRIEFING_UPDATE, briefing, f"修改简报 {briefing.title}")
    return briefing


@transaction.atomic
def briefing_submit(*, actor: User | None, briefing: Briefing) -> Briefing:
    briefing = Briefing.objects.select_for_update().get(pk=briefing.pk)
    if briefing.status == BriefingStatus.SUBMITTED:
        raise ValidationError("简报已报送。")
    briefing.status = BriefingStatus.SUBMITTED
    briefing.submitted_at = timezone.now()
    briefing.save(update_fields=["status", "submitted_at"])
    audit(actor, AuditAction.BRIEFING_SUBMIT, briefing, f"报送简报 {briefing.title}")
    return briefing


@transaction.atomic
def export_job_start(
    *,
    actor: User,
    kind: str,
    group: WorkGroup | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
) -> ExportJob:
    """Queue a large ledger export for the background worker (reports.tasks), for ``actor`` to download (so
    never ``None``).

    The task is enqueued when the job row is committed, never before: a rolled-back request leaves no task
    for a job that does not exist. ``task_id`` is filled in then.
    """
    from .ledgers import KINDS

    if kind not in KINDS:
        raise ValidationError("没有这种清单。")
    job = ExportJob.objects.create(
        user=actor, kind=kind, group=group, period_start=period_start, period_end=period_end
    )
    audit(actor, AuditAction.EXPORT_JOB_START, job, f"后台导出{KINDS[kind]}")
    transaction.on_commit(partial(_export_job_enqueue, job.pk))
    return job


def _export_job_enqueue(job_id: int) -> None:
    from .tasks import ledger_export_task

    result = ledger_export_task.enqueue(job_id)
    ExportJob.objects.filter(pk=job_id).update(task_id=str(result.id))
