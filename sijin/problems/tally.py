"""Kept tallies of problems: what the 数据看板 sums instead of grouping every problem in scope.

Four tables (problems.models ProblemTally, ProblemFacetTally, ProblemWeekTally, ProblemDueTally) keyed by
campaign, work group and county (the first 6 digits of the region code) and a few facts of the problem that do
not change with the date, and two more keyed by handling unit too (ProblemUnitTally, ProblemUnitDueTally) for
the 督办 page (``unit_rows``). Database triggers (migration 0012_problem_tally) keep them in the same transaction
as every write, whatever makes it: services, queryset ``update()``, ``bulk_create``, COPY, deletes. Nothing
here writes them except ``tally_rebuild`` (a repair, and ``sijin synth`` after a bulk load). The 成效 sums by
group, county and indicator (fieldwork.models.OutcomeTally, migration fieldwork 0009_outcome_tally, read by
fieldwork.totals.scope_outcome_totals) and the 走访 sums by group (fieldwork.models.VisitTally, migration fieldwork
0010_visit_tally, read by fieldwork.totals.scope_visit_total) are kept the same way and checked, rebuilt and
switched off here too.

The definitions below are the ORM's reading of the same rules the triggers hold in SQL; ``tally_check``
compares the kept rows with them (``sijin tally check``), and the dashboard's tests compare the dashboard from
the tallies with the one from the problems (problems.rates, problems.supervision).

Reading: a scope is a condition on (campaign, group, county) — ``tally_q`` — or None when the viewer's scope
or the filters cannot be said that way (a handler's grant, a township-level region); the caller then counts
the problems themselves. The lights and late signing are read against today's date from the due tally's
days from today on (``group_rows``), so nothing goes stale overnight. Rows whose counts are all 0 may stay;
every read here ignores them.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.db import connection, models, transaction
from django.db.models import Count, F, Q, QuerySet, Sum, Value, Window
from django.db.models.functions import Coalesce, RowNumber, Substr, TruncWeek

from sijin.accounts import access
from sijin.campaigns.models import Campaign
from sijin.directory.models import PREFIX_LENGTH, Organization, RegionLevel
from sijin.fieldwork.models import Outcome, OutcomeTally, Visit, VisitTally
from sijin.fieldwork.totals import outcome_tally_live, visit_tally_live

from .models import (
    RUNNING_STATUSES,
    SOLVED_STATUSES,
    VOID_STATUSES,
    DueWhat,
    Problem,
    ProblemDueTally,
    ProblemFacetTally,
    ProblemTally,
    ProblemUnitDueTally,
    ProblemUnitTally,
    ProblemWeekTally,
)
from .rates import Rates
from .supervision import yellow_until

COUNTY_DIGITS = PREFIX_LENGTH[RegionLevel.COUNTY]
SATISFIED = ("satisfied", "basic")  # as problems.rates counts 满意率
TALLIES: tuple[type[models.Model], ...] = (
    ProblemTally,
    ProblemUnitTally,
    ProblemFacetTally,
    ProblemWeekTally,
    ProblemDueTally,
    ProblemUnitDueTally,
    OutcomeTally,  # the 成效 sums (fieldwork.totals; migration fieldwork 0009_outcome_tally)
    VisitTally,  # the 走访 sums by group (fieldwork.totals.scope_visit_total; migration fieldwork 0010_visit_tally)
)


# --- the definitions, live from the problems -------------------------------------------------------------------


def _place() -> dict[str, Any]:
    return {
        "k_campaign_id": F("campaign_id"),
        "k_group_id": F("group_id"),
        "k_county": Substr("region_id", 1, COUNTY_DIGITS),
    }


def _unit() -> dict[str, Any]:
    return {"k_handling_org_id": Coalesce("handling_org_id", 0)}


def _rate_counts() -> dict[str, Count]:
    return {
        "k_n": Count("id"),
        "k_accepted": Count("id", filter=Q(assigned_on__isnull=False, accepted_on__isnull=False)),
        "k_accepted_in_time": Count(
            "id", filter=Q(accepted_on__isnull=False, accepted_on__lte=F("accept_by"))
        ),
        "k_unsigned": Count(
            "id", filter=Q(assigned_on__isnull=False, accepted_on__isnull=True, accept_by__isnull=False)
        ),
        "k_with_deadline": Count("id", filter=Q(deadline__isnull=False)),
        "k_on_time": Count("id", filter=Q(deadline__isnull=False, resolved_on__lte=F("deadline"))),
        "k_verified": Count("id", filter=~Q(satisfaction="")),
        "k_satisfied": Count("id", filter=Q(satisfaction__in=SATISFIED)),
    }


def _live(model: type[models.Model]) -> list[QuerySet]:
    """Grouped queries over the problems that give ``model``'s rows, each column ``k_<column>``."""
    problems = Problem.objects.order_by()
    if model is ProblemTally:
        return [
            problems.values(**_place(), k_status=F("status"), k_kind_id=F("target__kind_id")).annotate(
                **_rate_counts()
            )
        ]
    if model is ProblemUnitTally:
        return [problems.values(**_unit(), **_place(), k_status=F("status")).annotate(**_rate_counts())]
    if model is ProblemFacetTally:
        return [
            problems.values(
                **_place(), k_category_id=Coalesce("category_id", 0), k_level=F("level")
            ).annotate(k_n=Count("id"))
        ]
    if model is ProblemWeekTally:
        return [
            problems.values(**_place(), k_week=TruncWeek("reported_on")).annotate(
                k_n=Count("id"), k_solved=Count("id", filter=Q(status__in=SOLVED_STATUSES))
            )
        ]
    if model in (ProblemDueTally, ProblemUnitDueTally):
        unit = _unit() if model is ProblemUnitDueTally else {}
        running = problems.filter(status__in=RUNNING_STATUSES, deadline__isnull=False)
        unsigned = problems.filter(
            assigned_on__isnull=False, accepted_on__isnull=True, accept_by__isnull=False
        ).exclude(status__in=VOID_STATUSES)
        return [
            rows.values(**unit, **_place(), k_what=Value(what), k_day=F(field)).annotate(k_n=Count("id"))
            for rows, what, field in (
                (running, DueWhat.DEADLINE.value, "deadline"),
                (unsigned, DueWhat.ACCEPT_BY.value, "accept_by"),
            )
        ]
    if model is OutcomeTally:
        return [outcome_tally_live()]
    if model is VisitTally:
        return [visit_tally_live()]
    raise ValueError(model)


