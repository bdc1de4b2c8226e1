"""The embedded SQLite store: the library's SQLite persistence, with the ledger's own additions.

- Every connection runs in WAL mode with ``synchronous=FULL`` (a commit survives a power cut).
- A ``ledger_requests`` table, written in the same transaction as the events, makes a retried
  command with the same request id record nothing the second time.
- A ``ledger_meta`` table marks the file as a collective ledger (written once, by ``init``).
- The audit log's leaves and subtree hashes (``ledger_leaves``, ``ledger_tree``) are written in
  the same transaction as the events they commit to (see ``ledger/auditlog.py``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
)
from eventsourcing.utils import Environment, EnvType

from ledger.auditlog import TreeStore, leaf_bytes

__all__ = ["LedgerSQLiteFactory", "LedgerSQLiteRecorder"]

SYNCHRONOUS = "FULL"


class _Pool(SQLiteConnectionPool):
    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        raw: sqlite3.Connection = connection._sqlite_conn
        raw.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
        return connection


class _Datastore(SQLiteDatastore):
    def __init__(self, db_name: str, **kwargs: Any) -> None:
        super().__init__(db_name, **kwargs)
        self.pool.close()
        self.pool = _Pool(db_name=db_name, lock_timeout=kwargs.get("lock_timeout"))


class LedgerSQLiteRecorder(SQLiteApplicationRecorder):
    """Stores events and, in the same transaction, the request id that produced them."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS ledger_requests ("
            "request_id TEXT PRIMARY KEY, first_position INTEGER NOT NULL, "
            "last_position INTEGER NOT NULL) WITHOUT ROWID",
            "CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_leaves (leaf INTEGER PRIMARY KEY, "
            "position INTEGER NOT NULL UNIQUE, hash BLOB NOT NULL)",
            "CREATE TABLE IF NOT EXISTS ledger_tree (level INTEGER NOT NULL, "
            "node INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, node)) WITHOUT ROWID",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        if positions:
            self._append_leaves(c, stored_events, positions)
        request_id = kwargs.get("request_id")
        if request_id and positions:
            c.execute(
                "INSERT INTO ledger_requests VALUES (?, ?, ?)",
                (request_id, positions[0], positions[-1]),
            )
        return positions

    def _append_leaves(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], positions: Sequence[int]
    ) -> None:
        c.execute("SELECT COALESCE(MAX(leaf) + 1, 0) FROM ledger_leaves")
        size = int(c.fetchone()[0])

        def fetch(level: int, node: int) -> bytes | None:
            c.execute("SELECT hash FROM ledger_tree WHERE level = ? AND node = ?", (level, node))
            row = c.fetchone()
            return None if row is None else bytes(row[0])

        def insert(rows: Sequence[tuple[int, int, bytes]]) -> None:
            c.executemany("INSERT INTO ledger_tree VALUES (?, ?, ?)", rows)

        leaves = TreeStore(fetch, insert, size).append(
            (p, leaf_bytes(p, s.originator_id, s.originator_version, s.topic, s.state))
            for p, s in zip(positions, stored_events, strict=True)
        )
        c.executemany(
            "INSERT INTO ledger_leaves VALUES (?, ?, ?)",
            [(leaf.index, leaf.position, leaf.hash) for leaf in leaves],
        )

    def request_positions(self, request_id: str) -> tuple[int, int] | None:
        """The positions recorded under ``request_id``, or ``None`` if it was never recorded."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT first_position, last_position FROM ledger_requests WHERE request_id=?",
                (request_id,),
            )
            row = c.fetchone()
        return None if row is None else (row[0], row[1])

    def version_at(self, aggregate_id: UUID, position: int) -> int | None:
        """The aggregate's version as it stood at log ``position`` (``None``: not yet created)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT MAX(originator_version) FROM stored_events "
                "WHERE originator_id = ? AND rowid <= ?",
                (aggregate_id.hex, position),
            )
            row = c.fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def read_meta(self) -> dict[str, str]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT key, value FROM ledger_meta")
            return {row[0]: row[1] for row in c.fetchall()}

    def write_meta(self, values: dict[str, str]) -> None:
        with self.datastore.transaction(commit=True) as c:
            for key, value in values.items():
                c.execute("INSERT OR IGNORE INTO ledger_meta VALUES (?, ?)", (key, value))


class LedgerSQLiteFactory(SQLiteFactory):
    """The library's SQLite factory, with the ledger's recorder and connection settings."""

    application_recorder_class = LedgerSQLiteRecorder

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        old = self.datastore
        self.datastore = _Datastore(
            old.pool.db_name,
            lock_timeout=old.pool.lock_timeout,
            single_row_tracking=old.single_row_tracking,
            originator_id_type=old.originator_id_type,
        )
        old.close()
