"""Steps the audit tests share: a ledger with a checkpoint, and ways to tamper with its file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from conftest import Cli, ok

from ledger.auditlog import TreeStore, leaf_bytes


@dataclass(frozen=True)
class Audited:
    """A ledger file with organisations and one checkpoint the auditor kept."""

    key: Path
    vkey: str
    checkpoint: Path
    size: int
    """The number of events the checkpoint covers."""


def record_orgs(cli: Cli, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        ok(cli("org", "add", f"org-{i}", "--name", f"ಸಂಸ್ಥೆ {i}", "--type", "implementing"))


def audited(cli: Cli, folder: Path, orgs: int = 6) -> Audited:
    """``ss_cli`` plus ``orgs`` organisations, a signing key and a checkpoint kept in a file."""
    record_orgs(cli, orgs)
    key, checkpoint = folder / "backbone.key", folder / "kept.checkpoint"
    vkey = ok(cli("keys", "generate", "collective-ledger/saamuhika-shakti", "--out", str(key)))
    ok(cli("checkpoint", "--key", str(key), "--out", str(checkpoint)))
    size = int(checkpoint.read_text(encoding="utf-8").splitlines()[1])
    return Audited(key, vkey.stdout.strip(), checkpoint, size)


@contextmanager
def tampering(path: Path) -> Iterator[sqlite3.Connection]:
    """The ledger file opened directly, as someone with write access to it would."""
    conn = sqlite3.connect(path)
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def positions_of(conn: sqlite3.Connection, topic: str) -> list[int]:
    rows = conn.execute(
        "SELECT rowid FROM stored_events WHERE topic = ? ORDER BY rowid",
        (f"collective-ledger:{topic}",),
    )
    return [int(r[0]) for r in rows]


def described(conn: sqlite3.Connection, position: int) -> str:
    """How verify names the event now stored at ``position``."""
    ident, version, topic = conn.execute(
        "SELECT originator_id, originator_version, topic FROM stored_events WHERE rowid = ?",
        (position,),
    ).fetchone()
    return f"{topic.removeprefix('collective-ledger:')} of {UUID(ident)} version {version}"


def leaf_index(conn: sqlite3.Connection, position: int) -> int:
    return int(
        conn.execute("SELECT leaf FROM ledger_leaves WHERE position = ?", (position,)).fetchone()[0]
    )


def recompute_tree(conn: sqlite3.Connection) -> None:
    """Rebuild the leaves and subtree hashes from the events, as a careful forger would."""
    conn.execute("DELETE FROM ledger_leaves")
    conn.execute("DELETE FROM ledger_tree")

    def fetch(level: int, node: int) -> bytes | None:
        row = conn.execute(
            "SELECT hash FROM ledger_tree WHERE level = ? AND node = ?", (level, node)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def insert(rows: object) -> None:
        conn.executemany("INSERT INTO ledger_tree VALUES (?, ?, ?)", rows)  # type: ignore[arg-type]

    events = conn.execute(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "ORDER BY rowid"
    ).fetchall()
    leaves = TreeStore(fetch, insert, 0).append(
        (p, leaf_bytes(p, ident, v, t, s)) for p, ident, v, t, s in events
    )
    conn.executemany("INSERT INTO ledger_leaves VALUES (?, ?, ?)", leaves)


def roll_back(conn: sqlite3.Connection, keep: int) -> None:
    """Remove every event after the first ``keep`` with its leaf and subtrees (a clean cut)."""
    conn.execute("DELETE FROM stored_events WHERE rowid > ?", (keep,))
    conn.execute("DELETE FROM ledger_leaves WHERE leaf >= ?", (keep,))
    conn.execute("DELETE FROM ledger_tree WHERE (node + 1) * (1 << level) > ?", (keep,))
