"""Projections on a large ledger: full rebuild speed, catch-up, time travel, memory.

Prints, in one run on a ledger of 1,000,000 events (``--events`` to change):
- a raw baseline: plain ``sqlite3`` reading the stored events in log order and decoding each
  with orjson (events per second);
- a full rebuild of every projection (events per second, and its ratio to the baseline;
  target at least 0.30), in a child process whose peak memory is reported (target < 400 MB),
  and that of the process it starts to stage the log beside it;
  the baseline and the rebuild run ``--repeat`` times in turn, each rebuild on a fresh copy of
  the ledger, and the median of the runs' ratios is reported;
- the catch-up after one new event (target at most 20 ms);
- ``collective status --as-of`` on that ledger, as a whole command (target at most 1 s).

    .venv/bin/python bench/rebuild.py [--events 1000000] [--repeat 3] [--ledger FILE]

``--ledger FILE`` keeps the generated ledger in FILE and, when FILE exists already, measures a
copy of it instead of generating one (the generation takes minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import COLLECTIVE, environment, ms, warm
from value_submit import build


def raw_baseline(path: Path) -> tuple[int, float]:
    """Events per second of reading and decoding the stored events with nothing else."""
    started = time.perf_counter()
    count = 0
    with sqlite3.connect(path) as db:
        for row in db.execute(
            "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
            "ORDER BY rowid"
        ):
            orjson.loads(row[4])
            count += 1
    db.close()
    return count, count / (time.perf_counter() - started)


REBUILD = """
import json, resource, sys, time
from ledger.application import open_ledger
from projections.registry import Views
app = open_ledger(sys.argv[1])
views = Views(app)
started = time.perf_counter()
count = views.rebuild([])
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
stager = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"events": count, "seconds": seconds, "peak_mb": peak, "stager_mb": stager}))
"""

CATCH_UP = """
import json, sys, time
from datetime import date
from domain.organisation import Profile
from domain.vocabulary import OrgType
from ledger.application import Context, open_ledger
from projections.registry import Views
app = open_ledger(sys.argv[1])
views = Views(app)
views.refresh()
app.add_organisation(Profile(slug="one-more", name="One more", type=OrgType.FUNDER),
                     Context(actor="bench", on=date(2024, 1, 1)))
started = time.perf_counter()
read = views.refresh()
print(json.dumps({"read": read, "seconds": time.perf_counter() - started}))
"""


def in_child(script: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=environment(),
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def copy(source: Path, target: Path) -> None:
    """Copy a ledger and write the copy to disk before anything is timed: a copy still in the
    page cache would be written out by the rebuild's first fsync (at its commit), which would then
    pay for half a gigabyte this script wrote."""
    shutil.copyfile(source, target)
    with target.open("rb+") as f:
        os.fsync(f.fileno())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="baseline-rebuild pairs")
    parser.add_argument("--ledger", type=Path, help="keep the ledger here; reuse it if present")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="collective-bench-") as folder:
        path = Path(folder) / "ledger.db"
        kept: Path | None = args.ledger
        if kept is not None and kept.exists():
            copy(kept, path)
            print(f"a copy of {kept} ({path.stat().st_size / 1e6:.0f} MB)")
        else:
            seconds = build(path, args.events)
            print(
                f"built a ledger of {args.events:,} events in {seconds:.1f} s "
                f"({path.stat().st_size / 1e6:.0f} MB)"
            )
            if kept is not None:
                shutil.copyfile(path, kept)
        # The baseline and the rebuild run back to back, on a fresh copy each time: on a shared
        # machine their ratio holds while absolute speeds move; the median ratio is reported.
        pristine = Path(folder) / "pristine.db"
        copy(path, pristine)
        ratios, peaks, stagers = [], [], []
        for run in range(args.repeat):
            if run:
                copy(pristine, path)
            count, baseline = raw_baseline(path)
            rebuilt = in_child(REBUILD, path)
            rate = rebuilt["events"] / rebuilt["seconds"]
            ratios.append(rate / baseline)
            peaks.append(rebuilt["peak_mb"])
            stagers.append(rebuilt["stager_mb"])
            print(
                f"run {run + 1}: raw baseline (sqlite3 + orjson) {baseline:9,.0f} events/s, "
                f"full rebuild {rate:9,.0f} events/s ({rebuilt['seconds']:.1f} s) "
                f"= {ratios[-1]:.2f}"
            )
        pristine.unlink()
        print(
            f"full rebuild of all projections   {statistics.median(ratios):12.2f} of the baseline, "
            f"median of {len(ratios)} runs ({min(ratios):.2f} to {max(ratios):.2f}; "
            f"target 0.30; {count:,} events)"
        )
        print(
            f"peak memory of the rebuild        {max(peaks):12,.0f} MB (target < 400), "
            f"and {max(stagers):,.0f} MB in its staging process"
        )
        caught = in_child(CATCH_UP, path)
        print(
            f"catch-up after one new event      {ms(caught['seconds'])} "
            f"({caught['read']:.0f} event read; target 20 ms)"
        )
        env = environment(COLLECTIVE_STORE=str(path))
        as_of = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        command = [COLLECTIVE, "status", "--as-of", as_of]
        warm(command, env)
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        print(
            f"collective status --as-of          {ms(time.perf_counter() - started)} "
            "(whole command; target 1 s)"
        )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this script's own peak memory: {own:.0f} MB)")


if __name__ == "__main__":
    main()
