"""Opening and creating stores: SQLite settings, and the refusals of what is not a ledger."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ledger.application import open_ledger
from ledger.store import Store, StoreError


def _pragma(connection: sqlite3.Connection, name: str) -> str | int:
    value: str | int = connection.execute(f"PRAGMA {name}").fetchone()[0]
    return value


def test_the_connections_the_ledger_uses_run_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    app = open_ledger(str(tmp_path / "l.db"), create=True)
    pool = app.factory.datastore.pool
    writer = pool.get_connection(is_writer=True)
    reader = pool.get_connection(is_writer=False)
    try:
        for connection in (writer, reader):
            raw = connection._sqlite_conn
            assert _pragma(raw, "journal_mode") == "wal"
            assert _pragma(raw, "synchronous") in (2, 3)  # FULL or EXTRA, never NORMAL (1)
    finally:
        pool.put_connection(writer)
        pool.put_connection(reader)
        app.close()


def test_opening_a_missing_file_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(StoreError, match=r"^no ledger at .*missing\.db: create one"):
        open_ledger(str(path))
    assert not path.exists()


@pytest.mark.parametrize("content", [b"hello, not a database\n", b"SQLite format 3\x00garbage"])
def test_a_file_that_is_not_a_ledger_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "other.db"
    path.write_bytes(content)
    with pytest.raises(StoreError, match=r"other\.db is not a collective ledger$"):
        open_ledger(str(path))
    with pytest.raises(StoreError, match=r"already exists and is not a collective ledger$"):
        open_ledger(str(path), create=True)
    assert path.read_bytes() == content


def test_another_sqlite_database_is_not_a_ledger(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE orders (id INTEGER)")
    db.close()
    with pytest.raises(StoreError, match="is not a collective ledger"):
        open_ledger(str(path))


def test_a_path_in_a_missing_folder_cannot_be_created(tmp_path: Path) -> None:
    path = tmp_path / "no-such-folder" / "l.db"
    with pytest.raises(StoreError, match=r"the folder .*no-such-folder does not exist"):
        open_ledger(str(path), create=True)


def test_a_path_below_a_file_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(StoreError, match="does not exist"):
        open_ledger(str(tmp_path / "a-file" / "l.db"), create=True)


def test_tables_are_created_by_init_only(tmp_path: Path) -> None:
    """A later start runs no DDL: a dropped table stays dropped when the ledger is opened."""
    path = tmp_path / "l.db"
    open_ledger(str(path), create=True).close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE ledger_requests")
    db.close()
    open_ledger(str(path)).close()
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    db.close()
    assert "ledger_requests" not in tables
    assert "stored_events" in tables


def test_store_texts_are_read_as_their_kind() -> None:
    assert Store.parse("ledger.db").kind == "sqlite"
    assert Store.parse(":memory:").kind == "memory"
    pg = Store.parse("postgresql://alice:secret@db.example:6543/ledger")
    assert pg.kind == "postgres"
    assert str(pg) == "postgresql://db.example:6543/ledger"  # no password in messages
    settings = pg.settings(create=False)
    assert settings["POSTGRES_USER"] == "alice"
    assert settings["POSTGRES_PASSWORD"] == "secret"
    assert settings["POSTGRES_PORT"] == "6543"
    assert settings["CREATE_TABLE"] == "n"
    assert int(settings["POSTGRES_LOCK_TIMEOUT"]) > 0
    with pytest.raises(StoreError, match="unknown kind of store 'mysql'"):
        Store.parse("mysql://x/y")
