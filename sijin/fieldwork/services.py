"""Writes for visits, plans, outcomes, feedback and checklists."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from sijin.core.audit import audit
from sijin.core.quantities import parse_quantity
from sijin.core.services import saved, validated

from .models import Checklist, ChecklistItem, Feedback, Outcome, PlanStep, SupportPlan, Visit


@transaction.atomic
def visit_record(
    *,
    actor,
    group,
    targets: list,
    date: date,
    mode: str,
    participants: Sequence = (),
    accompanying_leaders: Sequence = (),
    occasions: int = 1,
    occasions_qualifier: str = "",
    end_date: date | None = None,
    purpose: str = "",
    notes: str = "",
    problems: Sequence[dict[str, Any]] = (),
) -> Visit:
    """Record a visit and the problems found on it, all or nothing."""
    if not targets:
        raise ValidationError({"targets": ["请选择走访对象。"]})
    wrong = [t.name for t in targets if t.group_id != group.id]
    if wrong:
        raise ValidationError({"targets": [f"“{'、'.join(wrong)}”不是本工作组的帮扶对象。"]})
    visit = Visit(
        group=group,
        date=date,
        end_date=end_date,
        mode=mode,
        occasions=occasions,
        occasions_qualifier=occasions_qualifier,
        purpose=purpose,
        notes=notes,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    validated(visit, exclude=["created_by"])
    visit.save()
    visit.targets.set(targets)
    visit.participants.set(participants)
    visit.accompanying_leaders.set(accompanying_leaders)
    audit(actor, "visit_record", visit, f"走访 {'、'.join(t.name for t in targets)}")
    from sijin.problems.services import problem_report

    for spec in problems:
        problem_report(actor=actor, visit=visit, **spec)
    return visit


def visit_ensure(
    *, actor, group, targets: list, date: date, mode: str, purpose: str = "", **fields: Any
) -> Visit:
    existing = Visit.objects.filter(
        group=group, date=date, mode=mode, purpose=purpose, targets=targets[0]
    ).first()
    return existing or visit_record(
        actor=actor, group=group, targets=targets, date=date, mode=mode, purpose=purpose, **fields
    )


@transaction.atomic
def plan_create(
    *,
    actor,
    target,
    name: str,
    goal: str = "",
    summary: str = "",
    owner=None,
    made_on: date | None = None,
    steps: Sequence[dict[str, Any]] = (),
) -> SupportPlan:
    plan = SupportPlan(target=target, name=name, goal=goal, summary=summary, owner=owner, made_on=made_on)
    validated(plan)
    plan.save()
    for i, spec in enumerate(steps, 1):
        step = PlanStep(plan=plan, order=i, **spec)
        validated(step)
        step.save()
    audit(actor, "plan_create", plan, f"制定帮扶方案 {name}({len(steps)}步)")
    return plan


def plan_ensure(*, actor, target, name: str, **fields: Any) -> SupportPlan:
    return SupportPlan.objects.filter(target=target, name=name).first() or plan_create(
        actor=actor, target=target, name=name, **fields
    )


@transaction.atomic
def plan_step_update(
    *, actor, step: PlanStep, status: str, note: str = "", done_on: date | None = None
) -> PlanStep:
    step = PlanStep.objects.select_for_update().get(pk=step.pk)
    before = step.status
    step.status = status
    step.done_on = done_on if status == "done" else None
    if note:
        step.note = note
    return saved(actor, step, "plan_step_update", f"{step.title}: {before}→{status}")


@transaction.atomic
def outcome_record(
    *, actor, target, indicator, value: str | Decimal, date: date, note: str = "", plan=None, problem=None
) -> Outcome:
    """Record an outcome as typed (“2万斤”, “3.5万元”, “约200”) in the indicator's unit, keeping its qualifier."""
    if indicator.campaign_id != target.campaign_id:
        raise ValidationError({"indicator": ["该指标不属于帮扶对象所在行动。"]})
    as_typed = str(value).strip()
    try:
        q = parse_quantity(as_typed, default_unit=indicator.unit)
        amount = q.to_unit(indicator.unit)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from None
    outcome = Outcome(
        target=target,
        indicator=indicator,
        value=amount,
        qualifier=q.qualifier,
        as_typed=as_typed if as_typed != f"{amount}" else "",
        date=date,
        note=note,
        plan=plan,
        problem=problem,
    )
    return saved(actor, outcome, "outcome_record", f"{target.name} {indicator.name} {as_typed}")


def outcome_ensure(*, actor, target, indicator, value: str, date: date, **fields: Any) -> Outcome:
    return Outcome.objects.filter(
        target=target, indicator=indicator, as_typed=value
    ).first() or outcome_record(
        actor=actor, target=target, indicator=indicator, value=value, date=date, **fields
    )


@transaction.atomic
def feedback_record(
    *,
    actor,
    target,
    group,
    speaker_name: str,
    quote: str,
    date: date,
    speaker_role: str = "",
    addressee: str = "",
    rating: str = "",
) -> Feedback:
    feedback = Feedback(
        target=target,
        group=group,
        speaker_name=speaker_name,
        speaker_role=speaker_role,
        addressee=addressee,
        quote=quote,
        rating=rating,
        date=date,
    )
    return saved(actor, feedback, "feedback_record", f"{speaker_name} 的评价")


def feedback_ensure(
    *, actor, target, group, speaker_name: str, quote: str, date: date, **fields: Any
) -> Feedback:
    return Feedback.objects.filter(
        target=target, speaker_name=speaker_name, quote=quote
    ).first() or feedback_record(
        actor=actor, target=target, group=group, speaker_name=speaker_name, quote=quote, date=date, **fields
    )


@transaction.atomic
def checklist_create(
    *,
    actor,
    group,
    name: str,
    kind: str,
    created_on: date,
    target=None,
    note: str = "",
    supervised: bool = False,
    problems: Sequence = (),
    items: Sequence[dict[str, Any]] = (),
) -> Checklist:
    checklist = Checklist(
        group=group,
        target=target,
        name=name,
        kind=kind,
        created_on=created_on,
        note=note,
        supervised=supervised,
    )
    validated(checklist)
    checklist.save()
    checklist.problems.set(problems)
    for spec in items:
        item = ChecklistItem(checklist=checklist, **spec)
        validated(item)
        item.save()
    audit(actor, "checklist_create", checklist, f"形成清单 {name}")
    return checklist


def checklist_ensure(*, actor, group, name: str, **fields: Any) -> Checklist:
    return Checklist.objects.filter(group=group, name=name).first() or checklist_create(
        actor=actor, group=group, name=name, **fields
    )
