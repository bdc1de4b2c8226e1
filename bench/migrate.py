"""How fast does `collective migrate` move a SQLite ledger into PostgreSQL?

Builds a SQLite ledger of N events (``bench/value_submit.py``'s ``build``: partners' reports saved
in batches through the application), then, in the same run, each into a fresh database on the
PostgreSQL server named by ``COLLECTIVE_TEST_POSTGRES`` (or ``--postgres``):

1. **baseline**: the same events read from SQLite and written with one binary ``COPY`` into a
   table of the same shape, in one transaction: no leaves, no tree, no checks. About as fast as
   the rows can cross from one database to the other in Python;
2. **migrate**: ``ledger.migrate.migrate``, as ``collective migrate`` runs it: the events copied
   with their positions, every leaf recomputed and compared with the stored one, the tree
   written, the root compared, request ids and settings copied, and the copy verified
   (``ledger/verify.py``) before it commits.

Prints events per second of each and the ratio. Run from the repository root::

    COLLECTIVE_TEST_POSTGRES=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/migrate.py --events 100000
    .venv/bin/python bench/migrate.py --events 1000000 --ledger /tmp/verify-1m.db   # reused
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from value_submit import build

from ledger.migrate import migrate

BATCH = 5000


@contextmanager
def fresh_database(admin: str) -> Iterator[str]:
    """A new, empty database on the server, dropped afterwards."""
    name = f"collective_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def baseline(ledger: Path, url: str) -> float:
    """Seconds to copy the events alone with COPY, in one transaction."""
    started = time.perf_counter()
    source = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    rows = source.execute(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "ORDER BY rowid"
    )
    with psycopg.connect(url) as conn, conn.transaction(), conn.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE events (notification_id bigint PRIMARY KEY, originator_id uuid, "
            "originator_version bigint, topic text, state bytea, "
            "UNIQUE (originator_id, originator_version))"
        )
        with cursor.copy("COPY events FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int8", "uuid", "int8", "text", "bytea"])
            while chunk := rows.fetchmany(BATCH):
                for position, ident, version, topic, state in chunk:
                    copy.write_row((position, uuid.UUID(hex=ident), version, topic, state))
    source.close()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--ledger", type=Path, help="build the ledger here, or reuse it")
    parser.add_argument("--postgres", default=os.environ.get("COLLECTIVE_TEST_POSTGRES"))
    args = parser.parse_args()
    if not args.postgres:
        parser.error("give --postgres URL or set COLLECTIVE_TEST_POSTGRES")
    with tempfile.TemporaryDirectory() as folder:
        ledger = args.ledger or Path(folder) / "ledger.db"
        if not ledger.exists():
            print(f"building a ledger of {args.events:,} events ...", flush=True)
            print(f"  built in {build(ledger, args.events):.1f} s", flush=True)
        with fresh_database(args.postgres) as url:
            base = baseline(ledger, url)
        with fresh_database(args.postgres) as url:
            done = migrate(str(ledger), url)
    events = done.events
    print(f"\n{events:,} events, on one machine (SQLite file and PostgreSQL server)\n")
    print("| copy | events/s | of baseline | time |")
    print("|---|---|---|---|")
    print(f"| baseline: events alone, one COPY | {events / base:,.0f} | | {base:.1f} s |")
    ratio = base / done.seconds
    print(
        f"| `collective migrate` (leaves, tree, checks, verified) | "
        f"{events / done.seconds:,.0f} | {ratio:.2f} | {done.seconds:.1f} s |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
