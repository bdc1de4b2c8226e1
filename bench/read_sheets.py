"""Reading a partner file of 100,000 rows: ``ledger/imports/sheets.py`` next to raw readers.

Writes a CSV (UTF-8 with a byte-order mark) and an XLSX (xlsxwriter) of the same rows in the
long format (indicator, organisation, period, sex, age, value, note), then measures, in this
process, the best of ``--repeat`` runs of:

- CSV baseline: ``csv.reader`` over the file, each record made a list (nothing else);
- CSV: ``read_tables`` yielding every :class:`Row` (UTF-8 and NUL checks, stripped cells, the
  header's columns, empty rows left out, cell length checked);
- XLSX baseline: python-calamine's ``iter_rows`` over the sheet, as it comes (typed cells);
- XLSX: ``read_tables`` yielding every :class:`Row` (cells as text, the error-cell scan).

    .venv/bin/python bench/read_sheets.py [--rows 100000] [--repeat 3]

Figures are rows per second of this process's CPU time (the machine is shared: wall time
there measures the neighbours) and the ratio to the baseline of the same format.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger.imports.sheets import read_tables

HEADER = ["indicator", "organisation", "period", "sex", "age", "value", "note"]
SEXES = ["female", "male", ""]
AGES = ["6-10", "11-14", ""]


def records(rows: int) -> list[list[object]]:
    return [
        [
            "SS-EDU-01",
            f"partner-{n % 400}",
            "2024Q1",
            SEXES[n % 3],
            AGES[n // 3 % 3],
            n % 1000,
            "counted at the school gate" if n % 10 == 0 else "",
        ]
        for n in range(rows)
    ]


def write_files(folder: Path, rows: int) -> tuple[Path, Path]:
    import xlsxwriter  # type: ignore[import-untyped]

    data = records(rows)
    csv_path = folder / "values.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as file:
        file.write("\ufeff")
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(data)
    xlsx_path = folder / "values.xlsx"
    book = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True})
    sheet = book.add_worksheet("values")
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(data, 1):
        sheet.write_row(r, 0, row)
    book.close()
    return csv_path, xlsx_path


def csv_baseline(path: Path) -> int:
    count = 0
    with path.open(encoding="utf-8-sig", newline="") as file:
        for record in csv.reader(file):
            list(record)
            count += 1
    return count - 1


def calamine_baseline(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(path)) as book:
        sheet = book.get_sheet_by_name("values")
        count = sum(1 for _ in sheet.iter_rows())
    return count - 1


def ours(path: Path) -> int:
    return sum(1 for table in read_tables(path) for _ in table.rows)


def paired(base_fn: Callable[[Path], int], path: Path, repeat: int) -> tuple[int, float, float]:
    """The best time of the baseline and of ours, run in turn (so that both meet the same
    neighbours on a shared machine)."""
    base_times, our_times = [], []
    count = 0
    for _ in range(repeat):
        for fn, times in ((base_fn, base_times), (ours, our_times)):
            start = time.process_time()
            found = fn(path)
            times.append(time.process_time() - start)
            assert count in (0, found), (count, found)
            count = found
    return count, min(base_times), min(our_times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        csv_path, xlsx_path = write_files(Path(folder), args.rows)
        print(
            f"{args.rows:,} rows: CSV {csv_path.stat().st_size / 1e6:.1f} MB, "
            f"XLSX {xlsx_path.stat().st_size / 1e6:.1f} MB; best of {args.repeat}"
        )
        print(f"{'':34}{'seconds':>9}{'rows/s':>12}{'ratio':>8}")
        for label, base_fn, path in (
            ("CSV", csv_baseline, csv_path),
            ("XLSX", calamine_baseline, xlsx_path),
        ):
            count, base, took = paired(base_fn, path, args.repeat)
            assert count == args.rows, count
            name = "csv.reader" if label == "CSV" else "python-calamine iter_rows"
            print(f"{label} baseline ({name}):".ljust(34) + _figures(count, base, base))
            print(f"{label} read_tables:".ljust(34) + _figures(count, took, base))


def _figures(count: int, seconds: float, base: float) -> str:
    return f"{seconds:9.3f}{count / seconds:12,.0f}{base / seconds:8.2f}"


if __name__ == "__main__":
    main()
