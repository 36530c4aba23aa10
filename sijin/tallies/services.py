"""Writes for 定期报送: the office defines a form, a group opens, fills and submits its report, the office
returns a submitted one for correction. The office may also open, fill and submit its own report (no group)
with the campaign-wide figures, or one per tier. Each in one transaction, each audited."""

from datetime import date
from decimal import Decimal
from typing import TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from sijin.accounts import access
from sijin.accounts.models import User
from sijin.campaigns.models import Campaign, GroupTier, WorkGroup
from sijin.campaigns.services import check_date
from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.quantities import parse_quantity
from sijin.core.services import recorded_actor

from . import sources
from .models import LABEL_MAX, UNIT_MAX, TallyField, TallyForm, TallyReport, TallyStatus, TallyValue
from .periods import Period, PeriodKind, period_of

FIELDS_MAX = 40  # a form's columns: a 周报 of more is not filled in on a phone
TYPED_MAX = 50  # what may be typed into one figure (TallyValue.as_typed)
VALUE_MAX = 10**13  # DecimalField(18, 4) holds less than 10^14
REASON_MAX = 200


class FieldSpec(TypedDict, total=False):
    code: str
    label: str
    unit: str
    source: str


def may_define(actor: User | None, campaign: Campaign) -> bool:
    """The command line, the admin, or an office whose subtree holds the campaign's region."""
    return actor is None or access.can_brief_region(actor, campaign.region)


def may_fill(actor: User | None, group: WorkGroup) -> bool:
    """The command line, the admin, or the group's own leader and members."""
    return actor is None or access.is_admin(actor) or group.pk in access.group_ids(actor)


def may_reopen(actor: User | None, group: WorkGroup) -> bool:
    """The command line, the admin, or an office whose subtree holds the group's region."""
    return actor is None or access.can_brief_region(actor, group.region)


def may_write(actor: User | None, report: TallyReport) -> bool:
    """A group's report: its leader and members; the office's report: the office over the campaign."""
    if report.group is None:
        return may_define(actor, report.form.campaign)
    return may_fill(actor, report.group)


def _may_reopen_report(actor: User | None, report: TallyReport) -> bool:
    if report.group is None:
        return may_define(actor, report.form.campaign)
    return may_reopen(actor, report.group)


def _who(report: TallyReport) -> str:
    return report.reporter


@transaction.atomic
def tally_form_define(
    *,
    actor: User | None,
    campaign: Campaign,
    name: str,
    period_kind: str,
    fields: list[FieldSpec],
    active: bool = True,
) -> TallyForm:
    """Create the form ``name`` of the campaign, or redefine it: fields are matched by code (a new code is
    added, a known one changed, a missing one removed unless a group has reported it). A field with no source
    whose label names a 问题类别, 办理层级 or indicator (暂不具备条件) takes that source."""
    if not may_define(actor, campaign):
        raise PermissionDenied("只有本行动所在区划的活动办可以制定报送表。")
    name = (name or "").strip()
    errors: list[str] = []
    if not name:
        errors.append("请填写报表名称。")
    elif len(name) > LABEL_MAX:
        errors.append(f"报表名称不能超过{LABEL_MAX}字。")
    if period_kind not in PeriodKind.values:
        errors.append("报送周期应为每周、每月或行动全程。")
    if not fields:
        errors.append("请至少设置一个栏目。")
    elif len(fields) > FIELDS_MAX:
        errors.append(f"栏目不能超过{FIELDS_MAX}个。")
    registry = sources.registry(campaign)
    cleaned = [_field(spec, i, registry, errors) for i, spec in enumerate(fields[:FIELDS_MAX], 1)]
    codes = [c["code"] for c in cleaned]
    if len(set(codes)) != len(codes):
        errors.append("栏目代码不能重复。")
    if errors:
        raise ValidationError(errors)
    form, created = TallyForm.objects.select_for_update().get_or_create(
        campaign=campaign,
        name=name,
        defaults={"period_kind": period_kind, "active": active, "created_by": recorded_actor(actor)},
    )
    if not created and form.reports.exists() and form.period_kind != period_kind:
        raise ValidationError("已有工作组填报,不能更改报送周期。")
    form.period_kind, form.active = period_kind, active
    form.full_clean()
    form.save()
    known = {f.code: f for f in form.fields.all()}
    for order, spec in enumerate(cleaned, 1):
        field = known.pop(spec["code"], None) or TallyField(form=form, code=spec["code"])
        field.order, field.label, field.unit, field.source = (
            order,
            spec["label"],
            spec["unit"],
            spec["source"],
        )
        field.full_clean()
        field.save()
    for gone in known.values():
        if gone.values.exclude(value=None).exists():
            raise ValidationError(f"栏目“{gone.label}”已有工作组填报,不能删除。")
        gone.values.all().delete()  # empty figures only: a pre-fill nobody kept
        gone.delete()
    audit(
        actor,
        AuditAction.TALLY_FORM_DEFINE,
        form,
        f"{'制定' if created else '修改'}报送表 {form.name}({campaign.name})",
        fields=codes,
        period_kind=period_kind,
    )
    return form