def _fields(model: type[models.Model]) -> tuple[list[str], list[str]]:
    """(key columns, count columns) of a tally, in the order of its unique constraint."""
    unique = next(c for c in model._meta.constraints if isinstance(c, models.UniqueConstraint))
    keys = [str(model._meta.get_field(name).column) for name in unique.fields]
    counts = [
        str(f.column) for f in model._meta.concrete_fields if not f.primary_key and f.column not in keys
    ]
    return keys, counts


# --- repair and check -----------------------------------------------------------------------------------------


@transaction.atomic
def tally_rebuild() -> dict[str, int]:
    """Recompute every tally from the problems and the outcomes (one grouped INSERT … SELECT each); rows per tally.

    For ``sijin synth`` after a bulk load without the triggers, and to repair. The triggers stay as they are;
    the problems and the outcomes are locked against writes meanwhile, so no change slips between the two."""
    qn = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for counted in (Problem, Outcome, Visit):
                cursor.execute(f"LOCK TABLE {qn(counted._meta.db_table)} IN SHARE MODE")
        for model in TALLIES:
            table = qn(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")
            keys, sums = _fields(model)
            columns = keys + sums
            written = 0
            for qs in _live(model):
                sql, params = qs.query.sql_with_params()
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) "
                    f"SELECT {', '.join(qn('k_' + c) for c in columns)} FROM ({sql}) live",
                    params,
                )
                written += cursor.rowcount
            counts[model._meta.db_table] = written
    return counts


