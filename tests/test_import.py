"""``collective import values``: a partner's file, checked whole, recorded whole or not at all.

Hand-made files with known answers: every rule of a value refuses its row (all problems of a
file at once, nothing written), a valid file is recorded once, a file sent again records nothing,
an edited file records only what changed, and a changed value needs a reason.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, everything_verifies, ok

from domain.governance import Charter, Proposal
from domain.measurement import Definition, Dimension
from domain.organisation import Profile
from domain.periods import Cadence
from domain.vocabulary import DecisionRule, Direction, OrgType, Stance, Unit
from ledger.application import Context, open_ledger
from ledger.imports import plan
from ledger.mapper import PydanticMapper, encode_state

HEADER = ["indicator", "organisation", "period", "sex", "age", "value", "note", "reason"]


@pytest.fixture(autouse=True, params=["recorded by the importing process", "written beside"])
def writer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every import here runs twice on SQLite: recorded by the importing process once the file is
    checked (files of fewer than ``SINK_BATCH`` values, and PostgreSQL, are), and written by a
    second process while the rest of the file is checked (``ledger/imports/writer.py``; here
    from the first two values on)."""
    if request.param == "written beside":
        monkeypatch.setattr(plan, "SINK_BATCH", 2)
    return str(request.param)


@pytest.fixture
def imp_cli(ss_cli: Cli) -> Cli:
    """Saamuhika Shakti with two members, SS-EDU-01 (count, by sex and age), SS-LIV-02
    (percent, no dimensions), and 2023Q4 closed by decision steering-1."""
    app = open_ledger(str(ss_cli.store))
    ctx = Context(actor="meera")
    try:
        app.add_organisation(
            Profile(slug="mahila-sangha", name="মহিলা সংঘ", type=OrgType.COMMUNITY), ctx
        )
        app.join("mahila-sangha", None, ctx)
        app.add_organisation(Profile(slug="outsider", name="Outsider", type=OrgType.FUNDER), ctx)
        app.add_body(Charter(slug="steering", name="Steering", rule=DecisionRule.CONSENT), ctx)
        app.seat("steering", "hasiru-dala", True, ctx)
        app.propose("steering", Proposal(title="Close 2023Q4", rationale="audited"), ctx)
        app.take_position("steering-1", "hasiru-dala", Stance.CONSENT, ctx)
        app.close_decision("steering-1", ctx)
        app.define_indicator(
            "SS-EDU-01",
            Definition(
                name="ಶಾಲೆಗೆ ದಾಖಲಾದ ಮಕ್ಕಳು",
                unit=Unit.COUNT,
                direction=Direction.UP,
                cadence=Cadence.QUARTERLY,
                dimensions=(
                    Dimension(name="sex", categories=("female", "male")),
                    Dimension(name="age", categories=("3-5", "6-14")),
                ),
            ),
            ctx,
        )
        app.define_indicator(
            "SS-LIV-02",
            Definition(
                name="Households with a bank account",
                unit=Unit.PERCENT,
                direction=Direction.UP,
                cadence=Cadence.QUARTERLY,
            ),
            ctx,
        )
        app.close_period("2023Q4", "steering-1", ctx)
    finally:
        app.close()
    return ss_cli


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


GOOD = [
    ["SS-EDU-01", "hasiru-dala", "2024Q1", "", "", "40", "ಒಟ್ಟು", ""],
    ["SS-EDU-01", "hasiru-dala", "2024Q1", "female", "", "22", "", ""],
    ["SS-EDU-01", "hasiru-dala", "2024Q1", "male", "", "18", "", ""],
    ["SS-EDU-01", "mahila-sangha", "2024Q1", "female", "6-14", "1,234", "মোট", ""],
    ["SS-LIV-02", "mahila-sangha", "2024Q1", "", "", "62.5", "", ""],
]


def imported(cli: Cli, path: Path, *extra: str) -> dict[str, object]:
    result = ok(cli("import", "values", str(path), "--json", *extra))
    found: dict[str, object] = json.loads(result.stdout)
    return found