def _field(spec: FieldSpec, n: int, registry: dict[str, sources.Source], errors: list[str]) -> dict[str, str]:
    label = str(spec.get("label") or "").strip()
    unit = str(spec.get("unit") or "").strip()
    code = str(spec.get("code") or f"f{n}").strip()
    source = str(spec.get("source") or "").strip()
    if not label:
        errors.append(f"第{n}个栏目请填写名称。")
    elif len(label) > LABEL_MAX:
        errors.append(f"栏目“{label[:10]}…”名称不能超过{LABEL_MAX}字。")
    if len(unit) > UNIT_MAX:
        errors.append(f"栏目“{label}”的单位不能超过{UNIT_MAX}字。")
    if not code.isascii() or not code.replace("_", "").replace("-", "").isalnum() or len(code) > 32:
        errors.append(f"栏目“{label}”的代码只能由不超过32个字母、数字、下划线组成。")
    if source and source not in registry:
        errors.append(f"栏目“{label}”对应的明细“{source[:20]}”不存在。")
    if not source:
        source = sources.match_source(registry, label)
    if source in registry and not unit:
        unit = registry[source].unit
    return {"label": label, "unit": unit, "code": code, "source": source}


def itemised_for(form: TallyForm, group: WorkGroup, period: Period) -> dict[int, Decimal | None]:
    """Each sourced field's itemised figure for the group and period, by field id (None: no source)."""
    registry = sources.registry(form.campaign)
    found: dict[int, Decimal | None] = {}
    for field in form.fields.all():
        source = registry.get(field.source)
        found[field.pk] = (
            sources.counts(form.campaign, source, [group], period.start, period.end)[group.pk]
            if source
            else None
        )
    return found


@transaction.atomic
def tally_report_open(*, actor: User | None, form: TallyForm, group: WorkGroup, day: date) -> TallyReport:
    """The group's report for the period holding ``day``: made the first time, each sourced figure pre-filled
    with what the group itemised in the period; found as it is after that (nothing is pre-filled again)."""
    if not may_fill(actor, group):
        raise PermissionDenied("只有本工作组的组长和组员可以填报。")
    if group.campaign_id != form.campaign_id:
        raise ValidationError("该工作组不属于此报送表的行动。")
    if not form.active:
        raise ValidationError("该报送表已停用。")
    check_date(form.campaign, day, "day")
    period = period_of(form.period_kind, form.campaign, day)
    report, created = TallyReport.objects.get_or_create(
        form=form,
        group=group,
        period_start=period.start,
        defaults={"period_end": period.end},
    )
    if not created:
        return report
    itemised = itemised_for(form, group, period)
    TallyValue.objects.bulk_create(
        TallyValue(report=report, field=field, value=itemised[field.pk], as_typed="")
        for field in form.fields.all()
    )
    audit(
        actor,
        AuditAction.TALLY_REPORT_OPEN,
        report,
        f"填报 {form.name} {group.name} {period.label}",
        period=period.label,
    )
    return report


@transaction.atomic
def tally_office_report_open(
    *, actor: User | None, form: TallyForm, day: date, tier: str = ""
) -> TallyReport:
    """The office's own report for the period holding ``day``: the campaign-wide figures (全省选派干部13730名),
    or with ``tier`` the sub-total of that tier's groups (省直1000名). Nothing is pre-filled: the office's
    figures count groups Sijin may not hold. Found as it is after the first time."""
    if not may_define(actor, form.campaign):
        raise PermissionDenied("只有本行动所在区划的活动办可以报送全行动数字。")
    if tier and tier not in GroupTier.values:
        raise ValidationError({"tier": ["派驻层级不正确。"]})
    if not form.active:
        raise ValidationError("该报送表已停用。")
    check_date(form.campaign, day, "day")
    period = period_of(form.period_kind, form.campaign, day)
    report, created = TallyReport.objects.get_or_create(
        form=form, group=None, tier=tier, period_start=period.start, defaults={"period_end": period.end}
    )
    if not created:
        return report
    TallyValue.objects.bulk_create(TallyValue(report=report, field=f, value=None) for f in form.fields.all())
    audit(
        actor,
        AuditAction.TALLY_REPORT_OPEN,
        report,
        f"填报 {form.name} {report.reporter} {period.label}",
        period=period.label,
        tier=tier,
    )
    return report


def _draft(report: TallyReport) -> TallyReport:
    report = (
        TallyReport.objects.select_for_update(of=("self",)).select_related("form", "group").get(pk=report.pk)
    )
    if report.status != TallyStatus.DRAFT:
        raise ValidationError("本期已报送,如需修改请联系活动办退回。")
    return report


