"""工作台 (``/``): what it puts in front of each persona of the small world (sijin/testing.py)."""

from sijin.testing import client_for


def test_it_lists_overdue_problems_to_chase_for_the_office(world):
    overdue = world.overdue.title
    html = client_for("office").get("/").content.decode()
    assert overdue in html and "超期" in html
    assert overdue in client_for("handler").get("/").content.decode()
    assert overdue not in client_for("auditor").get("/").content.decode()


def test_it_sums_outcomes_as_reports_write_them(world):
    html = client_for("member").get("/").content.decode()
    assert "2万斤" in html and "3.5万元" in html
    assert "13余" in html  # visits: 1 + 1 + 10余 + 1