def values_of(cli: Cli) -> dict[tuple[str, str, str, str], str]:
    """Every current value, from `collective progress`-independent reading of the reports."""
    from domain.measurement import cell_label
    from domain.reporting import Report

    app = open_ledger(str(cli.store))
    try:
        found = {}
        for e in app.recorder.select_notifications(None, 10_000):
            if e.topic.startswith("collective-ledger:Report.Value"):
                event = app.mapper.to_domain_event(e)
                report = app.repository.get(event.originator_id)
                assert isinstance(report, Report)
                for cell, entry in report.entries.items():
                    key = (report.code, report.org, report.period, cell_label(cell))
                    found[key] = entry.shown
        return found
    finally:
        app.close()


def test_a_valid_file_is_recorded_whole(imp_cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "q1.csv", GOOD)
    before = imp_cli.events()
    summary = imported(imp_cli, path)
    # 5 values in 3 new reports (EDU hasiru-dala, EDU mahila-sangha, LIV mahila-sangha)
    assert summary["values"] == 5
    assert summary["reports_opened"] == 3
    assert summary["events"] == 8
    assert imp_cli.events() == before + 8
    values = values_of(imp_cli)
    assert values[("SS-EDU-01", "mahila-sangha", "2024Q1", "age=6-14, sex=female")] == "1234"
    assert values[("SS-EDU-01", "hasiru-dala", "2024Q1", "total")] == "40"
    assert values[("SS-LIV-02", "mahila-sangha", "2024Q1", "total")] == "62.5"
    assert ok(imp_cli("verify")).exit_code == 0


def test_the_stored_events_are_those_the_domain_would_store(imp_cli: Cli, tmp_path: Path) -> None:
    """Each event the bulk path wrote reads back through the mapper, and the domain's own
    encoding of it gives the very same bytes."""
    imported(imp_cli, write_csv(tmp_path / "q1.csv", GOOD))
    header = ["indicator", "organisation", "period", "sex", "value", "note", "evidence", "reason"]
    odd = [
        ["SS-EDU-01", "hasiru-dala", "2024Q2", "female", "7", 'a "quoted" note\\ ✓', "", "late"],
        ["SS-EDU-01", "hasiru-dala", "2024Q2", "", "9", "", "https://example.org/ದಾಖಲೆ.pdf", ""],
    ]
    imported(imp_cli, write_csv(tmp_path / "q2.csv", odd, header=header))
    app = open_ledger(str(imp_cli.store))
    try:
        mapper = app.mapper
        assert isinstance(mapper, PydanticMapper)
        stored = [
            e
            for e in app.recorder.select_notifications(None, 10_000)
            if e.topic.startswith("collective-ledger:Report.")
        ]
        assert len(stored) == 11
        for e in stored:
            event = mapper.to_domain_event(e)
            assert encode_state(event) == e.state
            assert event.meta.actor == "meera"
            assert event.meta.request_id.startswith("import:")
        decoded = {str(getattr(e, "value", "")): e for e in map(mapper.to_domain_event, stored)}
        assert decoded["7"].meta.reason == "late"
        assert decoded["7"].note == 'a "quoted" note\\ ✓'
        assert decoded["9"].evidence == "https://example.org/ದಾಖಲೆ.pdf"
        firsts = [mapper.to_domain_event(e) for e in stored if e.originator_version == 1]
        assert {e.meta.on_behalf_of for e in firsts} == {"hasiru-dala", "mahila-sangha"}
    finally:
        app.close()


