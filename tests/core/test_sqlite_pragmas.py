"""The SQLite connection settings: a new database gets 16 KiB pages and WAL; an existing one
keeps its pages."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite settings",
)


def _connect(path: Path) -> sqlite3.Connection:
    """Open ``path`` as Django does: each statement of ``init_command`` in turn."""
    connection = sqlite3.connect(path)
    for statement in settings.DATABASES["default"]["OPTIONS"]["init_command"].split(";"):
        if statement.strip():
            connection.execute(statement)
    return connection


def test_new_database_has_large_pages_and_wal(tmp_path: Path) -> None:
    connection = _connect(tmp_path / "new.sqlite3")
    assert connection.execute("PRAGMA page_size").fetchone() == (16384,)
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    connection.close()


def test_existing_database_keeps_its_pages(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)  # made before the setting, with the default pages
    old.execute("PRAGMA journal_mode=WAL")
    old.execute("CREATE TABLE t (x)")
    old.execute("INSERT INTO t VALUES (1)")
    old.commit()
    old.close()
    connection = _connect(path)
    assert connection.execute("PRAGMA page_size").fetchone() == (4096,)
    assert connection.execute("SELECT x FROM t").fetchall() == [(1,)]
    connection.close()


@pytest.mark.django_db
def test_bulk_writing_tunes_and_restores_the_connection() -> None:
    from django.db import connection

    from cbcoord.core.bulk import bulk_writing

    def pragmas() -> tuple[int, int, int]:
        with connection.cursor() as cursor:
            values = []
            for name in ("page_size", "cache_size", "wal_autocheckpoint"):
                cursor.execute(f"PRAGMA {name}")
                values.append(int(cursor.fetchone()[0]))
        return values[0], values[1], values[2]

    before = pragmas()
    with bulk_writing():
        page_size, cache_size, checkpoint = pragmas()
        assert cache_size == -32 * 1024  # KiB
        assert checkpoint * page_size == 64 * 1024 * 1024
    assert pragmas() == before
