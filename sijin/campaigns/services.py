"""Writes for campaigns, their configuration, work groups and targets.

``*_create`` functions add one row, ``*_update`` functions change the fields given, ``*_ensure`` functions are
idempotent (find by natural key, else create) so that loaders can run twice.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NotRequired, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sijin.accounts.models import User
from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.services import locked, saved
from sijin.core.validators import validate_credit_code
from sijin.directory.models import Organization, Person, Region

from .attributes import clean_attributes, validate_schema
from .models import Campaign, Category, Indicator, Membership, Target, TargetKind, WorkGroup


@transaction.atomic
def campaign_create(
    *,
    actor: User | None,
    name: str,
    level: str,
    region: Region,
    start: date,
    end: date | None = None,
    deployment: str = "",
    description: str = "",
    **deadlines: int,
) -> Campaign:
    """A new campaign; ``deadlines`` (accept_days, solve_days …) default to the model's working-day rules."""
    campaign = Campaign(
        name=name,
        level=level,
        region=region,
        start=start,
        end=end,
        deployment=deployment,
        description=description,
        **deadlines,
    )
    return saved(actor, campaign, AuditAction.CAMPAIGN_CREATE, f"新建行动 {name}")


def campaign_ensure(*, actor: User | None, name: str, **fields: Any) -> Campaign:
    return Campaign.objects.filter(name=name).first() or campaign_create(actor=actor, name=name, **fields)


@transaction.atomic
def campaign_update(*, actor: User | None, campaign: Campaign, **fields: Any) -> Campaign:
    campaign = locked(campaign, **fields)
    return saved(
        actor, campaign, AuditAction.CAMPAIGN_UPDATE, f"修改行动 {campaign.name}", fields=list(fields)
    )


def check_date(campaign: Campaign, day: date | None, field: str) -> None:
    """Refuse a business date outside the campaign's years (Jan 1 of its start year to Dec 31 of its end year,
    or of this year while it runs on) or in the future: a typo such as 2052 or 2002 would skew every count."""
    if not isinstance(day, date):
        return  # empty, or left to the field's own check
    today = timezone.localdate()
    last_year = campaign.end.year if campaign.end else today.year
    if date(campaign.start.year, 1, 1) <= day <= min(date(last_year, 12, 31), today):
        return
    years = f"{campaign.start.year}年" + ("" if last_year == campaign.start.year else f"至{last_year}年")
    raise ValidationError({field: [f"日期应在行动期间({years})内,且不晚于今天。"]})


def _check_schema(schema: list[dict]) -> None:
    try:
        validate_schema(schema)
    except ValidationError as exc:
        raise ValidationError({"schema": exc.messages}) from None


@transaction.atomic
def target_kind_create(
    *,
    actor: User | None,
    campaign: Campaign,
    code: str,
    name: str,
    focus: str = "",
    slogan: str = "",
    order: int = 0,
    schema: list[dict] | None = None,
) -> TargetKind:
    schema = schema or []
    _check_schema(schema)
    kind = TargetKind(
        campaign=campaign, code=code, name=name, focus=focus, slogan=slogan, order=order, schema=schema
    )
    return saved(actor, kind, AuditAction.TARGET_KIND_CREATE, f"新增对象类型 {name}")


def target_kind_ensure(*, actor: User | None, campaign: Campaign, code: str, **fields: Any) -> TargetKind:
    return TargetKind.objects.filter(campaign=campaign, code=code).first() or target_kind_create(
        actor=actor, campaign=campaign, code=code, **fields
    )


@transaction.atomic
def target_kind_update(*, actor: User | None, kind: TargetKind, **fields: Any) -> TargetKind:
    """Change a kind; a new schema is checked, and the targets keep the values they have."""
    if "schema" in fields:
        _check_schema(fields["schema"])
    kind = locked(kind, **fields)
    return saved(
        actor, kind, AuditAction.TARGET_KIND_UPDATE, f"修改对象类型 {kind.name}", fields=list(fields)
    )


@transaction.atomic
def category_create(
    *, actor: User | None, campaign: Campaign, name: str, order: int = 0, solve_days: int | None = None
) -> Category:
    category = Category(campaign=campaign, name=name, order=order, solve_days=solve_days)
    return saved(actor, category, AuditAction.CATEGORY_CREATE, f"新增问题类别 {name}")


