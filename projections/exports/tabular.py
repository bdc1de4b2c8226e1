"""The tables as CSV, JSON Lines, XLSX and Parquet files (``collective export csv|jsonl|...``).

Every writer takes the rows of ``projections.exports.tables`` (numbers as exact decimal text,
dates as ISO text) and converts them to its own types:

- CSV: UTF-8 with a byte-order mark (Excel then shows Bengali and Kannada text), a header row,
  numbers as written, ``True``/``False``, empty for nothing; one file per table.
- JSON Lines: one object per line, keys in column order; numbers as JSON numbers written with
  their exact digits (read them with ``json.loads(line, parse_float=Decimal)`` to keep them
  exact); one file per table.
- XLSX (xlsxwriter, streaming): one sheet per table, header row frozen, typed cells. Excel
  stores every number as a binary float: a number is written as one when that float gives its
  exact digits back (up to 15 significant digits, which every value the ledger accepts and
  every figure it computes has), as text otherwise. Dates are Excel dates.
- Parquet (pyarrow, the ``parquet`` extra): typed columns, numbers as ``decimal128(38, 6)``
  (exact), dates as ``date32``, integers as ``int64``; one file per table, written in batches.

Files are written into a temporary folder (or file) that replaces ``--out`` only when complete.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from projections.exports import ExportRequest, written_dir, written_file
from projections.exports.tables import TABLES, Source, Table

__all__ = [
    "EXCEL_ROWS",
    "WRITERS",
    "check_out",
    "os_errors",
    "write_csv",
    "write_jsonl",
    "write_parquet",
    "write_table_csv",
    "write_table_parquet",
    "write_xlsx",
]

EXCEL_ROWS = 1_048_576
"""The most rows an Excel sheet holds (the header row included)."""
_BATCH = 65_536
"""Rows per Parquet batch."""


# Where the files go ----------------------------------------------------------------------------


def check_out(out: Path, *, folder: bool, names: Iterable[str] = ()) -> None:
    """Refuse an ``--out`` that cannot be written, before anything is read or written.

    A folder export replaces ``out`` when it is done: an existing ``out`` must be a folder that
    holds only files an export of the same kind writes (``names``), so that no one's other
    files are ever removed.
    """
    if out.exists():
        if folder and not out.is_dir():
            raise ValueError(f"--out {out} is a file: give a folder for this export")
        if not folder and out.is_dir():
            raise ValueError(f"--out {out} is a folder: give a file name for this export")
        if folder:
            others = sorted(p.name for p in out.iterdir() if p.name not in set(names))
            if others:
                raise ValueError(
                    f"--out {out} holds other files ({', '.join(others[:3])}): give a new or "
                    "empty folder (an earlier export of the same kind is replaced)"
                )
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"cannot write {out}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"cannot write {out}: no permission to write in {parent}")


@contextmanager
def os_errors(out: Path) -> Iterator[None]:
    """An operating-system error while writing, as one line (the temporary files are gone)."""
    try:
        yield
    except OSError as error:
        raise ValueError(f"cannot write {out}: {error.strerror or error}") from None


def _folder(
    request: ExportRequest,
    threshold: int,
    suffix: str,
    write: Callable[[Source, Table, Path], None],
) -> None:
    names = [f"{t.name}{suffix}" for t in TABLES]
    check_out(request.out, folder=True, names=names)
    src = Source(request, threshold)
    with os_errors(request.out), written_dir(request.out) as folder:
        for table in TABLES:
            write(src, table, folder / f"{table.name}{suffix}")


# CSV -------------------------------------------------------------------------------------------


def write_table_csv(
    src: Source, table: Table, path: Path, *, bom: bool = True, fast: bool = True
) -> None:
    """One table as CSV: a header row, then its rows (numbers and dates as they are; the
    table's own CSV text where it has one, unless ``fast`` is False)."""
    with path.open("w", encoding="utf-8", newline="") as file:
        if bom:
            file.write("\ufeff")  # (the utf-8-sig codec would encode every row in Python)
        writer = csv.writer(file)
        writer.writerow([c.name for c in table.columns])
        if table.csv is not None and fast:
            file.writelines(table.csv(src))
        else:
            writer.writerows(table.rows(src))


def write_csv(request: ExportRequest, threshold: int) -> None:
    _folder(request, threshold, ".csv", write_table_csv)


# JSON Lines ------------------------------------------------------------------------------------


def _jsonl(src: Source, table: Table, path: Path) -> None:
    names = [c.name for c in table.columns]
    numbers = [(n, c.name) for n, c in enumerate(table.columns) if c.type == "number"]
    with path.open("wb") as file:
        for row in table.rows(src):
            item = dict(zip(names, row, strict=True))
            for n, name in numbers:
                if row[n] is not None:
                    item[name] = orjson.Fragment(row[n])
            file.write(orjson.dumps(item, option=orjson.OPT_APPEND_NEWLINE))


def write_jsonl(request: ExportRequest, threshold: int) -> None:
    _folder(request, threshold, ".jsonl", _jsonl)


# XLSX ------------------------------------------------------------------------------------------


def _excel_number(text: str) -> float | None:
    """``text`` as a float, if the float gives its exact digits back."""
    number = float(text)
    return number if Decimal(repr(number)) == Decimal(text) else None


def write_xlsx(request: ExportRequest, threshold: int) -> None:
    import xlsxwriter  # type: ignore[import-untyped]

    out = request.out
    check_out(out, folder=False)
    src = Source(request, threshold)
    with os_errors(out), written_file(out) as temporary:
        book = xlsxwriter.Workbook(
            str(temporary), {"constant_memory": True, "strings_to_numbers": False}
        )
        try:
            created = request.generated_at.astimezone(UTC).replace(tzinfo=None)
            book.set_properties(
                {
                    "title": f"{src.collective}: tables of the collective-ledger",
                    "created": created,
                    "comments": f"Small-cell threshold {threshold}; generated at "
                    f"{request.generated_at.isoformat()}.",
                }
            )
            formats = {
                "header": book.add_format({"bold": True}),
                "date": book.add_format({"num_format": "yyyy-mm-dd"}),
            }
            for table in TABLES:
                _sheet(book, formats, table, table.rows(src))
        finally:
            book.close()


def _sheet(
    book: Any, formats: dict[str, Any], table: Table, rows: Iterable[tuple[Any, ...]]
) -> None:
    sheet = book.add_worksheet(table.name)
    for n, column in enumerate(table.columns):
        sheet.write_string(0, n, column.name, formats["header"])
        sheet.set_column(n, n, max(10, len(column.name) + 2))
    sheet.freeze_panes(1, 0)
    writers = [_cell_writer(sheet, column.type, formats["date"]) for column in table.columns]
    last = 0
    for last, row in enumerate(rows, start=1):
        if last >= EXCEL_ROWS:
            raise ValueError(
                f"the {table.name} table has more rows than an Excel sheet holds "
                f"({EXCEL_ROWS - 1:,}): export it as csv or parquet"
            )
        for n, value in enumerate(row):
            if value is not None:
                writers[n](last, n, value)
    sheet.autofilter(0, 0, last, len(table.columns) - 1)


def _cell_writer(sheet: Any, kind: str, date_format: Any) -> Callable[[int, int, Any], Any]:
    if kind == "integer":
        return sheet.write_number  # type: ignore[no-any-return]
    if kind == "boolean":
        return sheet.write_boolean  # type: ignore[no-any-return]
    if kind == "date":
        return lambda r, c, v: sheet.write_datetime(
            r, c, datetime.combine(date.fromisoformat(v), datetime.min.time()), date_format
        )
    if kind == "number":

        def number(r: int, c: int, v: str) -> Any:
            value = _excel_number(v)
            if value is None:
                return sheet.write_string(r, c, v)
            return sheet.write_number(r, c, value)

        return number
    return sheet.write_string  # type: ignore[no-any-return]


# Parquet ---------------------------------------------------------------------------------------


def _arrow_type(kind: str) -> Any:
    import pyarrow as pa  # type: ignore[import-untyped]

    return {
        "string": pa.string(),
        "integer": pa.int64(),
        "number": pa.decimal128(38, 6),
        "date": pa.date32(),
        "boolean": pa.bool_(),
    }[kind]


def write_table_parquet(src: Source, table: Table, path: Path, generated_at: datetime) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    fields = [pa.field(c.name, _arrow_type(c.type), nullable=not c.required) for c in table.columns]
    metadata = {
        "table": table.name,
        "title": table.title,
        "description": table.description,
        "collective": src.collective,
        "generated_at": generated_at.isoformat(),
        "small_cell_threshold": str(src.threshold),
    }
    schema = pa.schema(fields, metadata=metadata)
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        batch: list[tuple[Any, ...]] = []
        written = 0
        for row in table.rows(src):
            batch.append(row)
            if len(batch) == _BATCH:
                writer.write_table(_arrow_batch(schema, table, batch))
                written, batch = written + len(batch), []
        if batch or not written:
            writer.write_table(_arrow_batch(schema, table, batch))


def _arrow_batch(schema: Any, table: Table, rows: list[tuple[Any, ...]]) -> Any:
    import pyarrow as pa

    columns = list(zip(*rows, strict=True)) if rows else [() for _ in table.columns]
    arrays = []
    for column, values in zip(table.columns, columns, strict=True):
        kind = _arrow_type(column.type)
        if column.type in ("number", "date"):
            arrays.append(pa.array(values, type=pa.string()).cast(kind))
        else:
            arrays.append(pa.array(values, type=kind))
    return pa.Table.from_arrays(arrays, schema=schema)


def write_parquet(request: ExportRequest, threshold: int) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ValueError(
            "the parquet export needs pyarrow: pip install 'collective-ledger[parquet]'"
        ) from None

    def write(src: Source, table: Table, path: Path) -> None:
        write_table_parquet(src, table, path, request.generated_at)

    _folder(request, threshold, ".parquet", write)


WRITERS: dict[str, Callable[[ExportRequest, int], None]] = {
    "csv": write_csv,
    "jsonl": write_jsonl,
    "xlsx": write_xlsx,
    "parquet": write_parquet,
}
