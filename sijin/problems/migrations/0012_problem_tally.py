"""Kept tallies of problems for the 数据看板 and the 督办 page (problems.tally), maintained by triggers on
``problems_problem``.

Six tables (the models ProblemTally, ProblemFacetTally, ProblemWeekTally, ProblemDueTally, and for the 督办
page ProblemUnitTally and ProblemUnitDueTally), filled from the existing problems, and triggers that keep them
in step with every write in the same transaction — services, queryset ``update()`` (target_update moves a
target's problems), ``bulk_create`` and COPY (imports, synth), deletes — and one on ``campaigns_target`` for a
target whose kind changes (target_update may change it: a 待定 target gets its kind). Each change adds the
contributions of the new rows and takes away those of the old ones with an UPSERT (``INSERT … ON CONFLICT (key)
DO UPDATE SET n = n + excluded.n``); rows whose counts reach 0 stay and are ignored by every read. The migration
also adds the index the 督办 page reads its rows from (problem_run_org_deadline_idx: problems.tally.
unit_first_ids).

PostgreSQL: statement-level AFTER triggers with transition tables, one ``INSERT … SELECT … GROUP BY`` per tally
per statement (a sweep batch of 1,000 rows or a COPY of a million costs one grouped insert, not a row each);
changes that cancel out (an UPDATE of columns no tally reads) write nothing. The upserted rows are taken in key
order so that two transactions lock the rows of a tally in the same order. SQLite: row-level triggers, one per
tally and event, the UPDATE ones only ``OF`` the columns the tally reads and ``WHEN`` one of them changed.

The rules are frozen here as literal SQL (status sets included): problems.tally holds the same definitions in
the ORM, ``tally_check()`` compares the kept counts with them and problems/tests/test_tally.py writes every
kind of change and checks. A change of a status set or a light rule needs a migration that replaces these
triggers (``install(schema_editor)`` of this module, with new rules) and rebuilds the tallies.

Beware on SQLite: a later migration that makes Django rebuild ``problems_problem`` or ``campaigns_target``
drops their triggers with the old table; problems/tests/test_tally.py checks that every trigger named in
``TRIGGERS`` exists after all migrations.
"""

from dataclasses import dataclass

import django.db.models.deletion
from django.db import migrations, models

RUNNING = ("assigned", "returned", "accepted", "in_progress", "reopened", "escalated")
SOLVED = ("resolved", "closed")
VOID = ("cancelled", "merged")
SATISFIED = ("satisfied", "basic")


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


@dataclass(frozen=True)
class Part:
    """What one problem row ``{r}`` (with its target ``{t}``) adds to a tally: the key, each count's condition
    (None: always 1) and which rows add at all."""

    table: str
    keys: tuple[tuple[str, str], ...]
    counts: tuple[tuple[str, str | None], ...]
    where: str = ""
    columns: tuple[str, ...] = ()  # the problem columns it reads (SQLite's UPDATE OF …)

    @property
    def needs_target(self) -> bool:
        return any("{t}" in expr for _col, expr in self.keys)


