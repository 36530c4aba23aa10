"""Large ledger exports in the background (django-tasks, database backend; ``sijin worker`` runs them).

The page creates an ExportJob (services.export_job_start), which enqueues ``ledger_export_task`` once the
job row is committed; the task claims the job with a conditional update (so a second worker or a rerun does
nothing), streams the ledger to a file under MEDIA_ROOT/exports and records progress the page polls.
"""

from pathlib import Path

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from .ledgers import ledger_build, ledger_title, write_xlsx
from .models import ExportJob, ExportStatus

PROGRESS_EVERY = 2000


def export_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@task()
def ledger_export_task(job_id: int) -> int:
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING
    )
    if not claimed:
        return 0
    job = ExportJob.objects.select_related("user", "group").get(pk=job_id)
    try:
        ledger = ledger_build(job.kind, job.user, group=job.group, start=job.period_start, end=job.period_end)
        ExportJob.objects.filter(pk=job_id).update(rows_total=ledger.total)
        path = export_dir() / f"{job.pk}-{job.kind}.xlsx"

        def progress(n: int) -> None:
            ExportJob.objects.filter(pk=job_id).update(rows_done=n)

        title = ledger_title(ledger, group=job.group, start=job.period_start, end=job.period_end)
        rows = write_xlsx(ledger, str(path), title, progress, every=PROGRESS_EVERY)
    except Exception as exc:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportStatus.DONE,
        file=str(path),
        rows_done=rows,
        rows_total=F("rows_done"),
        finished_at=timezone.now(),
    )
    return rows
