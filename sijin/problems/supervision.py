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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import reduce

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from sijin.accounts import access
from sijin.accounts.models import Role, RoleGrant, User
from sijin.campaigns.models import Campaign
from sijin.core.audit import audit, audit_many
from sijin.core.models import AuditAction, Notification
from sijin.core.notifications import Message, notification_send_bulk
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


def light_conditions(today: date | None = None) -> dict[Light, Q]:
    """Every light's filter condition at once (``none`` aside), for a page that needs several: the clock is
    read once (two queries) instead of once per ``light_q``."""
    return _conditions(today or timezone.localdate())


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


def annotate_light(
    problems: QuerySet[Problem], today: date | None = None, lights: dict[Light, Q] | None = None
) -> QuerySet[Problem]:
    """Add ``light`` to each row, computed by the database (for ``{% include "includes/light.html" %}``);
    ``lights``: the page's ``light_conditions`` when it has them already."""
    conditions = lights or _conditions(today or timezone.localdate())
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
SWEEP_BATCH = 1000  # problems claimed, recorded and notified per transaction
# What a reminder says of its problem (and who it goes to): loaded for each claimed batch.
REMINDER_FIELDS = (
    "id", "title", "status", "deadline", "region_id", "group_id", "handling_org_id", "handler_id",
    "target__name", "handling_org__name", "handling_org__email",
)  # fmt: skip


@dataclass(frozen=True)
class Reminder:
    """One problem's 催办/督办 as a mail lists it."""

    kind: Action
    text: str
    url: str


def supervision_sweep(*, today: date | None = None, batch: int = SWEEP_BATCH) -> SweepResult:
    """催办 every yellow problem and 督办 every red one not yet reminded for its deadline. Idempotent.

    A batch at a time: claim the batch (one conditional UPDATE … RETURNING), then in the same transaction write
    its events, audit rows and notifications with one INSERT each, so the cost grows with the batches, not the
    problems. Mail goes last, one message per address listing all of its problems."""
    today = today or timezone.localdate()
    office_grants = access.active_office_grants()
    letters: dict[str, list[Reminder]] = {}
    counts = {}
    for kind, (light, mark) in KINDS.items():
        condition = light_q(light, today) & Q(status__in=HANDLER_STATUSES)
        due = list(
            Problem.objects.filter(condition)
            .exclude(**{mark: F("deadline")})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        counts[kind] = sum(
            _remind(due[i : i + batch], kind, condition, today, office_grants, letters)
            for i in range(0, len(due), batch)
        )
    sent = 0
    if letters:
        try:
            sent = get_connection().send_messages(_letters(letters)) or 0
        except Exception:  # the in-app notifications and events are committed; mail is best effort
            log.exception("督办巡检:邮件发送失败")
    return SweepResult(urged=counts[Action.URGE], supervised=counts[Action.SUPERVISE], emails=sent)


def _claim(pks: list[int], mark: str, condition: Q) -> list[int]:
    """Set ``mark`` to the deadline on those of ``pks`` still due for it; the ids this process claimed.

    One conditional UPDATE … RETURNING (PostgreSQL, and SQLite since 3.35): of two sweeps at once, each row
    goes to one — PostgreSQL re-checks ``mark`` on the row the other committed, and SQLite has one writer."""
    qn = connection.ops.quote_name
    column = qn(str(Problem._meta.get_field(mark).column))
    due = (
        Problem.objects.filter(condition, pk__in=pks).exclude(**{mark: F("deadline")}).order_by().values("pk")
    )
    sql, params = due.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(Problem._meta.db_table)} SET {column} = {qn('deadline')} "
            f"WHERE {qn('id')} IN ({sql}) AND ({column} IS NULL OR {column} <> {qn('deadline')}) "
            f"RETURNING {qn('id')}",
            params,
        )
        return [pk for (pk,) in cursor.fetchall()]


