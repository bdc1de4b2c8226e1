"""Reading partner files (CSV, XLSX, ODS) into rows: ``ledger/imports/sheets.py``.

Every refusal is one line that names the file (and the sheet, row and column where it can);
rows keep the numbers a person sees in Excel; cells come out as the text people read.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from sheet_files import EmptyRows, Error, Formula, Repeated, Span, write_ods, write_xlsx

from ledger.imports.sheets import (
    MAX_CELL,
    Row,
    SheetError,
    Table,
    cell_text,
    column_letter,
    normal_column,
    read_tables,
    sniff_kind,
)

HEADER = "indicator,organisation,period,value,sex"


def tables(path: Path) -> list[tuple[str | None, tuple[str, ...], list[Row]]]:
    return [(t.sheet, t.columns, list(t.rows)) for t in read_tables(path)]


def rows(path: Path) -> list[Row]:
    return [row for table in read_tables(path) for row in table.rows]


def refusal(path: Path) -> str:
    with pytest.raises(SheetError) as caught:
        rows(path)
    message = str(caught.value)
    assert "\n" not in message, message
    assert path.name in message
    return message


def write(tmp_path: Path, text: str | bytes, name: str = "values.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


# CSV -------------------------------------------------------------------------------------------


def test_csv_with_and_without_bom_reads_the_same(tmp_path: Path) -> None:
    text = f"{HEADER}\r\nSS-EDU-01,hasiru-dala,2024Q1, 412 ,female\r\n"
    plain = write(tmp_path, text, "plain.csv")
    bom = write(tmp_path, "\ufeff" + text, "bom.csv")
    expected = [
        Row(
            None,
            2,
            {
                "indicator": "SS-EDU-01",
                "organisation": "hasiru-dala",
                "period": "2024Q1",
                "value": "412",
                "sex": "female",
            },
        )
    ]
    assert rows(plain) == expected
    assert rows(bom) == expected
    [table] = read_tables(bom)
    assert table.sheet is None
    assert table.columns == ("indicator", "organisation", "period", "value", "sex")


def test_column_names_are_normalised_and_keep_their_script(tmp_path: Path) -> None:
    path = write(
        tmp_path, " Indicator ,ORGANISATION,period,Value,  Caste   Group ,লিঙ্গ\nA,b,c,1,d,নারী\n"
    )
    [(_, columns, [row])] = tables(path)
    assert columns == ("indicator", "organisation", "period", "value", "caste group", "লিঙ্গ")
    assert row.cells["caste group"] == "d"
    assert row.cells["লিঙ্গ"] == "নারী"
    assert normal_column("\u00a0Age\tGroup ") == "age group"


def test_latin1_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\nA,b,2024Q1,1,fémale\n".encode("latin-1"))
    message = refusal(path)
    assert "not UTF-8" in message and "line 2" in message and "CSV UTF-8" in message


def test_latin1_after_the_first_64kb_is_refused_too(tmp_path: Path) -> None:
    body = "".join(f"A,b,2024Q1,{n},female\n" for n in range(5000))
    path = write(tmp_path, (f"{HEADER}\n{body}A,b,2024Q1,1,fémale\n").encode("latin-1"))
    message = refusal(path)
    assert "not UTF-8" in message and "line 5002" in message


def test_utf16_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\nA,b,c,1,d\n".encode("utf-16"))
    assert "UTF-16" in refusal(path)


def test_nul_bytes_are_refused_with_the_line(tmp_path: Path) -> None:
    body = "".join(f"A,b,2024Q1,{n},x\n" for n in range(20_000))
    path = write(tmp_path, f"{HEADER}\n{body}A,b,2024Q1,1,x\x00y\n")
    message = refusal(path)
    assert "NUL" in message and "line 20002" in message


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters_are_found(tmp_path: Path, delimiter: str) -> None:
    lines = [HEADER.split(","), ["SS-EDU-01", "hasiru-dala", "2024Q1", "1,5", "female"]]
    path = write(tmp_path, "".join(delimiter.join(line) + "\n" for line in lines))
    [row] = rows(path)
    assert row.cells["value"] == "1,5"
    assert row.cells["sex"] == "female"


def test_empty_rows_are_skipped_and_rows_keep_their_numbers(tmp_path: Path) -> None:
    text = (
        f"{HEADER}\n"
        "A,b,2024Q1,1,\n"  # row 2
        "\n"  # row 3: an empty line
        ",,,,\n"  # row 4: empty cells
        " , ,\t, ,\n"  # row 5: white space only
        'A,b,2024Q1,"two\nlines",\n'  # row 6 (lines 6 and 7 of the file)
        "A,b,2024Q1,3,male\n"  # row 7
    )
    found = rows(write(tmp_path, text))
    assert [(r.line, r.cells["value"]) for r in found] == [(2, "1"), (6, "two\nlines"), (7, "3")]


def test_trailing_empty_columns_and_short_rows(tmp_path: Path) -> None:
    text = f"{HEADER},,\nA,b,2024Q1,1,,,\nA,b,2024Q1,2\n"
    [(_, columns, found)] = tables(write(tmp_path, text))
    assert columns == ("indicator", "organisation", "period", "value", "sex")
    assert [r.cells for r in found] == [
        {"indicator": "A", "organisation": "b", "period": "2024Q1", "value": v, "sex": ""}
        for v in ("1", "2")
    ]


def test_a_column_without_a_name_is_ignored_until_it_holds_something(tmp_path: Path) -> None:
    path = write(tmp_path, "indicator,,value\nA,,1\nA,x,2\n")
    message = refusal(path)
    assert "row 3, column B" in message and "without a name" in message
    path = write(tmp_path, "indicator,value\nA,1,,\nA,2,,late\n")
    assert "row 3, column D" in refusal(path)


def test_duplicate_columns_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "indicator,Sex,value, sex \nA,f,1,m\n")
    message = refusal(path)
    assert "'sex' is named twice" in message and "columns B and D" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f'{HEADER}\nA,b,2024Q1,"12,female\nA,b,2024Q1,3,male\n', "never closed"),
        (f'{HEADER}\nA,b,2024Q1,"12"5,female\n', "row 2: a quote"),
        (f'{HEADER}\nA,b,2024Q1,1,female\nA,b,"2024', "row 3: a quote"),
    ],
    ids=["unclosed", "stray", "truncated"],
)
def test_broken_quotes_are_refused_in_one_line(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in refusal(write(tmp_path, text))


def test_a_quote_inside_an_unquoted_cell_is_text(tmp_path: Path) -> None:
    [row] = rows(write(tmp_path, f'{HEADER}\nA,b,2024Q1,1,5" inch\n'))
    assert row.cells["sex"] == '5" inch'


def test_a_very_long_cell_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER},note\nA,b,2024Q1,1,f,{'x' * (MAX_CELL + 1)}\n")
    message = refusal(path)
    assert "row 2, column F (note)" in message and "10,001 characters" in message


def test_a_long_cell_of_short_lines_is_refused(tmp_path: Path) -> None:
    note = "a short line\n" * (MAX_CELL // 10)
    path = write(tmp_path, f'{HEADER},note\nA,b,2024Q1,1,f,ok\nA,b,2024Q1,1,f,"{note}"\n')
    assert "row 3, column F (note): the cell has 12,999 characters" in refusal(path)


def test_a_long_cell_after_many_short_rows_is_refused(tmp_path: Path) -> None:
    body = "".join(f"A,b,2024Q1,{n},f\n" for n in range(30_000))
    path = write(tmp_path, f"{HEADER}\n{body}A,b,2024Q1,1,{'ন' * (MAX_CELL + 1)}\n")
    assert "row 30002, column E (sex): the cell has 10,001 characters" in refusal(path)
    path = write(tmp_path, f"{HEADER}\n{body}A,b,2024Q1,1,{'ন' * 5000}\n")  # 15,000 bytes
    assert len(rows(path)) == 30_001


def test_a_long_cell_in_a_workbook_is_refused(tmp_path: Path) -> None:
    sheet = [["indicator", "value", "note"], ["A", 1, "x" * (MAX_CELL + 1)]]
    message = refusal(write_xlsx(tmp_path / "long.xlsx", {"Data": sheet}))
    assert "sheet Data, row 2, column C (note): the cell has 10,001 characters" in message


def test_no_header_or_an_empty_file_is_refused(tmp_path: Path) -> None:
    assert "no header row with a value column" in refusal(write(tmp_path, "a,b\n1,2\n"))
    assert "empty" in refusal(write(tmp_path, ""))


def test_lines_above_the_header_fix_the_indicator(tmp_path: Path) -> None:
    text = (
        "Indicator:,SS-EDU-01,Children enrolled (count)\n"
        "One row per value,,\n"
        "organisation,period,value\n"
        "hasiru-dala,2024Q1,412\n"
    )
    [(_, columns, [row])] = tables(write(tmp_path, text))
    assert columns == ("indicator", "organisation", "period", "value")
    assert row == Row(
        None,
        4,
        {
            "organisation": "hasiru-dala",
            "period": "2024Q1",
            "value": "412",
            "indicator": "SS-EDU-01",
        },
    )


def test_a_fixed_indicator_fills_only_empty_cells(tmp_path: Path) -> None:
    text = "Indicator,SS-EDU-01\nindicator,value\n,1\nSS-LIV-02,2\n"
    assert [r.cells["indicator"] for r in rows(write(tmp_path, text))] == [
        "SS-EDU-01",
        "SS-LIV-02",
    ]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("values.xls", b"\xd0\xcf\x11\xe0rest", "cannot read .xls files"),
        ("values.txt", b"value\n1\n", "cannot read .txt files"),
        ("values", b"value\n1\n", "without a suffix"),
        ("values.csv", b"PK\x03\x04rest", "is a workbook"),
        ("values.xlsx", b"value\n1\n", "not a zip file"),
        ("values.ods", b"\xd0\xcf\x11\xe0", "old .xls workbook"),
        ("values.xlsx", b"PK\x03\x04broken", "cannot be read as XLSX"),
    ],
)
def test_files_that_are_not_what_they_say_are_refused(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    assert expected in refusal(write(tmp_path, content, name))


def test_the_kind_is_checked_before_any_row_is_read(tmp_path: Path) -> None:
    with pytest.raises(SheetError):
        read_tables(write(tmp_path, b"x", "values.xls"))  # no iteration needed
    assert sniff_kind(write(tmp_path, b"value\n", "V.CSV")) == "csv"


STREAM = """
import resource, sys
from pathlib import Path
from ledger.imports.sheets import read_tables
path = Path(sys.argv[1])
for table in read_tables(path):  # warm up: modules, the header
    break
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
count = 0
for table in read_tables(path):
    for row in table.rows:
        count += 1
        last = row
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(count, last.line, last.cells["value"], (after - before) * 1024)
"""


def test_a_large_csv_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """100,000 rows (7 MB): the reader's peak memory grows by far less than the file's size
    (a reader that held the file, or its rows, would grow by several times its size)."""
    path = tmp_path / "large.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write("\ufeffindicator,organisation,period,value,sex,age,note\n")
        line = "SS-EDU-01,hasiru-dala,2024Q1,{},female,6-10,counted at the school gate in June\n"
        file.writelines(line.format(n) for n in range(100_000))
    size = path.stat().st_size
    done = subprocess.run(
        [sys.executable, "-c", STREAM, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    count, line_number, value, growth = done.stdout.split()
    assert (count, line_number, value) == ("100000", "100001", "99999")
    assert int(growth) < size / 4, (growth, size)


# XLSX and ODS ----------------------------------------------------------------------------------

TYPED = [
    ["indicator", "organisation", "period", "value", "note"],
    ["A", "b", "2024Q1", 412.0, "whole"],
    ["A", "b", date(2024, 4, 1), 12.5, "  spaced  "],
    ["A", "b", datetime(2024, 4, 1, 13, 5), 2 / 3, True],
    ["A", "b", 2024, 1.5e-05, False],
    ["A", "b", "2024Q1", 1e20, -0.0],
]
TYPED_TEXT = [
    ("412", "whole", "2024Q1"),
    ("12.5", "spaced", "2024-04-01"),
    ("0.6666666666666666", "TRUE", "2024-04-01T13:05:00"),
    ("0.000015", "FALSE", "2024"),
    ("100000000000000000000", "0", "2024Q1"),
]


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_typed_cells_become_the_text_people_read(tmp_path: Path, kind: str) -> None:
    writer = write_xlsx if kind == "xlsx" else write_ods
    path = writer(tmp_path / f"typed.{kind}", {"Data": TYPED})
    [(sheet, columns, found)] = tables(path)
    assert sheet == "Data"
    assert columns == ("indicator", "organisation", "period", "value", "note")
    assert [(r.cells["value"], r.cells["note"], r.cells["period"]) for r in found] == TYPED_TEXT
    assert [r.line for r in found] == [2, 3, 4, 5, 6]


def test_cell_text() -> None:
    assert cell_text(412.0) == "412"
    assert cell_text(-3.0) == "-3"
    assert cell_text(2.5e-7) == "0.00000025"
    assert cell_text(7) == "7"
    assert cell_text(date(2024, 3, 1)) == "2024-03-01"
    assert cell_text(datetime(2024, 3, 1)) == "2024-03-01"
    assert cell_text(" x ") == "x"
    assert cell_text(None) == ""
    assert column_letter(0) == "A" and column_letter(25) == "Z" and column_letter(27) == "AB"


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_formulas_give_their_cached_value(tmp_path: Path, kind: str) -> None:
    writer = write_xlsx if kind == "xlsx" else write_ods
    sheet = [
        ["indicator", "value", "note"],
        ["A", Formula("=200+212", 412), Formula('="a"&"b"', "ab")],
        ["A", Formula("=1+1", None if kind == "ods" else ""), "no cached value"],
    ]
    found = rows(writer(tmp_path / f"f.{kind}", {"Data": sheet}))
    assert [(r.cells["value"], r.cells["note"]) for r in found] == [
        ("412", "ab"),
        ("", "no cached value"),
    ]


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_error_cells_are_refused_naming_sheet_row_and_column(tmp_path: Path, kind: str) -> None:
    writer = write_xlsx if kind == "xlsx" else write_ods
    sheet = [["indicator", "organisation", "value"], ["A", "b", 1], ["A", "b", Error("#DIV/0!")]]
    message = refusal(writer(tmp_path / f"e.{kind}", {"Data": sheet}))
    assert "sheet Data, row 3, column C (value)" in message and "#DIV/0!" in message


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_an_error_alone_in_its_row_is_not_skipped_as_empty(tmp_path: Path, kind: str) -> None:
    writer = write_xlsx if kind == "xlsx" else write_ods
    sheet = [["indicator", "value"], [None, Error("#N/A")]]
    assert "row 2, column B (value)" in refusal(writer(tmp_path / f"e.{kind}", {"S": sheet}))


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_error_cells_outside_the_data_do_not_matter(tmp_path: Path, kind: str) -> None:
    writer = write_xlsx if kind == "xlsx" else write_ods
    book = {
        "Read me": [["value"], [Error()]],  # skipped by name
        "Sums": [["total"], [Error()], ["x" * (MAX_CELL + 1)]],  # no value column: not data
        "Data": [["Indicator", "SS-EDU-01", Error()], ["value"], [1]],  # above the header
    }
    found = rows(writer(tmp_path / f"e.{kind}", book))
    assert [(r.sheet, r.line, r.cells) for r in found] == [
        ("Data", 3, {"indicator": "SS-EDU-01", "value": "1"})
    ]


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_merged_cells_hold_their_value_in_the_first_cell(tmp_path: Path, kind: str) -> None:
    writer = write_xlsx if kind == "xlsx" else write_ods
    sheet = [["indicator", "organisation", "value"], [Span("A", 2), 5], ["A", "b", 6]]
    found = rows(writer(tmp_path / f"m.{kind}", {"Data": sheet}))
    assert [r.cells for r in found] == [
        {"indicator": "A", "organisation": "", "value": "5"},
        {"indicator": "A", "organisation": "b", "value": "6"},
    ]


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_leading_empty_rows_and_columns_keep_row_numbers_and_letters(
    tmp_path: Path, kind: str
) -> None:
    writer = write_xlsx if kind == "xlsx" else write_ods
    sheet = [
        EmptyRows(3),
        [None, None, "indicator", "value"],  # row 4, from column C
        EmptyRows(2),
        [None, None, "A", 1],  # row 7
        [None, None, "A", 2, "stray"],  # row 8, column E
    ]
    path = writer(tmp_path / f"l.{kind}", {"Data": sheet})
    table = next(iter(read_tables(path)))
    first = next(table.rows)
    assert (first.line, first.cells) == (7, {"indicator": "A", "value": "1"})
    with pytest.raises(SheetError, match=r"sheet Data, row 8, column E: the cell 'stray'"):
        next(table.rows)


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_repeated_rows_keep_their_numbers_and_errors_are_found_after_them(
    tmp_path: Path, kind: str
) -> None:
    writer = write_xlsx if kind == "xlsx" else write_ods
    sheet = [["indicator", "value"], Repeated(["A", 1], 3), EmptyRows(2), ["B", 2]]
    found = rows(writer(tmp_path / f"r.{kind}", {"Data": sheet}))
    assert [(r.line, r.cells["indicator"]) for r in found] == [
        (2, "A"),
        (3, "A"),
        (4, "A"),
        (7, "B"),
    ]
    sheet = [*sheet, Repeated([None, 5], 2), ["C", Error("#REF!")]]
    message = refusal(writer(tmp_path / f"e.{kind}", {"Data": sheet}))
    assert "row 10, column B (value): the cell is an error (#REF!)" in message


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_sheets_that_are_not_data_are_skipped(tmp_path: Path, kind: str) -> None:
    writer = write_xlsx if kind == "xlsx" else write_ods
    book = {
        "Read me": [["What this file is"], ["value"]],
        "Summary": [["indicator", "total"], ["A", 3]],
        "SS-EDU-01": [["Indicator", "SS-EDU-01"], ["hint"], ["organisation", "value"], ["b", 1]],
        "Empty": [],
        "lists": [["value"], ["x"]],
        "More": [["indicator", "value"], ["B", 2]],
    }
    found = tables(writer(tmp_path / f"s.{kind}", book))
    assert [(sheet, columns) for sheet, columns, _ in found] == [
        ("SS-EDU-01", ("indicator", "organisation", "value")),
        ("More", ("indicator", "value")),
    ]
    assert [r.cells for _, _, rs in found for r in rs] == [
        {"organisation": "b", "value": "1", "indicator": "SS-EDU-01"},
        {"indicator": "B", "value": "2"},
    ]


def test_a_hidden_sheet_with_data_is_read(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "h.xlsx", {"A": [["x"]], "B": [["value"], [1]]}, hidden=["B"])
    assert [r.cells for r in rows(path)] == [{"value": "1"}]


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_workbook_without_data_is_refused(tmp_path: Path, kind: str) -> None:
    writer = write_xlsx if kind == "xlsx" else write_ods
    path = writer(tmp_path / f"n.{kind}", {"Sheet1": [["a", "b"], [1, 2]], "Sheet2": []})
    message = refusal(path)
    assert "no sheet has a header row with a value column" in message
    assert "Sheet1, Sheet2" in message


def test_duplicate_columns_in_a_sheet_name_the_sheet(tmp_path: Path) -> None:
    sheet = [[None, "value", "sex", "Sex"], [None, 1, "f", "m"]]
    message = refusal(write_xlsx(tmp_path / "d.xlsx", {"Data": sheet}))
    assert "sheet Data, row 1" in message and "columns C and D" in message


def test_a_truncated_workbook_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", {"Data": [["value"], *[[n] for n in range(2000)]]})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "cannot be read as XLSX" in refusal(path)


def test_an_xlsx_with_error_cells_and_no_cell_references(tmp_path: Path) -> None:
    """Some writers leave out the r="B4" of cells: the error scan counts them."""
    path = write_xlsx(tmp_path / "r.xlsx", {"Data": [["indicator", "value"], ["A", Error()]]})
    with zipfile.ZipFile(path) as book:
        parts = {n: book.read(n) for n in book.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b' r="A2"', b"").replace(b' r="B2"', b"")
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    assert "sheet Data, row 2, column B (value)" in refusal(path)


def test_tables_can_be_read_after_the_workbook_is_done(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "w.xlsx", {"A": [["value"], [1]], "B": [["value"], [2]]})
    found: list[Table] = list(read_tables(path))
    assert [[r.cells["value"] for r in t.rows] for t in found] == [["1"], ["2"]]
