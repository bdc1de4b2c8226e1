"""``collective progress``: each indicator's value per period against baseline and target.

Given values reported through the application, the figures are computed by hand: an
organisation's value is its total cell, else the cells of its first single disaggregation;
organisations combine by the indicator's rule; corrections apply, retractions drop out, and old
cells are read under the current definition without inventing a split.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import Cli, ok, refused
from measurement_steps import (
    AGE,
    SEX,
    SS,
    correct,
    ctx,
    define,
    figures,
    given_a_collective,
    retract,
    split_the_age_band,
    submit,
    views_of,
)

from domain.measurement import Dimension
from domain.reporting import ReportKey
from domain.vocabulary import Aggregation, Unit
from ledger.application import LedgerApplication, open_ledger
from projections import engine
from projections.completeness import completeness
from projections.measurement import MEASUREMENT
from projections.progress import equity, progress
from projections.registry import PROJECTIONS, Views

COLUMNS = ("period", "value", "organisations", "target", "percent_of_target")


def given_children_enrolled(app: LedgerApplication) -> None:
    """SS-EDU-01 for 2024Q2, reported three ways.

    hasiru-dala: crossed age x sex cells (40 + 30 + 10 = 80); sambhav: sex cells first, then an
    age cell (25 + 20 = 45, the age cell is the same children again); sparsha: a total (100) and
    one sex cell (60).
    """
    given_a_collective(app)
    define(app, "SS-EDU-01", Unit.COUNT, SEX, AGE, baseline="310")
    app.set_target("SS-EDU-01", "FY2024-25", "1000", ctx())
    app.set_target("SS-EDU-01", "FY2024-25", "500", ctx(), cell=(("sex", "female"),))
    submit(app, "SS-EDU-01", "hasiru-dala", "2024Q2", "40", age="6-14", sex="female")
    submit(app, "SS-EDU-01", "hasiru-dala", "2024Q2", "30", age="6-14", sex="male")
    submit(app, "SS-EDU-01", "hasiru-dala", "2024Q2", "10", age="3-5", sex="female")
    submit(app, "SS-EDU-01", "sambhav", "2024Q2", "25", sex="female")
    submit(app, "SS-EDU-01", "sambhav", "2024Q2", "20", sex="male")
    submit(app, "SS-EDU-01", "sambhav", "2024Q2", "45", age="6-14")
    submit(app, "SS-EDU-01", "sparsha", "2024Q2", "100")
    submit(app, "SS-EDU-01", "sparsha", "2024Q2", "60", sex="female")


def test_an_organisation_counts_its_total_or_one_disaggregation(app: LedgerApplication) -> None:
    given_children_enrolled(app)
    [row] = progress(views_of(app), SS, None, "SS-EDU-01")
    assert row == {
        "indicator": "SS-EDU-01",
        "name": "indicator SS-EDU-01",
        "period": "2024Q2",
        "dimension": None,
        "category": None,
        "value": "225",  # 80 + 45 + 100
        "unit": "count",
        "aggregation": "sum",
        "organisations": 3,
        "target": "1000",
        "target_period": "FY2024-25",
        "baseline": "310",
        "baseline_period": "FY2019-20",
        "percent_of_target": "22.5",
    }


def test_by_a_dimension_each_category_adds_the_cells_that_carry_it(
    app: LedgerApplication,
) -> None:
    given_children_enrolled(app)
    views = views_of(app)
    by_sex = progress(views, SS, None, "SS-EDU-01", "sex")
    assert figures(by_sex, "category", "value", "organisations", "target", "percent_of_target") == [
        ("female", "135", 3, "500", "27"),  # 40 + 10, 25, 60
        ("male", "50", 2, None, None),  # 30, 20
    ]
    assert {row["baseline"] for row in by_sex} == {None}
    by_age = progress(views, SS, None, "SS-EDU-01", "age")
    assert figures(by_age, "category", "value", "organisations") == [
        ("3-5", "10", 1),
        ("6-14", "115", 2),  # 40 + 30, and sambhav's age cell
    ]


def test_a_correction_changes_progress_and_a_retraction_removes_the_value(
    app: LedgerApplication,
) -> None:
    given_children_enrolled(app)
    correct(app, "SS-EDU-01", "hasiru-dala", "2024Q2", "41", age="6-14", sex="female")
    views = views_of(app)
    assert figures(progress(views, SS, None, "SS-EDU-01"), *COLUMNS) == [
        ("2024Q2", "226", 3, "1000", "22.6")
    ]
    retract(app, "SS-EDU-01", "sparsha", "2024Q2")  # its total: its female cell counts now
    views.refresh()
    assert figures(progress(views, SS, None, "SS-EDU-01"), *COLUMNS) == [
        ("2024Q2", "186", 3, "1000", "18.6")
    ]
    retract(app, "SS-EDU-01", "sparsha", "2024Q2", sex="female")
    views.refresh()
    assert figures(progress(views, SS, None, "SS-EDU-01"), *COLUMNS) == [
        ("2024Q2", "126", 2, "1000", "12.6")
    ]


def test_an_old_version_value_is_read_under_the_revised_definition(
    app: LedgerApplication,
) -> None:
    given_children_enrolled(app)
    before_the_split = app.recorder.max_notification_id()
    split_the_age_band(app, "SS-EDU-01")
    submit(app, "SS-EDU-01", "sparsha", "2024Q2", "9", age="11-14")
    submit(app, "SS-EDU-01", "hasiru-dala", "2024Q3", "5", age="6-10", sex="female")
    submit(app, "SS-EDU-01", "hasiru-dala", "2024Q3", "7", age="11-14", sex="female")
    submit(app, "SS-EDU-01", "hasiru-dala", "2024Q3", "2", age="3-5", sex="male")
    views = views_of(app)
    assert figures(
        progress(views, SS, None, "SS-EDU-01", "age"), "period", "category", "value"
    ) == [
        ("2024Q2", "3-5", "10"),
        ("2024Q2", "6-10+11-14", "115"),  # never divided between 6-10 and 11-14
        ("2024Q2", "11-14", "9"),
        ("2024Q3", "3-5", "2"),
        ("2024Q3", "6-10", "5"),
        ("2024Q3", "11-14", "7"),
    ]
    assert figures(progress(views, SS, None, "SS-EDU-01"), "period", "value") == [
        ("2024Q2", "225"),
        ("2024Q3", "14"),
    ]
    as_it_was = progress(views, SS, before_the_split, "SS-EDU-01", "age")
    assert figures(as_it_was, "category", "value") == [("3-5", "10"), ("6-14", "115")]


def test_mean_median_and_latest_combine_organisations(app: LedgerApplication) -> None:
    given_a_collective(app)
    define(app, "SS-FIN-01", Unit.PERCENT, SEX)  # the mean, by default
    define(app, "SS-INC-01", Unit.CURRENCY, currency="INR", aggregation=Aggregation.MEDIAN)
    define(app, "SS-RAT-01", Unit.RATIO, aggregation=Aggregation.LATEST)
    submit(app, "SS-FIN-01", "hasiru-dala", "2024Q2", "15", sex="female")
    submit(app, "SS-FIN-01", "hasiru-dala", "2024Q2", "5", sex="male")  # its mean: 10
    submit(app, "SS-FIN-01", "sambhav", "2024Q2", "40")
    submit(app, "SS-FIN-01", "sparsha", "2024Q2", "50")
    for org, q2, q3 in (("hasiru-dala", "7000", "7000"), ("sambhav", "9000", "8001")):
        submit(app, "SS-INC-01", org, "2024Q2", q2)
        submit(app, "SS-INC-01", org, "2024Q3", q3)
    submit(app, "SS-INC-01", "sparsha", "2024Q2", "8000")
    submit(app, "SS-RAT-01", "hasiru-dala", "2024Q2", "1.5")
    submit(app, "SS-RAT-01", "sambhav", "2024Q2", "2.25")
    views = views_of(app)
    rows = progress(views, SS, None)
    assert figures(rows, "indicator", "period", "value", "unit", "organisations") == [
        ("SS-FIN-01", "2024Q2", "33.33", "percent", 3),  # (10 + 40 + 50) / 3
        ("SS-INC-01", "2024Q2", "8000", "INR", 3),
        ("SS-INC-01", "2024Q3", "7500.5", "INR", 2),
        ("SS-RAT-01", "2024Q2", "2.25", "ratio", 2),  # recorded last
    ]
    correct(app, "SS-RAT-01", "hasiru-dala", "2024Q2", "1.75")
    views.refresh()
    assert figures(progress(views, SS, None, "SS-RAT-01"), "value") == [("1.75",)]


def test_disaggregated_medians_stand_for_their_organisation_by_their_mean(
    app: LedgerApplication,
) -> None:
    """A median income reported by sex is not added up: the organisation's figure is the mean
    of its cells, and the organisations then combine by their median."""
    given_a_collective(app)
    earner = Dimension(name="earner-sex", categories=("female", "male"))
    define(app, "SS-INC-01", Unit.CURRENCY, earner, currency="INR", aggregation=Aggregation.MEDIAN)
    for org, female, male in (
        ("hasiru-dala", "7000", "9000"),
        ("sambhav", "6000", "6500"),
        ("sparsha", "8000", "12000"),
    ):
        submit(app, "SS-INC-01", org, "2024Q2", female, **{"earner-sex": "female"})
        submit(app, "SS-INC-01", org, "2024Q2", male, **{"earner-sex": "male"})
    rows = progress(views_of(app), SS, None, "SS-INC-01")
    # organisations: 8000, 6250, 10000 -> median 8000 (summing would have given 16000)
    assert figures(rows, "value", "organisations") == [("8000", 3)]


def test_progress_refuses_what_it_cannot_answer(cli: Cli) -> None:
    _given_in_the_file(cli)
    refused(
        cli("progress", "SS-EDU-01", "--by", "caste"),
        "SS-EDU-01 has no dimension 'caste' (its dimensions: sex, age)",
    )
    refused(
        cli("progress", "--by", "caste"),
        "no indicator of saamuhika-shakti has a dimension 'caste'",
    )
    refused(
        cli("progress", "SS-NOPE-01"),
        "indicator 'SS-NOPE-01' not found: define it first with `collective indicator define`",
    )
    refused(
        cli("progress", "--as-of", "2024-13-01"),
        "--as-of '2024-13-01' is not a date or time: use 2024-03-31 or 2024-03-31T18:00:00+05:30",
    )
    first = min(e["recorded_at"] for e in json.loads(ok(cli("log", "--json")).stdout))
    refused(
        cli("progress", "--as-of", "2001-01-01"),
        "--as-of 2001-01-01T23:59:59.999999+05:30 is before the first event of this ledger "
        f"({first})",
    )


def _given_in_the_file(cli: Cli) -> None:
    app = open_ledger(str(cli.store), create=True)
    try:
        given_children_enrolled(app)
    finally:
        app.close()


def test_as_of_before_a_correction_shows_the_old_number(cli: Cli) -> None:
    _given_in_the_file(cli)
    before = ok(cli("progress", "--json")).stdout
    assert json.loads(before)[0]["value"] == "225"
    then = json.loads(ok(cli("log", "--json")).stdout)[-1]["recorded_at"]
    ok(
        cli(
            *("value", "correct", "SS-EDU-01", "--org", "hasiru-dala", "--period", "2024Q2"),
            *("--cell", "age=6-14", "--cell", "sex=female", "--value", "41"),
            *("--reason", "a sibling counted twice"),
        )
    )
    assert json.loads(ok(cli("progress", "--json")).stdout)[0]["value"] == "226"
    assert ok(cli("progress", "--as-of", then, "--json")).stdout == before
    table = ok(cli("progress", "SS-EDU-01", "--as-of", then)).stdout
    assert "225" in table and "1000 (FY2024-25)" in table and "22.5" in table


def _rows(views: Views) -> dict[str, list[dict[str, Any]]]:
    return {
        table: sorted(
            views.db.query(f"SELECT * FROM {views.db.table(table)}"),
            key=lambda r: json.dumps(r, sort_keys=True, default=str),
        )
        for table in MEASUREMENT.tables
    }


def _answers(views: Views) -> list[Any]:
    from datetime import UTC, datetime

    moment = datetime(2026, 11, 1, tzinfo=UTC)
    answers: list[Any] = []
    for slug in ("saamuhika-shakti", "oporajita"):
        answers += [progress(views, slug, None), completeness(views, slug, None, moment=moment)]
    answers += [
        progress(views, "saamuhika-shakti", None, "SS-EDU-01", "age"),
        equity(views, "saamuhika-shakti", None, "SS-SOC-01", "sex"),
    ]
    return answers


def test_a_rebuild_equals_a_step_by_step_catch_up_on_the_demo(demo_app: LedgerApplication) -> None:
    views = Views(demo_app)
    engine.ensure_tables(views.db, PROJECTIONS.values())
    while engine.catch_up(views.db, [MEASUREMENT], page=300):
        pass
    stepwise = _rows(views)
    views.refresh()  # the other views, for the reports
    answers = _answers(views)
    views.rebuild(["measurement"])
    assert _rows(views) == stepwise
    assert _answers(views) == answers
    assert len(stepwise["view_measure_values"]) > 1000, "the demo has values"


@pytest.fixture
def demo_cli(demo_file: Path, tmp_path: Path) -> Cli:
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_file, copy)
    return Cli(copy)


def test_progress_on_the_demo(demo_cli: Cli) -> None:
    ss = ("--collective", "saamuhika-shakti")
    rows = json.loads(ok(demo_cli(*ss, "progress", "SS-EDU-01", "--json")).stdout)
    app = open_ledger(str(demo_cli.store))
    try:  # the same figure, straight from the reports' aggregates
        row = next(r for r in rows if r["period"] == "2021Q1")
        reports = [
            app.report(ReportKey(code="SS-EDU-01", org=org, period="2021Q1"), SS)[1]
            for org in ("bal-raksha-bharat", "hasiru-dala")
        ]
        expected = sum(e.value for r in reports for e in r.entries.values() if e.value is not None)
    finally:
        app.close()
    assert row["value"] == str(expected) and row["organisations"] == 2
    assert row["target"] == "1500" and row["target_period"] == "FY2020-21"
    by_age = json.loads(ok(demo_cli(*ss, "progress", "SS-EDU-01", "--by", "age", "--json")).stdout)
    labels = {r["period"]: set() for r in by_age}
    for r in by_age:
        labels[r["period"]].add(r["category"])
    assert labels["2024Q1"] == {"3-5", "6-10+11-14", "15-18"}  # reported before the split
    assert labels["2024Q2"] == {"3-5", "6-10", "11-14", "15-18"}
    corrected = next(
        e
        for e in json.loads(ok(demo_cli(*ss, "log", "--type", "ValueCorrected", "--json")).stdout)
        if e["subject"] == "value:SS-EDU-01/hasiru-dala/2021Q1"
    )
    log = json.loads(ok(demo_cli(*ss, "log", "--all", "--json")).stdout)
    then = max(e["recorded_at"] for e in log if e["position"] < corrected["position"])
    old = json.loads(ok(demo_cli(*ss, "progress", "SS-EDU-01", "--as-of", then, "--json")).stdout)
    was = next(r for r in old if r["period"] == "2021Q1")["value"]
    app = open_ledger(str(demo_cli.store))
    try:
        [stored] = app.recorder.select_notifications(corrected["position"], 1)
    finally:
        app.close()
    event = orjson.loads(stored.state)
    assert int(was) - int(row["value"]) == int(event["previous_value"]) - int(event["value"]) != 0


def test_a_view_of_an_older_schema_is_rebuilt_before_it_is_read(app: LedgerApplication) -> None:
    given_children_enrolled(app)
    notices: list[str] = []
    views = Views(app, notice=notices.append)
    views.refresh()
    with views.db.transaction(commit=True) as cursor:  # as an older version of the code left it
        state, values = views.db.table("projection_state"), views.db.table("view_measure_values")
        cursor.execute(f"UPDATE {state} SET schema_version = 0 WHERE name = 'measurement'")
        cursor.execute(f"UPDATE {values} SET value = '1'")
    views.refresh()
    assert notices == ["rebuilding views stored at an older schema: measurement"]
    assert figures(progress(views, SS, None), "value") == [("225",)]
