"""Partner files (CSV, XLSX, ODS) read as rows of text, one sheet at a time, streaming.

What comes out is the same whatever the format: a :class:`Table` per sheet that holds data, with
its normalised column names, and lazily its :class:`Row` values, each cell as stripped text
(``""`` when empty) and the row number a person sees in Excel or LibreOffice. Whether a cell is
*right* (a known indicator, a number that fits the unit) is the validation's job
(``ledger/imports/plan.py``); this module only refuses what is not a table at all, in one line
(:class:`SheetError`): an encoding other than UTF-8, broken quotes, NUL bytes, a cell over
:data:`MAX_CELL` characters, duplicate column names, data under a column without a name, an
error cell (``#DIV/0!``), a file that is not what its name says.

**The header row** is the first row, among the first :data:`HEADER_SEARCH` rows, that has a
cell ``value``. Rows above it may hold *fixed cells*: a row whose first cell is ``Indicator``
(or ``Organisation``) and whose next cell holds a code gives that column to every row below
(where the row's own cell is empty, or the header has no such column). That is how the
partner template (``ledger/imports/template.py``) names the indicator of each sheet: row 1 is
``Indicator | SS-EDU-01 | name (unit)``, row 2 a hint or ``Organisation | hasiru-dala``, row 3
the header. Sheet names do not matter (Excel cuts them at 31 characters and people rename
them), except that sheets named ``Read me`` and ``lists`` (the template's own) are skipped, as
is every sheet without a header row; a file with no sheet that has one is refused.

**Cells of spreadsheets** come typed (python-calamine) and are written as text the way people
read them: a whole number ``412`` (not ``412.0``), other numbers with the shortest digits that
give the same binary number back (``12.5``, never an exponent), dates as ISO dates
(``2024-04-01``, so that the period check can say that a date is not a period; a time of day
is kept: ``2024-04-01T13:05:00``), booleans as ``TRUE``/``FALSE`` (as Excel shows them; the
unit check refuses them where a number is due, a qualitative indicator may take them as
text), formulas as their cached value (none cached: empty). Merged cells hold their value in
the top-left cell only; the others are empty. python-calamine reads error cells as empty, so
they are looked for in the sheets' XML: a plain search (about a tenth of python-calamine's own
time), and a parse to find where they are only when there are any.

**CSV** is UTF-8 with or without a byte-order mark; the delimiter is a comma, a semicolon or a
tab (whichever gives a header with a ``value`` column in the first 64 KB). A row number is the
number of the record (what Excel shows), which differs from the line of the file only after a
cell with a line break. The file is streamed record by record (its first rows are read
once more to find the delimiter and the header), so its size does not matter.

Reading is lazy: ``read_tables`` loads a sheet when the caller asks for the next table
(python-calamine holds one sheet's cells, compactly, in Rust), and the rows of a table become
Python objects as they are iterated.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

__all__ = [
    "FIXED_COLUMNS",
    "HEADER_SEARCH",
    "KNOWN_COLUMNS",
    "LISTS_SHEET",
    "MAX_CELL",
    "README_SHEET",
    "Row",
    "SheetError",
    "Table",
    "cell_text",
    "column_letter",
    "normal_column",
    "read_tables",
    "sniff_kind",
]

KNOWN_COLUMNS = ("indicator", "organisation", "period", "value", "note", "evidence", "reason")
"""The columns of the long format; every other column is a disaggregation dimension."""
FIXED_COLUMNS = ("indicator", "organisation")
"""Columns a line above the header may fix for a whole sheet (``Indicator | SS-EDU-01``)."""
README_SHEET = "Read me"
LISTS_SHEET = "lists"
"""The template's own sheets, which are never data (compared as normalised names)."""
HEADER_SEARCH = 20
"""The header row is looked for among this many first rows of a sheet."""
MAX_CELL = 10_000
"""The longest cell, in characters (a note is at most 2,000; anything longer is a broken file)."""
KINDS = {".csv": "csv", ".xlsx": "xlsx", ".ods": "ods"}

_SKIPPED = frozenset({README_SHEET.lower(), LISTS_SHEET})
_SAMPLE = 65_536
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # .xls and other old Office files


