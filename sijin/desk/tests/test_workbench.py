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


def test_its_queries_do_not_grow_with_the_problems(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sijin.problems.models import Problem

    client = client_for("office")
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    model = Problem.objects.get(pk=world.overdue.pk)
    copies = []
    for i in range(40):
        copy = Problem.objects.get(pk=model.pk)
        copy.pk, copy.title = None, f"积水点{i}"
        copies.append(copy)
    Problem.objects.bulk_create(copies)
    with CaptureQueriesContext(connection) as many:
        html = client.get("/").content.decode()
    assert len(many) == len(few)
    assert html.count("data-waiting=") == 30 and "此处显示前 30 项" in html  # the office chases them all


def test_it_counts_the_problems_and_rates_as_before(world):
    from sijin.problems.models import Problem
    from sijin.problems.rates import compute_rates

    html = client_for("office").get("/").content.decode()
    rates = compute_rates(Problem.objects.all())
    assert rates.solve_rate is not None and f"{rates.solve_rate}%" in html
