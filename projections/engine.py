"""Read models kept next to the events, brought up to date by an explicit catch-up.

Each :class:`Projection` owns a few tables and a tracked position. :func:`catch_up` reads only the
events after the lowest position of the projections it is given, page by page, and writes each
page's rows *and* the new positions in one transaction: a crash in the middle leaves every view at
its old position, and the next catch-up does the page again. (The library's subscription-based
runner needs ``recorder.subscribe()``, which its SQLite recorder does not have.)

Several processes may catch up at once (``collective projections follow`` beside any read
command, on SQLite or PostgreSQL). Each page's transaction therefore first takes the views' lock
(see :func:`_lock_views`) and reads the positions again under it: when another process moved them
meanwhile, the page is left to it and the catch-up starts again from where that one got, so no
event is ever projected twice.

Rows are *temporal*: every row carries the log positions between which it was true
(``valid_from`` inclusive, ``valid_to`` exclusive, NULL while current). A change closes the old
row and opens a new one, so any read can be answered "as of" an earlier position by a condition
instead of a replay (see :meth:`ViewDB.visible`). Handlers receive the decoded JSON state of each
event (upcast to the current class version), not pydantic objects: the events were validated when
they were written, and a rebuild of a million events should not pay for it again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import orjson

from domain.base import TOPIC_PREFIX
from ledger.mapper import decode_state, event_class
from projections import bulk
from projections.bulk import Bulk

__all__ = [
    "PAGE",
    "EventRecord",
    "Projection",
    "ViewDB",
    "Writer",
    "catch_up",
    "ensure_tables",
    "positions",
    "rebuild",
]

PAGE = 2000


@dataclass(frozen=True)
class EventRecord:
    """One stored event as projections see it."""

    position: int
    aggregate_id: str
    version: int
    topic: str
    state: dict[str, Any]

    @property
    def name(self) -> str:
        """``Aggregate.Event``, the topic without its prefix."""
        return self.topic.partition(":")[2]

    @property
    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = self.state["meta"]
        return meta

    @property
    def recorded_at(self) -> str:
        return str(self.state["timestamp"])


class ViewDB:
    """The few SQL operations the views need, on SQLite or PostgreSQL, in the ledger's database."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.datastore = app.factory.datastore
        self.postgres = app.store.kind == "postgres"
        self.schema = getattr(self.datastore, "schema", "") if self.postgres else ""

    def events_after(
        self, position: int, limit: int, skip: tuple[frozenset[str], int] = (frozenset(), 0)
    ) -> list[tuple[int, str, int, str, bytes]]:
        """Stored events after ``position``, in log order: (position, aggregate id, version,
        topic, state). Read directly, which is several times quicker than the library's
        notification objects for a rebuild of millions of events. ``skip`` leaves out events
        of the given topics up to a position (those a rebuild projected in bulk)."""
        with self.transaction(commit=False) as cursor:
            return self.read_events(cursor, position, limit, skip)

    def read_events(
        self,
        cursor: Any,
        position: int,
        limit: int,
        skip: tuple[frozenset[str], int] = (frozenset(), 0),
    ) -> list[tuple[int, str, int, str, bytes]]:
        """:meth:`events_after` in the transaction of ``cursor``."""
        topics, upto = skip
        if topics and position < upto and not self.postgres:
            marks = ", ".join("?" for _ in topics)
            cursor.execute(
                "SELECT rowid, originator_id, originator_version, topic, state "
                "FROM stored_events WHERE rowid > ? AND NOT (rowid <= ? AND topic IN "
                f"({marks})) ORDER BY rowid LIMIT ?",
                [position, upto, *sorted(topics), limit],
            )
            return [tuple(row) for row in cursor.fetchall()]
        if self.postgres:
            statement = (
                "SELECT notification_id, originator_id::text, originator_version, topic, state "
                f"FROM {self.events_table} WHERE notification_id > %s "
                "ORDER BY notification_id LIMIT %s"
            )
        else:
            statement = (
                "SELECT rowid, originator_id, originator_version, topic, state "
                "FROM stored_events WHERE rowid > ? ORDER BY rowid LIMIT ?"
            )
        cursor.execute(statement, [position, limit])
        return [
            tuple(row.values()) if isinstance(row, dict) else tuple(row)
            for row in cursor.fetchall()
        ]

    def sql(self, statement: str) -> str:
        """Our SQL uses ``?`` and ``{name}`` table placeholders; adapt them to the store."""
        if self.postgres:
            statement = statement.replace("?", "%s")
        return statement

    def table(self, name: str) -> str:
        return f'"{self.schema}"."{name}"' if self.schema else name

    @property
    def events_table(self) -> str:
        """The stored events' table (``stored_events`` on SQLite)."""
        if self.postgres:
            return self.table(f"{self.app.name.lower()}_events")
        return "stored_events"

    @property
    def path(self) -> str | None:
        """The SQLite file the ledger is in (``None`` in memory or on PostgreSQL)."""
        store = self.app.store
        return str(store.location) if store.kind == "sqlite" else None

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as cursor:
            yield cursor

    @contextmanager
    def writing_with(self, files: Sequence[Path]) -> Iterator[Any]:
        """A write transaction on SQLite with ``files`` attached as ``chunk0``, ``chunk1``, ...
        (SQLite attaches nothing inside a transaction: they are attached before it begins, and
        detached after it ends)."""
        with self.datastore.get_connection(commit=True) as connection:
            raw = connection._sqlite_conn
            for n, file in enumerate(files):
                raw.execute("ATTACH ? AS ?", [str(file), f"chunk{n}"])
            try:
                with connection.transaction(commit=True) as cursor:
                    yield cursor
            finally:
                for n in range(len(files)):
                    raw.execute(f"DETACH chunk{n}")

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.transaction(commit=False) as cursor:
            cursor.execute(self.sql(statement), list(params))
            return [dict(row) for row in cursor.fetchall()]

    @staticmethod
    def visible(as_of: int | None, alias: str = "") -> str:
        """The condition for rows true at position ``as_of`` (or now, when ``None``)."""
        prefix = f"{alias}." if alias else ""
        if as_of is None:
            return f"{prefix}valid_to IS NULL"
        return (
            f"{prefix}valid_from <= {int(as_of)} AND "
            f"({prefix}valid_to IS NULL OR {prefix}valid_to > {int(as_of)})"
        )


