"""安全审计: the audit log is append-only (triggers on SQLite and PostgreSQL), chained by hashes that
``sijin audit verify`` proves, pruned only past its retention period, and never loses its actors."""

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from sijin.accounts.models import User
from sijin.core.audit import GENESIS, audit, audit_gate, audit_prune, audit_verify, guard_missing
from sijin.core.models import AuditAction, AuditLog
from sijin.testing import needs_postgresql

REFUSED = "审计日志只能追加"
ROOT = Path(__file__).resolve().parents[3]


def verify() -> str:
    out: list[str] = []

    class Out:
        def write(self, text: str) -> None:
            out.append(text)

    call_command("audit", "verify", stdout=Out())
    return "".join(out)


def raw(sql: str, params: list | None = None) -> None:
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
    ):  # a savepoint: PostgreSQL goes on after a refusal
        cursor.execute(sql, params)


def drop_guard() -> None:
    """What only a database owner can do (undone with the test's transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditlog DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER core_auditlog_no_update")
            cursor.execute("DROP TRIGGER core_auditlog_no_delete")


def middle_row() -> AuditLog:
    ids = list(AuditLog.objects.order_by("id").values_list("id", flat=True))
    return AuditLog.objects.get(pk=ids[len(ids) // 2])


# ---- the chain -----------------------------------------------------------------------------------------------
def test_it_chains_each_row_to_the_one_before(world):
    before = AuditLog.objects.order_by("-id").first()
    row = audit(
        world.users["office"], AuditAction.TARGET_UPDATE, world.project, "修改", fields=["name"], n=1e16
    )
    assert row.prev_hash == before.hash and len(row.hash) == 64 and row.hash != before.hash
    assert AuditLog.objects.order_by("id").first().prev_hash == GENESIS
    stored = AuditLog.objects.get(
        pk=row.pk
    )  # as the database gives it back (jsonb writes 1e16 as an integer)
    assert stored.hash == row.hash
    verdict = audit_verify()
    assert verdict.intact and verdict.count == AuditLog.objects.count() and verdict.last_hash == row.hash


def test_it_says_the_log_is_complete(world):
    assert (
        verify()
        == f"审计日志完整:共 {AuditLog.objects.count()} 条,末条哈希 {AuditLog.objects.latest('id').hash}。\n"
    )


def test_it_finds_a_row_changed_behind_the_triggers(world):
    drop_guard()
    row = middle_row()
    raw("UPDATE core_auditlog SET summary = %s WHERE id = %s", ["改过的摘要", row.pk])
    with pytest.raises(CommandError, match=f"编号 {row.pk} 的记录.*内容被改动") as refusal:
        verify()
    assert refusal.value.returncode == 1
    assert audit_verify().count == AuditLog.objects.filter(id__lt=row.pk).count()


def test_it_finds_a_row_removed_from_the_middle(world):
    row = middle_row()
    with audit_gate():
        AuditLog.objects.filter(pk=row.pk).delete()
    after = AuditLog.objects.filter(id__gt=row.pk).order_by("id").first()
    with pytest.raises(CommandError, match=f"编号 {after.pk} 的记录.*之前的记录被删除、插入或改动"):
        verify()


def test_it_finds_the_oldest_rows_removed_without_a_prune(world):
    first = AuditLog.objects.order_by("id").first()
    with audit_gate():
        AuditLog.objects.filter(pk=first.pk).delete()
    with pytest.raises(CommandError, match="是现存第一条"):
        verify()


def test_it_reports_a_missing_trigger_even_when_the_chain_holds(world):
    drop_guard()
    assert guard_missing()
    with pytest.raises(CommandError, match="防篡改触发器缺失或被停用"):
        verify()


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_chain_when_two_connections_write_at_once():
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def write(n: int) -> None:
        from django.db import connection as own

        try:
            barrier.wait()
            for i in range(25):
                with transaction.atomic():
                    audit(None, AuditAction.REGIONS_LOAD, None, f"线程 {n} 第 {i} 条")
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    verdict = audit_verify()
    assert verdict.intact, verdict.reason
    assert verdict.count == AuditLog.objects.count() >= 50


# ---- append-only ---------------------------------------------------------------------------------------------
ORM_WRITES = {
    "queryset update": lambda row: AuditLog.objects.filter(pk=row.pk).update(summary="x"),
    "save": lambda row: AuditLog.objects.get(pk=row.pk).save(),
    "delete": lambda row: AuditLog.objects.get(pk=row.pk).delete(),
    "queryset delete": lambda row: AuditLog.objects.all().delete(),
}


@pytest.mark.parametrize("write", ORM_WRITES.values(), ids=ORM_WRITES.keys())
def test_it_refuses_to_change_a_row_through_the_orm(world, write):
    row = middle_row()
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        write(row)
    assert AuditLog.objects.get(pk=row.pk).summary == row.summary


def test_it_refuses_to_change_a_row_in_raw_sql(world):
    row = middle_row()
    statements = [
        "UPDATE core_auditlog SET summary = 'x'",
        "UPDATE core_auditlog SET hash = prev_hash",
        "DELETE FROM core_auditlog",
        f"DELETE FROM core_auditlog WHERE id = {row.pk}",
    ]
    if connection.vendor == "postgresql":
        statements.append("TRUNCATE core_auditlog CASCADE")
    for sql in statements:
        with pytest.raises(IntegrityError, match=REFUSED):
            raw(sql)
    assert AuditLog.objects.get(pk=row.pk).hash == row.hash
    assert audit_verify().intact


def test_it_closes_the_gate_behind_a_prune(world, settings):
    settings.SIJIN_AUDIT_RETENTION_DAYS = 180
    audit_prune(now=AuditLog.objects.latest("id").at + timedelta(days=181))
    with pytest.raises(IntegrityError, match=REFUSED):
        raw("DELETE FROM core_auditlog")


def test_flush_empties_the_log_and_closes_the_gate(world):
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditLog.objects.exists()
    row = audit(None, AuditAction.REGIONS_LOAD, None, "清空后第一条")
    assert row.prev_hash == GENESIS
    with pytest.raises(IntegrityError, match=REFUSED):
        raw("DELETE FROM core_auditlog")


def test_it_keeps_a_users_rows_by_refusing_to_delete_the_user(world):
    office = world.users["office"]
    audit(office, AuditAction.TARGET_UPDATE, world.project, "修改")
    with pytest.raises(ProtectedError), transaction.atomic():
        office.delete()
    assert User.objects.filter(pk=office.pk).exists()


# ---- retention -----------------------------------------------------------------------------------------------
def split_point() -> AuditLog:
    """A row written after the one before it (the world is built within the same second)."""
    rows = list(AuditLog.objects.order_by("id"))
    return next(
        r
        for prev, r in zip(rows[len(rows) // 2 :], rows[len(rows) // 2 + 1 :], strict=False)
        if r.at > prev.at
    )


def test_it_prunes_the_rows_past_the_retention_period_and_re_anchors_the_chain(world, settings):
    settings.SIJIN_AUDIT_RETENTION_DAYS = 180
    pivot = split_point()
    older = AuditLog.objects.filter(id__lt=pivot.pk).count()
    kept = AuditLog.objects.filter(id__gte=pivot.pk).count()
    assert audit_prune(now=pivot.at + timedelta(days=180)) == older
    assert AuditLog.objects.order_by("id").first() == pivot
    prune = AuditLog.objects.latest("id")
    assert prune.action == "audit_prune" and prune.data["anchor"] == pivot.prev_hash
    assert prune.data["removed"] == older and prune.data["first_id"] == pivot.pk
    assert verify().startswith(f"审计日志完整:共 {kept + 1} 条")
    # Twice is once: nothing more is old enough, and no row says otherwise.
    assert audit_prune(now=pivot.at + timedelta(days=180)) == 0
    assert AuditLog.objects.count() == kept + 1


def test_it_prunes_everything_old_and_the_prune_row_starts_the_chain(world, settings):
    settings.SIJIN_AUDIT_RETENTION_DAYS = 365
    last = AuditLog.objects.latest("id")
    total = AuditLog.objects.count()
    assert audit_prune(now=last.at + timedelta(days=400)) == total
    prune = AuditLog.objects.get()
    assert prune.prev_hash == last.hash == prune.data["anchor"] and prune.data["first_id"] is None
    assert audit_verify().intact


def test_it_keeps_everything_when_the_retention_is_forever(world, settings):
    settings.SIJIN_AUDIT_RETENTION_DAYS = 0
    total = AuditLog.objects.count()
    assert audit_prune(now=AuditLog.objects.latest("id").at + timedelta(days=3650)) == 0
    assert AuditLog.objects.count() == total
    out: list[str] = []
    call_command("audit", "prune", stdout=type("Out", (), {"write": lambda self, t: out.append(t)})())
    assert "永久保留" in "".join(out)


@pytest.mark.parametrize(("value", "shown"), [("0", "0"), ("179", None)])
def test_it_reads_the_retention_period_from_the_environment(tmp_path, value, shown):
    show = "import django; django.setup(); from django.conf import settings as s; print(s.SIJIN_AUDIT_RETENTION_DAYS)"
    env = {
        **os.environ,
        "SIJIN_VAR_DIR": str(tmp_path),
        "SIJIN_SECRET_KEY": "t",
        "SIJIN_AUDIT_RETENTION_DAYS": value,
    }
    r = subprocess.run(
        [sys.executable, "-c", show], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    if shown is None:
        assert r.returncode != 0 and "应为 0(永久保留)或不小于 180 的天数" in r.stderr
    else:
        assert r.stdout.strip() == shown, r.stderr


def test_it_lists_the_audit_command():
    r = subprocess.run(
        [sys.executable, "-m", "sijin.cli", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert "audit" in r.stdout and "校验审计日志" in r.stdout
