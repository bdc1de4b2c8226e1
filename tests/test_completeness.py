"""``collective completeness``: who reported which indicator for which period, what is late,
queried, returned or approved.

Expected: every current member that ever reported an indicator, for every period of its cadence
from its first report to the last period that ended before the reference day (in the
collective's time zone); late when the period ended more than the grace days ago with no value.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, ok, refused
from measurement_steps import (
    SEX,
    SS,
    correct,
    ctx,
    define,
    figures,
    given_a_collective,
    passed_decision,
    retract,
    review,
    submit,
    views_of,
)

from domain.periods import Cadence
from domain.vocabulary import ReviewAction, Unit
from ledger.application import Context, LedgerApplication, open_ledger
from projections.completeness import completeness

MID_AUGUST = datetime(2024, 8, 15, 6, 0, tzinfo=UTC)
COLUMNS = ("org", "period", "state", "values", "due", "comment")


def given_quarterly_reports(app: LedgerApplication) -> None:
    """hasiru-dala: 2024Q1 approved, 2024Q2 queried, 2024Q3 early; sambhav: 2024Q1 returned,
    nothing for 2024Q2; sparsha: 2024Q2 only (its first report)."""
    given_a_collective(app)
    define(app, "SS-SOC-01")
    for org, period, value in (
        ("hasiru-dala", "2024Q1", "12"),
        ("hasiru-dala", "2024Q2", "14"),
        ("hasiru-dala", "2024Q3", "3"),
        ("sambhav", "2024Q1", "9"),
        ("sparsha", "2024Q2", "5"),
    ):
        submit(app, "SS-SOC-01", org, period, value)
    review(app, "SS-SOC-01", "hasiru-dala", "2024Q1", ReviewAction.APPROVE)
    review(app, "SS-SOC-01", "hasiru-dala", "2024Q2", ReviewAction.QUERY, "why so many?")
    review(app, "SS-SOC-01", "sambhav", "2024Q1", ReviewAction.RETURN, "wrong district")


def rows_at(app: LedgerApplication, moment: datetime, **options: Any) -> list[tuple[Any, ...]]:
    return figures(completeness(views_of(app), SS, None, moment=moment, **options), *COLUMNS)


def test_each_expected_report_has_a_state(app: LedgerApplication) -> None:
    given_quarterly_reports(app)
    assert rows_at(app, MID_AUGUST) == [
        ("hasiru-dala", "2024Q1", "approved", 1, "2024-04-30", None),
        ("hasiru-dala", "2024Q2", "queried", 1, "2024-07-30", "why so many?"),
        ("hasiru-dala", "2024Q3", "submitted", 1, "2024-10-30", None),  # early: not expected yet
        ("sambhav", "2024Q1", "returned", 1, "2024-04-30", "wrong district"),
        ("sambhav", "2024Q2", "late", 0, "2024-07-30", None),
        ("sparsha", "2024Q2", "submitted", 1, "2024-07-30", None),  # nothing owed for 2024Q1
    ]


def test_the_grace_period_and_the_collectives_time_zone_decide_what_is_late(
    app: LedgerApplication,
) -> None:
    given_quarterly_reports(app)

    def sambhav_q2(moment: datetime, grace: int = 30) -> str:
        rows = completeness(views_of(app), SS, None, moment=moment, grace=grace)
        return next(r["state"] for r in rows if (r["org"], r["period"]) == ("sambhav", "2024Q2"))

    assert sambhav_q2(MID_AUGUST, grace=60) == "due"
    assert sambhav_q2(MID_AUGUST, grace=15) == "late"
    # 2024-07-30 18:00 UTC is 23:30 on the 30th in Bengaluru: the due day itself, not late yet;
    # 20:00 UTC is already the 31st there.
    assert sambhav_q2(datetime(2024, 7, 30, 18, 0, tzinfo=UTC)) == "due"
    assert sambhav_q2(datetime(2024, 7, 30, 20, 0, tzinfo=UTC)) == "late"
    before_q2_ended = completeness(views_of(app), SS, None, moment=datetime(2024, 6, 1, tzinfo=UTC))
    assert ("sambhav", "2024Q2") not in {(r["org"], r["period"]) for r in before_q2_ended}


def test_corrections_retractions_and_departures_change_what_is_owed(
    app: LedgerApplication,
) -> None:
    given_quarterly_reports(app)
    correct(app, "SS-SOC-01", "sambhav", "2024Q1", "10")
    retract(app, "SS-SOC-01", "hasiru-dala", "2024Q2")
    app.leave("sparsha", Context(actor="meera", on=date(2024, 8, 1), reason="programme ended"))
    november = datetime(2024, 11, 15, tzinfo=UTC)
    assert rows_at(app, november) == [
        ("hasiru-dala", "2024Q1", "approved", 1, "2024-04-30", None),
        ("hasiru-dala", "2024Q2", "late", 0, "2024-07-30", None),  # its only value retracted
        ("hasiru-dala", "2024Q3", "submitted", 1, "2024-10-30", None),
        ("sambhav", "2024Q1", "submitted", 1, "2024-04-30", None),  # corrected: to review again
        ("sambhav", "2024Q2", "late", 0, "2024-07-30", None),
        ("sambhav", "2024Q3", "late", 0, "2024-10-30", None),
        ("sparsha", "2024Q2", "submitted", 1, "2024-07-30", None),  # it left: owes nothing more
    ]
    retract(app, "SS-SOC-01", "sparsha", "2024Q2")
    assert "sparsha" not in {row[0] for row in rows_at(app, november)}


def test_fiscal_years_closures_and_retirement(app: LedgerApplication) -> None:
    given_a_collective(app)
    define(app, "SS-WASH-01", cadence=Cadence.YEARLY)
    submit(app, "SS-WASH-01", "hasiru-dala", "FY2021-22", "40")
    closed = passed_decision(app, "Close FY2021-22")
    app.close_period("FY2021-22", closed, ctx())
    rows = completeness(views_of(app), SS, None, moment=datetime(2024, 8, 15, tzinfo=UTC))
    assert figures(rows, "period", "state", "due", "closed_by") == [
        ("FY2021-22", "submitted", "2022-04-30", closed),
        ("FY2022-23", "late", "2023-04-30", None),
        ("FY2023-24", "late", "2024-04-30", None),
    ]
    retired = passed_decision(app, "Retire SS-WASH-01")
    app.retire_indicator("SS-WASH-01", retired, ctx(date(2023, 6, 1)))
    rows = completeness(views_of(app), SS, None, moment=datetime(2024, 8, 15, tzinfo=UTC))
    assert figures(rows, "period") == [("FY2021-22",), ("FY2022-23",)]


def _given_in_the_file(cli: Cli) -> None:
    app = open_ledger(str(cli.store), create=True)
    try:
        given_quarterly_reports(app)
    finally:
        app.close()


def test_completeness_refuses_bad_input(cli: Cli) -> None:
    _given_in_the_file(cli)
    refused(
        cli("completeness", "SS-NOPE-01"),
        "indicator 'SS-NOPE-01' not found: define it first with `collective indicator define`",
    )
    refused(
        cli("completeness", "--as-of", "31/07/2024"),
        "--as-of '31/07/2024' is not a date or time: use 2024-03-31 or 2024-03-31T18:00:00+05:30",
    )
    assert cli("completeness", "--grace", "-1").exit_code == 2  # a usage error


def test_as_of_answers_as_the_command_did_then(cli: Cli) -> None:
    _given_in_the_file(cli)
    before = ok(cli("completeness", "--json")).stdout
    then = json.loads(ok(cli("log", "--json")).stdout)[-1]["recorded_at"]
    review_ = ["value", "review", "SS-SOC-01", "--org", "hasiru-dala", "--period", "2024Q2"]
    ok(cli(*review_, "approve"))
    now = json.loads(ok(cli("completeness", "--state", "queried", "--json")).stdout)
    assert now == []
    assert ok(cli("completeness", "--as-of", then, "--json")).stdout == before
    table = ok(cli("completeness", "--as-of", then, "--state", "queried", "--state", "returned"))
    assert "why so many?" in table.stdout and "wrong district" in table.stdout
    assert table.stdout.strip().endswith("1 returned, 1 queried")
    assert json.loads(before) == json.loads(
        ok(cli("--collective", SS, "completeness", "--as-of", then, "--json")).stdout
    )


def test_completeness_on_the_demo(demo_file: Path, tmp_path: Path) -> None:
    shutil.copyfile(demo_file, tmp_path / "demo.db")
    cli = Cli(tmp_path / "demo.db")
    ss = ("--collective", "saamuhika-shakti")
    queried = json.loads(ok(cli(*ss, "completeness", "--state", "queried", "--json")).stdout)
    assert figures(queried, "indicator", "org", "period", "comment") == [
        ("SS-INC-01", "udhyam", "2026Q3", "median jumps 20%: new cohort members?")
    ]
    fin = ["completeness", "SS-FIN-01", "--json"]
    rows = json.loads(ok(cli(*ss, *fin)).stdout)
    mine = [r for r in rows if (r["org"], r["period"]) == ("sambhav-foundation", "2021Q1")]
    assert figures(mine, "state", "closed_by") == [("approved", "steering-4")]  # FY2020-21
    log = json.loads(ok(cli(*ss, "log", "--type", "ValueReviewed", "--json")).stdout)
    returned = next(
        e
        for e in log
        if e["subject"] == "value:SS-FIN-01/sambhav-foundation/2021Q1"
        and "returned" in e["summary"]
    )
    then = json.loads(ok(cli(*ss, "log", "--all", "--json")).stdout)
    at = max(e["recorded_at"] for e in then if e["position"] <= returned["position"])
    old = json.loads(ok(cli(*ss, *fin, "--as-of", at)).stdout)
    was = [r for r in old if (r["org"], r["period"]) == ("sambhav-foundation", "2021Q1")]
    assert figures(was, "state", "comment", "closed_by") == [
        ("returned", "percent above the cohort size: please recheck the denominator", None)
    ]


@pytest.mark.postgres
def test_the_reports_read_the_same_on_postgresql(app: LedgerApplication, pg_url: str) -> None:
    """The same story in SQLite and in PostgreSQL gives the same three reports."""
    from projections.progress import equity, progress

    def reports(ledger: LedgerApplication) -> list[Any]:
        given_quarterly_reports(ledger)
        define(ledger, "SS-EDU-01", Unit.COUNT, SEX)
        submit(ledger, "SS-EDU-01", "sambhav", "2024Q2", "25", sex="female")
        submit(ledger, "SS-EDU-01", "sambhav", "2024Q2", "20", sex="male")
        correct(ledger, "SS-SOC-01", "sambhav", "2024Q1", "10")
        views = views_of(ledger)
        at = ledger.recorder.max_notification_id() - 1
        return [
            completeness(views, SS, None, moment=MID_AUGUST),
            completeness(views, SS, at, moment=MID_AUGUST),
            progress(views, SS, None),
            progress(views, SS, at, "SS-SOC-01"),
            equity(views, SS, None, "SS-EDU-01", "sex"),
        ]

    on_postgres = open_ledger(pg_url, create=True)
    try:
        assert reports(on_postgres) == reports(app)
    finally:
        on_postgres.close()
