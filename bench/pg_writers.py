"""Many writers on one PostgreSQL ledger: eight processes at once against one alone, same run.

Sets up a collective (eight implementing partners, one indicator disaggregated by sex and age:
12 cells a quarter) in a fresh PostgreSQL database, then starts eight writer processes, one per
partner. Each opens the ledger with the application API (no subprocess per value) and records its
values one command at a time (``submit_value``, one transaction each, with a request id), cell by
cell and quarter after quarter. The same values are also recorded by a single process, alone. Each
kind records half of its values at a time, in the order alone, at once, at once, alone, each half
in a fresh database (dropped after), so that a shared machine's changing load weighs on both.

Every save takes the library's exclusive lock on the events table (so commit order is log order),
so writers queue for that lock while they save; the rest of a command (loading the collective,
the actor, the indicator, the report; validating) runs in parallel. The figure to watch is the
ratio of the eight writers' total values per second to the single writer's.

After each run it checks that nothing was lost: exactly as many ``ValueSubmitted`` events as
values, each (report, cell) exactly once, as many audit-log leaves as events, and a verification
of the whole audit log (``ledger/verify.py``).

Run from the repository root (the full run of 8 x 10,000 values takes several minutes)::

    COLLECTIVE_TEST_POSTGRES=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/pg_writers.py
    .venv/bin/python bench/pg_writers.py --url postgresql://postgres@127.0.0.1/postgres \\
        --writers 8 --values 500

``--url`` (or COLLECTIVE_TEST_POSTGRES) names an existing database on the server, used only to
create and drop the two databases. Exits with 1 if anything was lost.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from multiprocessing.synchronize import Barrier
from typing import Any
from urllib.parse import urlsplit, urlunsplit

SLUG = "saamuhika-shakti"
CODE = "SS-EDU-01"
SEX = ("female", "male")
AGE = ("3-5", "6-14", "15-18")
FIRST_YEAR = 1901  # the first quarter of 1900 lies in fiscal year 1899, before the calendar starts


def _cells() -> list[tuple[tuple[str, str], ...]]:
    return [
        (),
        *[(("sex", s),) for s in SEX],
        *[(("age", a),) for a in AGE],
        *[(("age", a), ("sex", s)) for a in AGE for s in SEX],
    ]


def org_slug(n: int) -> str:
    return f"partner-{n:02d}"


def values_of(org: str, count: int) -> Iterator[tuple[str, tuple[tuple[str, str], ...], str]]:
    """``count`` (period, cell, value) of one partner: every cell of a quarter, then the next."""
    cells = _cells()
    for n in range(count):
        quarter, cell = divmod(n, len(cells))
        year, q = divmod(quarter, 4)
        yield f"{FIRST_YEAR + year}Q{q + 1}", cells[cell], str(n % 997)


def set_up(url: str, writers: int) -> None:
    """A fresh ledger in ``url``: the collective, ``writers`` partners, the indicator."""
    from domain.collective import Settings
    from domain.measurement import Definition, Dimension
    from domain.organisation import Profile
    from domain.periods import Cadence, Calendar
    from domain.vocabulary import Direction, OrgType, Unit
    from ledger.application import Context, open_ledger

    ctx = Context(actor="bench", on=date(2024, 1, 1))
    app = open_ledger(url, create=True)
    try:
        settings = Settings(slug=SLUG, name="ಸಾಮೂಹಿಕ ಶಕ್ತಿ", calendar=Calendar.INDIA)
        app.init_collective(settings, ctx)
        for n in range(writers):
            org = org_slug(n)
            app.add_organisation(Profile(slug=org, name=org, type=OrgType.IMPLEMENTING), ctx)
            app.join(org, None, ctx)
        definition = Definition(
            name="Children of waste-picker families enrolled",
            unit=Unit.COUNT,
            direction=Direction.UP,
            cadence=Cadence.QUARTERLY,
            dimensions=(
                Dimension(name="sex", categories=SEX),
                Dimension(name="age", categories=AGE),
            ),
        )
        app.define_indicator(CODE, definition, ctx)
    finally:
        app.close()


def record(
    url: str, orgs: list[str], count: int, barrier: Barrier | None
) -> tuple[int, float, float]:
    """Record ``count`` values for each of ``orgs``, one command each.

    Returns the values recorded, the seconds it took, and the seconds spent in the store's
    insert (the transaction that takes the events table's lock, waiting for it included)."""
    from domain.reporting import Submission
    from ledger.application import Context
    from ledger.measurement import MeasurementCommands
    from ledger.opening import open_ledger

    app = open_ledger(url, kind=MeasurementCommands)
    inserting = [0.0]
    insert = app.recorder.insert_events

    def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return insert(*args, **kwargs)
        finally:
            inserting[0] += time.perf_counter() - began

    app.recorder.insert_events = timed  # type: ignore[method-assign]
    try:
        app.collective(SLUG)  # connect and load the domain before the clock starts
        if barrier is not None:
            barrier.wait()
        started = time.perf_counter()
        recorded = 0
        for org in orgs:
            for n, (period, cell, value) in enumerate(values_of(org, count)):
                ctx = Context(actor="bench", on=date(2024, 1, 1), request_id=f"{org}-{n}")
                entry = Submission(code=CODE, org=org, period=period, cell=cell, value=value)
                app.submit_value(entry, ctx)
                recorded += 1
        return recorded, time.perf_counter() - started, inserting[0]
    finally:
        app.close()


def record_files(
    url: str, orgs: list[str], count: int, barrier: Barrier | None
) -> tuple[int, float, float]:
    """Record ``count`` values for each of ``orgs`` as one imported file per organisation (the
    file written before the clock starts; reading, checking and the one transaction timed)."""
    import csv
    import tempfile
    from pathlib import Path

    from ledger.application import Context
    from ledger.imports.commands import ImportCommands, file_id
    from ledger.imports.sheets import read_tables
    from ledger.opening import open_ledger

    folder = Path(tempfile.mkdtemp(prefix="collective-bench-"))
    files = []
    for org in orgs:
        path = folder / f"{org}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            out = csv.writer(f)
            out.writerow(["indicator", "organisation", "period", "sex", "age", "value"])
            for period, cell, value in values_of(org, count):
                cells = dict(cell)
                out.writerow([CODE, org, period, cells.get("sex", ""), cells.get("age", ""), value])
        files.append(path)
    app = open_ledger(url, kind=ImportCommands)
    try:
        app.collective(SLUG)
        if barrier is not None:
            barrier.wait()
        started = time.perf_counter()
        recorded, inserting = 0, 0.0
        for path in files:
            ctx = Context(actor="bench", on=date(2024, 1, 1))
            plan = app.check_import(read_tables(path), ctx)
            if plan.problems:
                raise SystemExit(f"{path.name}: {plan.problems[:2]}")
            began = time.perf_counter()
            app.record_import(plan, file_id(path), ctx)
            inserting += time.perf_counter() - began
            recorded += len(plan.values)
        return recorded, time.perf_counter() - started, inserting
    finally:
        app.close()


def _writer(
    url: str, org: str, count: int, barrier: Barrier, results: Any, files: bool = False
) -> None:
    results.put((record_files if files else record)(url, [org], count, barrier))


@dataclass
class Run:
    label: str
    values: int
    seconds: float
    inserting: float
    """Seconds in the store's insert transactions, summed over the writers."""

    @property
    def rate(self) -> float:
        return self.values / self.seconds


def concurrent(url: str, writers: int, count: int, files: bool = False) -> Run:
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(writers + 1)
    results = spawn.Queue()
    processes = [
        spawn.Process(target=_writer, args=(url, org_slug(n), count, barrier, results, files))
        for n in range(writers)
    ]
    for process in processes:
        process.start()
    barrier.wait()  # every writer is connected and warm
    started = time.perf_counter()
    done = [results.get() for _ in processes]
    seconds = time.perf_counter() - started
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"a writer failed (exit {process.exitcode})")
    return Run(
        f"{writers} writers at once",
        sum(r for r, _, _ in done),
        seconds,
        sum(i for _, _, i in done),
    )


