"""Where verification reads a log from: a SQLite file, a PostgreSQL database, or an audit bundle.

Verification (``ledger/verify.py``) sees every store through the same small interface, so the same
code checks a live ledger and the files an auditor was handed. A source yields the stored events
in log order and the stored leaves in leaf order, from one consistent snapshot, and nothing else:
it decodes nothing and trusts nothing.
"""

from __future__ import annotations

import base64
import binascii
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

import orjson

from ledger.store import Store, StoreError

__all__ = [
    "BUNDLE_FORMAT",
    "BundleError",
    "BundleSource",
    "EventRow",
    "EventSource",
    "LeafRow",
    "PostgresReader",
    "PostgresSource",
    "SQLiteSource",
    "open_source",
    "source_for",
]

BUNDLE_FORMAT = "collective-ledger/audit-bundle"
EventRow = tuple[int, str, int, str, bytes]
"""(log position, aggregate id as 32 hex digits, version, topic, stored bytes), as stored."""
LeafRow = tuple[int, int, bytes]
"""(leaf index, log position, leaf hash), as stored."""


class EventSource(Protocol):
    """A log to verify. Use it as a context manager; read each stream once."""

    description: str

    def events(self) -> Iterator[EventRow]: ...

    def leaves(self) -> Iterator[LeafRow]: ...

    def origin(self) -> str | None:
        """The origin the store says it has (``ledger_meta``), if any: not trusted."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> EventSource: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class Closing:
    """A source (or any reader) usable in ``with``: it is closed on the way out."""

    def close(self) -> None:  # pragma: no cover - overridden
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class SQLiteSource(Closing):
    """A SQLite ledger, read in one read transaction (a snapshot, even while others write)."""

    def __init__(self, store: Store) -> None:
        self.description = str(store)
        if store.kind == "memory":
            self.conn = sqlite3.connect(store.location, uri=True, isolation_level=None)
        else:
            uri = Path(store.location).resolve().as_uri() + "?mode=ro"
            self.conn = sqlite3.connect(uri, uri=True, isolation_level=None)
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT COUNT(*) FROM ledger_meta").fetchone()  # start the snapshot

    def events(self) -> Iterator[EventRow]:
        rows: Iterator[EventRow] = self.conn.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY rowid"
        )
        return rows

    def leaves(self) -> Iterator[LeafRow]:
        rows: Iterator[LeafRow] = self.conn.execute(
            "SELECT leaf, position, hash FROM ledger_leaves ORDER BY leaf"
        )
        return rows

    def origin(self) -> str | None:
        row = self.conn.execute("SELECT value FROM ledger_meta WHERE key = 'origin'").fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        self.conn.close()


class PostgresReader(Closing):
    """The events, leaves and origin of a PostgreSQL ledger, streamed through server-side cursors
    of ``conn`` (its tables given as psycopg SQL); the connection is closed with the reader when
    ``owned``."""

    def __init__(
        self, conn: Any, description: str, *, events: Any, leaves: Any, meta: Any, owned: bool
    ) -> None:
        from psycopg.sql import SQL

        self.conn = conn
        self.description = description
        self.owned = owned
        self._cursors: list[Any] = []
        self._events = SQL(
            "SELECT notification_id, replace(originator_id::text, '-', ''), originator_version, "
            "topic, state FROM {0} ORDER BY notification_id"
        ).format(events)
        self._leaves = SQL("SELECT leaf, position, hash FROM {0} ORDER BY leaf").format(leaves)
        self._meta = SQL("SELECT value FROM {0} WHERE key = 'origin'").format(meta)

    def _stream(self, query: Any, name: str) -> Iterator[Any]:
        cursor = self.conn.cursor(name=name)
        self._cursors.append(cursor)
        cursor.itersize = 5000
        cursor.execute(query)
        return iter(cursor)

    def events(self) -> Iterator[EventRow]:
        return self._stream(self._events, "verify_events")

    def leaves(self) -> Iterator[LeafRow]:
        return self._stream(self._leaves, "verify_leaves")

    def origin(self) -> str | None:
        row = self.conn.execute(self._meta).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        for cursor in self._cursors:
            cursor.close()
        if self.owned:
            self.conn.close()


class PostgresSource(PostgresReader):
    """A PostgreSQL ledger, read in one repeatable-read, read-only transaction."""

    def __init__(self, store: Store, application_name: str) -> None:
        import psycopg
        from psycopg.sql import SQL, Identifier

        from ledger.faults import open_connection

        settings = store.settings(create=False)
        conn = open_connection(store, settings)
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        schema = Identifier(settings["POSTGRES_SCHEMA"])
        super().__init__(
            conn,
            str(store),
            events=SQL("{0}.{1}").format(schema, Identifier(f"{application_name.lower()}_events")),
            leaves=SQL("{0}.ledger_leaves").format(schema),
            meta=SQL("{0}.ledger_meta").format(schema),
            owned=True,
        )
        try:
            conn.execute(SQL("SELECT 1 FROM {0}.ledger_leaves LIMIT 1").format(schema))
        except psycopg.Error:
            conn.close()
            raise StoreError(
                f"no ledger at {store}: create one with `collective init` or point --store at one"
            ) from None


class BundleError(ValueError):
    """An audit bundle that cannot be read (one line, naming the file and line)."""


class BundleSource(Closing):
    """An audit bundle written by ``collective audit bundle``: no database needed."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.description = str(self.folder)
        if not self.folder.is_dir():
            raise BundleError(f"{self.folder} is not a folder")
        self.manifest = self._manifest()

    def _manifest(self) -> dict[str, Any]:
        path = self.folder / "manifest.json"
        try:
            found = orjson.loads(path.read_bytes())
        except OSError:
            raise BundleError(f"{self.folder} is not an audit bundle (no manifest.json)") from None
        except orjson.JSONDecodeError:
            raise BundleError(f"{path} is not valid JSON") from None
        if not isinstance(found, dict) or found.get("format") != BUNDLE_FORMAT:
            raise BundleError(f"{path} is not the manifest of a collective-ledger audit bundle")
        return found

    def _lines(self, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
        path = self.folder / name
        try:
            handle = path.open("rb")
        except OSError:
            raise BundleError(f"the bundle has no {name}") from None
        with handle:
            for number, line in enumerate(handle, 1):
                try:
                    row = orjson.loads(line)
                except orjson.JSONDecodeError:
                    raise BundleError(f"{name} line {number} is not JSON") from None
                if not isinstance(row, dict):
                    raise BundleError(f"{name} line {number} is not a JSON object")
                yield number, row

    def events(self) -> Iterator[EventRow]:
        for number, row in self._lines("events.jsonl"):
            try:
                yield (
                    _integer(row["position"]),
                    _text(row["aggregate_id"]),
                    _integer(row["version"]),
                    _text(row["topic"]),
                    base64.b64decode(_text(row["state"]), validate=True),
                )
            except (KeyError, TypeError, binascii.Error):
                raise BundleError(f"events.jsonl line {number} is not a stored event") from None

    def leaves(self) -> Iterator[LeafRow]:
        for number, row in self._lines("leaves.jsonl"):
            try:
                yield (
                    _integer(row["leaf"]),
                    _integer(row["position"]),
                    base64.b64decode(_text(row["hash"]), validate=True),
                )
            except (KeyError, TypeError, binascii.Error):
                raise BundleError(f"leaves.jsonl line {number} is not a leaf") from None

    def origin(self) -> str | None:
        found = self.manifest.get("origin")
        return found if isinstance(found, str) else None

    def close(self) -> None:
        pass


def _integer(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("not an integer")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def open_source(store_text: str, application_name: str = "CollectiveLedger") -> EventSource:
    """The source for a ``--store`` value (a SQLite path, ``:memory:`` or a PostgreSQL URL)."""
    store = Store.parse(store_text)
    return source_for(store, application_name)


def source_for(store: Store, application_name: str = "CollectiveLedger") -> EventSource:
    if store.kind == "postgres":
        return PostgresSource(store, application_name)
    store.check_is_ledger()
    try:
        return SQLiteSource(store)
    except sqlite3.Error as e:
        raise StoreError(f"cannot read the store {store}: {e}") from None
