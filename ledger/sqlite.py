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
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
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

from ledger.auditlog import TreeStore, leaf_bytes, leaf_hashes, stored_fetch
from ledger.merkle import leaf_hash

__all__ = ["LedgerSQLiteFactory", "LedgerSQLiteRecorder"]


SYNCHRONOUS = "FULL"
_SLICE = 2000
BULK_CACHE_KIB = 65_536
"""The page cache of a bulk insert, in KiB (SQLite's default is 2,000)."""


@contextmanager
def _bulk_cache(c: SQLiteCursor) -> Iterator[None]:
    """A larger page cache for one bulk transaction, then the connection's own again.

    Events go into the index of (aggregate id, version) at random places: with SQLite's
    default cache of 2 MB, a transaction of a hundred thousand events spills pages and reads
    them back (an eighth of the insert's time, measured); 64 MB holds them. Memory SQLite takes
    only as pages are used, and gives back when the cache shrinks again.
    """
    c.execute("PRAGMA cache_size")
    before = int(c.fetchone()[0])
    c.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        c.execute(f"PRAGMA cache_size = {before}")


def tree_of(c: Any) -> TreeStore:
    """The audit log's tree as the transaction of cursor ``c`` sees it."""
    c.execute("SELECT COALESCE(MAX(leaf) + 1, 0) FROM ledger_leaves")
    size = int(c.fetchone()[0])

    def node(level: int, index: int) -> bytes | None:
        c.execute("SELECT hash FROM ledger_tree WHERE level = ? AND node = ?", (level, index))
        row = c.fetchone()
        return None if row is None else bytes(row[0])

    def leaf_hashes(start: int, end: int) -> list[bytes]:
        c.execute(
            "SELECT hash FROM ledger_leaves WHERE leaf >= ? AND leaf < ? ORDER BY leaf",
            (start, end),
        )
        return [bytes(row[0]) for row in c.fetchall()]

    def insert(rows: Sequence[tuple[int, int, bytes]]) -> None:
        c.executemany("INSERT INTO ledger_tree VALUES (?, ?, ?)", rows)

    return TreeStore(stored_fetch(node, leaf_hashes), insert, size)


class RowWriter:
    """Stores events slice by slice in the open transaction of a cursor (which may be a plain
    ``sqlite3`` cursor), each slice with its audit-log leaves and the subtrees it completes;
    :meth:`finish` adds the request id. ``statement`` inserts one event."""

    def __init__(self, c: Any, statement: str) -> None:
        self.c = c
        self.statement = statement
        self.first = 0
        self.count = 0
        self.tree: TreeStore | None = None

    def add(self, rows: Sequence[tuple[str, int, str, bytes]]) -> None:
        if not rows:
            return
        c = self.c
        if self.tree is None:  # the first event takes the write lock, and gives the first position
            c.execute(self.statement, rows[0])
            self.first = int(c.lastrowid or 0)
            self.tree = tree_of(c)
            c.executemany(self.statement, rows[1:])
        else:
            c.executemany(self.statement, rows)
        position = self.first + self.count
        leaves = self.tree.append_run(position, leaf_hashes(position, rows))
        c.executemany("INSERT INTO ledger_leaves VALUES (?, ?, ?)", leaves)
        self.count += len(rows)

    def finish(self, request_id: str | None) -> tuple[int, int]:
        """The first and last positions written, once the request id is stored with them."""
        if not self.count:
            raise ValueError("no events to store")
        c = self.c
        first = self.first
        c.execute("SELECT MAX(rowid) FROM stored_events")
        last = int(c.fetchone()[0])
        if last != first + self.count - 1:  # only this transaction writes: cannot happen
            raise RuntimeError(f"positions {first}-{last} for {self.count} events")
        if request_id:
            c.execute("INSERT INTO ledger_requests VALUES (?, ?, ?)", (request_id, first, last))
        return first, last


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
        self._append_leaf_rows(
            c,
            (
                (p, s.originator_id, s.originator_version, s.topic, s.state)
                for p, s in zip(positions, stored_events, strict=True)
            ),
        )

    def _append_leaf_rows(
        self, c: SQLiteCursor, events: Iterable[tuple[int, UUID | str, int, str, bytes]]
    ) -> None:
        self._append_leaf_hashes(
            c,
            (
                (p, leaf_hash(leaf_bytes(p, ident, version, topic, state)))
                for p, ident, version, topic, state in events
            ),
        )

    def _append_leaf_hashes(self, c: SQLiteCursor, hashed: Iterable[tuple[int, bytes]]) -> None:
        """Append leaves (position, leaf hash) and the subtrees they complete."""

        leaves = tree_of(c).append_hashes(hashed)
        c.executemany("INSERT INTO ledger_leaves VALUES (?, ?, ?)", leaves)

    def insert_rows(
        self,
        rows: Iterable[tuple[str, int, str, bytes]],
        *,
        request_id: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[int, int]:
        """Store many events in one transaction, with their leaves; their first and last positions.

        The bulk path of an import: the rows come ready (aggregate id hex, version, topic, stored
        JSON; ``rows`` may be a generator that builds them as they are taken) and go in with
        ``executemany`` in slices (``progress`` hears of each); their leaves, the subtrees they
        complete and the request id go in the same transaction. A version that exists already
        refuses the whole batch with the library's ``IntegrityError``: nothing is written.

        (Handing the slices to a writer thread, so that SQLite inserts one while Python builds
        the next, was measured slower: ``executemany`` takes the GIL back for every row.) The
        transaction runs with a page cache of :data:`BULK_CACHE_KIB` (see :func:`_bulk_cache`).
        """
        events = iter(rows)
        with self.datastore.transaction(commit=True) as c, _bulk_cache(c):
            writer = RowWriter(c, self.insert_events_statement)
            while chunk := list(islice(events, _SLICE)):
                writer.add(chunk)
                if progress is not None:
                    progress(len(chunk))
            first, last = writer.finish(request_id)
        if progress is not None:
            progress(1)
        return first, last

    def known_versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        """The current version of each aggregate of ``ids`` that exists."""
        found: dict[UUID, int] = {}
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                c.execute(
                    f"SELECT originator_id, MAX(originator_version) FROM {self.events_table_name} "
                    f"WHERE originator_id IN ({marks}) GROUP BY originator_id",
                    [i.hex for i in chunk],
                )
                found.update((UUID(row[0]), int(row[1])) for row in c.fetchall())
        return found

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
