"""定期报送 pages: the index, a group's report (fill and submit), the office's table and its .xlsx, 退回."""

import io
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sijin.accounts import access
from sijin.accounts.http import AuthenticatedRequest
from sijin.campaigns.models import Campaign, GroupTier, WorkGroup
from sijin.core.audit import audit_read
from sijin.core.dates import parse_date
from sijin.core.models import AuditAction
from sijin.core.once import FormTokenSpent, form_token, form_token_fresh, form_token_spend
from sijin.core.quantities import format_quantity
from sijin.core.services import error_text

from . import services, sources
from .forms import TallyFormDefineForm
from .models import TallyForm, TallyReport, TallyStatus
from .periods import Period, PeriodKind, period_of
from .tables import tally_table, tally_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPENT = "该表单已提交,请勿重复提交。"


def _form(request: AuthenticatedRequest, form_id: int) -> TallyForm:
    return get_object_or_404(
        TallyForm.objects.visible_to(request.user).select_related("campaign"), pk=form_id
    )


def _period(request: AuthenticatedRequest, form: TallyForm) -> Period:
    """The period holding ``?period=`` (any day of it), else today's (the campaign's last, once it ended)."""
    campaign = form.campaign
    today = timezone.localdate()
    raw = request.GET.get("period", "")
    try:
        day = parse_date(raw) if raw else min(today, campaign.end or today)
    except ValidationError:
        raise Http404("周期不正确") from None
    if not date(campaign.start.year, 1, 1) <= day <= today:
        raise Http404("周期不在行动期间")
    return period_of(form.period_kind, campaign, day)


def _nav(request: AuthenticatedRequest, form: TallyForm, period: Period) -> dict:
    today = timezone.localdate()
    prev, following = period.previous(form.campaign), period.following(form.campaign, today)
    tier = request.GET.get("tier", "")
    keep = f"&tier={tier}" if tier in GroupTier.values else ""
    return {
        "prev_url": f"{request.path}?period={prev.start:%Y-%m-%d}{keep}" if prev else "",
        "next_url": f"{request.path}?period={following.start:%Y-%m-%d}{keep}" if following else "",
    }


@login_required
def tally_index(request: AuthenticatedRequest) -> HttpResponse:
    """The forms the user sees; beside each, the groups the user reports for (or, from a group's page, that
    group, whose report an office or unit may read)."""
    forms = TallyForm.objects.visible_to(request.user).select_related("campaign").prefetch_related("fields")
    mine = WorkGroup.objects.filter(pk__in=access.group_ids(request.user)).order_by("name")
    if raw := request.GET.get("group"):
        if not raw.isdigit() or len(raw) > 18:
            raise Http404("不存在或无权查看")
        group = access.get_group_for(request.user, raw)
        forms, mine = forms.filter(campaign_id=group.campaign_id), WorkGroup.objects.filter(pk=group.pk)
    campaigns = Campaign.objects.filter(groups__in=WorkGroup.objects.visible_to(request.user)).distinct()
    rows = [(f, [g for g in mine if g.campaign_id == f.campaign_id]) for f in forms if f.active]
    offices = {c.pk for c in campaigns if services.may_define(request.user, c)}
    return render(
        request,
        "tallies/index.html",
        {
            "rows": rows,
            "offices": offices,
            "inactive": [f for f in forms if not f.active],
            "may_define": any(services.may_define(request.user, c) for c in campaigns),
        },
    )


@login_required
def tally_fill(request: AuthenticatedRequest, form_id: int, group_id: int) -> HttpResponse:
    """A group's report for one period: its figures as typed, each beside what the group itemised."""
    group = access.get_group_for(request.user, group_id)
    form = _form(request, form_id)
    if form.campaign_id != group.campaign_id:
        raise Http404("不存在或无权查看")
    return _fill_page(request, form, group, "")


@login_required
def tally_office_fill(request: AuthenticatedRequest, form_id: int) -> HttpResponse:
    """The office's own report (报送(活动办)): the campaign-wide figures, or with ``?tier=`` one tier's sub-total;
    written by the office over the campaign, read by whoever sees the form."""
    form = _form(request, form_id)
    tier = request.GET.get("tier", "")
    if tier and tier not in GroupTier.values:
        raise Http404("派驻层级不正确")
    return _fill_page(request, form, None, tier)


