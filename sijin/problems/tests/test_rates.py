"""The four rates on problems brought to their states through the workflow itself."""

from datetime import date
from decimal import Decimal

from sijin.problems.models import Problem
from sijin.problems.rates import compute_rates
from sijin.problems.services import problem_report
from sijin.problems.workflow import problem_transition

# 2025-09-01 is a Monday: triaged that day, a problem must be signed by 09-02 (accept_days=1) and solved by
# 09-15 (10 working days).
TRIAGE_DAY = date(2025, 9, 1)
LATE_TRIAGE_DAY = date(2025, 9, 22)  # signing deadline 2025-09-23


def new_problem(world, title: str) -> Problem:
    return problem_report(
        actor=world.users["member"], target=world.project, title=title, reported_on=TRIAGE_DAY
    )


def act(world, problem: Problem, action: str, who: str, on: date, **fields) -> Problem:
    return problem_transition(actor=world.users[who], problem=problem, action=action, on_date=on, **fields)


def triaged(world, title: str, on: date = TRIAGE_DAY) -> Problem:
    return act(
        world,
        new_problem(world, title),
        "triage",
        "office",
        on,
        level="county",
        handling_org=world.dept,
        handler=world.handler_person,
        deadline_days=10,
    )


def rates_of(problems: list[Problem], today: date | None = None):
    return compute_rates(Problem.objects.filter(pk__in=[p.pk for p in problems]), today=today)


def scenario(world) -> list[Problem]:
    # Signed in time, solved on time, 满意.
    on_time = act(world, triaged(world, "按期问题"), "accept", "handler", date(2025, 9, 2))
    on_time = act(world, on_time, "resolve", "handler", date(2025, 9, 10), resolution="已办结")
    on_time = act(world, on_time, "verify", "member", date(2025, 9, 11), satisfaction="satisfied")
    # Signed late, solved late, 不满意 → 重办 (open again, so not solved).
    late = act(world, triaged(world, "逾期签收问题"), "accept", "handler", date(2025, 9, 4))
    late = act(world, late, "resolve", "handler", date(2025, 9, 19), resolution="已办结")
    late = act(world, late, "verify", "member", date(2025, 9, 20), satisfaction="dissatisfied")
    # Signed in time, solved after the deadline, not visited yet.
    overrun = act(world, triaged(world, "超期办结问题"), "accept", "handler", date(2025, 9, 2))
    overrun = act(world, overrun, "resolve", "handler", date(2025, 9, 18), resolution="已办结")
    # Solved on the spot (never assigned, no deadline), 基本满意.
    on_site = act(
        world, new_problem(world, "现场问题"), "resolve_on_site", "member", TRIAGE_DAY, resolution="当场解决"
    )
    on_site = act(world, on_site, "verify", "member", date(2025, 9, 3), satisfaction="basic")
    # Never signed and cancelled after its signing deadline: not counted at all.
    cancelled = act(world, triaged(world, "撤销问题"), "cancel", "office", date(2025, 9, 5), comment="重复")
    # Assigned on 09-22 and not signed yet.
    waiting = triaged(world, "待签收问题", LATE_TRIAGE_DAY)
    return [on_time, late, overrun, on_site, cancelled, waiting]


def test_it_leaves_a_problem_inside_its_acceptance_window_out_of_the_response_rate(world):
    problems = scenario(world)
    rates = rates_of(problems, today=date(2025, 9, 23))  # the waiting problem's last day to sign
    assert (rates.due_to_accept, rates.accepted_in_time) == (3, 2)
    assert rates.response_rate == Decimal("66.7")


def test_it_counts_a_problem_unsigned_past_its_acceptance_window_as_a_failure(world):
    problems = scenario(world)
    rates = rates_of(problems, today=date(2025, 9, 24))
    assert (rates.due_to_accept, rates.accepted_in_time) == (4, 2)
    assert rates.response_rate == Decimal("50.0")
    assert rates_of(problems).response_rate == Decimal("50.0")  # today (2026 or later) is past it too


def test_it_computes_the_solve_on_time_and_satisfaction_rates(world):
    rates = rates_of(scenario(world), today=date(2025, 9, 24))
    # Counted: all but the cancelled one; solved: on_time (closed), overrun (resolved), on_site (closed).
    assert (rates.total, rates.solved, rates.solve_rate) == (5, 3, Decimal("60.0"))
    # With a deadline: on_time and overrun; the on-site problem had none.
    assert (rates.solved_with_deadline, rates.solved_on_time, rates.on_time_rate) == (2, 1, Decimal("50.0"))
    # 回访: 满意, 不满意, 基本满意.
    assert (rates.verified, rates.satisfied, rates.satisfaction_rate) == (3, 2, Decimal("66.7"))


def test_it_gives_no_rate_without_problems(world):
    rates = rates_of([])
    assert [value for _, value in rates.as_list()] == [None, None, None, None]


def test_it_counts_a_reopened_on_site_problem_as_taken_up_at_once(world):
    problem = act(
        world,
        new_problem(world, "重办的现场问题"),
        "resolve_on_site",
        "member",
        TRIAGE_DAY,
        resolution="当场解决",
    )
    problem = act(world, problem, "verify", "member", date(2025, 9, 3), satisfaction="dissatisfied")
    assert (problem.assigned_on, problem.accept_by, problem.accepted_on) == (
        date(2025, 9, 3),
        date(2025, 9, 4),
        date(2025, 9, 3),
    )
    rates = rates_of([problem], today=date(2025, 10, 31))
    assert (rates.due_to_accept, rates.response_rate) == (1, Decimal("100.0"))