class Writer:
    """Writes temporal rows inside one catch-up transaction.

    New rows wait in memory and go to the database with one ``executemany`` per table at the end
    of the page (or before any other statement), so a page of a thousand new values costs a few
    statements, not a thousand. Reads through :meth:`current` see the waiting rows.
    """

    def __init__(self, db: ViewDB, cursor: Any) -> None:
        self.db = db
        self.cursor = cursor
        self._waiting: dict[str, list[dict[str, Any]]] = {}
        self._current: dict[tuple[str, tuple[tuple[str, Any], ...]], dict[str, Any]] = {}

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self.flush()
        self.cursor.execute(self.db.sql(statement), list(params))

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        self.execute(statement, params)
        row = self.cursor.fetchone()
        return None if row is None else dict(row)

    def flush(self) -> None:
        """Write the waiting rows."""
        waiting, self._waiting = self._waiting, {}
        self._current.clear()
        for table, rows in waiting.items():
            by_shape: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
            for row in rows:
                by_shape.setdefault(tuple(row), []).append(tuple(row.values()))
            for columns, values in by_shape.items():
                marks = ", ".join("?" for _ in columns)
                self.cursor.executemany(
                    self.db.sql(
                        f"INSERT INTO {self.db.table(table)} ({', '.join(columns)}) "
                        f"VALUES ({marks})"
                    ),
                    values,
                )

    @staticmethod
    def _key(key: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
        return tuple(key.items())  # handlers name a table's key columns in one order

    def current(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        """The current row of ``table`` with ``key``, if any."""
        waiting = self._current.get((table, self._key(key)))
        if waiting is not None:
            return dict(waiting)
        where = " AND ".join(f"{k} = ?" for k in key)
        self.cursor.execute(
            self.db.sql(f"SELECT * FROM {self.db.table(table)} WHERE {where} AND valid_to IS NULL"),
            list(key.values()),
        )
        row = self.cursor.fetchone()
        return None if row is None else dict(row)

    def insert(
        self, table: str, key: dict[str, Any], values: dict[str, Any], position: int
    ) -> None:
        """Add the first row of a ``key`` that has none (cheaper than :meth:`put`)."""
        row = {**key, **values, "valid_from": position, "valid_to": None}
        self._waiting.setdefault(table, []).append(row)
        self._current[(table, self._key(key))] = row

    def put(self, table: str, key: dict[str, Any], values: dict[str, Any], position: int) -> None:
        """Make ``key`` hold ``values`` from ``position`` on (closing the row that held before)."""
        self.close(table, key, position)
        self.insert(table, key, values, position)

    def update(
        self, table: str, key: dict[str, Any], changes: dict[str, Any], position: int
    ) -> dict[str, Any]:
        """Change some columns of the current row of ``key``; returns the new row."""
        row = self.current(table, key)
        if row is None:
            raise LookupError(f"{table}: no current row for {key}")
        values = {
            k: v for k, v in row.items() if k not in key and k not in ("valid_from", "valid_to")
        }
        values.update(changes)
        self.put(table, key, values, position)
        return {**key, **values}

    def close(self, table: str, key: dict[str, Any], position: int) -> None:
        """End the current row of ``key`` at ``position`` (it is no longer true from there on)."""
        waiting = self._current.pop((table, self._key(key)), None)
        if waiting is not None:
            waiting["valid_to"] = position
            return
        where = " AND ".join(f"{k} = ?" for k in key)
        self.cursor.execute(
            self.db.sql(
                f"UPDATE {self.db.table(table)} SET valid_to = ? WHERE {where} AND valid_to IS NULL"
            ),
            [position, *key.values()],
        )


Handler = Callable[[Writer, EventRecord], None]


@dataclass
class Projection:
    """A read model: its tables, its handlers by event name, and a schema version.

    Raise ``schema`` whenever the tables or what the handlers write change: a stored view of an
    older schema is dropped and rebuilt before it is read, never read wrongly.
    """

    name: str
    schema: int
    tables: dict[str, str]
    """table name -> column definitions (without the temporal columns, added here)."""
    indexes: Sequence[str] = ()
    growing: Sequence[str] = ()
    """Indexes whose key grows with the log position (a recorded time): a rebuild in bulk makes
    them with the tables, and appending rows in log order keeps them, quicker than sorting."""
    append_only: frozenset[str] = frozenset()
    """Tables whose rows are never closed (``valid_to`` stays NULL): they get no index on it."""
    keyed: frozenset[str] = frozenset()
    """Tables whose rows are only ever read through the index on their key (every query names
    the key's first column, and most rows are current): they get no index on ``valid_to``
    either, which the database would not use."""
    handlers: dict[str, Handler] = field(default_factory=dict)
    every_event: Callable[[Writer, list[EventRecord]], None] | None = None
    """A handler for every event of a page at once (the log index), instead of ``handlers``."""
    bulk: dict[str, Bulk] = field(default_factory=dict)
    """For a full rebuild on SQLite: event name -> how the database projects the events of that
    name (the most numerous ones) by itself. The handlers do the same for a catch-up, and the
    property tests check that both give the same rows."""

    REGISTRY: ClassVar[dict[str, Projection]] = {}

    def on(self, *names: str) -> Callable[[Handler], Handler]:
        """Register a handler for events named ``Aggregate.Event``."""

        def register(handler: Handler) -> Handler:
            for name in names:
                self.handlers[name] = handler
            return handler

        return register

    def create(self, db: ViewDB, cursor: Any, *, indexes: bool = True) -> None:
        for table, columns in self.tables.items():
            if not db.postgres:  # SQLite's INTEGER PRIMARY KEY is the rowid: no index beside it
                columns = columns.replace("BIGINT PRIMARY KEY", "INTEGER PRIMARY KEY")
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {db.table(table)} ({columns}, "
                "valid_from BIGINT NOT NULL, valid_to BIGINT)"
            )
        for index in self.growing:
            cursor.execute(index.format(**{t: db.table(t) for t in self.tables}))
        if indexes:
            self.create_indexes(db, cursor)

    def create_indexes(self, db: ViewDB, cursor: Any) -> None:
        """The indexes, made after the tables are filled when a rebuild fills them in bulk."""
        for table in self.tables:
            if table not in self.append_only and table not in self.keyed:
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {table}_current ON {db.table(table)} (valid_to)"
                )
        for index in self.indexes:
            cursor.execute(index.format(**{t: db.table(t) for t in self.tables}))

    def drop(self, db: ViewDB, cursor: Any) -> None:
        for table in self.tables:
            cursor.execute(f"DROP TABLE IF EXISTS {db.table(table)}")


_STATE = "projection_state"


def _lock_views(db: ViewDB, cursor: Any) -> None:
    """Take the views' lock for the rest of this transaction, before reading any position.

    PostgreSQL: a transaction-scoped advisory lock, one per ledger schema. SQLite: its write lock,
    taken by a first statement that writes (an UPDATE of no row); a transaction that read first
    could find its snapshot stale when it came to write, and fail instead of waiting.
    """
    if db.postgres:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(db.schema)])
    else:
        cursor.execute(f"UPDATE {db.table(_STATE)} SET position = position WHERE 1 = 0")