def _fill_page(
    request: AuthenticatedRequest, form: TallyForm, group: WorkGroup | None, tier: str
) -> HttpResponse:
    period = _period(request, form)
    here = f"{request.path}?period={period.start:%Y-%m-%d}" + (f"&tier={tier}" if tier else "")
    found = TallyReport.objects.filter(form=form, group=group, tier=tier, period_start=period.start)
    report = found.first()
    office = group is None
    if group is None:
        may_write = services.may_define(request.user, form.campaign)
    else:
        may_write = services.may_fill(request.user, group)
    writable = may_write and form.active
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not writable:
            raise PermissionDenied(
                _("只有本行动所在区划的活动办可以填报。")
                if office
                else _("只有本工作组的组长和组员可以填报。")
            )
        if not form_token_fresh(request):
            messages.warning(request, _(SPENT))
            return redirect(here)
        typed = {f.code: request.POST.get(f"v_{f.code}", "") for f in form.fields.all()}
        try:
            with form_token_spend(request):
                as_of = _as_of(request, form) if "submit" in request.POST else None
                if group is None:
                    report = services.tally_office_report_open(
                        actor=request.user, form=form, day=period.start, tier=tier
                    )
                else:
                    report = services.tally_report_open(
                        actor=request.user, form=form, group=group, day=period.start
                    )
                services.tally_value_set(actor=request.user, report=report, values=typed)
                if "submit" in request.POST:
                    services.tally_report_submit(actor=request.user, report=report, as_of=as_of)
        except FormTokenSpent:
            messages.warning(request, _(SPENT))
            return redirect(here)
        except ValidationError as exc:
            report = found.first()
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            messages.error(request, _("未保存:") + error_text(exc))
        else:
            done = _("已报送。") if "submit" in request.POST else _("已保存,尚未报送。")
            messages.success(request, done)
            return redirect(here)
    values = {v.field_id: v for v in report.values.all()} if report else {}
    itemised = _itemised(request, form, group, tier, period)
    registry = sources.registry(form.campaign)
    lines = []
    for field in form.fields.all():
        value = values.get(field.pk)
        if request.method == "POST":
            shown = request.POST.get(f"v_{field.code}", "")
        elif value is not None and value.value is not None:  # as typed, or the pre-filled number
            shown = value.as_typed or sources.format_number(value.value) + value.qualifier
        elif not office:  # not opened yet: what opening it would pre-fill
            shown = sources.format_number(itemised[field.pk]) if itemised[field.pk] is not None else ""
        else:  # the office's figures are never pre-filled
            shown = ""
        source = registry.get(field.source)
        lines.append(
            {
                "field": field,
                "shown": shown,
                "itemised": (
                    ""
                    if itemised[field.pk] is None
                    else format_quantity(itemised[field.pk], field.unit or "项")
                ),
                "source": source.label if source else "",
                "errors": errors.get(field.code, []),
            }
        )
    frozen = report is not None and report.status == TallyStatus.SUBMITTED
    if group is None:
        may_reopen = frozen and services.may_define(request.user, form.campaign)
    else:
        may_reopen = frozen and services.may_reopen(request.user, group)
    return render(
        request,
        "tallies/fill.html",
        {
            "form": form,
            "group": group,
            "tier": tier,
            "tiers": GroupTier.choices if office else [],
            "reporter": group.name if group else TallyReport(group=None, tier=tier).reporter,
            "period": period,
            "report": report,
            "lines": lines,
            "frozen": frozen,
            "writable": writable and not frozen,
            "may_reopen": may_reopen,
            "general_errors": errors.get("__all__", []),
            "as_of_field": form.period_kind == PeriodKind.CAMPAIGN,
            "as_of_shown": request.POST.get("as_of", "")[:20] if request.method == "POST" else "",
            "as_of_errors": errors.get("as_of", []),
            "as_of_max": min(timezone.localdate(), form.campaign.end or timezone.localdate()),
            "form_token": form_token(request),
            **_nav(request, form, period),
        },
        status=400 if errors else 200,
    )


