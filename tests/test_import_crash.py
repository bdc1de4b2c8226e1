"""An import killed with SIGKILL at a random moment: the ledger holds none or all of the file.

A 100,000-row file is imported by a real ``collective import values`` process, killed at a
seeded random moment of its run (reading, checking or writing). Afterwards the SQLite file passes
its integrity check, every event has its audit-log leaf and the log verifies, and the ledger holds
either none of the file's values or all of them. Importing the file again then completes it, and
once more records nothing: no value is ever recorded twice.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from domain.collective import Settings
from domain.measurement import Definition, Dimension
from domain.organisation import Profile
from domain.periods import Cadence, Calendar, next_period, parse_period
from domain.vocabulary import Direction, OrgType, Unit
from ledger.application import Context, open_ledger
from ledger.sources import open_source
from ledger.verify import verify

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL"),
]

ROWS = 100_000
ORGS = [f"partner-{n:03d}" for n in range(200)]
CELLS = [("", ""), ("female", ""), ("male", ""), ("female", "6-14"), ("male", "6-14")]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """A ledger with 200 members and one indicator, a 100,000-row file for it, and the number
    of events the ledger holds before the import."""
    folder = tmp_path_factory.mktemp("crash")
    ledger = folder / "base.db"
    app = open_ledger(str(ledger), create=True)
    ctx = Context(actor="meera", on=date(2024, 1, 1))
    try:
        app.init_collective(Settings(slug="ss", name="SS", calendar=Calendar.INDIA), ctx)
        for org in ORGS:
            app.add_organisation(Profile(slug=org, name=org, type=OrgType.IMPLEMENTING), ctx)
            app.join(org, None, ctx)
        definition = Definition(
            name="ಶಾಲೆಗೆ ದಾಖಲಾದ ಮಕ್ಕಳು",
            unit=Unit.COUNT,
            direction=Direction.UP,
            cadence=Cadence.QUARTERLY,
            dimensions=(
                Dimension(name="sex", categories=("female", "male")),
                Dimension(name="age", categories=("3-5", "6-14")),
            ),
        )
        app.define_indicator("SS-EDU-01", definition, ctx)
        before = app.event_count()
    finally:
        app.close()
    data = folder / "values.csv"
    with data.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["indicator", "organisation", "period", "sex", "age", "value"])
        period, written = parse_period("1990Q1", Calendar.INDIA), 0
        while written < ROWS:
            for org in ORGS:
                for sex, age in CELLS:
                    if written < ROWS:
                        out.writerow(["SS-EDU-01", org, period.code, sex, age, str(written)])
                        written += 1
            period = next_period(period)
    return ledger, data, before


def _import(store: Path, data: Path) -> list[str]:
    command = Path(sys.executable).with_name("collective")
    return [str(command), "--store", str(store), "--actor", "meera", "import", "values", str(data)]


def _counts(store: Path) -> tuple[int, int, int]:
    """Events, leaves and values (ValueSubmitted events), after an integrity check."""
    conn = sqlite3.connect(store)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        events = conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
        leaves = conn.execute("SELECT COUNT(*) FROM ledger_leaves").fetchone()[0]
        values = conn.execute(
            "SELECT COUNT(*) FROM stored_events WHERE topic = ?",
            ("collective-ledger:Report.ValueSubmitted",),
        ).fetchone()[0]
    finally:
        conn.close()
    return events, leaves, values


def _verifies(store: Path) -> None:
    with open_source(str(store)) as source:
        found = verify(source)
    assert found.ok, found.problems[:3]
    assert found.events == found.leaves


def test_an_import_killed_at_random_moments_leaves_none_or_all(
    base: tuple[Path, Path, int], tmp_path: Path
) -> None:
    ledger, data, before = base
    # A reference run, uninterrupted: how long an import takes, and what it records.
    reference = tmp_path / "reference.db"
    shutil.copyfile(ledger, reference)
    started = time.perf_counter()
    subprocess.run(_import(reference, data), check=True, capture_output=True)
    duration = time.perf_counter() - started
    full, _, values = _counts(reference)
    assert values == ROWS
    outcomes = []
    for seed in (11, 12, 13):
        store = tmp_path / f"trial-{seed}.db"
        shutil.copyfile(ledger, store)
        child = subprocess.Popen(
            _import(store, data), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(random.Random(seed).uniform(0.25, 1.0) * duration)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        events, leaves, values = _counts(store)
        assert events == leaves
        assert (events, values) in ((before, 0), (full, ROWS)), (seed, events, values)
        _verifies(store)
        outcomes.append(values)
        # Importing the file again completes it (or finds it complete), and once more is a no-op.
        subprocess.run(_import(store, data), check=True, capture_output=True)
        again = subprocess.run(_import(store, data), check=True, capture_output=True, text=True)
        assert "was imported already" in again.stderr
        assert _counts(store) == (full, full, ROWS)
        _verifies(store)
    assert 0 in outcomes, "no kill landed before the commit: the trials proved nothing"