class SheetError(ValueError):
    """A file that cannot be read as a table. The message is one line that names the file (and
    the sheet, row and column where it can), for ``Error: ...`` on the terminal."""


@dataclass(frozen=True, slots=True)
class Row:
    """One non-empty row of a sheet."""

    sheet: str | None
    """The sheet's name (``None`` for a CSV file)."""
    line: int
    """The row number a person sees in Excel or LibreOffice (1-based)."""
    cells: dict[str, str]
    """Normalised column name -> the cell as stripped text; ``""`` when empty. Every column of
    the table is present."""


_SLOTS = {name: Row.__dict__[name].__set__ for name in ("sheet", "line", "cells")}


@dataclass(frozen=True)
class Table:
    """One sheet (or the CSV file) after its header was read."""

    sheet: str | None
    columns: tuple[str, ...]
    """Normalised column names in file order; a column fixed by a line above the header and
    absent from it comes first."""
    rows: Iterator[Row] = field(repr=False)
    """Lazy: the file is read as this is iterated."""


def normal_column(text: str) -> str:
    """A column name as compared: stripped, lower case, inner white space as one space."""
    return " ".join(text.split()).lower()


def column_letter(index: int) -> str:
    """The spreadsheet letters of a 0-based column index (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sniff_kind(path: Path) -> str:
    """``csv``, ``xlsx`` or ``ods``: what ``path`` is by its name, checked against its first
    bytes (a workbook renamed to .csv, or a CSV renamed to .xlsx, is refused by name)."""
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        what = f"{path.suffix} files" if path.suffix else "a file without a suffix"
        raise SheetError(
            f"{path.name}: cannot read {what}: give a .csv (CSV UTF-8), .xlsx or .ods file"
        )
    try:
        with path.open("rb") as file:
            head = file.read(8)
    except OSError as error:
        raise SheetError(f"{path.name}: cannot be read: {error.strerror or error}") from None
    if kind == "csv" and (head.startswith(_ZIP) or head.startswith(_OLE)):
        raise SheetError(
            f"{path.name}: is a workbook, not CSV text: name it .xlsx or .ods as it is, or save "
            "it as CSV UTF-8"
        )
    if kind != "csv" and not head.startswith(_ZIP):
        what = "an old .xls workbook" if head.startswith(_OLE) else "not a zip file"
        raise SheetError(
            f"{path.name}: is not an {kind.upper()} file ({what}): save it as .{kind} "
            "(or as CSV UTF-8) and try again"
        )
    return kind


def read_tables(path: Path) -> Iterator[Table]:
    """The tables of ``path`` (.csv, .xlsx or .ods), one per sheet that holds data.

    The file's kind is checked at once (a :class:`SheetError` for any other file); everything
    else is read as the tables and their rows are iterated.
    """
    kind = sniff_kind(path)
    if kind == "csv":
        return _csv_tables(path)
    return _book_tables(path, kind)


# The header, and rows built from it ------------------------------------------------------------


@dataclass
class _Layout:
    """Where a sheet's data is: the header's line, its columns and the fixed cells above it."""

    file: str
    sheet: str | None
    line: int
    names: list[str | None]
    """Per position in the row (trailing unnamed positions removed): the column or None."""
    fixed: dict[str, str]
    column_offset: int = 0
    """The sheet column of position 0 (python-calamine leaves out empty columns on the left)."""

    @property
    def columns(self) -> tuple[str, ...]:
        named = [n for n in self.names if n is not None]
        return tuple(k for k in self.fixed if k not in named) + tuple(named)

    def place(self, line: int, position: int | None = None) -> str:
        """'sheet S, row 5, column C (value)', for a message."""
        parts = [f"sheet {self.sheet}"] if self.sheet is not None else []
        parts.append(f"row {line}")
        if position is not None:
            name = self.names[position] if 0 <= position < len(self.names) else None
            letter = column_letter(position + self.column_offset)
            parts.append(f"column {letter}" + (f" ({name})" if name else ""))
        return f"{self.file}: " + ", ".join(parts)

    def rows(
        self,
        records: Iterable[list[str]],
        *,
        strip: bool = False,
        failed: Callable[[Exception, int], NoReturn] | None = None,
    ) -> Iterator[Row]:
        """Rows from the records after the header (one per row of the sheet, from the row after
        the header, empty ones included): empty rows left out.

        ``strip``: strip the cells (CSV; a workbook's reader makes its own text). ``failed``
        turns an error of the underlying reader into a :class:`SheetError`, given the number
        of the row being read. (The loop runs once per row of files of 100,000 rows: each step
        is C-level where it can be, and a :class:`Row` is built through its slots, three times
        faster than through its frozen ``__init__``.)
        """
        names = self.names
        width = len(names)
        named = [i for i, n in enumerate(names) if n is not None]
        keys = tuple(n for n in names if n is not None)
        gaps = [i for i, n in enumerate(names) if n is None]
        pick: Callable[[list[str]], Any] = (
            itemgetter(*named) if len(named) > 1 else (lambda v: (v[named[0]],))
        )
        fixed = list(self.fixed.items())
        sheet = self.sheet
        new = object.__new__
        set_sheet, set_line, set_cells = (_SLOTS[f] for f in ("sheet", "line", "cells"))
        text = str.strip
        line = self.line
        try:
            for line, record in enumerate(records, self.line + 1):
                vals = list(map(text, record)) if strip else record
                if not any(vals):
                    continue
                if len(vals) != width:
                    self._fit(line, vals, width)
                if max(map(len, vals)) > MAX_CELL:
                    self._too_long(line, vals)
                if gaps:
                    for i in gaps:
                        if vals[i]:
                            self._unnamed(line, vals, i)
                    cells = dict(zip(keys, pick(vals), strict=False))
                else:  # (_fit made the lengths equal; strict=True costs twice as much)
                    cells = dict(zip(keys, vals, strict=False))
                if fixed:
                    for key, value in fixed:
                        if not cells.get(key):
                            cells[key] = value
                row = new(Row)
                set_sheet(row, sheet)
                set_line(row, line)
                set_cells(row, cells)
                yield row
        except _READ_ERRORS as error:
            if failed is None:
                raise
            failed(error, line + 1)

    def _fit(self, line: int, vals: list[str], width: int) -> None:
        """Pad a short row with empty cells; refuse cells beyond the header's last column."""
        if len(vals) > width:
            if any(vals[width:]):
                self._unnamed(line, vals, width)
            del vals[width:]
        else:
            vals.extend([""] * (width - len(vals)))

    def _too_long(self, line: int, vals: list[str]) -> NoReturn:
        at = next(i for i, v in enumerate(vals) if len(v) > MAX_CELL)
        raise SheetError(
            f"{self.place(line, at)}: the cell has {len(vals[at]):,} characters, more than "
            f"{MAX_CELL:,} (a broken file?)"
        )

    def _unnamed(self, line: int, vals: list[str], start: int) -> NoReturn:
        at = next(i for i in range(start, len(vals)) if vals[i])
        raise SheetError(
            f"{self.place(line, at)}: the cell {_short(vals[at])!r} is in a column without a "
            f"name in the header (row {self.line}): name the column or remove the cell"
        )


def _find_layout(
    records: Iterable[list[str]], file: str, sheet: str | None, offset: int = 0
) -> _Layout | None:
    """The header among the first rows, or None when no row has a ``value`` cell."""
    fixed: dict[str, str] = {}
    for line, vals in enumerate(records, 1):
        if line > HEADER_SEARCH:
            return None
        names = [normal_column(v) for v in vals]
        if "value" in names:
            return _header(names, line, fixed, _Layout(file, sheet, line, [], fixed, offset))
        filled = [v for v in vals if v]
        if len(filled) >= 2:
            key = normal_column(filled[0]).rstrip(":").strip()
            if key in FIXED_COLUMNS and key not in fixed:
                fixed[key] = filled[1]
    return None


def _header(names: list[str], line: int, fixed: dict[str, str], layout: _Layout) -> _Layout:
    while names and not names[-1]:
        names.pop()
    layout.names = [n or None for n in names]
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if not name:
            continue
        if name in seen:
            raise SheetError(
                f"{layout.place(line)}: the column {name!r} is named twice in the header "
                f"(columns {column_letter(seen[name] + layout.column_offset)} and "
                f"{column_letter(position + layout.column_offset)}): "
                "keep one"
            )
        seen[name] = position
    return layout


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


# CSV -------------------------------------------------------------------------------------------


_BOM = codecs.BOM_UTF8
_DELIMITERS = (",", ";", "\t")


class _NulFound(Exception):
    pass


_READ_ERRORS = (csv.Error, UnicodeDecodeError, _NulFound)
"""What reading a CSV file raises on a broken file."""


class _Guarded(io.RawIOBase):
    """The file's bytes, refusing NUL bytes (a chunk at a time: no cost per row; Python's csv
    module takes them as text)."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count: int = self.file.readinto(buffer)  # type: ignore[attr-defined]
        if count and bytes(memoryview(buffer)[:count]).find(0) >= 0:
            raise _NulFound
        return count


@contextmanager
def _csv_reader(path: Path, delimiter: str) -> Iterator[Any]:
    """A ``csv.reader`` over the file's text (UTF-8, without its byte-order mark)."""
    with path.open("rb", buffering=0) as raw:
        if raw.read(3) != _BOM:
            raw.seek(0)
        buffered = io.BufferedReader(_Guarded(raw), 1 << 16)
        text = io.TextIOWrapper(buffered, encoding="utf-8", errors="strict", newline="")
        yield csv.reader(text, delimiter=delimiter, strict=True)


def _csv_tables(path: Path) -> Iterator[Table]:
    name = path.name
    delimiter = _sniff_csv(path)

    def failed(error: Exception, number: int) -> NoReturn:
        if isinstance(error, _NulFound):
            _refuse_nul(path)
        if isinstance(error, UnicodeDecodeError):
            _refuse_encoding(path)
        _refuse_csv(path, number, _record_start(path, delimiter, number), str(error))

    first: list[list[str]] = []
    strip = str.strip
    try:
        with _csv_reader(path, delimiter) as reader:
            for record in islice(reader, HEADER_SEARCH):
                first.append(list(map(strip, record)))
    except _READ_ERRORS as error:
        failed(error, len(first) + 1)
    layout = _find_layout(first, name, None)
    if layout is None:
        raise SheetError(
            f"{name}: no header row with a value column in the first {HEADER_SEARCH} rows "
            f"(the header names the columns: {', '.join(KNOWN_COLUMNS[:4])}, ...)"
        )

    def rows() -> Iterator[Row]:
        with _csv_reader(path, delimiter) as again:
            yield from layout.rows(islice(again, layout.line, None), strip=True, failed=failed)

    yield Table(None, layout.columns, rows())


def _record_start(path: Path, delimiter: str, number: int) -> int:
    """The line of the file where record ``number`` starts (after a cell with line breaks,
    lines and records differ)."""
    with _csv_reader(path, delimiter) as reader:
        for _ in islice(reader, number - 1):
            pass
        return int(reader.line_num) + 1


def _sniff_csv(path: Path) -> str:
    """The delimiter; refuses a file that is not UTF-8 text before any row is read."""
    with path.open("rb") as file:
        head = file.read(_SAMPLE)
    if not head:
        raise SheetError(f"{path.name}: the file is empty")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SheetError(
            f"{path.name}: is UTF-16 text ('Unicode text'): save it as 'CSV UTF-8' and try again"
        )
    if b"\x00" in head:
        _refuse_nul(path)
    try:
        sample = codecs.getincrementaldecoder("utf-8")().decode(head.removeprefix(_BOM))
    except UnicodeDecodeError:
        _refuse_encoding(path)
    for delimiter in _DELIMITERS:
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        try:
            for record in islice(reader, HEADER_SEARCH):
                if "value" in (normal_column(c) for c in record):
                    return delimiter
        except csv.Error:
            continue
    return ","


def _refuse_csv(path: Path, number: int, line: int, error: str) -> NoReturn:
    where = f"row {number}" + (f" (line {line} of the file)" if line != number else "")
    if "field larger" in error or "end of data" in error:
        problem = (
            'a quote (") opens a cell that is never closed (or a cell is far too long): '
            "is the file cut short?"
        )
    elif "expected after" in error:
        problem = (
            'a quote (") in the middle of a quoted cell: write a quote inside a cell as '
            'two quotes ("")'
        )
    else:
        problem = f"not a CSV row ({error})"
    raise SheetError(f"{path.name}: {where}: {problem}")


def _first_line(path: Path, bad: Callable[[bytes], bool]) -> int:
    with path.open("rb") as file:
        for number, line in enumerate(file, 1):
            if bad(line.removeprefix(_BOM) if number == 1 else line):
                return number
    return 0


def _refuse_encoding(path: Path) -> NoReturn:
    def bad(line: bytes) -> bool:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False

    line = _first_line(path, bad)
    raise SheetError(
        f"{path.name}: is not UTF-8 text (line {line}): save it as 'CSV UTF-8' "
        "(in Excel: File > Save As > CSV UTF-8) and try again"
    )


def _refuse_nul(path: Path) -> NoReturn:
    line = _first_line(path, lambda b: b"\x00" in b)
    raise SheetError(
        f"{path.name}: line {line} holds NUL bytes: this is not CSV text (a UTF-16 or binary "
        "file?); save it as 'CSV UTF-8' and try again"
    )


# XLSX and ODS ----------------------------------------------------------------------------------


def _book_tables(path: Path, kind: str) -> Iterator[Table]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    name = path.name
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # a broken file: python-calamine raises several kinds
        raise SheetError(f"{name}: cannot be read as {kind.upper()}: {_reason(error)}") from None
    errors: dict[str, dict[int, dict[int, str]]] | None = None
    found = 0
    with book:
        sheets = [
            m.name
            for m in book.sheets_metadata
            if m.typ == SheetTypeEnum.WorkSheet and normal_column(m.name) not in _SKIPPED
        ]
        for sheet_name in sheets:
            try:
                sheet = book.get_sheet_by_name(sheet_name)
                start = sheet.start
            except Exception as error:
                raise SheetError(
                    f"{name}: sheet {sheet_name} cannot be read: {_reason(error)}"
                ) from None
            if start is None:
                continue  # an empty sheet
            layout = _find_layout(_sheet_records(sheet, 0), name, sheet_name, start[1])
            if layout is None:
                continue
            if errors is None:
                errors = _error_cells(path, kind)
            mine = errors.get(sheet_name, {})
            if layout.line - 1 in mine:
                col, code = min(mine[layout.line - 1].items())
                raise SheetError(
                    f"{name}: sheet {sheet_name}, row {layout.line}, column "
                    f"{column_letter(col)}: the header cell is an error ({code})"
                )
            found += 1
            records = _sheet_records(sheet, layout.line, mine, layout)
            yield Table(sheet_name, layout.columns, layout.rows(records))
    if not found:
        raise SheetError(
            f"{name}: no sheet has a header row with a value column in its first "
            f"{HEADER_SEARCH} rows (sheets: {', '.join(sheets) or 'none'})"
        )


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _sheet_records(
    sheet: Any,
    skip: int,
    errors: dict[int, dict[int, str]] | None = None,
    layout: _Layout | None = None,
) -> Iterator[list[str]]:
    """The cells of each row as text, from row ``skip + 1``. python-calamine gives rows from
    the sheet's first row (empty ones included) and columns from the first column that holds
    anything. Error cells are checked in the rows after the header (``layout`` given) only: a
    sheet that turns out not to hold data may have anything."""
    text = cell_text
    for index, row in enumerate(islice(sheet.iter_rows(), skip, None), skip):
        if errors and index in errors:
            assert layout is not None
            col, code = min(errors[index].items())
            raise SheetError(
                f"{layout.place(index + 1, col - layout.column_offset)}: the cell is an error "
                f"({code}): correct the formula, or type the value"
            )
        yield [
            v.strip()
            if type(v) is str
            else str(int(v))
            if type(v) is float and v.is_integer()
            else text(v)
            for v in row
        ]


def cell_text(value: object) -> str:
    """A typed spreadsheet cell as text (see the module's documentation)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        if value.time() == time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return "" if value is None else str(value).strip()


def _number(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    if "e" in text and "n" not in text:  # 1.5e-05, not nan or inf
        return format(Decimal(text), "f")
    return text


# Error cells (python-calamine reads them as empty) ---------------------------------------------

_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_XLSX_ERROR = (b' t="e"', b" t='e'")
_ODS_ERROR = (b'value-type="error"', b"value-type='error'")
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


def _error_cells(path: Path, kind: str) -> dict[str, dict[int, dict[int, str]]]:
    """Sheet -> 0-based row -> 0-based column -> error text, of every error cell.

    A quick scan of the XML first; only a file that has error cells is parsed to find them.
    """
    try:
        with zipfile.ZipFile(path) as book:
            if kind == "xlsx":
                parts = _xlsx_parts(book)
                return {
                    sheet: _xlsx_errors(book, part)
                    for sheet, part in parts.items()
                    if _has(book, part, _XLSX_ERROR)
                }
            if _has(book, "content.xml", _ODS_ERROR):
                return _ods_errors(book)
            return {}
    except (zipfile.BadZipFile, KeyError, OSError, SyntaxError) as error:
        raise SheetError(f"{path.name}: cannot be read as {kind.upper()}: {error}") from None


def _has(book: zipfile.ZipFile, part: str, needles: tuple[bytes, ...]) -> bool:
    """Whether ``part`` holds any of ``needles`` (a plain search: about 3 times faster than a
    regular expression, and what decompressing the part costs anyway)."""
    tail = b""
    with book.open(part) as file:
        while chunk := file.read(1 << 20):
            window = tail + chunk
            if any(needle in window for needle in needles):
                return True
            tail = chunk[-32:]
    return False


def _xlsx_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member of its XML."""
    from xml.etree import ElementTree

    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL_NS}Relationship")}
    parts = {}
    for sheet in workbook.iter(f"{_SHEET_NS}sheet"):
        target = targets.get(sheet.get(f"{_REL_NS}id"), "")
        if target:
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            parts[sheet.get("name", "")] = member
    return parts