def _as_of(request: AuthenticatedRequest, form: TallyForm) -> date | None:
    """The 截至日期 typed on a 行动全程 report (empty: today); other forms have none."""
    raw = request.POST.get("as_of", "").strip()[:20]
    if form.period_kind != PeriodKind.CAMPAIGN or not raw:
        return None
    try:
        return parse_date(raw)
    except ValidationError:
        raise ValidationError({"as_of": [_("截至日期格式不正确,应如2024-03-20。")]}) from None


def _itemised(
    request: AuthenticatedRequest, form: TallyForm, group: WorkGroup | None, tier: str, period: Period
) -> dict:
    """What is itemised beside each figure: the group's; for the office, that of the groups of the campaign
    (and tier) in the reader's scope — a reference, never a pre-fill."""
    if group is not None:
        return services.itemised_for(form, group, period)
    groups = WorkGroup.objects.visible_to(request.user).filter(campaign_id=form.campaign_id)
    if tier:
        groups = groups.filter(tier=tier)
    ids = list(groups.values_list("pk", flat=True))
    registry = sources.registry(form.campaign)
    found: dict = {}
    for field in form.fields.all():
        source = registry.get(field.source)
        found[field.pk] = (
            sum(sources.counts(form.campaign, source, ids, period.start, period.end).values(), Decimal(0))
            if source
            else None
        )
    return found


@login_required
def tally_table_view(request: AuthenticatedRequest, form_id: int) -> HttpResponse:
    """Every group in the reader's scope × every field, for one period."""
    form = _form(request, form_id)
    period = _period(request, form)
    table = tally_table(form, WorkGroup.objects.visible_to(request.user), period)
    return render(
        request,
        "tallies/table.html",
        {"form": form, "period": period, "table": table, **_nav(request, form, period)},
    )


@login_required
def tally_export(request: AuthenticatedRequest, form_id: int) -> HttpResponse:
    form = _form(request, form_id)
    period = _period(request, form)
    table = tally_table(form, WorkGroup.objects.visible_to(request.user), period)
    out = io.BytesIO()
    tally_xlsx(table, out)
    name = f"{form.name}-{period.start:%Y%m%d}.xlsx"
    audit_read(request, AuditAction.LEDGER_DOWNLOAD, form, f"下载报送汇总 {form.name} {period.label}")
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_POST
def tally_reopen(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(TallyReport.objects.visible_to(request.user).select_related("group"), pk=pk)
    try:
        services.tally_report_reopen(actor=request.user, report=report, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已退回工作组修改。"))
    if report.group_id is None:
        url = reverse("tallies:tally_office_fill", args=[report.form_id])
        tier = f"&tier={report.tier}" if report.tier else ""
        return redirect(f"{url}?period={report.period_start:%Y-%m-%d}{tier}")
    url = reverse("tallies:tally_fill", args=[report.form_id, report.group_id])
    return redirect(f"{url}?period={report.period_start:%Y-%m-%d}")


@login_required
def tally_form_define_view(request: AuthenticatedRequest) -> HttpResponse:
    """The office sets up a form: a name, a period, and one field per line (栏目,单位,对应明细)."""
    campaigns = [
        c
        for c in Campaign.objects.filter(groups__in=WorkGroup.objects.visible_to(request.user)).distinct()
        if services.may_define(request.user, c)
    ]
    if not campaigns:
        raise PermissionDenied(_("只有活动办可以制定报送表。"))
    form = TallyFormDefineForm(request.POST or None, campaigns=campaigns)
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            tally = services.tally_form_define(
                actor=request.user,
                campaign=data["campaign"],
                name=data["name"],
                period_kind=data["period_kind"],
                fields=data["columns"],
                active=data["active"],
            )
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("已保存报送表“%(name)s”。") % {"name": tally.name})
            return redirect("tallies:tally_table", tally.pk)
    registries = [(c, list(sources.registry(c).values())) for c in campaigns]
    return render(
        request,
        "tallies/define.html",
        {"form": form, "registries": registries},
        status=400 if form.errors else 200,
    )
