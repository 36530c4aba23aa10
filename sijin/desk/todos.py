"""我的待办: the problems waiting for the viewer, each named by the step it waits for (待交办, 待签收 …).

The kinds follow the workflow table (problems.workflow.TRANSITIONS): a problem is the viewer's to-do when the
viewer's role on it may take the step its status waits for — the office, the group leader and the unit route
(分级交办; a member may solve it on the spot or take it up), the handling unit signs and handles, the office
rules on a pending 申请延期, the group does the 回访 (待销号 when the group solved it itself, so the 回访 only
confirms it). The office also chases what is overdue in its region (督办): those rows name the step the
problem waits for from others. Finished problems (已销号, 已撤销 …) and steps someone else takes leave the list.

The conditions are SQL, one per grant and step, each inside that grant's scope. The workbench reads them with
``board``: one query whatever the number of to-dos (a province office has tens of thousands), which stops at a
hundred of each kind. test_todos.py checks every row against the workflow table.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sijin.accounts import access
from sijin.accounts.models import Role
from sijin.problems.models import (
    OFFICE_REGION_LEVEL,
    ROUTING_STATUSES,
    WORKING_STATUSES,
    Action,
    Problem,
    ProblemEvent,
    Status,
)

LIMIT = 30  # rows on the workbench; the rest in the 问题台账
CAP = 100  # to-dos read per kind: one more than the page counts (“99+”)

# key → (label, the statuses it covers, for the ledger's status filter when there is one)
KINDS: dict[str, tuple[Any, tuple[str, ...]]] = {
    Action.TRIAGE: (_("待交办"), tuple(ROUTING_STATUSES)),
    Action.ACCEPT: (_("待签收"), (Status.ASSIGNED,)),
    Action.RESOLVE: (_("待办理"), tuple(WORKING_STATUSES)),
    Action.APPROVE_EXTENSION: (_("待审批延期"), tuple(WORKING_STATUSES)),
    Action.VERIFY: (_("待回访"), (Status.RESOLVED,)),
    "close": (_("待销号"), (Status.RESOLVED,)),
}
NOTHING = Q(pk__in=[])
# Overdue (督办): the red light (problems.supervision) of a problem whose status is running is its deadline
# having passed. The office chases these statuses, each named by the step it waits for.
CHASED = [
    (Action.ACCEPT, (Status.ASSIGNED,)),
    (Action.RESOLVE, tuple(WORKING_STATUSES)),
    (Action.TRIAGE, (Status.RETURNED, Status.ESCALATED)),
]


def _any(conditions: list[Q]) -> Q:
    q = NOTHING
    for c in conditions:
        q |= c
    return q


def _pending_extension() -> list[int]:
    """The problems with a 申请延期 and no 批准/驳回 after it (problems.workflow.pending_extension, as SQL).
    Read first, on their own: the few waiting for an answer, found from their events (problemevent_action_idx).
    Asked inside each kind's query instead, the database would look for events of every problem of the
    office's region, or work the answers out once for each kind."""
    answered = ProblemEvent.objects.filter(
        problem=OuterRef("problem"),
        action__in=(Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION),
        id__gt=OuterRef("id"),
    )
    pending = ProblemEvent.objects.filter(action=Action.REQUEST_EXTENSION).filter(~Exists(answered))
    return sorted(set(pending.order_by().values_list("problem_id", flat=True)))


def _office_routes(region) -> Q:
    """What an office of ``region`` routes, of the routing statuses: fresh and returned problems of its
    subtree, and the escalated ones taken up to its level or below it (accounts.access._office_covers)."""
    levels = [lv for lv, region_level in OFFICE_REGION_LEVEL.items() if region.level <= region_level]
    escalated = Q(level__in=levels)
    if region.level <= min(OFFICE_REGION_LEVEL.values()):  # a level not in the map counts as the county's
        escalated |= ~Q(level__in=list(OFFICE_REGION_LEVEL))
    return access.region_within_q("region", region.prefix) & (~Q(status=Status.ESCALATED) | escalated)


# (kind, statuses, condition, dated): the row's status is one of ``statuses`` and ``condition`` holds; ``dated``:
# only a problem with a 办结期限 can meet it.
Condition = tuple[str, tuple[str, ...], Q, bool]


