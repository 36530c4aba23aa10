"""The itemised figures a reported one is set beside (系统已记录 N 项), and that pre-fill a group's report.

A fixed registry: each source counts one kind of record of a group in a period, by the day it *happened*
(a visit's date, a problem's 发现/办结/销号 date, an outcome's date), never by the day it was entered, so a
record entered late (补录) counts in the period it belongs to. Some sources take an argument from the
campaign's own setup: ``category:<id>`` (problems found in a 问题类别), ``level:<code>`` (by 办理层级),
``status:<code>`` (found in the period and now in that state), ``indicator:<code>`` (a 成效 sum).

Every source counts many groups in one query (``counts``), so the office's table of every group costs one
query per field; ``source_value`` is the one-group form.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet, Subquery, Sum

from sijin.campaigns.models import Campaign, WorkGroup
from sijin.core.quantities import clean_decimal
from sijin.fieldwork.models import Feedback, Outcome, PlanStep, StepStatus, Visit
from sijin.problems.models import SOLVED_STATUSES, VOID_STATUSES, Level, Problem, Status

Counter = Callable[[Campaign, list[int], date, date], dict[int, Decimal]]


@dataclass(frozen=True)
class Source:
    code: str
    label: str
    unit: str
    counter: Counter


def _grouped(qs: QuerySet, key: str, total) -> dict[int, Decimal]:
    rows = qs.order_by().values(key).annotate(n=total).values_list(key, "n")
    return {group_id: Decimal(n or 0) for group_id, n in rows}


def _problems(campaign: Campaign, ids: list[int], start: date, end: date) -> QuerySet:
    """Problems the groups found in the period (撤销 and 合并 ones are not problems found)."""
    return Problem.objects.filter(
        campaign=campaign, group_id__in=ids, reported_on__range=(start, end)
    ).exclude(status__in=VOID_STATUSES)


def _visits(campaign: Campaign, ids: list[int], start: date, end: date) -> dict[int, Decimal]:
    """Each entry's count once; a visit that is one of the times of an entry in the period adds nothing."""
    qs = Visit.objects.filter(group__campaign=campaign, group_id__in=ids, date__range=(start, end))
    counted = qs.exclude(part_of__in=Subquery(qs.values("pk")))
    return _grouped(counted, "group_id", Sum("occasions"))


def _targets_visited(campaign: Campaign, ids: list[int], start: date, end: date) -> dict[int, Decimal]:
    qs = Visit.objects.filter(group__campaign=campaign, group_id__in=ids, date__range=(start, end))
    return _grouped(qs, "group_id", Count("targets", distinct=True))


def _found(campaign: Campaign, ids: list[int], start: date, end: date) -> dict[int, Decimal]:
    return _grouped(_problems(campaign, ids, start, end), "group_id", Count("id"))


def _solved(campaign: Campaign, ids: list[int], start: date, end: date) -> dict[int, Decimal]:
    qs = Problem.objects.filter(
        campaign=campaign, group_id__in=ids, status__in=SOLVED_STATUSES, resolved_on__range=(start, end)
    )
    return _grouped(qs, "group_id", Count("id"))


def _closed(campaign: Campaign, ids: list[int], start: date, end: date) -> dict[int, Decimal]:
    qs = Problem.objects.filter(
        campaign=campaign, group_id__in=ids, status=Status.CLOSED, closed_on__range=(start, end)
    )
    return _grouped(qs, "group_id", Count("id"))


def _steps_done(campaign: Campaign, ids: list[int], start: date, end: date) -> dict[int, Decimal]:
    qs = PlanStep.objects.filter(
        plan__target__campaign=campaign,
        plan__target__group_id__in=ids,
        status=StepStatus.DONE,
        done_on__range=(start, end),
    )
    return _grouped(qs, "plan__target__group_id", Count("id"))


def _feedback(campaign: Campaign, ids: list[int], start: date, end: date) -> dict[int, Decimal]:
    qs = Feedback.objects.filter(group__campaign=campaign, group_id__in=ids, date__range=(start, end))
    return _grouped(qs, "group_id", Count("id"))


