"""Report pages: scope on every object, literal URLs, the personas of the small world (sijin/testing.py)."""

import io
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook

from sijin.reports.models import Briefing
from sijin.reports.services import briefing_generate
from sijin.testing import client_for, post_form

START, END = date(2025, 6, 9), date(2025, 6, 29)


@pytest.fixture
def briefing(world) -> Briefing:
    return briefing_generate(
        actor=world.users["member"], group=world.group, period_start=START, period_end=END
    )


def test_it_generates_a_briefing_from_the_page(world):
    r = post_form(
        client_for("member"),
        "/reports/briefings/new/",
        {"group": world.group.pk, "start": "2025-06-09", "end": "2025-06-29"},
    )
    briefing = Briefing.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/reports/briefings/{briefing.pk}/"
    page = client_for("member").get(f"/reports/briefings/{briefing.pk}/")
    assert page.status_code == 200
    assert "进项目真协调,在“引”上出主意" in page.content.decode()


def test_it_rejects_a_briefing_for_a_group_outside_the_scope(world):
    r = post_form(
        client_for("outsider"),
        "/reports/briefings/new/",
        {"group": world.group.pk, "start": "2025-06-09", "end": "2025-06-29"},
    )
    assert r.status_code == 200 and not Briefing.objects.exists()


def test_it_edits_and_then_freezes_a_briefing(briefing):
    client = client_for("member")
    r = client.post(f"/reports/briefings/{briefing.pk}/", {"title": "新标题", "body": "# 小标题\n正文"})
    assert r.status_code == 302
    briefing.refresh_from_db()
    assert briefing.title == "新标题"
    client.post(f"/reports/briefings/{briefing.pk}/", {"submit": "1"})
    r = client.post(f"/reports/briefings/{briefing.pk}/", {"title": "再改", "body": "x"}, follow=True)
    assert "简报已报送,不能再修改" in r.content.decode()
    briefing.refresh_from_db()
    assert briefing.title == "新标题" and briefing.status == "submitted"


def test_it_downloads_the_briefing_as_docx(briefing):
    r = client_for("office").get(f"/reports/briefings/{briefing.pk}.docx")
    assert r.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "500多人" in text  # the project's 规模, as typed


@pytest.mark.parametrize("url", ["/reports/briefings/{pk}/", "/reports/briefings/{pk}.docx"])
def test_it_gives_an_outsider_404_on_a_briefing_outside_their_scope(briefing, url):
    assert client_for("outsider").get(url.format(pk=briefing.pk)).status_code == 404
    assert client_for("outsider").post(url.format(pk=briefing.pk), {"submit": "1"}).status_code in (404, 405)


def test_it_lets_a_leader_read_but_not_change_a_briefing(briefing):
    assert client_for("leader").get(f"/reports/briefings/{briefing.pk}/").status_code == 200
    assert client_for("leader").post(f"/reports/briefings/{briefing.pk}/", {"submit": "1"}).status_code == 403


def test_it_lists_only_briefings_in_scope(briefing):
    assert briefing.title in client_for("unit").get("/reports/briefings/").content.decode()
    assert briefing.title not in client_for("outsider").get("/reports/briefings/").content.decode()


def test_it_downloads_a_ledger_for_the_users_scope(world):
    r = client_for("handler").get("/reports/ledgers/handling.xlsx")
    assert r.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(b"".join(r.streaming_content))).worksheets[0].iter_rows(values_only=True)
    )
    assert {row[2] for row in rows[2:]} == {
        world.problems[s].title for s in ("assigned", "accepted", "in_progress")
    }
    assert client_for("member").get("/reports/ledgers/nope.xlsx").status_code == 404


def test_it_refuses_a_ledger_of_a_group_outside_the_scope(world):
    assert (
        client_for("outsider").get(f"/reports/ledgers/problems.xlsx?group={world.group.pk}").status_code
        == 404
    )


def test_it_shows_the_ledger_page_with_counts(world):
    page = client_for("member").get("/reports/ledgers/").content.decode()
    assert "办理清单" in page and "走访台账" in page


