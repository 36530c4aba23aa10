"""The problem's life in one table: (state, action) → next state, who may do it, what it requires.

``problem_transition()`` is the only code that changes ``Problem.status``. It checks the table, the actor's
role and scope, the required fields and the version the actor saw (optimistic locking), then writes the
change and exactly one ProblemEvent (with its attachments and outcomes) in one transaction.

Who acts as what on one problem (``acting_roles``): an office cadre on problems in their region subtree (an
escalated problem only for an office at the level it was escalated to); a group leader or member on their
group's problems; a handler on problems of their organization; a dispatching unit on its groups' problems;
the admin everywhere. When the group handles a problem itself (no handling unit, e.g. a 现场解决 problem that
回访 reopened), the group's members act as its handler.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from sijin.accounts import access
from sijin.accounts.models import Role
from sijin.core.audit import audit
from sijin.core.workdays import add_workdays

from .models import Level, Problem, ProblemAttachment, ProblemEvent, Status

S = Status
OFFICE = frozenset({Role.OFFICE, Role.ADMIN})
GROUP = frozenset({Role.GROUP_LEADER, Role.MEMBER})
LEADER_OF_GROUP = frozenset({Role.GROUP_LEADER})
HANDLER = frozenset({Role.HANDLER})
TRIAGERS = OFFICE | LEADER_OF_GROUP | {Role.UNIT}

# Optional fields any action may carry (they are written to the problem or the event).
COMMON_OPTIONAL = ("comment", "measures", "coordinated_with")


@dataclass(frozen=True)
class Transition:
    to: str | None  # None: the state does not change (延期), or the fields decide it (回访)
    roles: frozenset
    requires: tuple[str, ...] = ()
    optional: tuple[str, ...] = field(default=())


ACTION_LABELS = {
    "report": gettext_noop("上报"),
    "triage": gettext_noop("分级交办"),
    "resolve_on_site": gettext_noop("现场解决"),
    "accept": gettext_noop("签收"),
    "return": gettext_noop("退回"),
    "uphold": gettext_noop("维持交办"),
    "progress": gettext_noop("报告进展"),
    "request_extension": gettext_noop("申请延期"),
    "approve_extension": gettext_noop("批准延期"),
    "reject_extension": gettext_noop("驳回延期"),
    "resolve": gettext_noop("办结"),
    "verify": gettext_noop("回访"),
    "escalate": gettext_noop("提级"),
    "defer": gettext_noop("长期推进"),
    "resume": gettext_noop("恢复办理"),
    "cancel": gettext_noop("撤销"),
    "merge": gettext_noop("合并"),
    "urge": gettext_noop("催办"),
    "supervise": gettext_noop("督办"),
}


class ReturnReason:
    """退回原因: the handler says why the problem is not theirs; the office rules on it."""

    NOT_OURS = gettext_noop("不属于本单位职责")
    INCOMPLETE = gettext_noop("信息不全")
    DUPLICATE = gettext_noop("重复交办")
    OTHER = gettext_noop("其他")
    choices = (NOT_OURS, INCOMPLETE, DUPLICATE, OTHER)


SATISFACTION_VALUES = ("satisfied", "basic", "dissatisfied")

_TRIAGE = ("level", "handling_org")
_TRIAGE_OPTIONAL = ("handler", "deadline_days", "complex")
_WORKING = (S.ACCEPTED, S.IN_PROGRESS, S.REOPENED)  # the handler is on it
_OPEN = (S.REPORTED, S.ASSIGNED, S.RETURNED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED)
_RESOLVE_OPTIONAL = ("evidence", "outcomes", "level")

TRANSITIONS: dict[tuple[str, str], Transition] = {
    # 分级交办: the group leader or its unit routes a fresh problem; the office re-routes (改派) the rest.
    (S.REPORTED, "triage"): Transition(S.ASSIGNED, TRIAGERS, _TRIAGE, _TRIAGE_OPTIONAL),
    (S.ASSIGNED, "triage"): Transition(S.ASSIGNED, OFFICE, _TRIAGE, _TRIAGE_OPTIONAL),
    (S.RETURNED, "triage"): Transition(S.ASSIGNED, OFFICE, _TRIAGE, _TRIAGE_OPTIONAL),
    (S.ESCALATED, "triage"): Transition(S.ASSIGNED, OFFICE, _TRIAGE, _TRIAGE_OPTIONAL),
    (S.DEFERRED, "triage"): Transition(S.ASSIGNED, OFFICE, _TRIAGE, _TRIAGE_OPTIONAL),
    (S.REPORTED, "resolve_on_site"): Transition(S.RESOLVED, GROUP, ("resolution",), _RESOLVE_OPTIONAL),
    (S.ASSIGNED, "accept"): Transition(S.ACCEPTED, HANDLER),
    (S.ASSIGNED, "return"): Transition(S.RETURNED, HANDLER, ("reason", "comment")),
    (S.RETURNED, "uphold"): Transition(S.ASSIGNED, OFFICE, ("comment",)),
    **{(s, "progress"): Transition(S.IN_PROGRESS, HANDLER, ("comment",)) for s in _WORKING},
    **{(s, "request_extension"): Transition(None, HANDLER, ("new_deadline", "comment")) for s in _WORKING},
    **{(s, "approve_extension"): Transition(None, OFFICE) for s in _WORKING},
    **{(s, "reject_extension"): Transition(None, OFFICE, ("comment",)) for s in _WORKING},
    **{(s, "resolve"): Transition(S.RESOLVED, HANDLER, ("resolution",), _RESOLVE_OPTIONAL) for s in _WORKING},
    (S.RESOLVED, "verify"): Transition(None, GROUP, ("satisfaction",), ("deadline_days",)),
    **{(s, "escalate"): Transition(S.ESCALATED, OFFICE | LEADER_OF_GROUP, ("comment",)) for s in _OPEN},
    **{(s, "defer"): Transition(S.DEFERRED, OFFICE, ("comment", "review_on")) for s in _OPEN},
    (S.DEFERRED, "resume"): Transition(S.ASSIGNED, OFFICE, (), ("deadline_days", "complex")),
    **{
        (s, "cancel"): Transition(S.CANCELLED, OFFICE | LEADER_OF_GROUP, ("comment",))
        for s in (S.REPORTED, S.ASSIGNED, S.RETURNED, S.ESCALATED, S.DEFERRED)
    },
    (S.REPORTED, "merge"): Transition(S.MERGED, OFFICE | LEADER_OF_GROUP, ("merged_into",)),
    **{
        (s, "merge"): Transition(S.MERGED, OFFICE, ("merged_into",))
        for s in (S.ASSIGNED, S.RETURNED, S.ESCALATED)
    },
}

FIELD_LABELS = {
    "level": gettext_noop("办理层级"),
    "handling_org": gettext_noop("承办单位"),
    "handler": gettext_noop("承办人"),
    "deadline_days": gettext_noop("办理时限(工作日)"),
    "complex": gettext_noop("复杂问题"),
    "resolution": gettext_noop("办理结果"),
    "reason": gettext_noop("退回原因"),
    "comment": gettext_noop("说明"),
    "new_deadline": gettext_noop("延期至"),
    "satisfaction": gettext_noop("满意度"),
    "review_on": gettext_noop("下次研判日期"),
    "merged_into": gettext_noop("合并至"),
    "evidence": gettext_noop("佐证材料"),
    "outcomes": gettext_noop("成效"),
    "measures": gettext_noop("办理措施"),
    "coordinated_with": gettext_noop("协调对象"),
}

# 提级: the level a problem goes to, and the region level (RegionLevel) of the office that takes it there.
NEXT_LEVEL = {
    "": Level.COUNTY,
    Level.ON_SITE: Level.COUNTY,
    Level.GROUP: Level.COUNTY,
    Level.NOT_READY: Level.COUNTY,
    Level.COUNTY: Level.CITY,
    Level.CITY: Level.PROVINCE,
}
OFFICE_REGION_LEVEL: dict[str, int] = {Level.COUNTY: 3, Level.CITY: 2, Level.PROVINCE: 1}


class StaleProblem(ValidationError):
    """Someone else changed the problem since the actor loaded it."""


STALE_MESSAGE = "该问题已被他人处理,请刷新后再操作。"


def allowed_actions(user, problem: Problem) -> list[str]:
    """The actions this user may take on this problem now (for showing only those buttons)."""
    user_roles = acting_roles(user, problem)
    return [a for (s, a), t in TRANSITIONS.items() if s == problem.status and user_roles & t.roles]


def acting_roles(user, problem: Problem) -> set[str]:
    """The user's roles that apply to this problem (see the module docstring)."""
    result = set()
    for g in access.grants(user):
        if g.role == Role.OFFICE and _office_covers(g.region, problem):
            result.add(g.role)
        elif g.role in GROUP and g.work_group_id == problem.group_id:
            result.add(g.role)
            if problem.handling_org_id is None and problem.status == S.REOPENED:
                result.add(Role.HANDLER)
        elif (g.role == Role.HANDLER and g.organization_id == problem.handling_org_id) or (
            g.role == Role.UNIT and g.organization_id == problem.group.dispatching_org_id
        ):
            result.add(g.role)
    if access.is_admin(user):
        result.add(Role.ADMIN)
    return result