def alone(url: str, writers: int, count: int, files: bool = False) -> Run:
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(1) as pool:
        recorded, seconds, inserting = pool.apply(
            record_files if files else record,
            (url, [org_slug(n) for n in range(writers)], count, None),
        )
    return Run("1 writer alone", recorded, seconds, inserting)


def check(url: str, writers: int, count: int) -> list[str]:
    """What was lost or doubled (nothing, we hope): exact counts and the audit log."""
    import psycopg

    from ledger.sources import open_source
    from ledger.verify import verify

    problems: list[str] = []
    wanted = writers * count
    topic = "collective-ledger:Report.ValueSubmitted"
    with psycopg.connect(url) as conn:
        submitted, distinct = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT (originator_id, "
            "convert_from(state, 'UTF8')::jsonb -> 'cell')) "
            "FROM collectiveledger_events WHERE topic = %s",
            [topic],
        ).fetchone() or (0, 0)
        events, leaves = conn.execute(
            "SELECT (SELECT COUNT(*) FROM collectiveledger_events), "
            "(SELECT COUNT(*) FROM ledger_leaves)"
        ).fetchone() or (0, 0)
        per_org = conn.execute(
            "SELECT convert_from(state, 'UTF8')::jsonb ->> 'org', COUNT(*) "
            "FROM collectiveledger_events WHERE topic = %s GROUP BY 1",
            [topic],
        ).fetchall()
    if submitted != wanted:
        problems.append(f"{submitted} values stored, {wanted} recorded")
    if distinct != submitted:
        problems.append(f"{submitted - distinct} values stored twice")
    if events != leaves:
        problems.append(f"{events} events but {leaves} audit-log leaves")
    if sorted(n for _, n in per_org) != [count] * writers:
        problems.append(f"values per partner: {dict(per_org)}")
    with open_source(url) as source:
        found = verify(source)
    if not found.ok:
        problems.extend(p.message for p in found.problems)
    return problems


