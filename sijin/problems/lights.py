"""Deadline lights: ``green`` on track (or solved by the deadline), ``yellow`` when at most
``campaign.yellow_days`` working days are left (the deadline day itself counts as 0 left), ``red`` when overdue,
``closed_late`` when solved after the deadline, ``none`` without a deadline or when nothing runs (长期推进, 撤销,
合并, 未交办).

For lists the lights are plain date comparisons: the first day that is no longer yellow is
``add_workdays(today, yellow_days + 1)``, computed once per distinct ``yellow_days`` (so once per campaign at
most), never per row — the ledger can filter a million rows by light on the (status, deadline) index.

Importers use them through problems.supervision, as before the module was split.
"""

import operator
from datetime import date
from functools import cached_property, reduce

from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.utils import timezone

from sijin.campaigns.models import Campaign
from sijin.core.workdays import add_workdays

from .models import RUNNING_STATUSES, SOLVED_STATUSES, Light, Problem


def yellow_until(today: date, yellow_days: int) -> date:
    """The first deadline that is still green today: deadlines in [today, this) are yellow."""
    return add_workdays(today, yellow_days + 1)


def _thresholds(today: date) -> dict[int, tuple[date, list[int]]]:
    """For each distinct yellow_days: (the first green deadline, the campaigns using it). One clock per value."""
    groups: dict[int, list[int]] = {}
    for pk, days in Campaign.objects.values_list("id", "yellow_days"):
        groups.setdefault(days, []).append(pk)
    return {days: (yellow_until(today, days), ids) for days, ids in groups.items()}


def _before_green(thresholds: dict[int, tuple[date, list[int]]]) -> Q:
    """Due before the first green deadline of its campaign (``_thresholds``)."""
    before_green = Q(pk__in=[])
    for until, ids in thresholds.values():
        before_green |= Q(campaign_id__in=ids, deadline__lt=until)
    return before_green


def _conditions(today: date, thresholds: dict[int, tuple[date, list[int]]] | None = None) -> dict[Light, Q]:
    running = Q(status__in=RUNNING_STATUSES, deadline__isnull=False)
    before_green = _before_green(_thresholds(today) if thresholds is None else thresholds)
    solved = Q(status__in=SOLVED_STATUSES, deadline__isnull=False, resolved_on__isnull=False)
    return {
        Light.RED: running & Q(deadline__lt=today),
        Light.YELLOW: running & Q(deadline__gte=today) & before_green,
        Light.CLOSED_LATE: solved & Q(resolved_on__gt=F("deadline")),
        Light.GREEN: (running & Q(deadline__gte=today) & ~before_green)
        | (solved & Q(resolved_on__lte=F("deadline"))),
    }


def light_conditions(today: date | None = None) -> dict[Light, Q]:
    """Every light's filter condition at once (``none`` aside), for a page that needs several: the clock is
    read once (two queries) instead of once per ``light_q``."""
    return _conditions(today or timezone.localdate())


class LightClock:
    """The lights of one day, for a page that needs them in more than one shape: the campaigns' thresholds
    are read once, when first needed (two queries), for both ``conditions`` and ``chased``."""

    def __init__(self, today: date | None = None):
        self.today = today or timezone.localdate()

    @cached_property
    def thresholds(self) -> dict[int, tuple[date, list[int]]]:
        return _thresholds(self.today)

    def conditions(self) -> dict[Light, Q]:
        """``light_conditions``."""
        return _conditions(self.today, self.thresholds)

    def chased(self) -> Q:
        """Yellow or red — the two conditions of ``conditions`` joined — as one simpler condition: running and
        due before its campaign's first green deadline (a deadline already past is before it too). The
        running problems' index by unit and deadline (problem_run_org_deadline_idx) then bounds the deadline,
        and PostgreSQL plans it in half the time (the 督办 page plans it once for each of its ten units)."""
        return Q(status__in=RUNNING_STATUSES) & _before_green(self.thresholds)


def light_q(light: str, today: date | None = None) -> Q:
    """A filter condition for one light (``none`` = none of the others)."""
    conditions = _conditions(today or timezone.localdate())
    if light == Light.NONE:
        return ~reduce(operator.or_, conditions.values())
    if light not in Light.values:
        raise ValueError(f"unknown light {light!r}")
    return conditions[Light(light)]


def filter_light(problems: QuerySet[Problem], light: str, today: date | None = None) -> QuerySet[Problem]:
    return problems.filter(light_q(light, today))


def annotate_light(
    problems: QuerySet[Problem], today: date | None = None, lights: dict[Light, Q] | None = None
) -> QuerySet[Problem]:
    """Add ``light`` to each row, computed by the database (for ``{% include "includes/light.html" %}``);
    ``lights``: the page's ``light_conditions`` when it has them already."""
    conditions = lights or _conditions(today or timezone.localdate())
    whens = [When(condition, then=Value(light.value)) for light, condition in conditions.items()]
    return problems.annotate(light=Case(*whens, default=Value(Light.NONE.value), output_field=CharField()))


def problem_light(problem: Problem, today: date | None = None) -> str:
    """The light of one problem (for a detail page); the same rules as ``light_q``."""
    today = today or timezone.localdate()
    if problem.deadline is None:
        return Light.NONE
    if problem.status in SOLVED_STATUSES and problem.resolved_on:
        return Light.CLOSED_LATE if problem.resolved_on > problem.deadline else Light.GREEN
    if problem.status not in RUNNING_STATUSES:
        return Light.NONE
    if problem.deadline < today:
        return Light.RED
    if problem.deadline < yellow_until(today, problem.campaign.yellow_days):
        return Light.YELLOW
    return Light.GREEN