def _office_covers(region, problem: Problem) -> bool:
    if not problem.region_id.startswith(region.prefix):
        return False
    if problem.status == S.ESCALATED:  # only the office of the level it was escalated to takes it up
        return region.level <= OFFICE_REGION_LEVEL.get(problem.level, 3)
    return True


def default_deadline_days(problem: Problem, complex_problem: bool = False) -> int:
    """办结时限: complex problems get the campaign's complex_days; otherwise the category's, else the campaign's."""
    campaign = problem.campaign
    if complex_problem:
        return campaign.complex_days
    if problem.category_id and problem.category.solve_days:
        return problem.category.solve_days
    return campaign.solve_days


@transaction.atomic
def problem_transition(
    *,
    actor,
    problem: Problem,
    action: str,
    version: int | None = None,
    on_date: date | None = None,
    **fields: Any,
) -> Problem:
    """Apply ``action`` to ``problem`` for ``actor``; raise ValidationError/PermissionDenied and change nothing.

    ``version`` is the version the actor saw (default: the loaded object's); ``on_date`` the business date
    (default today). Files in ``evidence`` become attachments of the event; ``outcomes`` (a list of
    {"indicator", "value", "note"}) are recorded as the target's 成效, linked to the problem.
    """
    transition = TRANSITIONS.get((problem.status, action))
    label = ACTION_LABELS.get(action, action)
    if transition is None:
        raise ValidationError(f"当前状态“{problem.get_status_display()}”下不能{label}。")
    if not acting_roles(actor, problem) & transition.roles:
        raise PermissionDenied(f"您无权对此问题执行“{label}”。")
    unknown = set(fields) - set(transition.requires) - set(transition.optional) - set(COMMON_OPTIONAL)
    if unknown:
        raise ValidationError(f"{label}不接受这些字段:{'、'.join(sorted(unknown))}。")
    missing = [FIELD_LABELS[f] for f in transition.requires if fields.get(f) in (None, "", [], ())]
    if missing:
        raise ValidationError(f"{label}须填写:{'、'.join(missing)}。")
    today = on_date or timezone.localdate()
    seen_version = problem.version if version is None else version
    before = problem.status
    if action == "merge":
        # The problem merged into must be one the actor can see; never confirm that a hidden one exists.
        given = fields["merged_into"]
        pk = given.pk if isinstance(given, Problem) else given
        if not access.visible_problems(actor).filter(pk=pk).exists():
            raise ValidationError("合并至的问题不存在或无权查看。")
    changes, data, to = _apply(action, problem, fields, today)
    to = to or transition.to or before

    updated = Problem.objects.filter(pk=problem.pk, version=seen_version, status=before).update(
        status=to, version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if updated != 1:
        raise StaleProblem(STALE_MESSAGE)
    data |= {k: _plain(v) for k, v in fields.items() if k not in ("comment", "evidence", "outcomes")}
    event = ProblemEvent.objects.create(
        problem=problem,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=before,
        to_status=to,
        comment=fields.get("comment", "") or fields.get("resolution", ""),
        data=data,
        on_date=today,
    )
    problem.refresh_from_db()
    extra = _record_evidence(event, fields.get("evidence") or ())
    extra |= _record_outcomes(actor, problem, fields.get("outcomes") or (), today)
    if extra:
        event.data = event.data | extra
        event.save(update_fields=["data"])
    if action == "escalate":
        _notify_escalation(problem)
    audit(actor, f"problem_{action}", problem, f"{label}:{problem.title}", event=event.pk)
    return problem


def _apply(
    action: str, problem: Problem, fields: dict[str, Any], today: date
) -> tuple[dict, dict, str | None]:
    """Validate the fields of ``action``; return (column changes, extra event data, the state it leads to)."""
    changes: dict[str, Any] = {}
    data: dict[str, Any] = {}
    to = None
    if action in ("triage", "resume"):
        if action == "triage":
            changes |= _routing(fields)
        elif problem.handling_org_id is None:
            raise ValidationError("该问题尚未交办承办单位,请分级交办。")
        days = _deadline_days(problem, fields)
        changes |= {
            "assigned_on": today,
            "deadline_days": days,
            "deadline": add_workdays(today, days),
            "accept_by": add_workdays(today, problem.campaign.accept_days),
            "accepted_on": None,
        }
    elif action == "accept":
        changes["accepted_on"] = today
    elif action == "return":
        if fields["reason"] not in ReturnReason.choices:
            raise ValidationError(f"退回原因应为:{'、'.join(ReturnReason.choices)}。")
    elif action == "uphold":
        changes |= {"accept_by": add_workdays(today, problem.campaign.accept_days), "accepted_on": None}
    elif action == "request_extension":
        new_deadline = fields["new_deadline"]
        if not isinstance(new_deadline, date):
            raise ValidationError("延期日期格式不正确。")
        if problem.deadline and today > problem.deadline:
            raise ValidationError("已超过办结期限,不能再申请延期。")
        if problem.deadline and new_deadline <= problem.deadline:
            raise ValidationError("延期日期应晚于原办结期限。")
        if pending_extension(problem):
            raise ValidationError("已有待审批的延期申请。")
    elif action in ("approve_extension", "reject_extension"):
        pending = pending_extension(problem)
        if pending is None:
            raise ValidationError("没有待审批的延期申请。")
        data["request"] = pending.pk
        if action == "approve_extension":
            changes["deadline"] = date.fromisoformat(pending.data["new_deadline"])
            data |= {"old_deadline": _plain(problem.deadline), "new_deadline": pending.data["new_deadline"]}
    elif action in ("resolve", "resolve_on_site"):
        changes |= {"resolution": fields["resolution"], "resolved_on": today}
        if action == "resolve_on_site":
            level = fields.get("level") or Level.ON_SITE
            if level not in (Level.ON_SITE, Level.GROUP):
                raise ValidationError("现场解决的办理层级应为现场解决或工作组协调。")
            changes["level"] = level
        _check_outcomes(problem, fields.get("outcomes") or ())
    elif action == "verify":
        to = _verify(problem, fields, today, changes)
    elif action == "escalate":
        if problem.level == Level.PROVINCE:
            raise ValidationError("已是省级办理,不能再提级。")
        changes["level"] = NEXT_LEVEL[problem.level]
        data["old_level"] = problem.level
    elif action == "defer":
        if not isinstance(fields["review_on"], date) or fields["review_on"] <= today:
            raise ValidationError("下次研判日期应晚于今天。")
        changes["review_on"] = fields["review_on"]
    elif action == "merge":
        changes["merged_into"] = _merge_target(problem, fields["merged_into"])
    for name in ("measures", "coordinated_with"):
        if fields.get(name):
            changes[name] = fields[name]
    return changes, data, to


def _routing(fields: dict[str, Any]) -> dict[str, Any]:
    if fields["level"] not in Level.values:
        raise ValidationError("办理层级不正确。")
    handler = fields.get("handler")
    if handler is not None and handler.organization_id != fields["handling_org"].pk:
        raise ValidationError("承办人不属于承办单位。")
    return {"level": fields["level"], "handling_org": fields["handling_org"], "handler": handler}


def _deadline_days(problem: Problem, fields: dict[str, Any]) -> int:
    raw = fields.get("deadline_days")
    try:
        days = (
            int(raw) if raw not in (None, "") else default_deadline_days(problem, bool(fields.get("complex")))
        )
    except (TypeError, ValueError):
        raise ValidationError("办理时限应为1至365个工作日。") from None
    if not 1 <= days <= 365:
        raise ValidationError("办理时限应为1至365个工作日。")
    return days


def _verify(problem: Problem, fields: dict[str, Any], today: date, changes: dict[str, Any]) -> str:
    """回访: 满意/基本满意 → 销号; 不满意 → 重办 with a new deadline from today."""
    satisfaction = fields["satisfaction"]
    if satisfaction not in SATISFACTION_VALUES:
        raise ValidationError("满意度应为满意、基本满意或不满意。")
    changes["satisfaction"] = satisfaction
    if satisfaction != "dissatisfied":
        changes["closed_on"] = today
        return S.CLOSED
    days = _deadline_days(problem, {"deadline_days": fields.get("deadline_days") or problem.deadline_days})
    changes |= {"deadline_days": days, "deadline": add_workdays(today, days), "resolved_on": None}
    if problem.assigned_on is None:
        # A 现场解决 problem: the group takes it up again from today, as its own handler. It gets the
        # acceptance window triage would give; since there is nobody else to sign for it (REOPENED has no
        # 签收), the group's taking it up is the signing, so 响应率 never counts it as unsigned.
        changes |= {
            "assigned_on": today,
            "accept_by": add_workdays(today, problem.campaign.accept_days),
            "accepted_on": today,
        }
    return S.REOPENED


def _merge_target(problem: Problem, given: Problem | int) -> Problem:
    target = given if isinstance(given, Problem) else Problem.objects.filter(pk=given).first()
    if target is None or target.pk == problem.pk or target.status in (S.MERGED.value, S.CANCELLED.value):
        raise ValidationError("不能合并到自身、已合并或已撤销的问题。")
    if target.campaign_id != problem.campaign_id:
        raise ValidationError("只能合并到同一行动的问题。")
    return target


def pending_extension(problem: Problem) -> ProblemEvent | None:
    """The latest 申请延期 not yet approved or rejected, if any."""
    request = problem.events.filter(action="request_extension").order_by("-id").first()
    if request is None:
        return None
    answered = problem.events.filter(action__in=("approve_extension", "reject_extension"), id__gt=request.id)
    return None if answered.exists() else request


def _check_outcomes(problem: Problem, outcomes: Iterable[dict[str, Any]]) -> None:
    for spec in outcomes:
        if not {"indicator", "value"} <= set(spec):
            raise ValidationError("每项成效须有指标和数值。")
        if spec["indicator"].campaign_id != problem.campaign_id:
            raise ValidationError("成效指标不属于该问题所在行动。")


def _record_outcomes(actor, problem: Problem, outcomes: Iterable[dict[str, Any]], today: date) -> dict:
    """办结's outcomes land in the target's 成效 (one entry, linked to the problem)."""
    from sijin.fieldwork.services import outcome_record

    ids = [
        outcome_record(
            actor=actor,
            target=problem.target,
            indicator=spec["indicator"],
            value=spec["value"],
            date=spec.get("date") or today,
            note=spec.get("note", ""),
            problem=problem,
        ).pk
        for spec in outcomes
    ]
    return {"outcomes": ids} if ids else {}


def _record_evidence(event: ProblemEvent, files: Iterable[Any]) -> dict:
    names = []
    for f in files:
        name = getattr(f, "name", "") or "附件"
        ProblemAttachment.objects.create(
            event=event,
            file=f,
            name=name[:200],
            content_type=getattr(f, "content_type", "") or "application/octet-stream",
            size=f.size,
        )
        names.append(name)
    return {"evidence": names} if names else {}


def _notify_escalation(problem: Problem) -> None:
    """Tell the office that now holds an escalated problem (in-app)."""
    from sijin.core.models import Notification

    from .supervision import office_users

    required = OFFICE_REGION_LEVEL.get(problem.level, 3)
    users = [u for u, region in office_users(problem) if region.level <= required]
    Notification.objects.bulk_create(
        Notification(
            user=u,
            kind="escalate",
            title=f"提级问题待交办:{problem.title}"[:200],
            body=f"{problem.target.name} 的问题提级至{problem.get_level_display()},请分级交办。",
            url=f"/problems/{problem.pk}/",
        )
        for u in users
    )


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, date):
        return value.isoformat()
    return value
