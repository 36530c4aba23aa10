"""Writes for campaigns, their configuration, work groups and targets.

``*_create`` functions add one row, ``*_update`` functions change the fields given, ``*_ensure`` functions are
idempotent (find by natural key, else create) so that loaders can run twice.
"""

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NotRequired, TypedDict

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone

from sijin.accounts.access import region_within_q
from sijin.accounts.models import User
from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.services import locked, saved
from sijin.core.validators import validate_credit_code
from sijin.directory.models import Organization, Person, Region

from .attributes import clean_attributes, validate_schema
from .models import (
    Campaign,
    Category,
    GroupDocument,
    Indicator,
    MeasureType,
    Membership,
    Target,
    TargetKind,
    WorkGroup,
)
from .naming import kind_noun, unnamed_name


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


@transaction.atomic
def measure_type_create(
    *,
    actor: User | None,
    campaign: Campaign,
    name: str,
    order: int = 0,
    unit: str = "次",
    units_label: str = "",
    people_label: str = "",
) -> MeasureType:
    measure_type = MeasureType(
        campaign=campaign,
        name=name.strip(),
        order=order,
        unit=unit.strip() or "次",
        units_label=units_label.strip(),
        people_label=people_label.strip(),
    )
    # Audited as a change of the campaign's configuration (a kind of its own would need a core migration).
    return saved(actor, measure_type, AuditAction.MEASURE_TYPE_CREATE, f"新增措施类型 {measure_type.name}")


def measure_type_ensure(*, actor: User | None, campaign: Campaign, name: str, **fields: Any) -> MeasureType:
    return MeasureType.objects.filter(campaign=campaign, name=name.strip()).first() or measure_type_create(
        actor=actor, campaign=campaign, name=name, **fields
    )


@transaction.atomic
def measure_type_update(*, actor: User | None, measure_type: MeasureType, **fields: Any) -> MeasureType:
    """Change a measure type; measures already recorded keep their numbers under the new labels."""
    measure_type = locked(measure_type, **fields)
    return saved(
        actor,
        measure_type,
        AuditAction.MEASURE_TYPE_UPDATE,
        f"修改措施类型 {measure_type.name}",
        fields=list(fields),
    )


@transaction.atomic
def measure_type_delete(*, actor: User | None, measure_type: MeasureType) -> None:
    """Remove a measure type no measure uses yet; a used one is refused (rename it instead)."""
    audit(actor, AuditAction.MEASURE_TYPE_DELETE, measure_type, f"删除措施类型 {measure_type.name}")
    try:
        with transaction.atomic():
            measure_type.delete()
    except ProtectedError:
        raise ValidationError(f"措施类型“{measure_type.name}”已被使用,不能删除;可改名或调整顺序。") from None


DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
DOCUMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".jpg", ".jpeg", ".png", ".txt")


def _check_document_file(file: UploadedFile | None) -> None:
    if not file:
        return
    name = (file.name or "").lower()
    if not name.endswith(DOCUMENT_SUFFIXES):
        raise ValidationError({"file": ["文件类型不支持,请上传 PDF、Word、WPS、Excel、图片或文本文件。"]})
    if (file.size or 0) > DOCUMENT_MAX_BYTES:
        raise ValidationError({"file": ["文件不能超过 20MB。"]})


@transaction.atomic
def group_document_add(
    *,
    actor: User | None,
    group: WorkGroup,
    title: str,
    kind: str = "plan",
    issued_on: date | None = None,
    file: UploadedFile | None = None,
    note: str = "",
) -> GroupDocument:
    """A group's document (工作方案, 管理办法 …), its file optional; the issue date lies in the campaign. The title
    may be blank (a report says only 拿出工作方案): the document is then shown by its kind."""
    _check_document_file(file)
    check_date(group.campaign, issued_on, "issued_on")
    document = GroupDocument(
        group=group, title=title.strip(), kind=kind, issued_on=issued_on, note=note.strip()
    )
    if file:
        document.file = file  # type: ignore[assignment]
    return saved(
        actor, document, AuditAction.GROUP_DOCUMENT_ADD, f"{group.name} 添加文件 {document.display_title}"
    )


