"""导出当前筛选: the 问题台账's export takes every filter of the list and gives exactly the rows the list shows
(all its pages), directly or in the background; a filter out of the user's scope is refused in Chinese."""

import io
import re
from datetime import date
from urllib.parse import urlencode

import pytest
from django.test import Client
from openpyxl import load_workbook

from sijin.campaigns.services import group_ensure, target_ensure
from sijin.core.models import AuditLog
from sijin.problems.models import Problem
from sijin.problems.services import problem_report
from sijin.reports.ledgers import ledger_build, problem_query
from sijin.reports.models import ExportJob
from sijin.reports.tasks import ledger_export_task
from sijin.testing import World, client_for


@pytest.fixture
def wider(world: World) -> World:
    """The world plus a second group, in 汶上县, with a target and 52 problems: a region to tell apart, a group
    the member does not see, and more rows than one page of the list (50)."""
    admin = world.users["admin"]
    far_group = group_ensure(
        actor=admin,
        campaign=world.campaign,
        name="济宁市农业农村局驻汶上县工作组",
        dispatching_org=world.unit_org,
        region=world.other_county,
        tier="city",
        start=date(2025, 6, 3),
    )
    far = target_ensure(
        actor=admin,
        campaign=world.campaign,
        kind=world.kinds["village"],
        name="汶上县李庄村",
        region=world.other_county,
        group=far_group,
    )
    for i in range(52):
        problem_report(
            actor=admin,
            target=far,
            title=f"李庄村排水沟{i}号段堵塞",
            reported_on=date(2025, 6, 13 + i % 5),
            category=world.categories["基础设施"],
        )
    return world


def list_ids(client: Client, query: str) -> list[int]:
    """The problems the 问题台账 shows for ``query``, page after page, in its order."""
    ids: list[int] = []
    page = 1
    while True:
        r = client.get(f"/problems/?{query}&page={page}" if query else f"/problems/?page={page}")
        assert r.status_code == 200
        ids += [p.pk for p in r.context["page_obj"]]
        if not r.context["page_obj"].has_next():
            return ids
        page += 1


def export_href(client: Client, query: str) -> str:
    """The href of the list's 导出当前筛选 button."""
    body = client.get(f"/problems/?{query}").content.decode()
    return re.search(r'id="ledger-export"\s+href="([^"]+)"', body).group(1).replace("&amp;", "&")


def workbook(response):
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(data))


def exported_ids(wb) -> list[int]:
    return [row[1] for row in wb.worksheets[0].iter_rows(min_row=3, values_only=True)]


def cases(w: World) -> list[tuple[str, str, str]]:
    """(persona, the list's query, the filter as the title says it)."""
    dept, other = w.dept.pk, w.other_county.code
    return [
        ("office", "status=in_progress", "状态:办理中"),
        ("office", "light=red", "亮灯:超期(红灯)"),
        ("office", f"level=county&handling_org={dept}", "办理层级:县级;承办单位:嘉祥县水务局"),
        ("office", f"category={w.categories['基础设施'].pk}&sort=-reported_on", "类别:基础设施"),
        ("office", f"kind={w.kinds['project'].pk}", f"对象类型:{w.kinds['project'].name}"),
        ("office", f"region={other}", "区划:汶上县"),
        ("office", "q=排水沟1", "关键词:“排水沟1”"),
        ("office", "reported_from=2025-06-11&reported_to=2025-06-14", "发现日期:2025-06-11至2025-06-14"),
        (
            "office",
            f"region={other}&reported_from=2025-06-15&sort=title",
            "区划:汶上县;发现日期:2025-06-15至…",
        ),
        ("unit", f"category={w.categories['基础设施'].pk}&region={other}", "类别:基础设施;区划:汶上县"),
        ("member", f"category={w.categories['基础设施'].pk}", "类别:基础设施"),
        ("office", "status=reported&sort=-deadline&page=2", "状态:已上报"),
        ("handler", "status=accepted", "状态:已签收"),
        ("handler", "light=red&q=管道", "关键词:“管道”;亮灯:超期(红灯)"),
    ]


@pytest.mark.slow  # several seconds: `make test-slow` and the PostgreSQL run have it
def test_it_exports_exactly_the_rows_the_list_shows_for_every_filter(wider):
    for persona, query, said in cases(wider):
        client = client_for(persona)
        shown = list_ids(client, query.replace("&page=2", ""))
        assert shown, (persona, query)  # every case filters something in
        href = export_href(client, query)
        assert href.startswith("/reports/ledgers/problems.xlsx?") and "page=" not in href
        wb = workbook(client.get(href))
        rows = exported_ids(wb)
        if "sort=" in query:
            assert rows == shown, (persona, query)  # in the list's order too
        assert sorted(rows) == sorted(shown), (persona, query)
        title = wb.worksheets[0]["A1"].value
        assert title.startswith("问题清单(") and said in title, (persona, query, title)
        assert wb.properties.title == title


def test_it_exports_all_pages_of_a_filter_not_only_the_first(wider):
    client = client_for("office")
    shown = list_ids(client, f"region={wider.other_county.code}")
    assert len(shown) == 52  # two pages of the list
    rows = exported_ids(workbook(client.get(export_href(client, f"region={wider.other_county.code}"))))
    assert sorted(rows) == sorted(shown)


def test_it_names_the_filters_in_the_title_in_chinese(wider):
    client = client_for("office")
    href = export_href(client, f"status=in_progress&region={wider.county.code}")
    assert workbook(client.get(href)).worksheets[0]["A1"].value == "问题清单(状态:办理中;区划:嘉祥县)"
    plain = workbook(client.get(export_href(client, "")))
    assert plain.worksheets[0]["A1"].value == "问题清单"  # no filter, no brackets