def test_every_problem_of_a_file_is_listed_and_nothing_is_written(
    imp_cli: Cli, tmp_path: Path
) -> None:
    rows = [
        ["SS-EDU-01", "hasiru-dala", "2024Q1", "", "", "40", "", ""],  # fine
        ["SS-XXX-09", "hasiru-dala", "2024Q1", "", "", "1", "", ""],  # 3 unknown indicator
        ["SS-EDU-01", "outsider", "2024Q1", "", "", "1", "", ""],  # 4 not a member
        ["SS-EDU-01", "hasiru-dala", "2024-03", "", "", "1", "", ""],  # 5 monthly, not quarterly
        ["SS-EDU-01", "hasiru-dala", "2023Q4", "", "", "1", "", ""],  # 6 closed
        ["SS-EDU-01", "hasiru-dala", "2024Q1", "other", "", "1", "", ""],  # 7 no such category
        ["SS-LIV-02", "hasiru-dala", "2024Q1", "female", "", "1", "", ""],  # 8 no such dimension
        ["SS-EDU-01", "hasiru-dala", "2024Q2", "", "", "-3", "", ""],  # 9 negative count
        ["SS-LIV-02", "hasiru-dala", "2024Q2", "", "", "12,5", "", ""],  # 10 decimal comma
        ["SS-EDU-01", "hasiru-dala", "2024Q1", "", "", "41", "", ""],  # 11 same cell as row 2
        ["SS-EDU-01", "hasiru-dala", "2024Q3", "", "", "", "", ""],  # 12 empty value
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    before = imp_cli.events()
    result = imp_cli("import", "values", str(path), "--json")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: 10 problems in bad.csv (11 rows): nothing was imported; correct the file and "
        "import it again"
    ]
    problems = json.loads(result.stdout)["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [
        (3, "indicator"),
        (4, "organisation"),
        (5, "period"),
        (6, "period"),
        (7, "sex"),
        (8, "sex"),
        (9, "value"),
        (10, "value"),
        (11, "value"),
        (12, "value"),
    ]
    by_row = {p["row"]: p["problem"] for p in problems}
    assert "not found" in by_row[3]
    assert "not a member" in by_row[4]
    assert "closed (decision steering-1)" in by_row[6]
    assert "is not a category of SS-EDU-01" in by_row[7]
    assert "not disaggregated by sex" in by_row[8]
    assert "is already in row 2 of this file" in by_row[11]
    assert imp_cli.events() == before


def test_problems_are_a_table_for_people(imp_cli: Cli, tmp_path: Path) -> None:
    rows = [["SS-EDU-01", "outsider", "2024Q1", "", "", "1", "", ""]]
    result = imp_cli("import", "values", str(write_csv(tmp_path / "one.csv", rows)))
    assert result.exit_code == 1
    assert "1 problem in one.csv" in result.stdout
    assert "outsider" in result.stdout
    assert "organisation" in result.stdout


def test_a_dry_run_says_what_it_would_record_and_writes_nothing(
    imp_cli: Cli, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "q1.csv", GOOD)
    before = imp_cli.events()
    summary = imported(imp_cli, path, "--dry-run")
    assert summary["values"] == 5
    assert len(summary["would_record"]) == 5  # type: ignore[arg-type]
    assert imp_cli.events() == before
    text = ok(imp_cli("import", "values", str(path), "--dry-run")).stdout
    assert "Dry run: q1.csv has 5 rows and no problems" in text
    assert imp_cli.events() == before


def test_the_same_file_twice_records_once(imp_cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "q1.csv", GOOD)
    first = imported(imp_cli, path)
    count = imp_cli.events()
    again = imported(imp_cli, path)
    assert again["already_imported"] is True
    assert (again["first_position"], again["last_position"]) == (
        first["first_position"],
        first["last_position"],
    )
    assert imp_cli.events() == count
    said = imp_cli("import", "values", str(path))
    assert "was imported already" in said.stderr


def test_an_edited_file_records_only_what_is_new(imp_cli: Cli, tmp_path: Path) -> None:
    imported(imp_cli, write_csv(tmp_path / "q1.csv", GOOD))
    count = imp_cli.events()
    more = [*GOOD, ["SS-EDU-01", "hasiru-dala", "2024Q2", "", "", "44", "", ""]]
    summary = imported(imp_cli, write_csv(tmp_path / "q1-and-q2.csv", more))
    assert (summary["values"], summary["unchanged"], summary["events"]) == (1, 5, 2)
    assert imp_cli.events() == count + 2


