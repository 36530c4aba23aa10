"""The daily sweep (``sijin sweep``): 催办 at yellow, 督办 at red, once per problem per deadline.

Who is told: of a 催办 the handler; of a 督办 the handler, the handling unit and the offices over the problem's
region (``access.reminders_recipients_sql``, ``access.reminders_offices_sql``). Handlers, units and groups are
told of each problem: its own notification, a line of their mail. An office is told once per sweep and kind,
however many problems: one notification, "【督办】督办巡检:本辖区新增超期问题 1,234 件", linking to the
问题台账's overdue problems, and one line of its mail — a province office over 200,000 overdue problems would
otherwise find 200,000 notices after one sweep. Each problem's event names who was told of it (``recipients``)
and the offices told of it in the digest (``offices``).

The sweep's claim on a reminder is its event: a problem is due for a 催办/督办 until it has the sweep's event of
that kind for its deadline as it is now, so the sweep runs safely twice or from two processes at once (their
batches take turns under a lock), and arms again when the deadline moves (延期 approved, 重办). It writes
nothing on the problem row itself: at a million problems an UPDATE of the 240,000 overdue ones alone would
take half a minute (every row's entries in the table's ~30 indexes are written again). Two sweeps at once each
tell an office of the problems they claimed (two digests whose counts add up); a second sweep, which claims
nothing, tells nobody.
"""

import json
import logging
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from functools import partial
from string import Formatter
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from sijin.accounts import access
from sijin.accounts.models import User
from sijin.core.audit import audit
from sijin.core.models import AuditAction
from sijin.core.notifications import Message, notification_send_bulk, notification_send_select
from sijin.directory.models import Organization

from .lights import light_q
from .models import HANDLER_STATUSES, Action, Light, Problem, ProblemEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    urged: int
    supervised: int
    emails: int
    digests: int = 0  # the offices' notifications: one per office user and kind


KINDS = {Action.URGE: Light.YELLOW, Action.SUPERVISE: Light.RED}  # each reminder: the light it is for
OFFICE_KINDS = frozenset({Action.SUPERVISE})  # the reminders the unit and the offices are told of too
# Problems claimed, recorded and notified per transaction, in a dozen statements; a block of ids (below) holds
# about 15,000 overdue problems at a province's density: one batch per block, ~30 batches for 1,000,000.
SWEEP_BATCH = 20000
# What a reminder says of its problem: written by the database for a batch (the sweep), in the words the
# office's 催办 writes in Python (``supervision._deadline_words``).
REMINDER_TEXT = {
    Action.URGE: "“{title}”({target})办结期限为{deadline},已临近,请抓紧办理。",
    Action.SUPERVISE: "“{title}”({target})办结期限为{deadline},已超期,请{unit}立即办理并报告办理情况。",
}
# The deadline in those words: a format of PostgreSQL's to_char, of SQLite's strftime (%Y年%m月%d日 in Python).
DEADLINE_FORMAT = {"postgresql": 'YYYY"年"MM"月"DD"日"', "sqlite": "%Y年%m月%d日"}
NO_UNIT = "承办单位"
# What an office is told of a sweep's reminders over its region (``_digests_send``), by kind of ``OFFICE_KINDS``.
DIGEST_TITLE = {Action.SUPERVISE: "【督办】督办巡检:本辖区新增超期问题 {n:,} 件"}
DIGEST_TEXT = {
    Action.SUPERVISE: "{day:%Y年%m月%d日}督办巡检:本辖区({regions})新增超过办结期限的问题 {n:,} 件,已逐件向"
    "承办单位督办。本辖区全部超期问题见问题台账。",
}
# A batch in the making, in temporary tables of each of the sweep's connections (made once per connection,
# emptied at the end of each batch): the problems this process claimed, with what their reminder says, who is
# told of each, and the offices over each of their regions (told in the digest) with the region's count.
CLAIMED, TOLD, OFFICES = "sijin_sweep_claimed", "sijin_sweep_told", "sijin_sweep_offices"
CLAIMED_COLUMNS = "id, status, deadline, title, handler_id, handling_org_id, group_id, region_id, text"
DENSE = 8  # a batch spanning fewer ids than this many times its size is read as a range (``_claim``)
# pg_advisory_xact_lock(SWEEP_LOCK, block) of the sweep's claims ("SW" in ASCII, then the block): one batch of
# a block of ids at a time, whichever sweep writes it.
SWEEP_LOCK = 0x5357
BLOCK = 1 << 16  # ids per lock
SWEEP_WORKERS = 2  # connections a sweep writes through at once (PostgreSQL)
SWEEP_WORK_MEM = "64MB"  # PostgreSQL's work_mem for a batch's transaction (``_remind``)