def test_it_imports_through_the_page_and_lists_errors(world):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["问题导入"])
    wb.active.append(["帮扶对象", "问题", "发现日期"])
    wb.active.append(["不存在的村", "x", "2020-03-20"])
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    data.name = "问题.xlsx"
    r = post_form(
        client_for("member"),
        "/reports/import/",
        {"what": "problems", "campaign": world.campaign.pk, "file": data},
    )
    assert "第3行 第1列:帮扶对象“不存在的村”不存在。" in r.content.decode()
    assert client_for("leader").get("/reports/import/").status_code == 403


def test_it_serves_a_template_per_target_kind(world):
    kind = world.campaign.kinds.get(code="project")
    r = client_for("member").get(f"/reports/import/template/{kind.pk}.xlsx")
    header = [c.value for c in load_workbook(io.BytesIO(r.content)).worksheets[0][2]]
    assert header[:3] == ["序号", "类型", "名称"] and "总投资" in header and "规模" in header
    assert client_for("outsider").get(f"/reports/import/template/{kind.pk}.xlsx").status_code == 404


def test_it_lists_work_methods_in_scope(world):
    assert world.method.title in client_for("member").get("/reports/methods/").content.decode()
    assert world.method.title not in client_for("outsider").get("/reports/methods/").content.decode()


def test_it_requires_login():
    from django.test import Client

    assert Client().get("/reports/dashboard/").status_code == 302


def test_a_leader_cannot_draft_a_briefing(world):
    from sijin.testing import client_for, post_form

    r = post_form(
        client_for("leader"),
        "/reports/briefings/new/",
        {"group": world.group.pk, "start": "2025-06-09", "end": "2025-06-29"},
    )
    assert r.status_code == 403


def test_a_unit_briefing_stays_with_the_unit_and_its_region(world):

    from sijin.accounts.models import User
    from sijin.reports.services import briefing_generate
    from sijin.testing import client_for, outsider

    briefing = briefing_generate(
        actor=User.objects.get(username="unit"),
        organization=world.group.dispatching_org,
        period_start=START,
        period_end=END,
    )
    outsider()
    assert client_for("outsider").get(f"/reports/briefings/{briefing.pk}/").status_code == 404
    assert client_for("outsider").get(f"/reports/briefings/{briefing.pk}.docx").status_code == 404
    assert client_for("office").get(f"/reports/briefings/{briefing.pk}/").status_code == 200
    assert (
        client_for("unit")
        .post(f"/reports/briefings/{briefing.pk}/", {"title": "改", "body": "改"})
        .status_code
        == 302
    )
    assert (
        client_for("office")
        .post(f"/reports/briefings/{briefing.pk}/", {"title": "改", "body": "改"})
        .status_code
        == 403
    )
    assert client_for("member").get(f"/reports/briefings/{briefing.pk}/").status_code == 404


def test_an_office_drafts_a_region_briefing_and_a_member_cannot(world):
    from sijin.reports.models import Briefing
    from sijin.testing import client_for, post_form

    data = {"region": world.county.code[:6], "start": "2025-06-09", "end": "2025-06-29"}
    r = post_form(client_for("office"), "/reports/briefings/new/", data)
    assert r.status_code == 302
    briefing = Briefing.objects.get(scope="region")
    assert briefing.region_id == world.county.code
    # A region's briefing summarises by group; its targets are told one by one only when asked.
    assert "各工作组工作情况" in briefing.body and world.group.name in briefing.body
    assert "<h3>" not in briefing.body and world.enterprise.name not in briefing.body
    r = post_form(client_for("office"), "/reports/briefings/new/", {**data, "list_targets": "on"})
    assert r.status_code == 302
    assert world.enterprise.name in Briefing.objects.filter(scope="region").latest("id").body
    r = post_form(client_for("member"), "/reports/briefings/new/", data)
    assert "只有该区划的活动办可以起草区划简报" in r.content.decode()
    assert Briefing.objects.filter(scope="region").count() == 2


def test_a_second_submit_of_the_briefing_form_drafts_nothing_more(world):
    import re

    from sijin.reports.models import Briefing

    client = client_for("member")
    page = client.get("/reports/briefings/new/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    data = {"group": world.group.pk, "start": "2025-06-09", "end": "2025-06-29", "form_token": token}
    before = Briefing.objects.count()
    assert client.post("/reports/briefings/new/", data).status_code == 302
    assert "请勿重复提交" in client.post("/reports/briefings/new/", data, follow=True).content.decode()
    assert Briefing.objects.count() == before + 1
