"""超期问题通报: the open problems of a briefing's scope past their deadline, as plain rows.

A group's or a unit's briefing names every one of them (``overdue_problems``); a region's, where they run to
hundreds, counts them by handling unit (``overdue_by_unit``) and names only the most overdue few. Each is one
query however many problems there are, and the days overdue are working days, as in the 督办通知单.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Min, Q, QuerySet

from sijin.campaigns.models import Target, TargetKind
from sijin.campaigns.naming import target_phrase
from sijin.core.workdays import workdays_since
from sijin.problems.models import WORKING_STATUSES, Light, Problem
from sijin.problems.supervision import light_q

from .phrases import cn_date

# A problem past its deadline with no handling unit: the group handles it itself, or it is not handed over yet.
BY_GROUP, NOT_ASSIGNED = "工作组", "未交办"


@dataclass(frozen=True)
class LateProblem:
    target: str
    title: str
    unit: str
    deadline: date


@dataclass(frozen=True)
class LateUnit:
    unit: str
    count: int
    oldest: date  # the deadline of its most overdue problem


def late_problems(problems: QuerySet[Problem], as_of: date) -> QuerySet[Problem]:
    """The open problems past their deadline on ``as_of`` (the 督办 red light)."""
    return problems.filter(light_q(Light.RED, as_of))


def overdue_problems(
    problems: QuerySet[Problem], as_of: date, *, limit: int | None = None
) -> list[LateProblem]:
    """The overdue problems, the most overdue first (all of them, or the first ``limit``): one query of plain
    rows, and one for the kinds of unnamed targets if any."""
    rows = late_problems(problems, as_of).order_by("deadline", "id")
    if limit is not None:
        rows = rows[:limit]
    late = list(
        rows.values_list(
            "deadline",
            "title",
            "status",
            "handling_org__name",
            "target__name",
            "target__unnamed",
            "target__kind_id",
        )
    )
    kinds = TargetKind.objects.in_bulk({row[6] for row in late if row[5] or not row[4].strip()})
    out = []
    for deadline, title, status, org_name, name, unnamed, kind_id in late:
        assert deadline is not None  # the red light is only for problems past a deadline
        # a group handles one with no unit itself
        unit = org_name or (BY_GROUP if status in WORKING_STATUSES else NOT_ASSIGNED)
        who = (
            target_phrase(Target(name=name, unnamed=unnamed, kind=kinds[kind_id]))
            if kind_id in kinds
            else name.strip()
        )
        out.append(LateProblem(who, title, unit, deadline))
    return out


def overdue_by_unit(problems: QuerySet[Problem], as_of: date) -> list[LateUnit]:
    """The overdue problems counted by handling unit (those with none as 工作组 or 未交办, as in the list), the
    units with most first, then the longest overdue: one grouped query."""
    working = Q(status__in=WORKING_STATUSES)
    rows = (
        late_problems(problems, as_of)
        .order_by()
        .values("handling_org_id", "handling_org__name")
        .annotate(
            n=Count("id"),
            oldest=Min("deadline"),
            working=Count("id", filter=working),
            oldest_working=Min("deadline", filter=working),
            oldest_other=Min("deadline", filter=~working),
        )
    )
    units = []
    for row in rows:
        if row["handling_org_id"] is not None:
            units.append(LateUnit(row["handling_org__name"], row["n"], row["oldest"]))
            continue
        if row["working"]:
            units.append(LateUnit(BY_GROUP, row["working"], row["oldest_working"]))
        if row["n"] > row["working"]:
            units.append(LateUnit(NOT_ASSIGNED, row["n"] - row["working"], row["oldest_other"]))
    return sorted(units, key=lambda u: (-u.count, u.oldest, u.unit))


def overdue_days(deadlines: list[date], as_of: date) -> dict[date, str]:
    """``N个工作日`` overdue on ``as_of`` for each deadline (one query for the calendar's overrides)."""
    return {d: f"{n}个工作日" for d, n in workdays_since(deadlines, as_of).items()}


def deadline_shown(deadline: date, as_of: date) -> str:
    """A deadline of the year of the 通报 goes without its year, so that it stays on one line in the table."""
    return cn_date(deadline) if deadline.year != as_of.year else f"{deadline.month}月{deadline.day}日"