def _by_category(category_id: int) -> Counter:
    def count(campaign: Campaign, ids: list[int], start: date, end: date) -> dict[int, Decimal]:
        qs = _problems(campaign, ids, start, end).filter(category_id=category_id)
        return _grouped(qs, "group_id", Count("id"))

    return count


def _by_level(level: str) -> Counter:
    def count(campaign: Campaign, ids: list[int], start: date, end: date) -> dict[int, Decimal]:
        return _grouped(_problems(campaign, ids, start, end).filter(level=level), "group_id", Count("id"))

    return count


def _by_status(status: str) -> Counter:
    def count(campaign: Campaign, ids: list[int], start: date, end: date) -> dict[int, Decimal]:
        return _grouped(_problems(campaign, ids, start, end).filter(status=status), "group_id", Count("id"))

    return count


def _indicator(indicator_id: int) -> Counter:
    def count(campaign: Campaign, ids: list[int], start: date, end: date) -> dict[int, Decimal]:
        qs = Outcome.objects.filter(
            indicator_id=indicator_id,
            target__campaign=campaign,
            target__group_id__in=ids,
            date__range=(start, end),
        )
        return _grouped(qs, "target__group_id", Sum("value"))

    return count


FIXED = [
    Source("visits", "走访次数", "次", _visits),
    Source("targets_visited", "走访对象", "个", _targets_visited),
    Source("problems_found", "发现问题", "个", _found),
    Source("problems_solved", "解决问题", "个", _solved),
    Source("problems_closed", "销号问题", "个", _closed),
    Source("steps_done", "完成帮扶措施", "项", _steps_done),
    Source("feedback", "收集评价", "条", _feedback),
]


def registry(campaign: Campaign) -> dict[str, Source]:
    """Every source a form of ``campaign`` may name, by code, in the order a picker shows them."""
    found = {s.code: s for s in FIXED}
    for category in campaign.categories.all():
        code = f"category:{category.pk}"
        found[code] = Source(code, f"问题类别:{category.name}", "个", _by_category(category.pk))
    for value, label in Level.choices:
        code = f"level:{value}"
        found[code] = Source(code, f"办理层级:{label}", "个", _by_level(value))
    for value, label in Status.choices:
        if value in VOID_STATUSES:
            continue
        code = f"status:{value}"
        found[code] = Source(code, f"问题状态:{label}", "个", _by_status(value))
    for indicator in campaign.indicators.all():
        code = f"indicator:{indicator.code}"
        found[code] = Source(code, f"成效:{indicator.name}", indicator.unit, _indicator(indicator.pk))
    return found


def match_source(sources: dict[str, Source], label: str) -> str:
    """The source a field's label names by itself: a 问题类别 or 办理层级 of that name (a “分类” column such as
    暂不具备条件), an indicator's name, or a fixed source's label; "" when none does."""
    label = label.strip()
    for source in sources.values():
        if source.label.split(":")[-1] == label:
            return source.code
    return ""


def counts(
    campaign: Campaign, source: Source, groups: Iterable[WorkGroup | int], start: date, end: date
) -> dict[int, Decimal]:
    """The source's figure for each group (0 when it has none), by group id."""
    ids = [g if isinstance(g, int) else g.pk for g in groups]
    found = source.counter(campaign, ids, start, end) if ids else {}
    return {i: found.get(i, Decimal(0)) for i in ids}


def source_value(code: str, campaign: Campaign, group: WorkGroup, start: date, end: date) -> Decimal | None:
    """The itemised figure of one group for one period; None when ``code`` names no source."""
    source = registry(campaign).get(code)
    if source is None:
        return None
    return counts(campaign, source, [group], start, end)[group.pk]


def format_number(value: Decimal | None) -> str:
    """A figure as a person would type it back: 37, 3.5 (no trailing zeros); "" for none."""
    if value is None:
        return ""
    return f"{clean_decimal(value):f}"