def _conditions(user: access.Viewer, today: date) -> list[Condition]:
    """(kind, statuses, condition, dated) in order of precedence: the first that holds names the row.

    Each says its statuses apart from the rest of its condition, so that the SQL tests a row's status once:
    a status tested twice, the database takes for a rarer row and picks a worse plan."""
    admin = access.is_admin(user)
    offices = [g.region for g in access.grants(user) if g.role == Role.OFFICE and g.region is not None]
    groups, units, orgs = access.group_ids(user), access.unit_ids(user), access.handler_org_ids(user)
    office_scope = Q() if admin else _any([access.region_within_q("region", r.prefix) for r in offices])
    office = admin or bool(offices)
    found: list[Condition] = []
    if office and (pending := _pending_extension()):
        found.append((Action.APPROVE_EXTENSION, WORKING_STATUSES, office_scope & Q(pk__in=pending), False))
    if admin:
        found.append((Action.TRIAGE, ROUTING_STATUSES, Q(), False))
    elif offices:
        found.append((Action.TRIAGE, ROUTING_STATUSES, _any([_office_routes(r) for r in offices]), False))
    if groups:
        found.append((Action.TRIAGE, (Status.REPORTED,), Q(group_id__in=groups), False))
    if units:
        found.append((Action.TRIAGE, (Status.REPORTED,), Q(group__dispatching_org_id__in=units), False))
    if orgs:
        found.append((Action.ACCEPT, (Status.ASSIGNED,), Q(handling_org_id__in=orgs), False))
        found.append((Action.RESOLVE, WORKING_STATUSES, Q(handling_org_id__in=orgs), False))
    if groups:
        # The group handles it itself (Problem.handled_by_group): its members are its handler.
        found.append((Action.RESOLVE, WORKING_STATUSES, Q(handling_org=None, group_id__in=groups), False))
        found.append(("close", (Status.RESOLVED,), Q(handling_org=None, group_id__in=groups), False))
        found.append((Action.VERIFY, (Status.RESOLVED,), Q(group_id__in=groups), False))
    if office:
        found += [(kind, statuses, office_scope & Q(deadline__lt=today), True) for kind, statuses in CHASED]
    return [c for c in found if c[2] != NOTHING]


class _StatusIn(RawSQL):
    """``status IN ('accepted', …)`` with the statuses written into the SQL rather than bound as parameters:
    SQLite uses a partial index (problems 0013_workbench_indexes) only for a condition it can read when it
    plans the statement. On SQLite it is also said to hold for most rows (``likelihood``, as
    ``accounts.access._Likely``): without statistics SQLite would otherwise read all the rows of those
    statuses from the (status, deadline) index and sort them, where the partial index gives them in order."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection)
        return f"likelihood({sql}, 0.9)", params


def _status_in(statuses: list[str] | tuple[str, ...]) -> Q:
    if not set(statuses) <= set(Status.values):  # our own constants, written into the SQL
        raise ValueError(f"unknown status in {statuses!r}")
    column = f"{connection.ops.quote_name(Problem._meta.db_table)}.{connection.ops.quote_name('status')}"
    listed = ", ".join(f"'{s}'" for s in statuses)
    return Q(_StatusIn(f"{column} IN ({listed})", [], output_field=BooleanField()))


def _where(statuses: tuple[str, ...], q: Q) -> Q:
    return _status_in(statuses) & q


def kinds_of(user: access.Viewer, today: date | None = None, undated: bool = False) -> dict[str, Q]:
    """Each kind's rows (a key of ``KINDS`` → its condition, in the order of precedence): a row is the kind of
    the first condition of ``_conditions`` it meets, so that no row is two kinds. ``undated``: of the
    problems without a 办结期限 only."""
    return _kinds(_conditions(user, today or timezone.localdate()), undated)


def _kinds(conditions: list[Condition], undated: bool = False) -> dict[str, Q]:
    """``kinds_of`` from the user's conditions. A kind's statuses come first, outermost — once, when one
    condition makes the kind — where the database sees that a partial index of those statuses (problems
    0013_workbench_indexes) serves it. ``undated`` leaves out the conditions only a deadline meets."""
    found: dict[str, list[Q]] = {}
    statuses: dict[str, list[str]] = {}
    before = NOTHING
    for kind, st, q, dated in conditions:
        if undated and dated:
            continue
        mine = _where(st, q) if before == NOTHING else _where(st, q & ~before)
        found.setdefault(kind, []).append(mine)
        statuses.setdefault(kind, []).extend(s for s in st if s not in statuses.get(kind, []))
        before |= _where(st, q)
    return {
        kind: qs[0] if len(qs) == 1 else _status_in(statuses[kind]) & _any(qs) for kind, qs in found.items()
    }


def todos(user: access.Viewer, today: date | None = None) -> QuerySet[Any]:
    """Every to-do of the user, each with ``waiting`` (a key of ``KINDS``), for a list or an export: the rows
    ``board`` counts and lists, in the user's scope."""
    kinds = kinds_of(user, today)
    if not kinds:
        return Problem.objects.none().annotate(waiting=Value("", output_field=CharField()))
    waiting = Case(*(When(q, then=Value(kind)) for kind, q in kinds.items()), output_field=CharField())
    return Problem.objects.visible_to(user).filter(_any(list(kinds.values()))).annotate(waiting=waiting)


