"""Outcome sums by indicator, written once for every page (成效页, 工作台, 统计大屏, 简报).

How a sum is made, and why:
- A range (“10-20万元”) adds its LOW end: a report's total is a claim of at least this much and must never
  overstate; the total then carries 余 (“30余万元”), which says the truth is more.
- A part written 约 makes the total 约; 余/多 parts (or ranges) make it 余 (``total_qualifier``).
- A rate (“约40万元/天”) is not an amount and is left out of the sum; the row counts it in ``n_rate``.
- A change (“由9000元增至3万元”) adds its value after the change.
- An outcome shared by or split among several targets is one row, so the total counts it once.
- An outcome without a figure (订单已到账) is counted in ``n`` (and ``n_text``) but adds nothing.

The 工作台 and the unfiltered 数据看板 read the same sums of a whole scope from a kept tally (OutcomeTally, kept by
triggers: migration 0009_outcome_tally) by the target's work group and county and the indicator
(``scope_outcome_totals``); ``outcome_tally_live`` is its definition in the ORM, which problems.tally's
``tally_check`` compares it with. The 工作台's 走访次数 is summed from another kept tally, by work group
(VisitTally, migration 0010_visit_tally: ``scope_visit_total``; ``visit_tally_live`` its definition).
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Substr

from sijin.accounts import access
from sijin.core.expressions import AmongIds
from sijin.core.quantities import format_quantity, total_qualifier
from sijin.directory.models import PREFIX_LENGTH, RegionLevel

from .models import Outcome, OutcomeTally, Visit, VisitTally

AMOUNT = Q(per="", value__isnull=False)
INDICATOR = ("indicator__name", "indicator__unit", "indicator__order")
COUNTS = ("n", "n_about", "n_more", "n_range", "n_rate", "n_text")  # beside ``total``: what a row counts


def outcome_totals(outcomes: "QuerySet[Outcome]", *group_by: str) -> list[dict[str, Any]]:
    """One row per indicator (and ``group_by`` fields): ``total`` (Decimal, indicator unit), ``text`` (as every
    page writes it; "" when none has a figure), ``n`` outcomes, ``n_vague`` of them vague, ``n_rate`` rates and
    ``n_text`` outcomes without a figure, both left out of the sum."""
    rows = (
        outcomes.order_by()
        .values(*group_by, *INDICATOR)
        .annotate(total=Sum("value", filter=AMOUNT), **_counts())
        .order_by(*group_by, "indicator__order", "indicator__name", "indicator__unit")
    )
    return [_finished(row) for row in rows]


def _counts() -> dict[str, Count]:
    """The counts of outcomes behind a sum (``COUNTS``), in the ORM; migration 0009_outcome_tally holds the same
    conditions in SQL for the kept tally."""
    return {
        "n": Count("id"),
        "n_about": Count("id", filter=AMOUNT & Q(qualifier="约")),
        "n_more": Count("id", filter=AMOUNT & Q(qualifier__in=["余", "多"])),
        "n_range": Count("id", filter=AMOUNT & Q(value_high__isnull=False)),
        "n_rate": Count("id", filter=Q(value__isnull=False) & ~Q(per="")),
        "n_text": Count("id", filter=Q(value__isnull=True)),
    }


def _finished(row: dict[str, Any]) -> dict[str, Any]:
    """A grouped row (``total`` and ``COUNTS``) with its qualifier, vague count and text."""
    qualifier = total_qualifier(
        ["约"] * bool(row["n_about"]) + ["余"] * bool(row["n_more"]), has_range=bool(row["n_range"])
    )
    total = row["total"] or Decimal(0)
    figures = row["n"] - row["n_text"]
    return {
        **row,
        "total": total,
        "qualifier": qualifier,
        "n_vague": row["n_about"] + row["n_more"] + row["n_range"],
        # Only outcomes without a figure: no sum to write (never “0万元”).
        "text": format_quantity(total, row["indicator__unit"], qualifier) if figures else "",
    }


def scope_outcome_totals(user: access.Viewer) -> list[dict[str, Any]]:
    """``outcome_totals`` of the outcomes of the targets ``user`` sees (the 工作台's and the unfiltered 数据看板's
    成效), the same rows: from the kept tally (OutcomeTally: a few rows per work group and indicator) when the
    user's scope can be said on it (``access.problem_tally_q``: targets are scoped by the same rule as
    problems), else from the outcomes of the targets (``access.target_ids``: a handler, who sees targets
    through the problems of a unit; a region grant below the county), found by target from the index. At
    1,000,000 problems on PostgreSQL (146,603 outcomes, 5,998 tally rows) a city office's takes 2–11 ms in the
    database from the tally, 48–200 ms from the outcomes (a seq scan joined with the city's 27,000 targets); a
    handler's (a unit's 8,780 problems on 2,213 targets, 3,356 outcomes) 10–15 ms from the outcomes by target,
    where the outcomes joined with the targets took 60–150 ms."""
    q = access.problem_tally_q(user)
    if q is None:
        return outcome_totals(Outcome.objects.filter(AmongIds("target_id", access.target_ids(user))))
    rows = (
        OutcomeTally.objects.filter(q)
        .order_by()
        .values(*INDICATOR)
        .annotate(sum_total=Sum("total"), **{f"sum_{c}": Sum(c) for c in COUNTS})
        .filter(sum_n__gt=0)  # rows whose counts all went back to 0 stay
        .order_by("indicator__order", "indicator__name", "indicator__unit")
    )
    return [
        _finished(
            {
                **{k: row[k] for k in INDICATOR},
                **{k.removeprefix("sum_"): v for k, v in row.items() if k.startswith("sum_")},
            }
        )
        for row in rows
    ]


def outcome_tally_live() -> QuerySet:
    """The kept tally's rows (OutcomeTally) made now from the outcomes, each column ``k_<column>`` — for
    problems.tally's ``tally_check`` and ``tally_rebuild``. Every outcome once, under its own target."""
    return (
        Outcome.objects.order_by()
        .values(
            k_group_id=Coalesce("target__group_id", 0),
            k_county=Substr("target__region_id", 1, PREFIX_LENGTH[RegionLevel.COUNTY]),
            k_indicator_id=F("indicator_id"),
        )
        .annotate(
            k_total=Coalesce(
                Sum("value", filter=AMOUNT),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=30, decimal_places=4),
            ),
            **{f"k_{name}": count for name, count in _counts().items()},
        )
    )


