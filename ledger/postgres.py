"""The PostgreSQL store: the library's PostgreSQL persistence, with the ledger's own tables.

Imported only when a ``postgresql://`` store is opened (psycopg is an optional extra).
The request ids go in the same transaction as the events, under the library's table lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from ledger.auditlog import TreeStore, leaf_bytes

__all__ = ["LedgerPostgresFactory", "LedgerPostgresRecorder"]


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
        """Leaves in the same transaction, under the library's exclusive table lock."""
        curs.execute(
            SQL("SELECT COALESCE(MAX(leaf) + 1, 0) AS size FROM {0}").format(self.leaves_table)
        )
        row = curs.fetchone()
        size = int(row["size"]) if row else 0

        def fetch(level: int, node: int) -> bytes | None:
            curs.execute(
                SQL("SELECT hash FROM {0} WHERE level = %s AND node = %s").format(self.tree_table),
                (level, node),
            )
            found = curs.fetchone()
            return None if found is None else bytes(found["hash"])

        def insert(rows: Sequence[tuple[int, int, bytes]]) -> None:
            curs.executemany(
                SQL("INSERT INTO {0} VALUES (%s, %s, %s)").format(self.tree_table), rows
            )

        leaves = TreeStore(fetch, insert, size).append(
            (p, leaf_bytes(p, s.originator_id, s.originator_version, s.topic, s.state))
            for p, s in zip(positions, stored_events, strict=True)
        )
        curs.executemany(
            SQL("INSERT INTO {0} VALUES (%s, %s, %s)").format(self.leaves_table),
            [(leaf.index, leaf.position, leaf.hash) for leaf in leaves],
        )

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
