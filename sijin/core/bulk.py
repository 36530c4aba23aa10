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
``insert_rows`` writes rows the same way from plain values, with no model instance made for them.
"""

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from operator import attrgetter
from typing import Any, TypeVar

from django.db import connections, models, router, transaction
from django.db.models import BooleanField, CharField, DateField, IntegerField, TextField
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

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
    if not _writes_itself(model, connection):
        return model._default_manager.using(using).bulk_create(objs, batch_size=batch_size)
    fields = _columns(model)
    # ``auto_now``/``auto_now_add`` stamped by the field's ``pre_save``, which sets it on the object (as
    # ``bulk_create`` does); then every value read off the object at once.
    stamped = [f for f in fields if _stamped(f)]
    names = [f.attname for f in fields]
    read = attrgetter(*names) if len(names) > 1 else (lambda obj: (getattr(obj, names[0]),))
    rows = []
    for obj in objs:
        for f in stamped:
            f.pre_save(obj, add=True)
        rows.append(list(read(obj)))
    keys = _insert(
        model, fields, _prepared(rows, _preparations(fields, range(len(fields)), connection)), using
    )
    for key, obj in zip(keys, objs, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = using
    return objs


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> list[int]:
    """Insert new rows of ``model`` given as plain values, with no instance made — each row the values of
    ``columns`` (attnames: ``problem_id``, not ``problem``) as an instance would hold them — the way
    ``bulk_insert`` writes instances: one statement, in order, in a transaction (the caller's, if there is
    one). Every other column gets its field's default (``auto_now``/``auto_now_add``: the moment of the call, the
    same for every row; a callable default is called once for all of them). Returns the keys, in the order of
    ``rows``. For many rows nothing reads back as objects: an import's events and audit rows."""
    using = router.db_for_write(model)
    connection = connections[using]
    if not _writes_itself(model, connection):
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        return [obj.pk for obj in model._default_manager.using(using).bulk_create(objs)]
    fields = _columns(model)
    given = {name: i for i, name in enumerate(columns)}
    if unknown := set(given) - {f.attname for f in fields}:
        raise ValueError(f"{model._meta.label} has no columns {sorted(unknown)} to write")
    now = timezone.now()
    # Each field's place in a given row, or the value (ready for the driver) that every row gets.
    slots: list[tuple[int | None, Any]] = []
    for f in fields:
        if f.attname in given:
            slots.append((given[f.attname], None))
        else:
            default = now if _stamped(f) else f.get_default()
            slots.append((None, _ready(f, default, connection)))
    laid = [[row[i] if i is not None else constant for i, constant in slots] for row in rows]
    if not laid:
        return []
    places = [j for j, (i, _) in enumerate(slots) if i is not None]
    return _insert(model, fields, _prepared(laid, _preparations(fields, places, connection)), using)


def _stamped(field: models.Field) -> bool:
    return isinstance(field, DateField) and (field.auto_now or field.auto_now_add)


def _writes_itself(model: type[models.Model], connection: Any) -> bool:
    """Is ``model`` written here (COPY or one INSERT run), not by ``bulk_create``?"""
    return connection.vendor in ("postgresql", "sqlite") and isinstance(model._meta.pk, AutoFieldMixin)


def _columns(model: type[models.Model]) -> list[models.Field]:
    """The columns written, in table order: every concrete one but the key and generated ones."""
    pk = model._meta.pk
    return [f for f in model._meta.concrete_fields if f is not pk and f.column and not f.generated]


def _insert(
    model: type[models.Model], fields: list[models.Field], rows: list[list[Any]], using: str
) -> list[int]:
    """Take keys for ``rows`` (values of ``fields``, ready for the driver) and write them in one statement."""
    connection = connections[using]
    opts = model._meta
    pk = opts.pk
    table = connection.ops.quote_name(opts.db_table)
    quoted = [connection.ops.quote_name(f.column) for f in [pk, *fields] if f.column]  # the key's first
    columns = ", ".join(quoted)
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [opts.db_table, pk.column, len(rows)],
            )
            keys = sorted(k for (k,) in cursor.fetchall())
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for key, row in zip(keys, rows, strict=True):
                    copy.write_row([key, *row])
        else:
            # AUTOINCREMENT: a new key is above both the largest key and the largest ever given (sqlite_sequence).
            cursor.execute(
                f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                f"coalesce((SELECT max({quoted[0]}) FROM {table}), 0))",
                [opts.db_table],
            )
            first = cursor.fetchone()[0] + 1
            keys = list(range(first, first + len(rows)))
            with _page_cache(cursor):
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * (len(fields) + 1))})",
                    [[key, *row] for key, row in zip(keys, rows, strict=True)],
                )
    return keys


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


def _preparations(
    fields: Sequence[models.Field], places: Iterable[int], connection: Any
) -> list[tuple[int, Callable[[Any], Any], bool]]:
    """How the driver takes the values of ``fields`` at ``places`` in a row, for those it does not take as they
    are: (place, the field's ``get_db_prep_save``, whether None is prepared too). Text, numbers and booleans (and
    keys that are such) go as they are, since the driver stores them so; anything else is prepared by the field,
    as ``bulk_create`` prepares it (dates on SQLite, JSON, decimals …), but for None, which is NULL (JSON's may not
    be)."""
    return [
        (
            j,
            partial(fields[j].get_db_prep_save, connection=connection),
            isinstance(fields[j], models.JSONField),
        )
        for j in places
        if not _stored_as_is(fields[j])
    ]


def _prepared(
    rows: list[list[Any]], preparations: list[tuple[int, Callable[[Any], Any], bool]]
) -> list[list[Any]]:
    """``rows`` (lists, changed in place) with the values at the places of ``preparations`` prepared; a value
    that is the very object the row before had there (one moment stamped on every row) is prepared once."""
    last: dict[int, tuple[Any, Any]] = {}
    for row in rows:
        for j, prepare, always in preparations:
            value = row[j]
            if value is None and not always:
                continue
            seen = last.get(j)
            if seen is not None and seen[0] is value:
                row[j] = seen[1]
            else:
                row[j] = prepared = prepare(value)
                last[j] = (value, prepared)
    return rows


def _ready(field: models.Field, value: Any, connection: Any) -> Any:
    """One value of ``field`` as the driver takes it."""
    return _prepared([[value]], _preparations([field], [0], connection))[0][0]


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