def _database(admin: str, name: str) -> str:
    return urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))


def main() -> int:
    parser = argparse.ArgumentParser(description="Eight PostgreSQL writers against one.")
    parser.add_argument(
        "--url",
        default=os.environ.get("COLLECTIVE_TEST_POSTGRES"),
        help="a postgresql:// URL of an existing database (default: COLLECTIVE_TEST_POSTGRES)",
    )
    parser.add_argument("--writers", type=int, default=8, help="writer processes (default 8)")
    parser.add_argument(
        "--values", type=int, default=10_000, help="values per writer (default 10,000)"
    )
    parser.add_argument(
        "--files",
        action="store_true",
        help="record in batches: each writer imports its values as one CSV file "
        "(`collective import values`), instead of one command per value",
    )
    args = parser.parse_args()
    if not args.url:
        parser.error("give --url or set COLLECTIVE_TEST_POSTGRES")
    import psycopg

    # Each kind of run records half the values, in the order alone, at once, at once, alone,
    # each in a fresh database: a machine that gets busier or quieter during the run (shared
    # machines do) then weighs on both kinds alike.
    halves = [args.values // 2, args.values - args.values // 2]
    plan = [("alone", halves[0]), ("at once", halves[0]), ("at once", halves[1])]
    plan.append(("alone", halves[1]))
    totals = {
        "alone": Run("1 writer alone", 0, 0.0, 0.0),
        "at once": Run(f"{args.writers} writers at once", 0, 0.0, 0.0),
    }
    lost = False
    for kind, count in plan:
        if not count:
            continue
        name = f"collective_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(args.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = _database(args.url, name)
        try:
            set_up(url, args.writers)
            run = (alone if kind == "alone" else concurrent)(url, args.writers, count, args.files)
            problems = check(url, args.writers, count)
        finally:
            with psycopg.connect(args.url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        total = totals[kind]
        total.values += run.values
        total.seconds += run.seconds
        total.inserting += run.inserting
        verdict = "nothing lost, audit log verified" if not problems else "; ".join(problems)
        lost = lost or bool(problems)
        print(
            f"{run.label:>22}: {run.values:,} values in {run.seconds:6.1f} s, "
            f"{run.rate:7.1f} values/s ({verdict})",
            flush=True,
        )
    runs = list(totals.values())
    for run in runs:
        print(
            f"{run.label:>22}, in all: {run.values:,} values in {run.seconds:6.1f} s, "
            f"{run.rate:7.1f} values/s"
        )
    one, many = runs
    print(f"{args.writers} writers / 1 writer: {many.rate / one.rate:.2f}x the values per second")
    held = one.inserting / one.values
    print(
        f"alone, a value's insert transaction (under the events table's lock) took "
        f"{held * 1000:.1f} ms of its {one.seconds / one.values * 1000:.1f} ms: however many "
        f"writers, at most about {1 / held:,.0f} values/s"
    )
    waited = many.inserting / many.values
    print(f"at once, a value's insert took {waited * 1000:.1f} ms (waiting for the lock included)")
    print(
        f"reproduce: {sys.executable} bench/pg_writers.py --writers {args.writers} "
        f"--values {args.values}{' --files' if args.files else ''}"
    )
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
