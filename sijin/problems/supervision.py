"""Supervision: deadline lights, the daily sweep (催办 at yellow, 督办 at red) and the office's own 催办.

Lights: ``green`` on track (or solved by the deadline), ``yellow`` when at most ``campaign.yellow_days``
working days are left (the deadline day itself counts as 0 left), ``red`` when overdue, ``closed_late`` when
solved after the deadline, ``none`` without a deadline or when nothing runs (长期推进, 撤销, 合并, 未交办).

For lists the lights are plain date comparisons: the first day that is no longer yellow is
``add_workdays(today, yellow_days + 1)``, computed once per distinct ``yellow_days`` (so once per campaign at
most), never per row — the ledger can filter a million rows by light on the (status, deadline) index.

The sweep's claim on a reminder is its event: a problem is due for a 催办/督办 until it has the sweep's event of
that kind for its deadline as it is now, so the sweep runs safely twice or from two processes at once (their
batches take turns under a lock), and arms again when the deadline moves (延期 approved, 重办). It writes
nothing on the problem row itself: at a million problems an UPDATE of the 240,000 overdue ones alone would
take half a minute (every row's entries in the table's ~30 indexes are written again).
"""

import json
import logging
import operator
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import partial, reduce
from string import Formatter

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import connection, connections, transaction
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from sijin.accounts import access
from sijin.accounts.models import Role, User
from sijin.campaigns.models import Campaign, Target
from sijin.core.audit import audit
from sijin.core.models import AuditAction, Notification
from sijin.core.notifications import Message, notification_send_bulk, notification_send_select
from sijin.core.services import recorded_actor
from sijin.core.validators import TEXT_MAX
from sijin.core.workdays import add_workdays, workdays_left
from sijin.directory.models import Organization

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


KINDS = {Action.URGE: Light.YELLOW, Action.SUPERVISE: Light.RED}  # each reminder: the light it is for
SWEEP_BATCH = 5000  # problems claimed, recorded and notified per transaction, in a dozen statements
# What a reminder says of its problem: written by the database for a batch (the sweep), in the words the
# office's 催办 writes in Python (``_deadline_words``).
REMINDER_TEXT = {
    Action.URGE: "“{title}”({target})办结期限为{deadline},已临近,请抓紧办理。",
    Action.SUPERVISE: "“{title}”({target})办结期限为{deadline},已超期,请{unit}立即办理并报告办理情况。",
}
DEADLINE_TEXT = "{year}年{month}月{day}日"
NO_UNIT = "承办单位"
# A batch in the making, in temporary tables of the sweep's own connection (dropped at the end of the batch):
# the problems this process claimed, with what their reminder says, and who is told of each.
CLAIMED, TOLD = "sijin_sweep_claimed", "sijin_sweep_told"
CLAIMED_COLUMNS = "id, status, deadline, title, handler_id, handling_org_id, group_id, region_id, text"
DENSE = 8  # a batch spanning fewer ids than this many times its size is read as a range (``_claim``)
# pg_advisory_xact_lock(SWEEP_LOCK, block) of the sweep's claims ("SW" in ASCII, then the block): one batch of
# a block of ids at a time, whichever sweep writes it.
SWEEP_LOCK = 0x5357
BLOCK = 1 << 16  # ids per lock
SWEEP_WORKERS = 2  # connections a sweep writes through at once (PostgreSQL)


@dataclass(frozen=True)
class Reminder:
    """One problem's 催办/督办 as a mail lists it."""

    kind: Action
    text: str
    url: str


