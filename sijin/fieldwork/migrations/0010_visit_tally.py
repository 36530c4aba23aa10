"""Kept 走访 sums for the 工作台 (fieldwork.totals.scope_visit_total), maintained by triggers on ``fieldwork_visit``.

One table (the model VisitTally) keyed by the visit's work group, with the sum of the visits' ``occasions`` and
the number of visits. Filled from the existing visits, then kept in step with every write in the same
transaction — services, queryset ``update()`` and ``delete()``, ``bulk_create`` and COPY (imports, synth) — by
adding the new rows' contributions and taking away the old ones' with an UPSERT, as 0009_outcome_tally does
(whose patterns this follows: the same ``sijin.tally_off`` switch on PostgreSQL, and problems.tally's
``tally_triggers_off``, ``tally_check`` and ``tally_rebuild`` cover this table too); rows whose counts reach 0
stay. A visit's group never changes through the services, but an ``update()`` that moves one moves its count.

PostgreSQL: statement-level AFTER triggers with transition tables, one grouped upsert per statement, the rows
taken in key order. SQLite: row-level triggers, the UPDATE one only ``OF`` the columns the tally reads and
``WHEN`` one of them changed.

The rules are frozen here as literal SQL: problems.tally holds the same definition in the ORM, ``tally_check``
compares the kept sums with it, and fieldwork/tests/test_visit_tally.py writes every kind of change and checks.

Beware on SQLite: a later migration that makes Django rebuild ``fieldwork_visit`` drops these triggers with the
old table; test_visit_tally.py checks that every trigger named in ``TRIGGERS`` exists after all migrations.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "fieldwork_visittally"
COLUMNS = ("group_id", "occasions")  # the visit columns read


def _upsert(vendor: str) -> str:
    target = f"{TABLE}." if vendor == "postgresql" else ""
    return (
        f" ON CONFLICT (group_id) DO UPDATE SET occasions = {target}occasions + excluded.occasions, "
        f"n = {target}n + excluded.n"
    )


# --- PostgreSQL: statement-level triggers with transition tables ----------------------------------------------

PG_EVENTS = {
    # event: (transition tables, (relation, sign) of the rows counted)
    "insert": ("NEW TABLE AS tally_new", (("tally_new", 1),)),
    "update": ("OLD TABLE AS tally_old NEW TABLE AS tally_new", (("tally_old", -1), ("tally_new", 1))),
    "delete": ("OLD TABLE AS tally_old", (("tally_old", -1),)),
}
# The same switch as the other tallies (problems.tally.tally_triggers_off).
PG_OFF = "current_setting('sijin.tally_off', true) = 'on'"
PG_TRIGGERS = {f"fieldwork_tally_visit_{event}": "fieldwork_visit" for event in PG_EVENTS}


def _pg_statement(sources: tuple[tuple[str, int], ...]) -> str:
    """One grouped upsert of the rows' contributions, skipping groups whose sums are 0 (an UPDATE of a visit's
    notes adds and takes away the same), the groups in key order (two transactions lock rows alike)."""
    selects = " UNION ALL ".join(
        f"SELECT group_id, {sign} * occasions AS occasions, {sign} AS n FROM {rel}" for rel, sign in sources
    )
    return (
        f"INSERT INTO {TABLE} (group_id, occasions, n) SELECT group_id, SUM(occasions), SUM(n) "
        f"FROM ({selects}) c GROUP BY group_id HAVING SUM(occasions) <> 0 OR SUM(n) <> 0 ORDER BY group_id"
        + _upsert("postgresql")
    )


def pg_forward() -> list[str]:
    out = []
    for event, (referencing, sources) in PG_EVENTS.items():
        name = f"fieldwork_tally_visit_{event}"
        out += [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n    IF {PG_OFF} THEN\n        RETURN NULL;\n    END IF;\n    {_pg_statement(sources)};\n"
            f"    RETURN NULL;\nEND\n$$",
            f"CREATE TRIGGER {name} AFTER {event.upper()} ON fieldwork_visit REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return out


def pg_backward() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in PG_TRIGGERS.items()] + [
        f"DROP FUNCTION IF EXISTS {name}()" for name in PG_TRIGGERS
    ]


# --- SQLite: row-level triggers ------------------------------------------------------------------------------


def _sqlite_row(row: str, sign: int) -> str:
    return (
        f"INSERT INTO {TABLE} (group_id, occasions, n) VALUES ({row}.group_id, {sign} * {row}.occasions, {sign})"
        + _upsert("sqlite")
    )


def sqlite_triggers() -> dict[str, str]:
    """Trigger name: CREATE TRIGGER statement."""
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in COLUMNS)
    bodies = {
        "fieldwork_tally_visit_ai": ("AFTER INSERT", "", [_sqlite_row("new", 1)]),
        # The last visit gone (``flush`` deletes table by table in no set order), nothing is left to count.
        "fieldwork_tally_visit_ad": (
            "AFTER DELETE",
            "",
            [_sqlite_row("old", -1), f"DELETE FROM {TABLE} WHERE NOT EXISTS (SELECT 1 FROM fieldwork_visit)"],
        ),
        "fieldwork_tally_visit_au": (
            f"AFTER UPDATE OF {', '.join(COLUMNS)}",
            f" WHEN {changed}",
            [_sqlite_row("old", -1), _sqlite_row("new", 1)],
        ),
    }
    return {
        name: f"CREATE TRIGGER IF NOT EXISTS {name} {event} ON fieldwork_visit{when} BEGIN\n    "
        + ";\n    ".join(statements)
        + ";\nEND"
        for name, (event, when, statements) in bodies.items()
    }


TRIGGERS = {"postgresql": set(PG_TRIGGERS), "sqlite": set(sqlite_triggers())}


def backfill() -> str:
    """Fill the (empty) tally from the visits there are: one grouped INSERT."""
    return (
        f"INSERT INTO {TABLE} (group_id, occasions, n) "
        "SELECT group_id, SUM(occasions), COUNT(*) FROM fieldwork_visit GROUP BY group_id"
    )


def install(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = pg_backward() + pg_forward()
    elif vendor == "sqlite":
        statements = [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS["sqlite"]]
        statements += list(sqlite_triggers().values())
    else:
        raise NotImplementedError(f"visit tallies need triggers for {vendor}")
    for sql in statements:
        schema_editor.execute(sql, params=None)


def forward(apps, schema_editor):
    install(schema_editor)
    schema_editor.execute(backfill(), params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = (
        pg_backward()
        if vendor == "postgresql"
        else [f"DROP TRIGGER IF EXISTS {n}" for n in TRIGGERS["sqlite"]]
    )
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0006_document_title_optional"),
        ("fieldwork", "0009_outcome_tally"),
    ]

    operations = [
        migrations.CreateModel(
            name="VisitTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("occasions", models.BigIntegerField(default=0, verbose_name="走访次数")),
                ("n", models.IntegerField(default=0, verbose_name="走访记录数")),
                (
                    "group",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="campaigns.workgroup",
                        verbose_name="工作组",
                    ),
                ),
            ],
            options={
                "verbose_name": "走访计数",
                "verbose_name_plural": "走访计数",
                "constraints": [models.UniqueConstraint(fields=("group",), name="visittally_key_uniq")],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
