"""Supervision: deadline lights, the daily sweep (催办 at yellow, 督办 at red) and the office's own 催办.

Lights: ``green`` on track (or solved by the deadline), ``yellow`` when at most ``campaign.yellow_days``
working days are left (the deadline day itself counts as 0 left), ``red`` when overdue, ``closed_late`` when
solved after the deadline, ``none`` without a deadline or when nothing runs (长期推进, 撤销, 合并, 未交办).

For lists the lights are plain date comparisons: the first day that is no longer yellow is
``add_workdays(today, yellow_days + 1)``, computed once per distinct ``yellow_days`` (so once per campaign at
most), never per row — the ledger can filter a million rows by light on the (status, deadline) index.

The sweep claims each reminder with a conditional UPDATE of ``urged_for``/``supervised_for`` (the deadline the
reminder was for), so it runs safely twice or from two processes at once, and arms again when the deadline
moves (延期 approved, 重办).
"""

import logging
import operator
from dataclasses import dataclass
from datetime import date
from functools import reduce

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from sijin.accounts import access
from sijin.accounts.models import Role, RoleGrant, User
from sijin.campaigns.models import Campaign
from sijin.core.audit import audit
from sijin.core.models import AuditAction, Notification
from sijin.core.services import recorded_actor
from sijin.core.validators import TEXT_MAX
from sijin.core.workdays import add_workdays, workdays_left

from .models import HANDLER_STATUSES, RUNNING_STATUSES, SOLVED_STATUSES, Action, Light, Problem, ProblemEvent

log = logging.getLogger(__name__)


def yellow_until(today: date, yellow_days: int) -> date:
    """The first deadline that is still green today: deadlines in [today, this) are yellow."""
    return add_workdays(today, yellow_days + 1)


def _thresholds(today: date) -> dict[int, tuple[date, list[int]]]:
    """For each distinct yellow_days: (the first green deadline, the campaigns using it). One clock per value."""
    groups: dict[int, list[int]] = {}
    for pk, days in Campaign.objects.values_list("id", "yellow_days"):
        groups.setdefault(days, []).append(pk)
    return {days: (yellow_until(today, days), ids) for days, ids in groups.items()}


def _conditions(today: date) -> dict[Light, Q]:
    running = Q(status__in=RUNNING_STATUSES, deadline__isnull=False)
    before_green = Q(pk__in=[])
    for until, ids in _thresholds(today).values():
        before_green |= Q(campaign_id__in=ids, deadline__lt=until)
    solved = Q(status__in=SOLVED_STATUSES, deadline__isnull=False, resolved_on__isnull=False)
    return {
        Light.RED: running & Q(deadline__lt=today),
        Light.YELLOW: running & Q(deadline__gte=today) & before_green,
        Light.CLOSED_LATE: solved & Q(resolved_on__gt=F("deadline")),
        Light.GREEN: (running & Q(deadline__gte=today) & ~before_green)
        | (solved & Q(resolved_on__lte=F("deadline"))),
    }


def light_q(light: str, today: date | None = None) -> Q:
    """A filter condition for one light (``none`` = none of the others)."""
    conditions = _conditions(today or timezone.localdate())
    if light == Light.NONE:
        return ~reduce(operator.or_, conditions.values())
    if light not in Light.values:
        raise ValueError(f"unknown light {light!r}")
    return conditions[Light(light)]


def filter_light(problems: QuerySet[Problem], light: str, today: date | None = None) -> QuerySet[Problem]:
    return problems.filter(light_q(light, today))


def annotate_light(problems: QuerySet[Problem], today: date | None = None) -> QuerySet[Problem]:
    """Add ``light`` to each row, computed by the database (for ``{% include "includes/light.html" %}``)."""
    conditions = _conditions(today or timezone.localdate())
    whens = [When(condition, then=Value(light.value)) for light, condition in conditions.items()]
    return problems.annotate(light=Case(*whens, default=Value(Light.NONE.value), output_field=CharField()))


def problem_light(problem: Problem, today: date | None = None) -> str:
    """The light of one problem (for a detail page); the same rules as ``light_q``."""
    today = today or timezone.localdate()
    if problem.deadline is None:
        return Light.NONE
    if problem.status in SOLVED_STATUSES and problem.resolved_on:
        return Light.CLOSED_LATE if problem.resolved_on > problem.deadline else Light.GREEN
    if problem.status not in RUNNING_STATUSES:
        return Light.NONE
    if problem.deadline < today:
        return Light.RED
    if problem.deadline < yellow_until(today, problem.campaign.yellow_days):
        return Light.YELLOW
    return Light.GREEN


# --- the sweep ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    urged: int
    supervised: int
    emails: int