def category_ensure(*, actor: User | None, campaign: Campaign, name: str, **fields: Any) -> Category:
    return Category.objects.filter(campaign=campaign, name=name).first() or category_create(
        actor=actor, campaign=campaign, name=name, **fields
    )


@transaction.atomic
def category_update(*, actor: User | None, category: Category, **fields: Any) -> Category:
    category = locked(category, **fields)
    return saved(
        actor, category, AuditAction.CATEGORY_UPDATE, f"修改问题类别 {category.name}", fields=list(fields)
    )


@transaction.atomic
def indicator_create(
    *, actor: User | None, campaign: Campaign, code: str, name: str, unit: str, order: int = 0
) -> Indicator:
    indicator = Indicator(campaign=campaign, code=code, name=name, unit=unit, order=order)
    return saved(actor, indicator, AuditAction.INDICATOR_CREATE, f"新增成效指标 {name}")


def indicator_ensure(*, actor: User | None, campaign: Campaign, code: str, **fields: Any) -> Indicator:
    return Indicator.objects.filter(campaign=campaign, code=code).first() or indicator_create(
        actor=actor, campaign=campaign, code=code, **fields
    )


@transaction.atomic
def indicator_update(*, actor: User | None, indicator: Indicator, **fields: Any) -> Indicator:
    """Change an indicator. Outcomes keep their stored figures: a new unit does not convert them."""
    indicator = locked(indicator, **fields)
    return saved(
        actor, indicator, AuditAction.INDICATOR_UPDATE, f"修改成效指标 {indicator.name}", fields=list(fields)
    )


class KindSpec(TypedDict):
    """A target kind as ``campaign_configure`` takes it (the fields of ``target_kind_create``)."""

    code: str
    name: str
    focus: NotRequired[str]
    slogan: NotRequired[str]
    schema: NotRequired[list[dict]]


class IndicatorSpec(TypedDict):
    """An indicator as ``campaign_configure`` takes it (the fields of ``indicator_create``)."""

    code: str
    name: str
    unit: str


@dataclass(frozen=True)
class Configuration:
    """A campaign's configuration: its kinds and indicators by code, its categories by name."""

    kinds: dict[str, TargetKind]
    categories: dict[str, Category]
    indicators: dict[str, Indicator]


@transaction.atomic
def campaign_configure(
    *,
    actor: User | None,
    campaign: Campaign,
    kinds: Sequence[KindSpec] = (),
    categories: Sequence[str] = (),
    indicators: Sequence[IndicatorSpec] = (),
) -> Configuration:
    """Give a campaign its target kinds, problem categories (by name) and indicators, numbered in the order
    listed. Idempotent like the ``*_ensure`` services it calls, which audit what they create: what the campaign
    already has (by code, or by a category's name) is kept as it is."""
    return Configuration(
        kinds={
            spec["code"]: target_kind_ensure(actor=actor, campaign=campaign, order=i, **spec)
            for i, spec in enumerate(kinds, 1)
        },
        categories={
            name: category_ensure(actor=actor, campaign=campaign, name=name, order=i)
            for i, name in enumerate(categories, 1)
        },
        indicators={
            spec["code"]: indicator_ensure(actor=actor, campaign=campaign, order=i, **spec)
            for i, spec in enumerate(indicators, 1)
        },
    )


@transaction.atomic
def group_create(
    *,
    actor: User | None,
    campaign: Campaign,
    name: str,
    dispatching_org: Organization,
    region: Region,
    tier: str,
    start: date,
    end: date | None = None,
    approach: str = "",
) -> WorkGroup:
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
    return saved(actor, group, AuditAction.GROUP_CREATE, f"组建工作组 {name}")


def group_ensure(*, actor: User | None, campaign: Campaign, name: str, **fields: Any) -> WorkGroup:
    return WorkGroup.objects.filter(campaign=campaign, name=name).first() or group_create(
        actor=actor, campaign=campaign, name=name, **fields
    )