@transaction.atomic
def group_document_delete(*, actor: User | None, document: GroupDocument) -> None:
    """Remove a document and its stored file (after the transaction commits, so a rollback keeps it)."""
    audit(
        actor,
        AuditAction.GROUP_DOCUMENT_DELETE,
        document,
        f"{document.group.name} 删除文件 {document.display_title}",
    )
    stored = document.file
    name = stored.name if stored else ""
    storage = stored.storage
    document.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


class MeasureTypeSpec(TypedDict):
    """A measure type as ``campaign_configure`` takes it (the fields of ``measure_type_create``)."""

    name: str
    unit: NotRequired[str]
    units_label: NotRequired[str]
    people_label: NotRequired[str]


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
    """A campaign's configuration: its kinds and indicators by code, its categories and measure types by
    name."""

    kinds: dict[str, TargetKind]
    categories: dict[str, Category]
    indicators: dict[str, Indicator]
    measure_types: dict[str, MeasureType] = dataclasses.field(default_factory=dict)


@transaction.atomic
def campaign_configure(
    *,
    actor: User | None,
    campaign: Campaign,
    kinds: Sequence[KindSpec] = (),
    categories: Sequence[str] = (),
    indicators: Sequence[IndicatorSpec] = (),
    measure_types: Sequence[MeasureTypeSpec | str] = (),
) -> Configuration:
    """Give a campaign its target kinds, problem categories (by name), indicators and measure types (a name, or
    a MeasureTypeSpec with its unit and labels), numbered in the order
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
        measure_types={
            spec["name"]: measure_type_ensure(actor=actor, campaign=campaign, order=i, **spec)
            for i, spec in enumerate(_measure_specs(measure_types), 1)
        },
    )


def _measure_specs(measure_types: Sequence[MeasureTypeSpec | str]) -> list[MeasureTypeSpec]:
    return [MeasureTypeSpec(name=m) if isinstance(m, str) else m for m in measure_types]


@transaction.atomic
def group_create(
    *,
    actor: User | None,
    campaign: Campaign,
    name: str,
    dispatching_org: Organization | None,
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
        targets.exclude(region_within_q("region", group.region.prefix)).values_list("name", flat=True)
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
    """A new target. A blank name (or 某企业, 某村 …) records it as unnamed: numbered in its group and kind
    (未具名企业 3), so that several coexist until their names are known."""
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
    if _is_placeholder(target.name, kind):
        _number_unnamed(target)
    _check_target(target, attributes or {})
    target.save()
    audit(actor, AuditAction.TARGET_CREATE, target, f"新增帮扶对象 {target.name}", unnamed=target.unnamed)
    return target


def _is_placeholder(name: str, kind: TargetKind) -> bool:
    """No name yet: blank, or 某 + the kind (某企业, 某村, 某乡村)."""
    return not name or name in {f"某{kind.name}", f"某{kind_noun(kind)}", "某对象"}


def _number_unnamed(target: Target) -> None:
    """Give an unnamed target the next number of its group and kind (the group's row is locked meanwhile, so
    two people adding at once get different numbers)."""
    if target.group_id:
        WorkGroup.objects.select_for_update().filter(pk=target.group_id).first()
    taken = Target.objects.filter(group_id=target.group_id, kind=target.kind, unnamed=True).exclude(
        pk=target.pk
    )
    seq = (taken.aggregate(m=Max("unnamed_seq"))["m"] or 0) + 1
    target.unnamed, target.unnamed_seq, target.name = True, seq, unnamed_name(target.kind, seq)


def undecided_kind_ensure(*, actor: User | None, campaign: Campaign) -> TargetKind:
    """The campaign's 待定 kind, for targets whose kind is not decided yet (made on first use)."""
    kind = TargetKind.objects.filter(campaign=campaign, undecided=True).first()
    if kind is not None:
        return kind
    kind = TargetKind(campaign=campaign, code="undecided", name="待定", order=99, undecided=True)
    return saved(actor, kind, AuditAction.TARGET_KIND_CREATE, "新增对象类型 待定")


BULK_MAX = 500


