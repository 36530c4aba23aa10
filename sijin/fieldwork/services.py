"""Writes for visits, plans, outcomes, feedback and checklists."""

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Q, Sum

from sijin.accounts import access
from sijin.accounts.models import User
from sijin.campaigns.models import Indicator, MeasureType, Target, WorkGroup
from sijin.campaigns.services import check_date
from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.quantities import parse_quantity
from sijin.core.services import locked, recorded_actor, saved, validated
from sijin.directory.models import Person

from .models import (
    OUTCOME_TEXT_MAX,
    Checklist,
    ChecklistItem,
    Feedback,
    Measure,
    Outcome,
    PlanStep,
    SupportPlan,
    Visit,
)

DIGIT = re.compile(r"[0-9０-９]")  # a text with one holds a figure, however mistyped
# Words shorter than this are a vague amount (很多, 大量), not an outcome told without a figure.
WORDS_MIN = 4
WORDS_HINT = "没有具体数字的成效请写明情况,如“订单已到账、陆续发货”。"


COORDINATE_LIMITS = {"latitude": ("纬度", 90), "longitude": ("经度", 180)}
COORDINATE_PLACES = Decimal("0.000001")  # 6 decimals, as the models store them (about 0.1 m)


def location_checked(
    latitude: Decimal | float | str | None, longitude: Decimal | float | str | None
) -> tuple[Decimal | None, Decimal | None]:
    """Where a visit or a problem was (WGS 84 degrees, from the phone): both or neither, each in its range,
    rounded to 6 decimals. Raises ValidationError with Chinese messages keyed by the field."""
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    if latitude in (None, "") or longitude in (None, ""):
        raise ValidationError({"latitude": ["位置须同时有纬度和经度。"]})
    values = []
    for name, raw in (("latitude", latitude), ("longitude", longitude)):
        label, limit = COORDINATE_LIMITS[name]
        try:
            value = Decimal(str(raw).strip())
        except ArithmeticError:  # InvalidOperation: not a number
            raise ValidationError({name: [f"{label}应为数字。"]}) from None
        if not value.is_finite() or not -limit <= value <= limit:
            raise ValidationError({name: [f"{label}应在-{limit}到{limit}之间。"]})
        values.append(value.quantize(COORDINATE_PLACES))
    return values[0], values[1]


@transaction.atomic
def visit_record(
    *,
    actor: User | None,
    group: WorkGroup,
    targets: Sequence[Target],
    date: date,
    mode: str,
    participants: Iterable[Person] = (),
    accompanying_leaders: Iterable[Person] = (),
    occasions: int = 1,
    occasions_qualifier: str = "",
    end_date: date | None = None,
    purpose: str = "",
    notes: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    part_of: Visit | None = None,
) -> Visit:
    """Record a visit. The problems found on it are reported by the caller in the same transaction (the
    走访 page in sijin.desk): problems sit above fieldwork, so this module does not reach up to them.
    ``part_of`` is the counted entry (3月共走访21次) this single visit is one of: it is not counted again.
    ``latitude``/``longitude``: where it was recorded (optional, both or neither; see location_checked)."""
    _check_visit_targets(group, targets)
    latitude, longitude = location_checked(latitude, longitude)
    check_date(group.campaign, date, "date")
    check_date(group.campaign, end_date, "end_date")
    visit = Visit(
        group=group,
        date=date,
        end_date=end_date,
        mode=mode,
        occasions=occasions,
        occasions_qualifier=occasions_qualifier,
        purpose=purpose,
        notes=notes,
        latitude=latitude,
        longitude=longitude,
        part_of=part_of,
        created_by=recorded_actor(actor),
    )
    _check_part_of(visit)
    validated(visit, exclude=["created_by"])
    visit.save()
    visit.targets.set(targets)
    visit.participants.set(participants)
    visit.accompanying_leaders.set(accompanying_leaders)
    audit(actor, AuditAction.VISIT_RECORD, visit, f"走访 {'、'.join(t.name for t in targets)}")
    return visit