def test_a_changed_value_needs_a_reason_and_is_then_a_correction(
    imp_cli: Cli, tmp_path: Path
) -> None:
    imported(imp_cli, write_csv(tmp_path / "q1.csv", GOOD))
    count = imp_cli.events()
    changed = [list(row) for row in GOOD]
    changed[1][5] = "23"  # hasiru-dala 2024Q1 female: 22 -> 23
    result = imp_cli("import", "values", str(write_csv(tmp_path / "v2.csv", changed)), "--json")
    assert result.exit_code == 1
    [problem] = json.loads(result.stdout)["problems"]
    assert problem["row"] == 3
    assert problem["problem"] == (
        "SS-EDU-01/hasiru-dala/2024Q1 sex=female was recorded as 22, the file says 23: to "
        "correct it, say why in the reason column"
    )
    assert imp_cli.events() == count
    changed[1][7] = "ಎಣಿಕೆ ತಪ್ಪು: one girl counted twice"
    summary = imported(imp_cli, write_csv(tmp_path / "v3.csv", changed))
    assert (summary["values"], summary["corrections"], summary["unchanged"]) == (0, 1, 4)
    assert values_of(imp_cli)[("SS-EDU-01", "hasiru-dala", "2024Q1", "sex=female")] == "23"
    app = open_ledger(str(imp_cli.store))
    try:
        [last] = app.recorder.select_notifications(count + 1, 1)
        event = app.mapper.to_domain_event(last)
        assert type(event).__name__ == "ValueCorrected"
        assert (str(event.previous_value), str(event.value)) == ("22", "23")
        assert event.meta.reason == "ಎಣಿಕೆ ತಪ್ಪು: one girl counted twice"
    finally:
        app.close()


def test_a_partner_reporter_imports_for_its_own_organisation_only(
    imp_cli: Cli, tmp_path: Path
) -> None:
    ok(imp_cli("actor", "add", "rani", "--org", "mahila-sangha", "--role", "partner-reporter"))
    before = imp_cli.events()
    path = write_csv(tmp_path / "q1.csv", GOOD)
    result = imp_cli("import", "values", str(path), "--json", actor="rani")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert {(p["row"], p["column"]) for p in problems} == {
        (2, "organisation"),
        (3, "organisation"),
        (4, "organisation"),
    }
    assert "rani reports for mahila-sangha only" in problems[0]["problem"]
    assert imp_cli.events() == before
    own = write_csv(tmp_path / "own.csv", GOOD[3:])
    summary = json.loads(ok(imp_cli("import", "values", str(own), "--json", actor="rani")).stdout)
    assert summary["values"] == 2


def test_a_file_that_is_not_there_or_not_a_table_is_one_line(imp_cli: Cli, tmp_path: Path) -> None:
    result = imp_cli("import", "values", str(tmp_path / "missing.csv"))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no file")
    no_values = write_csv(tmp_path / "wrong.csv", [["x"]], header=["what"])
    result = imp_cli("import", "values", str(no_values))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: wrong.csv: no header row with a value column in the first 20 rows (the header "
        "names the columns: indicator, organisation, period, value, ...)"
    ]
    short = write_csv(tmp_path / "short.csv", [["SS-EDU-01", "1"]], header=["indicator", "value"])
    result = imp_cli("import", "values", str(short))
    assert result.exit_code == 1
    assert "the header has no organisation or period column" in result.stdout