def outcomes_total_text(outcomes: Iterable[Outcome]) -> str:
    """The same sum for outcomes already in memory (all of one indicator); one outcome is written in full;
    outcomes without a figure are left out ("" when none has one)."""
    rows = [o for o in outcomes if o.value is not None]  # words without a figure add nothing
    if len(rows) == 1:
        return rows[0].display_value
    amounts = [o for o in rows if not o.per]
    qualifier = total_qualifier(
        (o.qualifier for o in amounts), any(o.value_high is not None for o in amounts)
    )
    total = sum((o.value or Decimal(0) for o in amounts), Decimal(0))
    return format_quantity(total, rows[0].indicator.unit, qualifier) if rows else ""


def scope_visit_total(user: access.Viewer) -> str:
    """``visit_total`` of the visits ``user`` sees (the 工作台's 走访次数), in three light queries: the entries'
    ``occasions`` summed from the kept tally by work group (VisitTally, migration 0010_visit_tally: a row per
    group, where the visits of a city's 217 groups are 76,000 at 1,000,000 problems), less those of the few
    visits ``part_of`` an entry also in the scope, and the total vague when the latest vague entry says so —
    the same numbers as ``visit_total`` over ``Visit.objects.visible_to(user)``. A visit is in the scope by its
    group alone (``access.visit_q``), which the tally's rows answer as the visits do."""
    scope = access.visit_q(user)
    n = VisitTally.objects.filter(scope).aggregate(n=Sum("occasions"))["n"] or 0
    rows = Visit.objects.filter(scope).order_by()
    counted_twice = rows.filter(part_of__isnull=False, part_of__in=rows.values("pk"))
    n -= counted_twice.aggregate(n=Sum("occasions"))["n"] or 0
    qualifier = (
        rows.exclude(occasions_qualifier="")
        .order_by("-date", "-id")
        .values_list("occasions_qualifier", flat=True)
        .first()
    )
    return format_quantity(n, "次", qualifier or "")


def visit_tally_live() -> QuerySet:
    """The kept tally's rows (VisitTally) made now from the visits, each column ``k_<column>`` — for
    problems.tally's ``tally_check`` and ``tally_rebuild``."""
    return (
        Visit.objects.order_by()
        .values(k_group_id=F("group_id"))
        .annotate(k_occasions=Sum("occasions"), k_n=Count("id"))
    )
