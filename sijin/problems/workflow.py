"""The problem's life in one table: (state, action) → next state, who may do it, what it requires.

``problem_transition()`` is the only code that changes ``Problem.status``. It checks the table, the actor's
role and scope, the required fields and the version the actor saw (optimistic locking), then writes the
change and exactly one ProblemEvent (with its attachments and outcomes) in one transaction.

Who acts as what on one problem is decided by the scope module (``accounts.access.acting_roles``); the table
says which of those roles may take each action.

Adding an action touches two places and nothing else:
1. a member of ``Action`` (problems.models) — its label is the button, the page title and the timeline wording;
2. its rows in ``TRANSITIONS`` below — the states it leaves from, where it leads, who may take it, and the
   fields it requires and accepts. The action's form is built from those fields (problems.forms.ActionForm);
   a field no action had before needs its label in ``FIELD_LABELS`` and its form field in
   ``problems.forms.FORM_FIELDS``/``_field`` — the one form description.
What the action does beyond changing the state (dates, deadlines, checks) goes in ``_apply``.
problems/tests/test_vocabulary.py proves every action in the table has a label, a form and a timeline wording.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from sijin.accounts import access
from sijin.accounts.models import Role, User
from sijin.campaigns.models import Category
from sijin.campaigns.services import check_date
from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.services import recorded_actor
from sijin.core.validators import TEXT_MAX
from sijin.core.workdays import add_workdays
from sijin.directory.models import Organization, Region

from .models import (
    NEXT_LEVEL,
    OPEN_STATUSES,
    WORKING_STATUSES,
    Action,
    Level,
    Problem,
    ProblemAttachment,
    ProblemEvent,
    Status,
)
from .notify import notify_step

S = Status
A = Action
OFFICE = frozenset({Role.OFFICE, Role.ADMIN})
GROUP = frozenset({Role.GROUP_LEADER, Role.MEMBER})
LEADER_OF_GROUP = frozenset({Role.GROUP_LEADER})
HANDLER = frozenset({Role.HANDLER})
TRIAGERS = OFFICE | LEADER_OF_GROUP | {Role.UNIT}

# Optional fields any action may carry (they are written to the problem or the event).
COMMON_OPTIONAL = ("comment", "measures", "coordinated_with")
# Actions that may record one 帮扶措施 taken (fieldwork.Measure: type, times, units, people) for the problem.
MEASURE_ACTIONS = ("triage", "self_handle", "progress", "resolve", "resolve_on_site")


@dataclass(frozen=True)
class Transition:
    to: str | None  # None: the state does not change (延期), or the fields decide it (回访)
    roles: frozenset
    requires: tuple[str, ...] = ()
    optional: tuple[str, ...] = field(default=())


class ReturnReason:
    """退回原因: the handler says why the problem is not theirs; the office rules on it."""

    NOT_OURS = gettext_noop("不属于本单位职责")
    INCOMPLETE = gettext_noop("信息不全")
    DUPLICATE = gettext_noop("重复交办")
    OTHER = gettext_noop("其他")
    choices = (NOT_OURS, INCOMPLETE, DUPLICATE, OTHER)


SATISFACTION_VALUES = ("satisfied", "basic", "dissatisfied")

_TRIAGE = ("level", "handling_org")
_TRIAGE_OPTIONAL = ("handler", "deadline_days", "complex", "category")
# 提级 and 长期推进 are taken from any open state but an escalated one (that one the office routes).
_ESCALABLE = tuple(s for s in OPEN_STATUSES if s != S.ESCALATED)
_RESOLVE_OPTIONAL = ("evidence", "outcomes", "level")

TRANSITIONS: dict[tuple[str, str], Transition] = {
    # 分级交办: the group leader or its unit routes a fresh problem; the office re-routes (改派) the rest.
    (S.REPORTED, A.TRIAGE): Transition(S.ASSIGNED, TRIAGERS, _TRIAGE, _TRIAGE_OPTIONAL),
    (S.ASSIGNED, A.TRIAGE): Transition(S.ASSIGNED, OFFICE, _TRIAGE, _TRIAGE_OPTIONAL),
    (S.RETURNED, A.TRIAGE): Transition(S.ASSIGNED, OFFICE, _TRIAGE, _TRIAGE_OPTIONAL),
    (S.ESCALATED, A.TRIAGE): Transition(S.ASSIGNED, OFFICE, _TRIAGE, _TRIAGE_OPTIONAL),
    (S.DEFERRED, A.TRIAGE): Transition(S.ASSIGNED, OFFICE, _TRIAGE, _TRIAGE_OPTIONAL),
    (S.REPORTED, A.RESOLVE_ON_SITE): Transition(S.RESOLVED, GROUP, ("resolution",), _RESOLVE_OPTIONAL),
    # 自行办理: the group takes the problem on itself (no handling unit); its members then act as its handler.
    (S.REPORTED, A.SELF_HANDLE): Transition(S.IN_PROGRESS, GROUP, (), ("deadline_days", "complex")),
    (S.ASSIGNED, A.ACCEPT): Transition(S.ACCEPTED, HANDLER),
    (S.ASSIGNED, A.RETURN): Transition(S.RETURNED, HANDLER, ("reason", "comment")),
    (S.RETURNED, A.UPHOLD): Transition(S.ASSIGNED, OFFICE, ("comment",)),
    # 报告进展: the handler's report moves the problem to 办理中; the group's follow-up report (跟踪问效) on a
    # problem a unit handles changes nothing but the timeline (see problem_transition).
    **{(s, A.PROGRESS): Transition(S.IN_PROGRESS, HANDLER | GROUP, ("comment",)) for s in WORKING_STATUSES},
    **{
        (s, A.REQUEST_EXTENSION): Transition(None, HANDLER, ("new_deadline", "comment"))
        for s in WORKING_STATUSES
    },
    **{(s, A.APPROVE_EXTENSION): Transition(None, OFFICE) for s in WORKING_STATUSES},
    **{(s, A.REJECT_EXTENSION): Transition(None, OFFICE, ("comment",)) for s in WORKING_STATUSES},
    **{
        (s, A.RESOLVE): Transition(S.RESOLVED, HANDLER, ("resolution",), _RESOLVE_OPTIONAL)
        for s in WORKING_STATUSES
    },
    (S.RESOLVED, A.VERIFY): Transition(None, GROUP, ("satisfaction",), ("deadline_days",)),
    **{(s, A.ESCALATE): Transition(S.ESCALATED, OFFICE | LEADER_OF_GROUP, ("comment",)) for s in _ESCALABLE},
    **{(s, A.DEFER): Transition(S.DEFERRED, OFFICE, ("comment", "review_on")) for s in _ESCALABLE},
    (S.DEFERRED, A.RESUME): Transition(S.ASSIGNED, OFFICE, (), ("deadline_days", "complex")),
    **{
        (s, A.CANCEL): Transition(S.CANCELLED, OFFICE | LEADER_OF_GROUP, ("comment",))
        for s in (S.REPORTED, S.ASSIGNED, S.RETURNED, S.ESCALATED, S.DEFERRED)
    },
    (S.REPORTED, A.MERGE): Transition(S.MERGED, OFFICE | LEADER_OF_GROUP, ("merged_into",)),
    **{
        (s, A.MERGE): Transition(S.MERGED, OFFICE, ("merged_into",))
        for s in (S.ASSIGNED, S.RETURNED, S.ESCALATED)
    },
}

FIELD_LABELS = {
    "level": gettext_noop("办理层级"),
    "handling_org": gettext_noop("承办单位"),
    "handler": gettext_noop("承办人"),
    "category": gettext_noop("类别"),
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
    "measure": gettext_noop("帮扶措施"),
}


class StaleProblem(ValidationError):
    """Someone else changed the problem since the actor loaded it."""


STALE_MESSAGE = "该问题已被他人处理,请刷新后再操作。"


def allowed_actions(user: access.Viewer, problem: Problem) -> list[str]:
    """The actions this user may take on this problem now (for showing only those buttons).

    批准/驳回延期 are offered only while a request waits, 申请延期 only while none does.
    """
    user_roles = access.acting_roles(user, problem)
    found = [a for (s, a), t in TRANSITIONS.items() if s == problem.status and user_roles & t.roles]
    if {A.APPROVE_EXTENSION, A.REJECT_EXTENSION, A.REQUEST_EXTENSION} & set(found):
        hidden = (
            (A.REQUEST_EXTENSION,)
            if pending_extension(problem)
            else (A.APPROVE_EXTENSION, A.REJECT_EXTENSION)
        )
        found = [a for a in found if a not in hidden]
    return found


def routing_orgs(problem: Problem) -> QuerySet[Organization]:
    """承办单位 offered for a problem: units of its region or an ancestor region, and the group's sending unit."""
    codes = []
    node: Region | None = problem.region
    while node is not None:
        codes.append(node.code)
        node = node.parent
    return Organization.objects.filter(
        Q(region_id__in=codes) | Q(pk=problem.group.dispatching_org_id)
    ).order_by("name")


