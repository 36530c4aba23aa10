"""Free text is capped where it enters: every service refuses a too-long text, with a Chinese message, and
saves nothing."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from sijin.campaigns import services as campaigns
from sijin.campaigns.models import Campaign, Target
from sijin.core.validators import HTML_MAX, TEXT_MAX
from sijin.fieldwork import services as fieldwork
from sijin.fieldwork.models import Feedback, PlanStep, Visit
from sijin.problems.models import Problem, ProblemEvent
from sijin.problems.services import problem_report
from sijin.problems.workflow import problem_transition
from sijin.reports import services as reports
from sijin.reports.models import Briefing, WorkMethod

LONG = "字" * (TEXT_MAX + 1)
DAY = date(2025, 6, 20)


def _services(world):
    member, handler, admin = world.users["member"], world.users["handler"], world.users["admin"]
    return {
        "visit_record": (
            Visit,
            lambda text: fieldwork.visit_record(
                actor=member, group=world.group, targets=[world.project], date=DAY, mode="onsite", notes=text
            ),
        ),
        "problem_report": (
            Problem,
            lambda text: problem_report(
                actor=member, target=world.project, title="新问题", reported_on=DAY, description=text
            ),
        ),
        "feedback_record": (
            Feedback,
            lambda text: fieldwork.feedback_record(
                actor=member, target=world.project, group=world.group, speaker_name="李", quote=text, date=DAY
            ),
        ),
        "plan_step_create": (
            PlanStep,
            lambda text: fieldwork.plan_step_create(actor=member, plan=world.plan, title="回访", note=text),
        ),
        "problem_transition": (
            ProblemEvent,
            lambda text: problem_transition(
                actor=handler, problem=world.problems["in_progress"], action="progress", comment=text
            ),
        ),
        "campaign_create": (
            Campaign,
            lambda text: campaigns.campaign_create(
                actor=admin,
                name="另一行动",
                level="city",
                region=world.city,
                start=DAY,
                description=text,
            ),
        ),
        "target_update": (
            Target,
            lambda text: campaigns.target_update(actor=admin, target=world.project, profile=text),
        ),
        "work_method_create": (
            WorkMethod,
            lambda text: reports.work_method_create(
                actor=member, group=world.group, title="新工作法", body=text
            ),
        ),
    }


@pytest.mark.parametrize(
    "service",
    [
        "visit_record",
        "problem_report",
        "feedback_record",
        "plan_step_create",
        "problem_transition",
        "campaign_create",
        "target_update",
        "work_method_create",
    ],
)
def test_services_refuse_too_long_text(world, service):
    model, call = _services(world)[service]
    before = list(model.objects.values_list("pk", flat=True).order_by("pk"))
    with pytest.raises(ValidationError, match=f"不能超过{TEXT_MAX}字"):
        call(LONG)
    assert list(model.objects.values_list("pk", flat=True).order_by("pk")) == before
    if service == "target_update":
        world.project.refresh_from_db()
        assert world.project.profile != LONG
    call("字" * TEXT_MAX)  # the cap itself is allowed


def test_briefing_body_has_a_larger_cap(world):
    office = world.users["office"]
    briefing = reports.briefing_generate(
        actor=office, period_start=date(2025, 6, 1), period_end=date(2025, 6, 30), group=world.group
    )
    body = "<p>" + "字" * (HTML_MAX + 1) + "</p>"
    with pytest.raises(ValidationError, match=f"不能超过{HTML_MAX}字"):
        reports.briefing_update(actor=office, briefing=briefing, title=briefing.title, body=body)
    assert Briefing.objects.get(pk=briefing.pk).body != body
    reports.briefing_update(actor=office, briefing=briefing, title=briefing.title, body="<p>" + LONG + "</p>")
