"""The trigram index on problem titles (problems.similar: the ledger's 关键词 and 可能相同的问题).

PostgreSQL: the pg_trgm extension and a GIN ``gin_trgm_ops`` index on ``problems_problem.title`` (serves
``ILIKE '%…%'`` and the ``%`` similarity operator), built CONCURRENTLY so that a large table keeps taking writes.
SQLite: an external-content FTS5 table with the ``trigram`` tokenizer over ``problems_problem(title)``, filled
from the table, and three triggers that keep it in step on insert, update of the title and delete. The triggers
are index maintenance, as the GIN index is on PostgreSQL; they hold no business rule.

Neither is in the model's state (Meta.indexes cannot express either on both databases).
Beware on SQLite: a later migration that makes Django rebuild ``problems_problem`` (most AlterField and
constraint changes) drops the triggers with the old table; problems/tests/test_similar.py checks that they
exist after all migrations.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FTS = "problems_problem_title_fts"

SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5("
    "title, content='problems_problem', content_rowid='id', tokenize='trigram')",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
    f"""CREATE TRIGGER IF NOT EXISTS problems_problem_title_ai AFTER INSERT ON problems_problem BEGIN
        INSERT INTO {FTS}(rowid, title) VALUES (new.id, new.title);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS problems_problem_title_ad AFTER DELETE ON problems_problem BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title) VALUES ('delete', old.id, old.title);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS problems_problem_title_au AFTER UPDATE OF title ON problems_problem BEGIN
        INSERT INTO {FTS}({FTS}, rowid, title) VALUES ('delete', old.id, old.title);
        INSERT INTO {FTS}(rowid, title) VALUES (new.id, new.title);
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS problems_problem_title_ai",
    "DROP TRIGGER IF EXISTS problems_problem_title_ad",
    "DROP TRIGGER IF EXISTS problems_problem_title_au",
    f"DROP TABLE IF EXISTS {FTS}",
]
PG_FORWARD = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS problem_title_trgm_idx "
    "ON problems_problem USING gin (title gin_trgm_ops)"
]
PG_BACKWARD = ["DROP INDEX CONCURRENTLY IF EXISTS problem_title_trgm_idx"]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("problems", "0010_supervision_indexes")]

    operations = [
        TrigramExtension(),  # PostgreSQL only (a no-op elsewhere)
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
