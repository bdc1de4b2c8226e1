"""Killed mid-write (kill -9): never an event without its leaf, nor a leaf without its event.

A child process records organisations in batches of several hundred per ``save()`` (one
transaction each) and is killed with SIGKILL at a random moment; the ledger must then be intact,
hold as many leaves as events, each leaf matching its event, and pass `collective verify`.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import everything_verifies

from domain.collective import Settings
from ledger.application import Context, open_ledger
from ledger.core import LedgerCore

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

WRITER = """
import sys
from domain.organisation import Organisation, Profile
from domain.vocabulary import OrgType
from ledger.application import Context, open_ledger
from ledger.core import LedgerCore

app = open_ledger(sys.argv[1], kind=LedgerCore)
env = app._envelope(Context(actor="meera"), collective=None)
batch = 0
while True:
    orgs = [
        Organisation.register(
            Profile(slug=f"o-{batch}-{i}", name=f"ಸಂಸ್ಥೆ {batch} {i}", type=OrgType.FUNDER), env
        )
        for i in range(int(sys.argv[2]))
    ]
    app.save(*orgs)
    print(batch, flush=True)
    batch += 1
"""


def _write_and_kill(store: str, seed: int, batch: int = 1000) -> int:
    """Start the writer, let it commit a batch or more, kill it at a random moment."""
    rng = random.Random(seed)
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, store, str(batch)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    child.stdout.readline()  # one batch committed: it is writing now
    time.sleep(rng.uniform(0.0, 1.5))
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return seed


def _set_up(store: str) -> int:
    """A ledger with one collective; returns its number of events."""
    app = open_ledger(store, create=True, kind=LedgerCore)
    try:
        app.init_collective(Settings(slug="ss", name="SS"), Context(actor="meera"))
        return app.event_count()
    finally:
        app.close()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_sqlite_killed_mid_batch(tmp_path: Path, seed: int) -> None:
    store = str(tmp_path / "ledger.db")
    first = _set_up(store)
    _write_and_kill(store, seed)
    conn = sqlite3.connect(store)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        events, leaves = (
            conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM ledger_leaves").fetchone()[0],
        )
    finally:
        conn.close()
    assert events == leaves
    assert everything_verifies(store) == events > 1000
    assert (events - first) % 1000 == 0  # a batch cut short left nothing behind


@pytest.mark.slow
@pytest.mark.postgres
def test_postgresql_killed_mid_batch(pg_url: str) -> None:
    import psycopg

    first = _set_up(pg_url)
    _write_and_kill(pg_url, seed=7)
    with psycopg.connect(pg_url) as conn:
        leaves = conn.execute("SELECT COUNT(*) FROM ledger_leaves").fetchone()
    events = everything_verifies(pg_url)
    assert leaves == (events,) and events > 1000
    assert (events - first) % 1000 == 0
