"""Malformed partner files, generated: each ends in a clean import or one clear error.

Hypothesis writes CSV, XLSX and ODS files as partners really send them, and worse: other
encodings, files cut short, merged cells, formulas, dates where periods go, numbers typed as text
with thousands separators (Indian grouping, ``1,23,456``), Bengali digits, empty rows, very long
strings, random bytes. Whatever the file, ``collective import values`` either records it whole
(exit 0, exactly the events its summary counts, and the audit log verifies) or refuses it (exit
1, ``Error: <one line>``, nothing written). Never a traceback, never part of a file.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sheet_files import EmptyRows, Error, Formula, Span, write_ods, write_xlsx

from cli.main import main
from domain.collective import Settings
from domain.measurement import Definition, Dimension
from domain.organisation import Profile
from domain.periods import Cadence, Calendar
from domain.vocabulary import Direction, OrgType, Unit
from ledger.application import Context, open_ledger

ORGS = ("hasiru-dala", "mahila-sangha")
HEADER = ["indicator", "organisation", "period", "sex", "value", "note", "reason"]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "ledger.db"
    app = open_ledger(str(path), create=True)
    ctx = Context(actor="meera", on=date(2024, 1, 1))
    try:
        app.init_collective(Settings(slug="ss", name="SS", calendar=Calendar.INDIA), ctx)
        for org in ORGS:
            app.add_organisation(Profile(slug=org, name=org, type=OrgType.COMMUNITY), ctx)
            app.join(org, None, ctx)
        for code, unit in (("SS-EDU-01", Unit.COUNT), ("SS-LIV-02", Unit.PERCENT)):
            dims = (Dimension(name="sex", categories=("female", "male")),)
            app.define_indicator(
                code,
                Definition(
                    name=f"{code} ಸೂಚಕ",
                    unit=unit,
                    direction=Direction.UP,
                    cadence=Cadence.QUARTERLY,
                    dimensions=dims if unit is Unit.COUNT else (),
                ),
                ctx,
            )
    finally:
        app.close()
    return path


texts = st.one_of(
    st.sampled_from(
        ["", " ", "412", "1,23,456", "123,456", "৪১২", "১,২৩,৪৫৬", "12,5", "-3", "1e3", "NaN",
         "=SUM(A1:A3)", "45123", "2024Q1", "2024-04-01", "female", "male", "hasiru-dala",
         "SS-EDU-01", "SS-LIV-02", "x" * 3000, "ಶಾಲಾ ದಾಖಲಾತಿ", "মোট", "\u200b", "\x00"]
    ),
    st.text(max_size=30),
)  # fmt: skip
keys = st.tuples(
    st.sampled_from(["SS-EDU-01", "SS-LIV-02", "ss-edu-01", "SS-XXX-01", ""]),
    st.sampled_from([*ORGS, "Hasiru Dala", ""]),
    st.sampled_from(["2024Q1", "2024Q2", "FY2024-25", "2024-05", "", "45383"]),
    st.sampled_from(["", "female", "male", "other"]),
)
clean_keys = st.tuples(
    st.just("SS-EDU-01"),
    st.sampled_from(ORGS),
    st.sampled_from(["2024Q1", "2024Q2", "2024Q3"]),
    st.sampled_from(["", "female", "male"]),
)
clean_values = st.one_of(
    st.integers(min_value=0, max_value=10**7).map(str),
    st.sampled_from(["1,23,456", "৪১২", " 12 ", "007"]),
)
clean = st.tuples(clean_keys, clean_values, texts, st.just(""))
wild = st.tuples(keys, texts, texts, st.sampled_from(["", "corrected after audit"]))
# Mostly rows a partner would send, with now and then one that is wrong in any way at all.
rows = st.lists(st.one_of(clean, clean, clean, wild), max_size=10)


def _cells(row: tuple[tuple[str, str, str, str], str, str, str]) -> list[str]:
    (code, org, period, sex), value, note, reason = row
    return [code, org, period, sex, value, note, reason]


def _events(path: Path) -> int:
    app = open_ledger(str(path))
    try:
        return app.event_count()
    finally:
        app.close()


def _check(ledger: Path, file: Path, work: Path) -> None:
    """The import of ``file`` is whole or refused in one line; never a traceback."""
    store = work / "ledger.db"
    if not store.exists():
        shutil.copyfile(ledger, store)
    before = _events(store)
    result = CliRunner().invoke(
        main, ["--store", str(store), "--actor", "meera", "import", "values", str(file), "--json"]
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 1), result.output
    event(f"exit {result.exit_code}")
    after = _events(store)
    if result.exit_code == 1:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
        assert after == before, "a refused file wrote something"
        return
    summary = json.loads(result.stdout)
    written = 0 if summary.get("already_imported") else summary.get("events", 0)
    assert after - before == written
    verified = CliRunner().invoke(main, ["--store", str(store), "verify"])
    assert verified.exit_code == 0, verified.output


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    content=rows,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"]),
    cut=st.one_of(st.none(), st.integers(min_value=0, max_value=400)),
    delimiter=st.sampled_from([",", ";", "\t"]),
    blank_lines=st.booleans(),
)
def test_any_csv_is_imported_whole_or_refused_in_one_line(
    ledger: Path,
    tmp_path_factory: pytest.TempPathFactory,
    content: list[Any],
    encoding: str,
    cut: int | None,
    delimiter: str,
    blank_lines: bool,
) -> None:
    import csv
    import io

    work = tmp_path_factory.mktemp("csv")
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter)
    writer.writerow(HEADER)
    for row in content:
        writer.writerow(_cells(row))
        if blank_lines:
            text.write("\r\n")
    try:
        data = text.getvalue().encode(encoding)
    except UnicodeEncodeError:
        data = text.getvalue().encode("utf-8", errors="replace")
    if cut is not None:
        data = data[:cut]
    file = work / "partner.csv"
    file.write_bytes(data)
    _check(ledger, file, work)


cell_values = st.one_of(
    texts,
    st.integers(min_value=-10, max_value=10**16),
    st.floats(allow_nan=False, allow_infinity=False),  # a spreadsheet cannot hold NaN
    st.booleans(),
    st.none(),
    st.just(date(2024, 4, 1)),
    st.just(datetime(2024, 4, 1, 10, 30)),
    st.just(Error()),
    st.builds(Formula, st.just("=1+2"), st.sampled_from([3, "3", None])),
    st.builds(Span, texts, st.integers(min_value=2, max_value=3)),
)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    content=st.lists(
        st.one_of(
            clean,
            clean,
            st.tuples(keys, cell_values, texts, st.sampled_from(["", "corrected"])),
        ),
        max_size=8,
    ),
    kind=st.sampled_from(["xlsx", "ods"]),
    empty_rows=st.integers(min_value=0, max_value=3),
    cut=st.one_of(st.none(), st.integers(min_value=0, max_value=2000)),
)
def test_any_spreadsheet_is_imported_whole_or_refused_in_one_line(
    ledger: Path,
    tmp_path_factory: pytest.TempPathFactory,
    content: list[Any],
    kind: str,
    empty_rows: int,
    cut: int | None,
) -> None:
    work = tmp_path_factory.mktemp(kind)
    sheet: list[Any] = [HEADER]
    for (code, org, period, sex), value, note, reason in content:
        sheet.append([code, org, period, sex, value, note, reason])
        if empty_rows:
            sheet.append(EmptyRows(empty_rows) if kind == "ods" else [None] * len(HEADER))
    file = work / f"partner.{kind}"
    (write_ods if kind == "ods" else write_xlsx)(file, {"SS values": sheet})
    if cut is not None:
        file.write_bytes(file.read_bytes()[:cut])
    _check(ledger, file, work)
