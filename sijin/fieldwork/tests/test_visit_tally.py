"""The kept 走访 sums (fieldwork.models.VisitTally, migration 0010_visit_tally) agree with the visits after every
kind of write — a visit recorded, corrected or deleted through the services, ``bulk_create``, queryset
``update()`` (its occasions, its group) and ``delete()`` — on SQLite and PostgreSQL alike; a missing trigger is
caught, a wrong row repaired; and the 工作台 shows from them the 走访次数 the visits give, for every persona."""

import importlib

import pytest
from django.db import connection
from django.db.models import F

from sijin.accounts.models import User
from sijin.campaigns import services as campaigns
from sijin.campaigns.models import WorkGroup
from sijin.fieldwork.models import Visit, VisitTally, visit_total
from sijin.fieldwork.services import visit_record, visit_update
from sijin.fieldwork.totals import scope_visit_total
from sijin.problems.tally import tally_check, tally_rebuild
from sijin.testing import client_for, d, superuser

pytestmark = pytest.mark.django_db
MIGRATION = importlib.import_module("sijin.fieldwork.migrations.0010_visit_tally")
PERSONAS = ["office", "leader", "unit", "group_leader", "member", "admin", "handler", "outsider"]


def assert_kept() -> None:
    differences = tally_check()
    assert differences == [], "\n".join(str(x) for x in differences)


def assert_same_for_everyone() -> None:
    assert_kept()
    for username in PERSONAS:
        user = User.objects.get(username=username) if username != "outsider" else None
        assert scope_visit_total(user) == visit_total(Visit.objects.visible_to(user)), username
    root = superuser()
    assert scope_visit_total(root) == visit_total(Visit.objects.all())


def other_group(world) -> WorkGroup:
    return campaigns.group_ensure(
        actor=world.users["admin"],
        campaign=world.campaign,
        name="汶上县工作组",
        dispatching_org=world.office_org,
        region=world.other_county,
        tier="city",
        start=d(6, 3),
        end=d(6, 30),
    )


def record(world, **fields) -> Visit:
    return visit_record(
        actor=world.users["member"],
        group=fields.pop("group", world.group),
        targets=fields.pop("targets", [world.village]),
        date=fields.pop("date", d(6, 20)),
        mode=fields.pop("mode", "individual"),
        notes=fields.pop("notes", "入户走访"),
        **fields,
    )


def test_it_counts_the_world_as_built(world):
    kept = VisitTally.objects.get(group=world.group)
    assert (kept.occasions, kept.n) == (13, 4)  # 1 + 1 + 10余 + 1
    assert_same_for_everyone()


def test_it_keeps_them_through_the_services(world):
    entry = record(world, date=d(6, 1), end_date=d(6, 30), occasions=21, occasions_qualifier="余")
    part = record(world, date=d(6, 26), part_of=entry)
    assert_same_for_everyone()
    visit_update(actor=world.users["member"], visit=entry, occasions=25)
    assert_same_for_everyone()
    visit_update(actor=world.users["member"], visit=part, notes="复查灌溉")  # nothing counted changes
    assert_same_for_everyone()
    entry.delete()  # its part stays, counted for itself now
    assert VisitTally.objects.get(group=world.group).occasions == 13 + 1
    assert_same_for_everyone()


def test_it_keeps_them_through_bulk_and_queryset_writes(world):
    other = other_group(world)
    made = Visit.objects.bulk_create(
        [
            Visit(group=g, date=d(6, 21), mode="individual", occasions=n)
            for g, n in ((world.group, 3), (other, 5))
        ]
    )
    assert VisitTally.objects.get(group=other).occasions == 5
    assert_same_for_everyone()
    Visit.objects.filter(group=world.group).update(occasions=F("occasions") + 1)
    assert_same_for_everyone()
    Visit.objects.filter(pk=made[0].pk).update(group=other)  # a visit moved to another group
    assert_same_for_everyone()
    Visit.objects.filter(pk__in=[v.pk for v in made]).update(notes="补录")  # nothing counted changes
    assert_same_for_everyone()
    Visit.objects.filter(group=other).delete()
    assert VisitTally.objects.get(group=other).occasions == 0
    assert_same_for_everyone()


def test_the_workbench_reads_the_tally(world):
    """A wrong row shows on the office's and the member's 工作台 (read from the tally); ``tally_check`` finds it
    and ``tally_rebuild`` repairs it."""
    assert client_for("member").get("/").context["numbers"]["visits"] == "13余次"
    VisitTally.objects.filter(group=world.group).update(occasions=F("occasions") + 100)
    for username in ("member", "office"):
        assert client_for(username).get("/").context["numbers"]["visits"] == "113余次", username
    differences = tally_check()
    assert [x.table for x in differences] == ["fieldwork_visittally"]
    assert "occasions 记为 113" in str(differences[0])
    assert tally_rebuild()["fieldwork_visittally"] == 1
    assert_same_for_everyone()


def triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall()}


def test_it_has_every_trigger_after_all_migrations():
    # On SQLite a later migration that rebuilds fieldwork_visit drops them silently.
    assert MIGRATION.TRIGGERS[connection.vendor] <= triggers()


def test_it_notices_a_dropped_trigger(world):
    name = "fieldwork_tally_visit_update" if connection.vendor == "postgresql" else "fieldwork_tally_visit_au"
    with connection.cursor() as cursor:  # in the test's transaction: rolled back with it
        cursor.execute(
            f"DROP TRIGGER {name} ON fieldwork_visit"
            if connection.vendor == "postgresql"
            else f"DROP TRIGGER {name}"
        )
    assert name not in triggers()
    Visit.objects.filter(group=world.group).update(occasions=2)
    assert tally_check() != []


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL's flush empties every table with TRUNCATE"
)
def test_it_ends_empty_when_the_tally_is_emptied_before_the_visits(world):
    VisitTally.objects.all().delete()
    Visit.objects.all().delete()
    assert not VisitTally.objects.exists()
    assert_kept()
