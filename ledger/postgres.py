"""The PostgreSQL store: the library's PostgreSQL persistence, with the ledger's own tables.

Imported only when a ``postgresql://`` store is opened (psycopg is an optional extra).
The request ids go in the same transaction as the events, under the library's table lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier, Literal

from ledger.auditlog import LOWEST_STORED_LEVEL, TreeStore, leaf_bytes, stored_fetch
from ledger.faults import denied_rights, login_problem, refused_rights, save_fault
from ledger.store import StoreError

__all__ = ["LedgerPostgresFactory", "LedgerPostgresRecorder"]

_CONNECTION_SETTINGS = (
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_DBNAME",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_CONNECT_TIMEOUT",
)


class LedgerPostgresRecorder(PostgresApplicationRecorder):
    """Stores events and, in the same transaction, their audit-log leaves and request id."""

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        schema = Identifier(self.datastore.schema)
        self.requests_table = SQL("{0}.ledger_requests").format(schema)
        self.meta_table = SQL("{0}.ledger_meta").format(schema)
        self.leaves_table = SQL("{0}.ledger_leaves").format(schema)
        self.tree_table = SQL("{0}.ledger_tree").format(schema)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} (leaf bigint PRIMARY KEY, "
                "position bigint NOT NULL UNIQUE, hash bytea NOT NULL)"
            ).format(self.leaves_table)
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} (level integer NOT NULL, node bigint NOT NULL, "
                "hash bytea NOT NULL, PRIMARY KEY (level, node))"
            ).format(self.tree_table)
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} (request_id text PRIMARY KEY, "
                "first_position bigint NOT NULL, last_position bigint NOT NULL)"
            ).format(self.requests_table)
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} (key text PRIMARY KEY, value text NOT NULL)"
            ).format(self.meta_table)
        )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Store the events in one attempt, or fail in one line (see ``ledger/faults.py``).

        The library retries a failed insert up to ten times. A writer blocked by the table lock
        then waited ten lock timeouts (about 52 s for 5 s) before a traceback; and after a
        connection lost while the commit was under way, the retry met its own events and was
        refused as "already exists". Here a lock timeout is :class:`LedgerBusy` (nothing was
        written) and a lost connection :class:`ConnectionLost` (written once or not at all;
        the same command with the same request id records nothing twice).
        """
        try:
            positions: Sequence[int] | None = self._insert_once(stored_events, **kwargs)
        except (OperationalError, InterfaceError, ProgrammingError) as error:
            if missing := self._missing_rights(error):
                raise denied_rights(missing) from error
            raise save_fault(
                error, lock_timeout=self.datastore.lock_timeout, request_id=kwargs.get("request_id")
            ) from error
        return positions

    def _insert_once(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        """The library's insert (table lock, notification, the events, pipelined; then their
        positions, the leaves and the request id), in one transaction that any failure rolls
        back. (The library's own keeps an error raised after the insert, such as a leaf that
        cannot be made, and raises it only after committing the events: an event without its
        leaf. Its retries are left out: see :meth:`insert_events`.)"""
        if not stored_events:
            return []
        with (
            self.datastore.get_connection() as conn,
            conn.pipeline() as pipeline,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            self._insert_events(curs, stored_events, **kwargs)
            self._insert_stored_events(curs, stored_events, **kwargs)
            pipeline.sync()  # a duplicate version is refused here, before anything else
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs) or []

    def _missing_rights(self, error: BaseException) -> list[str]:
        """The rights a save needs that the role lacks, when a save failed inside the library's
        pipeline (which reports only "pipeline aborted", not why): asked of the server."""
        if "pipeline aborted" not in str(error) and not refused_rights(error):
            return []
        needed = [
            (self.events_table_name, "INSERT"),
            (self.events_table_name, "UPDATE"),  # LOCK TABLE ... IN EXCLUSIVE MODE needs it
            ("ledger_leaves", "INSERT"),
            ("ledger_tree", "INSERT"),
            ("ledger_requests", "INSERT"),
        ]
        missing = []
        try:
            with self.datastore.transaction(commit=False) as curs:
                for table, right in needed:
                    curs.execute(
                        "SELECT has_table_privilege(format('%%I.%%I', %s::text, %s::text), %s) "
                        "AS ok",
                        (self.datastore.schema, table, right),
                    )
                    row = curs.fetchone()
                    if row is not None and not row["ok"]:
                        missing.append(f"{right} on {table}")
        except Exception:  # the connection itself is gone: not a question of rights
            return []
        return missing

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if positions:
            self._append_leaves(curs, stored_events, positions)
        request_id = kwargs.get("request_id")
        if request_id and positions:
            curs.execute(
                SQL("INSERT INTO {0} VALUES (%s, %s, %s)").format(self.requests_table),
                (request_id, positions[0], positions[-1]),
            )
        return positions

    def _append_leaves(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], positions: Sequence[int]
    ) -> None:
        """Leaves in the same transaction, under the library's exclusive table lock.

        Every round trip to the server here is made while the lock is held, so the tree's size
        and the right edge the new leaves hash against (the leaves of the last unfinished block
        of 16, and each kept subtree on the edge) come in one query. That is all a new leaf can
        hash against; a subtree missing there is refused as missing from the log, and the whole
        save with it (see :meth:`_insert_once`).
        """
        size, near, edge = self._right_edge(curs)

        def node(level: int, index: int) -> bytes | None:
            return edge.get((level, index))

        def leaf_hashes(start: int, end: int) -> list[bytes]:
            return [near[leaf] for leaf in range(start, end) if leaf in near]

        def insert(rows: Sequence[tuple[int, int, bytes]]) -> None:
            curs.executemany(
                SQL("INSERT INTO {0} VALUES (%s, %s, %s)").format(self.tree_table), rows
            )

        leaves = TreeStore(stored_fetch(node, leaf_hashes), insert, size).append(
            (p, leaf_bytes(p, s.originator_id, s.originator_version, s.topic, s.state))
            for p, s in zip(positions, stored_events, strict=True)
        )
        curs.executemany(
            SQL("INSERT INTO {0} VALUES (%s, %s, %s)").format(self.leaves_table), leaves
        )

    def _right_edge(
        self, curs: Cursor[DictRow]
    ) -> tuple[int, dict[int, bytes], dict[tuple[int, int], bytes]]:
        """The tree's size, the leaves of its last unfinished block of ``2**LOWEST_STORED_LEVEL``
        (leaf -> hash), and the kept subtrees a new leaf can need as left siblings ((level,
        node) -> hash: node ``(size >> level) - 1`` of each level where ``size >> level`` is
        odd), in one query."""
        curs.execute(
            SQL(
                "WITH s AS (SELECT COALESCE(MAX(leaf) + 1, 0) AS size FROM {leaves}) "
                "SELECT -1 AS level, s.size AS node, NULL::bytea AS hash FROM s "
                "UNION ALL SELECT 0, l.leaf, l.hash FROM s JOIN {leaves} l "
                "ON l.leaf >= s.size - s.size % {width} AND l.leaf < s.size "
                "UNION ALL SELECT t.level, t.node, t.hash FROM s "
                "CROSS JOIN generate_series({lowest}, 62) AS g(level) JOIN {tree} t "
                "ON t.level = g.level AND t.node = (s.size >> g.level) - 1 "
                "WHERE (s.size >> g.level) % 2 = 1"
            ).format(
                leaves=self.leaves_table,
                tree=self.tree_table,
                width=Literal(1 << LOWEST_STORED_LEVEL),
                lowest=Literal(LOWEST_STORED_LEVEL),
            )
        )
        size = 0
        near: dict[int, bytes] = {}
        edge: dict[tuple[int, int], bytes] = {}
        for row in curs.fetchall():
            level, index = int(row["level"]), int(row["node"])
            if level < 0:
                size = index
            elif level == 0:
                near[index] = bytes(row["hash"])
            else:
                edge[(level, index)] = bytes(row["hash"])
        return size, near, edge

    def insert_rows(
        self,
        rows: Iterable[tuple[str, int, str, bytes]],
        *,
        request_id: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[int, int]:
        """Store many events in one transaction, with their leaves; their first and last positions.

        The bulk path of an import (see the SQLite recorder): here the library's own insert,
        under its table lock, with the leaves and the request id in the same transaction.
        Positions may have gaps on PostgreSQL; the first and last are returned.
        """
        stored = [
            StoredEvent(originator_id=UUID(ident), originator_version=v, topic=t, state=state)
            for ident, v, t, state in rows
        ]
        if not stored:
            raise ValueError("no events to store")
        positions = self.insert_events(stored, request_id=request_id)
        if not positions:
            raise RuntimeError("the store returned no positions")
        if progress is not None:
            progress(len(stored))
        return positions[0], positions[-1]

    def known_versions(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        """The current version of each aggregate of ``ids`` that exists."""
        found: dict[UUID, int] = {}
        with self.datastore.transaction(commit=False) as curs:
            for start in range(0, len(ids), 1000):
                curs.execute(
                    SQL(
                        "SELECT originator_id, MAX(originator_version) AS v FROM {0}.{1} "
                        "WHERE originator_id = ANY(%s) GROUP BY originator_id"
                    ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name)),
                    (list(ids[start : start + 1000]),),
                )
                found.update((row["originator_id"], int(row["v"])) for row in curs.fetchall())
        return found

    def request_positions(self, request_id: str) -> tuple[int, int] | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL("SELECT first_position, last_position FROM {0} WHERE request_id=%s").format(
                    self.requests_table
                ),
                (request_id,),
            )
            row = curs.fetchone()
        return None if row is None else (row["first_position"], row["last_position"])

    def version_at(self, aggregate_id: UUID, position: int) -> int | None:
        """The aggregate's version as it stood at log ``position`` (``None``: not yet created)."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL(
                    "SELECT MAX(originator_version) AS v FROM {0}.{1} "
                    "WHERE originator_id = %s AND notification_id <= %s"
                ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name)),
                (aggregate_id, position),
            )
            row = curs.fetchone()
        return None if row is None or row["v"] is None else int(row["v"])

    def read_meta(self) -> dict[str, str]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT key, value FROM {0}").format(self.meta_table))
            return {row["key"]: row["value"] for row in curs.fetchall()}

    def write_meta(self, values: dict[str, str]) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for key, value in values.items():
                curs.execute(
                    SQL("INSERT INTO {0} VALUES (%s, %s) ON CONFLICT DO NOTHING").format(
                        self.meta_table
                    ),
                    (key, value),
                )


class LedgerPostgresFactory(PostgresFactory):
    """The library's PostgreSQL factory, with the ledger's recorder."""

    application_recorder_class = LedgerPostgresRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        # One plain connection first: an unreachable server or a refused login is then named
        # at once, in the server's words (the pool would wait the whole connect timeout and
        # then say only "couldn't get a connection"). About 6 ms on a local server.
        settings = {key: self.env.get(key) or "" for key in _CONNECTION_SETTINGS}
        if problem := login_problem(settings):
            self.close()
            raise StoreError(problem)