@transaction.atomic
def _remind(
    pks: list[int],
    kind: Action,
    condition: Q,
    today: date,
    office_grants: list[RoleGrant],
    letters: dict[str, list[Reminder]],
) -> int:
    """Claim a batch of reminders; for the problems this process won, write the events, the audit rows and
    the notifications (one INSERT each) and note the mail. Returns how many it won."""
    _light, mark = KINDS[kind]
    claimed = _claim(pks, mark, condition)
    if not claimed:
        return 0
    problems = list(
        Problem.objects.filter(pk__in=claimed)
        .select_related("target", "handling_org")
        .only(*REMINDER_FIELDS)
        .order_by("pk")
    )
    rows: list[access.ProblemRow] = list(problems)
    people = access.problems_handlers(rows) if kind == Action.URGE else access.problems_unit_users(rows)
    title = Action.label_of(kind)
    detail = _detail_url()
    notes: list[Notification] = []
    events: list[ProblemEvent] = []
    for problem in problems:
        recipients = people[problem.pk]
        if kind == Action.URGE:
            text = f"{_deadline_words(problem)},已临近,请抓紧办理。"
        else:
            offices = access.offices_over(problem.region_id, office_grants=office_grants)
            recipients = list({u.pk: u for u in [*recipients, *(u for u, _region in offices)]}.values())
            text = (
                f"{_deadline_words(problem)},"
                f"已超期,请{problem.handling_org or '承办单位'}立即办理并报告办理情况。"
            )
        url = detail(problem.pk)
        notes += _notifications(problem, kind, recipients, text, url, title)
        events.append(
            ProblemEvent(
                problem=problem,
                action=kind,
                from_status=problem.status,
                to_status=problem.status,
                comment=text,
                on_date=today,
                data={"deadline": problem.deadline.isoformat(), "recipients": [u.pk for u in recipients]},
            )
        )
        addresses = {u.email for u in recipients if u.email}
        if kind == Action.SUPERVISE and problem.handling_org and problem.handling_org.email:
            addresses.add(problem.handling_org.email)
        for address in addresses:
            letters.setdefault(address, []).append(Reminder(kind, text, url))
    ProblemEvent.objects.bulk_create(events, batch_size=500)
    audit_many(None, AuditAction.PROBLEM_EVENT, [(p, f"{title}:{p.title}", {"step": kind}) for p in problems])
    notifications_create(notes)
    return len(problems)


def _detail_url() -> Callable[[int], str]:
    """The problem page's address for a pk, reversed once for a batch rather than once per problem."""
    pattern = reverse("problems:problem_detail", args=[1234567890])
    return lambda pk: pattern.replace("1234567890", str(pk))


def _letters(letters: dict[str, list[Reminder]]) -> list[EmailMessage]:
    """One mail per address, listing every problem the sweep reminded it of (督办 first)."""
    site = getattr(settings, "SIJIN_SITE_URL", "")
    messages = []
    for address in sorted(letters):
        items = sorted(letters[address], key=lambda r: r.kind != Action.SUPERVISE)
        red = sum(r.kind == Action.SUPERVISE for r in items)
        yellow = len(items) - red
        if red and yellow:
            subject = f"【督办】{red}件问题已超期,{yellow}件临近办结期限"
        elif red:
            subject = f"【督办】{red}件问题已超过办结期限" if red > 1 else f"【督办】{_only_title(items[0])}"
        else:
            subject = (
                f"【催办】{yellow}件问题临近办结期限" if yellow > 1 else f"【催办】{_only_title(items[0])}"
            )
        lines = [
            f"{i}. 【{Action.label_of(r.kind)}】{r.text}\n   {site}{r.url}" for i, r in enumerate(items, 1)
        ]
        messages.append(EmailMessage(subject=subject[:200], body="\n\n".join(lines), to=[address]))
    return messages


def _only_title(reminder: Reminder) -> str:
    """The problem's title out of a reminder's text (“title”(target)…)."""
    return reminder.text.split("”", 1)[0].lstrip("“")


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
    """Write in-app notifications (user, kind, title, body, url): the one place the sweep and the office's
    催办 create them, in one INSERT per batch, pushed to the users' devices when the transaction commits. No mail
    from here: the sweep sends one letter per address itself."""
    notification_send_bulk(
        messages=[Message(n.user, n.kind, n.title, n.body, n.url) for n in notes], mail=False
    )


# --- the office's 催办 ------------------------------------------------------------------------------------------

URGERS = frozenset({Role.OFFICE, Role.ADMIN})


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
