"""Supervision: deadline lights (problems.lights), the daily sweep (problems.sweep: 催办 at yellow, 督办 at red)
and the office's own 催办 (here). The lights and the sweep are imported from here, as before they were split.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from sijin.accounts import access
from sijin.accounts.models import Role, User
from sijin.core.audit import audit
from sijin.core.models import AuditAction, Notification
from sijin.core.notifications import Message, notification_send_bulk
from sijin.core.services import recorded_actor
from sijin.core.validators import TEXT_MAX
from sijin.core.workdays import workdays_left

from .lights import annotate_light, filter_light, light_conditions, light_q, problem_light, yellow_until
from .models import HANDLER_STATUSES, Action, Light, Problem, ProblemEvent
from .sweep import SweepResult, supervision_sweep

__all__ = [
    "SweepResult",
    "annotate_light",
    "days_overdue",
    "filter_light",
    "light_conditions",
    "light_q",
    "may_urge",
    "problem_light",
    "problem_urge",
    "supervision_sweep",
    "yellow_until",
]


# --- the office's 催办 ------------------------------------------------------------------------------------------

URGERS = frozenset({Role.OFFICE, Role.ADMIN})


def _deadline_words(problem: Problem) -> str:
    deadline = f"办结期限为{problem.deadline:%Y年%m月%d日}" if problem.deadline else "尚无办结期限"
    return f"“{problem.title}”({problem.target.name}){deadline}"


def _notifications(
    problem: Problem, kind: Action, recipients: list[User], text: str, url: str, label: str = ""
) -> list[Notification]:
    """The in-app notice of a 催办/督办 of one problem to each recipient (not yet saved)."""
    subject = f"【{label or Action.label_of(kind)}】{problem.title}"[:200]
    return [Notification(user=u, kind=kind, title=subject, body=text, url=url) for u in recipients]


def notifications_create(notes: list[Notification]) -> None:
    """Write the office's 催办's in-app notifications (user, kind, title, body, url), pushed to the users'
    devices when the transaction commits; no mail from here. (The sweep writes its own with INSERT … SELECT,
    in the same shape, and mails one letter per address itself.)"""
    notification_send_bulk(
        messages=[Message(n.user, n.kind, n.title, n.body, n.url) for n in notes], mail=False
    )


def days_overdue(problem: Problem, today: date | None = None) -> int:
    """Working days past the 办结期限 (0 while it runs, or without one)."""
    if problem.deadline is None:
        return 0
    return max(0, -workdays_left(problem.deadline, today or timezone.localdate()))


def may_urge(user: access.Viewer, problem: Problem) -> bool:
    """催办 is the office's (over the problem's region), while the handling unit has it and it is due: the
    light is yellow or red (a list's annotated ``light``, else computed), or 签收 is late. Not right after 交办."""
    if problem.status not in HANDLER_STATUSES or not access.acting_roles(user, problem) & URGERS:
        return False
    today = timezone.localdate()
    if problem.accepted_on is None and problem.accept_by is not None and problem.accept_by < today:
        return True
    light = getattr(problem, "light", None) or problem_light(problem, today)
    return light in (Light.YELLOW, Light.RED)


@transaction.atomic
def problem_urge(*, actor: User | None, problem: Problem, comment: str = "") -> ProblemEvent:
    """催办 by the office: notify the problem's handlers now, with the office's words, and record it on the
    timeline. Once a day per problem (the sweep's 催办 counts), so a double click or a bulk resend sends one."""
    if not access.acting_roles(actor, problem) & URGERS:
        raise PermissionDenied("只有活动办可以催办。")
    problem = (
        Problem.objects.select_for_update(of=("self",))  # PostgreSQL locks no nullable outer-joined row
        .select_related("target", "handling_org", "handler", "campaign", "group")
        .get(pk=problem.pk)
    )
    if problem.status not in HANDLER_STATUSES:
        raise ValidationError(f"当前状态“{problem.get_status_display()}”下无需催办。")
    if len(comment) > TEXT_MAX:
        raise ValidationError({"comment": [f"说明不能超过{TEXT_MAX}字(当前{len(comment)}字)。"]})
    today = timezone.localdate()
    if problem.events.filter(action=Action.URGE, on_date=today).exists():
        raise ValidationError("今天已催办过该问题。")
    late = days_overdue(problem, today)
    state = f"已超期{late}个工作日" if late else "请按期办结"
    text = f"{_deadline_words(problem)},{state},请抓紧办理并报告办理情况。"
    if comment.strip():
        text += f"\n{comment.strip()}"
    recipients = access.problem_handlers(problem)
    url = reverse("problems:problem_detail", args=[problem.pk])
    notifications_create(_notifications(problem, Action.URGE, recipients, text, url))
    event = ProblemEvent.objects.create(
        problem=problem,
        actor=recorded_actor(actor),
        action=Action.URGE,
        from_status=problem.status,
        to_status=problem.status,
        comment=text,
        on_date=today,
        data={
            "deadline": problem.deadline.isoformat() if problem.deadline else None,
            "recipients": [u.pk for u in recipients],
        },
    )
    audit(
        actor, AuditAction.PROBLEM_EVENT, problem, f"催办:{problem.title}", event=event.pk, step=Action.URGE
    )
    return event
