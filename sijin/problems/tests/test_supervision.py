"""Deadline lights: one rule for a row, a filter and an annotation; yellow and red are date comparisons."""

from datetime import date, timedelta

from sijin.accounts.models import User
from sijin.problems.models import Light, Problem, Status
from sijin.problems.services import problem_report
from sijin.problems.supervision import annotate_light, filter_light, problem_light, yellow_until
from sijin.problems.workflow import problem_transition


def act(problem: Problem, action: str, username: str, on: date, **fields) -> Problem:
    return problem_transition(
        actor=User.objects.get(username=username), problem=problem, action=action, on_date=on, **fields
    )


def assigned(world, title: str, on: date, days: int) -> Problem:
    problem = problem_report(
        actor=User.objects.get(username="member"), target=world.enterprise, title=title, reported_on=on
    )
    return act(problem, "triage", "office", on, level="county", handling_org=world.dept, deadline_days=days)


def lights(day: date) -> dict[str, str]:
    return dict(annotate_light(Problem.objects.all(), day).values_list("title", "light"))


def test_it_lights_the_worlds_problems_by_working_days_left(world):
    # Both assigned 2025-06-11: the overdue one for 5 working days (due 06-18), the other for 10 (due 06-25).
    expected = {
        date(2025, 6, 13): ("green", "green"),  # a Friday: 06-16, 06-17 and 06-18 are left
        date(2025, 6, 16): ("yellow", "green"),
        date(2025, 6, 18): ("yellow", "green"),
        date(2025, 6, 19): ("red", "green"),
        date(2025, 6, 23): ("red", "yellow"),
        date(2025, 6, 26): ("red", "red"),
    }
    for day, pair in expected.items():
        shown = lights(day)
        assert (shown[world.overdue.title], shown[world.problems["assigned"].title]) == pair, day
        assert shown[world.problems["resolved"].title] == "none"  # solved on the spot: no deadline ran


def test_it_turns_yellow_across_national_day_by_working_days(world):
    problem = assigned(world, "跨国庆问题", date(2025, 9, 26), 4)  # 9-28 (调休), 9-29, 9-30, 10-09
    assert problem.deadline == date(2025, 10, 9)
    for day, light in [
        (date(2025, 9, 28), "green"),
        (date(2025, 9, 29), "yellow"),
        (date(2025, 10, 8), "yellow"),
        (date(2025, 10, 9), "yellow"),
        (date(2025, 10, 10), "red"),
    ]:
        assert lights(day)["跨国庆问题"] == light, day
        assert problem_light(problem, day) == light, day


def test_it_marks_a_late_resolution_closed_late(world):
    late = assigned(world, "逾期办结问题", date(2025, 9, 1), 2)
    for action, fields in [("accept", {}), ("resolve", {"resolution": "办结"})]:
        late = act(late, action, "handler", date(2025, 9, 10), **fields)
    on_time = assigned(world, "按期办结问题", date(2025, 9, 1), 2)
    on_time = act(
        act(on_time, "accept", "handler", date(2025, 9, 2)),
        "resolve",
        "handler",
        date(2025, 9, 3),
        resolution="办结",
    )
    shown = lights(date(2025, 9, 30))
    assert (shown["逾期办结问题"], shown["按期办结问题"]) == ("closed_late", "green")
    assert (problem_light(late, date(2025, 9, 30)), problem_light(on_time, date(2025, 9, 30))) == (
        "closed_late",
        "green",
    )


def test_it_follows_the_campaigns_yellow_days(world):
    world.campaign.yellow_days = 5
    world.campaign.save()
    assert lights(date(2025, 6, 11))[world.overdue.title] == "yellow"  # 6-12, 6-13, 6-16, 6-17, 6-18: 5 left
    assert lights(date(2025, 6, 10))[world.overdue.title] == "green"


def test_it_agrees_row_by_row_with_the_filters(world):
    assigned(world, "临期问题", date(2025, 9, 1), 10)
    day = date(2025, 9, 1)
    for offset in range(0, 40, 3):
        today = day + timedelta(days=offset)
        annotated = lights(today)
        for problem in Problem.objects.select_related("campaign"):
            assert problem_light(problem, today) == annotated[problem.title]
        for light in Light.values:
            filtered = set(filter_light(Problem.objects.all(), light, today).values_list("title", flat=True))
            assert filtered == {t for t, v in annotated.items() if v == light}


def test_it_filters_by_light_in_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for i in range(20):
        assigned(world, f"批量问题{i}", date(2025, 3, 21), 3 + i % 5)
    with django_assert_max_num_queries(3):  # campaigns, holiday overrides, the rows
        rows = list(filter_light(Problem.objects.all(), "yellow", date(2025, 3, 25)))
    assert len(rows) == 8  # due 3-26, 3-27 and 3-28 are yellow on 3-25; 3-31 and 4-01 are green
    assert all(p.status == Status.ASSIGNED for p in rows)


def test_it_computes_the_yellow_threshold_with_the_workday_clock(db):
    assert yellow_until(date(2025, 9, 29), 2) == date(2025, 10, 10)