def _check_part_of(visit: Visit) -> None:
    """A visit told on its own may be one of a counted entry's times: one visit, of the same group, on a day
    within the entry's range; the entry is not itself part of another, and a counted entry is part of none."""
    entry = visit.part_of
    if entry is None:
        return
    problem = ""
    last = entry.end_date or entry.date
    if entry.group_id != visit.group_id:
        problem = "所选汇总走访不属于本工作组。"
    elif entry.pk == visit.pk or entry.part_of_id is not None:
        problem = "所选走访本身已计入其他汇总,不能作为汇总走访。"
    elif entry.occasions < 2 and entry.end_date is None:
        problem = "所选走访不是合并录入的多次走访。"
    elif visit.occasions != 1 or visit.end_date is not None:
        problem = "计入汇总的只能是单次走访(不填截止日期,次数为1)。"
    elif not entry.date <= visit.date <= last:
        problem = f"走访日期不在所选汇总走访的时间段({entry.date}至{last})内。"
    elif visit.pk and visit.parts.exists():
        problem = "这条走访已有其他走访计入,不能再计入汇总。"
    if problem:
        raise ValidationError({"part_of": [problem]})


def _check_visit_targets(group: WorkGroup, targets: Iterable[Target]) -> None:
    if not targets:
        raise ValidationError({"targets": ["请选择走访对象。"]})
    wrong = [t.name for t in targets if t.group_id != group.id]
    if wrong:
        raise ValidationError({"targets": [f"“{'、'.join(wrong)}”不是本工作组的帮扶对象。"]})


@transaction.atomic
def visit_update(
    *,
    actor: User | None,
    visit: Visit,
    targets: Iterable[Target] | None = None,
    participants: Iterable[Person] | None = None,
    accompanying_leaders: Iterable[Person] | None = None,
    **fields: Any,
) -> Visit:
    """Correct a visit; the people and targets given replace the old ones (its targets stay the group's)."""
    visit = locked(visit, **fields)
    people = {"participants": participants, "accompanying_leaders": accompanying_leaders}
    _check_visit_targets(visit.group, visit.targets.all() if targets is None else targets)
    for name in ("date", "end_date"):
        if name in fields:
            check_date(visit.group.campaign, getattr(visit, name), name)
    _check_part_of(visit)
    if visit.parts.exists() and visit.occasions < 2 and visit.end_date is None:
        raise ValidationError({"occasions": ["已有走访计入这条汇总,次数须大于1或填写截止日期。"]})
    changed = [*fields, *(name for name, v in {"targets": targets, **people}.items() if v is not None)]
    visit = saved(
        actor,
        visit,
        AuditAction.VISIT_UPDATE,
        f"修改走访记录 {visit}",
        exclude=["created_by"],
        fields=changed,
    )
    if targets is not None:
        visit.targets.set(targets)
    for name, value in people.items():
        if value is not None:
            getattr(visit, name).set(value)
    return visit


def visit_ensure(
    *,
    actor: User | None,
    group: WorkGroup,
    targets: Sequence[Target],
    date: date,
    mode: str,
    purpose: str = "",
    **fields: Any,
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
    actor: User | None,
    target: Target,
    name: str,
    goal: str = "",
    summary: str = "",
    owner: Person | None = None,
    made_on: date | None = None,
    steps: Sequence[dict[str, Any]] = (),
) -> SupportPlan:
    """A plan and its steps; ``name`` may be blank (shown as 帮扶方案)."""
    plan = SupportPlan(
        target=target, name=name.strip(), goal=goal, summary=summary, owner=owner, made_on=made_on
    )
    check_date(target.campaign, made_on, "made_on")
    validated(plan)
    plan.save()
    for i, spec in enumerate(steps, 1):
        step = PlanStep(plan=plan, order=i, **spec)
        check_date(target.campaign, step.done_on, "done_on")
        validated(step)
        step.save()
    audit(actor, AuditAction.PLAN_CREATE, plan, f"制定帮扶方案 {plan.display_name}({len(steps)}步)")
    return plan


