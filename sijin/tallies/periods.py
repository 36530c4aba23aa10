"""报送周期: a week (Monday to Sunday), a calendar month, or the whole campaign.

A period is named by its first day; any day inside it finds it (``period_of``), so a link can carry any date.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.TextChoices):
    WEEK = "week", _("每周")
    MONTH = "month", _("每月")
    CAMPAIGN = "campaign", _("行动全程")


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == PeriodKind.WEEK:
            return f"{self.start:%Y-%m-%d}至{self.end:%m-%d}"
        return f"行动全程({self.start:%Y-%m-%d}至{self.end:%Y-%m-%d})"

    def previous(self, campaign) -> "Period | None":
        if self.kind == PeriodKind.CAMPAIGN or self.start <= campaign.start:
            return None
        return period_of(self.kind, campaign, self.start - timedelta(days=1))

    def following(self, campaign, today: date) -> "Period | None":
        if self.kind == PeriodKind.CAMPAIGN or self.end >= today:
            return None
        return period_of(self.kind, campaign, self.end + timedelta(days=1))


def period_of(kind: str, campaign, day: date) -> Period:
    """The period of ``kind`` that holds ``day``; the campaign's period runs from its start to its end (or, while
    it runs on, to the end of this year)."""
    if kind == PeriodKind.WEEK:
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=6))
    if kind == PeriodKind.MONTH:
        last = calendar.monthrange(day.year, day.month)[1]
        return Period(kind, day.replace(day=1), day.replace(day=last))
    end = campaign.end or date(max(day.year, campaign.start.year), 12, 31)
    return Period(PeriodKind.CAMPAIGN, campaign.start, end)
