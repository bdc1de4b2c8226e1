"""Exporting a million values: CSV and Parquet, next to the csv module writing the same rows.

Builds a ledger with ``value_submit.build`` (reports of 400 partners, twelve cells each, quarter
after quarter: 1,084,000 events give about a million values), projects it, then measures, each
in a child process (its peak memory reported):

- baseline: the standard ``csv`` writer writing the values table's rows, already in memory, to a
  file (rows per second; the rows are made before the clock starts);
- the values table exported to CSV as ``collective export csv`` writes it (read from the view a
  page at a time, protected, written), with the default small-cell threshold (10) and with 0
  (nothing to protect); target: at least 0.5 of the baseline;
- the same table exported to Parquet;
- the whole ``collective export csv`` command (every table).

    .venv/bin/python bench/export.py [--events 1084000]

The bench ledger's values are the numbers 0 to 11, so almost every cell is below the threshold
and withheld (the worst case for the protection), and its partners report the same cells and
values, so the protection of one partner's report is worked out once and reused; ``threshold 0``
shows the export with nothing to protect.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import environment
from value_submit import build

PREAMBLE = """
import json, resource, sys, time
from datetime import UTC, datetime
from pathlib import Path
from ledger.application import open_ledger
from projections.exports import ExportRequest
from projections.exports.tables import VALUES, Source
from projections.registry import Views
app = open_ledger(sys.argv[1])
views = Views(app)
views.refresh()
collective = app.collective(None).slug
out = Path(sys.argv[2])
request = ExportRequest(views, collective, None, datetime(2025, 1, 1, tzinfo=UTC), out)
src = Source(request, int(sys.argv[3]))
def report(rows, seconds):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak}))
"""

BASELINE = (
    PREAMBLE
    + """
import csv
rows = list(VALUES.rows(src))
started = time.perf_counter()
with out.open("w", encoding="utf-8", newline="") as file:
    file.write("\ufeff")
    writer = csv.writer(file)
    writer.writerow([c.name for c in VALUES.columns])
    writer.writerows(rows)
report(len(rows), time.perf_counter() - started)
"""
)

CSV = (
    PREAMBLE
    + """
from projections.exports.tabular import write_table_csv
started = time.perf_counter()
write_table_csv(src, VALUES, out)
seconds = time.perf_counter() - started
with out.open("rb") as file:
    rows = sum(1 for _ in file) - 1
report(rows, seconds)
"""
)

PARQUET = (
    PREAMBLE
    + """
from projections.exports.tabular import write_table_parquet
import pyarrow.parquet as pq
started = time.perf_counter()
write_table_parquet(src, VALUES, out, request.generated_at)
seconds = time.perf_counter() - started
report(pq.ParquetFile(out).metadata.num_rows, seconds)
"""
)

WHOLE = """
import json, resource, sys, time
from cli.main import main
started = time.perf_counter()
main(["--store", sys.argv[1], "export", "csv", "--out", sys.argv[2]], standalone_mode=False)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": 0, "seconds": seconds, "peak_mb": peak}))
"""

REBUILD = """
import json, sys, time
from ledger.application import open_ledger
from projections.registry import Views
app = open_ledger(sys.argv[1])
started = time.perf_counter()
count = Views(app).rebuild([])
print(json.dumps({"rows": count, "seconds": time.perf_counter() - started, "peak_mb": 0}))
"""


def child(script: str, *args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        check=False,
        capture_output=True,
        text=True,
        env=environment(),
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_084_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="collective-bench-") as folder:
        path = Path(folder) / "ledger.db"
        seconds = build(path, args.events)
        print(f"built a ledger of {args.events:,} events in {seconds:.1f} s")
        rebuilt = child(REBUILD, str(path))
        print(f"projected it in {rebuilt['seconds']:.1f} s")
        store = str(path)
        base = child(BASELINE, store, f"{folder}/baseline.csv", "10")
        rate = base["rows"] / base["seconds"]
        print(
            f"baseline: csv writer, rows in memory  {rate:10,.0f} rows/s "
            f"({base['rows']:,.0f} rows, {base['seconds']:.1f} s, peak {base['peak_mb']:.0f} MB)"
        )
        verdicts = []
        for label, script, name, threshold, target in (
            ("values -> CSV, threshold 10", CSV, "values.csv", "10", 0.5),
            ("values -> CSV, threshold 0", CSV, "values0.csv", "0", 0.5),
            ("values -> Parquet, threshold 10", PARQUET, "values.parquet", "10", None),
        ):
            found = child(script, store, f"{folder}/{name}", threshold)
            speed = found["rows"] / found["seconds"]
            ratio = speed / rate
            goal = "" if target is None else f" (target {target})"
            print(
                f"{label:<37} {speed:10,.0f} rows/s = {ratio:.2f} of the baseline{goal}, "
                f"{found['seconds']:.1f} s, peak {found['peak_mb']:.0f} MB"
            )
            if target is not None:
                verdicts.append(ratio >= target)
        whole = child(WHOLE, store, f"{folder}/all")
        print(
            f"collective export csv (every table)   {whole['seconds']:.1f} s, "
            f"peak {whole['peak_mb']:.0f} MB"
        )
    print(f"reproduce: {sys.executable} bench/export.py --events {args.events}")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"(the benchmark took {time.perf_counter() - started:.0f} s)")
    sys.exit(code)
