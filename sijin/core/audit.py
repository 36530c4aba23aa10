"""The audit trail (安全审计): every service write, every download of case data and every admin read of
personal data records one row here, and nothing rewrites a row once written.

Three things keep the log honest:

- **Append-only.** Database triggers (migration 0004_audit_chain) refuse UPDATE and DELETE of
  ``core_auditlog`` from any path, the ORM or raw SQL. Only two paths may delete, each through
  ``audit_gate()``: ``audit_prune`` (rows older than SIJIN_AUDIT_RETENTION_DAYS) and ``flush`` (which empties
  every table; it is how tests reset their database). The gate is open only inside their own transaction.
- **Chained.** Each row carries ``prev_hash`` (the hash of the row before it, by id) and ``hash`` =
  sha256(prev_hash, the row's canonical content). ``audit()`` appends under a lock that serialises writers,
  so the chain has no forks. A database owner can drop a trigger; ``audit_verify`` then still finds the
  first row changed, inserted or removed since (rows cut off the end leave no gap: compare the count and
  last hash with an earlier run of ``sijin audit verify``).
- **Anchored.** Pruning removes a prefix of the chain. Its own audit row (``audit_prune``) records the
  ``prev_hash`` of the first row it kept (``anchor``), so ``audit_verify`` accepts that row as the start.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from .bulk import bulk_insert, insert_rows
from .models import AuditAction, AuditLog
from .xlsx import header_cells, text_cell

GENESIS = "0" * 64  # the prev_hash of the first row ever written
# pg_advisory_xact_lock key of the chain: any constant no other code uses ("SIJINAU" in ASCII).
CHAIN_LOCK = 0x53494A494E4155
# The triggers 0004_audit_chain installs, by database (``guard_missing`` looks for them).
GUARD = {
    "sqlite": {"core_auditlog_no_update", "core_auditlog_no_delete"},
    "postgresql": {"core_auditlog_append_only", "core_auditlog_no_truncate"},
}


def audit(
    actor: AbstractBaseUser | None,
    action: AuditAction,
    obj: models.Model | None = None,
    summary: str = "",
    **data: Any,
) -> AuditLog:
    """Record one write. ``action`` is one of AuditAction: an unknown kind is a programming error."""
    # By id: the typed ``actor`` field is the accounts app's User, which core does not import.
    row = AuditLog(
        actor_id=actor.pk if actor is not None else None,
        action=AuditAction(action),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:500],
        data={k: _plain(v) for k, v in data.items()},
    )
    # No savepoint: an error here is an error of the caller's write, which rolls back with it.
    with transaction.atomic(savepoint=False):
        _lock_chain()
        row.prev_hash = _last_hash()
        row.at = timezone.now()  # after the lock, so times grow with ids
        row.hash = row_hash(row)
        row.save(force_insert=True)
    return row


def audit_many(
    actor: AbstractBaseUser | None,
    action: AuditAction,
    entries: "list[tuple[models.Model | None, str, dict[str, Any]]]",
) -> list[AuditLog]:
    """Record many writes of one kind at once, (object, summary, data) each: the same rows and chain as one
    ``audit`` call per entry, under one lock and in one statement."""
    action = AuditAction(action)
    actor_id = actor.pk if actor is not None else None
    with transaction.atomic(savepoint=False):
        at, chained = _chained(
            actor_id,
            action,
            (
                (
                    obj._meta.label_lower if obj is not None else "",
                    str(obj.pk) if obj is not None else "",
                    s,
                    d,
                )
                for obj, s, d in entries
            ),
        )
        rows = [
            AuditLog(
                actor_id=actor_id,
                action=action,
                object_type=object_type,
                object_id=object_id,
                summary=summary,
                data=data,
                prev_hash=prev,
                hash=hash_,
                at=at,
            )
            for object_type, object_id, summary, data, prev, hash_ in chained
        ]
        return list(bulk_insert(rows, batch_size=500))


def audit_rows(
    actor: AbstractBaseUser | None,
    action: AuditAction,
    model: type[models.Model],
    entries: "Iterable[tuple[Any, str, dict[str, Any]]]",
) -> list[int]:
    """``audit_many`` for many objects of one model, each given by its key: (key, summary, data). The same rows
    and chain, written from plain values (``core.bulk.insert_rows``) with no object or audit row instance made —
    an import's 10,000 problems and their steps. Returns the rows' ids, in order."""
    action = AuditAction(action)
    actor_id = actor.pk if actor is not None else None
    object_type = model._meta.label_lower
    with transaction.atomic(savepoint=False):
        at, chained = _chained(actor_id, action, ((object_type, str(k), s, d) for k, s, d in entries))
        return insert_rows(
            AuditLog,
            ["actor_id", "action", "object_type", "object_id", "summary", "data", "prev_hash", "hash", "at"],
            [(actor_id, action, *row, at) for row in chained],
        )


def _chained(
    actor_id: Any, action: AuditAction, entries: "Iterable[tuple[str, str, str, dict[str, Any]]]"
) -> tuple[datetime, list[tuple[str, str, str, dict[str, Any], str, str]]]:
    """Lock the chain (in the caller's transaction) and link ``entries`` — (object type, object id, summary,
    data) — to its end: one moment for all, and (object type, object id, summary, data, prev_hash, hash) each,
    the summary cut and the data made plain as ``audit`` makes them."""
    _lock_chain()
    prev, at = _last_hash(), timezone.now()
    when = _moment(at)
    chained = []
    for object_type, object_id, summary, data in entries:
        summary, data = summary[:500], {k: _plain(v) for k, v in data.items()}
        hash_ = _hash(prev, when, actor_id, action, object_type, object_id, summary, data)
        chained.append((object_type, object_id, summary, data, prev, hash_))
        prev = hash_
    return at, chained


def audit_read(
    request: HttpRequest, action: AuditAction, obj: models.Model | None = None, summary: str = "", **data: Any
) -> AuditLog:
    """Record that the signed-in user downloaded or opened case or personal data (a ledger, a briefing, a
    督办通知单, evidence, a photo, a person's admin page), with the client's address (``client_address``)."""
    user = request.user
    actor = user if isinstance(user, AbstractBaseUser) else None
    return audit(
        actor,
        action,
        obj,
        summary or f"{AuditAction(action).label} {obj if obj is not None else ''}".strip(),
        ip=client_address(request) or "",
        **data,
    )


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address: behind SIJIN_PROXY_COUNT proxies (nginx) the one the outermost proxy saw — the
    address the audit rows of reads and of logins record, and the one django-axes counts failed logins by."""
    if request is None:
        return None
    if count := settings.SIJIN_PROXY_COUNT:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# ---- the chain -----------------------------------------------------------------------------------------------
def _lock_chain() -> None:
    """Hold the chain until this transaction ends, so the last row read next is the last row committed.

    PostgreSQL: a transaction-level advisory lock; readers are not blocked. SQLite: nothing to do — a write
    transaction already excludes every other writer (settings.py begins them IMMEDIATE; without that, SQLite
    refuses the second writer rather than let it write on a stale read).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


def _last_hash() -> str:
    return AuditLog.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS


def row_hash(row: Any) -> str:
    """sha256 over the previous row's hash and this row's canonical content (a ``AuditLog`` or a historical
    model of it in a migration): time in UTC to the microsecond, actor id, action, object, summary, and the
    data as JSON with sorted keys."""
    return _hash(
        row.prev_hash,
        _moment(row.at),
        row.actor_id,
        row.action,
        row.object_type,
        row.object_id,
        row.summary,
        row.data,
    )


def _moment(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _hash(
    prev_hash: str,
    moment: str,
    actor_id: Any,
    action: str,
    object_type: str,
    object_id: str,
    summary: str,
    data: Any,
) -> str:
    content = [moment, actor_id, action, object_type, object_id, summary, _canonical(data)]
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


def _canonical(value: Any) -> Any:
    """The data as it reads back from either database: PostgreSQL's jsonb writes a whole float (1e16) as an
    integer, so whole floats are hashed as integers."""
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass
class Verdict:
    """What ``audit_verify`` found: the rows walked and, when the chain is broken, the first broken row."""

    count: int = 0
    last_hash: str = GENESIS
    broken: AuditLog | None = None
    reason: str = ""
    missing_guard: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.broken is None


def audit_verify() -> Verdict:
    """Walk the chain in id order; stop at the first row whose link or content does not hold."""
    verdict = Verdict(missing_guard=guard_missing())
    expected: str | None = None
    for row in AuditLog.objects.order_by("id").iterator(chunk_size=2000):
        if expected is None:
            if row.prev_hash != GENESIS and row.prev_hash not in _anchors(row):
                verdict.broken, verdict.reason = row, "是现存第一条,但之前的记录不是经保留期清理删除的"
                return verdict
        elif row.prev_hash != expected:
            verdict.broken, verdict.reason = row, "之前的记录被删除、插入或改动"
            return verdict
        if row_hash(row) != row.hash:
            verdict.broken, verdict.reason = row, "内容被改动"
            return verdict
        expected = verdict.last_hash = row.hash
        verdict.count += 1
    return verdict


def _anchors(first: AuditLog) -> set[str]:
    """The anchors that prune rows recorded for ``first`` as the start of the kept chain."""
    prunes = AuditLog.objects.filter(action=AuditAction.AUDIT_PRUNE).values_list("id", "data")
    return {
        data.get("anchor")
        for pk, data in prunes
        if data.get("first_id") == first.pk or (data.get("first_id") is None and pk == first.pk)
    }


def guard_missing() -> list[str]:
    """The append-only triggers that are missing or disabled (a rebuilt SQLite table loses them)."""
    vendor = connection.vendor
    if vendor not in GUARD:
        return []
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'core_auditlog'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_auditlog'::regclass AND tgenabled <> 'D'"
            )
        present = {name for (name,) in cursor.fetchall()}
    return sorted(GUARD[vendor] - present)


# ---- retention -----------------------------------------------------------------------------------------------
@contextmanager
def audit_gate(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Let DELETE of audit rows through the triggers inside this block (its own transaction, or a savepoint).

    PostgreSQL: the trigger lets a DELETE or TRUNCATE through while the setting ``sijin.audit_gate`` is
    ``open``, set local to the transaction. SQLite: while the control table ``core_auditlog_gate`` has a row,
    written inside the transaction, so no other connection ever sees it. Closed again at the end of the block;
    an error rolls the opening back. UPDATE is never let through.
    """
    db = connections[using]
    with transaction.atomic(using=using), db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute("SELECT set_config('sijin.audit_gate', 'open', true)")
        elif db.vendor == "sqlite":
            cursor.execute("INSERT INTO core_auditlog_gate (open) VALUES (1)")
        yield
        if db.vendor == "postgresql":
            cursor.execute("SELECT set_config('sijin.audit_gate', '', true)")
        elif db.vendor == "sqlite":
            cursor.execute("DELETE FROM core_auditlog_gate")


def audit_prune(*, actor: AbstractBaseUser | None = None, now: datetime | None = None) -> int:
    """Delete the rows older than SIJIN_AUDIT_RETENTION_DAYS (0 keeps them forever); return how many.

    What goes is a prefix of the chain: every row before the first one written inside the retention period.
    The prune's own row, appended first, records that row's prev_hash as the anchor where the chain now
    starts. Safe to run twice (the second run finds nothing to delete and writes nothing).
    """
    days: int = settings.SIJIN_AUDIT_RETENTION_DAYS
    if not days:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with transaction.atomic():
        _lock_chain()
        first_kept = AuditLog.objects.filter(at__gte=cutoff).order_by("id").values("id", "prev_hash").first()
        old = AuditLog.objects.filter(id__lt=first_kept["id"]) if first_kept else AuditLog.objects.all()
        removed = old.count()
        if not removed:
            return 0
        prune = audit(
            actor,
            AuditAction.AUDIT_PRUNE,
            None,
            f"清理 {timezone.localtime(cutoff):%Y-%m-%d %H:%M} 以前的审计日志 {removed} 条(保留 {days} 天)",
            before=cutoff.isoformat(),
            removed=removed,
            # Nothing kept but this row: it starts the chain, after the last row removed.
            first_id=first_kept["id"] if first_kept else None,
            anchor=first_kept["prev_hash"] if first_kept else _last_hash(),
        )
        with audit_gate():
            AuditLog.objects.filter(id__lt=first_kept["id"] if first_kept else prune.pk).delete()
    return removed


# ---- the auditor's export --------------------------------------------------------------------------------------
EXPORT_COLUMNS = [
    ("编号", 10),
    ("时间", 20),
    ("操作人", 14),
    ("操作", 16),
    ("对象类型", 22),
    ("对象编号", 10),
    ("摘要", 50),
    ("详情", 50),
    ("哈希", 20),
]


def audit_export_xlsx(rows: models.QuerySet[AuditLog], out: IO[bytes]) -> int:
    """Write ``rows`` to ``out`` as .xlsx, streamed (openpyxl write-only); return how many were written.
    Text that Excel would take for a formula is written as text."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("审计日志")
    sheet.freeze_panes = "A2"
    for index, (_title, width) in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(header_cells(sheet, [title for title, _width in EXPORT_COLUMNS]))
    count = 0
    for row in rows.select_related("actor").iterator(chunk_size=2000):
        values = [
            row.pk,
            timezone.localtime(row.at).replace(tzinfo=None),
            str(row.actor) if row.actor is not None else "",
            AuditAction.label_of(row.action),
            row.object_type,
            row.object_id,
            row.summary,
            json.dumps(row.data, ensure_ascii=False, sort_keys=True) if row.data else "",
            row.hash,
        ]
        sheet.append([_text_cell(sheet, v) for v in values])
        count += 1
    workbook.save(out)
    return count


def _text_cell(sheet: Any, value: Any) -> Any:
    cell = text_cell(sheet, value)
    if isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    return cell
