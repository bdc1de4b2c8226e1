"""Moving a ledger from a SQLite file into an empty PostgreSQL database (``collective migrate``).

What must survive the move is everything a partner, funder or auditor already holds: receipts
and checkpoints name *log positions* and commit to the stored bytes. So the copy keeps

- every event's stored bytes, aggregate id, version and topic, at the same log position. The
  PostgreSQL recorder numbers events with a ``bigserial`` ``notification_id``; the copy writes
  those ids explicitly (SQLite's ``rowid``), then moves the sequence past the last one, so the
  next event recorded in PostgreSQL follows on as it would have in SQLite;
- the audit log, recomputed from the copied events by the code every save runs
  (:class:`ledger.auditlog.TreeStore` over :func:`ledger.auditlog.leaf_bytes`); every leaf must
  equal the leaf stored in SQLite, and the new tree's root, read back as checkpoints read it,
  the SQLite tree's root;
- the request ids (``ledger_requests``, so a retried command is still recognised) and the
  ledger's settings (``ledger_meta``: its format, and its origin, the first line of every
  checkpoint).

Read models (projections) are not copied: they are rebuilt from the events on the first read.

Everything is written in one PostgreSQL transaction, tables included, and the copy is verified
(``ledger/verify.py``) inside that transaction before it commits: a failure at any point, or a
copy that does not verify, leaves the target as it was. While it copies, the SQLite file is held
with a write lock (readers carry on; a writer waits, then reports that the database is locked),
so no event can be recorded in the old ledger after the snapshot the copy was taken from.
"""

from __future__ import annotations

import base64
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.auditlog import TreeStore, leaf_bytes
from ledger.faults import open_connection
from ledger.sources import Closing, EventRow, LeafRow, PostgresReader, SQLiteSource
from ledger.store import Store, StoreError

if TYPE_CHECKING:
    import psycopg
    from psycopg.sql import SQL, Composed

    from ledger.postgres import LedgerPostgresRecorder
    from ledger.verify import Report

    Query = str | SQL | Composed

__all__ = ["BATCH", "Migrated", "Migration", "MigrationError", "migrate"]

BATCH = 4096
"""Events read, hashed and written per step (one progress step; memory stays at one batch).
A power of two, so that a batch never needs a subtree of an earlier one that the store does not
keep (it keeps complete subtrees of 16 leaves and more)."""

Progress = Callable[[int], None]


class MigrationError(StoreError):
    """The ledger cannot be moved; nothing was written. One line, for the terminal."""


@dataclass(frozen=True)
class Migrated:
    """What was copied, and what verifying the copy found."""

    source: str
    target: str
    events: int
    first_position: int | None
    last_position: int | None
    root: bytes
    requests: int
    meta: dict[str, str]
    checkpoints: int
    seconds: float
    report: Report = field(repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "events": self.events,
            "first_position": self.first_position,
            "last_position": self.last_position,
            "tree_size": self.events,
            "root": base64.b64encode(self.root).decode(),
            "requests": self.requests,
            "meta": self.meta,
            "checkpoints_held": self.checkpoints,
            "verified": self.report.ok,
            "seconds": round(self.seconds, 3),
        }


def migrate(
    source_text: str, target_text: str, *, progress: Progress | None = None, batch: int = BATCH
) -> Migrated:
    """Copy the SQLite ledger ``source_text`` into the empty PostgreSQL database ``target_text``.

    ``progress`` is called with the number of events copied after each batch. Raises
    :class:`MigrationError` (or :class:`StoreError`) with one line, having written nothing.
    """
    with Migration(source_text, target_text) as move:
        return move.run(progress=progress, batch=batch)


class Migration(Closing):
    """One move: opened first (both ends checked, the source locked and its size known, so that
    a progress bar can be drawn), then run once."""

    def __init__(self, source_text: str, target_text: str) -> None:
        self.started = time.perf_counter()
        self.source = _source_store(source_text)
        self.target = _target_store(target_text)
        self.settings = self.target.settings(create=True)
        self.snapshot = _SQLiteSnapshot(self.source)
        try:
            self.conn: psycopg.Connection[Any] = open_connection(
                self.target, self.settings, autocommit=True
            )
        except BaseException:
            self.snapshot.close()
            raise
        self.total = self.snapshot.count()
        """The number of events to copy."""

    def run(self, *, progress: Progress | None = None, batch: int = BATCH) -> Migrated:
        import psycopg

        recorder = _recorder(self.settings, self.target)
        copy = _Copy(self.conn, recorder, self.target)
        snapshot = self.snapshot
        try:
            with self.conn.transaction():
                copy.check_empty()
                copy.create_tables()
                events = copy.events(snapshot, progress or (lambda _: None), batch)
                root = copy.check_root(snapshot)
                requests = copy.rows("ledger_requests", snapshot.requests())
                meta = snapshot.meta()
                copy.rows("ledger_meta", list(meta.items()))
                report = copy.verify()
        except psycopg.Error as e:
            raise MigrationError(
                f"the copy into {self.target} failed and was undone: {_first_line(e)}"
            ) from None
        return Migrated(
            source=str(self.source),
            target=str(self.target),
            events=events.count,
            first_position=events.first,
            last_position=events.last,
            root=root,
            requests=requests,
            meta=meta,
            checkpoints=len(report.checkpoints),
            seconds=time.perf_counter() - self.started,
            report=report,
        )

    def close(self) -> None:
        self.conn.close()
        self.snapshot.close()


