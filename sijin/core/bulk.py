"""Writing many new rows of one model at once, in order, with their keys: what ``bulk_create`` does, faster.

``bulk_create`` prepares every field of every object through the field (``pre_save``, ``get_db_prep_save``),
splits the rows into statements of at most 999 parameters on SQLite (28 problems a statement) and, on PostgreSQL,
sends each column as an array the driver quotes value by value: for a 10,000-problem import that is more time than
the database spends writing them. ``bulk_insert`` reads each value as the object holds it, through the field only
where the database driver would not store it as it is (dates on SQLite, JSON, decimals …), takes the keys in one
query — the next values of the table's sequence on PostgreSQL, the numbers after the largest one given on SQLite,
where the write transaction holds the only write lock — and writes the rows in one statement: ``COPY … FROM
STDIN`` on PostgreSQL, one INSERT run for every row (``executemany``) on SQLite. The objects come back saved,
with their keys, in the order given: a chain written in order (the audit log) has ids that grow along it.
"""

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connections, models, router, transaction
from django.db.models import BooleanField, CharField, DateField, IntegerField, TextField
from django.db.models.fields import AutoFieldMixin

M = TypeVar("M", bound=models.Model)


def bulk_insert(objs: Sequence[M], *, batch_size: int = 1000) -> Sequence[M]:
    """Insert ``objs`` (new instances of one model, no key set, nothing but plain values: no expressions) in one
    statement, in a transaction (the caller's, if there is one); set their keys and return them. Another
    database, or a model whose key is not an automatic number: ``bulk_create`` (``batch_size`` rows a
    statement)."""
    if not objs:
        return objs
    model = type(objs[0])
    using = router.db_for_write(model)
    connection = connections[using]
    opts = model._meta
    pk = opts.pk
    if connection.vendor not in ("postgresql", "sqlite") or not isinstance(pk, AutoFieldMixin):
        return model._default_manager.using(using).bulk_create(objs, batch_size=batch_size)
    fields = [f for f in opts.concrete_fields if f is not pk and f.column and not f.generated]
    values = [_value_of(f, connection) for f in fields]
    table = connection.ops.quote_name(opts.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in [pk, *fields] if f.column)
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [opts.db_table, pk.column, len(objs)],
            )
            keys = sorted(k for (k,) in cursor.fetchall())
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for key, obj in zip(keys, objs, strict=True):
                    copy.write_row([key, *[value(obj) for value in values]])
        else:
            # AUTOINCREMENT: a new key is above both the largest key and the largest ever given (sqlite_sequence).
            cursor.execute(
                f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                f"coalesce((SELECT max({connection.ops.quote_name(pk.column)}) FROM {table}), 0))",
                [opts.db_table],
            )
            first = cursor.fetchone()[0] + 1
            keys = list(range(first, first + len(objs)))
            with _page_cache(cursor):
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * (len(fields) + 1))})",
                    [[key, *[value(obj) for value in values]] for key, obj in zip(keys, objs, strict=True)],
                )
    for key, obj in zip(keys, objs, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = using
    return objs


# SQLite's page cache while many rows go in, in KiB (a negative cache_size): each row descends every index of
# the table at its own place, and the default 2 MB keeps few of their pages between rows.
SQLITE_CACHE_KIB = 64 * 1024


@contextmanager
def _page_cache(cursor: Any) -> Iterator[None]:
    """SQLite's page cache widened to SQLITE_CACHE_KIB for the block, then set back as it was."""
    cursor.execute("PRAGMA cache_size")
    (before,) = cursor.fetchone()
    wider = before < 0 and -before < SQLITE_CACHE_KIB  # a size in KiB smaller than ours (pages: left alone)
    if wider:
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        if wider:
            cursor.execute(f"PRAGMA cache_size = {before}")


def _value_of(field: models.Field, connection: Any) -> Callable[[models.Model], Any]:
    """How to read ``field``'s value off an object for the database: ``auto_now``/``auto_now_add`` stamped by the
    field's ``pre_save`` (which sets it on the object, as ``bulk_create`` does); text, numbers and booleans (and
    keys that are such) as they are, since the driver stores them so; anything else prepared by the field, as
    ``bulk_create`` prepares it (dates on SQLite, JSON, decimals …), but for None, which is NULL."""
    attname = field.attname
    if isinstance(field, DateField) and (field.auto_now or field.auto_now_add):
        return lambda obj: field.pre_save(obj, add=True)
    if _stored_as_is(field):
        return lambda obj: getattr(obj, attname)
    if isinstance(field, models.JSONField):
        return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)

    def prepared(obj: models.Model) -> Any:
        value = getattr(obj, attname)
        return (
            None if value is None else field.get_db_prep_save(value, connection)
        )  # NULL (JSON's may not be)

    return prepared


def _stored_as_is(field: models.Field) -> bool:
    if isinstance(field, models.ForeignKey):
        return _stored_as_is(field.target_field)
    return isinstance(field, CharField | TextField | IntegerField | BooleanField)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the block (as it was after it), for code that makes and keeps many objects
    at once — an import's checked rows, its problems, events and audit rows: each of the collector's full passes
    would walk all of them again, a fifth of a 10,000-row import's time. Nothing is kept longer than the block,
    which the code using it keeps to the work itself (``with`` or as a decorator)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
