"""Does recording a value stay as quick on a ledger of years as on a new one?

Builds two SQLite ledgers in a temporary folder, of 1,000 and 100,000 events (many partners'
reports, saved in batches with the application's ``save(*aggregates)``), then times one
``collective value submit`` subprocess on each (the median of several runs, the two ledgers taking
turns), next to ``python -c pass`` as the floor every command pays. A value is written to one small
report aggregate, so the two times should be close: the target is a ratio of at most 1.25.

Run from the repository root (under 3 minutes on 2 cores)::

    .venv/bin/python bench/value_submit.py
    .venv/bin/python bench/value_submit.py --runs 9 --sizes 1000 100000

Exits with 1 when the ratio is above the target.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from domain.collective import Settings
from domain.governance import Charter
from domain.measurement import Cell, Definition, Dimension
from domain.organisation import Profile
from domain.periods import Cadence, Calendar, next_period, parse_period
from domain.reporting import Report, Submission
from domain.vocabulary import DecisionRule, Direction, OrgType, Unit
from ledger.application import Context, LedgerApplication, open_ledger

SLUG = "saamuhika-shakti"
CODE = "SS-EDU-01"
ORGS = [f"partner-{n:03d}" for n in range(1, 401)]  # 4,000 events a quarter
SEX = ("female", "male")
AGE = ("3-5", "6-14", "15-18")
CELLS: list[Cell] = [
    (),
    *[(("sex", s),) for s in SEX],
    *[(("age", a),) for a in AGE],
    *[(("age", a), ("sex", s)) for a in AGE for s in SEX],
]
TARGET_RATIO = 1.25
BATCH = 400  # aggregates per save()


def build(path: Path, events: int) -> float:
    """A ledger of exactly ``events`` events at ``path``; returns the seconds it took."""
    started = time.perf_counter()
    ctx = Context(actor="bench", on=date(2024, 1, 1))
    app = open_ledger(str(path), create=True)
    try:
        _set_up(app, ctx)
        _fill(app, ctx, events)
        if app.event_count() != events:
            raise SystemExit(f"built {app.event_count()} events, wanted {events}")
    finally:
        app.close()
    return time.perf_counter() - started


def _set_up(app: LedgerApplication, ctx: Context) -> None:
    settings = Settings(slug=SLUG, name="Saamuhika Shakti", calendar=Calendar.INDIA)
    app.init_collective(settings, ctx)
    for org in ORGS:
        app.add_organisation(Profile(slug=org, name=org, type=OrgType.IMPLEMENTING), ctx)
        app.join(org, None, ctx)
    app.add_body(Charter(slug="steering", name="Steering", rule=DecisionRule.CONSENT), ctx)
    definition = Definition(
        name="Children of waste-picker families enrolled",
        unit=Unit.COUNT,
        direction=Direction.UP,
        cadence=Cadence.QUARTERLY,
        dimensions=(Dimension(name="sex", categories=SEX), Dimension(name="age", categories=AGE)),
    )
    app.define_indicator(CODE, definition, ctx)


def _reports(app: LedgerApplication, ctx: Context, events: int) -> Iterator[Report]:
    """Reports of every partner, quarter after quarter from 1950, until ``events`` is reached."""
    collective = app.collective(SLUG)
    indicator = app.indicator(SLUG, CODE)
    env = app._envelope(ctx, collective=SLUG)
    left = events - app.event_count()
    period = parse_period("1950Q1", Calendar.INDIA)
    while left > 0:
        for org in ORGS:
            if left <= 0:
                return
            report = Report.open(SLUG, CODE, org, period, env)
            for n, cell in enumerate(CELLS[: left - 1]):
                entry = Submission(code=CODE, org=org, period=period.code, cell=cell, value=str(n))
                report.submit(collective, indicator, entry, None, env)
            left -= 1 + min(len(CELLS), left - 1)
            yield report
        period = next_period(period)


def _fill(app: LedgerApplication, ctx: Context, events: int) -> None:
    batch: list[Report] = []
    for report in _reports(app, ctx, events):
        batch.append(report)
        if len(batch) == BATCH:
            app.save(*batch)
            batch.clear()
    if batch:
        app.save(*batch)


def _collective_command() -> list[str]:
    script = Path(sys.executable).with_name("collective")
    if script.exists():
        return [str(script)]
    found = shutil.which("collective")
    return [found] if found else [sys.executable, "-c", "from cli.main import main; main()"]


def _time(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return elapsed


def _submit(path: Path, run: int) -> list[str]:
    period = f"{2100 + run}Q1"  # a new report on every run, as a partner's next quarter would be
    return [
        *_collective_command(),
        "--store",
        str(path),
        "--actor",
        "bench",
        "value",
        "submit",
        CODE,
        "--org",
        ORGS[0],
        "--period",
        period,
        "--cell",
        "sex=female",
        "--value",
        "412",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description="Time `collective value submit` on two ledgers.")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per ledger (median)")
    parser.add_argument("--sizes", type=int, nargs=2, default=[1_000, 100_000], metavar="N")
    args = parser.parse_args()
    small, large = args.sizes
    # Bytecode caching on, as on an installed system (see bench/_common.py).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("COLLECTIVE_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    with tempfile.TemporaryDirectory(prefix="collective-bench-") as folder:
        paths = {size: Path(folder) / f"ledger-{size}.db" for size in (small, large)}
        for size, path in paths.items():
            seconds = build(path, size)
            megabytes = path.stat().st_size / 1e6
            print(f"built a ledger of {size:,} events in {seconds:.1f} s ({megabytes:.1f} MB)")
        times: dict[str, list[float]] = {"floor": [], "small": [], "large": []}
        for run in range(args.runs + 1):  # the first run warms the caches and is not counted
            floor = _time([sys.executable, "-c", "pass"], env)
            first = _time(_submit(paths[small], run), env)
            second = _time(_submit(paths[large], run), env)
            if run:
                times["floor"].append(floor)
                times["small"].append(first)
                times["large"].append(second)
    medians = {k: statistics.median(v) * 1000 for k, v in times.items()}
    ratio = medians["large"] / medians["small"]
    width = len(f"{large:,}")
    print(f"python -c pass {'':>{width + 14}} {medians['floor']:7.1f} ms (median of {args.runs})")
    for label, size in (("small", small), ("large", large)):
        print(f"collective value submit, {size:>{width},} events: {medians[label]:7.1f} ms")
    verdict = "within" if ratio <= TARGET_RATIO else "ABOVE"
    print(f"ratio {large:,} / {small:,} events: {ratio:.2f} ({verdict} the target {TARGET_RATIO})")
    print(f"reproduce: {sys.executable} bench/value_submit.py --runs {args.runs}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
