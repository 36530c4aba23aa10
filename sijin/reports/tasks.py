"""Background jobs (django-tasks, database backend; ``sijin worker`` runs them): large ledger exports and
large Excel imports.

The page creates the job row (services.export_job_start, services.import_job_start), which enqueues the task
once the row is committed; the task claims the job with a conditional update (so a second worker or a rerun
does nothing) and records progress the page polls.

Claiming takes a lease (``Lease``): as it works the task stamps ``heartbeat_at`` (with ``rows_done``) once a
second or every HEARTBEAT_ROWS rows, whichever comes first, and a job whose heartbeat is older than
SIJIN_TASK_LEASE is marked failed by services.export_job_expire / import_job_expire (the page does it when
polled, ``sijin sweep`` for all). Every write of the task is conditional on its own ``runner`` token and the
job still running, so a worker that comes back after its lease expired — or after the job was retried —
stops at its next heartbeat and leaves the job alone.
"""

import secrets
import time
from pathlib import Path
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .imports import IMPORT_BATCH, import_check, import_sheet, imported_delete, write_in_batches
from .ledgers import ledger_build, ledger_title, problem_query, write_xlsx
from .models import BackgroundJob, ExportJob, ExportStatus, ImportJob, ImportStage

PROGRESS_EVERY = 500  # rows between looks at the clock
HEARTBEAT_SECONDS = 1.0  # a progress write (rows done, heartbeat) when this long has passed since the last
HEARTBEAT_ROWS = 5000  # … or when this many rows have been written since
MAX_KEPT_ERRORS = 500  # row errors kept on a refused import job

J = TypeVar("J", bound=BackgroundJob)


class LeaseLost(Exception):
    """The job is no longer this task's: its lease expired and it was marked failed, or retried."""


class Lease(Generic[J]):
    """A claimed job: every write goes through ``mine``, the job as long as it is this attempt's and running."""

    def __init__(self, model: type[J], job_id: int, runner: str):
        self.runner = runner
        self.mine = model._default_manager.filter(pk=job_id, runner=runner, status=ExportStatus.RUNNING)
        self._beat, self._rows = time.monotonic(), 0

    @classmethod
    def claim(cls, model: type[J], job_id: int) -> "Lease[J] | None":
        runner = secrets.token_hex(8)
        claimed = model._default_manager.filter(pk=job_id, status=ExportStatus.QUEUED).update(
            status=ExportStatus.RUNNING, runner=runner, heartbeat_at=timezone.now(), rows_done=0
        )
        return cls(model, job_id, runner) if claimed else None

    def beat(self, **fields: Any) -> None:
        """Write ``fields`` with a fresh heartbeat, or raise LeaseLost."""
        if not self.mine.update(heartbeat_at=timezone.now(), **fields):
            raise LeaseLost
        self._beat = time.monotonic()

    def progress(self, n: int) -> None:
        """``n`` rows done: written at most once a second or every HEARTBEAT_ROWS rows."""
        if time.monotonic() - self._beat < HEARTBEAT_SECONDS and n - self._rows < HEARTBEAT_ROWS:
            return
        self.beat(rows_done=n)
        self._rows = n

    def finish(self, status: str, **fields: Any) -> bool:
        now = timezone.now()
        return bool(self.mine.update(status=status, heartbeat_at=now, finished_at=now, **fields))


def export_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@task()
def ledger_export_task(job_id: int) -> int:
    lease = Lease.claim(ExportJob, job_id)
    if lease is None:
        return 0
    job = ExportJob.objects.select_related("user", "group").get(pk=job_id)
    path = (
        export_dir() / f"{job.pk}-{job.kind}-{lease.runner}.xlsx"
    )  # one per attempt: a late one spoils nothing
    try:
        # The filters go through the list's form again: the user's scope is today's, not the day it was asked.
        ledger = ledger_build(
            job.kind,
            job.user,
            group=job.group,
            start=job.period_start,
            end=job.period_end,
            query=problem_query(job.filters or {}),
        )
        lease.beat(rows_total=ledger.total)
        title = ledger_title(ledger, group=job.group, start=job.period_start, end=job.period_end)
        rows = write_xlsx(ledger, str(path), title, lease.progress, every=PROGRESS_EVERY)
    except LeaseLost:
        path.unlink(missing_ok=True)
        return 0
    except ValidationError as exc:  # a filter no longer in the user's scope: refused, in Chinese, not a crash
        path.unlink(missing_ok=True)
        lease.finish(ExportStatus.FAILED, error=";".join(exc.messages)[:2000])
        return 0
    except Exception as exc:
        path.unlink(missing_ok=True)
        lease.finish(ExportStatus.FAILED, error=str(exc)[:2000])
        raise
    if not lease.finish(ExportStatus.DONE, file=str(path), rows_done=rows, rows_total=rows):
        path.unlink(missing_ok=True)
        return 0
    return rows


REFUSED_MESSAGE = "共 {n} 处错误,未导入任何数据。"


@task()
def import_task(job_id: int) -> int:
    """Check every row of the job's workbook, then write them IMPORT_BATCH at a time; return how many.

    Each batch is one transaction that also records its rows' keys on the job (conditional on the lease),
    so what was written is always known. A row the services refuse rolls its batch back and deletes the
    batches before it (``imported_delete``) in the transaction that marks the job failed: nothing stays."""
    lease = Lease.claim(ImportJob, job_id)
    if lease is None:
        return 0
    job = ImportJob.objects.select_related("user", "campaign").get(pk=job_id)
    written: list[int] = []

    def refuse(errors: list[str]) -> int:
        with transaction.atomic():
            if not lease.finish(
                ExportStatus.FAILED,
                errors=errors[:MAX_KEPT_ERRORS],
                error=REFUSED_MESSAGE.format(n=len(errors)),
                written=[],
            ):
                raise LeaseLost
            imported_delete(job.what, written)
        Path(job.file).unlink(missing_ok=True)  # the same file would be refused again
        return 0

    def record(keys: list[int], done: int) -> None:
        lease.beat(rows_done=done, written=[*written, *keys])
        written.extend(keys)

    try:
        try:
            with open(job.file, "rb") as source:
                sheet = import_sheet(job.what, job.campaign, source)
        except (ValidationError, OSError) as exc:
            messages = (
                exc.messages if isinstance(exc, ValidationError) else ["上传的文件已不存在,请重新上传。"]
            )
            return refuse(messages)
        lease.beat(rows_total=len(sheet.rows) + len(sheet.refused))
        checked = import_check(
            job.what, actor=job.user, campaign=job.campaign, sheet=sheet, progress=lease.progress
        )
        if checked.errors:
            return refuse(checked.errors)
        lease.beat(stage=ImportStage.WRITE, rows_done=0)
        errors = write_in_batches(checked, batch_size=checked.batch_size or IMPORT_BATCH, on_batch=record)
        if errors:
            return refuse(errors)
    except LeaseLost:
        return 0  # whoever took the job (import_job_expire) deleted what this attempt wrote
    except Exception as exc:
        with transaction.atomic():
            if lease.finish(ExportStatus.FAILED, error=str(exc)[:2000], written=[]):
                imported_delete(job.what, written)
        raise
    if not lease.finish(ExportStatus.DONE, rows_done=len(written), rows_total=len(written), written=[]):
        return 0
    Path(job.file).unlink(missing_ok=True)
    return len(written)
