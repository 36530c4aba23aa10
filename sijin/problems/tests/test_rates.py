"""The four rates on problems brought to their states through the workflow itself."""

from datetime import date
from decimal import Decimal

from sijin.campaigns.models import Target
from sijin.directory.models import Organization
from sijin.problems.models import Problem
from sijin.problems.rates import compute_rates
from sijin.problems.services import problem_report
from sijin.problems.workflow import problem_transition

# 2025-09-01 is a Monday: triaged that day, a problem must be signed by 09-02 (accept_days=1) and solved by
# 09-15 (10 working days).
TRIAGE_DAY = date(2025, 9, 1)
LATE_TRIAGE_DAY = date(2025, 9, 22)  # signing deadline 2025-09-23


def new_problem(demo, title: str) -> Problem:
    target = Target.objects.get(name="惠民县职业中专智能制造综合实训基地")
    return problem_report(actor=demo["users"]["member"], target=target, title=title, reported_on=TRIAGE_DAY)


def act(demo, problem: Problem, action: str, who: str, on: date, **fields) -> Problem:
    return problem_transition(actor=demo["users"][who], problem=problem, action=action, on_date=on, **fields)


def triaged(demo, title: str, on: date = TRIAGE_DAY) -> Problem:
    handling = Organization.objects.get(name="惠民县教育局")
    return act(
        demo,
        new_problem(demo, title),
        "triage",
        "office",
        on,
        level="county",
        handling_org=handling,
        handler=handling.people.get(),
        deadline_days=10,
    )


def rates_of(problems: list[Problem], today: date | None = None):
    return compute_rates(Problem.objects.filter(pk__in=[p.pk for p in problems]), today=today)


def scenario(demo) -> list[Problem]:
    # Signed in time, solved on time, 满意.
    on_time = act(demo, triaged(demo, "按期问题"), "accept", "handler", date(2025, 9, 2))
    on_time = act(demo, on_time, "resolve", "handler", date(2025, 9, 10), resolution="已办结")
    on_time = act(demo, on_time, "verify", "member", date(2025, 9, 11), satisfaction="satisfied")
    # Signed late, solved late, 不满意 → 重办 (open again, so not solved).
    late = act(demo, triaged(demo, "逾期签收问题"), "accept", "handler", date(2025, 9, 4))
    late = act(demo, late, "resolve", "handler", date(2025, 9, 19), resolution="已办结")
    late = act(demo, late, "verify", "member", date(2025, 9, 20), satisfaction="dissatisfied")
    # Signed in time, solved after the deadline, not visited yet.
    overrun = act(demo, triaged(demo, "超期办结问题"), "accept", "handler", date(2025, 9, 2))
    overrun = act(demo, overrun, "resolve", "handler", date(2025, 9, 18), resolution="已办结")
    # Solved on the spot (never assigned, no deadline), 基本满意.
    on_site = act(
        demo, new_problem(demo, "现场问题"), "resolve_on_site", "member", TRIAGE_DAY, resolution="当场解决"
    )
    on_site = act(demo, on_site, "verify", "member", date(2025, 9, 3), satisfaction="basic")
    # Never signed and cancelled after its signing deadline: not counted at all.
    cancelled = act(demo, triaged(demo, "撤销问题"), "cancel", "office", date(2025, 9, 5), comment="重复")
    # Assigned on 09-22 and not signed yet.
    waiting = triaged(demo, "待签收问题", LATE_TRIAGE_DAY)
    return [on_time, late, overrun, on_site, cancelled, waiting]


def test_it_leaves_a_problem_inside_its_acceptance_window_out_of_the_response_rate(demo):
    problems = scenario(demo)
    rates = rates_of(problems, today=date(2025, 9, 23))  # the waiting problem's last day to sign
    assert (rates.due_to_accept, rates.accepted_in_time) == (3, 2)
    assert rates.response_rate == Decimal("66.7")


def test_it_counts_a_problem_unsigned_past_its_acceptance_window_as_a_failure(demo):
    problems = scenario(demo)
    rates = rates_of(problems, today=date(2025, 9, 24))
    assert (rates.due_to_accept, rates.accepted_in_time) == (4, 2)
    assert rates.response_rate == Decimal("50.0")
    assert rates_of(problems).response_rate == Decimal("50.0")  # today (2026 or later) is past it too


def test_it_computes_the_solve_on_time_and_satisfaction_rates(demo):
    rates = rates_of(scenario(demo), today=date(2025, 9, 24))
    # Counted: all but the cancelled one; solved: on_time (closed), overrun (resolved), on_site (closed).
    assert (rates.total, rates.solved, rates.solve_rate) == (5, 3, Decimal("60.0"))
    # With a deadline: on_time and overrun; the on-site problem had none.
    assert (rates.solved_with_deadline, rates.solved_on_time, rates.on_time_rate) == (2, 1, Decimal("50.0"))
    # 回访: 满意, 不满意, 基本满意.
    assert (rates.verified, rates.satisfied, rates.satisfaction_rate) == (3, 2, Decimal("66.7"))


def test_it_gives_no_rate_without_problems(demo):
    rates = rates_of([])
    assert [value for _, value in rates.as_list()] == [None, None, None, None]


def test_it_counts_a_reopened_on_site_problem_as_taken_up_at_once(demo):
    problem = act(
        demo,
        new_problem(demo, "重办的现场问题"),
        "resolve_on_site",
        "member",
        TRIAGE_DAY,
        resolution="当场解决",
    )
    problem = act(demo, problem, "verify", "member", date(2025, 9, 3), satisfaction="dissatisfied")
    assert (problem.assigned_on, problem.accept_by, problem.accepted_on) == (
        date(2025, 9, 3),
        date(2025, 9, 4),
        date(2025, 9, 3),
    )
    rates = rates_of([problem], today=date(2025, 10, 31))
    assert (rates.due_to_accept, rates.response_rate) == (1, Decimal("100.0"))