@transaction.atomic
def group_update(*, actor: User | None, group: WorkGroup, **fields: Any) -> WorkGroup:
    """Change a group. Its targets (and their problems' scope) must stay inside its campaign and region."""
    group = locked(group, **fields)
    targets = group.targets.all()
    errors: dict[str, list[str]] = {}
    if targets.exclude(campaign=group.campaign_id).exists():
        errors["campaign"] = ["工作组已有帮扶对象,不能改到其他行动。"]
    outside = list(
        targets.exclude(region__code__startswith=group.region.prefix).values_list("name", flat=True)
    )
    if outside:
        errors["region"] = [f"帮扶对象“{'、'.join(outside[:5])}”不在新的驻点区划内,请先调整这些对象。"]
    if errors:
        raise ValidationError(errors)
    return saved(actor, group, AuditAction.GROUP_UPDATE, f"修改工作组 {group.name}", fields=list(fields))


@transaction.atomic
def membership_create(
    *, actor: User | None, group: WorkGroup, person: Person, role: str = "member", duty: str = ""
) -> Membership:
    membership = Membership(group=group, person=person, role=role, duty=duty)
    return saved(actor, membership, AuditAction.MEMBERSHIP_CREATE, f"{person} 加入 {group}")


def membership_ensure(*, actor: User | None, group: WorkGroup, person: Person, **fields: Any) -> Membership:
    return Membership.objects.filter(group=group, person=person).first() or membership_create(
        actor=actor, group=group, person=person, **fields
    )


@transaction.atomic
def membership_update(*, actor: User | None, membership: Membership, **fields: Any) -> Membership:
    membership = locked(membership, **fields)
    return saved(
        actor,
        membership,
        AuditAction.MEMBERSHIP_UPDATE,
        f"{membership.person} 在 {membership.group}",
        fields=list(fields),
    )


@transaction.atomic
def membership_delete(*, actor: User | None, membership: Membership) -> None:
    """A person leaves a group; what they recorded stays (visits, problems name people, not memberships)."""
    audit(actor, AuditAction.MEMBERSHIP_DELETE, membership, f"{membership.person} 离开 {membership.group}")
    membership.delete()


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
    # A problem always belongs to a group (its scope); a target with problems may change group, not lose it.
    if target.pk and not target.group_id and target.problems.exists():
        errors.setdefault("group", []).append(
            "该帮扶对象已有问题,不能取消工作组;如需调整,请改派到其他工作组。"
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def target_create(
    *,
    actor: User | None,
    campaign: Campaign,
    kind: TargetKind,
    name: str,
    region: Region,
    group: WorkGroup | None = None,
    responsible: Person | None = None,
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
    audit(actor, AuditAction.TARGET_CREATE, target, f"新增帮扶对象 {target.name}")
    return target


def target_ensure(
    *, actor: User | None, campaign: Campaign, kind: TargetKind, name: str, **fields: Any
) -> Target:
    return Target.objects.filter(campaign=campaign, kind=kind, name=name).first() or target_create(
        actor=actor, campaign=campaign, kind=kind, name=name, **fields
    )


@transaction.atomic
def target_update(
    *, actor: User | None, target: Target, attributes: dict | None = None, **fields: Any
) -> Target:
    target = Target.objects.select_for_update().get(pk=target.pk)
    before = {k: str(getattr(target, k)) for k in fields}
    for key, value in fields.items():
        setattr(target, key, value)
    _check_target(target, typed_attributes(target.attributes if attributes is None else attributes))
    target.save()
    # Problems carry copies of the target's region and group for scoping; keep them in step. (A target with
    # problems always has a group: _check_target refuses to clear it.)
    moved = target.problems.exclude(region_id=target.region_id, group_id=target.group_id).update(
        region_id=target.region_id, group_id=target.group_id
    )
    audit(
        actor,
        AuditAction.TARGET_UPDATE,
        target,
        f"修改帮扶对象 {target.name}",
        before=before,
        problems_moved=moved,
    )
    return target


def typed_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """Attribute values as people type them: a stored quantity ({"value", "as_typed", …}) back to “1.8亿元”."""
    return {
        k: (v.get("as_typed") or v.get("value")) if isinstance(v, dict) else v for k, v in attributes.items()
    }
