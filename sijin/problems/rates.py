"""The four rates, computed in one place and shown wherever numbers are shown.

响应率: assigned problems signed within the accept deadline, among those signed or past their accept deadline
(one still inside its acceptance window has not failed yet); 办结率: solved among counted problems;
按期办结率: solved by the deadline among solved problems that had one; 满意率: 满意 or 基本满意 among 回访.
Cancelled and merged problems are not counted at all.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

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
    today = today or timezone.localdate()
    counted = problems.exclude(status__in=VOID_STATUSES)
    solved = Q(status__in=SOLVED_STATUSES)
    due = Q(accepted_on__isnull=False) | Q(accept_by__lt=today)
    row = counted.aggregate(
        total=Count("id"),
        solved=Count("id", filter=solved),
        due_to_accept=Count("id", filter=Q(assigned_on__isnull=False) & due),
        accepted_in_time=Count("id", filter=Q(accepted_on__isnull=False, accepted_on__lte=F("accept_by"))),
        solved_with_deadline=Count("id", filter=solved & Q(deadline__isnull=False)),
        solved_on_time=Count("id", filter=solved & Q(deadline__isnull=False, resolved_on__lte=F("deadline"))),
        verified=Count("id", filter=~Q(satisfaction="")),
        satisfied=Count("id", filter=Q(satisfaction__in=("satisfied", "basic"))),
    )
    return Rates(**row)
