"""The bulk path of a full rebuild on SQLite: the most numerous events projected by the database.

A rebuild of a million events would spend most of its time calling handlers one event at a
time. Instead, for the event names a projection declares a :class:`Bulk` for, the database makes
the rows itself, with one ``INSERT ... SELECT`` per :class:`Bulk` and stretch of the log:

1. *staging*: the JSON fields that any Bulk reads are taken out of each event once, into a
   table ``bulk_event`` (SQLite parses an event's JSON once a statement, and finding a member in
   it costs a small part of that);
2. *projecting*: each Bulk's ``select`` reads that table as ``e`` and gives its view's rows.

Staging costs more than projecting, and the two can run side by side on two cores: a ledger
stored in a file, with :data:`PARALLEL_FROM` events or more, is mostly staged by a second
process (``projections/stage_chunks.py``) on a connection of its own, chunk by chunk of the log,
each chunk into a small database file of its own (no journal, no sync: it is thrown away), while
the rebuild's connection stages the start of the log itself, then projects each chunk as soon as
it is staged. It reads those files as attached databases, so they are attached before its
transaction begins (SQLite attaches nothing inside one), at most :data:`CHUNKS` of them. A
process, not a thread: SQLite's allocator takes a lock that all the connections of a process
share, and two threads running statements side by side measured slower than one doing both.
Smaller ledgers, and ledgers held in memory, are staged on the rebuild's own connection, slice
by slice, into a temporary table.

Either way the rows are those the handlers make in a catch-up: the property tests check it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from domain.base import TOPIC_PREFIX
from ledger.mapper import event_class

if TYPE_CHECKING:
    from projections.engine import Projection, ViewDB

__all__ = [
    "Bulk",
    "Staging",
    "bulk_column",
    "chunk_files",
    "chunks",
    "parallel",
    "plan_staging",
    "project_beside",
    "project_here",
]

BULK_SLICE = 16_384
"""Log positions staged at a time on the rebuild's own connection (a few MB of fields)."""

CHUNKS = 8
"""Chunks of the log staged by the second process (each is a file attached to the rebuild's
connection; SQLite attaches at most ten databases to a connection)."""

HERE = 0.2
"""The share of the log (its start) that the rebuild's own connection stages when a second
process stages the rest: the rebuild's connection also projects every chunk, and with this
share both processes finish their staging at about the same time (``docs/benchmarks.md``)."""

PARALLEL_FROM = 4 * BULK_SLICE
"""Events from which a ledger in a file is staged mostly by a second process."""


@dataclass(frozen=True)
class Bulk:
    """Rows of ``table`` made by the database from the events of a name, in a full rebuild.

    ``select`` reads ``e``: one row per event, with its position as ``e.rowid``, its name
    (``Report.Opened``) as ``e.name`` and each JSON member of ``fields`` (paths in the event's
    state, such as ``meta.collective``) as a column named by its path with dots as underscores
    (``e.meta_collective``). It gives the table's columns, temporal ones included. One Bulk may
    serve events of several names: their rows then go in together, in log order (rows that
    came in out of order would split the pages of a table keyed by position).
    """

    table: str
    fields: tuple[str, ...]
    select: str


def bulk_column(path: str) -> str:
    """The column of ``e`` that holds the state's member at ``path`` (see :class:`Bulk`)."""
    return path.replace(".", "_")


@dataclass(frozen=True)
class Staging:
    """What a rebuild stages, and the statements that project the staged events."""

    names: tuple[str, ...]
    """The event names staged (``Report.ValueSubmitted``)."""
    fields: tuple[str, ...]
    projections: tuple[tuple[str, Bulk, tuple[str, ...]], ...]
    """(projection name, its Bulk, the event names it takes) for each distinct Bulk."""

    @property
    def done(self) -> set[tuple[str, str]]:
        """The (projection, event name) pairs the bulk path projects."""
        return {(projection, name) for projection, _, named in self.projections for name in named}

    def create(self, table: str) -> str:
        columns = ", ".join(bulk_column(f) for f in self.fields)
        return f"CREATE TABLE {table} (rowid INTEGER PRIMARY KEY, name TEXT, {columns})"

    def stage(self, table: str, events: str = "stored_events") -> str:
        """INSERT into ``table`` the staged fields of the events at positions ``(?, ?]``."""
        taken = ", ".join(f"json_extract(state, '$.{f}')" for f in self.fields)
        marks = ", ".join("?" for _ in self.names)
        return (
            f"INSERT INTO {table} SELECT rowid, substr(topic, {len(TOPIC_PREFIX) + 2}), {taken} "
            f"FROM (SELECT rowid, topic, CAST(state AS TEXT) AS state FROM {events} "
            f"WHERE rowid > ? AND rowid <= ? AND topic IN ({marks}))"
        )

    def topics(self) -> list[str]:
        return [f"{TOPIC_PREFIX}:{name}" for name in self.names]

    def statements(self, db: ViewDB, staged: str) -> list[str]:
        """One INSERT ... SELECT per Bulk, reading the events staged in table ``staged``."""
        return [
            f"INSERT INTO {db.table(bulk.table)} "
            + bulk.select.replace(
                "{e}",
                f"(SELECT * FROM {staged} WHERE name IN "
                f"({', '.join(_literal(name) for name in named)})) e",
            )
            for _, bulk, named in self.projections
        ]