def supervision_sweep(
    *, today: date | None = None, batch: int = SWEEP_BATCH, workers: int | None = None
) -> SweepResult:
    """催办 every yellow problem and 督办 every red one not yet reminded for its deadline. Idempotent.

    The due problems' ids are read once, then swept ``batch`` at a time, each batch in one transaction of a
    fixed number of statements whatever its size: claim its problems still due (``_claim``), then, inside the
    database (``INSERT … SELECT`` from the claimed rows), write who is told, the events and the
    notifications; and one audit row naming the batch's problems. A problem passes through Python only as an
    id (and as a line of a letter). Mail goes last, one message per address listing all of its problems.

    ``workers``: the batches are written through this many connections at once (``_in_lanes``); by default
    ``SWEEP_WORKERS`` on PostgreSQL, one on SQLite (one writer at a time) and inside a caller's transaction
    (another connection would not see what it wrote)."""
    today = today or timezone.localdate()
    if workers is None:
        parallel = connection.vendor == "postgresql" and not connection.in_atomic_block
        workers = SWEEP_WORKERS if parallel else 1
    letters: dict[str, list[Reminder]] = {}
    counts = {}
    for kind, light in KINDS.items():
        condition = light_q(light, today) & Q(status__in=HANDLER_STATUSES)
        due = list(
            Problem.objects.filter(condition)
            .filter(~Exists(_reminders(kind)))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        done = _in_lanes(_batches(due, batch), workers, partial(_remind, kind, condition, today=today))
        counts[kind] = sum(n for n, _reminders in done)
        for _n, reminders in done:
            for address, reminder in reminders:
                letters.setdefault(address, []).append(reminder)
    sent = 0
    if letters:
        try:
            sent = get_connection().send_messages(_letters(letters)) or 0
        except Exception:  # the in-app notifications and events are committed; mail is best effort
            log.exception("督办巡检:邮件发送失败")
    return SweepResult(urged=counts[Action.URGE], supervised=counts[Action.SUPERVISE], emails=sent)


def _batches(due: list[int], batch: int) -> list[list[int]]:
    """The due ids (in order) in runs of at most ``batch``, none across two blocks of ``BLOCK`` ids: a batch
    is claimed under its block's lock, which any sweep claiming a problem of that block takes too."""
    found: list[list[int]] = []
    for pk in due:
        if not found or len(found[-1]) == batch or found[-1][0] // BLOCK != pk // BLOCK:
            found.append([])
        found[-1].append(pk)
    return found


Done = tuple[int, list[tuple[str, "Reminder"]]]  # a batch: how many this sweep claimed, (address, reminder)s


def _in_lanes(batches: list[list[int]], workers: int, remind: Callable[[list[int]], Done]) -> list[Done]:
    """``remind`` each batch, in their order, through ``workers`` connections at once: each lane (a thread,
    with its own connection, closed at the end) takes the batches of every ``workers``-th block, so that the
    lanes of one sweep never wait for each other's block locks. The results in the batches' order."""
    if workers <= 1 or len(batches) <= 1:
        return [remind(pks) for pks in batches]

    def lane(mine: list[int]) -> list[tuple[int, Done]]:
        try:
            return [(i, remind(batches[i])) for i in mine]
        finally:
            connections.close_all()  # this thread's own

    lanes: list[list[int]] = [[] for _ in range(workers)]
    for i, pks in enumerate(batches):
        lanes[(pks[0] // BLOCK) % workers].append(i)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = [r for found in pool.map(lane, [mine for mine in lanes if mine]) for r in found]
    return [done for _i, done in sorted(results, key=lambda r: r[0])]


@transaction.atomic
def _remind(kind: Action, condition: Q, pks: list[int], *, today: date) -> Done:
    """Claim the problems of ``pks`` (ids in order, in one block) still due; for those this process won, write
    who is told, the events, the notifications and an audit row. Returns how many it won and the mail they
    make: (address, reminder) in the order of the problems."""
    label = Action.label_of(kind)
    supervise = kind == Action.SUPERVISE
    head, tail = _detail_path()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SWEEP_LOCK, pks[0] // BLOCK])
        cursor.execute(
            f"CREATE TEMPORARY TABLE {CLAIMED} (id bigint PRIMARY KEY, status varchar(12), deadline varchar(10), "
            "title varchar(200), handler_id bigint, handling_org_id bigint, group_id bigint, "
            "region_id varchar(12), text text)"
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE {TOLD} (problem_id bigint, user_id bigint, PRIMARY KEY (problem_id, user_id))"
        )
        cursor.execute(*_claim(kind, condition, pks))
        cursor.execute(f"SELECT id FROM {CLAIMED} ORDER BY id")
        claimed = [pk for (pk,) in cursor.fetchall()]
        mail: list[tuple[str, Reminder]] = []
        if claimed:
            sql, params = access.reminders_recipients_sql(CLAIMED, unit=supervise, offices=supervise)
            cursor.execute(f"INSERT INTO {TOLD} (problem_id, user_id) {sql}", params)
            cursor.execute(*_events(kind, today))
            notification_send_select(
                select=f"SELECT t.user_id AS user_id, %s AS kind, %s || c.title AS title, c.text AS body, "
                f"%s || CAST(c.id AS text) || %s AS url FROM {TOLD} t JOIN {CLAIMED} c ON c.id = t.problem_id",
                params=[kind, f"【{label}】", head, tail],
                mail=False,
            )
            mail = [
                (address, Reminder(kind, text, f"{head}{pk}{tail}"))
                for address, pk, text in _addressed(cursor, supervise)
            ]
        cursor.execute(f"DROP TABLE {TOLD}")
        cursor.execute(f"DROP TABLE {CLAIMED}")
    if claimed:
        # One row for the batch, naming its problems (each one's text and recipients are on its event).
        audit(
            None,
            AuditAction.PROBLEM_EVENT,
            None,
            f"督办巡检:{label} {len(claimed)} 件问题({today:%Y-%m-%d})",
            step=kind,
            on_date=today,
            problems=claimed,
        )
    return len(claimed), mail


def _reminders(kind: Action) -> QuerySet[ProblemEvent]:
    """The sweep's ``kind`` of the (outer) problem for its deadline as it is now. A problem is due until it has
    one: the sweep writes one per problem per deadline, without an actor (an office's 催办 has one), and a
    problem whose deadline moves (延期 approved, 重办) is due again."""
    return (
        ProblemEvent.objects.filter(problem=OuterRef("pk"), action=kind, actor=None)
        .annotate(for_deadline=KeyTextTransform("deadline", "data"))
        .filter(for_deadline=Cast(OuterRef("deadline"), CharField()))
    )


def _among(pks: list[int]) -> Q:
    """``pk IN`` the batch's ids, given as one parameter (a PostgreSQL array, an SQLite JSON array): the
    database reads those rows by their key, and plans the statement without weighing thousands of constants."""
    if connection.vendor == "postgresql":
        return Q(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [pks]))
    return Q(pk__in=RawSQL("SELECT value FROM json_each(%s)", [json.dumps(pks)]))


def _claim(kind: Action, condition: Q, pks: list[int]) -> tuple[str, list]:
    """INSERT … SELECT into ``CLAIMED`` of the problems of ``pks`` that are due now (the light is checked
    again: one may have been solved since the ids were read) and have no event of the sweep's ``kind`` for
    their deadline, each with its reminder's text.

    A batch whose ids are close together (overdue problems are a good share of all) is read as its range of
    ids in order from the primary key, and merged in one pass with the range's events read in the same order
    from theirs. A batch spread over the table (the few near-due ones) is read by key, row by row, each
    asked for its event on its own (a scalar subquery, one probe of problemevent_action_idx: as a join the
    database might read every event of the range for each row).

    Two sweeps at once claim a problem once: the claim and the events are written under the sweep's lock
    (PostgreSQL: taken by ``_remind`` for the transaction; SQLite has one writer, and a transaction is the
    writer from its start — settings: IMMEDIATE), so the second finds the first's events when its turn
    comes."""
    first, last = pks[0], pks[-1]
    if last - first < DENSE * len(pks):
        rows = Problem.objects.filter(condition, pk__gte=first, pk__lte=last).filter(
            ~Exists(_reminders(kind).filter(problem__gte=first, problem__lte=last))
        )
    else:
        rows = (
            Problem.objects.filter(condition, _among(pks))
            .annotate(reminded=Subquery(_reminders(kind).order_by().values("pk")[:1]))
            .filter(reminded__isnull=True)
        )
    due, due_params = (
        # Each name read by its key (a join would hash the whole table of targets for each batch).
        rows.annotate(target_name=_name_of(Target), unit_name=_name_of(Organization, "handling_org_id"))
        .order_by()
        .values(*CLAIMED_COLUMNS.split(", ")[:-1], "target_name", "unit_name")
        .query.sql_with_params()
    )
    iso = "to_char(c.deadline, 'YYYY-MM-DD')" if connection.vendor == "postgresql" else "c.deadline"
    day, day_params = _sql_text(
        DEADLINE_TEXT, year=(f"substr({iso}, 1, 4)", []), month=(f"substr({iso}, 6, 2)", []),
        day=(f"substr({iso}, 9, 2)", []),
    )  # fmt: skip
    text, text_params = _sql_text(
        REMINDER_TEXT[kind],
        title=("c.title", []),
        target=("c.target_name", []),
        deadline=(day, day_params),
        unit=("COALESCE(c.unit_name, %s)", [NO_UNIT]),
    )
    return (
        f"INSERT INTO {CLAIMED} ({CLAIMED_COLUMNS}) SELECT c.id, c.status, {iso}, c.title, c.handler_id, "
        f"c.handling_org_id, c.group_id, c.region_id, {text} FROM ({due}) c",
        [*text_params, *due_params],
    )


def _name_of(model: type[Target] | type[Organization], key: str = "target_id") -> Subquery:
    """The name of the row ``key`` points to, read by its primary key for each claimed row."""
    return Subquery(model.objects.filter(pk=OuterRef(key)).order_by().values("name"))


def _sql_text(template: str, **fields: tuple[str, list]) -> tuple[str, list]:
    """``template`` (``str.format`` fields) as an SQL expression: its words as parameters, concatenated with
    ``fields`` — (SQL, parameters) by name."""
    sql, params = [], []
    for words, name, _spec, _conversion in Formatter().parse(template):
        if words:
            sql.append("%s")
            params.append(words)
        if name:
            sql.append(fields[name][0])
            params += fields[name][1]
    return " || ".join(sql), params


def _events(kind: Action, today: date) -> tuple[str, list]:
    """INSERT … SELECT of the claimed problems' events: the reminder's text, the deadline and who was told."""
    ops = connection.ops
    events = ops.quote_name(ProblemEvent._meta.db_table)
    if connection.vendor == "postgresql":
        told = "jsonb_agg(user_id ORDER BY user_id)"
        data = "jsonb_build_object('deadline', c.deadline, 'recipients', COALESCE(t.ids, '[]'::jsonb))"
    else:
        told = "json_group_array(user_id)"
        data = "json_object('deadline', c.deadline, 'recipients', json(COALESCE(t.ids, '[]')))"
    return (
        f"INSERT INTO {events} (problem_id, at, actor_id, action, from_status, to_status, comment, data, on_date) "
        f"SELECT c.id, %s, NULL, %s, c.status, c.status, c.text, {data}, %s FROM {CLAIMED} c "
        f"LEFT JOIN (SELECT problem_id, {told} AS ids FROM {TOLD} GROUP BY problem_id) t ON t.problem_id = c.id "
        "ORDER BY c.id",
        [ops.adapt_datetimefield_value(timezone.now()), kind, ops.adapt_datefield_value(today)],
    )


def _addressed(cursor, supervise: bool) -> list[tuple[str, int, str]]:
    """(address, problem, text) of the batch's mail: the addresses of those told (a 督办 also to the
    handling unit's own address), each problem once per address, in the order of the problems."""
    qn = connection.ops.quote_name
    user = qn(User._meta.db_table)
    unit = qn(Organization._meta.db_table)
    sql = (
        f"SELECT u.email, c.id, c.text FROM {TOLD} t JOIN {user} u ON u.id = t.user_id "
        f"JOIN {CLAIMED} c ON c.id = t.problem_id WHERE u.email <> ''"
    )
    if supervise:
        sql += (
            f" UNION SELECT o.email, c.id, c.text FROM {CLAIMED} c JOIN {unit} o ON o.id = c.handling_org_id "
            "WHERE o.email <> ''"
        )
    cursor.execute(f"{sql} ORDER BY 2, 1")
    return cursor.fetchall()


def _detail_path() -> tuple[str, str]:
    """The problem page's address around its pk (``/problems/``, ``/``), reversed once."""
    head, tail = reverse("problems:problem_detail", args=[1234567890]).split("1234567890")
    return head, tail


def _letters(letters: dict[str, list[Reminder]]) -> list[EmailMessage]:
    """One mail per address, listing every problem the sweep reminded it of (督办 first)."""
    site = getattr(settings, "SIJIN_SITE_URL", "")
    labels = {kind: Action.label_of(kind) for kind in KINDS}
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
        lines = [f"{i}. 【{labels[r.kind]}】{r.text}\n   {site}{r.url}" for i, r in enumerate(items, 1)]
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
    """Write the office's 催办's in-app notifications (user, kind, title, body, url), pushed to the users'
    devices when the transaction commits; no mail from here. (The sweep writes its own with INSERT … SELECT,
    in the same shape, and mails one letter per address itself.)"""
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
