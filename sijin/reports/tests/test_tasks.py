"""Large exports in the background: enqueued, run by the database worker, progress visible, owner only."""

import io

from django.db import transaction
from django_tasks import default_task_backend
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from sijin.reports.models import ExportJob
from sijin.reports.services import export_job_start
from sijin.reports.tasks import ledger_export_task
from sijin.testing import client_for


def run_worker_once() -> None:
    """What ``sijin worker`` (db_worker) does for one task, minus its loop: its loop closes the database
    connection between tasks, which would end the test's transaction on PostgreSQL."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    task_result = DBTaskResult.objects.ready().get()
    task_result.claim(worker.worker_id)
    worker.run_task(task_result)
    task_result.refresh_from_db()
    assert task_result.status == "SUCCESSFUL", task_result.exception_class_path


def test_it_exports_in_the_background_with_progress(
    world, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for("member")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/reports/ledgers/problems/export/", {"group": world.group.pk, "start": "", "end": ""}
        )
    job = ExportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/reports/exports/{job.pk}/"
    assert job.status == "queued" and job.task_id
    assert "排队中" in client.get(f"/reports/exports/{job.pk}/").content.decode()

    run_worker_once()

    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total, job.percent) == ("done", 6, 6, 100)
    fragment = client.get(f"/reports/exports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "100%" in fragment and "<html" not in fragment
    download = client.get(f"/reports/exports/{job.pk}.xlsx")
    rows = list(
        load_workbook(io.BytesIO(b"".join(download.streaming_content))).worksheets[0].iter_rows(min_row=3)
    )
    assert len(rows) == 6
    assert client_for("office").get(f"/reports/exports/{job.pk}.xlsx").status_code == 404  # not their job


def test_it_runs_a_claimed_job_only_once(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = ExportJob.objects.create(user=world.users["member"], kind="visits")
    assert ledger_export_task.call(job.pk) == len(world.visits)
    assert ledger_export_task.call(job.pk) == 0  # already claimed: a rerun does nothing


DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_it_enqueues_no_export_for_a_request_that_rolls_back(world, settings):
    settings.TASKS = DUMMY_TASKS  # keeps what is enqueued in memory, outside the database's transactions
    with transaction.atomic():  # a request that fails after starting the job
        job = export_job_start(actor=world.users["member"], kind="problems", group=world.group)
        transaction.set_rollback(True)
    assert not ExportJob.objects.filter(pk=job.pk).exists()
    assert default_task_backend.results == []  # type: ignore[attr-defined]


def test_it_enqueues_the_export_when_the_job_is_committed(
    world, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY_TASKS
    with django_capture_on_commit_callbacks() as callbacks:
        job = export_job_start(actor=world.users["member"], kind="problems", group=world.group)
    assert default_task_backend.results == []  # type: ignore[attr-defined]  # not before the commit
    for callback in callbacks:  # the commit
        callback()
    [result] = default_task_backend.results  # type: ignore[attr-defined]
    assert list(result.args) == [job.pk]
    job.refresh_from_db()
    assert job.task_id == result.id
