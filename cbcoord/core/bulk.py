"""Plain multi-row INSERT and UPDATE for the importer's hot path.

Django's bulk_create builds a model instance and prepares every value through its field for each
row; for the tens of thousands of index rows an IATI file produces, that preparation costs more
than the database. These helpers take rows already in database form (see ``db_datetime``) and hand
them to the driver's ``executemany`` in one statement per call. They bypass model ``save()``,
signals and history on purpose: callers are batch writers that own those concerns.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection, models


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    assert field.column
    return connection.ops.quote_name(field.column)


def _columns(model: type[models.Model], fields: Sequence[str]) -> str:
    return ", ".join(_column(model, name) for name in fields)


def bulk_insert(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT ``rows`` (tuples ordered as ``fields``; attnames such as ``activity_id``)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        # COPY streams the rows in one round trip; executemany sends a statement per row.
        # Errors of the psycopg cursor under Django's wrapper raised as Django's (DataError...).
        with connection.cursor() as cursor, connection.wrap_database_errors:
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({_columns(model, fields)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({_columns(model, fields)}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(rows))


def bulk_update(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """UPDATE by primary key: each row is ``(*values ordered as fields, pk)``."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    assignments = ", ".join(f"{_column(model, name)} = %s" for name in fields)
    primary_key = model._meta.pk
    assert primary_key is not None
    assert primary_key.column
    sql = f"UPDATE {table} SET {assignments} WHERE {quote(primary_key.column)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(rows))


def db_datetime(value: datetime.datetime | None) -> Any:
    """An aware datetime as the connected database stores it (SQLite: naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value) if value is not None else None


# SQLite settings for a long run of batch writes: a 32 MiB page cache (the default 2 MiB makes
# every index insert of a large table re-read pages) and a checkpoint every 64 MiB of WAL instead
# of every 1,000 pages (index pages rewritten by every batch reach the database file once per
# checkpoint). Together they take a third off the writing time of a 100,000-activity import.
_SQLITE_CACHE_KIB = 32 * 1024
_SQLITE_CHECKPOINT_BYTES = 64 * 1024 * 1024


@contextlib.contextmanager
def bulk_writing() -> Iterator[None]:
    """Tune the connection for many batch writes (SQLite), restoring its settings afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_size")
        page_size = int(cursor.fetchone()[0])
        tuned = {  # wal_autocheckpoint counts pages, of 4 or 16 KiB (see settings)
            "cache_size": -_SQLITE_CACHE_KIB,
            "wal_autocheckpoint": _SQLITE_CHECKPOINT_BYTES // page_size,
        }
        saved = {}
        for name, value in tuned.items():
            cursor.execute(f"PRAGMA {name}")
            saved[name] = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in saved.items():
                cursor.execute(f"PRAGMA {name} = {int(value)}")
