"""Writes for campaigns, their configuration, work groups and targets.

``*_ensure`` functions are idempotent (find by natural key, else create) so that loaders can run twice.
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from sijin.core.audit import audit
from sijin.core.services import saved
from sijin.core.validators import validate_credit_code

from .attributes import clean_attributes, validate_schema
from .models import Campaign, Category, Indicator, Membership, Target, TargetKind, WorkGroup


@transaction.atomic
def campaign_ensure(
    *,
    actor,
    name: str,
    level: str,
    region,
    start: date,
    end: date | None = None,
    deployment: str = "",
    description: str = "",
) -> Campaign:
    campaign = Campaign.objects.filter(name=name).first()
    if campaign:
        return campaign
    campaign = Campaign(
        name=name,
        level=level,
        region=region,
        start=start,
        end=end,
        deployment=deployment,
        description=description,
    )
    return saved(actor, campaign, "campaign_create", f"新建行动 {name}")


@transaction.atomic
def target_kind_ensure(
    *,
    actor,
    campaign: Campaign,
    code: str,
    name: str,
    focus: str = "",
    slogan: str = "",
    order: int = 0,
    schema: list[dict] | None = None,
) -> TargetKind:
    kind = TargetKind.objects.filter(campaign=campaign, code=code).first()
    if kind:
        return kind
    schema = schema or []
    try:
        validate_schema(schema)
    except ValidationError as exc:
        raise ValidationError({"schema": exc.messages}) from None
    kind = TargetKind(
        campaign=campaign, code=code, name=name, focus=focus, slogan=slogan, order=order, schema=schema
    )
    return saved(actor, kind, "target_kind_create", f"新增对象类型 {name}")


@transaction.atomic
def category_ensure(
    *, actor, campaign: Campaign, name: str, order: int = 0, solve_days: int | None = None
) -> Category:
    category = Category.objects.filter(campaign=campaign, name=name).first()
    if category:
        return category
    category = Category(campaign=campaign, name=name, order=order, solve_days=solve_days)
    return saved(actor, category, "category_create", f"新增问题类别 {name}")


@transaction.atomic
def indicator_ensure(
    *, actor, campaign: Campaign, code: str, name: str, unit: str, order: int = 0
) -> Indicator:
    indicator = Indicator.objects.filter(campaign=campaign, code=code).first()
    if indicator:
        return indicator
    indicator = Indicator(campaign=campaign, code=code, name=name, unit=unit, order=order)
    return saved(actor, indicator, "indicator_create", f"新增成效指标 {name}")


@transaction.atomic
def group_ensure(
    *,
    actor,
    campaign: Campaign,
    name: str,
    dispatching_org,
    region,
    tier: str,
    start: date,
    end: date | None = None,
    approach: str = "",
) -> WorkGroup:
    group = WorkGroup.objects.filter(campaign=campaign, name=name).first()
    if group:
        return group
    group = WorkGroup(
        campaign=campaign,
        name=name,
        dispatching_org=dispatching_org,
        region=region,
        tier=tier,
        start=start,
        end=end,
        approach=approach,
    )
    return saved(actor, group, "group_create", f"组建工作组 {name}")


@transaction.atomic
def membership_ensure(*, actor, group: WorkGroup, person, role: str = "member", duty: str = "") -> Membership:
    membership = Membership.objects.filter(group=group, person=person).first()
    if membership:
        return membership
    membership = Membership(group=group, person=person, role=role, duty=duty)
    return saved(actor, membership, "membership_create", f"{person} 加入 {group}")


def _check_target(target: Target, raw_attributes: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if target.credit_code:
        target.credit_code = target.credit_code.strip().upper()
        try:
            validate_credit_code(target.credit_code)
        except ValidationError as exc:
            errors["credit_code"] = exc.messages
    try:
        target.attributes = clean_attributes(target.kind.schema, raw_attributes)
    except ValidationError as exc:
        errors["attributes"] = [m for ms in exc.message_dict.values() for m in ms]
    try:
        target.full_clean(exclude=["attributes"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if target.group_id and target.group.campaign_id != target.campaign_id:
        errors.setdefault("group", []).append("工作组不属于该行动。")
    # Scope follows the target's region: a group may only serve targets inside its stationed region.
    if target.group_id and target.region_id and not target.region_id.startswith(target.group.region.prefix):
        errors.setdefault("region", []).append(
            f"所在区划须在工作组驻点“{target.group.region.full_name()}”范围内。"
        )
    if target.kind.campaign_id != target.campaign_id:
        errors.setdefault("kind", []).append("对象类型不属于该行动。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def target_create(
    *,
    actor,
    campaign: Campaign,
    kind: TargetKind,
    name: str,
    region,
    group: WorkGroup | None = None,
    responsible=None,
    address: str = "",
    credit_code: str = "",
    attributes: dict | None = None,
    contacts: str = "",
    profile: str = "",
) -> Target:
    target = Target(
        campaign=campaign,
        kind=kind,
        name=name.strip(),
        region=region,
        group=group,
        responsible=responsible,
        address=address,
        credit_code=credit_code,
        contacts=contacts,
        profile=profile,
    )
    _check_target(target, attributes or {})
    target.save()
    audit(actor, "target_create", target, f"新增帮扶对象 {target.name}")
    return target


def target_ensure(*, actor, campaign: Campaign, kind: TargetKind, name: str, **fields: Any) -> Target:
    return Target.objects.filter(campaign=campaign, kind=kind, name=name).first() or target_create(
        actor=actor, campaign=campaign, kind=kind, name=name, **fields
    )


@transaction.atomic
def target_update(*, actor, target: Target, attributes: dict | None = None, **fields: Any) -> Target:
    target = Target.objects.select_for_update().get(pk=target.pk)
    before = {k: str(getattr(target, k)) for k in fields}
    for key, value in fields.items():
        setattr(target, key, value)
    raw = (
        attributes
        if attributes is not None
        else {
            k: (v.get("as_typed") or v["value"]) if isinstance(v, dict) else v
            for k, v in target.attributes.items()
        }
    )
    _check_target(target, raw)
    target.save()
    # Problems carry copies of the target's region and group for scoping; keep them in step.
    moved = (
        target.problems.exclude(region_id=target.region_id, group_id=target.group_id).update(
            region_id=target.region_id, group_id=target.group_id
        )
        if target.group_id
        else 0
    )
    audit(actor, "target_update", target, f"修改帮扶对象 {target.name}", before=before, problems_moved=moved)
    return target
