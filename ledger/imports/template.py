"""The spreadsheet a backbone sends to partners, which ``collective import values`` reads back.

One workbook (xlsxwriter): a ``Read me`` sheet first (what the file is, how to fill it, the
indicators with their units and categories, in plain words), then one sheet per indicator, and
a hidden ``lists`` sheet that holds the drop-down lists. An indicator's sheet is laid out as
``ledger/imports/sheets.py`` reads it:

- row 1: ``Indicator | SS-EDU-01 | Children enrolled (count)``: the code, found by the reader
  whatever the sheet is called (the sheet is named after the code when the code fits Excel's 31
  characters, a shortened code otherwise);
- row 2: ``Organisation | hasiru-dala`` in a template for one organisation (the sheet then has
  no organisation column: every row is that organisation's), otherwise a one-line hint;
- row 3: the header (organisation, period, one column per dimension, value, note, evidence,
  reason), frozen with the rows above it;
- from row 4: one row per value, typed by the partner.

Drop-down lists (data validation) offer the organisations, the periods and each dimension's
categories; the value column checks numbers for numeric units (whole numbers of 0 or more for
counts, 0 to 100 for percentages) and shows what to type. Text columns are formatted as text,
so that Excel keeps ``2024-03`` and ``6-10`` as typed instead of turning them into dates. The
lists are always on the hidden sheet (an inline list is limited to 255 characters, and one
place is easier to check).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger.imports.sheets import KNOWN_COLUMNS, LISTS_SHEET, README_SHEET, normal_column

__all__ = ["HEADER_ROW", "TemplateSheet", "sheet_names", "write_template"]

HEADER_ROW = 3
"""The header's row number on an indicator's sheet (rows 1 and 2 name the indicator and the
organisation); values start on the next row."""
_LAST_ROW = 1_048_575  # Excel's last row, 0-based
_MAX_TEXT = 2000  # the longest note, reason or qualitative value the import takes
_SHEET_NAME = 31


@dataclass(frozen=True)
class TemplateSheet:
    """What one indicator's sheet offers."""

    code: str
    """The indicator's code."""
    name: str
    """The indicator's name (any script)."""
    unit: str
    """``count``, ``percent``, ``currency INR``, ``ratio`` or ``qualitative`` (for people)."""
    periods: tuple[str, ...]
    """The period codes a partner may report, newest last."""
    dimensions: tuple[tuple[str, tuple[str, ...]], ...]
    """``(dimension, categories)`` pairs, in the indicator's order."""


def sheet_names(codes: Sequence[str]) -> list[str]:
    """The sheet of each code: the code itself, or its first characters and ``~2``, ``~3``...
    when it is longer than Excel's 31 characters or would repeat a name (Excel compares sheet
    names without case; ``Read me`` and ``lists`` are taken)."""
    used = {README_SHEET.lower(), LISTS_SHEET.lower()}
    names = []
    for code in codes:
        name = code[:_SHEET_NAME]
        number = 1
        while name.lower() in used:
            number += 1
            suffix = f"~{number}"
            name = code[: _SHEET_NAME - len(suffix)] + suffix
        used.add(name.lower())
        names.append(name)
    return names


