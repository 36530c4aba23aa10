"""A background export whose worker dies: found dead by its lease, marked failed in Chinese, retried.

The real thing first: ``sijin worker`` runs in a process of its own and is killed (SIGKILL) in the middle of
an export, then the page finds the job dead and a retry completes. Then the rules one by one, in process.
"""

import io
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks import default_task_backend
from openpyxl import load_workbook

from sijin.core.models import AuditLog
from sijin.fieldwork.models import Visit, VisitMode
from sijin.reports.models import ExportJob
from sijin.reports.services import INTERRUPTED_MESSAGE, export_job_expire, export_job_retry, export_job_start
from sijin.testing import client_for

# Each test starts real processes (the `sijin` command, gunicorn, LibreOffice): CI runs them; `make test` does not.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
SIJIN = [sys.executable, "-m", "sijin.cli"]
# Enough visits that the export is still writing at its first heartbeat (after a second, or 5,000 rows).
BULK = 8000


class SharedDatabase:
    """The test database as a child process sees it. PostgreSQL's test database is a real one that the child
    opens itself; SQLite's lives in this process's memory, so it is copied to a file for the child (``push``)
    and back (``pull``) with SQLite's backup API."""

    def __init__(self, tmp_path: Path, media: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SIJIN_", "DATABASE_URL"))}
        self.env.update(
            DJANGO_SETTINGS_MODULE="sijin.settings",
            SIJIN_VAR_DIR=str(tmp_path / "var"),
            SIJIN_MEDIA_ROOT=str(media),
            SIJIN_SECRET_KEY="test-only",
        )
        self.file: Path | None = None
        if connection.vendor == "sqlite":
            self.file = tmp_path / "shared.sqlite3"
            self.env["SIJIN_SQLITE_PATH"] = str(self.file)
        else:
            db = connection.settings_dict
            self.env["DATABASE_URL"] = (
                f"postgres://{quote(db['USER'] or '')}:{quote(db['PASSWORD'] or '')}"
                f"@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
            )

    def push(self) -> None:
        if self.file is not None:
            connection.ensure_connection()
            target = sqlite3.connect(self.file)
            connection.connection.backup(target)
            target.close()

    def pull(self) -> None:
        if self.file is not None:
            source = sqlite3.connect(self.file)
            source.backup(connection.connection)
            source.close()

    def job(self, pk: int) -> dict[str, Any]:
        """The job's row as the child last wrote it."""
        if self.file is None:
            return ExportJob.objects.filter(pk=pk).values("status", "rows_done").get()
        with sqlite3.connect(f"file:{self.file}?mode=ro", uri=True, timeout=20) as db:
            status, rows_done = db.execute(
                "SELECT status, rows_done FROM reports_exportjob WHERE id = ?", [pk]
            ).fetchone()
        return {"status": status, "rows_done": rows_done}


def wait_for(condition: Callable[[], Any], seconds: float) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
    return result


@pytest.mark.django_db(transaction=True)  # the worker is another process: it sees only what is committed
def test_it_fails_an_export_whose_worker_was_killed_and_a_retry_completes(world, settings, tmp_path):
    settings.MEDIA_ROOT = media = tmp_path / "media"
    shared = SharedDatabase(tmp_path, media)
    many = Visit.objects.bulk_create(
        Visit(group=world.group, date=date(2025, 6, 5), mode=VisitMode.COLLECTIVE, notes="入户走访" * 10)
        for _ in range(BULK)
    )
    june = {"period_start": date(2025, 6, 1), "period_end": date(2025, 6, 30)}  # the world's visits and these
    member = world.users["member"]
    job = export_job_start(actor=member, kind="visits", group=world.group, **june)  # enqueued: committed
    shared.push()
    with open(tmp_path / "worker.log", "wb") as log:
        worker = subprocess.Popen(
            [*SIJIN, "worker", "--no-startup-delay", "--interval", "0.1"],
            cwd=ROOT,
            env=shared.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        seen = wait_for(lambda: (row := shared.job(job.pk))["rows_done"] and row, 60)  # its first heartbeat
    finally:
        worker.kill()  # SIGKILL: no handler runs, nothing is cleaned up
        worker.wait()
    assert seen["status"] == "running", f"the export ended before it could be killed: raise BULK ({seen})"
    shared.pull()
    job.refresh_from_db()
    assert job.status == "running" and job.rows_done > 0 and job.heartbeat_at is not None  # as it died

    client = client_for("member")
    page = client.get(f"/reports/exports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "导出中" in page and "重试" not in page  # within its lease it may just be slow

    settings.SIJIN_TASK_LEASE = 0  # as if its lease were over (the worker beat at least every second)
    page = client.get(f"/reports/exports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert INTERRUPTED_MESSAGE in page and "重试" in page and "hx-trigger" not in page  # polling stops
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "后台任务中断,请重试")
    assert AuditLog.objects.filter(action="export_job_expire", object_id=str(job.pk), actor=None).count() == 1

    Visit.objects.filter(pk__in=[v.pk for v in many]).update(date=date(2025, 5, 31))  # a shorter retry
    in_june = Visit.objects.filter(group=world.group, date__range=tuple(june.values())).count()
    r = client.post(f"/reports/exports/{job.pk}/")
    assert r.status_code == 302 and r["Location"] == f"/reports/exports/{job.pk}/"
    shared.push()
    run = subprocess.run(
        [*SIJIN, "worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env=shared.env,
        capture_output=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr.decode()
    shared.pull()
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.error) == ("done", in_june, "") and in_june > 0
    download = client.get(f"/reports/exports/{job.pk}.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).worksheets[0]
    numbered = [row for row in sheet.iter_rows(min_row=3, values_only=True) if isinstance(row[0], int)]
    assert len(numbered) == in_june  # the data rows, numbered (a 合计 row may follow)


def running_job(world, *, beat_seconds_ago: float | None, **fields: Any) -> ExportJob:
    now = timezone.now()
    beat = None if beat_seconds_ago is None else now - timedelta(seconds=beat_seconds_ago)
    return ExportJob.objects.create(
        user=world.users["member"], kind="visits", status="running", heartbeat_at=beat, runner="a1", **fields
    )


def test_it_expires_a_running_export_only_once_its_lease_is_over(world, settings):
    settings.SIJIN_TASK_LEASE = 120
    fresh = running_job(world, beat_seconds_ago=100)
    stale = running_job(world, beat_seconds_ago=130)
    done = ExportJob.objects.create(user=world.users["member"], kind="visits", status="done")
    queued = ExportJob.objects.create(user=world.users["member"], kind="visits")  # no worker yet: not dead
    assert export_job_expire() == 1
    assert export_job_expire() == 0  # safe to run twice
    statuses = {j.pk: (j.status, j.error) for j in ExportJob.objects.all()}
    assert statuses == {
        fresh.pk: ("running", ""),
        stale.pk: ("failed", INTERRUPTED_MESSAGE),
        done.pk: ("done", ""),
        queued.pk: ("queued", ""),
    }
    assert export_job_expire(now=timezone.now() + timedelta(seconds=30)) == 1  # the fresh one's turn
    assert AuditLog.objects.filter(action="export_job_expire").count() == 2


def test_the_daily_sweep_fails_a_dead_export(world, settings):
    settings.SIJIN_TASK_LEASE = 120
    stale = running_job(world, beat_seconds_ago=130)
    out = io.StringIO()
    call_command("sweep", stdout=out)
    stale.refresh_from_db()
    assert (stale.status, stale.error) == ("failed", INTERRUPTED_MESSAGE)
    assert "后台导出中断 1 个" in out.getvalue()


def test_it_expires_a_job_that_never_beat_by_its_age(world, settings):
    settings.SIJIN_TASK_LEASE = 120
    job = running_job(world, beat_seconds_ago=None)  # running since before heartbeats existed
    assert export_job_expire() == 0
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=200))
    assert export_job_expire() == 1


def test_it_shows_my_dead_export_as_failed_on_the_ledger_page_and_leaves_others_alone(world):
    mine = running_job(world, beat_seconds_ago=999)
    theirs = ExportJob.objects.create(
        user=world.users["office"], kind="visits", status="running", heartbeat_at=mine.heartbeat_at
    )
    page = client_for("member").get("/reports/ledgers/").content.decode()
    assert f"#{mine.pk} visits" in page and "失败 0%" in page
    assert ExportJob.objects.get(pk=theirs.pk).status == "running"  # not on this page: left to its own


DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_it_retries_a_failed_export_once_however_often_it_is_asked(
    world, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY_TASKS
    job = running_job(world, beat_seconds_ago=999, rows_done=500, rows_total=900)
    client = client_for("member")
    page = client.get(f"/reports/exports/{job.pk}/").content.decode()
    assert "导出失败:后台任务中断,请重试" in page and 'method="post"' in page
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"/reports/exports/{job.pk}/")
        second = client.post(f"/reports/exports/{job.pk}/")  # a double click
    assert first.status_code == second.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total, job.error, job.runner) == ("queued", 0, 0, "", "")
    [result] = default_task_backend.results  # type: ignore[attr-defined]
    assert list(result.args) == [job.pk] and job.task_id == result.id
    assert AuditLog.objects.filter(action="export_job_retry", object_id=str(job.pk)).count() == 1
    followed = client.get(f"/reports/exports/{job.pk}/").content.decode()
    assert "已重新开始后台导出" in followed and "只有失败的导出任务可以重试" in followed


def test_it_retries_nothing_but_a_failed_export(world):
    done = ExportJob.objects.create(user=world.users["member"], kind="visits", status="done")
    with pytest.raises(ValidationError, match="只有失败的导出任务可以重试"):
        export_job_retry(actor=world.users["member"], job=done)


def test_it_lets_only_the_maker_retry(world, settings):
    settings.TASKS = DUMMY_TASKS
    job = ExportJob.objects.create(user=world.users["member"], kind="visits", status="failed", error="x")
    for username in ("office", "group_leader", "outsider"):
        assert client_for(username).post(f"/reports/exports/{job.pk}/").status_code == 404, username
    job.refresh_from_db()
    assert job.status == "failed"
