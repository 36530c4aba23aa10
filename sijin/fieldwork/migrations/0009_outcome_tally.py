"""Kept 成效 sums for the 工作台 and the 数据看板 (fieldwork.totals.scope_outcome_totals), maintained by triggers on
``fieldwork_outcome`` and ``campaigns_target``.

One table (the model OutcomeTally) keyed by the work group (0: none) and the county of the outcome's own target
and by indicator, with the sums ``outcome_totals`` makes: the amounts' total and the counts of outcomes, of
amounts written 约, 余/多 or as a range, of rates and of outcomes without a figure. Filled from the existing
outcomes, then kept in step with every write in the same transaction — services, queryset ``update()`` and
``delete()``, ``bulk_create`` and COPY (imports, synth) — and with a target moved to another group or region
(target_update), whose outcomes move with it. Each change adds the contributions of the new rows and takes away
those of the old ones with an UPSERT, as problems' 0012_problem_tally does (whose patterns this follows: the
same ``sijin.tally_off`` switch on PostgreSQL, ``tally_triggers_off`` and ``tally_rebuild`` in problems.tally
cover this table too); rows whose counts reach 0 stay and every read ignores them.

PostgreSQL: statement-level AFTER triggers with transition tables, one grouped upsert per statement, the rows
taken in key order. SQLite: row-level triggers, the UPDATE one only ``OF`` the columns the tally reads and
``WHEN`` one of them changed.

The rules are frozen here as literal SQL: fieldwork.totals holds the same definitions in the ORM
(``outcome_tally_live``), problems.tally's ``tally_check`` compares the kept sums with them and
fieldwork/tests/test_outcome_tally.py writes every kind of change and checks. A change of what a sum counts
needs a migration that replaces these triggers (``install(schema_editor)`` of this module, with new rules) and
rebuilds the tally.

Beware on SQLite: a later migration that makes Django rebuild ``fieldwork_outcome`` or ``campaigns_target``
drops their triggers with the old table; problems/tests/test_tally.py checks that every trigger named in
``TRIGGERS`` exists after all migrations.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "fieldwork_outcometally"
KEYS = (
    ("group_id", "COALESCE({t}.group_id, 0)"),  # 0: a target without a group (a key without NULLs)
    ("county", "substr({t}.region_id, 1, 6)"),
    ("indicator_id", "{r}.indicator_id"),
)
AMOUNT = "{r}.per = '' AND {r}.value IS NOT NULL"  # a figure without a rate period: summed
COUNTS = (
    # (column, condition (None: always), what it adds: None for 1, else an expression of the row)
    ("total", AMOUNT, "{r}.value"),
    ("n", None, None),
    ("n_about", f"{AMOUNT} AND {{r}}.qualifier = '约'", None),
    ("n_more", f"{AMOUNT} AND {{r}}.qualifier IN ('余', '多')", None),
    ("n_range", f"{AMOUNT} AND {{r}}.value_high IS NOT NULL", None),
    ("n_rate", "{r}.value IS NOT NULL AND {r}.per <> ''", None),
    ("n_text", "{r}.value IS NULL", None),
)
COLUMNS = ("target_id", "indicator_id", "value", "per", "qualifier", "value_high")  # the outcome columns read
TARGET_COLUMNS = ("group_id", "region_id")
KEY_NAMES = [k for k, _e in KEYS]
COUNT_NAMES = [c for c, _cond, _v in COUNTS]


def _select(sign: int, source: str, r: str = "r", t: str = "t", where: str = "") -> str:
    """The contributions (key, sums) with ``sign`` of the outcomes ``r`` (with their target ``t``) of
    ``source`` that satisfy ``where``."""
    keys = [f"{expr.format(r=r, t=t)} AS {name}" for name, expr in KEYS]
    sums = []
    for name, condition, value in COUNTS:
        adds = str(sign) if value is None else f"{sign} * {value.format(r=r)}"
        sums.append(
            f"{adds} AS {name}"
            if condition is None
            else f"CASE WHEN {condition.format(r=r)} THEN {adds} ELSE 0 END AS {name}"
        )
    sql = f"SELECT {', '.join(keys + sums)} FROM {source}"
    return sql + (f" WHERE {where}" if where else "")


def _on_conflict(vendor: str) -> str:
    target = f"{TABLE}." if vendor == "postgresql" else ""
    sets = ", ".join(f"{c} = {target}{c} + excluded.{c}" for c in COUNT_NAMES)
    return f" ON CONFLICT ({', '.join(KEY_NAMES)}) DO UPDATE SET {sets}"


def _grouped(selects: list[str], upsert: str | None) -> str:
    """INSERT the sums of ``selects`` by key, adding to the existing rows when ``upsert`` is the dialect
    ("postgresql", "sqlite"), skipping keys whose sums are all 0."""
    sql = (
        f"INSERT INTO {TABLE} ({', '.join(KEY_NAMES + COUNT_NAMES)}) "
        f"SELECT {', '.join(KEY_NAMES)}, {', '.join(f'SUM({c})' for c in COUNT_NAMES)} "
        f"FROM ({' UNION ALL '.join(selects)}) c GROUP BY {', '.join(KEY_NAMES)} "
        f"HAVING {' OR '.join(f'SUM({c}) <> 0' for c in COUNT_NAMES)}"
    )
    if upsert is None:
        return sql
    if upsert == "postgresql":  # two transactions lock the rows in the same order
        sql += f" ORDER BY {', '.join(KEY_NAMES)}"
    return sql + _on_conflict(upsert)


def _moved(a: str, b: str) -> str:
    """Target ``a`` and target ``b`` (the same one before and after) are keyed apart."""
    return (
        f"COALESCE({a}.group_id, 0) <> COALESCE({b}.group_id, 0) "
        f"OR substr({a}.region_id, 1, 6) <> substr({b}.region_id, 1, 6)"
    )


# --- PostgreSQL: statement-level triggers with transition tables ----------------------------------------------

PG_EVENTS = {
    # event: (transition tables, (relation, sign) of the rows counted)
    "insert": ("NEW TABLE AS tally_new", (("tally_new", 1),)),
    "update": ("OLD TABLE AS tally_old NEW TABLE AS tally_new", (("tally_old", -1), ("tally_new", 1))),
    "delete": ("OLD TABLE AS tally_old", (("tally_old", -1),)),
}
# The same switch as problems' tallies (problems.tally.tally_triggers_off): a bulk load turns them all off for
# its own transaction and recounts at its end.
PG_OFF = "current_setting('sijin.tally_off', true) = 'on'"
PG_TRIGGERS = {
    "fieldwork_tally_outcome_insert": "fieldwork_outcome",
    "fieldwork_tally_outcome_update": "fieldwork_outcome",
    "fieldwork_tally_outcome_delete": "fieldwork_outcome",
    "fieldwork_tally_target_move": "campaigns_target",
}


def _pg_function(name: str, statement: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n    IF {PG_OFF} THEN\n        RETURN NULL;\n    END IF;\n    {statement};\n    RETURN NULL;\nEND\n$$"
    )


def pg_forward() -> list[str]:
    out = []
    for event, (referencing, sources) in PG_EVENTS.items():
        name = f"fieldwork_tally_outcome_{event}"
        selects = [
            _select(sign, f"{rel} r JOIN campaigns_target t ON t.id = r.target_id") for rel, sign in sources
        ]
        out += [
            _pg_function(name, _grouped(selects, "postgresql")),
            f"CREATE TRIGGER {name} AFTER {event.upper()} ON fieldwork_outcome REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    # A target moved to another group or county: its outcomes leave the old key for the new one. (Transition
    # tables take no column list: every UPDATE of targets runs it, and finds no moved target in most.)
    selects = [
        _select(sign, f"fieldwork_outcome r JOIN {mine} t ON t.id = r.target_id JOIN {theirs} other ON other.id = t.id",
                where=_moved("t", "other"))
        for mine, theirs, sign in (("tally_old", "tally_new", -1), ("tally_new", "tally_old", 1))
    ]  # fmt: skip
    out += [
        _pg_function("fieldwork_tally_target_move", _grouped(selects, "postgresql")),
        "CREATE TRIGGER fieldwork_tally_target_move AFTER UPDATE ON campaigns_target "
        "REFERENCING OLD TABLE AS tally_old NEW TABLE AS tally_new "
        "FOR EACH STATEMENT EXECUTE FUNCTION fieldwork_tally_target_move()",
    ]
    return out


def pg_backward() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in PG_TRIGGERS.items()] + [
        f"DROP FUNCTION IF EXISTS {name}()" for name in PG_TRIGGERS
    ]


# --- SQLite: row-level triggers ------------------------------------------------------------------------------


def _sqlite_row(row: str, sign: int) -> str:
    """Add one outcome's (``new`` or ``old``) contribution, keyed by its target's group and county."""
    select = _select(sign, "campaigns_target t", r=row, where=f"t.id = {row}.target_id")
    return f"INSERT INTO {TABLE} ({', '.join(KEY_NAMES + COUNT_NAMES)}) {select}{_on_conflict('sqlite')}"


def sqlite_triggers() -> dict[str, str]:
    """Trigger name: CREATE TRIGGER statement."""
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in COLUMNS)
    bodies = {
        "fieldwork_tally_outcome_ai": ("AFTER INSERT", "", [_sqlite_row("new", 1)]),
        # The last outcome gone (``flush`` deletes table by table in no set order), nothing is left to count.
        "fieldwork_tally_outcome_ad": (
            "AFTER DELETE",
            "",
            [
                _sqlite_row("old", -1),
                f"DELETE FROM {TABLE} WHERE NOT EXISTS (SELECT 1 FROM fieldwork_outcome)",
            ],
        ),
        "fieldwork_tally_outcome_au": (
            f"AFTER UPDATE OF {', '.join(COLUMNS)}",
            f" WHEN {changed}",
            [_sqlite_row("old", -1), _sqlite_row("new", 1)],
        ),
    }
    out = {
        name: f"CREATE TRIGGER IF NOT EXISTS {name} {event} ON fieldwork_outcome{when} BEGIN\n    "
        + ";\n    ".join(statements)
        + ";\nEND"
        for name, (event, when, statements) in bodies.items()
    }
    statements = [
        _grouped([_select(sign, "fieldwork_outcome r", t=row, where=f"r.target_id = {row}.id")], "sqlite")
        for row, sign in (("old", -1), ("new", 1))
    ]
    out["fieldwork_tally_target_move"] = (
        f"CREATE TRIGGER IF NOT EXISTS fieldwork_tally_target_move AFTER UPDATE OF {', '.join(TARGET_COLUMNS)} "
        f"ON campaigns_target WHEN {_moved('old', 'new')} BEGIN\n    " + ";\n    ".join(statements) + ";\nEND"
    )
    return out


TRIGGERS = {"postgresql": set(PG_TRIGGERS), "sqlite": set(sqlite_triggers())}


def backfill() -> str:
    """Fill the (empty) tally from the outcomes there are: one grouped INSERT."""
    return _grouped([_select(1, "fieldwork_outcome r JOIN campaigns_target t ON t.id = r.target_id")], None)


def install(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = pg_backward() + pg_forward()
    elif vendor == "sqlite":
        statements = [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS["sqlite"]]
        statements += list(sqlite_triggers().values())
    else:
        raise NotImplementedError(f"outcome tallies need triggers for {vendor}")
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
        ("fieldwork", "0008_visit_total_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="OutcomeTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("county", models.CharField(max_length=6, verbose_name="县级区划")),
                (
                    "total",
                    models.DecimalField(decimal_places=4, default=0, max_digits=30, verbose_name="合计"),
                ),
                ("n", models.IntegerField(default=0, verbose_name="成效数")),
                ("n_about", models.IntegerField(default=0, verbose_name="约数")),
                ("n_more", models.IntegerField(default=0, verbose_name="余数")),
                ("n_range", models.IntegerField(default=0, verbose_name="区间")),
                ("n_rate", models.IntegerField(default=0, verbose_name="比率")),
                ("n_text", models.IntegerField(default=0, verbose_name="无数字")),
                (
                    "group",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="campaigns.workgroup",
                        verbose_name="工作组",
                    ),
                ),
                (
                    "indicator",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="campaigns.indicator",
                        verbose_name="指标",
                    ),
                ),
            ],
            options={
                "verbose_name": "成效计数",
                "verbose_name_plural": "成效计数",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("group", "county", "indicator"), name="outcometally_key_uniq"
                    )
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