def write_template(
    path: Path,
    collective: str,
    sheets: Sequence[TemplateSheet],
    organisations: Sequence[str],
    *,
    organisation: str | None = None,
    rows: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> None:
    """Write the partners' template for ``sheets`` to ``path`` (an .xlsx file).

    ``organisation``: a template for that organisation only (no organisation column).
    ``rows``: values to fill in, per indicator code, each a mapping of header names (as in the
    template) to values (text, numbers, dates, booleans); for tests and worked examples.
    The file appears complete or not at all. A ``ValueError`` (one line) refuses a path that is
    not .xlsx, no indicator, a code given twice, or a dimension named like a fixed column.
    """
    if path.suffix.lower() != ".xlsx":
        raise ValueError(
            f"the template is an .xlsx file: name it {path.stem}.xlsx, not {path.name}"
        )
    _check(sheets, organisations, organisation)
    filled = dict(rows or {})
    unknown = sorted(set(filled) - {s.code for s in sheets})
    if unknown:
        raise ValueError(f"rows for {', '.join(unknown)}, which the template does not have")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".xlsx", dir=path.parent)
    os.close(handle)
    try:
        _write(Path(temporary), collective, sheets, organisations, organisation, filled)
        mask = os.umask(0)
        os.umask(mask)
        Path(temporary).chmod(0o666 & ~mask)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _check(
    sheets: Sequence[TemplateSheet], organisations: Sequence[str], organisation: str | None
) -> None:
    if not sheets:
        raise ValueError("a template needs at least one indicator")
    codes = [s.code for s in sheets]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise ValueError(f"indicator {twice[0]} is given twice")
    if organisation is not None and organisations and organisation not in organisations:
        raise ValueError(
            f"{organisation} is not one of the organisations ({', '.join(organisations)})"
        )
    for sheet in sheets:
        seen: set[str] = set()
        for dimension, _ in sheet.dimensions:
            name = normal_column(dimension)
            if name in KNOWN_COLUMNS or name in seen or not name:
                raise ValueError(
                    f"{sheet.code}: dimension {dimension!r} cannot be a column of the template "
                    f"(it is empty, repeated, or one of {', '.join(KNOWN_COLUMNS)})"
                )
            seen.add(name)


# The workbook ----------------------------------------------------------------------------------


def _write(
    path: Path,
    collective: str,
    sheets: Sequence[TemplateSheet],
    organisations: Sequence[str],
    organisation: str | None,
    filled: Mapping[str, Sequence[Mapping[str, Any]]],
) -> None:
    import xlsxwriter  # type: ignore[import-untyped]

    book = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False}
    )
    styles = _Styles(book)
    names = sheet_names([s.code for s in sheets])
    readme = book.add_worksheet(README_SHEET)
    data = [book.add_worksheet(name) for name in names]
    lists = _Lists(book.add_worksheet(LISTS_SHEET))
    orgs = [organisation] if organisation is not None else list(organisations)
    org_list = lists.add("organisation", orgs)
    org_width = min(40, max([16, *(len(o) + 4 for o in orgs)]))
    _readme(readme, styles, collective, sheets, names, organisation)
    for worksheet, sheet in zip(data, sheets, strict=True):
        _indicator(
            worksheet,
            styles,
            lists,
            sheet,
            org_list,
            org_width,
            organisation,
            filled.get(sheet.code, ()),
        )
    lists.sheet.hide()
    readme.activate()
    book.close()


class _Styles:
    def __init__(self, book: Any) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.heading = book.add_format({"bold": True, "font_size": 12})
        self.bold = book.add_format({"bold": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.wrap_bold = book.add_format({"text_wrap": True, "valign": "top", "bold": True})
        self.header = book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": True}
        )
        self.hint = book.add_format({"italic": True, "font_color": "#595959"})
        self.text = book.add_format({"num_format": "@"})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})


class _Lists:
    """The hidden sheet of drop-down lists: one column per list, its label in row 1."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.column = 0

    def add(self, label: str, items: Sequence[str]) -> str | None:
        """The list's range as a formula (``=lists!$B$2:$B$9``), or None for no items."""
        if not items:
            return None
        col = self.column
        self.column += 1
        self.sheet.write_string(0, col, label)
        for row, item in enumerate(items, 1):
            self.sheet.write_string(row, col, item)
        letter = _letter(col)
        return f"={LISTS_SHEET}!${letter}$2:${letter}${len(items) + 1}"


def _letter(col: int) -> str:
    from xlsxwriter.utility import xl_col_to_name  # type: ignore[import-untyped]

    return str(xl_col_to_name(col))


def _columns(sheet: TemplateSheet, organisation: str | None) -> list[str]:
    fixed = [] if organisation is not None else ["organisation"]
    dims = [d for d, _ in sheet.dimensions]
    return [*fixed, "period", *dims, "value", "note", "evidence", "reason"]


def _unit_kind(unit: str) -> str:
    words = unit.split()
    return words[0].lower() if words else ""


