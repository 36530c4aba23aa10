"""targets_bulk_add at its limit: 500 targets in one write, audited as one batch, the audit chain intact."""

import time

from sijin.campaigns.models import Target
from sijin.campaigns.services import BULK_MAX, targets_bulk_add
from sijin.core.audit import audit_verify
from sijin.core.models import AuditAction, AuditLog


def test_it_adds_500_unnamed_targets_quickly_and_audits_each(world):
    before = AuditLog.objects.filter(action=AuditAction.TARGET_CREATE).count()
    began = time.perf_counter()
    made = targets_bulk_add(
        actor=world.users["member"], group=world.group, kind=world.kinds["enterprise"], count=BULK_MAX
    )
    took = time.perf_counter() - began
    assert len(made) == BULK_MAX == Target.objects.filter(group=world.group, unnamed=True).count()
    assert made[-1].name == "未具名企业 500" and all(t.pk for t in made)
    rows = AuditLog.objects.filter(action=AuditAction.TARGET_CREATE)
    assert rows.count() - before == 1  # one row for the batch, naming each target by id
    batch = rows.order_by("-id").first()
    assert batch.object_id == str(world.group.pk) and len(batch.data["targets"]) == BULK_MAX
    assert batch.data["targets"][str(made[0].pk)] == "未具名企业 1"
    assert audit_verify().intact
    print(f"500 targets in {took:.2f}s")
    assert took < 1.0


def test_it_continues_the_numbering_and_numbers_placeholder_lines(world):
    member, kind = world.users["member"], world.kinds["village"]
    targets_bulk_add(actor=member, group=world.group, kind=kind, count=2)
    made = targets_bulk_add(actor=member, group=world.group, kind=kind, names="李家村\n某村\n张庄村")
    assert [t.name for t in made] == ["李家村", "未具名村 3", "张庄村"]
    assert [t.unnamed_seq for t in made] == [None, 3, None]
    assert audit_verify().intact
