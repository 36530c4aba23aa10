"""Reported beside itemised, for the dashboard, the ledgers and the briefing: “走访120家(其中37家有记录)”."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sijin.campaigns.models import Campaign, WorkGroup
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


def reported_totals(
    campaign: Campaign,
    groups: Iterable[WorkGroup],
    period: Period | tuple[date, date],
    form: TallyForm | None = None,
) -> list[FieldTotal]:
    """Per field of the campaign's active forms (or of ``form``): the sum of the figures the ``groups`` reported
    (submitted reports whose period lies within ``period``: a month sums its weeks) and the sum of what they
    itemised in ``period``. ``groups`` should come from the reader's scope (``WorkGroup.objects.visible_to``)."""
    start, end = (period.start, period.end) if isinstance(period, Period) else period
    ids = [g.pk for g in groups]
    forms = [form] if form is not None else list(TallyForm.objects.filter(campaign=campaign, active=True))
    registry = sources.registry(campaign)
    values = (
        TallyValue.objects.filter(
            report__form__in=forms,
            report__group_id__in=ids,
            report__status=TallyStatus.SUBMITTED,
            report__period_start__gte=start,
            report__period_end__lte=end,
        )
        .exclude(value=None)
        .values_list("field_id", "value", "qualifier", "report_id")
    )
    sums: dict[int, tuple[Decimal, str, set[int]]] = {}
    for field_id, value, qualifier, report_id in values:
        total, vague, reports = sums.get(field_id, (Decimal(0), "", set()))
        sums[field_id] = (total + (value or 0), vague or qualifier, reports | {report_id})
    result = []
    for f in forms:
        for field in f.fields.all():
            source = registry.get(field.source)
            itemised = (
                sum(sources.counts(campaign, source, ids, start, end).values(), Decimal(0))
                if source
                else None
            )
            if field.pk in sums:
                total, vague, reports = sums[field.pk]
                result.append(FieldTotal(f, field, total, vague, itemised, len(reports)))
            else:
                result.append(FieldTotal(f, field, None, "", itemised, 0))
    return result
