"""Schema operations Django's migrations do not say in the way we need them.

``drop_fk_index``: a foreign key set to ``db_index=False`` makes Django drop its index and, on SQLite, copy
the whole table to do it; at a province's scale (millions of events) that is minutes, and the same index is
one ``DROP INDEX`` on either engine. The state changes as Django's would; the database drops just the index."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def drop_fk_index(
    app_label: str, model_name: str, name: str, field: models.ForeignKey
) -> migrations.SeparateDatabaseAndState:
    """AlterField to ``field`` (the foreign key, now ``db_index=False``) in the state; in the database, drop
    the one-column index on the key's column that Django made for it (found by introspection, so its
    generated name need not be known), and make it again on the way back."""

    def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        model = apps.get_model(app_label, model_name)
        table, column = model._meta.db_table, model._meta.get_field(name).column
        with schema_editor.connection.cursor() as cursor:
            constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
        for index, info in constraints.items():
            if info["index"] and info["columns"] == [column] and not (info["unique"] or info["primary_key"]):
                schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(index)}")

    def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        model = apps.get_model(app_label, model_name)
        column = model._meta.get_field(name)
        # Django's own statement for a key's index (named as it names it): not in the type stubs.
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[column]))  # type: ignore[attr-defined]

    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=[migrations.RunPython(drop, create)],
    )