@pytest.mark.postgres
def test_an_import_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli.main import main

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["--store", pg_url, "--actor", "meera", *args])
        assert result.exit_code == 0, (result.output, result.stderr)
        return result.stdout

    run("init", "ss", "--name", "SS", "--on", "2020-01-01")
    run("org", "add", "hasiru-dala", "--name", "Hasiru Dala", "--type", "implementing")
    run("org", "join", "hasiru-dala")
    run(
        "indicator", "define", "SS-LIV-02", "--name", "Bank accounts", "--unit", "percent",
        "--direction", "up", "--cadence", "quarterly",
    )  # fmt: skip
    rows = [["SS-LIV-02", "hasiru-dala", f"{y}Q{q}", "", "", str(q * 10), "", ""]
            for y in (2022, 2023) for q in (1, 2, 3, 4)]  # fmt: skip
    path = write_csv(tmp_path / "pg.csv", rows)
    summary = json.loads(run("import", "values", str(path), "--json"))
    assert (summary["values"], summary["events"]) == (8, 16)
    again = json.loads(run("import", "values", str(path), "--json"))
    assert again["already_imported"] is True
    run("verify")


def test_a_template_filled_in_by_a_partner_imports_unchanged(imp_cli: Cli, tmp_path: Path) -> None:
    """`import template` for one organisation; the partner fills it in (here with the same
    writer, as Excel would save it); `import values` reads it as it is."""
    from ledger.imports.commands import ImportCommands
    from ledger.imports.template import write_template

    out = tmp_path / "mahila-sangha.xlsx"
    made = ok(
        imp_cli(
            "import", "template", "SS-EDU-01", "SS-LIV-02", "--org", "mahila-sangha",
            "--out", str(out),
        )
    )  # fmt: skip
    assert "Wrote" in made.stderr and out.exists()
    app = open_ledger(str(imp_cli.store), kind=ImportCommands)
    try:
        ctx = Context(actor="meera")
        sheets = app.template_sheets(["SS-EDU-01", "SS-LIV-02"], ctx, periods=4)
        members = app.members(ctx)
    finally:
        app.close()
    assert [s.code for s in sheets] == ["SS-EDU-01", "SS-LIV-02"]
    assert sheets[0].dimensions == (("sex", ("female", "male")), ("age", ("3-5", "6-14")))
    period = sheets[0].periods[-1]
    filled = tmp_path / "filled.xlsx"
    write_template(
        filled,
        "saamuhika-shakti",
        sheets,
        members,
        organisation="mahila-sangha",
        rows={
            "SS-EDU-01": [
                {"period": period, "value": 31, "note": "মোট"},
                {"period": period, "sex": "female", "age": "6-14", "value": 17},
            ],
            "SS-LIV-02": [{"period": period, "value": 48.5}],
        },
    )
    summary = imported(imp_cli, filled)
    assert (summary["values"], summary["reports_opened"]) == (3, 2)
    values = values_of(imp_cli)
    assert values[("SS-EDU-01", "mahila-sangha", period, "total")] == "31"
    assert values[("SS-EDU-01", "mahila-sangha", period, "age=6-14, sex=female")] == "17"
    assert values[("SS-LIV-02", "mahila-sangha", period, "total")] == "48.5"


def test_a_template_needs_an_xlsx_name_and_known_indicators(imp_cli: Cli, tmp_path: Path) -> None:
    result = imp_cli("import", "template", "SS-EDU-01", "--out", str(tmp_path / "t.csv"))
    assert result.exit_code == 1
    assert (
        result.stderr.strip() == "Error: the template is an .xlsx file: name it t.xlsx, not t.csv"
    )
    result = imp_cli("import", "template", "SS-NONE-01", "--out", str(tmp_path / "t.xlsx"))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: indicator 'SS-NONE-01' not found")
    result = imp_cli(
        "import", "template", "SS-EDU-01", "--org", "outsider", "--out", str(tmp_path / "t.xlsx")
    )
    assert result.exit_code == 1
    assert "outsider is not a member" in result.stderr
    assert not (tmp_path / "t.xlsx").exists()


