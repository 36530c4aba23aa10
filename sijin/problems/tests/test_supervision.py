"""Deadline lights: one rule for a row, a filter and an annotation; yellow and red are date comparisons."""

from datetime import date, timedelta

from sijin.accounts.models import User
from sijin.campaigns.models import Target
from sijin.directory.models import Organization
from sijin.problems.models import Problem, Status
from sijin.problems.services import problem_report
from sijin.problems.models import Light
from sijin.problems.supervision import annotate_light, filter_light, problem_light, yellow_until
from sijin.problems.workflow import problem_transition


def act(problem: Problem, action: str, username: str, on: date, **fields) -> Problem:
    return problem_transition(
        actor=User.objects.get(username=username), problem=problem, action=action, on_date=on, **fields
    )


def assigned(title: str, on: date, days: int) -> Problem:
    target = Target.objects.get(name="惠宇汽车零部件有限公司")
    problem = problem_report(
        actor=User.objects.get(username="member"), target=target, title=title, reported_on=on
    )
    return act(
        problem,
        "triage",
        "office",
        on,
        level="county",
        handling_org=Organization.objects.get(name="惠民县教育局"),
        deadline_days=days,
    )


def lights(day: date) -> dict[str, str]:
    return dict(annotate_light(Problem.objects.all(), day).values_list("title", "light"))


def test_it_lights_the_binzhou_problems_by_working_days_left(demo):
    # 新校师资短缺 and 专业设置不合理: assigned 2020-03-12 for 15 working days → due 2020-04-02.
    expected = {
        date(2020, 3, 30): "green",
        date(2020, 3, 31): "yellow",
        date(2020, 4, 2): "yellow",
        date(2020, 4, 3): "red",
    }
    for day, light in expected.items():
        shown = lights(day)
        assert (shown["新校师资短缺"], shown["专业设置不合理"]) == (light, light), day
        assert shown["社区防疫人手不足"] == "none"  # solved on the spot: no deadline ran


def test_it_turns_yellow_across_national_day_by_working_days(demo):
    problem = assigned("跨国庆问题", date(2025, 9, 26), 4)  # 9-28 (调休), 9-29, 9-30, 10-09
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


def test_it_marks_a_late_resolution_closed_late(demo):
    late = assigned("逾期办结问题", date(2025, 9, 1), 2)
    for action, fields in [("accept", {}), ("resolve", {"resolution": "办结"})]:
        late = act(late, action, "handler", date(2025, 9, 10), **fields)
    on_time = assigned("按期办结问题", date(2025, 9, 1), 2)
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


def test_it_follows_the_campaigns_yellow_days(demo):
    demo["campaign"].yellow_days = 5
    demo["campaign"].save()
    assert lights(date(2020, 3, 26))["新校师资短缺"] == "yellow"  # 3-27, 3-30, 3-31, 4-01, 4-02: 5 left
    assert lights(date(2020, 3, 25))["新校师资短缺"] == "green"


def test_it_agrees_row_by_row_with_the_filters(demo):
    assigned("临期问题", date(2025, 9, 1), 10)
    day = date(2025, 9, 1)
    for offset in range(0, 40, 3):
        today = day + timedelta(days=offset)
        annotated = lights(today)
        for problem in Problem.objects.select_related("campaign"):
            assert problem_light(problem, today) == annotated[problem.title]
        for light in Light.values:
            filtered = set(filter_light(Problem.objects.all(), light, today).values_list("title", flat=True))
            assert filtered == {t for t, v in annotated.items() if v == light}


def test_it_filters_by_light_in_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    for i in range(20):
        assigned(f"批量问题{i}", date(2020, 3, 20), 3 + i % 5)
    with django_assert_max_num_queries(3):  # campaigns, holiday overrides, the rows
        rows = list(filter_light(Problem.objects.all(), "yellow", date(2020, 3, 24)))
    assert len(rows) == 8  # due 3-25, 3-26 and 3-27 are yellow on 3-24; 3-30 and 3-31 are green
    assert all(p.status == Status.ASSIGNED for p in rows)


def test_it_computes_the_yellow_threshold_with_the_workday_clock(db):
    assert yellow_until(date(2025, 9, 29), 2) == date(2025, 10, 10)