PLACE = (
    ("group_id", "{r}.group_id"),
    ("campaign_id", "{r}.campaign_id"),
    ("county", "substr({r}.region_id, 1, 6)"),
)
PLACE_COLUMNS = ("group_id", "campaign_id", "region_id")
UNIT = ("handling_org_id", "COALESCE({r}.handling_org_id, 0)")  # 0: none, 工作组自办 (a key without NULLs)
RATE_COUNTS = (
    ("n", None),
    ("accepted", "{r}.assigned_on IS NOT NULL AND {r}.accepted_on IS NOT NULL"),
    ("accepted_in_time", "{r}.accepted_on IS NOT NULL AND {r}.accepted_on <= {r}.accept_by"),
    ("unsigned", "{r}.assigned_on IS NOT NULL AND {r}.accepted_on IS NULL AND {r}.accept_by IS NOT NULL"),
    ("with_deadline", "{r}.deadline IS NOT NULL"),
    ("on_time", "{r}.deadline IS NOT NULL AND {r}.resolved_on <= {r}.deadline"),
    ("verified", "{r}.satisfaction <> ''"),
    ("satisfied", f"{{r}}.satisfaction IN {_in(SATISFIED)}"),
)
RATE_COLUMNS = (
    "status",
    "assigned_on",
    "accepted_on",
    "accept_by",
    "deadline",
    "resolved_on",
    "satisfaction",
)
WEEK = {
    "postgresql": "({r}.reported_on - CAST(EXTRACT(ISODOW FROM {r}.reported_on) AS integer) + 1)",
    "sqlite": "date({r}.reported_on, '-6 days', 'weekday 1')",  # the Monday on or before
}
PARTS = (
    Part(
        "problems_problemtally",
        keys=(*PLACE, ("status", "{r}.status"), ("kind_id", "{t}.kind_id")),
        counts=RATE_COUNTS,
        columns=(*PLACE_COLUMNS, "target_id", *RATE_COLUMNS),
    ),
    # The same counts by handling unit: the 督办 page's units.
    Part(
        "problems_problemunittally",
        keys=(UNIT, *PLACE, ("status", "{r}.status")),
        counts=RATE_COUNTS,
        columns=("handling_org_id", *PLACE_COLUMNS, *RATE_COLUMNS),
    ),
    Part(
        "problems_problemfacettally",
        keys=(*PLACE, ("category_id", "COALESCE({r}.category_id, 0)"), ("level", "{r}.level")),
        counts=(("n", None),),
        columns=(*PLACE_COLUMNS, "category_id", "level"),
    ),
    Part(
        "problems_problemweektally",
        keys=(*PLACE, ("week", "{week}")),
        counts=(("n", None), ("solved", f"{{r}}.status IN {_in(SOLVED)}")),
        columns=(*PLACE_COLUMNS, "reported_on", "status"),
    ),
    # Running problems by their 办结期限 (red: before today; yellow: from today to the campaign's first green day).
    Part(
        "problems_problemduetally",
        keys=(*PLACE, ("what", "'deadline'"), ("day", "{r}.deadline")),
        counts=(("n", None),),
        where=f"{{r}}.status IN {_in(RUNNING)} AND {{r}}.deadline IS NOT NULL",
        columns=(*PLACE_COLUMNS, "status", "deadline"),
    ),
    # Counted problems assigned and not signed, by their 签收时限 (late to sign: before today; 响应率).
    Part(
        "problems_problemduetally",
        keys=(*PLACE, ("what", "'accept_by'"), ("day", "{r}.accept_by")),
        counts=(("n", None),),
        where=(
            f"{{r}}.assigned_on IS NOT NULL AND {{r}}.accepted_on IS NULL AND {{r}}.accept_by IS NOT NULL "
            f"AND {{r}}.status NOT IN {_in(VOID)}"
        ),
        columns=(*PLACE_COLUMNS, "status", "assigned_on", "accepted_on", "accept_by"),
    ),
    # The same two by handling unit: the 督办 page's units.
    Part(
        "problems_problemunitduetally",
        keys=(UNIT, *PLACE, ("what", "'deadline'"), ("day", "{r}.deadline")),
        counts=(("n", None),),
        where=f"{{r}}.status IN {_in(RUNNING)} AND {{r}}.deadline IS NOT NULL",
        columns=(*PLACE_COLUMNS, "handling_org_id", "status", "deadline"),
    ),
    Part(
        "problems_problemunitduetally",
        keys=(UNIT, *PLACE, ("what", "'accept_by'"), ("day", "{r}.accept_by")),
        counts=(("n", None),),
        where=(
            f"{{r}}.assigned_on IS NOT NULL AND {{r}}.accepted_on IS NULL AND {{r}}.accept_by IS NOT NULL "
            f"AND {{r}}.status NOT IN {_in(VOID)}"
        ),
        columns=(*PLACE_COLUMNS, "handling_org_id", "status", "assigned_on", "accepted_on", "accept_by"),
    ),
)  # fmt: skip
TABLES = tuple(dict.fromkeys(p.table for p in PARTS))
SHORT = {
    "problems_problemtally": "main",
    "problems_problemunittally": "unit",
    "problems_problemfacettally": "facet",
    "problems_problemweektally": "week",
    "problems_problemduetally": "due",
    "problems_problemunitduetally": "unitdue",
}
MAIN = "problems_problemtally"


