"""Spreadsheet files for tests, written by hand: ODS (LibreOffice is not installed, and a
minimal ODS is a zip with a content.xml) and XLSX through xlsxwriter.

Cells: ``None`` (empty), text, numbers, booleans, dates and datetimes, :class:`Error` (an error
cell as LibreOffice and Excel store it), :class:`Span` (a merged cell), :class:`Formula` (a
formula with a cached value); a row may be :class:`EmptyRows` or :class:`Repeated` (repeated
rows, as LibreOffice writes them).
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr


@dataclass(frozen=True)
class Error:
    code: str = "#DIV/0!"


@dataclass(frozen=True)
class Span:
    value: Any
    columns: int


@dataclass(frozen=True)
class Formula:
    formula: str
    value: Any


@dataclass(frozen=True)
class EmptyRows:
    count: int


@dataclass(frozen=True)
class Repeated:
    """The same row ``count`` times (LibreOffice stores it once, with a repeat count)."""

    cells: Sequence[Any]
    count: int


Cells = Sequence[Any]
Sheets = Mapping[str, Sequence[Cells | EmptyRows | Repeated]]

_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<office:document-content "
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
    'office:version="1.2"><office:body><office:spreadsheet>'
)
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def _ods_cell(value: Any, formula: str | None = None) -> str:
    attrs = f" table:formula={quoteattr('of:' + formula)}" if formula else ""
    if value is None:
        return f"<table:table-cell{attrs}/>"
    if isinstance(value, Formula):
        return _ods_cell(value.value, value.formula)
    if isinstance(value, Error):
        return (
            f"<table:table-cell{attrs or ' table:formula=' + quoteattr('of:=1/0')} "
            'office:value-type="string" office:string-value="" calcext:value-type="error">'
            f"<text:p>{escape(value.code)}</text:p></table:table-cell>"
        )
    if isinstance(value, Span):
        inner = _ods_cell(value.value)
        spanned = inner.replace(
            "<table:table-cell",
            f'<table:table-cell table:number-columns-spanned="{value.columns}"',
            1,
        )
        return spanned + "<table:covered-table-cell/>" * (value.columns - 1)
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
        return (
            f'<table:table-cell{attrs} office:value-type="boolean" '
            f'office:boolean-value="{str(value).lower()}"><text:p>{text}</text:p>'
            "</table:table-cell>"
        )
    if isinstance(value, int | float):
        return (
            f'<table:table-cell{attrs} office:value-type="float" office:value="{value!r}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    if isinstance(value, datetime | date):
        return (
            f'<table:table-cell{attrs} office:value-type="date" '
            f'office:date-value="{value.isoformat()}"><text:p>{value}</text:p>'
            "</table:table-cell>"
        )
    return (
        f'<table:table-cell{attrs} office:value-type="string"><text:p>{escape(str(value))}'
        "</text:p></table:table-cell>"
    )


def write_ods(path: Path, sheets: Sheets) -> Path:
    """A minimal OpenDocument spreadsheet, with an empty area after each sheet's rows as
    LibreOffice writes it."""
    parts = [_ODS_HEAD]
    for name, rows in sheets.items():
        parts.append(f"<table:table table:name={quoteattr(name)}>")
        for row in rows:
            if isinstance(row, EmptyRows):
                parts.append(
                    f'<table:table-row table:number-rows-repeated="{row.count}">'
                    '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
                )
                continue
            repeat = ""
            if isinstance(row, Repeated):
                repeat = f' table:number-rows-repeated="{row.count}"'
                row = row.cells
            cells = "".join(_ods_cell(v) for v in row)
            parts.append(f"<table:table-row{repeat}>{cells}</table:table-row>")
        parts.append(
            '<table:table-row table:number-rows-repeated="1000">'
            '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        )
        parts.append("</table:table>")
    parts.append("</office:spreadsheet></office:body></office:document-content>")
    with zipfile.ZipFile(path, "w") as book:
        book.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        book.writestr("META-INF/manifest.xml", _MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        book.writestr("content.xml", "".join(parts), compress_type=zipfile.ZIP_DEFLATED)
    return path


def write_xlsx(path: Path, sheets: Sheets, *, hidden: Sequence[str] = ()) -> Path:
    """An XLSX file through xlsxwriter, cells typed as given."""
    import xlsxwriter  # type: ignore[import-untyped]

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        r = 0
        for row in rows:
            if isinstance(row, EmptyRows):
                r += row.count
                continue
            repeated = row if isinstance(row, Repeated) else Repeated(row, 1)
            for _ in range(repeated.count):
                c = 0
                for value in repeated.cells:
                    _xlsx_cell(ws, r, c, value, day)
                    c += value.columns if isinstance(value, Span) else 1
                r += 1
        if name in hidden:
            ws.hide()
    book.close()
    return path


def _xlsx_cell(ws: Any, r: int, c: int, value: Any, day: Any) -> None:
    if value is None:
        return
    if isinstance(value, Span):
        ws.merge_range(r, c, r, c + value.columns - 1, "")
        _xlsx_cell(ws, r, c, value.value, day)
    elif isinstance(value, Error):
        ws.write_formula(r, c, "=1/0", None, value.code)
    elif isinstance(value, Formula):
        ws.write_formula(r, c, value.formula, None, value.value)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, int | float):
        ws.write_number(r, c, value)
    elif isinstance(value, datetime | date):
        ws.write_datetime(r, c, value, day)
    else:
        ws.write_string(r, c, str(value))