KINDS = {
    # kind: (light, mark field)
    Action.URGE: (Light.YELLOW, "urged_for"),
    Action.SUPERVISE: (Light.RED, "supervised_for"),
}


def supervision_sweep(*, today: date | None = None) -> SweepResult:
    """催办 every yellow problem and 督办 every red one not yet reminded for its deadline. Idempotent."""
    today = today or timezone.localdate()
    office_grants = access.active_office_grants()
    mails: list[EmailMessage] = []
    counts = {}
    for kind, (light, mark) in KINDS.items():
        condition = light_q(light, today) & Q(status__in=HANDLER_STATUSES)
        due = (
            Problem.objects.filter(condition)
            .exclude(**{mark: F("deadline")})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        counts[kind] = sum(_remind(pk, kind, condition, today, office_grants, mails) for pk in due.iterator())
    sent = 0
    if mails:
        try:
            sent = get_connection().send_messages(mails) or 0
        except Exception:  # the in-app notifications and events are committed; mail is best effort
            log.exception("督办巡检:邮件发送失败")
    return SweepResult(urged=counts[Action.URGE], supervised=counts[Action.SUPERVISE], emails=sent)


@transaction.atomic
def _remind(
    pk: int,
    kind: Action,
    condition: Q,
    today: date,
    office_grants: list[RoleGrant],
    mails: list[EmailMessage],
) -> bool:
    """Claim one reminder (conditional UPDATE); if this process won it, notify and write the event."""
    _light, mark = KINDS[kind]
    title = Action.label_of(kind)
    claimed = (
        Problem.objects.filter(condition, pk=pk)
        .exclude(**{mark: F("deadline")})
        .update(**{mark: F("deadline")})
    )
    if not claimed:
        return False
    problem = Problem.objects.select_related("target", "handling_org", "handler", "campaign").get(pk=pk)
    if kind == Action.URGE:
        recipients = access.problem_handlers(problem)
        text = f"{_deadline_words(problem)},已临近,请抓紧办理。"
    else:
        people = {u.pk: u for u in access.problem_unit_users(problem)}
        people |= {
            u.pk: u for u, _region in access.offices_over(problem.region_id, office_grants=office_grants)
        }
        recipients = list(people.values())
        text = (
            f"{_deadline_words(problem)},"
            f"已超期,请{problem.handling_org or '承办单位'}立即办理并报告办理情况。"
        )
    subject = _notify(problem, kind, recipients, text)
    url = reverse("problems:problem_detail", args=[problem.pk])
    ProblemEvent.objects.create(
        problem=problem,
        action=kind,
        from_status=problem.status,
        to_status=problem.status,
        comment=text,
        on_date=today,
        data={"deadline": problem.deadline.isoformat(), "recipients": [u.pk for u in recipients]},
    )
    audit(None, AuditAction.PROBLEM_EVENT, problem, f"{title}:{problem.title}", step=kind)
    addresses = sorted({u.email for u in recipients if u.email})
    if kind == Action.SUPERVISE and problem.handling_org and problem.handling_org.email:
        addresses = sorted({*addresses, problem.handling_org.email})
    if addresses:
        mails.append(EmailMessage(subject=subject, body=f"{text}\n\n{url}", to=addresses))
    return True


def _deadline_words(problem: Problem) -> str:
    deadline = f"办结期限为{problem.deadline:%Y年%m月%d日}" if problem.deadline else "尚无办结期限"
    return f"“{problem.title}”({problem.target.name}){deadline}"


def _notify(problem: Problem, kind: Action, recipients: list[User], text: str) -> str:
    """The in-app notice of a 催办/督办 to each recipient; returns its subject."""
    subject = f"【{Action.label_of(kind)}】{problem.title}"[:200]
    url = reverse("problems:problem_detail", args=[problem.pk])
    Notification.objects.bulk_create(
        Notification(user=u, kind=kind, title=subject, body=text, url=url) for u in recipients
    )
    return subject


# --- the office's 催办 ------------------------------------------------------------------------------------------

URGERS = frozenset({Role.OFFICE, Role.ADMIN})


def days_overdue(problem: Problem, today: date | None = None) -> int:
    """Working days past the 办结期限 (0 while it runs, or without one)."""
    if problem.deadline is None:
        return 0
    return max(0, -workdays_left(problem.deadline, today or timezone.localdate()))


def may_urge(user: access.Viewer, problem: Problem) -> bool:
    """催办 is the office's (over the problem's region), while the handling unit has it."""
    return problem.status in HANDLER_STATUSES and bool(access.acting_roles(user, problem) & URGERS)


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
    _notify(problem, Action.URGE, recipients, text)
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