def _parts(table: str) -> list[Part]:
    return [p for p in PARTS if p.table == table]


def _columns(table: str) -> tuple[list[str], list[str]]:
    first = _parts(table)[0]
    return [c for c, _e in first.keys], [c for c, _e in first.counts]


def _expr(expr: str, vendor: str, r: str, t: str) -> str:
    return expr.format(week=WEEK[vendor], r="{r}", t="{t}").format(r=r, t=t)


def _select(
    part: Part, vendor: str, sign: int, source: str, r: str = "r", t: str = "t", where: str = ""
) -> str:
    """The contributions (key, counts) with ``sign`` of the rows of ``source`` (a FROM clause where the problem
    is ``r`` and its target ``t``; none for a trigger's ``new`` or ``old`` row) that satisfy ``where``."""
    keys = [f"{_expr(e, vendor, r, t)} AS {c}" for c, e in part.keys]
    counts = [
        f"{sign} AS {c}"
        if cond is None
        else f"CASE WHEN {_expr(cond, vendor, r, t)} THEN {sign} ELSE 0 END AS {c}"
        for c, cond in part.counts
    ]
    conditions = [c for c in (_expr(part.where, vendor, r, t) if part.where else "", where) if c]
    sql = f"SELECT {', '.join(keys + counts)}" + (f" FROM {source}" if source else "")
    if conditions:
        sql += " WHERE " + " AND ".join(f"({c})" for c in conditions)
    return sql


def _grouped(table: str, selects: list[str], upsert: str | None) -> str:
    """INSERT the sums of ``selects`` by key into ``table``, adding to the existing rows when ``upsert`` is
    the dialect ("postgresql", "sqlite"), skipping keys whose sums are all 0."""
    keys, counts = _columns(table)
    sql = (
        f"INSERT INTO {table} ({', '.join(keys + counts)}) "
        f"SELECT {', '.join(keys)}, {', '.join(f'SUM({c})' for c in counts)} "
        f"FROM ({' UNION ALL '.join(selects)}) c GROUP BY {', '.join(keys)} "
        f"HAVING {' OR '.join(f'SUM({c}) <> 0' for c in counts)}"
    )
    if upsert is None:
        return sql
    if upsert == "postgresql":
        sql += f" ORDER BY {', '.join(keys)}"
    return sql + _on_conflict(table, upsert)


def _on_conflict(table: str, vendor: str) -> str:
    keys, counts = _columns(table)
    target = f"{table}." if vendor == "postgresql" else ""
    sets = ", ".join(f"{c} = {target}{c} + excluded.{c}" for c in counts)
    return f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"


def _source(part: Part, rows: str) -> str:
    return f"{rows} r JOIN campaigns_target t ON t.id = r.target_id" if part.needs_target else f"{rows} r"


# --- PostgreSQL: statement-level triggers with transition tables ----------------------------------------------

PG_EVENTS = {
    # event: (transition tables, (relation, sign) of the rows counted)
    "insert": ("NEW TABLE AS tally_new", (("tally_new", 1),)),
    "update": ("OLD TABLE AS tally_old NEW TABLE AS tally_new", (("tally_old", -1), ("tally_new", 1))),
    "delete": ("OLD TABLE AS tally_old", (("tally_old", -1),)),
}


# A bulk load turns the triggers off for its own transaction (``SET LOCAL sijin.tally_off = 'on'``, see
# problems.tally.tally_triggers_off) and recounts the tallies at its end: no ALTER TABLE, which PostgreSQL
# refuses while the transaction has deferred foreign-key checks pending.
PG_OFF = "current_setting('sijin.tally_off', true) = 'on'"


def _pg_function(name: str, statements: list[str]) -> str:
    body = ";\n    ".join(statements)
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n    IF {PG_OFF} THEN\n        RETURN NULL;\n    END IF;\n    {body};\n    RETURN NULL;\nEND\n$$"
    )


