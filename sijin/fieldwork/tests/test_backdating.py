"""补录: every fieldwork record takes the day it happened, today unless told, and refuses a day in the future or
before the campaign's years with a Chinese message (sijin.campaigns.services.check_date) — on the pages and in
the services alike."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sijin.accounts.models import User
from sijin.fieldwork import services
from sijin.fieldwork.models import Checklist, Feedback, Outcome, PlanStep, SupportPlan
from sijin.testing import client_for, d, post_form

BEFORE = "2024-12-31"  # the world's campaign starts in June 2025
CAMPAIGN_MESSAGE = "日期应在行动期间(2025年"
TOMORROW = timezone.localdate() + timedelta(days=1)


def member() -> User:
    return User.objects.get(username="member")


# The pages: today by default, a day before the campaign refused next to its input, nothing saved.


def test_the_entry_forms_default_to_today(world):
    today = timezone.localdate()
    client = client_for("member")
    village = world.village
    step = PlanStep.objects.filter(plan=world.plan).first()
    for url, field in [
        (f"/support/targets/{village.pk}/outcomes/new/", "date"),
        (f"/support/targets/{village.pk}/feedback/new/", "date"),
        (f"/support/targets/{village.pk}/plans/new/", "made_on"),
        (f"/support/steps/{step.pk}/", "done_on"),
        (f"/support/checklists/new/?target={village.pk}", "created_on"),
        ("/visits/new/", "date"),
    ]:
        form = client.get(url).context["form"]
        assert form[field].value() == today, url


def test_it_refuses_an_outcome_before_the_campaign(world):
    village = world.village
    data = {"indicator": world.indicators["funds"].pk, "value": "1万元", "date": BEFORE}
    r = post_form(client_for("member"), f"/support/targets/{village.pk}/outcomes/new/", data)
    assert r.status_code == 400
    assert CAMPAIGN_MESSAGE in r.context["form"].errors["date"][0]
    assert not Outcome.objects.filter(date=date(2024, 12, 31)).exists()


def test_it_refuses_an_outcome_in_the_future(world):
    village = world.village
    data = {"indicator": world.indicators["funds"].pk, "value": "1万元", "date": TOMORROW.isoformat()}
    r = post_form(client_for("member"), f"/support/targets/{village.pk}/outcomes/new/", data)
    assert r.status_code == 400
    assert "不晚于今天" in r.context["form"].errors["date"][0]
    assert not Outcome.objects.filter(date=TOMORROW).exists()


def test_it_refuses_feedback_before_the_campaign(world):
    data = {"speaker_name": "张大姐", "quote": "好", "date": BEFORE}
    r = post_form(client_for("member"), f"/support/targets/{world.village.pk}/feedback/new/", data)
    assert r.status_code == 400
    assert CAMPAIGN_MESSAGE in r.context["form"].errors["date"][0]
    assert not Feedback.objects.filter(speaker_name="张大姐").exists()


@pytest.mark.parametrize(
    ("done_on", "message"), [(BEFORE, CAMPAIGN_MESSAGE), (TOMORROW.isoformat(), "完成日期不能晚于今天。")]
)
def test_it_refuses_a_step_done_outside_the_campaign(world, done_on, message):
    step = PlanStep.objects.filter(plan=world.plan).exclude(status="done").first()
    r = client_for("member").post(
        f"/support/steps/{step.pk}/", {"status": "done", "done_on": done_on, "note": ""}
    )
    assert r.status_code == 400
    assert message in r.context["form"].errors["done_on"][0]
    step.refresh_from_db()
    assert step.status != "done"


def test_it_takes_a_step_done_on_an_earlier_day(world):
    step = PlanStep.objects.filter(plan=world.plan).exclude(status="done").first()
    r = client_for("member").post(f"/support/steps/{step.pk}/", {"status": "done", "done_on": "2025-06-20"})
    assert r.status_code == 302
    step.refresh_from_db()
    assert step.done_on == d(6, 20)


def test_it_refuses_a_plan_made_before_the_campaign(world):
    village = world.village
    data = {
        "name": "补录方案",
        "made_on": BEFORE,
        "steps-TOTAL_FORMS": "0",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "20",
    }
    r = client_for("member").post(f"/support/targets/{village.pk}/plans/new/", data)
    assert r.status_code == 400
    assert CAMPAIGN_MESSAGE in r.context["form"].errors["made_on"][0]
    assert not SupportPlan.objects.filter(name="补录方案").exists()


def test_it_refuses_a_checklist_formed_before_the_campaign(world):
    village = world.village
    data = {
        "target": village.pk,
        "name": "补录清单",
        "kind": "rectify",
        "created_on": BEFORE,
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "50",
    }
    r = client_for("member").post("/support/checklists/new/", data)
    assert r.status_code == 400
    assert CAMPAIGN_MESSAGE in r.context["form"].errors["created_on"][0]
    assert not Checklist.objects.filter(name="补录清单").exists()


# The services: every one that takes a date checks it, on create and on correction.


def refused(call, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        call()
    assert CAMPAIGN_MESSAGE in caught.value.message_dict[field][0]


def test_the_services_refuse_a_day_before_the_campaign(world):
    before, actor, village = date(2024, 12, 31), member(), world.village
    step = PlanStep.objects.filter(plan=world.plan).first()
    outcome = Outcome.objects.filter(target=village).first()
    refused(
        lambda: services.visit_record(
            actor=actor, group=world.group, targets=[village], date=before, mode="individual"
        ),
        "date",
    )
    refused(lambda: services.visit_update(actor=actor, visit=world.visits["village"], date=before), "date")
    refused(lambda: services.plan_create(actor=actor, target=village, name="x", made_on=before), "made_on")
    refused(
        lambda: services.plan_create(
            actor=actor, target=village, name="y", steps=[{"title": "a", "status": "done", "done_on": before}]
        ),
        "done_on",
    )
    refused(
        lambda: services.plan_step_create(
            actor=actor, plan=world.plan, title="z", status="done", done_on=before
        ),
        "done_on",
    )
    refused(
        lambda: services.plan_step_update(actor=actor, step=step, status="done", done_on=before), "done_on"
    )
    refused(
        lambda: services.outcome_record(
            actor=actor, target=village, indicator=world.indicators["funds"], value="1万元", date=before
        ),
        "date",
    )
    refused(lambda: services.outcome_update(actor=actor, outcome=outcome, date=before), "date")
    refused(
        lambda: services.feedback_record(
            actor=actor, target=village, group=world.group, speaker_name="甲", quote="好", date=before
        ),
        "date",
    )
    refused(
        lambda: services.checklist_create(
            actor=actor, group=world.group, name="补录", kind="problem", created_on=before
        ),
        "created_on",
    )
    refused(
        lambda: services.checklist_update(actor=actor, checklist=world.checklist, created_on=before),
        "created_on",
    )


def test_the_services_take_a_plan_and_steps_without_dates(world):
    plan = services.plan_create(actor=member(), target=world.village, name="先立方案")
    assert (plan.made_on, plan.steps.count()) == (None, 0)
    step = services.plan_step_create(actor=member(), plan=plan, title="排查")
    assert (step.order, step.due, step.done_on) == (1, None, None)
    with pytest.raises(ValidationError) as caught:
        services.plan_step_update(actor=member(), step=step, status="done")
    assert caught.value.messages == ["已完成的步骤须填写完成日期。"]