@transaction.atomic
def plan_update(*, actor: User | None, plan: SupportPlan, **fields: Any) -> SupportPlan:
    plan = locked(plan, **fields)
    if "made_on" in fields:
        check_date(plan.target.campaign, plan.made_on, "made_on")
    return saved(
        actor, plan, AuditAction.PLAN_UPDATE, f"修改帮扶方案 {plan.display_name}", fields=list(fields)
    )


def plan_ensure(*, actor: User | None, target: Target, name: str, **fields: Any) -> SupportPlan:
    return SupportPlan.objects.filter(target=target, name=name).first() or plan_create(
        actor=actor, target=target, name=name, **fields
    )


@transaction.atomic
def plan_step_create(
    *, actor: User | None, plan: SupportPlan, title: str, order: int | None = None, **fields: Any
) -> PlanStep:
    """Add a step to a plan, last unless ``order`` says where."""
    if order is None:
        order = (plan.steps.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    step = PlanStep(plan=plan, title=title, order=order, **fields)
    check_date(plan.target.campaign, step.done_on, "done_on")
    return saved(actor, step, AuditAction.PLAN_STEP_CREATE, f"{plan.display_name} 增加步骤 {title}")


@transaction.atomic
def plan_step_update(
    *,
    actor: User | None,
    step: PlanStep,
    status: str | None = None,
    note: str = "",
    done_on: date | None = None,
    **fields: Any,
) -> PlanStep:
    """Move a step on (a status other than done clears its done date) or correct its title, owner, due …"""
    step = locked(step, **fields)
    before = step.status
    if status is not None:
        step.status = status
        step.done_on = done_on if status == "done" else None
    elif done_on is not None:
        step.done_on = done_on
    if note:
        step.note = note
    if done_on is not None or "done_on" in fields:
        check_date(step.plan.target.campaign, step.done_on, "done_on")
    return saved(
        actor,
        step,
        AuditAction.PLAN_STEP_UPDATE,
        f"{step.title}: {before}→{step.status}",
        fields=list(fields),
    )


@transaction.atomic
def outcome_record(
    *,
    actor: User | None,
    target: Target,
    indicator: Indicator,
    value: str | Decimal | None,
    date: date,
    note: str = "",
    plan: SupportPlan | None = None,
    problem: models.Model | None = None,
    beneficiaries: Iterable[Target] = (),
    split: bool = False,
) -> Outcome:
    """Record an outcome as typed (“2万斤”, “10-20万元”, “约40万元/天”, “由9000元增至3万余元”, “50万元已到位”)
    in the indicator's unit, keeping its qualifier, range, period, starting value and status.
    ``problem`` is the problems.Problem it came from; that app sits above this one, so it is taken by id and
    must belong to the same target. ``beneficiaries`` are further targets it serves: ``split`` divides the value
    among them on their pages, otherwise each shows it in full; totals count it once either way. An outcome
    without a figure is recorded from words alone (``value`` 订单已到账, or no value and a ``note``)."""
    outcome = Outcome(
        target=target,
        indicator=indicator,
        date=date,
        note=note,
        plan=plan,
        split=split,
        problem_id=problem.pk if problem is not None else None,
    )
    if problem is not None and getattr(problem, "target_id", target.pk) != target.pk:
        raise ValidationError({"problem": ["该问题不属于此帮扶对象。"]})
    others = [t for t in beneficiaries if t.pk != target.pk]
    if any(t.campaign_id != target.campaign_id for t in others):
        raise ValidationError({"beneficiaries": ["受益对象须属于同一行动。"]})
    _set_outcome_value(outcome, value)
    check_date(target.campaign, date, "date")
    outcome = saved(
        actor,
        outcome,
        AuditAction.OUTCOME_RECORD,
        f"{target.name} {indicator.name} {outcome.display_value or outcome.note}",
    )
    if others:
        outcome.beneficiaries.set(others)
    return outcome


def _set_outcome_value(outcome: Outcome, value: str | Decimal | None) -> None:
    """The figure as typed, converted to the indicator's unit, its qualifier (约/余/多) and text kept. Words
    with no digit that read as no figure (第一批订单已经到账、陆续发货; at least ``WORDS_MIN`` characters), or
    nothing beside a ``note``, record an outcome without a figure; a text with digits that cannot be read is
    refused (a figure mistyped), and so is a word or two (很多)."""
    if outcome.indicator.campaign_id != outcome.target.campaign_id:
        raise ValidationError({"indicator": ["该指标不属于帮扶对象所在行动。"]})
    as_typed = "" if value is None else str(value).strip()
    if len(as_typed) > OUTCOME_TEXT_MAX:
        raise ValidationError({"value": [f"成效最多{OUTCOME_TEXT_MAX}个字。"]})
    try:
        q = parse_quantity(as_typed, default_unit=outcome.indicator.unit).in_unit(outcome.indicator.unit)
    except ValidationError as exc:
        if not as_typed and outcome.note.strip():
            pass  # the note says it all
        elif DIGIT.search(as_typed) or len(as_typed) < WORDS_MIN:
            hint = [] if DIGIT.search(as_typed) or not as_typed else [WORDS_HINT]
            raise ValidationError({"value": [*exc.messages, *hint]}) from None
        outcome.value, outcome.qualifier, outcome.value_high = None, "", None
        outcome.value_before, outcome.qualifier_before, outcome.per, outcome.status = None, "", "", ""
        outcome.as_typed = as_typed
        return
    outcome.value, outcome.qualifier, outcome.value_high = q.value, q.qualifier, q.value_high
    outcome.value_before, outcome.qualifier_before = q.value_before, q.qualifier_before
    outcome.per, outcome.status = q.per, q.status
    outcome.as_typed = as_typed if as_typed != f"{q.value}" else ""


@transaction.atomic
def outcome_update(
    *, actor: User | None, outcome: Outcome, value: str | Decimal | None = None, **fields: Any
) -> Outcome:
    """Correct an outcome; a new value (or indicator) is read again as typed."""
    outcome = locked(outcome, **fields)
    if value is not None or "indicator" in fields or "target" in fields:
        _set_outcome_value(outcome, (outcome.as_typed or outcome.value) if value is None else value)
    if "date" in fields:
        check_date(outcome.target.campaign, outcome.date, "date")
    changed = [*fields, *(["value"] if value is not None else [])]
    return saved(actor, outcome, AuditAction.OUTCOME_UPDATE, f"修改成效 {outcome}", fields=changed)


def outcome_ensure(
    *, actor: User | None, target: Target, indicator: Indicator, value: str, date: date, **fields: Any
) -> Outcome:
    return Outcome.objects.filter(
        target=target, indicator=indicator, as_typed=value
    ).first() or outcome_record(
        actor=actor, target=target, indicator=indicator, value=value, date=date, **fields
    )


@transaction.atomic
def feedback_record(
    *,
    actor: User | None,
    target: Target,
    group: WorkGroup,
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
    check_date(target.campaign, date, "date")
    return saved(actor, feedback, AuditAction.FEEDBACK_RECORD, f"{speaker_name} 的评价")


@transaction.atomic
def feedback_update(*, actor: User | None, feedback: Feedback, **fields: Any) -> Feedback:
    feedback = locked(feedback, **fields)
    if "date" in fields:
        check_date(feedback.target.campaign, feedback.date, "date")
    return saved(
        actor,
        feedback,
        AuditAction.FEEDBACK_UPDATE,
        f"修改 {feedback.speaker_name} 的评价",
        fields=list(fields),
    )


def feedback_ensure(
    *,
    actor: User | None,
    target: Target,
    group: WorkGroup,
    speaker_name: str,
    quote: str,
    date: date,
    **fields: Any,
) -> Feedback:
    return Feedback.objects.filter(
        target=target, speaker_name=speaker_name, quote=quote
    ).first() or feedback_record(
        actor=actor, target=target, group=group, speaker_name=speaker_name, quote=quote, date=date, **fields
    )


@transaction.atomic
def checklist_create(
    *,
    actor: User | None,
    group: WorkGroup,
    name: str,
    kind: str,
    created_on: date,
    target: Target | None = None,
    note: str = "",
    supervised: bool = False,
    problems: Iterable[models.Model] = (),  # problems.Problem (an app above this one): by id
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
    check_date(group.campaign, created_on, "created_on")
    validated(checklist)
    checklist.save()
    checklist.problems.set([p.pk for p in problems])
    for spec in items:
        item = ChecklistItem(checklist=checklist, **spec)
        validated(item)
        item.save()
    audit(actor, AuditAction.CHECKLIST_CREATE, checklist, f"形成清单 {name}")
    return checklist


@transaction.atomic
def checklist_update(
    *, actor: User | None, checklist: Checklist, problems: Iterable[models.Model] | None = None, **fields: Any
) -> Checklist:
    """Change a checklist; ``problems`` replaces the problems on it."""
    checklist = locked(checklist, **fields)
    if "created_on" in fields:
        check_date(checklist.group.campaign, checklist.created_on, "created_on")
    changed = [*fields, *(["problems"] if problems is not None else [])]
    checklist = saved(
        actor, checklist, AuditAction.CHECKLIST_UPDATE, f"修改清单 {checklist.name}", fields=changed
    )
    if problems is not None:
        checklist.problems.set([p.pk for p in problems])
    return checklist


def checklist_ensure(*, actor: User | None, group: WorkGroup, name: str, **fields: Any) -> Checklist:
    return Checklist.objects.filter(group=group, name=name).first() or checklist_create(
        actor=actor, group=group, name=name, **fields
    )


# ---- 帮扶措施 ----------------------------------------------------------------------------------------------------
# Audited under the visit kinds until the audit log has kinds of its own for measures (a core migration); the
# row's object type (fieldwork.measure) and its summary say what it was.
MEASURE_RECORD, MEASURE_UPDATE = AuditAction.MEASURE_RECORD, AuditAction.MEASURE_UPDATE


@transaction.atomic
def measure_record(
    *,
    actor: User | None,
    group: WorkGroup,
    type: MeasureType,
    date: date,
    times: int | None = 1,
    times_qualifier: str = "",
    units: int | None = None,
    people: int | None = None,
    note: str = "",
    target: Target | None = None,
    plan_step: PlanStep | None = None,
    problem: models.Model | None = None,
) -> Measure:
    """Record a measure the group took (召开协调会3次,协调5个部门) on the day it happened.

    Only whoever may write the group's case data records it (its leader and members, its unit, an office over
    it; ``actor=None`` is the system). ``problem`` is a problems.Problem (an app above this one): by id.
    ``times=None`` records an uncounted 多次 (义诊多次)."""
    _check_group_writer(actor, group)
    measure = Measure(
        group=group,
        type=type,
        date=date,
        times=times,
        times_qualifier="多" if times is None else times_qualifier,
        units=units,
        people=people,
        note=note,
        target=target,
        plan_step=plan_step,
        problem_id=problem.pk if problem is not None else None,
        created_by=recorded_actor(actor),
    )
    _check_measure(measure)
    return saved(
        actor,
        measure,
        MEASURE_RECORD,
        f"记录帮扶措施 {type.name}{measure.times_display}",
        exclude=["created_by"],
        kind="measure",
    )


@transaction.atomic
def measure_update(*, actor: User | None, measure: Measure, **fields: Any) -> Measure:
    """Correct a measure; it stays with its group."""
    _check_group_writer(actor, measure.group)
    fields.pop("group", None)
    measure = locked(measure, **fields)
    _check_measure(measure)
    return saved(
        actor,
        measure,
        MEASURE_UPDATE,
        f"修改帮扶措施 {measure}",
        exclude=["created_by"],
        fields=list(fields),
        kind="measure",
    )


def _check_group_writer(actor: User | None, group: WorkGroup) -> None:
    if actor is not None and not access.can_write(actor, group.pk):
        raise PermissionDenied("只读权限,不能修改")


def _check_measure(measure: Measure) -> None:
    """The type, target, plan step and problem all belong to the measure's group (and its campaign)."""
    group = measure.group
    errors: dict[str, list[str]] = {}
    if measure.type.campaign_id != group.campaign_id:
        errors["type"] = ["该措施类型不属于工作组所在行动。"]
    if measure.target is not None and measure.target.group_id != group.pk:
        errors["target"] = [f"“{measure.target.name}”不是本工作组的帮扶对象。"]
    if measure.plan_step is not None and measure.plan_step.plan.target.group_id != group.pk:
        errors["plan_step"] = ["该方案步骤不属于本工作组的帮扶方案。"]
    if measure.problem_id is not None and measure.problem.group_id != group.pk:  # type: ignore[attr-defined]
        errors["problem"] = ["该问题不属于本工作组。"]
    if errors:
        raise ValidationError(errors)
    check_date(group.campaign, measure.date, "date")


@dataclass(frozen=True)
class MeasureTotal:
    """One measure type's totals over a set of measures: what a briefing says of it."""

    type_id: int
    name: str
    unit: str
    units_label: str
    people_label: str
    entries: int
    times: int  # the counted times (entries of 多次 add none)
    units: int | None
    people: int | None
    uncounted: int = 0  # entries of 多次
    qualifier: str = ""  # 余 when a counted entry was vague (10余次)

    @property
    def times_text(self) -> str:
        """3次; 10余次; 多次 as soon as one entry was not counted (3次 and 多次 are 多次, never “3次”)."""
        if self.uncounted:
            return f"多{self.unit}"
        return f"{self.times}{self.qualifier}{self.unit}"

    @property
    def text(self) -> str:
        """召开协调会3次(协调部门5个,参加人数40人): the numbers the type asks for, when any were given."""
        extras = [
            f"{label}{n}{word}"
            for label, n, word in (
                (self.units_label, self.units, "个"),
                (self.people_label, self.people, "人"),
            )
            if label and n
        ]
        return f"{self.name}{self.times_text}" + (f"({','.join(extras)})" if extras else "")


def measure_totals(measures: "models.QuerySet[Measure]") -> list[MeasureTotal]:
    """Per measure type, in the campaign's order: entries, times, units and people summed in the database (each
    measure once, even when the query joins something). Units and people are None where no entry gave them."""
    return [total for _, total in _measure_rows(measures)]


def measure_totals_by_target(measures: "models.QuerySet[Measure]") -> dict[int, list[MeasureTotal]]:
    """``measure_totals`` for each target, in one grouped query (measures on no target are left out)."""
    by_target: dict[int, list[MeasureTotal]] = defaultdict(list)
    for target_id, total in _measure_rows(measures.exclude(target=None), by="target_id"):
        by_target[target_id].append(total)
    return by_target


def _measure_rows(measures: "models.QuerySet[Measure]", by: str = "") -> list[tuple[Any, MeasureTotal]]:
    once = Measure.objects.filter(pk__in=measures.values("pk"))
    keys = [by] if by else []
    rows = (
        once.values(
            *keys,
            "type_id",
            "type__name",
            "type__unit",
            "type__units_label",
            "type__people_label",
            "type__order",
        )
        .annotate(
            entries=Count("id"),
            times_sum=Sum("times"),
            units_sum=Sum("units"),
            people_sum=Sum("people"),
            uncounted=Count("id", filter=Q(times__isnull=True)),
            vague=Count("id", filter=Q(times__isnull=False) & ~Q(times_qualifier="")),
        )
        .order_by(*keys, "type__order", "type__name")
    )
    return [
        (
            row[by] if by else None,
            MeasureTotal(
                type_id=row["type_id"],
                name=row["type__name"],
                unit=row["type__unit"],
                units_label=row["type__units_label"],
                people_label=row["type__people_label"],
                entries=row["entries"],
                times=row["times_sum"] or 0,
                units=row["units_sum"],
                people=row["people_sum"],
                uncounted=row["uncounted"],
                qualifier="余" if row["vague"] else "",
            ),
        )
        for row in rows
    ]
