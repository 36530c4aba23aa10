"""The 督办 page and the 督办通知单: scoped by Problem.objects.visible_to, hidden units are 404."""

import io

import pytest
from docx import Document

from sijin.testing import client_for

# The world's three open problems at 嘉祥县水务局 were due in June and July 2025: overdue ever since.
OVERDUE = ["施工便道积水", "管网材料进场受阻", "雨污管道接驳点未定"]


@pytest.mark.parametrize("username", ["office", "handler", "member", "unit", "leader", "admin"])
def test_it_shows_overdue_problems_by_unit_to_those_who_see_them(world, username):
    assert sorted(p.title for p in world.problems.values() if p.handling_org_id) == sorted(OVERDUE)
    r = client_for(username).get("/problems/supervision/")
    assert r.status_code == 200
    html = r.content.decode()
    assert world.dept.name in html and all(title in html for title in OVERDUE)
    assert "按期办结率" in html and "sj-light-red" in html


@pytest.mark.parametrize("username", ["outsider", "auditor"])
def test_it_shows_nothing_outside_the_users_scope(world, username):
    r = client_for(username).get("/problems/supervision/")
    assert r.status_code == 200
    assert world.overdue.title not in r.content.decode()
    assert "没有临期或超期的问题" in r.content.decode()


def test_it_offers_the_notice_only_to_the_office(world):
    link = f"/problems/supervision/{world.dept.pk}/notice.docx"
    assert link in client_for("office").get("/problems/supervision/").content.decode()
    assert link not in client_for("handler").get("/problems/supervision/").content.decode()


def test_it_prints_a_supervision_notice(world):
    r = client_for("office").get(f"/problems/supervision/{world.dept.pk}/notice.docx")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert doc.paragraphs[0].text == "督办通知单"
    assert "嘉祥县水务局:" in text and "3件问题中,3件已超过办结期限" in text and "书面报告" in text
    assert "济宁市“四进”攻坚行动办公室" in text  # the office's unit, as it signs
    rows = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert rows[0] == ["序号", "帮扶对象", "问题", "交办日期", "办结期限", "超期情况"]
    assert sorted(r[2] for r in rows[1:]) == sorted(OVERDUE)
    due = {r[2]: r[3:5] for r in rows[1:]}
    assert due["雨污管道接驳点未定"] == ["2025-06-11", "2025-06-18"]
    assert due["施工便道积水"] == ["2025-06-11", "2025-06-25"]
    assert all(r[5].startswith("超期") and int(r[5][2:-4]) > 300 for r in rows[1:])  # 超期N个工作日


def test_it_refuses_the_notice_to_a_handler(world):
    assert client_for("handler").get(f"/problems/supervision/{world.dept.pk}/notice.docx").status_code == 403


def test_it_hides_a_unit_outside_the_scope(world):
    assert client_for("outsider").get(f"/problems/supervision/{world.dept.pk}/notice.docx").status_code == 404
    # a unit in the office's region with nothing to chase
    assert (
        client_for("office").get(f"/problems/supervision/{world.other_dept.pk}/notice.docx").status_code
        == 404
    )
    assert client_for("office").get("/problems/supervision/999999/notice.docx").status_code == 404


def test_it_asks_an_anonymous_visitor_to_log_in(world):
    from django.test import Client

    r = Client().get("/problems/supervision/")
    assert (r.status_code, r["Location"]) == (302, "/login/?next=/problems/supervision/")


# ---- at province scale: a fixed number of queries, a page of units, a few rows of each ----------------------


def more_overdue(world, n: int) -> None:
    """``n`` more problems like the world's overdue one (办理中 at 嘉祥县水务局, due a day apart)."""
    from datetime import timedelta

    from sijin.problems.models import Problem

    model = Problem.objects.get(pk=world.overdue.pk)
    copies = []
    for i in range(n):
        copy = Problem.objects.get(pk=model.pk)
        copy.pk, copy.title = None, f"积水点{i}"
        copy.deadline = model.deadline + timedelta(days=i + 1)
        copies.append(copy)
    Problem.objects.bulk_create(copies)


def test_its_queries_do_not_grow_with_the_rows(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("office")
    client.get("/problems/supervision/")
    with CaptureQueriesContext(connection) as few:
        client.get("/problems/supervision/")
    more_overdue(world, 40)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/problems/supervision/").status_code == 200
    # At most 6 are per request (session, login, grants, 2FA, inbox, menu); the units' counts are four queries
    # of the kept tallies (problems.tally.unit_rows).
    assert len(many) == len(few) <= 14


def test_it_lists_the_most_overdue_of_a_unit_and_links_to_the_rest(world):
    more_overdue(world, 12)
    html = client_for("office").get("/problems/supervision/").content.decode()
    assert html.count('class="text-nowrap sj-overdue"') == 5  # SUPERVISION_ROWS
    assert "雨污管道接驳点未定" in html and "积水点11" not in html  # the earliest deadline first
    assert "超期 15" in html and "另有 10 件未列出" in html
    assert f"/problems/?handling_org={world.dept.pk}&amp;light=red&amp;sort=deadline" in html
    assert "共 1 个承办单位:超期 15 件,临期 0 件" in html


def test_it_counts_working_days_overdue_as_the_problem_page_does(world):
    from django.utils import timezone

    from sijin.problems.supervision import days_overdue

    html = client_for("office").get("/problems/supervision/").content.decode()
    days = days_overdue(world.overdue, timezone.localdate())
    assert days > 300 and f"{days}个工作日" in html


def test_it_pages_the_units(world):
    client = client_for("office")
    assert client.get("/problems/supervision/?page=1").status_code == 200
    assert client.get("/problems/supervision/?page=2").status_code == 404