def default_deadline_days(
    problem: Problem, complex_problem: bool = False, category: Category | None = None
) -> int:
    """办结时限: complex problems get the campaign's complex_days; otherwise the category's (``category``: the one
    分级交办 sets, else the problem's), else the campaign's."""
    campaign = problem.campaign
    category = category or problem.category
    if complex_problem:
        return campaign.complex_days
    if category is not None and category.solve_days:
        return category.solve_days
    return campaign.solve_days


@transaction.atomic
def problem_transition(
    *,
    actor: User | None,
    problem: Problem,
    action: str,
    version: int | None = None,
    on_date: date | None = None,
    **fields: Any,
) -> Problem:
    """Apply ``action`` to ``problem`` for ``actor``; raise ValidationError/PermissionDenied and change nothing.

    ``version`` is the version the actor saw (default: the loaded object's); ``on_date`` the day it happened
    (发生日期, default today; 补录 gives an earlier one): the problem's dates, its deadlines and its outcomes
    count from it, while the event's ``at`` and the audit keep the moment it was entered. Files in ``evidence``
    become attachments of the event; ``outcomes`` (a list of {"indicator", "value", "note"}) are recorded as
    the target's 成效, linked to the problem.
    """
    transition = TRANSITIONS.get((problem.status, action))
    label = Action.label_of(action)
    if transition is None:
        raise ValidationError(f"当前状态“{problem.get_status_display()}”下不能{label}。")
    user_roles = access.acting_roles(actor, problem)
    if not user_roles & transition.roles:
        raise PermissionDenied(f"您无权对此问题执行“{label}”。")
    accepted = {*transition.requires, *transition.optional, *COMMON_OPTIONAL}
    if action in MEASURE_ACTIONS:
        accepted.add("measure")
    unknown = set(fields) - accepted
    if unknown:
        raise ValidationError(f"{label}不接受这些字段:{'、'.join(sorted(unknown))}。")
    missing = [FIELD_LABELS[f] for f in transition.requires if fields.get(f) in (None, "", [], ())]
    if missing:
        raise ValidationError(f"{label}须填写:{'、'.join(missing)}。")
    _check_texts(fields)
    # Today, the default, may fall after a campaign that ended with work still open: only another day is checked.
    if on_date is not None and on_date != timezone.localdate():
        check_date(problem.campaign, on_date, "on_date")
    today = on_date or timezone.localdate()
    _check_order(problem, today)
    seen_version = problem.version if version is None else version
    before = problem.status
    if action == A.MERGE:
        # The problem merged into must be one the actor can see; never confirm that a hidden one exists.
        given = fields["merged_into"]
        pk = given.pk if isinstance(given, Problem) else given
        if not Problem.objects.visible_to(actor).filter(pk=pk).exists():
            raise ValidationError("合并至的问题不存在或无权查看。")
    changes, data, to = _apply(action, problem, fields, today, actor)
    if action == A.PROGRESS and Role.HANDLER not in user_roles:
        to = before  # the group's follow-up on a unit's problem: the unit's state is the unit's to change
    to = to or transition.to or before

    updated = Problem.objects.filter(pk=problem.pk, version=seen_version, status=before).update(
        status=to, version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if updated != 1:
        raise StaleProblem(STALE_MESSAGE)
    data |= {
        k: _plain(v) for k, v in fields.items() if k not in ("comment", "evidence", "outcomes", "measure")
    }
    event = ProblemEvent.objects.create(
        problem=problem,
        actor=recorded_actor(actor),
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
    if fields.get("measure"):
        extra |= _record_measure(actor, problem, fields["measure"], today)
    if extra:
        event.data = event.data | extra
        event.save(update_fields=["data"])
    notify_step(actor=actor, problem=problem, event=event)
    audit(actor, AuditAction.PROBLEM_EVENT, problem, f"{label}:{problem.title}", event=event.pk, step=action)
    return problem


def _check_texts(fields: dict[str, Any]) -> None:
    """The free text of an action, capped like the model fields it is written to (``.update()`` skips their
    validators)."""
    for name, value in fields.items():
        if isinstance(value, str) and len(value) > TEXT_MAX:
            label = FIELD_LABELS.get(name, name)
            raise ValidationError({name: [f"{label}不能超过{TEXT_MAX}字(当前{len(value)}字)。"]})


# Reminders (催办, 督办) and photos are not steps of the case: a step may be entered as having happened
# before one.
_REMINDERS = (A.URGE, A.SUPERVISE, A.PHOTO)


def _check_order(problem: Problem, day: date) -> None:
    """A step cannot have happened before the problem was found, nor before the step it follows."""
    if day < problem.reported_on:
        raise ValidationError({"on_date": [f"发生日期不能早于发现日期({problem.reported_on:%Y-%m-%d})。"]})
    last = (
        problem.events.exclude(action__in=_REMINDERS)
        .filter(on_date__gt=day)
        .order_by("-on_date", "-id")
        .first()
    )
    if last is not None and last.on_date is not None:
        raise ValidationError(
            {
                "on_date": [
                    f"发生日期不能早于上一步“{Action.label_of(last.action)}”的日期({last.on_date:%Y-%m-%d})。"
                ]
            }
        )


def _apply(
    action: str, problem: Problem, fields: dict[str, Any], today: date, actor: User | None = None
) -> tuple[dict, dict, str | None]:
    """Validate the fields of ``action``; return (column changes, extra event data, the state it leads to).

    ``today`` is the day the action happened: every date and deadline it sets counts from it.
    """
    changes: dict[str, Any] = {}
    data: dict[str, Any] = {}
    to = None
    if action == A.SELF_HANDLE:
        changes |= _self_handling(problem, fields, today, actor)
    elif action in (A.TRIAGE, A.RESUME):
        if action == A.TRIAGE:
            changes |= _routing(problem, fields)
        elif problem.handling_org_id is None:
            raise ValidationError("该问题尚未交办承办单位,请分级交办。")
        days = _deadline_days(problem, fields, changes.get("category"))
        changes |= {
            "assigned_on": today,
            "deadline_days": days,
            "deadline": add_workdays(today, days),
            "accept_by": add_workdays(today, problem.campaign.accept_days),
            "accepted_on": None,
        }
    elif action == A.ACCEPT:
        changes["accepted_on"] = today
    elif action == A.RETURN:
        if fields["reason"] not in ReturnReason.choices:
            raise ValidationError(f"退回原因应为:{'、'.join(ReturnReason.choices)}。")
    elif action == A.UPHOLD:
        changes |= {"accept_by": add_workdays(today, problem.campaign.accept_days), "accepted_on": None}
    elif action == A.REQUEST_EXTENSION:
        new_deadline = fields["new_deadline"]
        if not isinstance(new_deadline, date):
            raise ValidationError("延期日期格式不正确。")
        if problem.deadline and today > problem.deadline:
            raise ValidationError("已超过办结期限,不能再申请延期。")
        if problem.deadline and new_deadline <= problem.deadline:
            raise ValidationError("延期日期应晚于原办结期限。")
        if pending_extension(problem):
            raise ValidationError("已有待审批的延期申请。")
    elif action in (A.APPROVE_EXTENSION, A.REJECT_EXTENSION):
        pending = pending_extension(problem)
        if pending is None:
            raise ValidationError("没有待审批的延期申请。")
        data["request"] = pending.pk
        if action == A.APPROVE_EXTENSION:
            changes["deadline"] = date.fromisoformat(pending.data["new_deadline"])
            data |= {"old_deadline": _plain(problem.deadline), "new_deadline": pending.data["new_deadline"]}
    elif action in (A.RESOLVE, A.RESOLVE_ON_SITE):
        changes |= {"resolution": fields["resolution"], "resolved_on": today}
        if action == A.RESOLVE_ON_SITE:
            level = fields.get("level") or Level.ON_SITE
            if level not in (Level.ON_SITE, Level.GROUP):
                raise ValidationError("现场解决的办理层级应为现场解决或工作组协调。")
            changes["level"] = level
        _check_outcomes(problem, fields.get("outcomes") or ())
    elif action == A.VERIFY:
        to = _verify(problem, fields, today, changes)
    elif action == A.ESCALATE:
        if problem.level == Level.PROVINCE:
            raise ValidationError("已是省级办理,不能再提级。")
        changes["level"] = NEXT_LEVEL[problem.level]
        data["old_level"] = problem.level
    elif action == A.DEFER:
        if not isinstance(fields["review_on"], date) or fields["review_on"] <= today:
            raise ValidationError("下次研判日期应晚于发生日期。")
        changes["review_on"] = fields["review_on"]
    elif action == A.MERGE:
        changes["merged_into"] = _merge_target(problem, fields["merged_into"])
    for name in ("measures", "coordinated_with"):
        if fields.get(name):
            changes[name] = fields[name]
    return changes, data, to


def _self_handling(problem: Problem, fields: dict[str, Any], today: date, actor: User | None) -> dict:
    """自行办理: no handling unit; the member who takes it is its handler (and its 包联组员 if none was named).

    The group's taking it up is both the assignment and the signing, so 响应率 never counts it as unsigned.
    """
    person = getattr(actor, "person", None)
    days = _deadline_days(problem, fields)
    return {
        "level": Level.GROUP,
        "handling_org": None,
        "handler": person,
        "responsible": problem.responsible or person,
        "assigned_on": today,
        "accept_by": add_workdays(today, problem.campaign.accept_days),
        "accepted_on": today,
        "deadline_days": days,
        "deadline": add_workdays(today, days),
    }


def _routing(problem: Problem, fields: dict[str, Any]) -> dict[str, Any]:
    """分级交办's routing: level, unit, the unit's handler, and the category the office sets or corrects."""
    if fields["level"] not in Level.values:
        raise ValidationError("办理层级不正确。")
    handler = fields.get("handler")
    if handler is not None and handler.organization_id != fields["handling_org"].pk:
        raise ValidationError({"handler": ["承办人不属于所选承办单位。"]})
    changes = {"level": fields["level"], "handling_org": fields["handling_org"], "handler": handler}
    category = fields.get("category")
    if category is not None:
        if not isinstance(category, Category) or category.campaign_id != problem.campaign_id:
            raise ValidationError({"category": ["问题类别不属于该问题所在行动。"]})
        changes["category"] = category
    return changes


def _deadline_days(problem: Problem, fields: dict[str, Any], category: Category | None = None) -> int:
    raw = fields.get("deadline_days")
    try:
        days = (
            int(raw)
            if raw not in (None, "")
            else default_deadline_days(problem, bool(fields.get("complex")), category)
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
    request = problem.events.filter(action=A.REQUEST_EXTENSION).order_by("-id").first()
    if request is None:
        return None
    answered = problem.events.filter(action__in=(A.APPROVE_EXTENSION, A.REJECT_EXTENSION), id__gt=request.id)
    return None if answered.exists() else request


def _check_outcomes(problem: Problem, outcomes: Iterable[dict[str, Any]]) -> None:
    for spec in outcomes:
        if not {"indicator", "value"} <= set(spec):
            raise ValidationError("每项成效须有指标和数值。")
        if spec["indicator"].campaign_id != problem.campaign_id:
            raise ValidationError("成效指标不属于该问题所在行动。")


def _record_outcomes(
    actor: User | None, problem: Problem, outcomes: Iterable[dict[str, Any]], today: date
) -> dict:
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


def _record_measure(actor: User | None, problem: Problem, spec: dict[str, Any], today: date) -> dict:
    """The 帮扶措施 taken with this step, as the group's measure on the problem's target, dated by the step."""
    from sijin.fieldwork.services import measure_record

    if not {"type"} <= set(spec):
        raise ValidationError({"measure": ["帮扶措施须选择措施类型。"]})
    measure = measure_record(
        actor=actor,
        group=problem.group,
        type=spec["type"],
        date=today,
        times=spec.get("times") or 1,
        units=spec.get("units"),
        people=spec.get("people"),
        target=problem.target,
        problem=problem,
    )
    return {"measure": {"id": measure.pk, "name": f"{measure.type.name}{measure.times_display}"}}


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


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, date):
        return value.isoformat()
    return value
