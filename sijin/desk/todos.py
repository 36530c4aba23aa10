"""我的待办: the problems waiting for the viewer, each named by the step it waits for (待交办, 待签收 …).

The kinds follow the workflow table (problems.workflow.TRANSITIONS): a problem is the viewer's to-do when the
viewer's role on it may take the step its status waits for — the office, the group leader and the unit route
(分级交办; a member may solve it on the spot or take it up), the handling unit signs and handles, the office
rules on a pending 申请延期, the group does the 回访 (待销号 when the group solved it itself, so the 回访 only
confirms it). The office also chases what is overdue in its region (督办): those rows name the step the
problem waits for from others. Finished problems (已销号, 已撤销 …) and steps someone else takes leave the list.

The conditions are SQL, one ``CASE`` over the user's grants, so a province office's list and its counts cost one
query each however many problems it covers. test_todos.py checks every row against the workflow table.
"""

from typing import Any

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from sijin.accounts import access
from sijin.accounts.models import Role
from sijin.problems.models import (
    OFFICE_REGION_LEVEL,
    ROUTING_STATUSES,
    WORKING_STATUSES,
    Action,
    Light,
    Problem,
    ProblemEvent,
    Status,
)
from sijin.problems.supervision import light_q

LIMIT = 30  # rows on the workbench; the rest in the 问题台账

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


def _any(conditions: list[Q]) -> Q:
    q = NOTHING
    for c in conditions:
        q |= c
    return q


def _pending_extension() -> Exists:
    """A 申请延期 with no 批准/驳回 after it (problems.workflow.pending_extension, as SQL)."""
    answered = ProblemEvent.objects.filter(
        problem=OuterRef("problem"),
        action__in=(Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION),
        id__gt=OuterRef("id"),
    )
    return Exists(
        ProblemEvent.objects.filter(problem=OuterRef("pk"), action=Action.REQUEST_EXTENSION).filter(
            ~Exists(answered)
        )
    )


def _office_routes(region) -> Q:
    """What an office of ``region`` routes: fresh and returned problems of its subtree, and the escalated ones
    taken up to its level or below it (accounts.access._office_covers)."""
    levels = [lv for lv, region_level in OFFICE_REGION_LEVEL.items() if region.level <= region_level]
    escalated = Q(level__in=levels)
    if region.level <= min(OFFICE_REGION_LEVEL.values()):  # a level not in the map counts as the county's
        escalated |= ~Q(level__in=list(OFFICE_REGION_LEVEL))
    return Q(region__code__startswith=region.prefix) & (
        Q(status__in=(Status.REPORTED, Status.RETURNED)) | (Q(status=Status.ESCALATED) & escalated)
    )


def _conditions(user: access.Viewer, lights: dict[Light, Q] | None = None) -> list[tuple[str, Q]]:
    """(kind, condition) in order of precedence: the first that holds names the row."""
    admin = access.is_admin(user)
    offices = [g.region for g in access.grants(user) if g.role == Role.OFFICE and g.region is not None]
    groups, units, orgs = access.group_ids(user), access.unit_ids(user), access.handler_org_ids(user)
    office_scope = Q() if admin else _any([Q(region__code__startswith=r.prefix) for r in offices])
    office = admin or bool(offices)
    working = Q(status__in=WORKING_STATUSES)
    found: list[tuple[str, Q]] = []
    if office:
        found.append((Action.APPROVE_EXTENSION, office_scope & working & Q(_pending_extension())))
    route = [Q(status__in=ROUTING_STATUSES)] if admin else [_office_routes(r) for r in offices]
    if groups:
        route.append(Q(status=Status.REPORTED, group_id__in=groups))
    if units:
        route.append(Q(status=Status.REPORTED, group__dispatching_org_id__in=units))
    found.append((Action.TRIAGE, _any(route)))
    if orgs:
        found.append((Action.ACCEPT, Q(status=Status.ASSIGNED, handling_org_id__in=orgs)))
        found.append((Action.RESOLVE, working & Q(handling_org_id__in=orgs)))
    if groups:
        # The group handles it itself (Problem.handled_by_group): its members are its handler.
        found.append((Action.RESOLVE, working & Q(handling_org=None, group_id__in=groups)))
        mine = Q(status=Status.RESOLVED, group_id__in=groups)
        found.append(("close", mine & Q(handling_org=None)))
        found.append((Action.VERIFY, mine))
    if office:
        overdue = office_scope & (lights[Light.RED] if lights else light_q(Light.RED))
        found.append((Action.ACCEPT, overdue & Q(status=Status.ASSIGNED)))
        found.append((Action.RESOLVE, overdue & working))
        found.append((Action.TRIAGE, overdue & Q(status__in=ROUTING_STATUSES)))
    return [(kind, q) for kind, q in found if q != NOTHING]


def todos(user: access.Viewer, lights: dict[Light, Q] | None = None) -> QuerySet[Any]:
    """The user's to-dos, each with ``waiting`` (a key of ``KINDS``); ``lights``: the page's
    ``light_conditions``, so that the deadline clock is read once."""
    conditions = _conditions(user, lights)
    if not conditions:
        return Problem.objects.none().annotate(waiting=Value("", output_field=CharField()))
    waiting = Case(*(When(q, then=Value(kind)) for kind, q in conditions), output_field=CharField())
    return (
        Problem.objects.visible_to(user)
        .filter(_any([q for _kind, q in conditions]))
        .annotate(waiting=waiting)
    )


def counts(rows: QuerySet[Any]) -> list[dict]:
    """How many of each kind, in the order of ``KINDS``: [{"kind", "label", "n"}], kinds with none left out."""
    found = dict(rows.order_by().values_list("waiting").annotate(n=Count("pk")))
    return [
        {"kind": kind, "label": label, "n": found[kind]}
        for kind, (label, _s) in KINDS.items()
        if found.get(kind)
    ]


ORDER = (F("deadline").asc(nulls_last=True), "reported_on", "pk")


def shown(rows: QuerySet[Any], kind: str = "") -> QuerySet[Any]:
    """The rows the workbench lists (of one kind, if given): the nearest deadline first, the oldest first.

    Their ids first, then the rows: the to-dos of a province office are thousands of rows, and only the
    ``LIMIT`` shown need their target and unit joined."""
    if kind:
        rows = rows.filter(waiting=kind)
    ids = list(rows.order_by(*ORDER).values_list("pk", flat=True)[:LIMIT])
    return rows.filter(pk__in=ids).order_by(*ORDER)


def ledger_query(kind: str) -> dict[str, str]:
    """The 问题台账's filter that holds a kind's rows (by status, when one status holds them all)."""
    statuses = KINDS[kind][1] if kind in KINDS else ()
    return {"status": statuses[0], "sort": "deadline"} if len(statuses) == 1 else {"sort": "deadline"}
