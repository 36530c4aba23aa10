"""core.bulk.bulk_insert: many new rows in order with their keys (COPY on PostgreSQL, bulk_create elsewhere),
and the audit rows audit_many writes with it, chained as one ``audit`` call per row would chain them."""

import gc
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sijin.core.audit import audit, audit_many, audit_verify, row_hash
from sijin.core.bulk import bulk_insert, collector_paused
from sijin.core.models import AuditAction, AuditLog, Notification


def test_it_writes_rows_in_order_with_their_keys_and_stamps(world):
    user = world.users["member"]
    before = timezone.now()
    rows = [
        Notification(user=user, kind="triage", title=f"第{i}条", body="正文\t含制表符\n和换行")
        for i in range(30)
    ]
    written = bulk_insert(rows)
    assert [n.pk for n in written] == sorted(n.pk for n in written) and None not in [n.pk for n in written]
    assert all(not n._state.adding for n in written)
    stored = {n.pk: n for n in Notification.objects.filter(pk__in=[n.pk for n in written])}
    for n in written:
        again = stored[n.pk]
        assert (again.title, again.body, again.user_id, again.read_at) == (n.title, n.body, user.pk, None)
        assert (
            before <= again.at <= timezone.now() + timedelta(seconds=1) and again.at == n.at
        )  # auto_now_add


def test_it_chains_audit_rows_written_in_bulk_between_single_ones(world):
    actor = world.users["office"]
    audit(actor, AuditAction.PROBLEM_REPORT, world.village, "之前")
    data = [{"n": i, "nested": {"x": [1, 2.0, "三"]}, "none": None} for i in range(40)]
    with CaptureQueriesContext(connection) as captured:
        rows = audit_many(
            actor, AuditAction.PROBLEM_EVENT, [(world.village, f"第{i}条", d) for i, d in enumerate(data)]
        )
    # The chain's lock (PostgreSQL), its last hash, the keys, the rows (on SQLite with the page cache widened for
    # them and set back), however many rows.
    assert len(captured) <= 7
    with CaptureQueriesContext(connection) as more:
        audit_many(actor, AuditAction.PROBLEM_EVENT, [(world.village, f"第{i}条", {}) for i in range(400)])
    assert len(more) == len(captured)
    audit(actor, AuditAction.PROBLEM_REPORT, world.village, "之后")
    stored = list(AuditLog.objects.filter(pk__in=[r.pk for r in rows]).order_by("id"))
    assert [r.pk for r in stored] == [r.pk for r in rows]
    assert [r.data for r in stored] == [
        {"n": i, "nested": {"x": [1, 2, "三"]}, "none": None} for i in range(40)
    ]
    assert all(row_hash(r) == r.hash for r in stored)
    assert audit_verify().intact


def test_it_never_gives_a_key_twice(world):
    user = world.users["member"]
    first = bulk_insert([Notification(user=user, kind="a", title=str(i)) for i in range(3)])
    Notification.objects.filter(pk=first[-1].pk).delete()  # the largest key, gone: it is not given again
    again = bulk_insert([Notification(user=user, kind="b", title=str(i)) for i in range(3)])
    assert again[0].pk > first[-1].pk
    single = Notification.objects.create(user=user, kind="c", title="一条")  # and the database's own count
    assert single.pk > again[-1].pk


def test_it_pauses_the_cycle_collector_only_for_the_block():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()  # an error in the block turns it back on too
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left off by whoever turned it off
    finally:
        gc.enable()