@transaction.atomic
def tally_value_set(*, actor: User | None, report: TallyReport, values: dict[str, str]) -> TallyReport:
    """Set the figures as typed (“120”, “30余”, “3.5万”), by field code; an empty text clears one. Any figure
    that cannot be read refuses them all, each error under its field's code."""
    if not may_write(actor, report):
        raise PermissionDenied("只有本工作组的组长和组员可以填报。")
    report = _draft(report)
    fields = {f.code: f for f in report.form.fields.all()}
    rows = {v.field_id: v for v in report.values.all()}
    errors: dict[str, list[str]] = {}
    changed = []
    for code, typed in values.items():
        field = fields.get(code)
        if field is None:
            errors.setdefault("__all__", []).append(f"栏目“{code[:20]}”不存在。")
            continue
        text = str(typed or "").strip()
        row = rows.get(field.pk) or TallyValue(report=report, field=field)
        try:
            row.value, row.qualifier, row.as_typed = _read(text, field)
        except ValidationError as exc:
            errors[code] = exc.messages
            continue
        changed.append(row)
    if errors:
        raise ValidationError(errors)
    for row in changed:
        row.save()
    audit(
        actor,
        AuditAction.TALLY_VALUE_SET,
        report,
        f"修改报送 {report.form.name} {_who(report)} {report.period_start}",
        values={r.field.code: r.as_typed or _plain(r.value) for r in changed},
    )
    return report


def _plain(value) -> str:
    return "" if value is None else f"{value:f}"


def _read(text: str, field: TallyField):
    """(value, qualifier, as_typed) of what was typed, in the field's unit; a bare number is in that unit."""
    if not text:
        return None, "", ""
    if len(text) > TYPED_MAX:
        raise ValidationError(f"不能超过{TYPED_MAX}字。")
    quantity = parse_quantity(text, default_unit=field.unit)
    value = quantity.to_unit(field.unit) if field.unit else quantity.value
    if value >= VALUE_MAX:
        raise ValidationError("数值过大。")
    return value, quantity.qualifier, text


@transaction.atomic
def tally_report_submit(*, actor: User | None, report: TallyReport, as_of: date | None = None) -> TallyReport:
    """报送: every figure must be filled (0 where there is nothing to report); the report is then frozen.
    A 行动全程 report's figures stand 截至 ``as_of`` (by default today, or the period's end once it is past),
    a day within its period; a week's or a month's stand at the end of their period and take none."""
    if not may_write(actor, report):
        raise PermissionDenied("只有本工作组的组长和组员可以报送。")
    report = _draft(report)
    report.as_of = _as_of(report, as_of)
    filled = set(report.values.exclude(value=None).values_list("field_id", flat=True))
    missing = [f.label for f in report.form.fields.all() if f.pk not in filled]
    if missing:
        raise ValidationError(
            f"请先填写:{'、'.join(missing[:10])}{'等' if len(missing) > 10 else ''}(没有的填0)。"
        )
    report.status = TallyStatus.SUBMITTED
    report.submitted_by = recorded_actor(actor)
    report.submitted_at = timezone.now()
    report.save(update_fields=["status", "submitted_by", "submitted_at", "as_of", "period_end"])
    audit(
        actor,
        AuditAction.TALLY_REPORT_SUBMIT,
        report,
        f"报送 {report.form.name} {_who(report)} {report.period_start}",
    )
    return report


def _as_of(report: TallyReport, as_of: date | None) -> date | None:
    """The day a 行动全程 report's figures stand at: ``as_of``, else today (the campaign's end once it ended).
    While the campaign runs on, its period reaches the end of this year: the report's end follows the day."""
    campaign = report.form.campaign
    if report.form.period_kind != PeriodKind.CAMPAIGN:
        if as_of is not None:
            raise ValidationError({"as_of": ["只有行动全程的报表填写截至日期。"]})
        return None
    today = timezone.localdate()
    day = as_of or min(today, campaign.end or today)
    last = min(today, campaign.end or today)
    if not report.period_start <= day <= last:
        raise ValidationError(
            {"as_of": [f"截至日期应在{report.period_start:%Y-%m-%d}至{last:%Y-%m-%d}之间。"]}
        )
    report.period_end = max(report.period_end, period_of(PeriodKind.CAMPAIGN, campaign, day).end)
    return day


@transaction.atomic
def tally_report_reopen(*, actor: User | None, report: TallyReport, reason: str) -> TallyReport:
    """退回: the office returns a submitted report to the group for correction, saying why."""
    if not _may_reopen_report(actor, report):
        raise PermissionDenied("只有工作组所在区划的活动办可以退回报送。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请填写退回原因。"]})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [f"退回原因不能超过{REASON_MAX}字。"]})
    report = (
        TallyReport.objects.select_for_update(of=("self",)).select_related("form", "group").get(pk=report.pk)
    )
    if report.status != TallyStatus.SUBMITTED:
        raise ValidationError("本期尚未报送,无需退回。")
    report.status = TallyStatus.DRAFT
    report.save(update_fields=["status"])
    audit(
        actor,
        AuditAction.TALLY_REPORT_REOPEN,
        report,
        f"退回报送 {report.form.name} {_who(report)} {report.period_start}",
        reason=reason,
    )
    return report