def _unit_words(unit: str) -> str:
    """What to type for ``unit``, in plain words."""
    kind = _unit_kind(unit)
    currency = " ".join(unit.split()[1:])
    return {
        "count": "a whole number of 0 or more",
        "percent": "a number from 0 to 100 (type 12.5 for 12.5%, without the % sign)",
        "currency": f"an amount of money{f' in {currency}' if currency else ''}, as a number",
        "ratio": "a number (a rate, an index or a change)",
        "qualitative": "text (a rating, a story, an observation)",
    }.get(kind, unit)


def _indicator(
    ws: Any,
    styles: _Styles,
    lists: _Lists,
    sheet: TemplateSheet,
    org_list: str | None,
    org_width: int,
    organisation: str | None,
    filled: Sequence[Mapping[str, Any]],
) -> None:
    columns = _columns(sheet, organisation)
    first = HEADER_ROW  # the first row of values, 0-based
    ws.write_string(0, 0, "Indicator", styles.bold)
    ws.write_string(0, 1, sheet.code, styles.bold)
    ws.write_string(0, 2, f"{sheet.name} ({sheet.unit})", styles.bold)
    if organisation is not None:
        ws.write_string(1, 0, "Organisation", styles.bold)
        ws.write_string(1, 1, organisation, styles.bold)
        ws.write_string(1, 2, "(every row of this sheet is for this organisation)", styles.hint)
    else:
        ws.write_string(
            1,
            0,
            "One row per value, from row 4 down. Leave the category columns empty for the "
            "total. See the Read me sheet.",
            styles.hint,
        )
    for col, name in enumerate(columns):
        ws.write_string(HEADER_ROW - 1, col, name, styles.header)
    ws.freeze_panes(HEADER_ROW, 0)
    categories = dict(sheet.dimensions)
    for col, name in enumerate(columns):
        if name == "organisation":
            ws.set_column(col, col, org_width, styles.text)
            _list(ws, col, org_list, "Organisation", "Pick the organisation from the list.")
        elif name == "period":
            ws.set_column(col, col, 12, styles.text)
            periods = lists.add(f"{sheet.code} period", sheet.periods)
            _list(
                ws,
                col,
                periods,
                "Period",
                "Pick the period the value is for (the latest is last in the list).",
            )
        elif name in categories:
            items = categories[name]
            width = max(len(name), *(len(c) for c in items)) + 4
            ws.set_column(col, col, min(width, 30), styles.text)
            source = lists.add(f"{sheet.code} {name}", items)
            _list(
                ws,
                col,
                source,
                name[:32],
                f"Pick a category of {name}, or leave it empty for the total of all "
                f"{name} categories.",
            )
        elif name == "value":
            ws.set_column(col, col, 14)
            _value(ws, col, sheet.unit)
        elif name == "note":
            ws.set_column(col, col, 36, styles.text)
        else:
            ws.set_column(col, col, 28, styles.text)
    for row, values in enumerate(filled, first):
        _fill(ws, styles, row, columns, values, sheet.code)


def _list(ws: Any, col: int, source: str | None, title: str, message: str) -> None:
    if source is None:
        return
    ws.data_validation(
        HEADER_ROW,
        col,
        _LAST_ROW,
        col,
        {
            "validate": "list",
            "source": source,
            "input_title": title[:32],
            "input_message": message[:255],
            "error_title": "Not in the list",
            "error_message": "Pick a value from the drop-down list.",
        },
    )


def _value(ws: Any, col: int, unit: str) -> None:
    kind = _unit_kind(unit)
    options: dict[str, Any]
    if kind == "count":
        options = {"validate": "integer", "criteria": ">=", "value": 0}
    elif kind == "percent":
        options = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100}
    elif kind in ("currency", "ratio"):
        limit = 999_999_999_999_999
        options = {
            "validate": "decimal",
            "criteria": "between",
            "minimum": -limit,
            "maximum": limit,
        }
    else:
        options = {"validate": "length", "criteria": "<=", "value": _MAX_TEXT}
    words = _unit_words(unit)
    options |= {
        "input_title": "Value",
        "input_message": f"Type {words}."[:255],
        "error_title": "Not a valid value",
        "error_message": f"The value is {words}."[:255],
    }
    ws.data_validation(HEADER_ROW, col, _LAST_ROW, col, options)


