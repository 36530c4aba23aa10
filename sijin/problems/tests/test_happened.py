"""补录: every action carries the day it happened (发生日期); dates, deadlines, outcomes and rates count from it,
while the event's entry time and the audit keep when it was written down. And the group's own handling
(自行办理, 报告进展), the extension steps and 回访 → 销号 as the problem page shows them."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sijin.accounts import access
from sijin.accounts.models import User
from sijin.campaigns.services import measure_type_ensure
from sijin.core.models import AuditLog
from sijin.core.workdays import add_workdays, workdays_between
from sijin.fieldwork.models import Measure, Outcome
from sijin.problems.models import Problem, ProblemEvent, Status
from sijin.problems.rates import compute_rates
from sijin.problems.services import problem_report
from sijin.problems.supervision import problem_light
from sijin.problems.workflow import allowed_actions, problem_transition
from sijin.testing import World, client_for

JUNE = (date(2025, 6, 1), date(2025, 6, 30))


def user(username: str) -> User:
    return User.objects.get(username=username)


def act(problem: Problem, action: str, username: str, on: date | None = None, **fields) -> Problem:
    return problem_transition(actor=user(username), problem=problem, action=action, on_date=on, **fields)


def workdays_ago(n: int) -> date:
    today = timezone.localdate()
    day = today
    while workdays_between(day, today) < n:
        day -= timedelta(days=1)
    return day


def report(w: World, on: date, title: str = "泵站设备缺少安装场地") -> Problem:
    return problem_report(actor=user("member"), target=w.project, title=title, reported_on=on)


def triage(w: World, problem: Problem, on: date | None, days: int = 5) -> Problem:
    fields = {"level": "county", "handling_org": w.dept, "deadline_days": days}
    return act(problem, "triage", "office", on, **fields)


def test_it_counts_a_backdated_deadline_from_the_day_it_was_assigned(world):
    assigned_on = workdays_ago(10)
    problem = triage(world, report(world, assigned_on), assigned_on, days=5)
    today = timezone.localdate()
    assert problem.assigned_on == assigned_on
    assert problem.deadline == add_workdays(assigned_on, 5) < today
    assert problem_light(problem, today) == "red"
    event = problem.events.latest("id")
    assert event.on_date == assigned_on
    assert event.entered_on == today and event.entered_late
    entered = (
        AuditLog.objects.filter(object_type="problems.problem", object_id=str(problem.pk)).latest("id").at
    )
    assert timezone.localtime(entered).date() == today


def test_it_counts_a_backdated_resolution_in_the_period_it_happened(world):
    problem = triage(world, report(world, date(2025, 6, 16)), date(2025, 6, 16))  # due 2025-06-23
    act(problem, "accept", "handler", date(2025, 6, 17))
    problem = act(problem, "resolve", "handler", date(2025, 6, 20), resolution="已腾出安装场地")
    assert problem.resolved_on == date(2025, 6, 20)  # entered today, months after the deadline
    in_june = Problem.objects.filter(pk=problem.pk, resolved_on__range=JUNE)
    rates = compute_rates(in_june)
    assert (rates.solved, rates.on_time_rate, rates.response_rate) == (1, 100, 100)
    assert problem_light(problem, timezone.localdate()) == "green"  # solved in time: no 逾期办结


def test_it_dates_the_outcomes_of_a_resolution_by_the_day_it_happened(world):
    problem = triage(world, report(world, date(2025, 6, 16)), date(2025, 6, 16))
    act(problem, "accept", "handler", date(2025, 6, 17))
    outcome = {"indicator": world.indicators["funds"], "value": "3万元"}
    act(problem, "resolve", "handler", date(2025, 6, 20), resolution="争取资金", outcomes=[outcome])
    assert Outcome.objects.get(problem=problem).date == date(2025, 6, 20)


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (timezone.localdate() + timedelta(days=1), "日期应在行动期间"),
        (date(2024, 12, 31), "日期应在行动期间"),
        (date(2025, 6, 15), "发生日期不能早于发现日期(2025-06-16)"),
    ],
)
def test_it_refuses_a_day_outside_the_campaign_or_before_the_problem(world, on, message):
    problem = report(world, date(2025, 6, 16))
    with pytest.raises(ValidationError, match=re.escape(message)):
        triage(world, problem, on)
    problem.refresh_from_db()
    assert problem.status == Status.REPORTED and problem.events.count() == 1


def test_it_refuses_a_step_dated_before_the_step_it_follows(world):
    problem = triage(world, report(world, date(2025, 6, 16)), date(2025, 6, 18))
    with pytest.raises(ValidationError, match=re.escape("不能早于上一步“分级交办”的日期(2025-06-18)")):
        act(problem, "accept", "handler", date(2025, 6, 17))


def test_it_takes_the_happened_day_from_the_page_and_shows_when_it_was_entered(world):
    problem = triage(world, report(world, date(2025, 6, 16)), date(2025, 6, 16))
    client = client_for("handler")
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert 'name="accept-on_date"' in page
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in page
    r = client.post(
        f"/problems/{problem.pk}/act/accept/",
        {"accept-version": problem.version, "accept-on_date": "2025-06-17"},
    )
    assert r.status_code == 302
    problem.refresh_from_db()
    assert problem.accepted_on == date(2025, 6, 17)
    body = client.get(f"/problems/{problem.pk}/").content.decode()
    assert "2025-06-17" in body
    assert f"补录于 {timezone.localdate():%Y-%m-%d}" in body


def test_it_shows_a_refused_happened_day_next_to_its_field(world):
    problem = triage(world, report(world, date(2025, 6, 16)), date(2025, 6, 18))
    client = client_for("handler")
    future = timezone.localdate() + timedelta(days=3)
    r = client.post(
        f"/problems/{problem.pk}/act/accept/",
        {"accept-version": problem.version, "accept-on_date": f"{future}"},
    )
    assert r.status_code == 400
    assert "日期应在行动期间" in r.content.decode()
    r = client.post(
        f"/problems/{problem.pk}/act/accept/",
        {"accept-version": problem.version, "accept-on_date": "2025-06-17"},
    )
    assert r.status_code == 400
    body = r.content.decode()
    assert "不能早于上一步“分级交办”的日期(2025-06-18)" in body and "未能签收" in body
    problem.refresh_from_db()
    assert problem.status == Status.ASSIGNED and problem.accepted_on is None


def test_it_lets_the_group_handle_a_problem_itself(world):
    problem = report(world, date(2025, 6, 16))
    assert "self_handle" in allowed_actions(user("member"), problem)
    assert "self_handle" not in allowed_actions(user("handler"), problem)
    problem = act(problem, "self_handle", "member", date(2025, 6, 17), deadline_days=5)
    assert problem.status == Status.IN_PROGRESS
    assert problem.handling_org is None and problem.level == "group"
    assert problem.handler == world.member_person == problem.responsible
    assert (problem.assigned_on, problem.accepted_on) == (date(2025, 6, 17), date(2025, 6, 17))
    assert problem.deadline == add_workdays(date(2025, 6, 17), 5)
    assert problem.handled_by_group
    assert access.problem_handlers(problem) == [user("member")]
    with pytest.raises(PermissionDenied):
        act(problem, "progress", "handler", comment="不是我们的")
    problem = act(problem, "progress", "member", date(2025, 6, 18), comment="已联系设备厂家")
    problem = act(problem, "resolve", "group_leader", date(2025, 6, 20), resolution="厂家调整安装位置")
    problem = act(problem, "verify", "member", date(2025, 6, 23), satisfaction="satisfied")
    assert (problem.status, problem.closed_on) == (Status.CLOSED, date(2025, 6, 23))
    assert compute_rates(Problem.objects.filter(pk=problem.pk)).on_time_rate == 100
    for username in ("handler", "office", "member"):  # the to-do lists still render
        assert client_for(username).get("/").status_code == 200
    page = client_for("member").get(f"/problems/{problem.pk}/").content.decode()
    assert "工作组自行办理" in page


def test_it_lets_the_group_report_progress_on_a_units_problem_without_changing_it(world):
    problem = world.problems["accepted"]
    before = problem.events.count()
    problem = act(problem, "progress", "member", comment="组员跟进:材料已到场")
    assert problem.status == Status.ACCEPTED and problem.handling_org == world.dept
    event = problem.events.latest("id")
    assert (event.action, event.from_status, event.to_status) == ("progress", "accepted", "accepted")
    assert problem.events.count() == before + 1
    problem = act(problem, "progress", "handler", comment="已开始办理")
    assert problem.status == Status.IN_PROGRESS


def test_it_offers_extension_rulings_only_while_a_request_waits(world):
    today = timezone.localdate()
    problem = triage(world, report(world, date(2025, 6, 16)), None, days=5)
    problem = act(problem, "accept", "handler")
    office = user("office")
    assert not {"approve_extension", "reject_extension"} & set(allowed_actions(office, problem))
    new_deadline = add_workdays(today, 8)
    act(problem, "request_extension", "handler", new_deadline=new_deadline, comment="需采购设备")
    assert {"approve_extension", "reject_extension"} <= set(allowed_actions(office, problem))
    assert "request_extension" not in allowed_actions(user("handler"), problem)
    client = client_for("office")
    r = client.post(
        f"/problems/{problem.pk}/act/approve_extension/", {"approve_extension-version": problem.version}
    )
    assert r.status_code == 302
    problem.refresh_from_db()
    assert problem.deadline == new_deadline
    assert not {"approve_extension", "reject_extension"} & set(allowed_actions(office, problem))
    body = client.get(f"/problems/{problem.pk}/").content.decode()
    assert f"{new_deadline:%Y-%m-%d}(剩余8个工作日)" in body
    assert "申请延期至" in body and "批准延期" in body
    assert f"延至 {new_deadline:%Y-%m-%d}" in body


def test_it_says_plainly_that_a_satisfied_verification_closes_the_problem(world):
    problem = world.problems["resolved"]
    r = client_for("member").post(
        f"/problems/{problem.pk}/act/verify/",
        {"verify-version": problem.version, "verify-satisfaction": "satisfied"},
        follow=True,
    )
    assert "回访满意,已销号。" in r.content.decode()
    problem.refresh_from_db()
    assert problem.status == Status.CLOSED
    assert ProblemEvent.objects.filter(problem=problem, action="verify").get().to_status == Status.CLOSED


def test_it_dates_a_late_entry_on_the_target_timeline_by_the_day_it_happened(world):
    problem = triage(world, report(world, date(2025, 6, 16)), date(2025, 6, 17))
    body = client_for("member").get(f"/targets/{world.project.pk}/").content.decode()
    assert f"补录于{timezone.localdate():%Y-%m-%d}" in body
    assert "2025-06-17 · 分级交办" in body  # dated by when it happened, not by today
    assert problem.events.latest("id").on_date == date(2025, 6, 17)


def test_it_records_a_measure_taken_with_a_step_on_the_day_it_happened(world):
    meeting = measure_type_ensure(actor=user("admin"), campaign=world.campaign, name="协调会")
    problem = report(world, date(2025, 6, 16))
    client = client_for("member")
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert 'name="self_handle-measure_type"' in page
    data = {
        "self_handle-version": problem.version,
        "self_handle-on_date": "2025-06-18",
        "self_handle-measure_type": meeting.pk,
        "self_handle-measure_times": "2",
        "self_handle-measure_units": "3",
        "self_handle-measure_people": "12",
    }
    r = client.post(f"/problems/{problem.pk}/act/self_handle/", data)
    assert r.status_code == 302
    measure = Measure.objects.get(problem=problem)
    assert (measure.type, measure.date, measure.times, measure.units, measure.people) == (
        meeting,
        date(2025, 6, 18),
        2,
        3,
        12,
    )
    assert (measure.group, measure.target) == (world.group, world.project)
    assert "协调会2次" in client.get(f"/problems/{problem.pk}/").content.decode()
    # A handling department does not record the group's measures: no fields offered, none recorded.
    problem = triage(world, report(world, date(2025, 6, 16), "另一个问题"), date(2025, 6, 16))
    page = client_for("handler").get(f"/problems/{problem.pk}/").content.decode()
    assert "accept-measure_type" not in page and "measure_type" not in page


def test_it_refuses_measure_numbers_without_a_type_and_saves_nothing(world):
    measure_type_ensure(actor=user("admin"), campaign=world.campaign, name="协调会")
    problem = report(world, date(2025, 6, 16))
    r = client_for("member").post(
        f"/problems/{problem.pk}/act/self_handle/",
        {"self_handle-version": problem.version, "self_handle-measure_times": "2"},
    )
    assert r.status_code == 400
    assert "请选择措施类型" in r.content.decode()
    r = client_for("member").post(
        f"/problems/{problem.pk}/act/self_handle/",
        {"self_handle-version": problem.version, "self_handle-measure_type": "999999"},
    )
    assert r.status_code == 400 and "所选措施类型无效" in r.content.decode()
    problem.refresh_from_db()
    assert problem.status == Status.REPORTED and not Measure.objects.filter(problem=problem).exists()