def test_dimension_columns_match_whatever_their_case(imp_cli: Cli, tmp_path: Path) -> None:
    app = open_ledger(str(imp_cli.store))
    try:
        app.define_indicator(
            "SS-HH-03",
            Definition(
                name="Households",
                unit=Unit.COUNT,
                direction=Direction.UP,
                cadence=Cadence.QUARTERLY,
                dimensions=(Dimension(name="Caste Group", categories=("SC", "ST", "other")),),
            ),
            Context(actor="meera"),
        )
    finally:
        app.close()
    rows = [["SS-HH-03", "hasiru-dala", "2024Q1", "ST", "9"]]
    header = ["indicator", "organisation", "period", "CASTE  group", "value"]
    summary = imported(imp_cli, write_csv(tmp_path / "caste.csv", rows, header=header))
    assert summary["values"] == 1
    assert values_of(imp_cli)[("SS-HH-03", "hasiru-dala", "2024Q1", "Caste Group=ST")] == "9"
    bad = write_csv(tmp_path / "bad.csv", [["SS-HH-03", "hasiru-dala", "2024Q2", "XX", "9"]],
                    header=header)  # fmt: skip
    result = imp_cli("import", "values", str(bad), "--json")
    assert result.exit_code == 1
    [problem] = json.loads(result.stdout)["problems"]
    assert (problem["column"], problem["value"]) == ("caste group", "XX")
    assert "is not a category of SS-HH-03" in problem["problem"]


@pytest.mark.sqlite_only("SQLite's page cache")
def test_a_bulk_insert_gives_the_connection_its_own_page_cache_back(tmp_path: Path) -> None:
    """The bulk path runs with a larger page cache (ledger/sqlite.py, BULK_CACHE_KIB); the
    pooled connection has its own again afterwards, also after a refused batch."""
    import uuid

    from eventsourcing.persistence import IntegrityError

    from ledger.sqlite import BULK_CACHE_KIB

    app = open_ledger(str(tmp_path / "ledger.db"), create=True)
    try:

        def cache() -> int:
            with app.factory.datastore.transaction(commit=False) as c:
                c.execute("PRAGMA cache_size")
                return int(c.fetchone()[0])

        before = cache()
        assert before != -BULK_CACHE_KIB
        ident = uuid.uuid4().hex
        rows = [(ident, v, "collective-ledger:Report.Opened", b"{}") for v in range(1, 5)]
        first, last = app.recorder.insert_rows(rows)  # type: ignore[attr-defined]
        assert last - first == 3
        assert cache() == before
        with pytest.raises(IntegrityError):  # the same versions again: refused whole
            app.recorder.insert_rows(rows)  # type: ignore[attr-defined]
        assert cache() == before
    finally:
        app.close()


# -- the second process that writes while the file is checked (ledger/imports/writer.py) ------


