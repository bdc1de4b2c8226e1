"""How fast is a full verification, and how long does one proof take?

Builds a SQLite ledger of N events (``bench/value_submit.py``'s ``build``: partners' reports saved
in batches through the application), then, in the same run:

1. **baseline**: plain ``hashlib.sha256`` over every event's leaf bytes (``auditlog.leaf_bytes``,
   computed beforehand and not timed), one call per event;
2. **verify**: ``ledger.verify.verify`` over the ledger, as ``collective verify`` runs it: every
   event read from SQLite, its leaf and the tree recomputed, the stored leaves compared, versions
   checked;
3. where the time goes: reading the rows alone, and the SHA-256 calls the leaf definition needs
   alone (stored-bytes digest, leaf hash, tree nodes: three per event, the baseline's one);
4. one inclusion proof and one consistency proof from the stored subtrees (median of 51), each
   checked.

Targets: verification at least 0.5 of the baseline's events per second; each proof under 10 ms.
Run from the repository root (a 1,000,000-event ledger takes a few minutes to build)::

    .venv/bin/python bench/verify.py --events 200000
    .venv/bin/python bench/verify.py --events 1000000 --ledger /tmp/verify-1m.db   # kept, reused

Exits with 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import binascii
import hashlib
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from value_submit import build

from ledger.auditlog import leaf_bytes
from ledger.checkpoints import AuditCommands
from ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from ledger.opening import open_ledger
from ledger.sources import open_source
from ledger.verify import verify

TARGET_RATIO = 0.5
TARGET_PROOF_MS = 10.0
CHUNK = 100_000
QUERY = (
    "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
    "WHERE rowid > ? ORDER BY rowid LIMIT ?"
)


def _chunks(path: Path) -> Iterator[list[tuple[int, str, int, str, bytes]]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    last = 0
    try:
        while rows := conn.execute(QUERY, (last, CHUNK)).fetchall():
            yield rows
            last = rows[-1][0]
    finally:
        conn.close()


def baseline(path: Path) -> float:
    """Seconds for one plain SHA-256 of each event's leaf bytes (prepared untimed)."""
    sha = hashlib.sha256
    total = 0.0
    for rows in _chunks(path):
        leaves = [leaf_bytes(*row) for row in rows]
        started = time.perf_counter()
        for data in leaves:
            sha(data).digest()
        total += time.perf_counter() - started
    return total


def hashing_alone(path: Path) -> float:
    """Seconds for the SHA-256 calls the leaf definition needs, on rows already in memory."""
    sha, hexlify = hashlib.sha256, binascii.hexlify
    total = 0.0
    stack: list[bytes] = []
    size = 0
    for rows in _chunks(path):
        prepared = [(p, i.encode(), v, t.encode(), s) for p, i, v, t, s in rows]
        started = time.perf_counter()
        for p, i, v, t, s in prepared:
            h = sha(b"\x00collective-ledger/leaf/v1\n%d\n%s\n%d\n%s\n%s"
                    % (p, i, v, t, hexlify(sha(s).digest()))).digest()  # fmt: skip
            size += 1
            n = size
            while not n & 1:
                h = sha(b"\x01" + stack.pop() + h).digest()
                n >>= 1
            stack.append(h)
        total += time.perf_counter() - started
    return total


def reading_alone(path: Path) -> float:
    started = time.perf_counter()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    for _ in conn.execute(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "ORDER BY rowid"
    ):
        pass
    for _ in conn.execute("SELECT leaf, position, hash FROM ledger_leaves ORDER BY leaf"):
        pass
    conn.close()
    return time.perf_counter() - started


def full_verification(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    with open_source(str(path)) as source:
        found = verify(source)
    elapsed = time.perf_counter() - started
    if not found.ok:
        raise SystemExit(f"the ledger does not verify: {found.problems[:3]}")
    return elapsed, found.events


def _median_ms(run: Callable[[], bool], repeat: int = 51) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        if not run():
            raise SystemExit("a proof did not verify")
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def proofs(path: Path) -> tuple[float, float, int]:
    """Median milliseconds of an inclusion and a consistency proof (made and checked)."""
    app = open_ledger(str(path), kind=AuditCommands)
    try:
        size, root = app.tree_head()
        index = size // 3
        event = app.recorder.select_notifications(index + 1, 1)[0]
        leaf = leaf_hash(
            leaf_bytes(event.id, event.originator_id, event.originator_version, event.topic,
                       event.state)
        )  # fmt: skip
        old = size // 2 + 1
        with app._tree() as tree:
            old_root = tree.root(old)

        def inclusion() -> bool:
            return verify_inclusion(leaf, index, size, app.inclusion_proof(index, size), root)

        def consistency() -> bool:
            path_ = app.consistency_proof(old, size)
            return verify_consistency(old, size, old_root, root, path_)

        return _median_ms(inclusion), _median_ms(consistency), size
    finally:
        app.close()


def main() -> int:
    parser = argparse.ArgumentParser(description="Time a full verification and two proofs.")
    parser.add_argument("--events", type=int, default=1_000_000, help="ledger size to build")
    parser.add_argument(
        "--ledger", type=Path, default=None, help="keep the ledger here (reused if it exists)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="collective-bench-") as folder:
        path = args.ledger or Path(folder) / "ledger.db"
        if not path.exists():
            seconds = build(path, args.events)
            print(f"built a ledger of {args.events:,} events in {seconds:.0f} s")
        return _measure(path, args.events)


def _measure(path: Path, events: int) -> int:
    print(f"ledger: {path} ({path.stat().st_size / 1e6:.0f} MB)")
    base = baseline(path)
    checked, counted = full_verification(path)
    if counted != events:
        print(f"(the ledger holds {counted:,} events)")
    reading, hashing = reading_alone(path), hashing_alone(path)
    base_rate, rate = counted / base, counted / checked
    ratio = rate / base_rate
    print(f"plain sha256 of each leaf (baseline): {base_rate:12,.0f} events/s")
    print(f"full verification:                    {rate:12,.0f} events/s ({checked:.1f} s)")
    print(f"  reading the events and leaves alone:{counted / reading:12,.0f} events/s")
    print(f"  the 3 SHA-256 per event alone:      {counted / hashing:12,.0f} events/s")
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"verification / baseline: {ratio:.2f} ({verdict} the target {TARGET_RATIO})")
    inclusion, consistency, size = proofs(path)
    print(f"inclusion proof at tree size {size:,}:   {inclusion:6.2f} ms (median of 51, checked)")
    print(f"consistency proof {size // 2 + 1:,} -> {size:,}: {consistency:6.2f} ms")
    proofs_ok = max(inclusion, consistency) < TARGET_PROOF_MS
    print(f"proofs {'under' if proofs_ok else 'OVER'} the target {TARGET_PROOF_MS:.0f} ms")
    print(f"reproduce: {sys.executable} bench/verify.py --events {events}")
    return 0 if ratio >= TARGET_RATIO and proofs_ok else 1


if __name__ == "__main__":
    sys.exit(main())
