"""The partners' template (``ledger/imports/template.py``): what it writes, the reader takes as
it is, and it offers partners drop-down lists and checks where Excel can."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from ledger.imports.sheets import LISTS_SHEET, README_SHEET, Row, read_tables
from ledger.imports.template import HEADER_ROW, TemplateSheet, sheet_names, write_template

EDU = TemplateSheet(
    code="SS-EDU-01",
    name="বিদ্যালয়ে ভর্তি হওয়া শিশু",  # Bengali
    unit="count",
    periods=("2023Q3", "2023Q4", "2024Q1", "2024Q2"),
    dimensions=(("sex", ("female", "male")), ("Age Group", ("6-10", "11-14"))),
)
WAGE = TemplateSheet(
    code="SS-LIV-02",
    name="ಕನಿಷ್ಠ ವೇತನ ಪಡೆಯುವ ಸದಸ್ಯರು",  # Kannada
    unit="percent",
    periods=("2024-03", "2024-04"),
    dimensions=(("ಜಾತಿ ಗುಂಪು", ("ಪರಿಶಿಷ್ಟ ಜಾತಿ", "ಇತರ")),),
)
STORY = TemplateSheet("SS-VOICE-01", "Voices", "qualitative", ("2024",), ())
MONEY = TemplateSheet("SS-FUND-01", "Funds raised", "currency INR", ("FY2024-25",), ())
ORGS = ("hasiru-dala", "saahas", "kagad-kach-patra")


def sheet_xml(path: Path, name: str) -> str:
    """The XML of the sheet called ``name``."""
    with zipfile.ZipFile(path) as book:
        workbook = book.read("xl/workbook.xml").decode()
        names = re.findall(r'<sheet name="([^"]+)"', workbook)
        return book.read(f"xl/worksheets/sheet{names.index(name) + 1}.xml").decode()


def validations(xml: str) -> dict[str, tuple[str, str]]:
    """Range -> (type, first formula) of every data validation of a sheet."""
    found = {}
    for attrs, body in re.findall(r"<dataValidation ([^>]*)>(.*?)</dataValidation>", xml):
        kind = re.search(r'type="(\w+)"', attrs)
        ref = re.search(r'sqref="([^"]+)"', attrs)
        formula = re.search(r"<formula1>(.*?)</formula1>", body)
        assert kind and ref and formula
        found[ref.group(1)] = (kind.group(1), formula.group(1))
    return found


def test_the_template_round_trips_through_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "saamuhika-2024q2.xlsx"
    filled = {
        "SS-EDU-01": [
            {"organisation": "hasiru-dala", "period": "2024Q2", "value": 412},
            {
                "organisation": "saahas",
                "period": "2024Q2",
                "sex": "female",
                "Age Group": "6-10",
                "value": 97,
                "note": "ಶಾಲೆಯ ದಾಖಲೆಗಳಿಂದ",
                "evidence": "https://example.org/register.pdf",
            },
            {"organisation": "saahas", "period": "2024Q1", "value": 90, "reason": "recount"},
        ],
        "SS-LIV-02": [
            {"organisation": "hasiru-dala", "period": "2024-04", "ಜಾತಿ ಗುಂಪು": "ಇತರ", "value": 12.5}
        ],
    }
    write_template(path, "Saamuhika Shakti", [EDU, WAGE], ORGS, rows=filled)
    tables = [(t.sheet, t.columns, list(t.rows)) for t in read_tables(path)]
    empty = {"note": "", "evidence": "", "reason": ""}
    assert tables == [
        (
            "SS-EDU-01",
            (
                "indicator",
                "organisation",
                "period",
                "sex",
                "age group",
                "value",
                "note",
                "evidence",
                "reason",
            ),
            [
                Row(
                    "SS-EDU-01",
                    4,
                    {
                        "organisation": "hasiru-dala",
                        "period": "2024Q2",
                        "sex": "",
                        "age group": "",
                        "value": "412",
                        **empty,
                        "indicator": "SS-EDU-01",
                    },
                ),
                Row(
                    "SS-EDU-01",
                    5,
                    {
                        "organisation": "saahas",
                        "period": "2024Q2",
                        "sex": "female",
                        "age group": "6-10",
                        "value": "97",
                        "note": "ಶಾಲೆಯ ದಾಖಲೆಗಳಿಂದ",
                        "evidence": "https://example.org/register.pdf",
                        "reason": "",
                        "indicator": "SS-EDU-01",
                    },
                ),
                Row(
                    "SS-EDU-01",
                    6,
                    {
                        "organisation": "saahas",
                        "period": "2024Q1",
                        "sex": "",
                        "age group": "",
                        "value": "90",
                        "note": "",
                        "evidence": "",
                        "reason": "recount",
                        "indicator": "SS-EDU-01",
                    },
                ),
            ],
        ),
        (
            "SS-LIV-02",
            (
                "indicator",
                "organisation",
                "period",
                "ಜಾತಿ ಗುಂಪು",
                "value",
                "note",
                "evidence",
                "reason",
            ),
            [
                Row(
                    "SS-LIV-02",
                    4,
                    {
                        "organisation": "hasiru-dala",
                        "period": "2024-04",
                        "ಜಾತಿ ಗುಂಪು": "ಇತರ",
                        "value": "12.5",
                        **empty,
                        "indicator": "SS-LIV-02",
                    },
                )
            ],
        ),
    ]
    assert HEADER_ROW == 3


def test_an_unfilled_template_is_read_as_tables_without_rows(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_template(path, "Saamuhika Shakti", [EDU, STORY], ORGS)
    assert [(t.sheet, list(t.rows)) for t in read_tables(path)] == [
        ("SS-EDU-01", []),
        ("SS-VOICE-01", []),
    ]


def test_a_template_for_one_organisation_has_no_organisation_column(tmp_path: Path) -> None:
    path = tmp_path / "hasiru-dala.xlsx"
    rows = {"SS-EDU-01": [{"period": "2024Q2", "value": 5}]}
    write_template(path, "Saamuhika Shakti", [EDU], ORGS, organisation="hasiru-dala", rows=rows)
    [table] = read_tables(path)
    assert table.columns[:3] == ("indicator", "organisation", "period")
    [row] = table.rows
    assert (row.line, row.cells["organisation"], row.cells["indicator"]) == (
        4,
        "hasiru-dala",
        "SS-EDU-01",
    )
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(path)) as book:
        top = book.get_sheet_by_name("SS-EDU-01").to_python()[:3]
        lists = book.get_sheet_by_name(LISTS_SHEET).to_python()
    assert top[1][:2] == ["Organisation", "hasiru-dala"]
    assert top[2] == ["period", "sex", "Age Group", "value", "note", "evidence", "reason"]
    assert [r[0] for r in lists if r[0]] == ["organisation", "hasiru-dala"]
    with pytest.raises(ValueError, match="not one of the organisations"):
        write_template(path, "Saamuhika Shakti", [EDU], ORGS, organisation="someone-else")


def test_drop_down_lists_and_value_checks_are_in_the_sheets(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_template(path, "Saamuhika Shakti", [EDU, WAGE, STORY, MONEY], ORGS)
    edu = validations(sheet_xml(path, "SS-EDU-01"))
    # organisation A, period B, sex C, age group D, value E
    assert edu == {
        "A4:A1048576": ("list", f"{LISTS_SHEET}!$A$2:$A$4"),
        "B4:B1048576": ("list", f"{LISTS_SHEET}!$B$2:$B$5"),
        "C4:C1048576": ("list", f"{LISTS_SHEET}!$C$2:$C$3"),
        "D4:D1048576": ("list", f"{LISTS_SHEET}!$D$2:$D$3"),
        "E4:E1048576": ("whole", "0"),
    }
    wage = validations(sheet_xml(path, "SS-LIV-02"))
    assert wage["D4:D1048576"] == ("decimal", "0")
    assert "<formula2>100</formula2>" in sheet_xml(path, "SS-LIV-02")
    assert validations(sheet_xml(path, "SS-VOICE-01"))["C4:C1048576"] == ("textLength", "2000")
    assert validations(sheet_xml(path, "SS-FUND-01"))["C4:C1048576"][0] == "decimal"
    xml = sheet_xml(path, "SS-EDU-01")
    assert 'promptTitle="Value"' in xml and "a whole number of 0 or more" in xml
    assert '<pane ySplit="3"' in xml  # rows 1 to 3 stay in view


def test_the_lists_hold_what_the_partner_may_choose(tmp_path: Path) -> None:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    path = tmp_path / "t.xlsx"
    write_template(path, "Saamuhika Shakti", [EDU, WAGE], ORGS)
    with CalamineWorkbook.from_path(str(path)) as book:
        assert book.sheet_names == [README_SHEET, "SS-EDU-01", "SS-LIV-02", LISTS_SHEET]
        visible = {m.name: m.visible for m in book.sheets_metadata}
        assert visible[LISTS_SHEET] == SheetVisibleEnum.Hidden
        assert visible[README_SHEET] == SheetVisibleEnum.Visible
        lists = book.get_sheet_by_name(LISTS_SHEET).to_python()
        columns = [[r[c] for r in lists if c < len(r) and r[c] != ""] for c in range(len(lists[0]))]
        assert columns == [
            ["organisation", *ORGS],
            ["SS-EDU-01 period", *EDU.periods],
            ["SS-EDU-01 sex", "female", "male"],
            ["SS-EDU-01 Age Group", "6-10", "11-14"],
            ["SS-LIV-02 period", *WAGE.periods],
            ["SS-LIV-02 ಜಾತಿ ಗುಂಪು", "ಪರಿಶಿಷ್ಟ ಜಾತಿ", "ಇತರ"],
        ]
        edu = book.get_sheet_by_name("SS-EDU-01").to_python()
        assert edu[0][:3] == ["Indicator", "SS-EDU-01", f"{EDU.name} (count)"]


def test_the_read_me_speaks_plainly_and_keeps_every_script(tmp_path: Path) -> None:
    from python_calamine import CalamineWorkbook

    path = tmp_path / "t.xlsx"
    write_template(path, "ಸಾಮೂಹಿಕ ಶಕ್ತಿ", [EDU, WAGE, MONEY], ORGS)
    with CalamineWorkbook.from_path(str(path)) as book:
        text = "\n".join(
            str(c) for row in book.get_sheet_by_name(README_SHEET).to_python() for c in row
        )
    for expected in (
        "ಸಾಮೂಹಿಕ ಶಕ್ತಿ: values for the shared indicators",
        "One row per value",
        "Leave them all empty for the total",
        "Only to correct a value you sent before",
        f"SS-EDU-01: {EDU.name}",
        f"SS-LIV-02: {WAGE.name}",
        "Value: a whole number of 0 or more.",
        "Value: a number from 0 to 100",
        "an amount of money in INR",
        "Categories: sex: female, male; Age Group: 6-10, 11-14.",
        "Categories: ಜಾತಿ ಗುಂಪು: ಪರಿಶಿಷ್ಟ ಜಾತಿ, ಇತರ.",
        "Categories: none (totals only).",
        "Periods: 2023Q3, 2023Q4, 2024Q1, 2024Q2.",
    ):
        assert expected in text, expected


def test_text_columns_keep_what_is_typed_as_text(tmp_path: Path) -> None:
    """Excel turns 2024-03 and 6-10 typed into a General cell into dates: the template formats
    the period, category and text columns as text (number format @)."""
    path = tmp_path / "t.xlsx"
    write_template(path, "Saamuhika Shakti", [EDU], ORGS)
    with zipfile.ZipFile(path) as book:
        styles = book.read("xl/styles.xml").decode()
    text = re.search(r'<numFmt numFmtId="(\d+)" formatCode="@"/>', styles)
    assert text is not None
    formats = re.findall(r"<xf numFmtId=\"(\d+)\"", styles.split("<cellXfs")[1])
    text_styles = {str(n) for n, f in enumerate(formats) if f == text.group(1)}
    styled: set[int] = set()
    for low, high, style in re.findall(
        r'<col min="(\d+)" max="(\d+)" [^>]*style="(\d+)"', sheet_xml(path, "SS-EDU-01")
    ):
        if style in text_styles:
            styled |= set(range(int(low), int(high) + 1))
    # organisation, period, sex, age group, note, evidence, reason; not value (5)
    assert styled == {1, 2, 3, 4, 6, 7, 8}


def test_long_and_clashing_codes_get_distinct_sheet_names() -> None:
    long = "SS-" + "-".join(["ABCDEFGH"] * 4)  # 38 characters
    names = sheet_names([long, long[:-1] + "X", "LISTS", "SS-EDU-01"])
    assert names == [long[:31], long[:29] + "~2", "LISTS~2", "SS-EDU-01"]
    assert all(len(n) <= 31 for n in names)


def test_a_long_code_is_read_from_the_title_row(tmp_path: Path) -> None:
    code = "SS-" + "-".join(["ABCDEFGH"] * 4)
    sheet = TemplateSheet(code, "Long", "ratio", ("2024Q1",), ())
    path = tmp_path / "t.xlsx"
    rows = {code: [{"organisation": "saahas", "period": "2024Q1", "value": -0.25}]}
    write_template(path, "C", [sheet], ORGS, rows=rows)
    [table] = read_tables(path)
    [row] = table.rows
    assert table.sheet == code[:31]
    assert (row.cells["indicator"], row.cells["value"]) == (code, "-0.25")


@pytest.mark.parametrize(
    ("name", "sheets", "message"),
    [
        ("t.xls", [EDU], "name it t.xlsx, not t.xls"),
        ("t.csv", [EDU], "name it t.xlsx, not t.csv"),
        ("t.xlsx", [], "at least one indicator"),
        ("t.xlsx", [EDU, EDU], "SS-EDU-01 is given twice"),
        (
            "t.xlsx",
            [TemplateSheet("A-1", "a", "count", (), (("Value", ("x",)),))],
            "dimension 'Value' cannot be a column",
        ),
        (
            "t.xlsx",
            [TemplateSheet("A-1", "a", "count", (), (("sex", ("f",)), ("Sex", ("m",))))],
            "dimension 'Sex' cannot be a column",
        ),
    ],
)
def test_refusals(tmp_path: Path, name: str, sheets: list[TemplateSheet], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        write_template(tmp_path / name, "C", sheets, ORGS)
    assert "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_a_failed_write_leaves_no_file_behind(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    with pytest.raises(ValueError, match="no column 'colour'"):
        write_template(path, "C", [EDU], ORGS, rows={"SS-EDU-01": [{"colour": "red"}]})
    assert list(tmp_path.iterdir()) == []
