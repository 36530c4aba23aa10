"""Reported beside itemised, for the dashboard, the ledgers and the briefing: “走访120家(其中37家有记录)”.

The office's own figures (活动办报送: the campaign-wide 13730名, a tier's 其中省派1000名) are a separate line of a
field's total (``office``, ``tiers``), never added to what the groups reported: the office counts groups Sijin
may not hold, and the groups it does hold would be counted twice. A reader sets one beside the other.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q

from sijin.campaigns.models import Campaign, GroupTier, WorkGroup
from sijin.core.quantities import format_quantity

from . import sources
from .models import TallyField, TallyForm, TallyStatus, TallyValue
from .periods import Period


@dataclass(frozen=True)
class FieldTotal:
    """One field of a form summed over groups and the reports of a period."""

    form: TallyForm
    field: TallyField
    reported: Decimal | None  # None: no group submitted a figure
    qualifier: str  # 余/多/约 when any figure summed was vague
    itemised: Decimal | None  # None: nothing itemised corresponds (the field has no source)
    reports: int  # submitted reports summed
    office: Decimal | None = None  # 报送(活动办): the office's campaign-wide figure, None when not reported
    office_qualifier: str = ""
    tiers: tuple[tuple[str, Decimal, str], ...] = ()  # (tier label, figure, qualifier): 省派 1000

    @property
    def office_phrase(self) -> str:
        """选派干部13730名(其中省派1000名、市派3000名); 其中省派1000名 alone; "" when the office reported nothing."""
        unit = self.field.unit
        parts = "、".join(f"{label}{format_quantity(v, unit, q)}" for label, v, q in self.tiers)
        if self.office is None:
            return f"{self.field.label}其中{parts}" if parts else ""
        text = f"{self.field.label}{format_quantity(self.office, unit, self.office_qualifier)}"
        return f"{text}(其中{parts})" if parts else text

    @property
    def phrase(self) -> str:
        """走访企业120家(其中37家有记录); 走访企业37家(据系统记录) when nothing was reported."""
        label, unit = self.field.label, self.field.unit
        if self.reported is None:
            if self.itemised is None:
                return f"{label}未报送"
            return f"{label}{format_quantity(self.itemised, unit)}(据系统记录)"
        text = f"{label}{format_quantity(self.reported, unit, self.qualifier)}"
        if self.itemised is None:
            return text
        if self.itemised == self.reported and not self.qualifier:
            return f"{text}(均有记录)"
        if self.itemised < self.reported:
            return f"{text}(其中{format_quantity(self.itemised, unit)}有记录)"
        return f"{text}(系统记录{format_quantity(self.itemised, unit)})"


def counted_in(start: date, end: date, prefix: str = "") -> Q:
    """The reports that count in the period [start, end]: those whose period lies within it (a month sums its
    weeks), and a 行动全程 report whose figures stand 截至 a day within it (``as_of``), whatever its period's end."""
    return Q(
        **{
            f"{prefix}as_of__isnull": True,
            f"{prefix}period_start__gte": start,
            f"{prefix}period_end__lte": end,
        }
    ) | Q(**{f"{prefix}as_of__range": (start, end)})


def reported_totals(
    campaign: Campaign,
    groups: Iterable[WorkGroup],
    period: Period | tuple[date, date],
    form: TallyForm | None = None,
) -> list[FieldTotal]:
    """Per field of the campaign's active forms (or of ``form``): the sum of the figures the ``groups`` reported
    (submitted reports that count in ``period``, ``counted_in``: a month sums its weeks, a 行动全程 report counts
    in a period holding its 截至 day) and the sum of what they
    itemised in ``period``. ``groups`` should come from the reader's scope (``WorkGroup.objects.visible_to``).
    Beside them, apart, what the office reported for the campaign and per tier (``office``, ``tiers``)."""
    start, end = (period.start, period.end) if isinstance(period, Period) else period
    ids = [g.pk for g in groups]
    forms = [form] if form is not None else list(TallyForm.objects.filter(campaign=campaign, active=True))
    registry = sources.registry(campaign)
    values = (
        TallyValue.objects.filter(
            report__form__in=forms,
            report__group_id__in=ids,
            report__status=TallyStatus.SUBMITTED,
        )
        .filter(counted_in(start, end, "report__"))
        .exclude(value=None)
        .values_list("field_id", "value", "qualifier", "report_id")
    )
    sums: dict[int, tuple[Decimal, str, set[int]]] = {}
    for field_id, value, qualifier, report_id in values:
        total, vague, reports = sums.get(field_id, (Decimal(0), "", set()))
        sums[field_id] = (total + (value or 0), vague or qualifier, reports | {report_id})
    office = _office_figures(forms, start, end)
    result = []
    for f in forms:
        for field in f.fields.all():
            source = registry.get(field.source)
            itemised = (
                sum(sources.counts(campaign, source, ids, start, end).values(), Decimal(0))
                if source
                else None
            )
            whole, whole_q = office.get((field.pk, ""), (None, ""))
            tiers = tuple(
                (str(label), *office[(field.pk, tier)])
                for tier, label in GroupTier.choices
                if (field.pk, tier) in office
            )
            if field.pk in sums:
                total, vague, reports = sums[field.pk]
                ours: tuple[Decimal | None, str, int] = (total, vague, len(reports))
            else:
                ours = (None, "", 0)
            result.append(
                FieldTotal(
                    f,
                    field,
                    ours[0],
                    ours[1],
                    itemised,
                    ours[2],
                    office=whole,
                    office_qualifier=whole_q,
                    tiers=tiers,
                )
            )
    return result


def office_totals(campaign: Campaign, period: Period | tuple[date, date]) -> list[FieldTotal]:
    """The fields of the campaign's active forms the office reported for ``period`` (campaign-wide or per tier),
    alone: no group's figure is summed beside them."""
    return [t for t in reported_totals(campaign, [], period) if t.office is not None or t.tiers]


def _office_figures(
    forms: list[TallyForm], start: date, end: date
) -> dict[tuple[int, str], tuple[Decimal, str]]:
    """The office's submitted figures of the period, by (field id, tier): "" is the campaign-wide one. Reports
    of shorter periods within it are summed (a month's weeks), as the groups' are."""
    rows = (
        TallyValue.objects.filter(
            report__form__in=forms,
            report__group__isnull=True,
            report__status=TallyStatus.SUBMITTED,
        )
        .filter(counted_in(start, end, "report__"))
        .exclude(value=None)
        .values_list("field_id", "report__tier", "value", "qualifier")
    )
    found: dict[tuple[int, str], tuple[Decimal, str]] = {}
    for field_id, tier, value, qualifier in rows:
        total, vague = found.get((field_id, tier), (Decimal(0), ""))
        found[(field_id, tier)] = (total + (value or 0), vague or qualifier)
    return found
