"""Large ledger exports in the background (django-tasks, database backend; ``sijin worker`` runs them).

The page creates an ExportJob (services.export_job_start), which enqueues ``ledger_export_task`` once the
job row is committed; the task claims the job with a conditional update (so a second worker or a rerun does
nothing), streams the ledger to a file under MEDIA_ROOT/exports and records progress the page polls.

Claiming takes a lease: as it writes rows the task stamps ``heartbeat_at`` (with ``rows_done``) once a
second or every HEARTBEAT_ROWS rows, whichever comes first, and a job whose heartbeat is older than
SIJIN_TASK_LEASE is marked failed by services.export_job_expire (the page does it when polled). Every write of
the task is conditional on its own ``runner`` token and the job still running, so a worker that comes back
after its lease expired — or after the job was retried — stops at its next heartbeat and leaves the job
alone.
"""

import secrets
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .ledgers import ledger_build, ledger_title, write_xlsx
from .models import ExportJob, ExportStatus

PROGRESS_EVERY = 500  # rows between looks at the clock
HEARTBEAT_SECONDS = 1.0  # a progress write (rows done, heartbeat) when this long has passed since the last
HEARTBEAT_ROWS = 5000  # … or when this many rows have been written since


class LeaseLost(Exception):
    """The job is no longer this task's: its lease expired and it was marked failed, or retried."""


def export_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@task()
def ledger_export_task(job_id: int) -> int:
    runner = secrets.token_hex(8)
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, runner=runner, heartbeat_at=timezone.now(), rows_done=0
    )
    if not claimed:
        return 0
    mine = ExportJob.objects.filter(pk=job_id, runner=runner, status=ExportStatus.RUNNING)
    job = ExportJob.objects.select_related("user", "group").get(pk=job_id)
    path = export_dir() / f"{job.pk}-{job.kind}-{runner}.xlsx"  # one per attempt: a late one spoils nothing
    last_beat, last_rows = time.monotonic(), 0

    def progress(n: int) -> None:
        nonlocal last_beat, last_rows
        if time.monotonic() - last_beat < HEARTBEAT_SECONDS and n - last_rows < HEARTBEAT_ROWS:
            return
        if not mine.update(rows_done=n, heartbeat_at=timezone.now()):
            raise LeaseLost
        last_beat, last_rows = time.monotonic(), n

    try:
        ledger = ledger_build(job.kind, job.user, group=job.group, start=job.period_start, end=job.period_end)
        if not mine.update(rows_total=ledger.total, heartbeat_at=timezone.now()):
            raise LeaseLost
        title = ledger_title(ledger, group=job.group, start=job.period_start, end=job.period_end)
        rows = write_xlsx(ledger, str(path), title, progress, every=PROGRESS_EVERY)
    except LeaseLost:
        path.unlink(missing_ok=True)
        return 0
    except Exception as exc:
        path.unlink(missing_ok=True)
        mine.update(status=ExportStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now())
        raise
    done = mine.update(
        status=ExportStatus.DONE,
        file=str(path),
        rows_done=rows,
        rows_total=rows,
        heartbeat_at=timezone.now(),
        finished_at=timezone.now(),
    )
    if not done:
        path.unlink(missing_ok=True)
        return 0
    return rows
