"""Helpers for the tests of processes at once: ledgers of many events, the CLI in a process of its
own with its messages read as they come, the views' rows to compare with a rebuild, and a census
of the stored events."""

from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from domain.collective import Settings
from domain.measurement import Definition, Dimension
from domain.organisation import Profile
from domain.periods import Cadence, Calendar, next_period, parse_period
from domain.reporting import Report, Submission
from domain.vocabulary import Direction, OrgType, Unit
from ledger.application import Context, LedgerApplication, open_ledger
from projections.registry import PROJECTIONS, Views

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from cli.main import main; main()"]
SLUG = "oporajita"
CODE = "OP-WAGE-01"
ORGS = ("karmojibi-nari", "ain-o-salish", "brac")
SEX = ("female", "male")
AGE = ("15-24", "25-49")
CELLS: list[tuple[tuple[str, str], ...]] = [
    (),
    *[(("sex", s),) for s in SEX],
    *[(("age", a),) for a in AGE],
]
CTX = Context(actor="meera", on=date(2024, 1, 1))


def set_up(store: str, orgs: tuple[str, ...] = ORGS) -> LedgerApplication:
    """A new ledger with Oporajita, its members (``orgs``) and one disaggregated indicator,
    recorded by meera (its first backbone admin). Returned open."""
    app = open_ledger(store, create=True)
    app.init_collective(
        Settings(slug=SLUG, name="অপরাজিতা Oporajita", calendar=Calendar.BANGLADESH), CTX
    )
    for org in orgs:
        app.add_organisation(Profile(slug=org, name=f"সংস্থা {org}", type=OrgType.IMPLEMENTING), CTX)
        app.join(org, None, CTX)
    definition = Definition(
        name="নারী শ্রমিকের মজুরি Women workers paid the minimum wage",
        unit=Unit.COUNT,
        direction=Direction.UP,
        cadence=Cadence.QUARTERLY,
        dimensions=(Dimension(name="sex", categories=SEX), Dimension(name="age", categories=AGE)),
    )
    app.define_indicator(CODE, definition, CTX)
    return app


def fill(app: LedgerApplication, events: int, batch: int = 200) -> None:
    """Add reports (opened, every cell submitted, some corrected) until the log has about
    ``events`` more events, saving ``batch`` reports per transaction."""
    collective = app.collective(SLUG)
    indicator = app.indicator(SLUG, CODE)
    env = app._envelope(CTX, collective=SLUG)
    fixing = app._envelope(Context(actor="meera", reason="ভুল সংশোধন"), collective=SLUG)
    wanted = app.event_count() + events
    period = parse_period("1990Q1", Calendar.BANGLADESH)
    reports: list[Report] = []
    made = app.event_count()
    while made < wanted:
        for n, org in enumerate(ORGS):
            report = Report.open(SLUG, CODE, org, period, env)
            for k, cell in enumerate(CELLS):
                entry = Submission(code=CODE, org=org, period=period.code, cell=cell, value=str(k))
                report.submit(collective, indicator, entry, None, env)
            if n == 0:  # a correction closes a row of the values view and opens another
                again = Submission(code=CODE, org=org, period=period.code, cell=(), value="99")
                report.correct(indicator, again, None, fixing)
            reports.append(report)
            made += 1 + len(CELLS) + (1 if n == 0 else 0)
            if len(reports) == batch:
                app.save(*reports)
                reports.clear()
        period = next_period(period)
    if reports:
        app.save(*reports)


def rows(app: LedgerApplication) -> dict[str, list[str]]:
    """Every row of every view, and every view's position, as sorted JSON texts."""
    db = Views(app).db
    found: dict[str, list[str]] = {}
    for projection in PROJECTIONS.values():
        for table in projection.tables:
            got = db.query(f"SELECT * FROM {db.table(table)}")
            found[table] = sorted(json.dumps(r, sort_keys=True, default=str) for r in got)
    found["positions"] = sorted(
        json.dumps(r, sort_keys=True)
        for r in db.query(f"SELECT name, position FROM {db.table('projection_state')}")
    )
    return found


def census(store: str) -> list[tuple[int, str, int, str, dict[str, Any]]]:
    """Every stored event, in log order: (position, aggregate id, version, topic, state)."""
    import orjson

    from ledger.sources import open_source

    with open_source(store) as source:
        return [(p, a, v, t, orjson.loads(s)) for p, a, v, t, s in source.events()]


def held_positions(store: str) -> dict[str, int]:
    """The views' positions as committed, read without catching up."""
    from projections.engine import positions

    app = open_ledger(store)
    try:
        return positions(Views(app).db)
    finally:
        app.close()


class Running:
    """A ``collective`` command in a process of its own; a thread reads its messages (stderr)."""

    def __init__(self, store: str, *args: str) -> None:
        self.process = subprocess.Popen(
            [*CLI, "--store", store, *args],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,  # the messages are on stderr
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.seen: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def lines(self, timeout: float) -> Iterator[str]:
        """The next lines, as they come, until ``timeout`` seconds pass or the process ends."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                return
            if line is None:
                self._lines.put(None)
                return
            self.seen.append(line)
            yield line

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        for line in self.lines(timeout):
            if found := re.search(pattern, line):
                return found
        self.process.kill()
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s: {self.seen}")

    def finish(self, timeout: float = 30.0) -> tuple[int, list[str]]:
        """Wait for the process to end; its exit code and the lines it wrote since."""
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        self._reader.join(5)
        rest = list(self.lines(0.1))
        return code, rest

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *_: Any) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stderr is not None:
            self.process.stderr.close()
