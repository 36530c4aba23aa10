"""The 督办 page and the 督办通知单: scoped by access.visible_problems, hidden units are 404."""

import io

import pytest
from docx import Document

from sijin.core.testing import client_for
from sijin.directory.models import Organization

# The demo's two problems with 惠民县教育局 were due 2020-04-02: overdue ever since.


def org_id(name: str = "惠民县教育局") -> int:
    return Organization.objects.get(name=name).pk


@pytest.mark.parametrize("username", ["office", "handler", "member", "unit", "leader", "admin"])
def test_it_shows_overdue_problems_by_unit_to_those_who_see_them(demo, username):
    r = client_for(username).get("/problems/supervision/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "惠民县教育局" in html and "新校师资短缺" in html and "专业设置不合理" in html
    assert "按期办结率" in html and "sj-light-red" in html


@pytest.mark.parametrize("username", ["outsider", "auditor"])
def test_it_shows_nothing_outside_the_users_scope(demo, username):
    r = client_for(username).get("/problems/supervision/")
    assert r.status_code == 200
    assert "新校师资短缺" not in r.content.decode()
    assert "没有临期或超期的问题" in r.content.decode()


def test_it_offers_the_notice_only_to_the_office(demo):
    link = f"/problems/supervision/{org_id()}/notice.docx"
    assert link in client_for("office").get("/problems/supervision/").content.decode()
    assert link not in client_for("handler").get("/problems/supervision/").content.decode()


def test_it_prints_a_supervision_notice(demo):
    r = client_for("office").get(f"/problems/supervision/{org_id()}/notice.docx")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert doc.paragraphs[0].text == "督办通知单"
    assert "惠民县教育局:" in text and "2件问题中,2件已超过办结期限" in text and "书面报告" in text
    assert "滨州市“四进”攻坚行动办公室" in text
    rows = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert rows[0] == ["序号", "帮扶对象", "问题", "交办日期", "办结期限", "超期(工作日)"]
    assert sorted(r[2] for r in rows[1:]) == ["专业设置不合理", "新校师资短缺"]
    assert all(r[3:5] == ["2020-03-12", "2020-04-02"] and int(r[5]) > 1000 for r in rows[1:])


def test_it_refuses_the_notice_to_a_handler(demo):
    assert client_for("handler").get(f"/problems/supervision/{org_id()}/notice.docx").status_code == 403


def test_it_hides_a_unit_outside_the_scope(demo):
    assert client_for("outsider").get(f"/problems/supervision/{org_id()}/notice.docx").status_code == 404
    assert (
        client_for("office").get(f"/problems/supervision/{org_id('滨州职业学院')}/notice.docx").status_code
        == 404
    )
    assert client_for("office").get("/problems/supervision/999999/notice.docx").status_code == 404


def test_it_asks_an_anonymous_visitor_to_log_in(demo):
    from django.test import Client

    r = Client().get("/problems/supervision/")
    assert (r.status_code, r["Location"]) == (302, "/login/?next=/problems/supervision/")