def _xlsx_errors(book: zipfile.ZipFile, part: str) -> dict[int, dict[int, str]]:
    from xml.etree import ElementTree

    found: dict[int, dict[int, str]] = {}
    row = col = -1
    with book.open(part) as file:
        for event, element in ElementTree.iterparse(file, events=("start", "end")):
            if event == "start":
                if element.tag == f"{_SHEET_NS}row":
                    ref = element.get("r")
                    row = int(ref) - 1 if ref else row + 1
                    col = -1
                continue
            if element.tag == f"{_SHEET_NS}c":
                match = _CELL_REF.match(element.get("r", ""))
                col = _column_index(match.group(1)) if match else col + 1
                if element.get("t") == "e":
                    code = element.findtext(f"{_SHEET_NS}v") or "#ERROR"
                    found.setdefault(row, {})[col] = code
                element.clear()
            elif element.tag == f"{_SHEET_NS}row":
                element.clear()
    return found


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _ods_errors(book: zipfile.ZipFile) -> dict[str, dict[int, dict[int, str]]]:
    from xml.etree import ElementTree

    found: dict[str, dict[int, dict[int, str]]] = {}
    table = ""
    row = col = 0
    value_type = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}value-type"
    cells = {f"{_TABLE_NS}table-cell", f"{_TABLE_NS}covered-table-cell"}
    with book.open("content.xml") as file:
        for event, element in ElementTree.iterparse(file, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if tag == f"{_TABLE_NS}table":
                    table, row = element.get(f"{_TABLE_NS}name", ""), 0
                elif tag == f"{_TABLE_NS}table-row":
                    col = 0
                continue
            if tag in cells:
                if element.get(value_type) == "error":
                    code = "".join(element.itertext()).strip() or "#ERROR"
                    found.setdefault(table, {}).setdefault(row, {})[col] = code
                col += int(element.get(f"{_TABLE_NS}number-columns-repeated", "1"))
                element.clear()
            elif tag == f"{_TABLE_NS}table-row":
                row += int(element.get(f"{_TABLE_NS}number-rows-repeated", "1"))
                element.clear()
    return found