@dataclass(frozen=True)
class Reminder:
    """A line of a letter: one problem's 催办/督办, or an office's digest of a kind (``title``: its subject)."""

    kind: Action
    text: str
    url: str
    title: str = ""


@dataclass(frozen=True)
class Batch:
    """What one batch did: how many problems this process claimed, their mail (address, reminder) in the
    problems' order, and how many of them each office user is told of (by user id)."""

    claimed: int
    mail: list[tuple[str, Reminder]]
    offices: dict[int, int]


def supervision_sweep(
    *, today: date | None = None, batch: int = SWEEP_BATCH, workers: int | None = None
) -> SweepResult:
    """催办 every yellow problem and 督办 every red one not yet reminded for its deadline. Idempotent.

    The due problems' ids are read once, then swept ``batch`` at a time, each batch in one transaction of a
    fixed number of statements whatever its size: claim its problems still due (``_claim``), then, inside the
    database (``INSERT … SELECT`` from the claimed rows), write who is told, the events and the
    notifications; and one audit row naming the batch's problems. A problem passes through Python only as an
    id (and as a line of a letter). Then each office user is told once per kind (``_digests_send``). Mail goes
    last, one message per address listing all of its problems (an office's: one line per kind).

    ``workers``: the batches are written through this many connections at once (``_in_lanes``); by default
    ``SWEEP_WORKERS`` on PostgreSQL, one on SQLite (one writer at a time) and inside a caller's transaction
    (another connection would not see what it wrote)."""
    today = today or timezone.localdate()
    nested = connection.in_atomic_block  # in a caller's transaction: its batches are savepoints
    if workers is None:
        workers = SWEEP_WORKERS if connection.vendor == "postgresql" and not nested else 1
    letters: dict[str, list[Reminder]] = {}
    counts: dict[Action, int] = {}
    offices: dict[Action, Counter[int]] = {}
    for kind, light in KINDS.items():
        condition = light_q(light, today) & Q(status__in=HANDLER_STATUSES)
        due = list(
            Problem.objects.filter(condition)
            .filter(~Exists(_reminders(kind)))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        remind = partial(_remind, kind, condition, today=today, nested=nested)
        done = _in_lanes(_batches(due, batch), workers, remind)
        counts[kind] = sum(b.claimed for b in done)
        offices[kind] = Counter()
        for b in done:
            offices[kind].update(b.offices)
            for address, reminder in b.mail:
                letters.setdefault(address, []).append(reminder)
    digests, mail = _digests_send(offices, today)
    for address, reminder in mail:
        letters.setdefault(address, []).append(reminder)
    sent = 0
    if letters:
        try:
            sent = get_connection().send_messages(_letters(letters)) or 0
        except Exception:  # the in-app notifications and events are committed; mail is best effort
            log.exception("督办巡检:邮件发送失败")
    return SweepResult(
        urged=counts[Action.URGE], supervised=counts[Action.SUPERVISE], emails=sent, digests=digests
    )


def _batches(due: list[int], batch: int) -> list[list[int]]:
    """The due ids (in order) in runs of at most ``batch``, none across two blocks of ``BLOCK`` ids: a batch
    is claimed under its block's lock, which any sweep claiming a problem of that block takes too."""
    found: list[list[int]] = []
    start = 0
    while start < len(due):
        end = bisect_left(due, (due[start] // BLOCK + 1) * BLOCK, start)  # the first id of a later block
        found += [due[i : min(i + batch, end)] for i in range(start, end, batch)]
        start = end
    return found


def _in_lanes(batches: list[list[int]], workers: int, remind: Callable[[list[int]], Batch]) -> list[Batch]:
    """``remind`` each batch, in their order, through ``workers`` connections at once: each lane (a thread,
    with its own connection, closed at the end) takes the batches of every ``workers``-th block, so that the
    lanes of one sweep never wait for each other's block locks. The results in the batches' order."""
    if not batches:
        return []
    if workers <= 1 or len(batches) == 1:
        with _work_tables():
            return [remind(pks) for pks in batches]

    def lane(mine: list[int]) -> list[tuple[int, Batch]]:
        try:
            with _work_tables():
                return [(i, remind(batches[i])) for i in mine]
        finally:
            connections.close_all()  # this thread's own

    lanes: list[list[int]] = [[] for _ in range(workers)]
    for i, pks in enumerate(batches):
        lanes[(pks[0] // BLOCK) % workers].append(i)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = [r for found in pool.map(lane, [mine for mine in lanes if mine]) for r in found]
    return [done for _i, done in sorted(results, key=lambda r: r[0])]


@contextmanager
def _work_tables() -> Iterator[None]:
    """The batches' temporary tables on this connection: made once for all of its batches and dropped at the
    end — not made and dropped per batch, which costs more than a small batch's work (the catalog rows of a
    table and its index each). Each batch leaves them empty (on PostgreSQL its commit empties them)."""
    emptied = " ON COMMIT DELETE ROWS" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {CLAIMED} (id bigint PRIMARY KEY, status varchar(12), deadline varchar(10), "
            "title varchar(200), handler_id bigint, handling_org_id bigint, group_id bigint, "
            f"region_id varchar(12), text text){emptied}"
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE {TOLD} (problem_id bigint, user_id bigint, PRIMARY KEY (problem_id, user_id))"
            f"{emptied}"
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE {OFFICES} (region_id varchar(12), user_id bigint, n integer, "
            f"PRIMARY KEY (region_id, user_id)){emptied}"
        )
    try:
        yield
    finally:
        # Suppressed: after an error that aborted a caller's transaction the tables go with its rollback.
        with suppress(DatabaseError), connection.cursor() as cursor:
            for table in (OFFICES, TOLD, CLAIMED):
                cursor.execute(f"DROP TABLE {table}")


@transaction.atomic
def _remind(kind: Action, condition: Q, pks: list[int], *, today: date, nested: bool = False) -> Batch:
    """Claim the problems of ``pks`` (ids in order, in one block) still due; for those this process won, write
    who is told, the events, the notifications (but the offices') and an audit row. Returns how many it won,
    the mail they make ((address, reminder) in the order of the problems) and how many of them each office
    is to be told of. ``nested``: the batch is a savepoint of a caller's transaction, which its end does not
    commit."""
    label = Action.label_of(kind)
    head, tail = _detail_path()
    mail: list[tuple[str, Reminder]] = []
    offices: dict[int, int] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SWEEP_LOCK, pks[0] // BLOCK])
            # A batch's sort of its claimed rows (with their texts) for the events, and the hash of the targets'
            # names, in memory rather than in temporary files.
            cursor.execute("SELECT set_config('work_mem', %s, true)", [SWEEP_WORK_MEM])
        cursor.execute(*_claim(kind, condition, pks))
        cursor.execute(f"SELECT id FROM {CLAIMED} ORDER BY id")
        claimed = [pk for (pk,) in cursor.fetchall()]
        if claimed:
            supervise = kind in OFFICE_KINDS
            sql, params = access.reminders_recipients_sql(CLAIMED, unit=supervise)
            cursor.execute(f"INSERT INTO {TOLD} (problem_id, user_id) {sql}", params)
            if supervise:
                # The offices over each region of the batch, with how many of its problems are there (one read
                # of the claimed rows, for the regions and their counts at once).
                sql, params = access.reminders_offices_sql("r")
                cursor.execute(
                    f"WITH r AS (SELECT region_id, COUNT(*) AS n FROM {CLAIMED} GROUP BY region_id) "
                    f"INSERT INTO {OFFICES} (region_id, user_id, n) SELECT o.region_id, o.user_id, r.n "
                    f"FROM ({sql}) o JOIN r ON r.region_id = o.region_id",
                    params,
                )
            cursor.execute(*_events(kind, today))
            notification_send_select(
                select=f"SELECT t.user_id AS user_id, %s AS kind, %s || c.title AS title, c.text AS body, "
                f"%s || CAST(c.id AS text) || %s AS url FROM {TOLD} t JOIN {CLAIMED} c ON c.id = t.problem_id",
                params=[kind, f"【{label}】", head, tail],
                mail=False,
            )
            mail = [
                (address, Reminder(kind, text, f"{head}{pk}{tail}"))
                for address, pk, text in _addressed(cursor, unit=supervise)
            ]
            if supervise:
                cursor.execute(f"SELECT user_id, SUM(n) FROM {OFFICES} GROUP BY user_id")
                offices = dict(cursor.fetchall())
        # Emptied for the next batch: on PostgreSQL by the commit, or in a caller's transaction by a TRUNCATE (a
        # DELETE would leave dead rows for the next batches to read: temporary tables are never vacuumed).
        if connection.vendor == "postgresql":
            if nested:
                cursor.execute(f"TRUNCATE {CLAIMED}, {TOLD}, {OFFICES}")
        else:
            for table in (CLAIMED, TOLD, OFFICES):
                cursor.execute(f"DELETE FROM {table}")
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
    return Batch(len(claimed), mail, offices)


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
        # The names joined: the database probes their keys row by row for a small batch, and reads the table
        # once for a large one (cheaper than a scalar subquery's probe per row).
        rows.annotate(target_name=F("target__name"), unit_name=F("handling_org__name"))
        .order_by()
        .values(*CLAIMED_COLUMNS.split(", ")[:-1], "target_name", "unit_name")
        .query.sql_with_params()
    )
    postgresql = connection.vendor == "postgresql"
    iso = "to_char(c.deadline, 'YYYY-MM-DD')" if postgresql else "c.deadline"
    day = "to_char(c.deadline, %s)" if postgresql else "strftime(%s, c.deadline)"
    text, text_params = _sql_text(
        REMINDER_TEXT[kind],
        title=("c.title", []),
        target=("c.target_name", []),
        deadline=(day, [DEADLINE_FORMAT[connection.vendor]]),
        unit=("COALESCE(c.unit_name, %s)", [NO_UNIT]),
    )
    return (
        f"INSERT INTO {CLAIMED} ({CLAIMED_COLUMNS}) SELECT c.id, c.status, {iso}, c.title, c.handler_id, "
        f"c.handling_org_id, c.group_id, c.region_id, {text} FROM ({due}) c",
        [*text_params, *due_params],
    )


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
    """INSERT … SELECT of the claimed problems' events: the reminder's text, the deadline, who was told of the
    problem (``recipients``) and the offices told of it in the digest (``offices``)."""
    ops = connection.ops
    events = ops.quote_name(ProblemEvent._meta.db_table)
    if connection.vendor == "postgresql":
        agg, empty = "jsonb_agg(user_id ORDER BY user_id)", "'[]'::jsonb"
        data = (
            f"jsonb_build_object('deadline', c.deadline, 'recipients', COALESCE(t.ids, {empty}), 'offices', "
        )
        data += f"COALESCE(o.ids, {empty}))"
    else:
        agg = "json_group_array(user_id)"  # in the order of the key: by user
        data = "json_object('deadline', c.deadline, 'recipients', json(COALESCE(t.ids, '[]')), 'offices', "
        data += "json(COALESCE(o.ids, '[]')))"
    return (
        f"INSERT INTO {events} (problem_id, at, actor_id, action, from_status, to_status, comment, data, on_date) "
        f"SELECT c.id, %s, NULL, %s, c.status, c.status, c.text, {data}, %s FROM {CLAIMED} c "
        f"LEFT JOIN (SELECT problem_id, {agg} AS ids FROM {TOLD} GROUP BY problem_id) t ON t.problem_id = c.id "
        f"LEFT JOIN (SELECT region_id, {agg} AS ids FROM {OFFICES} GROUP BY region_id) o "
        "ON o.region_id = c.region_id ORDER BY c.id",
        [ops.adapt_datetimefield_value(timezone.now()), kind, ops.adapt_datefield_value(today)],
    )


def _addressed(cursor, *, unit: bool) -> list[tuple[str, int, str]]:
    """(address, problem, text) of the batch's mail: the addresses of those told of each problem (the offices
    are told in the digest), with ``unit`` also the handling unit's own address, each problem once per address,
    in the order of the problems."""
    qn = connection.ops.quote_name
    user = qn(User._meta.db_table)
    org = qn(Organization._meta.db_table)
    sql = (
        f"SELECT u.email, c.id, c.text FROM {TOLD} t JOIN {user} u ON u.id = t.user_id "
        f"JOIN {CLAIMED} c ON c.id = t.problem_id WHERE u.email <> ''"
    )
    if unit:
        sql += (
            f" UNION SELECT o.email, c.id, c.text FROM {CLAIMED} c JOIN {org} o ON o.id = c.handling_org_id "
            "WHERE o.email <> ''"
        )
    cursor.execute(f"{sql} ORDER BY 2, 1")
    return cursor.fetchall()


def _digests_send(offices: dict[Action, Counter[int]], today: date) -> tuple[int, list[tuple[str, Reminder]]]:
    """Tell each office user, once per kind, how many of the problems over their region(s) this sweep has just
    reminded: one notification linking to the 问题台账's problems of that light (the whole list of the user's
    scope), and one line of their mail. Returns how many notifications, and the (address, reminder)s."""
    users = User.objects.in_bulk({pk for told in offices.values() for pk in told})
    if not users:
        return 0, []
    regions: dict[int, list[str]] = {}
    for grant in sorted(access.active_office_grants(), key=lambda g: g.region_id or ""):
        if grant.user_id in users and grant.region is not None:
            regions.setdefault(grant.user_id, []).append(grant.region.name)
    ledger = reverse("problems:problem_list")
    messages, mail = [], []
    for kind, told in offices.items():
        url = f"{ledger}?{urlencode({'light': KINDS[kind].value, 'sort': 'deadline'})}"
        for pk, n in sorted(told.items()):
            user = users[pk]
            title = DIGEST_TITLE[kind].format(n=n)
            text = DIGEST_TEXT[kind].format(day=today, regions="、".join(regions.get(pk, [])), n=n)
            messages.append(Message(user, kind, title, text, url))
            if user.email:
                mail.append((user.email, Reminder(kind, text, url, title=title)))
    notification_send_bulk(messages=messages, mail=False)
    return len(messages), mail


def _detail_path() -> tuple[str, str]:
    """The problem page's address around its pk (``/problems/``, ``/``), reversed once."""
    head, tail = reverse("problems:problem_detail", args=[1234567890]).split("1234567890")
    return head, tail


def _letters(letters: dict[str, list[Reminder]]) -> list[EmailMessage]:
    """One mail per address: an office's digests first, then every problem the sweep reminded it of (督办
    first)."""
    site = getattr(settings, "SIJIN_SITE_URL", "")
    labels = {kind: Action.label_of(kind) for kind in KINDS}
    messages = []
    for address in sorted(letters):
        items = sorted(letters[address], key=lambda r: (not r.title, r.kind != Action.SUPERVISE))
        problems = [r for r in items if not r.title]
        red = sum(r.kind == Action.SUPERVISE for r in problems)
        yellow = len(problems) - red
        if not problems:
            subject = items[0].title
        elif red and yellow:
            subject = f"【督办】{red}件问题已超期,{yellow}件临近办结期限"
        elif red:
            subject = (
                f"【督办】{red}件问题已超过办结期限" if red > 1 else f"【督办】{_only_title(problems[0])}"
            )
        else:
            subject = (
                f"【催办】{yellow}件问题临近办结期限" if yellow > 1 else f"【催办】{_only_title(problems[0])}"
            )
        lines = [f"{i}. 【{labels[r.kind]}】{r.text}\n   {site}{r.url}" for i, r in enumerate(items, 1)]
        messages.append(EmailMessage(subject=subject[:200], body="\n\n".join(lines), to=[address]))
    return messages


def _only_title(reminder: Reminder) -> str:
    """The problem's title out of a reminder's text (“title”(target)…)."""
    return reminder.text.split("”", 1)[0].lstrip("“")