def _fill(
    ws: Any,
    styles: _Styles,
    row: int,
    columns: list[str],
    values: Mapping[str, Any],
    code: str,
) -> None:
    where = {normal_column(c): n for n, c in enumerate(columns)}
    for key, value in values.items():
        col = where.get(normal_column(key))
        if col is None:
            raise ValueError(f"{code}: the template has no column {key!r}")
        if value is None:
            continue
        if isinstance(value, bool):
            ws.write_boolean(row, col, value)
        elif isinstance(value, int | float | Decimal):
            ws.write_number(row, col, float(value))
        elif isinstance(value, datetime | date):
            ws.write_datetime(row, col, value, styles.date)
        else:
            ws.write_string(row, col, str(value))


# The read-me sheet -----------------------------------------------------------------------------


def _readme(
    ws: Any,
    styles: _Styles,
    collective: str,
    sheets: Sequence[TemplateSheet],
    names: Sequence[str],
    organisation: str | None,
) -> None:
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 90)
    row = 0

    def line(text: str, style: Any = None, first: str = "") -> None:
        nonlocal row
        if first:
            ws.write_string(row, 0, first, styles.wrap_bold)
        ws.write_string(row, 1 if first else 0, text, style or styles.wrap)
        row += 1

    who = f" by {organisation}" if organisation else " by partner organisations"
    line(f"{collective}: values for the shared indicators", styles.title)
    line(f"A workbook for reporting values{who}.", styles.hint)
    row += 1
    line("What this file is", styles.heading)
    line(
        "Each indicator has its own sheet (the tabs at the bottom). Fill in the values you "
        "report and send the file back to the backbone team as it is (.xlsx). They import it "
        "into the shared ledger: every row is checked first, and nothing is recorded until the "
        "whole file is right."
    )
    row += 1
    line("How to fill it", styles.heading)
    steps = [
        (
            "Rows 1 to 3",
            "Do not change them: row 1 names the indicator, row 3 names the columns. Do not "
            "rename, add or remove columns.",
        ),
        ("One row per value", "Start in row 4. Leave out what you have no figure for."),
        (
            "organisation",
            f"Every row is for {organisation}: this sheet has no organisation column."
            if organisation
            else "Pick your organisation from the list.",
        ),
        ("period", "Pick the period the value is for (the latest is last in the list)."),
        (
            "category columns",
            "For example sex or age. Leave them all empty for the total. For the value of one "
            "group only, pick its categories (girls aged 6-10: sex female, age 6-10). Report "
            "the total and each group on rows of their own.",
        ),
        (
            "value",
            "The figure itself, as a plain number (12.5, not 12.5% or 'about 12'), or text "
            "for a qualitative indicator. Do not use formulas that show an error.",
        ),
        ("note", "Optional: anything a reader should know about the value."),
        ("evidence", "Optional: a link to a document or photo that supports the value."),
        (
            "reason",
            "Only to correct a value you sent before: say why it changed. Leave it empty "
            "otherwise.",
        ),
    ]
    for first, text in steps:
        line(text, first=first)
    row += 1
    line("If something is wrong", styles.heading)
    line(
        "The import lists every problem with its sheet, row and column, and records nothing. "
        "Correct the file and send it again. A file sent twice is recorded once."
    )
    row += 1
    line("The indicators", styles.heading)
    for label, col in (("sheet", 0), ("indicator", 1)):
        ws.write_string(row, col, label, styles.header)
    row += 1
    for name, sheet in zip(names, sheets, strict=True):
        dims = "; ".join(f"{d}: {', '.join(c)}" for d, c in sheet.dimensions)
        text = "\n".join(
            [
                f"{sheet.code}: {sheet.name}",
                f"Value: {_unit_words(sheet.unit)}.",
                f"Periods: {', '.join(sheet.periods) or 'any'}.",
                f"Categories: {dims}." if dims else "Categories: none (totals only).",
            ]
        )
        ws.write_string(row, 0, name, styles.wrap_bold)
        ws.write_string(row, 1, text, styles.wrap)
        row += 1
