"""Imports: more than SIJIN_IMPORT_INLINE_ROWS rows run as a background job written in batches, all or
nothing; every column of the templates is imported or refused."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import Workbook

from sijin.directory.services import organization_ensure
from sijin.problems.models import Problem
from sijin.reports.imports import problems_import, targets_import
from sijin.reports.models import ImportJob
from sijin.reports.services import import_job_expire
from sijin.reports.tests.test_tasks import run_worker_once
from sijin.testing import client_for, post_form

PROBLEM_HEADER = ["帮扶对象", "问题", "发现日期", "办理层级", "承办单位", "状态", "办理结果"]


def xlsx(header: list[str], rows: list[list]) -> io.BytesIO:
    wb = Workbook()
    for row in [["导入"], header, *rows]:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "导入.xlsx"
    return out


def upload(world, data: io.BytesIO, captured, user: str = "member"):
    with captured(execute=True):
        return post_form(
            client_for(user),
            "/reports/import/",
            {"what": "problems", "campaign": world.campaign.pk, "file": data},
        )


# The size that sends an upload to the worker and the batch it writes are small here, so that a workbook of 120
# rows takes the same path as one of 2,500 rows with the defaults (2,000 inline, 200 a batch).
@pytest.fixture
def small_jobs(settings, monkeypatch, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SIJIN_IMPORT_INLINE_ROWS = 100
    monkeypatch.setattr("sijin.reports.tasks.IMPORT_BATCH", 20)
    return tmp_path


def test_it_imports_a_large_workbook_as_a_background_job_with_progress(
    world, django_capture_on_commit_callbacks, small_jobs
):
    tmp_path = small_jobs
    before = Problem.objects.count()
    rows = [[world.village.name, f"问题{i}", "2025-06-12"] for i in range(120)]
    r = upload(world, xlsx(PROBLEM_HEADER[:3], rows), django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/reports/imports/{job.pk}/"
    assert Problem.objects.count() == before  # nothing written in the request
    assert "排队中" in client_for("member").get(f"/reports/imports/{job.pk}/").content.decode()

    run_worker_once()

    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total, job.written) == ("done", 120, 120, [])
    assert Problem.objects.count() == before + 120
    assert "已导入 120/120 行" in client_for("member").get(f"/reports/imports/{job.pk}/").content.decode()
    assert not list(tmp_path.joinpath("imports").iterdir())  # the upload is not kept once imported
    assert client_for("office").get(f"/reports/imports/{job.pk}/").status_code == 404  # not their job


def test_it_takes_back_every_batch_when_a_late_row_is_refused(
    world, django_capture_on_commit_callbacks, small_jobs
):
    before = Problem.objects.count()
    rows = [[world.village.name, f"问题{i}", "2025-06-12"] for i in range(119)]
    rows.append(
        [world.village.name, "早于行动的问题", "1999-01-01"]
    )  # passes the check, refused by the service
    upload(world, xlsx(PROBLEM_HEADER[:3], rows), django_capture_on_commit_callbacks)

    run_worker_once()

    job = ImportJob.objects.get()
    assert job.status == "failed" and job.written == []
    assert len(job.errors) == 1 and job.errors[0].startswith("第122行 第3列:")
    assert Problem.objects.count() == before  # the five batches written before it were deleted
    page = client_for("member").get(f"/reports/imports/{job.pk}/").content.decode()
    assert "共 1 处错误,未导入任何数据。" in page and "第122行" in page


def test_it_refuses_a_large_workbook_with_a_bad_row_before_writing(
    world, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.SIJIN_IMPORT_INLINE_ROWS = 10
    rows = [[world.village.name, f"问题{i}", "2025-06-12"] for i in range(20)] + [
        ["不存在的村", "x", "2025-06-12"]
    ]
    upload(world, xlsx(PROBLEM_HEADER[:3], rows), django_capture_on_commit_callbacks)
    before = Problem.objects.count()
    run_worker_once()
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.errors == ["第23行 第1列:帮扶对象“不存在的村”不存在。"]
    assert Problem.objects.count() == before


def test_it_deletes_what_a_dead_import_wrote_when_its_lease_expires(world, settings):
    written = [
        problems_import(
            actor=world.users["member"],
            campaign=world.campaign,
            source=xlsx(PROBLEM_HEADER[:3], [[world.village.name, "写了一半", "2025-06-12"]]),
        )
    ]
    assert written[0].created == 1
    pk = Problem.objects.get(title="写了一半").pk
    stale = timezone.now() - timedelta(seconds=settings.SIJIN_TASK_LEASE + 1)
    job = ImportJob.objects.create(
        user=world.users["member"],
        what="problems",
        campaign=world.campaign,
        status="running",
        runner="dead",
        heartbeat_at=stale,
        written=[pk],
    )
    assert import_job_expire() == 1
    job.refresh_from_db()
    assert (job.status, job.written) == ("failed", [])
    assert not Problem.objects.filter(pk=pk).exists()
    assert import_job_expire() == 0


def run(world, rows: list[list], user: str = "member", header: list[str] = PROBLEM_HEADER):
    return problems_import(actor=world.users[user], campaign=world.campaign, source=xlsx(header, rows))


def test_it_imports_status_level_and_handling_org_through_the_workflow(world):
    dept = world.problems["assigned"].handling_org
    result = run(
        world,
        [
            [world.project.name, "交办的问题", "2025-06-12", "县级", dept.name, "已交办", None],
            [world.project.name, "上报的问题", "2025-06-12", None, None, None, None],
        ],
        user="group_leader",
    )
    assert result.errors == [] and result.created == 2
    assigned = Problem.objects.get(title="交办的问题")
    assert (assigned.status, assigned.level, assigned.handling_org) == ("assigned", "county", dept)
    assert [e.action for e in assigned.events.order_by("id")] == ["report", "triage"]
    assert Problem.objects.get(title="上报的问题").status == "reported"

    result = run(
        world,
        [[world.village.name, "现场解决的问题", "2025-06-13", "工作组协调", None, "已办结", "已协调解决"]],
    )
    assert result.errors == []
    resolved = Problem.objects.get(title="现场解决的问题")
    assert (resolved.status, resolved.level, resolved.resolution) == ("resolved", "group", "已协调解决")


def test_it_refuses_each_column_it_cannot_import_naming_row_and_column(world):
    far = organization_ensure(
        actor=world.users["admin"], name="潍坊市某局", region=world.outside_city, kind="department"
    )
    result = run(
        world,
        [
            [world.project.name, "a", "2025-06-12", "区级", None, "已上报", None],  # row 3: no such level
            [
                world.project.name,
                "b",
                "2025-06-12",
                "县级",
                far.name,
                "已交办",
                None,
            ],  # row 4: org out of reach
            [world.project.name, "c", "2025-06-12", None, None, "办理中", None],  # row 5: not importable
            [
                world.project.name,
                "d",
                "2025-06-12",
                "县级",
                world.problems["assigned"].handling_org.name,
                "已交办",
                None,
            ],
            [world.project.name, "e", "2025-06-12", None, None, "已办结", None],  # row 7: no 办理结果
        ],
    )
    assert result.created == 0
    assert result.errors[0].startswith("第3行 第4列:办理层级“区级”不正确")
    assert "第4行 第5列:承办单位“潍坊市某局”不存在或不在该问题可交办的范围内。" in result.errors
    assert any(e.startswith("第5行 第6列:状态“办理中”不能导入") for e in result.errors)
    assert "第6行 第6列:您无权对此问题执行“分级交办”。" in result.errors  # a member does not route problems
    assert "第7行 第7列:请填写“办理结果”。" in result.errors
    assert not Problem.objects.filter(title__in="abcde").exists()


def test_it_refuses_an_unknown_column_listing_the_allowed_ones(world):
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        run(
            world,
            [[world.project.name, "x", "2025-06-12", "y"]],
            header=["帮扶对象", "问题", "发现日期", "备注"],
        )
    message = caught.value.messages[0]
    assert message.startswith("第2行 第4列:不认识的列“备注”。可导入的列为:序号、编号、帮扶对象")
    assert "办理结果" in message


def test_it_reads_six_digit_region_codes(world):
    header = ["类型", "名称", "区划代码", "工作组"]
    rows = [
        ["项目", "六位代码的项目", world.county.code[:6], world.group.name],
        ["项目", "错代码", "37082", world.group.name],
    ]
    result = targets_import(actor=world.users["member"], campaign=world.campaign, source=xlsx(header, rows))
    assert result.errors == ["第4行 第3列:区划代码“37082”应为12位数字(也可写省2位、市4位、县6位、乡镇9位)。"]
    result = targets_import(
        actor=world.users["member"], campaign=world.campaign, source=xlsx(header, rows[:1])
    )
    assert result.errors == [] and result.created == 1


def test_it_retries_an_interrupted_import_from_its_kept_file(
    world, django_capture_on_commit_callbacks, settings, tmp_path
):
    from sijin.reports.services import import_job_start

    settings.MEDIA_ROOT = tmp_path
    data = xlsx(PROBLEM_HEADER[:3], [[world.village.name, "重试导入的问题", "2025-06-12"]])
    job = import_job_start(
        actor=world.users["member"], what="problems", campaign=world.campaign, upload=data, enqueue=False
    )
    stale = timezone.now() - timedelta(seconds=settings.SIJIN_TASK_LEASE + 1)
    ImportJob.objects.filter(pk=job.pk).update(status="running", runner="dead", heartbeat_at=stale)
    client = client_for("member")
    page = client.get(f"/reports/imports/{job.pk}/").content.decode()
    assert "后台任务中断,请重试" in page and "重试" in page  # the page expired it
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/reports/imports/{job.pk}/")
    run_worker_once()
    job.refresh_from_db()
    assert job.status == "done" and Problem.objects.filter(title="重试导入的问题").count() == 1
