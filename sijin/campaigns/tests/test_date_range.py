"""Business dates outside the campaign's years, or in the future, are refused and nothing is saved."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sijin.campaigns.services import check_date
from sijin.fieldwork import services as fieldwork
from sijin.fieldwork.models import Feedback, Outcome, PlanStep, Visit
from sijin.problems.models import Problem, ProblemEvent
from sijin.problems.services import problem_report
from sijin.problems.workflow import problem_transition

MESSAGE = "日期应在行动期间(2025年至{}年)内,且不晚于今天。"


def bad_dates() -> list[date]:
    return [date(2024, 12, 31), timezone.localdate() + timedelta(days=1), date(2052, 6, 1)]


def test_check_date_bounds(world):
    campaign = world.campaign  # starts 2025-06-03, no end
    check_date(campaign, date(2025, 1, 1), "date")
    check_date(campaign, timezone.localdate(), "date")
    check_date(campaign, None, "date")
    with pytest.raises(ValidationError) as exc:
        check_date(campaign, date(2024, 12, 31), "date")
    assert exc.value.message_dict == {"date": [MESSAGE.format(timezone.localdate().year)]}
    campaign.end = date(2025, 6, 30)
    check_date(campaign, date(2025, 12, 31), "date")
    with pytest.raises(ValidationError, match="2025年"):
        check_date(campaign, date(2026, 1, 1), "date")


def _services(world):
    member, handler = world.users["member"], world.users["handler"]
    return {
        "visit_record": (
            Visit,
            lambda d: fieldwork.visit_record(
                actor=member, group=world.group, targets=[world.project], date=d, mode="onsite"
            ),
        ),
        "problem_report": (
            Problem,
            lambda d: problem_report(actor=member, target=world.project, title="新问题", reported_on=d),
        ),
        "outcome_record": (
            Outcome,
            lambda d: fieldwork.outcome_record(
                actor=member,
                target=world.project,
                indicator=next(iter(world.indicators.values())),
                value="3",
                date=d,
            ),
        ),
        "feedback_record": (
            Feedback,
            lambda d: fieldwork.feedback_record(
                actor=member, target=world.project, group=world.group, speaker_name="李", quote="好", date=d
            ),
        ),
        "plan_step_create": (
            PlanStep,
            lambda d: fieldwork.plan_step_create(
                actor=member, plan=world.plan, title="回访", status="done", done_on=d
            ),
        ),
        "problem_transition": (
            ProblemEvent,
            lambda d: problem_transition(
                actor=handler,
                problem=world.problems["in_progress"],
                action="progress",
                comment="进展",
                on_date=d,
            ),
        ),
    }


@pytest.mark.parametrize(
    "service",
    [
        "visit_record",
        "problem_report",
        "outcome_record",
        "feedback_record",
        "plan_step_create",
        "problem_transition",
    ],
)
def test_services_refuse_dates_out_of_range(world, service):
    model, call = _services(world)[service]
    before = model.objects.count()
    for day in bad_dates():
        with pytest.raises(ValidationError, match="日期应在行动期间"):
            call(day)
    assert model.objects.count() == before
    call(date(2025, 6, 20))  # a date inside is taken
    assert model.objects.count() == before + 1


def test_plan_step_update_refuses_future_done_date(world):
    step = world.plan.steps.first()
    with pytest.raises(ValidationError, match="日期应在行动期间"):
        fieldwork.plan_step_update(
            actor=world.users["member"], step=step, status="done", done_on=timezone.localdate() + timedelta(1)
        )
    step.refresh_from_db()
    assert step.done_on is None