def pg_forward() -> list[str]:
    out = []
    for event, (referencing, sources) in PG_EVENTS.items():
        name = f"problems_tally_{event}"
        statements = [
            _grouped(
                table,
                [
                    _select(p, "postgresql", sign, _source(p, rel))
                    for rel, sign in sources
                    for p in _parts(table)
                ],
                "postgresql",
            )
            for table in TABLES
        ]
        out += [
            _pg_function(name, statements),
            f"CREATE TRIGGER {name} AFTER {event.upper()} ON problems_problem REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    # A target's kind changed: its problems move from the old kind's rows to the new kind's.
    changed = "t.kind_id IS DISTINCT FROM other.kind_id"
    selects = [
        _select(p, "postgresql", sign, f"problems_problem r JOIN {mine} t ON t.id = r.target_id "
                f"JOIN {theirs} other ON other.id = t.id", where=changed)
        for mine, theirs, sign in (("tally_old", "tally_new", -1), ("tally_new", "tally_old", 1))
        for p in _parts(MAIN)
    ]  # fmt: skip
    out += [
        _pg_function("problems_tally_target_kind", [_grouped(MAIN, selects, "postgresql")]),
        "CREATE TRIGGER problems_tally_target_kind AFTER UPDATE ON campaigns_target "
        "REFERENCING OLD TABLE AS tally_old NEW TABLE AS tally_new "
        "FOR EACH STATEMENT EXECUTE FUNCTION problems_tally_target_kind()",
    ]
    return out


PG_TRIGGERS = {
    "problems_tally_insert": "problems_problem",
    "problems_tally_update": "problems_problem",
    "problems_tally_delete": "problems_problem",
    "problems_tally_target_kind": "campaigns_target",
}


def pg_backward() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in PG_TRIGGERS.items()] + [
        f"DROP FUNCTION IF EXISTS {name}()" for name in PG_TRIGGERS
    ]


# --- SQLite: row-level triggers ------------------------------------------------------------------------------


def _sqlite_row(part: Part, row: str, sign: int) -> str:
    """Add one row's (``new`` or ``old``) contribution to its tally."""
    if part.needs_target:
        select = _select(part, "sqlite", sign, "campaigns_target t", r=row, where=f"t.id = {row}.target_id")
    else:
        select = _select(part, "sqlite", sign, "", r=row, where="true")  # WHERE: see SQLite's UPSERT parsing
    keys, counts = _columns(part.table)
    return (
        f"INSERT INTO {part.table} ({', '.join(keys + counts)}) {select}{_on_conflict(part.table, 'sqlite')}"
    )


def sqlite_triggers() -> dict[str, str]:
    """Trigger name: CREATE TRIGGER statement."""
    out = {}
    for table in TABLES:
        parts = _parts(table)
        short = SHORT[table]
        columns = list(dict.fromkeys(c for p in parts for c in p.columns))
        changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)
        bodies = {
            f"problems_tally_{short}_ai": ("AFTER INSERT", [_sqlite_row(p, "new", 1) for p in parts]),
            # The last problem gone (``flush`` deletes table by table in no set order), nothing is left to count.
            f"problems_tally_{short}_ad": (
                "AFTER DELETE",
                [_sqlite_row(p, "old", -1) for p in parts]
                + [f"DELETE FROM {table} WHERE NOT EXISTS (SELECT 1 FROM problems_problem)"],
            ),
            f"problems_tally_{short}_au": (
                f"AFTER UPDATE OF {', '.join(columns)}",
                [_sqlite_row(p, "old", -1) for p in parts] + [_sqlite_row(p, "new", 1) for p in parts],
            ),
        }
        for name, (event, statements) in bodies.items():
            when = f" WHEN {changed}" if event.startswith("AFTER UPDATE") else ""
            out[name] = (
                f"CREATE TRIGGER IF NOT EXISTS {name} {event} ON problems_problem{when} BEGIN\n    "
                + ";\n    ".join(statements)
                + ";\nEND"
            )
    statements = [
        _grouped(MAIN, [_select(p, "sqlite", sign, "problems_problem r", t=row, where=f"r.target_id = {row}.id")
                        for p in _parts(MAIN)], "sqlite")
        for row, sign in (("old", -1), ("new", 1))
    ]  # fmt: skip
    out["problems_tally_target_kind"] = (
        "CREATE TRIGGER IF NOT EXISTS problems_tally_target_kind AFTER UPDATE OF kind_id ON campaigns_target "
        "WHEN old.kind_id IS NOT new.kind_id BEGIN\n    " + ";\n    ".join(statements) + ";\nEND"
    )
    return out


