"""The four rates, computed in one place and shown wherever numbers are shown.

响应率: assigned problems signed within the accept deadline, among those signed or past their accept deadline
(one still inside its acceptance window has not failed yet); 办结率: solved among counted problems;
按期办结率: solved by the deadline among solved problems that had one; 满意率: 满意 or 基本满意 among 回访.
Cancelled and merged problems are not counted at all.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from .models import SOLVED_STATUSES, VOID_STATUSES, Problem


@dataclass(frozen=True)
class Rates:
    total: int
    solved: int
    due_to_accept: int  # assigned and signed, or assigned and past the accept deadline
    accepted_in_time: int
    solved_with_deadline: int
    solved_on_time: int
    verified: int
    satisfied: int

    @staticmethod
    def _pct(part: int, whole: int) -> Decimal | None:
        if not whole:
            return None
        return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def response_rate(self) -> Decimal | None:
        return self._pct(self.accepted_in_time, self.due_to_accept)

    @property
    def solve_rate(self) -> Decimal | None:
        return self._pct(self.solved, self.total)

    @property
    def on_time_rate(self) -> Decimal | None:
        return self._pct(self.solved_on_time, self.solved_with_deadline)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return self._pct(self.satisfied, self.verified)

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> "Rates":
        """The rates of one row of a grouped query annotated with ``rate_counts``."""
        return cls(**{f.name: row[f.name] for f in fields(cls)})

    @classmethod
    def summed(cls, rows: Iterable[Mapping[str, Any]]) -> "Rates":
        """The rates of all the groups together: every count adds up."""
        rows = list(rows)
        return cls(**{f.name: sum(row[f.name] for row in rows) for f in fields(cls)})

    def as_list(self) -> list[tuple[str, Decimal | None]]:
        return [
            (gettext_noop("响应率"), self.response_rate),
            (gettext_noop("办结率"), self.solve_rate),
            (gettext_noop("按期办结率"), self.on_time_rate),
            (gettext_noop("满意率"), self.satisfaction_rate),
        ]


def compute_rates(problems: QuerySet[Problem], today: date | None = None) -> Rates:
    """Rates over any scoped queryset of problems (a group, a unit, a region subtree, a period).

    ``today`` (default: the local date) decides which unsigned problems are already late for 响应率.
    """
    return Rates(**counted(problems).aggregate(**rate_counts(today)))


def counted(problems: QuerySet[Problem]) -> QuerySet[Problem]:
    """The problems the rates count (cancelled and merged ones are not counted at all)."""
    return problems.exclude(status__in=VOID_STATUSES)


def rate_counts(today: date | None = None) -> dict[str, Count]:
    """The counts behind the rates as aggregates over ``counted`` problems: for a grouped query that wants
    each group's rates beside counts of its own (``Rates.of`` each row, ``Rates.summed`` all of them)."""
    today = today or timezone.localdate()
    solved = Q(status__in=SOLVED_STATUSES)
    due = Q(accepted_on__isnull=False) | Q(accept_by__lt=today)
    return {
        "total": Count("id"),
        "solved": Count("id", filter=solved),
        "due_to_accept": Count("id", filter=Q(assigned_on__isnull=False) & due),
        "accepted_in_time": Count("id", filter=Q(accepted_on__isnull=False, accepted_on__lte=F("accept_by"))),
        "solved_with_deadline": Count("id", filter=solved & Q(deadline__isnull=False)),
        "solved_on_time": Count(
            "id", filter=solved & Q(deadline__isnull=False, resolved_on__lte=F("deadline"))
        ),
        "verified": Count("id", filter=~Q(satisfaction="")),
        "satisfied": Count("id", filter=Q(satisfaction__in=("satisfied", "basic"))),
    }