# -- the two ends ----------------------------------------------------------------------------


def _source_store(text: str) -> Store:
    source = Store.parse(text)
    if source.kind != "sqlite":
        raise MigrationError(
            f"the ledger to move (--store) must be a SQLite file, not {source}: "
            "`collective migrate` copies a SQLite ledger into PostgreSQL"
        )
    source.check_is_ledger()
    return source


def _target_store(text: str) -> Store:
    try:
        target = Store.parse(text)
    except StoreError as e:
        raise MigrationError(f"--to: {e}") from None
    if target.kind != "postgres":
        raise MigrationError(
            f"--to must be a postgresql://user:pass@host:port/db URL, not {text.strip()!r}"
        )
    return target


def _recorder(settings: dict[str, str], target: Store) -> LedgerPostgresRecorder:
    """The ledger's PostgreSQL recorder for the target, as ``collective init`` makes it, but
    without running its DDL: the copy runs that itself, in its own transaction. Only its SQL is
    used (table names, ``CREATE`` statements); its connection pool is closed."""
    from eventsourcing.utils import Environment

    from ledger.core import APPLICATION_NAME
    from ledger.postgres import LedgerPostgresFactory, LedgerPostgresRecorder

    try:
        factory = LedgerPostgresFactory(
            Environment(APPLICATION_NAME, {**settings, "CREATE_TABLE": "n"})
        )
        try:
            recorder = factory.application_recorder()
        finally:
            factory.close()
    except Exception as e:  # the drivers raise many kinds; the person needs one line
        raise StoreError(f"cannot open the store {target}: {_first_line(e)}") from None
    assert isinstance(recorder, LedgerPostgresRecorder)
    return recorder


class _SQLiteSnapshot(SQLiteSource):
    """The source, read in one transaction that also holds its write lock (its events and
    leaves are read as :class:`~ledger.sources.SQLiteSource` reads them).

    ``BEGIN IMMEDIATE`` lets readers carry on (WAL) but makes every writer wait, then fail with
    "database is locked": nothing can be recorded in the old ledger during the move and be lost.
    A file this process may not write is read in a plain read transaction (still one snapshot).
    """

    def __init__(self, store: Store) -> None:  # its own connection, not SQLiteSource's
        self.store = store
        self.description = str(store)
        path = Path(store.location).resolve()
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        uri = path.as_uri() + ("" if writable else "?mode=ro")
        timeout = float(os.environ.get("COLLECTIVE_LOCK_TIMEOUT", "5"))
        self.conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=timeout)
        try:
            self.conn.execute("BEGIN IMMEDIATE" if writable else "BEGIN")
            self.conn.execute("SELECT COUNT(*) FROM ledger_meta").fetchone()
        except sqlite3.Error as e:
            self.conn.close()
            if "locked" in str(e) or "busy" in str(e):
                raise MigrationError(
                    f"{store} is busy: another command is writing to it; stop the writers "
                    "and try again"
                ) from None
            raise StoreError(f"cannot read the store {store}: {e}") from None

    def close(self) -> None:
        """Release the write lock (nothing was written to the source) and the file."""
        if self.conn.in_transaction:
            self.conn.rollback()
        self.conn.close()

    def count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])

    def root(self) -> bytes:
        """The root of the tree stored in SQLite (what its checkpoints signed), read as
        checkpoints read it."""
        cursor = self.conn.cursor()
        cursor.row_factory = sqlite3.Row
        return _stored_root(SimpleNamespace(store=self.store, recorder=None), cursor)

    def requests(self) -> list[tuple[Any, ...]]:
        return self.conn.execute(
            "SELECT request_id, first_position, last_position FROM ledger_requests "
            "ORDER BY request_id"
        ).fetchall()

    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM ledger_meta ORDER BY key"))


def _stored_root(app: Any, cursor: Any) -> bytes:
    """The root of a stored tree, by the code that signs checkpoints (``ledger/checkpoints.py``)
    over a cursor of the caller's transaction."""
    from ledger.checkpoints import _StoredTree

    tree = _StoredTree(app, cursor)
    return tree.root(tree.size())