TRIGGERS = {"postgresql": set(PG_TRIGGERS), "sqlite": set(sqlite_triggers())}


def backfill(vendor: str) -> list[str]:
    """Fill the (empty) tallies from the problems there are: one grouped INSERT each."""
    return [
        _grouped(table, [_select(p, vendor, 1, _source(p, "problems_problem")) for p in _parts(table)], None)
        for table in TABLES
    ]


def install(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = pg_backward() + pg_forward()
    elif vendor == "sqlite":
        statements = [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS["sqlite"]]
        statements += list(sqlite_triggers().values())
    else:
        raise NotImplementedError(f"problem tallies need triggers for {vendor}")
    for sql in statements:
        schema_editor.execute(sql, params=None)


def forward(apps, schema_editor):
    install(schema_editor)
    for sql in backfill(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


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
        ("problems", "0011_title_trigram"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProblemDueTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("county", models.CharField(max_length=6, verbose_name="县级区划")),
                (
                    "what",
                    models.CharField(
                        choices=[("deadline", "办结期限"), ("accept_by", "签收时限")],
                        max_length=9,
                        verbose_name="期限",
                    ),
                ),
                ("day", models.DateField(verbose_name="日期")),
                ("n", models.IntegerField(default=0, verbose_name="问题数")),
                (
                    "campaign",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="campaigns.campaign",
                        verbose_name="行动",
                    ),
                ),
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
                "verbose_name": "问题期限计数",
                "verbose_name_plural": "问题期限计数",
                "indexes": [models.Index(fields=["day"], name="problemduetally_day_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("group", "campaign", "county", "what", "day"), name="problemduetally_key_uniq"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ProblemFacetTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("county", models.CharField(max_length=6, verbose_name="县级区划")),
                ("category_id", models.IntegerField(default=0, verbose_name="类别")),
                (
                    "level",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("on_site", "现场解决"),
                            ("group", "工作组协调"),
                            ("county", "县级"),
                            ("city", "市级"),
                            ("province", "省级"),
                            ("not_ready", "暂不具备条件"),
                        ],
                        max_length=10,
                        verbose_name="办理层级",
                    ),
                ),
                ("n", models.IntegerField(default=0, verbose_name="问题数")),
                (
                    "campaign",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="campaigns.campaign",
                        verbose_name="行动",
                    ),
                ),
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
                "verbose_name": "问题分类计数",
                "verbose_name_plural": "问题分类计数",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("group", "campaign", "county", "category_id", "level"),
                        name="problemfacettally_key_uniq",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ProblemTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("county", models.CharField(max_length=6, verbose_name="县级区划")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("reported", "已上报"),
                            ("assigned", "已交办"),
                            ("returned", "已退回"),
                            ("accepted", "已签收"),
                            ("in_progress", "办理中"),
                            ("resolved", "已办结"),
                            ("reopened", "重办"),
                            ("closed", "已销号"),
                            ("deferred", "长期推进"),
                            ("escalated", "已提级"),
                            ("cancelled", "已撤销"),
                            ("merged", "已合并"),
                        ],
                        max_length=12,
                        verbose_name="状态",
                    ),
                ),
                ("n", models.IntegerField(default=0, verbose_name="问题数")),
                ("accepted", models.IntegerField(default=0, verbose_name="已交办且已签收")),
                ("accepted_in_time", models.IntegerField(default=0, verbose_name="按时签收")),
                ("unsigned", models.IntegerField(default=0, verbose_name="已交办未签收")),
                ("with_deadline", models.IntegerField(default=0, verbose_name="有办结期限")),
                ("on_time", models.IntegerField(default=0, verbose_name="期限内办结")),
                ("verified", models.IntegerField(default=0, verbose_name="已回访")),
                ("satisfied", models.IntegerField(default=0, verbose_name="满意或基本满意")),
                (
                    "campaign",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="campaigns.campaign",
                        verbose_name="行动",
                    ),
                ),
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
                (
                    "kind",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="campaigns.targetkind",
                        verbose_name="对象类型",
                    ),
                ),
            ],
            options={
                "verbose_name": "问题计数",
                "verbose_name_plural": "问题计数",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("group", "campaign", "county", "status", "kind"), name="problemtally_key_uniq"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ProblemUnitTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("handling_org_id", models.IntegerField(default=0, verbose_name="承办单位")),
                ("county", models.CharField(max_length=6, verbose_name="县级区划")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("reported", "已上报"),
                            ("assigned", "已交办"),
                            ("returned", "已退回"),
                            ("accepted", "已签收"),
                            ("in_progress", "办理中"),
                            ("resolved", "已办结"),
                            ("reopened", "重办"),
                            ("closed", "已销号"),
                            ("deferred", "长期推进"),
                            ("escalated", "已提级"),
                            ("cancelled", "已撤销"),
                            ("merged", "已合并"),
                        ],
                        max_length=12,
                        verbose_name="状态",
                    ),
                ),
                ("n", models.IntegerField(default=0, verbose_name="问题数")),
                ("accepted", models.IntegerField(default=0, verbose_name="已交办且已签收")),
                ("accepted_in_time", models.IntegerField(default=0, verbose_name="按时签收")),
                ("unsigned", models.IntegerField(default=0, verbose_name="已交办未签收")),
                ("with_deadline", models.IntegerField(default=0, verbose_name="有办结期限")),
                ("on_time", models.IntegerField(default=0, verbose_name="期限内办结")),
                ("verified", models.IntegerField(default=0, verbose_name="已回访")),
                ("satisfied", models.IntegerField(default=0, verbose_name="满意或基本满意")),
                (
                    "campaign",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="campaigns.campaign",
                        verbose_name="行动",
                    ),
                ),
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
                "verbose_name": "问题承办单位计数",
                "verbose_name_plural": "问题承办单位计数",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("handling_org_id", "group", "campaign", "county", "status"),
                        name="problemunittally_key_uniq",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ProblemWeekTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("county", models.CharField(max_length=6, verbose_name="县级区划")),
                ("week", models.DateField(verbose_name="周")),
                ("n", models.IntegerField(default=0, verbose_name="发现数")),
                ("solved", models.IntegerField(default=0, verbose_name="办结数")),
                (
                    "campaign",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="campaigns.campaign",
                        verbose_name="行动",
                    ),
                ),
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
                "verbose_name": "问题周计数",
                "verbose_name_plural": "问题周计数",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("group", "campaign", "county", "week"), name="problemweektally_key_uniq"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ProblemUnitDueTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("handling_org_id", models.IntegerField(default=0, verbose_name="承办单位")),
                ("county", models.CharField(max_length=6, verbose_name="县级区划")),
                (
                    "what",
                    models.CharField(
                        choices=[("deadline", "办结期限"), ("accept_by", "签收时限")],
                        max_length=9,
                        verbose_name="期限",
                    ),
                ),
                ("day", models.DateField(verbose_name="日期")),
                ("n", models.IntegerField(default=0, verbose_name="问题数")),
                (
                    "campaign",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="campaigns.campaign",
                        verbose_name="行动",
                    ),
                ),
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
                "verbose_name": "问题承办单位期限计数",
                "verbose_name_plural": "问题承办单位期限计数",
                "indexes": [models.Index(fields=["day", "county"], name="problemunitduetally_day_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("handling_org_id", "group", "campaign", "county", "what", "day"),
                        name="problemunitduetally_key_uniq",
                    )
                ],
            },
        ),
        # The 督办 page's rows (problems.tally.unit_first_ids): each unit's running problems in deadline order.
        migrations.AddIndex(
            model_name="problem",
            index=models.Index(
                fields=["handling_org", "deadline", "id"],
                condition=models.Q(
                    status__in=["assigned", "returned", "accepted", "in_progress", "reopened", "escalated"],
                    deadline__isnull=False,
                ),
                name="problem_run_org_deadline_idx",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