# Every trigger of migrations problems 0012_problem_tally and fieldwork 0009_outcome_tally and 0010_visit_tally.
TRIGGER_PREFIXES = ("problems_tally_", "fieldwork_tally_")


@contextmanager
def tally_triggers_off() -> Iterator[None]:
    """For a bulk load, inside its transaction: the tally triggers off while it runs, then back on and the
    tallies recounted (``tally_rebuild``). At 100,000 problems SQLite's row triggers made ``sijin synth``
    take 74 s instead of 60 s, the recount about a second; PostgreSQL's statement triggers cost about what
    the recount costs (under a second), and both engines take the one path. A load that fails rolls all of
    it back.

    PostgreSQL: the triggers return at once while the transaction's ``sijin.tally_off`` is on (``SET
    LOCAL``; other sessions keep theirs). SQLite: the triggers are dropped and created again from their own
    SQL (``sqlite_master``), in the same transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("tally_triggers_off() runs inside the bulk load's transaction")
    found: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('sijin.tally_off', 'on', true)")
        else:
            for prefix in TRIGGER_PREFIXES:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND substr(name, 1, %s) = %s "
                    "ORDER BY name",
                    [len(prefix), prefix],
                )
                found += cursor.fetchall()
            for name, _sql in found:
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('sijin.tally_off', 'off', true)")
        for _name, sql in found:
            cursor.execute(sql)
    tally_rebuild()


@dataclass(frozen=True)
class TallyDifference:
    """One key whose kept counts differ from the counts of the problems (0s where there is no row)."""

    table: str
    key: dict[str, Any]
    kept: dict[str, int]
    live: dict[str, int]

    def __str__(self) -> str:
        key = ", ".join(f"{k}={v}" for k, v in self.key.items())
        changes = ", ".join(
            f"{c} 记为 {self.kept[c]},应为 {self.live[c]}" for c in self.kept if self.kept[c] != self.live[c]
        )
        return f"{self.table}({key}): {changes}"


def _norm(value: Any) -> Any:
    """A key value as both engines give it back (SQLite returns a truncated date as text, PostgreSQL a date or
    a datetime)."""
    if hasattr(value, "date") and callable(value.date):
        return value.date()
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return date.fromisoformat(value)
    return value


def _rows(rows: Iterable[dict[str, Any]], keys: list[str], counts: list[str]) -> dict[tuple, tuple]:
    out = {}
    for row in rows:
        values = tuple(row[c] or 0 for c in counts)
        if any(values):
            out[tuple(_norm(row[k]) for k in keys)] = values
    return out


def tally_check() -> list[TallyDifference]:
    """The differences between the kept tallies and the same counts made now from the problems (none when
    the tallies are right). Reads every problem and outcome: for ``sijin tally check`` and the tests, not for
    pages."""
    differences = []
    for model in TALLIES:
        keys, counts = _fields(model)
        kept = _rows(model._default_manager.values(*keys, *counts), keys, counts)
        live: dict[tuple, tuple] = {}
        for qs in _live(model):
            rows = ({c: row[f"k_{c}"] for c in keys + counts} for row in qs)
            live |= _rows(rows, keys, counts)
        zero = (0,) * len(counts)
        for key in sorted(kept.keys() | live.keys(), key=repr):
            if kept.get(key, zero) != live.get(key, zero):
                differences.append(
                    TallyDifference(
                        table=model._meta.db_table,
                        key=dict(zip(keys, key, strict=True)),
                        kept=dict(zip(counts, kept.get(key, zero), strict=True)),
                        live=dict(zip(counts, live.get(key, zero), strict=True)),
                    )
                )
    return differences


# --- reading -------------------------------------------------------------------------------------------------


def tally_q(
    user: access.Viewer,
    *,
    campaign_id: int | None = None,
    group_id: int | None = None,
    region_prefix: str = "",
) -> Q | None:
    """The tally rows of the problems ``user`` sees in a campaign, a group and a region subtree (each when
    given), or None when that cannot be said on (campaign, group, county)."""
    if len(region_prefix) > COUNTY_DIGITS or (q := access.problem_tally_q(user)) is None:
        return None
    if campaign_id is not None:
        q &= Q(campaign_id=campaign_id)
    if group_id is not None:
        q &= Q(group_id=group_id)
    if region_prefix:
        q &= access.region_within_q("county", region_prefix)
    return q


def _yellow_before(today: date) -> Q:
    """Due days still yellow today: before each campaign's first green day (problems.supervision decides
    them, one clock per distinct ``yellow_days``)."""
    by_days: dict[int, list[int]] = {}
    for pk, days in Campaign.objects.values_list("id", "yellow_days"):
        by_days.setdefault(days, []).append(pk)
    q = access.NOTHING
    for days, ids in by_days.items():
        q |= Q(campaign_id__in=ids, day__lt=yellow_until(today, days))
    return q


def _rate_sums() -> dict[str, Sum]:
    """The sums of a rate tally's rows (ProblemTally, ProblemUnitTally) behind the ``problems.rates.Rates``
    counts, each ``sum_<count>``, with the signed (``accepted``), unsigned and running ones that 应签收 and the red
    light are made from against the due tally. Named apart from the tally's own columns, which an annotation may
    neither shadow nor reuse."""
    not_void = ~Q(status__in=VOID_STATUSES)
    solved = Q(status__in=SOLVED_STATUSES)
    return {
        "sum_total": Sum("n", filter=not_void),
        "sum_solved": Sum("n", filter=solved),
        "sum_accepted": Sum("accepted", filter=not_void),
        "sum_accepted_in_time": Sum("accepted_in_time", filter=not_void),
        "sum_solved_with_deadline": Sum("with_deadline", filter=solved),
        "sum_solved_on_time": Sum("on_time", filter=solved),
        "sum_verified": Sum("verified", filter=not_void),
        "sum_satisfied": Sum("satisfied", filter=not_void),
        "sum_unsigned": Sum("unsigned", filter=not_void),
        "sum_running": Sum("with_deadline", filter=Q(status__in=RUNNING_STATUSES)),
    }


def scope_rates(q: Q, today: date, *, by_unit: bool = False) -> tuple[int, Rates]:
    """How many problems a scope holds (the void ones too) and their rates, from a rate tally summed whole and
    its due tally's signing days from today on: two queries of one row each, where ``group_rows`` and
    ``unit_rows`` give a row per group or unit with the lights (the 工作台 shows neither). ``q``: the scope on
    the tallies (``tally_q``, or ``access.problem_tally_q(user, by_unit=True)`` with ``by_unit``)."""
    tally, due = (ProblemUnitTally, ProblemUnitDueTally) if by_unit else (ProblemTally, ProblemDueTally)
    found = tally.objects.filter(q).aggregate(sum_n=Sum("n"), **_rate_sums())  # type: ignore[attr-defined]
    counts = {k.removeprefix("sum_"): v or 0 for k, v in found.items()}
    ahead = due.objects.filter(q, what=DueWhat.ACCEPT_BY, day__gte=today).aggregate(  # type: ignore[attr-defined]
        n=Sum("n")
    )["n"]
    signed, unsigned = counts.pop("accepted"), counts.pop("unsigned")
    n = counts.pop("n")
    counts.pop("running")
    return n, Rates(**counts, due_to_accept=signed + unsigned - (ahead or 0))


def group_rows(q: Q, today: date) -> list[dict[str, Any]]:
    """Problems by work group and county (``p``) with their red and yellow lights and the counts behind the
    rates (``problems.rates.Rates`` fields): the rows the dashboard's live query gives, from three queries
    (the campaigns' yellow days, the rate tally, the due tally from today on).

    Red is the running problems with a deadline less those due from today on, late signing the unsigned
    problems less those with a 签收时限 from today on: the past days, most of the due tally, are never read."""
    sums = (
        ProblemTally.objects.filter(q)
        .order_by()
        .values("group_id", p=F("county"))
        .annotate(sum_n=Sum("n"), **_rate_sums())
    )
    ahead: dict[tuple[int, str], dict[str, int]] = {}
    for found in (
        ProblemDueTally.objects.filter(q, day__gte=today)
        .order_by()
        .values("group_id", p=F("county"))
        .annotate(
            running=Sum("n", filter=Q(what=DueWhat.DEADLINE)),
            yellow=Sum("n", filter=Q(what=DueWhat.DEADLINE) & _yellow_before(today)),
            unsigned=Sum("n", filter=Q(what=DueWhat.ACCEPT_BY)),
        )
    ):
        due = cast(dict[str, Any], found)
        ahead[due["group_id"], due["p"]] = {k: due[k] or 0 for k in ("running", "yellow", "unsigned")}
    out = []
    for summed in sums:
        row = cast(dict[str, Any], summed)
        if not row["sum_n"]:
            continue
        counts = {k.removeprefix("sum_"): v or 0 for k, v in row.items() if k.startswith("sum_")}
        later = ahead.get((row["group_id"], row["p"]), {})
        signed, unsigned, running = counts.pop("accepted"), counts.pop("unsigned"), counts.pop("running")
        out.append(
            {
                "group_id": row["group_id"],
                "p": row["p"],
                **counts,
                "red": running - later.get("running", 0),
                "yellow": later.get("yellow", 0),
                "due_to_accept": signed + unsigned - later.get("unsigned", 0),
            }
        )
    return out


def kind_status_rows(q: Q) -> list[dict[str, Any]]:
    """Problems by target kind (``target__kind_id``) and status."""
    rows = ProblemTally.objects.filter(q).order_by().values("kind_id", "status").annotate(total=Sum("n"))
    return [
        {"target__kind_id": r["kind_id"], "status": r["status"], "n": r["total"]} for r in rows if r["total"]
    ]


def facet_rows(q: Q) -> list[dict[str, Any]]:
    """Problems by category (``category_id``, None for none) and 办理层级 (``level``)."""
    rows = (
        ProblemFacetTally.objects.filter(q).order_by().values("category_id", "level").annotate(total=Sum("n"))
    )
    return [
        {"category_id": r["category_id"] or None, "level": r["level"], "n": r["total"]}
        for r in rows
        if r["total"]
    ]


def week_rows(q: Q) -> list[dict[str, Any]]:
    """Problems found per week (``day``: its Monday) and of them solved."""
    rows = (
        ProblemWeekTally.objects.filter(q)
        .order_by()
        .values("week")
        .annotate(found=Sum("n"), solved=Sum("solved"))
    )
    return [{"day": r["week"], "found": r["found"], "solved": r["solved"]} for r in rows if r["found"]]


# --- the 督办 page ---------------------------------------------------------------------------------------------


def unit_rows(user: access.Viewer, today: date, *, groups_live: bool = True) -> list[dict[str, Any]] | None:
    """The problems ``user`` sees by handling unit — the 督办 page's grouped query (problems.views.supervision):
    ``handling_org_id`` (None: 工作组自办), ``handling_org__name``, the ``problems.rates.rate_counts`` counts and
    the ``red`` and ``yellow`` lights, a row for each unit with counted problems — from four queries (the
    campaigns' yellow days, the unit tally, the unit due tally from today on, the units' names), or None when
    the user's scope cannot be read from them (a region grant below the county). A handler's scope can: these
    tallies key the handling unit.

    Also None, with ``groups_live``, for a scope of work groups alone (组长, 组员): a group's few hundred problems
    are counted live faster than the tallies are read (at 1,000,000 problems a member's 512: 7 ms live, 26 ms
    from the tallies, from which a city office's 219,046 take 33–76 ms instead of 440–630 ms live)."""
    if groups_live and access.grants(user) and all(g.role in access.GROUP_ROLES for g in access.grants(user)):
        return None
    q = access.problem_tally_q(user, by_unit=True)
    if q is None:
        return None
    sums = ProblemUnitTally.objects.filter(q).order_by().values("handling_org_id").annotate(**_rate_sums())
    rows = [row for row in cast(list[dict[str, Any]], list(sums)) if row["sum_total"]]
    if not rows:
        return []
    ahead: dict[int, dict[str, int]] = {}
    for found in (
        ProblemUnitDueTally.objects.filter(q, day__gte=today)
        .order_by()
        .values("handling_org_id")
        .annotate(
            running=Sum("n", filter=Q(what=DueWhat.DEADLINE)),
            yellow=Sum("n", filter=Q(what=DueWhat.DEADLINE) & _yellow_before(today)),
            unsigned=Sum("n", filter=Q(what=DueWhat.ACCEPT_BY)),
        )
    ):
        due = cast(dict[str, Any], found)
        ahead[due["handling_org_id"]] = {k: due[k] or 0 for k in ("running", "yellow", "unsigned")}
    names = dict(
        Organization.objects.filter(pk__in=[r["handling_org_id"] for r in rows if r["handling_org_id"]])
        .order_by()
        .values_list("pk", "name")
    )
    out = []
    for row in rows:
        counts = {k.removeprefix("sum_"): v or 0 for k, v in row.items() if k.startswith("sum_")}
        later = ahead.get(row["handling_org_id"], {})
        signed, unsigned, running = counts.pop("accepted"), counts.pop("unsigned"), counts.pop("running")
        out.append(
            {
                "handling_org_id": row["handling_org_id"] or None,
                "handling_org__name": names.get(row["handling_org_id"]),
                **counts,
                "due_to_accept": signed + unsigned - later.get("unsigned", 0),
                "red": running - later.get("running", 0),
                "yellow": later.get("yellow", 0),
            }
        )
    return out


# Up to this many near-due and overdue problems on a page of units the window numbers them faster than ten LIMITs
# are planned (at 1,000,000 problems: a dispatching unit's 2,289, 10 ms by the window, 43 ms by the LIMITs; a city
# office's 29,176, 250 ms by the window, 21 ms by the LIMITs).
WINDOW_ROWS = 5_000


def unit_first_ids(
    problems: QuerySet[Problem], units: list[dict[str, Any]], per_unit: int, *, window_rows: int = WINDOW_ROWS
) -> list[int]:
    """The ids of the first ``per_unit`` of ``problems`` (by 办结期限, then id) of each handling unit of
    ``units`` (the 督办 page's rows of its page: ``handling_org_id``, None for 工作组自办, ``red``, ``yellow``).

    PostgreSQL, when the units have more than ``window_rows`` red and yellow problems between them: one
    ``UNION ALL`` of a ``LIMIT`` per unit, each read in order from the running problems' index by unit and
    deadline (problem_run_org_deadline_idx, migration 0012_problem_tally) and stopped at the ``per_unit``-th
    row, instead of numbering every one of them by a window (a city office's ten units at 1,000,000 problems:
    0.3 ms instead of 250 ms in the database). Otherwise, and on SQLite, which takes no ``LIMIT`` in a compound
    query: that window, which for a few thousand rows costs less than planning ten queries."""
    org_ids = [u["handling_org_id"] for u in units]
    if not org_ids:
        return []
    if connection.vendor == "postgresql" and sum(u["red"] + u["yellow"] for u in units) > window_rows:
        # By unit first: for 工作组自办 (``IS NULL``, which unlike ``=`` does not make the unit a constant of
        # the order) that is what makes the planner read the unit's running problems in order rather than
        # every problem by deadline.
        ordered = problems.order_by("handling_org_id", "deadline", "id").values_list("pk", flat=True)
        parts = [
            ordered.filter(handling_org_id=pk)[:per_unit]
            if pk is not None
            else ordered.filter(handling_org=None)[:per_unit]
            for pk in org_ids
        ]
        return list(parts[0].union(*parts[1:], all=True)) if len(parts) > 1 else list(parts[0])
    in_units = Q(handling_org_id__in=[pk for pk in org_ids if pk is not None])
    if None in org_ids:
        in_units |= Q(handling_org=None)
    ranked = (
        problems.filter(in_units)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("handling_org_id")],
                order_by=[F("deadline").asc(), F("id").asc()],
            )
        )
        .filter(rank__lte=per_unit)
        .values_list("pk", flat=True)
    )
    return list(ranked)