def _lock_key(schema: str) -> int:
    digest = hashlib.sha256(f"collective-ledger views {schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _create_state(db: ViewDB) -> None:
    """The table of positions, unless it is there (found by reading, the usual case)."""
    if db.postgres:
        found = db.query("SELECT to_regclass(?) AS t", [db.table(_STATE)])[0]["t"]
    else:
        found = db.query("SELECT name FROM sqlite_master WHERE name = ?", [_STATE])
    if found:
        return
    with db.transaction(commit=True) as cursor:
        if db.postgres:  # two processes creating it at once would collide in PostgreSQL's catalog
            _lock_views(db, cursor)
        cursor.execute(  # on SQLite a first statement that writes: it waits for other writers
            f"CREATE TABLE IF NOT EXISTS {db.table(_STATE)} (name TEXT PRIMARY KEY, "
            "position BIGINT NOT NULL, schema_version INTEGER NOT NULL)"
        )


def ensure_tables(db: ViewDB, projections: Iterable[Projection]) -> list[str]:
    """Create missing views; drop and recreate any stored at an older schema.

    Returns the names of the views that were (re)created empty and so need a catch-up from 0.
    Reads only, when every view is there at its schema (the usual case, before every read).
    """
    projections = list(projections)
    _create_state(db)
    stored = {
        row["name"]: row["schema_version"]
        for row in db.query(f"SELECT name, schema_version FROM {db.table(_STATE)}")
    }
    if all(stored.get(p.name) == p.schema for p in projections):
        return []
    rebuilt: list[str] = []
    with db.transaction(commit=True) as cursor:
        _lock_views(db, cursor)
        cursor.execute(db.sql(f"SELECT name, schema_version FROM {db.table(_STATE)}"))
        stored = {row["name"]: row["schema_version"] for row in cursor.fetchall()}
        for projection in projections:
            if stored.get(projection.name) == projection.schema:
                continue
            projection.drop(db, cursor)
            projection.create(db, cursor)
            cursor.execute(
                db.sql(f"DELETE FROM {db.table(_STATE)} WHERE name = ?"), [projection.name]
            )
            cursor.execute(
                db.sql(f"INSERT INTO {db.table(_STATE)} VALUES (?, 0, ?)"),
                [projection.name, projection.schema],
            )
            rebuilt.append(projection.name)
    return rebuilt


def positions(db: ViewDB) -> dict[str, int]:
    rows = db.query(f"SELECT name, position FROM {db.table(_STATE)}")
    return {row["name"]: int(row["position"]) for row in rows}


def _decode(row: tuple[int, str, int, str, bytes]) -> EventRecord:
    return decode(*row)


def decode(position: int, aggregate_id: str, version: int, topic: str, data: bytes) -> EventRecord:
    """A stored event as projections see it: its JSON state, brought to its class's version."""
    state = orjson.loads(data)
    if "class_version" in state or getattr(event_class(topic), "class_version", 1) > 1:
        decode_state(event_class(topic), state)
    return EventRecord(position, _uuid(aggregate_id), version, topic, state)


def _uuid(text: str) -> str:
    """Aggregate ids as the canonical UUID text, whichever way the store wrote them."""
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


def catch_up(
    db: ViewDB,
    projections: Sequence[Projection],
    *,
    page: int = PAGE,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Bring ``projections`` up to the end of the log; returns the number of events read."""
    at = positions(db)
    routes: dict[str, list[tuple[Projection, Handler]]] = {}
    read = 0
    while True:
        start = min(at[p.name] for p in projections)
        rows = db.events_after(start, page)
        if not rows:
            return read
        last = rows[-1][0]
        with db.transaction(commit=True) as cursor:
            _lock_views(db, cursor)
            held = _held(db, cursor, projections)
            if held != {p.name: at[p.name] for p in projections}:
                moved = True  # another process projected these events: go on from its positions
            else:
                moved = False
                _project(db, cursor, projections, rows, at, routes, (frozenset(), 0))
        if moved:
            at = positions(db)
            continue
        for projection in projections:
            at[projection.name] = max(at[projection.name], last)
        read += len(rows)
        if progress:
            progress(len(rows))


def _held(db: ViewDB, cursor: Any, projections: Sequence[Projection]) -> dict[str, int]:
    """The projections' positions as committed (read under the views' lock)."""
    marks = ", ".join("?" for _ in projections)
    cursor.execute(
        db.sql(f"SELECT name, position FROM {db.table(_STATE)} WHERE name IN ({marks})"),
        [p.name for p in projections],
    )
    return {row["name"]: int(row["position"]) for row in cursor.fetchall()}


def _project(
    db: ViewDB,
    cursor: Any,
    projections: Sequence[Projection],
    rows: list[tuple[int, str, int, str, bytes]],
    at: dict[str, int],
    routes: dict[str, list[tuple[Projection, Handler]]],
    done: tuple[frozenset[tuple[str, str]], int],
) -> None:
    """Project one page of events and move the positions, inside the page's transaction."""
    bulked, upto = done
    last = rows[-1][0]
    writer = Writer(db, cursor)
    records: dict[int, EventRecord] = {}
    for row in rows:
        name = _name(row[3])
        route = routes.get(name)
        if route is None:
            route = routes[name] = [
                (p, p.handlers[name]) for p in projections if name in p.handlers
            ]
        for projection, handler in route:
            if row[0] <= at[projection.name]:
                continue
            if row[0] <= upto and (projection.name, name) in bulked:
                continue
            record = records.get(row[0])
            if record is None:
                record = records[row[0]] = _decode(row)
            handler(writer, record)
    for projection in projections:
        if projection.every_event is None:
            continue
        page_records = [
            records.get(r[0]) or records.setdefault(r[0], _decode(r))
            for r in rows
            if r[0] > at[projection.name]
            and not (r[0] <= upto and (projection.name, _name(r[3])) in bulked)
        ]
        projection.every_event(writer, page_records)
    writer.flush()
    for projection in projections:
        if at[projection.name] < last:
            writer.execute(
                f"UPDATE {db.table(_STATE)} SET position = ? WHERE name = ?",
                [last, projection.name],
            )


def rebuild(
    db: ViewDB, projections: Sequence[Projection], progress: Callable[[int], None] | None = None
) -> int:
    """Drop the views and project every event again, in one transaction: a read command beside
    it finds the views as they were until it commits, then whole. Returns the events in the log.

    On SQLite the most numerous events are projected in bulk first (``projections/bulk.py``),
    the indexes made after, then the other events go through the handlers. Events recorded
    meanwhile (PostgreSQL lets them in) are caught up afterwards.
    """
    staging = None if db.postgres else bulk.plan_staging(projections)
    with ExitStack() as stack:
        files: list[Path] = []
        if staging is not None and bulk.parallel(db, db.app.event_count()):
            files = stack.enter_context(bulk.chunk_files())
        cursor = stack.enter_context(
            db.writing_with(files) if files else db.transaction(commit=True)
        )
        _lock_views(db, cursor)
        for projection in projections:
            projection.drop(db, cursor)
            projection.create(db, cursor, indexes=staging is None)
            cursor.execute(
                db.sql(f"UPDATE {db.table(_STATE)} SET position = 0 WHERE name = ?"),
                [projection.name],
            )
        upto = _last_position(db, cursor)
        bulked: frozenset[tuple[str, str]] = frozenset()
        if staging is not None:
            if files:  # (the log only grows: as long as when the files were made, or longer)
                bulk.project_beside(db, cursor, staging, upto, files)
            else:
                bulk.project_here(db, cursor, staging, 0, upto)
            bulked = frozenset(staging.done)
            # SQLite sorts the rows of a large index in parallel with helper threads when told to
            cursor.execute(f"PRAGMA threads = {SORT_THREADS}")
            try:
                for projection in projections:
                    projection.create_indexes(db, cursor)
            finally:
                cursor.execute("PRAGMA threads = 0")
        _project_the_rest(db, cursor, projections, (bulked, upto), progress)
    catch_up(db, projections, progress=progress)
    return int(db.app.event_count())


def _last_position(db: ViewDB, cursor: Any) -> int:
    """The log's last position, as the transaction of ``cursor`` sees it."""
    column = "notification_id" if db.postgres else "rowid"
    cursor.execute(f"SELECT COALESCE(MAX({column}), 0) AS n FROM {db.events_table}")
    row = cursor.fetchone()
    return int(row["n"] if isinstance(row, dict) else row[0])


def _project_the_rest(
    db: ViewDB,
    cursor: Any,
    projections: Sequence[Projection],
    done: tuple[frozenset[tuple[str, str]], int],
    progress: Callable[[int], None] | None,
) -> None:
    """Within a rebuild's transaction: project the events up to ``done``'s position that the
    bulk path did not (read on the transaction's own cursor), and move every position there."""
    bulked, upto = done
    # topics left out of the reading: projected in bulk by every projection that takes them
    skip = frozenset(
        f"{TOPIC_PREFIX}:{name}"
        for name in {name for _, name in bulked}
        if all(
            (p.name, name) in bulked or (p.every_event is None and name not in p.handlers)
            for p in projections
        )
    )
    at = {p.name: 0 for p in projections}
    routes: dict[str, list[tuple[Projection, Handler]]] = {}
    position = 0
    while position < upto:
        page = db.read_events(cursor, position, PAGE, (skip, upto))
        rows = [r for r in page if r[0] <= upto]
        if rows:
            _project(db, cursor, projections, rows, at, routes, done)
            position = rows[-1][0]
            for projection in projections:
                at[projection.name] = position
            if progress:
                progress(len(rows))
        if len(rows) < PAGE:  # the last page: asking again would scan the rest of the log again
            break
    for projection in projections:  # (the last events may all have been projected in bulk)
        cursor.execute(
            db.sql(f"UPDATE {db.table(_STATE)} SET position = ? WHERE name = ?"),
            [upto, projection.name],
        )


SORT_THREADS = 2
"""Helper threads SQLite may use to sort while a rebuild makes the views' indexes."""


def _name(topic: str) -> str:
    return topic.partition(":")[2]