@pytest.fixture
def writers_started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ledgers a second process was started to write to, from the first two values on."""
    from ledger.imports import writer as writer_module

    monkeypatch.setattr(plan, "SINK_BATCH", 2)
    started: list[str] = []
    real = writer_module.BackgroundWriter.__init__

    def spy(self: Any, ledger: str, statement: str, timeout: float) -> None:
        started.append(ledger)
        real(self, ledger, statement, timeout)

    monkeypatch.setattr(writer_module.BackgroundWriter, "__init__", spy)
    return started


@pytest.mark.sqlite_only("the second process writes to SQLite files")
def test_a_file_is_written_by_a_second_process_while_it_is_checked(
    imp_cli: Cli, tmp_path: Path, writers_started: list[str]
) -> None:
    before = imp_cli.events()
    summary = imported(imp_cli, write_csv(tmp_path / "q1.csv", GOOD))
    assert writers_started == [str(imp_cli.store)]
    assert (summary["values"], summary["events"]) == (5, 8)
    assert everything_verifies(str(imp_cli.store)) == before + 8
    assert values_of(imp_cli)[("SS-EDU-01", "mahila-sangha", "2024Q1", "age=6-14, sex=female")] == (
        "1234"
    )


@pytest.mark.sqlite_only("the second process writes to SQLite files")
def test_a_problem_after_values_were_written_beside_leaves_nothing(
    imp_cli: Cli, tmp_path: Path, writers_started: list[str]
) -> None:
    """The second process had written the first rows when the last one is found wrong: it
    rolls back, and the ledger is as it was."""
    before = imp_cli.events()
    rows = [*GOOD, ["SS-EDU-01", "outsider", "2024Q1", "", "", "1", "", ""]]
    result = imp_cli("import", "values", str(write_csv(tmp_path / "bad.csv", rows)), "--json")
    assert result.exit_code == 1
    assert [p["row"] for p in json.loads(result.stdout)["problems"]] == [7]
    assert writers_started, "values were handed to the second process before the problem"
    assert everything_verifies(str(imp_cli.store)) == before


@pytest.mark.sqlite_only("the second process writes to SQLite files")
def test_a_file_that_corrects_values_is_recorded_once_checked(
    imp_cli: Cli, tmp_path: Path, writers_started: list[str]
) -> None:
    """What the second process wrote assumed new reports; a file that corrects the ledger's
    values is recorded by the importing process once checked, and the second one writes
    nothing."""
    imported(imp_cli, write_csv(tmp_path / "q1.csv", GOOD))
    count = imp_cli.events()
    changed = [list(row) for row in GOOD]
    changed[1][5], changed[1][7] = "23", "counted twice"
    summary = imported(imp_cli, write_csv(tmp_path / "v2.csv", changed))
    assert (summary["corrections"], summary["unchanged"], summary["events"]) == (1, 4, 1)
    assert len(writers_started) == 2
    assert everything_verifies(str(imp_cli.store)) == count + 1


@pytest.mark.sqlite_only("a write lock held through sqlite3")
def test_an_import_waiting_too_long_for_another_writer_is_one_line(
    imp_cli: Cli, tmp_path: Path, writers_started: list[str]
) -> None:
    import sqlite3

    before = imp_cli.events()
    other = sqlite3.connect(imp_cli.store, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer, holding the lock
    try:
        result = imp_cli(
            "import", "values", str(write_csv(tmp_path / "q1.csv", GOOD)),
            COLLECTIVE_LOCK_TIMEOUT="1",
        )  # fmt: skip
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the ledger is busy: another writer held it")
    assert len(result.stderr.strip().splitlines()) == 1
    assert writers_started
    assert imp_cli.events() == before


@pytest.mark.sqlite_only("the second process writes to SQLite files")
def test_the_second_process_writes_nothing_unless_told_to_commit(imp_cli: Cli) -> None:
    """Its input ends without a commit (the importing process stopped, or was killed): nothing
    is written. Events that exist already: refused whole, as the library refuses them."""
    from eventsourcing.persistence import IntegrityError

    from ledger.imports.writer import BackgroundWriter
    from ledger.store import StoreError

    app = imp_cli.open()
    try:
        statement = app.recorder.insert_events_statement  # type: ignore[attr-defined]
        [first] = app.recorder.select_notifications(1, 1)
    finally:
        app.close()
    before = imp_cli.events()
    fresh = ("0" * 32, 1, "collective-ledger:Report.Opened", b"{}")
    stopped = BackgroundWriter(str(imp_cli.store), statement, 5)
    stopped.send([fresh])
    stopped.abandon()
    assert stopped.process.returncode == 3
    assert imp_cli.events() == before
    again = (first.originator_id.hex, first.originator_version, first.topic, first.state)
    refused = BackgroundWriter(str(imp_cli.store), statement, 5)
    refused.send([fresh, again])
    with pytest.raises(IntegrityError, match="UNIQUE"):
        refused.commit("import:test")
    broken = BackgroundWriter(str(imp_cli.store), statement.replace("stored_events", "nowhere"), 5)
    broken.send([fresh])
    with pytest.raises(StoreError, match=r"^the process writing the import failed \(Op"):
        broken.commit("import:test")
    assert everything_verifies(str(imp_cli.store)) == before