@dataclass
class _Copied:
    count: int = 0
    first: int | None = None
    last: int | None = None


class _Copy:
    """Writes the copy through one connection, inside the caller's transaction."""

    def __init__(
        self, conn: psycopg.Connection[Any], recorder: LedgerPostgresRecorder, target: Store
    ) -> None:
        from psycopg.rows import dict_row
        from psycopg.sql import SQL, Identifier

        self.conn = conn
        self.recorder = recorder
        self.cursor = conn.cursor()
        self.rows_cursor = conn.cursor(row_factory=dict_row)
        """For the checkpoints' code (reading the stored tree back), which reads columns by name."""
        self.target = target
        self.schema = recorder.datastore.schema
        self.table_name = recorder.events_table_name
        self.events_table = SQL("{0}.{1}").format(
            Identifier(self.schema), Identifier(self.table_name)
        )
        self.leaves_table = recorder.leaves_table
        self.tree_table = recorder.tree_table
        self.meta_table = recorder.meta_table
        self.edge: dict[int, tuple[int, bytes]] = {}
        self.subtrees: list[tuple[int, int, bytes]] = []

    def _one(self, query: Query, *params: Any) -> Any:
        self.cursor.execute(query, params)
        row = self.cursor.fetchone()
        return None if row is None else row[0]

    def _exists(self, name: str) -> bool:
        found = self._one(
            "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text))", self.schema, name
        )
        return found is not None

    def check_empty(self) -> None:
        """Refuse a target that holds a ledger, or events, already (one migration at a time)."""
        from psycopg.sql import SQL

        self._one("SELECT pg_advisory_xact_lock(hashtext('collective-ledger migrate'))")
        if self._one("SELECT 1 FROM pg_namespace WHERE nspname = %s", self.schema) is None:
            raise MigrationError(
                f"{self.target}: the schema {self.schema!r} does not exist; create it first "
                "(see docs/operations.md)"
            )
        if self._exists(self.table_name):
            count = self._one(SQL("SELECT COUNT(*) FROM {0}").format(self.events_table))
            if count:
                raise MigrationError(
                    f"{self.target} already holds a ledger ({count} events): "
                    "migrate into a new, empty database"
                )
        if self._exists("ledger_meta") and self._one(
            SQL("SELECT COUNT(*) FROM {0}").format(self.meta_table)
        ):
            raise MigrationError(
                f"{self.target} already holds a collective ledger: "
                "migrate into a new, empty database"
            )

    def create_tables(self) -> None:
        """What ``collective init`` creates, in this transaction (types first, each in a
        savepoint, as the library does: ``CREATE TYPE`` has no ``IF NOT EXISTS``)."""
        from psycopg.errors import DuplicateObject

        statements = [(s, s.as_string(self.conn)) for s in self.recorder.sql_create_statements]
        for statement, sql in statements:
            if "CREATE TYPE" in sql:
                try:
                    with self.conn.transaction():
                        self.cursor.execute(statement, prepare=False)
                except DuplicateObject:
                    pass
        for statement, sql in statements:
            if "CREATE TYPE" not in sql:
                self.cursor.execute(statement, prepare=False)

    def events(self, snapshot: _SQLiteSnapshot, progress: Progress, batch: int) -> _Copied:
        """Copy the events in log order, batch by batch, each batch with its leaves and the
        subtrees it completes (by :class:`ledger.auditlog.TreeStore`, as every save does)."""
        from psycopg.sql import SQL

        if batch < 16 or batch & (batch - 1):
            raise ValueError(f"batch {batch}: a power of two, 16 or more")
        copied = _Copied()
        stored_leaves = snapshot.leaves()
        rows = snapshot.events()
        tree = TreeStore(self._fetch, self._keep, 0)
        while chunk := [
            _event(row, self.target) for _, row in zip(range(batch), rows, strict=False)
        ]:
            self._copy(
                SQL(
                    "COPY {0} (notification_id, originator_id, originator_version, topic, state) "
                    "FROM STDIN (FORMAT BINARY)"
                ).format(self.events_table),
                ["int8", "uuid", "int8", "text", "bytea"],
                chunk,
            )
            leaves = tree.append(
                (p, leaf_bytes(p, ident, version, topic, state))
                for p, ident, version, topic, state in chunk
            )
            for leaf in leaves:
                _same_leaf(leaf, next(stored_leaves, None))
            self._copy(
                SQL("COPY {0} (leaf, position, hash) FROM STDIN (FORMAT BINARY)").format(
                    self.leaves_table
                ),
                ["int8", "int8", "bytea"],
                leaves,
            )
            self._copy(
                SQL("COPY {0} (level, node, hash) FROM STDIN (FORMAT BINARY)").format(
                    self.tree_table
                ),
                ["int4", "int8", "bytea"],
                self.subtrees,
            )
            self.subtrees = []
            copied.first = copied.first or chunk[0][0]
            copied.last = chunk[-1][0]
            copied.count += len(chunk)
            progress(len(chunk))
        extra = next(stored_leaves, None)
        if extra is not None:
            raise MigrationError(
                f"the ledger to move does not verify: it has a leaf ({extra[0]}) for no event; "
                "run `collective verify` on it; nothing was written"
            )
        if copied.last is not None:
            self._one(
                "SELECT setval(pg_get_serial_sequence(format('%%I.%%I', %s::text, %s::text), "
                "'notification_id'), %s)",
                self.schema,
                self.table_name,
                copied.last,
            )
        return copied

    def _copy(self, statement: Query, types: list[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        with self.cursor.copy(statement) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)

    def _keep(self, rows: Sequence[tuple[int, int, bytes]]) -> None:
        """TreeStore's insert: the subtrees to store, kept for the batch's COPY; the newest of
        each level is the only one a later batch can need (as a left sibling)."""
        for level, node, digest in rows:
            self.edge[level] = (node, digest)
        self.subtrees.extend(rows)

    def _fetch(self, level: int, node: int) -> bytes | None:
        """TreeStore's fetch, for a left sibling completed in an earlier batch. Batches are a
        power of two (16 or more) long, so such a sibling is a stored subtree: on the edge."""
        found = self.edge.get(level)
        return found[1] if found is not None and found[0] == node else None

    def check_root(self, snapshot: _SQLiteSnapshot) -> bytes:
        """The new tree's root, read back from the stored subtrees as checkpoints read it;
        it must be the root of the tree stored in SQLite."""
        store = SimpleNamespace(store=self.target, recorder=self.recorder)
        root = _stored_root(store, self.rows_cursor)
        before = snapshot.root()
        if root != before:
            raise MigrationError(
                "the audit log's root in PostgreSQL differs from the one in the ledger to move "
                f"({_b64(root)} against {_b64(before)}): run `collective verify` on the ledger "
                "to move; nothing was written"
            )
        return root

    def rows(self, table: str, rows: Sequence[Sequence[Any]]) -> int:
        """Copy the rows of one of the ledger's small tables (request ids, settings)."""
        from psycopg.sql import SQL, Identifier

        if rows:
            marks = SQL(", ").join([SQL("%s")] * len(rows[0]))
            self.cursor.executemany(
                SQL("INSERT INTO {0}.{1} VALUES ({2})").format(
                    Identifier(self.schema), Identifier(table), marks
                ),
                rows,
            )
        return len(rows)

    def verify(self) -> Report:
        """The ledger's own verification of the copy, before it commits."""
        from ledger.verify import verify

        with _transaction_source(self) as source:
            report = verify(source)
        if not report.ok:
            raise MigrationError(
                f"the copy does not verify ({report.problems[0]}): nothing was written"
            )
        return report


def _transaction_source(copy: _Copy) -> PostgresReader:
    """The copy as :func:`ledger.verify.verify` reads a PostgreSQL ledger, but through the
    migration's own transaction (the copy is not committed yet, so no other connection sees it)."""
    return PostgresReader(
        copy.conn,
        str(copy.target),
        events=copy.events_table,
        leaves=copy.leaves_table,
        meta=copy.meta_table,
        owned=False,
    )


# -- small helpers ---------------------------------------------------------------------------


def _event(row: EventRow, target: Store) -> tuple[int, UUID, int, str, bytes]:
    """An event as read from SQLite, checked to be stored as the ledger stores events."""
    position, ident, version, topic, state = row
    try:
        if not (isinstance(state, bytes) and isinstance(topic, str) and isinstance(version, int)):
            raise TypeError
        return position, UUID(hex=ident), version, topic, state
    except (ValueError, TypeError, AttributeError):
        raise MigrationError(
            f"the ledger to move has an event at log position {position} that is not stored as "
            "the ledger stores events: run `collective verify` on it; nothing was written to "
            f"{target}"
        ) from None


def _same_leaf(written: tuple[int, int, bytes], stored: LeafRow | None) -> None:
    """The leaf recomputed from an event must be the one the SQLite ledger stored for it."""
    index, position, digest = int(written[0]), int(written[1]), bytes(written[2])
    if stored is not None and (int(stored[0]), int(stored[1]), bytes(stored[2])) == (
        index,
        position,
        digest,
    ):
        return
    raise MigrationError(
        f"the ledger to move does not verify at log position {position} (its stored leaf "
        "differs from its event): run `collective verify` on it; nothing was written"
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