def test_it_applies_the_filters_to_the_handling_and_effect_ledgers_too(wider):
    office = wider.users["office"]
    query = {"status": "in_progress"}
    for kind in ("problems", "handling", "effect"):
        ledger = ledger_build(kind, office, query=query)
        assert [row[1] for row in ledger.rows] == [wider.overdue.pk]


def test_it_refuses_a_filter_out_of_the_users_scope_in_chinese(wider):
    client = client_for("member")  # sees the problems of the group in 嘉祥县 only
    for region in (wider.other_county.code, wider.outside_city.code):
        r = client.get(f"/reports/ledgers/problems.xlsx?region={region}&status=reported", follow=True)
        assert r.redirect_chain[0][0] == f"/problems/?region={region}&status=reported"  # back to the list
        [message] = [str(m) for m in r.context["messages"]]
        assert message == f"筛选条件“区划”的值“{region}”不存在或不在您的查看范围内,未能导出。"
    assert not AuditLog.objects.filter(action="ledger_download").exists()  # nothing was downloaded
    # The handler's units: another department is not among the list's choices, so not the export's either.
    r = client_for("handler").get(f"/reports/ledgers/problems.xlsx?handling_org={wider.other_dept.pk}")
    assert r.status_code == 302 and r["Location"].startswith("/problems/?")


def test_it_refuses_bad_filter_values_in_chinese_without_a_500(wider):
    client = client_for("office")
    for query, expected in (
        ("reported_from=2025-13-40", "筛选条件“发现日期(起)”的值“2025-13-40”不存在或不在您的查看范围内"),
        ("status=nonsense", "筛选条件“状态”的值“nonsense”"),
        ("category=abc", "筛选条件“类别”的值“abc”"),
        ("q=" + "长" * 201, "筛选条件“关键词”超过200字,未能导出。"),
    ):
        r = client.get(f"/reports/ledgers/problems.xlsx?{query}", follow=True)
        assert r.status_code == 200
        assert any(expected in str(m) for m in r.context["messages"]), query


def test_it_refuses_problem_filters_on_a_ledger_that_is_not_of_problems(wider):
    r = client_for("office").get("/reports/ledgers/targets.xlsx?status=reported", follow=True)
    assert "帮扶对象台账不能按问题台账的筛选条件导出。" in [str(m) for m in r.context["messages"]]


def test_it_records_the_filters_in_the_downloads_audit_row(wider):
    client = client_for("office")
    client.get(export_href(client, f"status=in_progress&region={wider.county.code}&page=1"))
    row = AuditLog.objects.filter(action="ledger_download").latest("id")
    assert row.data["filters"] == {"status": "in_progress", "region": wider.county.code}
    assert row.summary == "下载问题清单(状态:办理中;区划:嘉祥县)"


def test_it_exports_the_same_rows_in_the_background(
    wider, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for("office")
    query = (
        f"category={wider.categories['基础设施'].pk}&region={wider.other_county.code}&reported_to=2025-06-15"
    )
    shown = list_ids(client, query)
    with django_capture_on_commit_callbacks():  # the worker is run below, by hand
        r = client.post("/reports/ledgers/problems/export/", {"query": query})
    job = ExportJob.objects.get()
    assert r["Location"] == f"/reports/exports/{job.pk}/"
    assert job.filters == problem_query(dict(p.split("=") for p in query.split("&")))
    assert ledger_export_task.call(job.pk) == len(shown)
    download = client.get(f"/reports/exports/{job.pk}.xlsx")
    wb = workbook(download)
    assert sorted(exported_ids(wb)) == sorted(shown)
    assert "区划:汶上县" in wb.worksheets[0]["A1"].value
    row = AuditLog.objects.filter(action="ledger_download").latest("id")
    assert row.data["filters"] == job.filters


def test_it_offers_the_background_export_with_the_lists_filters_when_too_many_rows(wider, monkeypatch):
    monkeypatch.setattr("sijin.reports.views.SYNC_EXPORT_LIMIT", 10)
    client = client_for("office")
    query = urlencode({"region": wider.other_county.code, "status": "reported"})
    r = client.get(export_href(client, query), follow=True)
    assert r.redirect_chain[-1][0] == f"/reports/ledgers/?{query}"
    body = r.content.decode()
    assert (
        f'name="query" value="{query.replace("&", "&amp;")}"' in body
    )  # the 后台导出 forms carry the filters
    assert "区划:汶上县" in body and "帮扶对象台账" not in body  # only the ledgers of problems


def test_it_checks_a_jobs_filters_again_in_the_users_scope_when_it_runs(wider, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = ExportJob.objects.create(
        user=wider.users["handler"], kind="problems", filters={"region": wider.other_county.code}
    )
    assert ledger_export_task.call(job.pk) == 0
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == f"筛选条件“区划”的值“{wider.other_county.code}”不存在或不在您的查看范围内,未能导出。"
    assert not list(tmp_path.glob("exports/*.xlsx"))


def test_it_refuses_to_queue_an_export_with_a_filter_out_of_scope(wider):
    r = client_for("member").post(
        "/reports/ledgers/problems/export/", {"query": f"region={wider.other_county.code}"}, follow=True
    )
    assert not ExportJob.objects.exists()
    assert any("不在您的查看范围内" in str(m) for m in r.context["messages"])
    assert Problem.objects.filter(region=wider.other_county).count() == 52  # nothing else changed