def plan_staging(projections: Sequence[Projection]) -> Staging | None:
    """What the bulk path does for ``projections`` (``None``: nothing to do in bulk)."""
    specs: dict[tuple[str, int], tuple[str, Bulk, list[str]]] = {}
    for projection in projections:
        for name, bulk in projection.bulk.items():
            if getattr(event_class(f"{TOPIC_PREFIX}:{name}"), "class_version", 1) != 1:
                continue  # events that need upcasting go through the handlers
            # one statement for the names that share a Bulk: its rows go in in log order
            specs.setdefault((projection.name, id(bulk)), (projection.name, bulk, []))[2].append(
                name
            )
    if not specs:
        return None
    return Staging(
        names=tuple(sorted({name for _, _, named in specs.values() for name in named})),
        fields=tuple(dict.fromkeys(f for _, bulk, _ in specs.values() for f in bulk.fields)),
        projections=tuple((p, bulk, tuple(named)) for p, bulk, named in specs.values()),
    )


def parallel(db: ViewDB, upto: int) -> bool:
    """Whether a rebuild of ``upto`` events stages most of them in a second process."""
    return not db.postgres and upto >= PARALLEL_FROM and db.path is not None


def chunks(start: int, stop: int, count: int) -> list[tuple[int, int]]:
    """Positions ``(a, b]`` of at most ``count`` chunks of the log between ``start`` and
    ``stop``, in order."""
    bounds = [start + (stop - start) * n // count for n in range(count + 1)]
    return [(a, b) for a, b in pairwise(bounds) if b > a]


@contextmanager
def chunk_files() -> Iterator[list[Path]]:
    """:data:`CHUNKS` paths for staged chunks, in a temporary folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="collective-rebuild-") as folder:
        yield [Path(folder) / f"chunk-{n}.db" for n in range(CHUNKS)]


def project_here(db: ViewDB, cursor: Any, staging: Staging, start: int, stop: int) -> None:
    """Stage and project positions ``(start, stop]`` on the rebuild's own connection, slice by
    slice of the log."""
    statements = staging.statements(db, "temp.bulk_event")
    cursor.execute("DROP TABLE IF EXISTS temp.bulk_event")  # (left by a rebuild that failed)
    cursor.execute(staging.create("temp.bulk_event"))
    try:
        for first in range(start, stop, BULK_SLICE):
            cursor.execute(
                staging.stage("temp.bulk_event"),
                [first, min(first + BULK_SLICE, stop), *staging.topics()],
            )
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("DELETE FROM temp.bulk_event")
    finally:
        cursor.execute("DROP TABLE temp.bulk_event")


def project_beside(db: ViewDB, cursor: Any, staging: Staging, upto: int, files: list[Path]) -> None:
    """Project the events up to ``upto`` while a second process stages most of them.

    The rebuild's connection stages the first :data:`HERE` of the log itself, while the stager
    process (``projections/stage_chunks.py``) stages the rest in chunks, into ``files``
    (attached to the rebuild's connection as ``chunk0``, ``chunk1``, ...); then it projects the
    chunks in order, each as soon as it is staged. The rows go in in log order either way.
    """
    here = int(upto * HERE)
    spans = chunks(here, upto, len(files))
    stager = _Stager(str(db.path), staging, [
        (start, stop, str(file), n)
        for n, ((start, stop), file) in enumerate(zip(spans, files, strict=False))
    ])  # fmt: skip
    try:
        project_here(db, cursor, staging, 0, here)
        for n in range(len(spans)):
            stager.wait(n)
            for statement in staging.statements(db, f"chunk{n}.bulk_event"):
                cursor.execute(statement)
        stager.finish()
    finally:
        stager.stop()


class _Stager:
    """A process (``projections/stage_chunks.py``) that stages chunks of the log into files."""

    def __init__(self, path: str, staging: Staging, work: list[tuple[int, int, str, int]]) -> None:
        job = {
            "ledger": path,
            "create": staging.create("chunk.bulk_event"),
            "stage": staging.stage("chunk.bulk_event", "main.stored_events"),
            "topics": staging.topics(),
            "chunks": work,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(Path(__file__).with_name("stage_chunks.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(job).encode())
        self.process.stdin.close()

    def wait(self, n: int) -> None:
        """Until chunk ``n`` is staged (the chunks come in the order given)."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != str(n).encode():
            self.process.wait()
            self._failed(f"it stopped before chunk {n} (exit {self.process.returncode})")

    def finish(self) -> None:
        if self.process.wait() != 0:
            self._failed(f"it ended with exit status {self.process.returncode}")

    def _failed(self, otherwise: str) -> NoReturn:
        from ledger.store import StoreError

        said = self._stderr() or f"staging the log failed: {otherwise}"
        raise StoreError(f"{said}; the rebuild wrote nothing, the views are as they were")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def _stderr(self) -> str:
        assert self.process.stderr is not None
        lines = self.process.stderr.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else ""


def _literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
