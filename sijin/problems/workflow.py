"""The problem's life in one table: (state, action) → next state, who may do it, what it requires.

``problem_transition()`` is the only code that changes ``Problem.status``. It checks the table, the actor's
role and scope, the required fields and the version the actor saw (optimistic locking), then writes the
change and one ProblemEvent in one transaction.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sijin.accounts import access
from sijin.accounts.models import Role
from sijin.core.audit import audit

from .models import Level, Problem, ProblemEvent, Status

S = Status
OFFICE = frozenset({Role.OFFICE, Role.ADMIN})
GROUP = frozenset({Role.GROUP_LEADER, Role.MEMBER})
LEADER_OF_GROUP = frozenset({Role.GROUP_LEADER})
HANDLER = frozenset({Role.HANDLER})
TRIAGERS = OFFICE | LEADER_OF_GROUP | {Role.UNIT}


@dataclass(frozen=True)
class Transition:
    to: str | None  # None: decided by the fields (回访), or the state does not change (进展, 延期)
    roles: frozenset
    requires: tuple[str, ...] = ()
    label: str = ""
    optional: tuple[str, ...] = field(default=())


ACTION_LABELS = {
    "triage": "分级交办", "resolve_on_site": "现场解决", "accept": "签收", "return": "退回", "uphold": "维持交办",
    "progress": "报告进展", "request_extension": "申请延期", "approve_extension": "批准延期",
    "reject_extension": "驳回延期", "resolve": "办结", "verify": "回访", "escalate": "提级", "defer": "长期推进",
    "resume": "恢复办理", "cancel": "撤销", "merge": "合并",
}

_OPEN_FOR_ESCALATION = (S.REPORTED, S.ASSIGNED, S.RETURNED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED)
TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.REPORTED, "triage"): Transition(S.ASSIGNED, TRIAGERS, ("level", "handling_org", "deadline_days")),
    (S.RETURNED, "triage"): Transition(S.ASSIGNED, OFFICE, ("level", "handling_org", "deadline_days")),
    (S.ESCALATED, "triage"): Transition(S.ASSIGNED, OFFICE, ("level", "handling_org", "deadline_days")),
    (S.REPORTED, "resolve_on_site"): Transition(S.RESOLVED, GROUP, ("resolution",)),
    (S.ASSIGNED, "accept"): Transition(S.ACCEPTED, HANDLER),
    (S.ASSIGNED, "return"): Transition(S.RETURNED, HANDLER, ("reason", "comment")),
    (S.RETURNED, "uphold"): Transition(S.ASSIGNED, OFFICE, ("comment",)),
    (S.ACCEPTED, "progress"): Transition(S.IN_PROGRESS, HANDLER, ("comment",)),
    (S.IN_PROGRESS, "progress"): Transition(S.IN_PROGRESS, HANDLER, ("comment",)),
    (S.REOPENED, "progress"): Transition(S.IN_PROGRESS, HANDLER, ("comment",)),
    (S.ACCEPTED, "request_extension"): Transition(None, HANDLER, ("new_deadline", "comment")),
    (S.IN_PROGRESS, "request_extension"): Transition(None, HANDLER, ("new_deadline", "comment")),
    (S.ACCEPTED, "approve_extension"): Transition(None, OFFICE),
    (S.IN_PROGRESS, "approve_extension"): Transition(None, OFFICE),
    (S.ACCEPTED, "reject_extension"): Transition(None, OFFICE, ("comment",)),
    (S.IN_PROGRESS, "reject_extension"): Transition(None, OFFICE, ("comment",)),
    (S.ACCEPTED, "resolve"): Transition(S.RESOLVED, HANDLER, ("resolution",)),
    (S.IN_PROGRESS, "resolve"): Transition(S.RESOLVED, HANDLER, ("resolution",)),
    (S.REOPENED, "resolve"): Transition(S.RESOLVED, HANDLER, ("resolution",)),
    (S.RESOLVED, "verify"): Transition(None, GROUP, ("satisfaction",)),
    **{(s, "escalate"): Transition(S.ESCALATED, OFFICE | LEADER_OF_GROUP, ("comment",)) for s in _OPEN_FOR_ESCALATION},
    **{(s, "defer"): Transition(S.DEFERRED, OFFICE, ("comment", "review_on")) for s in _OPEN_FOR_ESCALATION},
    (S.DEFERRED, "resume"): Transition(S.ASSIGNED, OFFICE, ("deadline_days",)),
    **{(s, "cancel"): Transition(S.CANCELLED, OFFICE | LEADER_OF_GROUP, ("comment",))
       for s in (S.REPORTED, S.ASSIGNED, S.RETURNED, S.ESCALATED, S.DEFERRED)},
    **{(s, "merge"): Transition(S.MERGED, OFFICE, ("merged_into",)) for s in (S.REPORTED, S.ASSIGNED, S.RETURNED)},
}

FIELD_LABELS = {
    "level": "办理层级", "handling_org": "承办单位", "deadline_days": "办理时限(工作日)", "resolution": "办理结果",
    "reason": "退回原因", "comment": "说明", "new_deadline": "延期至", "satisfaction": "满意度",
    "review_on": "下次研判日期", "merged_into": "合并至",
}


class StaleProblem(ValidationError):
    """Someone else changed the problem since the actor loaded it."""


def allowed_actions(user, problem: Problem) -> list[str]:
    """The actions this user may take on this problem now (for showing only those buttons)."""
    user_roles = _acting_roles(user, problem)
    return [a for (s, a), t in TRANSITIONS.items() if s == problem.status and user_roles & t.roles]


def _acting_roles(user, problem: Problem) -> set[str]:
    """The user's roles that apply to this problem: a handler only for their own unit's problems, etc."""
    result = set()
    for g in access.grants(user):
        if (g.role in (Role.OFFICE,) and problem.region_id.startswith(g.region.prefix)) \
                or (g.role in (Role.GROUP_LEADER, Role.MEMBER) and g.work_group_id == problem.group_id) \
                or (g.role == Role.HANDLER and g.organization_id == problem.handling_org_id) \
                or (g.role == Role.UNIT and g.organization_id == problem.group.dispatching_org_id):
            result.add(g.role)
    if access.is_admin(user):
        result.add(Role.ADMIN)
    return result


@transaction.atomic
def problem_transition(*, actor, problem: Problem, action: str, version: int | None = None,
                       on_date: date | None = None, **fields: Any) -> Problem:
    """Apply ``action`` to ``problem`` for ``actor``; raise ValidationError/PermissionDenied and change nothing."""
    from sijin.core.workdays import add_workdays

    transition = TRANSITIONS.get((problem.status, action))
    label = ACTION_LABELS.get(action, action)
    if transition is None:
        raise ValidationError(f"当前状态“{problem.get_status_display()}”下不能{label}。")
    if not _acting_roles(actor, problem) & transition.roles:
        raise PermissionDenied(f"您无权对此问题执行“{label}”。")
    missing = [FIELD_LABELS[f] for f in transition.requires if fields.get(f) in (None, "")]
    if missing:
        raise ValidationError(f"{label}须填写:{'、'.join(missing)}。")
    today = on_date or timezone.localdate()
    seen_version = problem.version if version is None else version
    before = problem.status
    changes: dict[str, Any] = {}
    to = transition.to or before

    if action in ("triage", "resume"):
        if action == "triage":
            if fields["level"] not in Level.values:
                raise ValidationError("办理层级不正确。")
            changes["level"] = fields["level"]
            changes["handling_org"] = fields["handling_org"]
            changes["handler"] = fields.get("handler")
        days = int(fields["deadline_days"])
        if not 1 <= days <= 365:
            raise ValidationError("办理时限应为1至365个工作日。")
        changes |= {"assigned_on": today, "deadline_days": days, "deadline": add_workdays(today, days),
                    "accept_by": add_workdays(today, problem.campaign.accept_days)}
    elif action == "accept":
        changes["accepted_on"] = today
    elif action == "request_extension":
        if problem.deadline and today > problem.deadline:
            raise ValidationError("已超过办结期限,不能再申请延期。")
        if problem.deadline and fields["new_deadline"] <= problem.deadline:
            raise ValidationError("延期日期应晚于原办结期限。")
        fields["pending_extension"] = fields["new_deadline"].isoformat()
    elif action in ("approve_extension", "reject_extension"):
        pending = problem.events.filter(action="request_extension").order_by("-at", "-id").first()
        answered = pending and problem.events.filter(
            action__in=("approve_extension", "reject_extension"), id__gt=pending.id).exists()
        if not pending or answered:
            raise ValidationError("没有待审批的延期申请。")
        if action == "approve_extension":
            changes["deadline"] = date.fromisoformat(pending.data["new_deadline"])
            fields["old_deadline"] = problem.deadline.isoformat() if problem.deadline else ""
    elif action in ("resolve", "resolve_on_site"):
        changes |= {"resolution": fields["resolution"], "resolved_on": today}
        if fields.get("measures"):
            changes["measures"] = fields["measures"]
        if fields.get("coordinated_with"):
            changes["coordinated_with"] = fields["coordinated_with"]
        if action == "resolve_on_site":
            changes["level"] = fields.get("level") or Level.ON_SITE
    elif action == "verify":
        sat = fields["satisfaction"]
        if sat not in ("satisfied", "basic", "dissatisfied"):
            raise ValidationError("满意度应为满意、基本满意或不满意。")
        changes["satisfaction"] = sat
        if sat == "dissatisfied":
            to = S.REOPENED
            days = int(fields.get("deadline_days") or problem.deadline_days or problem.campaign.solve_days)
            changes |= {"deadline": add_workdays(today, days), "resolved_on": None}
        else:
            to = S.CLOSED
            changes["closed_on"] = today
    elif action == "defer":
        changes["review_on"] = fields["review_on"]
    elif action == "merge":
        target = fields["merged_into"]
        if target.pk == problem.pk or target.status == S.MERGED:
            raise ValidationError("不能合并到自身或已合并的问题。")
        changes["merged_into"] = target
    if fields.get("measures") and "measures" not in changes:
        changes["measures"] = fields["measures"]

    updated = Problem.objects.filter(pk=problem.pk, version=seen_version, status=before).update(
        status=to, version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if updated != 1:
        raise StaleProblem("该问题已被他人处理,请刷新后再操作。")
    event_data = {k: _plain(v) for k, v in fields.items() if k not in ("comment",)}
    event = ProblemEvent.objects.create(
        problem=problem, actor=actor if getattr(actor, "pk", None) else None, action=action, from_status=before,
        to_status=to, comment=fields.get("comment", "") or fields.get("resolution", ""), data=event_data,
        on_date=today,
    )
    audit(actor, f"problem_{action}", problem, f"{label}:{problem.title}", event=event.pk)
    problem.refresh_from_db()
    return problem


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, date):
        return value.isoformat()
    return value