@dataclass(frozen=True)
class Board:
    """What the workbench shows of the user's to-dos: how many of each kind (the page says “99+” from
    ``CAP``) and the first ``LIMIT`` of them (or of one kind), the nearest deadline first."""

    counts: list[dict]  # {"kind", "label", "n", "shown"}: kinds with none left out, in the order of KINDS
    ids: list[tuple[int, str]]  # (problem id, kind) of the rows listed, in order
    total: int  # of the kind asked for, or of all; at least this many when ``capped``
    capped: bool

    @property
    def total_label(self) -> str:
        return f"{self.total}+" if self.capped else str(self.total)


def board(user: access.Viewer, today: date | None = None, kind: str = "") -> Board:
    """The user's to-dos for the workbench, in ONE query whatever their number: of each kind its first
    ``CAP`` rows in the workbench's order, so the database stops at a hundred rows of a kind instead of
    counting and sorting all of them. The counts are what came back (``CAP`` of a kind: “99+”); the list is
    the first rows of all kinds merged in that order, which are among them.

    The order is the nearest 办结期限 first, then the oldest (发现日期, id), problems without a deadline last.
    Each kind is read in two parts, one per half of that order — with a deadline, by deadline; without, by
    发现日期 — each a SELECT … LIMIT of one UNION ALL, so that an index gives each part's rows in its order
    (the running problems by deadline, those waiting to be routed by date: problems 0013_workbench_indexes)
    and the database reads a few hundred index entries, not the region's rows.

    The conditions are the user's grants' own, each inside that grant's scope (test_workbench_queries.py
    checks it); the rows listed are read through ``visible_to`` (the view)."""
    parts = []
    conditions = _conditions(user, today or timezone.localdate())
    for undated in (False, True):
        for k, q in _kinds(conditions, undated).items():
            part = (
                Problem.objects.filter(q, deadline__isnull=undated)
                .annotate(waiting=Value(k, output_field=CharField()))
                .order_by("deadline", "reported_on", "pk")  # without a deadline: by date
                .values_list("pk", "waiting", "deadline", "reported_on")[:CAP]
            )
            parts.append(part.query.sql_with_params())
    found: list[tuple] = []
    if parts:
        with connection.cursor() as cursor:
            cursor.execute(
                " UNION ALL ".join(f"SELECT * FROM ({sql}) todo{i}" for i, (sql, _p) in enumerate(parts)),
                [p for _sql, params in parts for p in params],
            )
            found = cursor.fetchall()
    n: dict[str, int] = {}
    for _pk, waiting, *_keys in found:
        n[waiting] = n.get(waiting, 0) + 1
    counts = [
        {"kind": k, "label": label, "n": n[k], "shown": f"{CAP - 1}+" if n[k] >= CAP else str(n[k])}
        for k, (label, _s) in KINDS.items()
        if n.get(k)
    ]
    chosen = [c for c in counts if not kind or c["kind"] == kind]
    listed = sorted(
        (r for r in found if not kind or r[1] == kind),
        key=lambda r: (r[2] is None, _day(r[2]) if r[2] else date.min, _day(r[3]), r[0]),
    )[:LIMIT]
    return Board(
        counts=counts,
        ids=[(r[0], r[1]) for r in listed],
        total=sum(min(c["n"], CAP - 1) for c in chosen),
        capped=any(c["n"] >= CAP for c in chosen),
    )


def _day(value: Any) -> date:
    """A date as the database hands it back in a raw row (SQLite: text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def ledger_query(kind: str) -> dict[str, str]:
    """The 问题台账's filter that holds a kind's rows (by status, when one status holds them all)."""
    statuses = KINDS[kind][1] if kind in KINDS else ()
    return {"status": statuses[0], "sort": "deadline"} if len(statuses) == 1 else {"sort": "deadline"}
