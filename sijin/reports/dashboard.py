"""数据看板 numbers: the same scoped querysets as the ledgers, so the numbers equal the ledgers' numbers.

Distributions count every problem in scope (as the 问题清单 lists them); the four rates come from
problems.rates.compute_rates, the one place they are defined. Groups and units are compared by the rates
(never by time online or clicks).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek

from sijin.accounts.access import Viewer
from sijin.campaigns.models import Campaign, Target, WorkGroup
from sijin.core.quantities import readable_total
from sijin.directory.models import Region
from sijin.fieldwork.models import Outcome
from sijin.problems.models import SOLVED_STATUSES, Level, Problem, Status
from sijin.problems.rates import Rates, compute_rates

COMPARE_LIMIT = 30  # groups/units compared on one page: the busiest ones


@dataclass(frozen=True)
class Filters:
    campaign: Campaign | None = None
    region: Region | None = None
    group: WorkGroup | None = None
    start: date | None = None
    end: date | None = None


def _narrowed(qs: QuerySet, f: Filters, via: str, date_field: str) -> QuerySet:
    """Apply the dashboard's filters to rows that reach campaign, region and group through ``via``."""
    if f.campaign is not None:
        qs = qs.filter(**{f"{via}campaign": f.campaign})
    if f.region is not None:
        qs = qs.filter(**{f"{via}region__code__startswith": f.region.prefix})
    if f.group is not None:
        qs = qs.filter(**{f"{via}group": f.group})
    if f.start:
        qs = qs.filter(**{f"{date_field}__gte": f.start})
    if f.end:
        qs = qs.filter(**{f"{date_field}__lte": f.end})
    return qs


def scoped_problems(user: Viewer, f: Filters) -> QuerySet[Problem]:
    return _narrowed(Problem.objects.visible_to(user), f, "", "reported_on")


def scoped_outcomes(user: Viewer, f: Filters) -> QuerySet[Outcome]:
    outcomes = Outcome.objects.filter(target__in=Target.objects.visible_to(user).values("id"))
    return _narrowed(outcomes, f, "target__", "date")


def _pairs(
    qs: QuerySet, field: str, labels: dict | None = None, empty: str = "未填写"
) -> list[tuple[str, int]]:
    rows = qs.order_by().values(field).annotate(n=Count("id")).order_by("-n", field)
    out = []
    for row in rows:
        key = row[field]
        label = labels.get(key, key) if labels else key
        out.append((str(label) if label not in (None, "") else empty, row["n"]))
    return out


def rates_row(rates: Rates) -> dict:
    return {"total": rates.total, "solved": rates.solved, **dict(rates.as_list())}


def dashboard_data(user: Viewer, f: Filters) -> dict:
    problems = scoped_problems(user, f)
    statuses = dict(Status.choices)
    weeks = (
        problems.order_by()
        .annotate(week=TruncWeek("reported_on"))
        .values("week")
        .annotate(found=Count("id"), solved=Count("id", filter=Q(status__in=SOLVED_STATUSES)))
        .order_by("week")
    )
    outcomes = []
    for row in (
        scoped_outcomes(user, f)
        .order_by()
        .values("indicator__name", "indicator__unit", "indicator__order")
        .annotate(total=Sum("value"), n=Count("id"), vague=Count("id", filter=~Q(qualifier="")))
        .order_by("indicator__order", "indicator__name")
    ):
        qualifier = "余" if row["vague"] else ""
        outcomes.append(
            {
                "indicator": row["indicator__name"],
                "unit": row["indicator__unit"],
                "total": readable_total(row["total"], row["indicator__unit"], qualifier),
                "value": float(row["total"]),
                "count": row["n"],
            }
        )
    return {
        "total": problems.count(),
        "by_kind": _pairs(problems, "target__kind__name"),
        "by_status": _pairs(problems, "status", statuses),
        "by_category": _pairs(problems, "category__name"),
        "by_level": _pairs(problems, "level", dict(Level.choices), empty="未分级"),
        "by_region": _pairs(problems, "region__name"),
        "trend": [
            {
                "week": w["week"].strftime("%Y-%m-%d") if w["week"] else "",
                "found": w["found"],
                "solved": w["solved"],
            }
            for w in weeks
        ],
        "rates": rates_row(compute_rates(problems)),
        "outcomes": outcomes,
        "groups": _compare(problems, "group_id", "group__name"),
        "units": _compare(problems, "group__dispatching_org_id", "group__dispatching_org__name"),
    }


def _compare(problems: QuerySet[Problem], key: str, name: str) -> list[dict]:
    busiest = (
        problems.order_by().values(key, name).annotate(n=Count("id")).order_by("-n", name)[:COMPARE_LIMIT]
    )
    return [
        {"name": row[name], **rates_row(compute_rates(problems.filter(**{key: row[key]})))} for row in busiest
    ]