@transaction.atomic
def targets_bulk_add(
    *, actor: User | None, group: WorkGroup, kind: TargetKind, count: int | None = None, names: str = ""
) -> list[Target]:
    """Add targets to a group at once: ``count`` unnamed ones (新增12家未具名企业), or one per line of ``names``
    (at most 500 lines of 100 characters; repeated or existing names are refused). All or nothing."""
    if kind.campaign_id != group.campaign_id:
        raise ValidationError({"kind": ["对象类型不属于该工作组的行动。"]})
    if names.strip():
        rows = _bulk_names(group, kind, names)
    elif count is not None and 1 <= count <= BULK_MAX:
        rows = [""] * count
    else:
        raise ValidationError({"count": [f"请填写数量(1至{BULK_MAX})或粘贴名称(每行一个)。"]})
    # One row checked in full (every row shares its campaign, kind, region and group; names were checked by
    # _bulk_names in one query), then one insert: a full_clean per row cost 40 ms each (157 rows took 6–11 s).
    rows = ["" if _is_placeholder(name, kind) else name for name in rows]
    made = [
        Target(campaign=group.campaign, kind=kind, name=name, region=group.region, group=group)
        for name in rows
    ]
    unnamed = [t for t in made if not t.name]
    if unnamed:
        _number_unnamed(unnamed[0])  # locks the group's row: the numbers after it cannot be taken meanwhile
        for n, target in enumerate(unnamed[1:], (unnamed[0].unnamed_seq or 0) + 1):
            target.unnamed, target.unnamed_seq, target.name = True, n, unnamed_name(kind, n)
    _check_target(made[0], {})
    for target in made[1:]:
        target.attributes = made[0].attributes
    try:
        with transaction.atomic():
            made = Target.objects.bulk_create(made)
    except IntegrityError:  # a name taken between the check and the insert
        raise ValidationError({"names": ["名称与已有帮扶对象重复,请刷新后重试。"]}) from None
    # One audit row for the batch, naming every target by id: core.audit appends one row at a time under
    # the chain's lock (4 ms a row, 2 s for 500), and offers no batch append.
    audit(
        actor,
        AuditAction.TARGET_CREATE,
        group,
        f"批量新增帮扶对象{len(made)}个({kind.name}):{made[0].name}"
        + (f"至{made[-1].name}" if len(made) > 1 else ""),
        bulk=True,
        kind=kind.pk,
        targets={str(t.pk): t.name for t in made},
        unnamed=sum(t.unnamed for t in made),
    )
    return made


def _bulk_names(group: WorkGroup, kind: TargetKind, text: str) -> list[str]:
    lines = text.splitlines()
    if len(lines) > BULK_MAX:
        raise ValidationError({"names": [f"一次最多粘贴{BULK_MAX}行,当前{len(lines)}行。"]})
    errors: list[str] = []
    seen: dict[str, int] = {}
    names: list[str] = []
    for number, line in enumerate(lines, 1):
        name = line.strip()
        if not name:
            continue
        if len(name) > 100:
            errors.append(f"第{number}行超过100个字。")
        elif name in seen:
            errors.append(f"第{number}行“{name}”与第{seen[name]}行重复。")
        else:
            seen[name] = number
            names.append(name)
    existing = Target.objects.filter(
        campaign=group.campaign_id, kind=kind, unnamed=False, name__in=names
    ).values_list("name", flat=True)
    errors.extend(
        f"第{seen[name]}行“{name}”已是本行动的{kind.name}。"
        for name in sorted(existing, key=lambda n: seen[n])
    )
    if errors:
        more = f"(另有{len(errors) - 20}处问题)" if len(errors) > 20 else ""
        raise ValidationError({"names": [*errors[:20], *([more] if more else [])]})
    if not names:
        raise ValidationError({"names": ["请粘贴名称,每行一个。"]})
    return names


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
    was = (target.name, target.kind_id, target.group_id)
    for key, value in fields.items():
        setattr(target, key, value)
    _rename(target, was)
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


def _rename(target: Target, was: tuple[str, int, int | None]) -> None:
    """A real name given to an unnamed target ends its numbering; a blank one (or 某企业) makes it unnamed; an
    unnamed target moved to another kind or group takes the next number there."""
    name, kind_id, group_id = was
    target.name = (target.name or "").strip()
    if _is_placeholder(target.name, target.kind) or (target.unnamed and target.name == name):
        if not target.unnamed or (target.kind_id, target.group_id) != (kind_id, group_id):
            _number_unnamed(target)
    elif target.unnamed:
        target.unnamed, target.unnamed_seq = False, None


def typed_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """Attribute values as people type them: a stored quantity ({"value", "as_typed", …}) back to “1.8亿元”."""
    return {
        k: (v.get("as_typed") or v.get("value")) if isinstance(v, dict) else v for k, v in attributes.items()
    }
