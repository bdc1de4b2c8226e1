"""``collective equity``: the gap between the groups of a dimension, period by period.

The best-off group is the highest value when higher is better and the lowest when lower is
better; each group's ratio and difference to it, and how its gap moved since the previous period,
are computed by hand here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import Cli, ok, refused
from measurement_steps import (
    AGE,
    SEX,
    SS,
    define,
    figures,
    given_a_collective,
    split_the_age_band,
    submit,
    views_of,
)

from domain.vocabulary import Direction, Unit
from ledger.application import LedgerApplication, open_ledger
from projections.progress import equity

COLUMNS = ("period", "category", "value", "ratio", "difference", "gap_change", "trend")


def given_enrolment_by_sex(app: LedgerApplication) -> None:
    """2024Q2: girls 50 + 25, boys 30 + 20; 2024Q3: girls 30, boys 20 (hasiru-dala only)."""
    given_a_collective(app)
    define(app, "SS-EDU-01", Unit.COUNT, SEX, AGE)
    submit(app, "SS-EDU-01", "hasiru-dala", "2024Q2", "40", age="6-14", sex="female")
    submit(app, "SS-EDU-01", "hasiru-dala", "2024Q2", "10", age="3-5", sex="female")
    submit(app, "SS-EDU-01", "hasiru-dala", "2024Q2", "30", age="6-14", sex="male")
    submit(app, "SS-EDU-01", "sambhav", "2024Q2", "25", sex="female")
    submit(app, "SS-EDU-01", "sambhav", "2024Q2", "20", sex="male")
    submit(app, "SS-EDU-01", "hasiru-dala", "2024Q3", "30", age="3-5", sex="female")
    submit(app, "SS-EDU-01", "hasiru-dala", "2024Q3", "20", age="3-5", sex="male")


def test_each_group_against_the_highest_when_higher_is_better(app: LedgerApplication) -> None:
    given_enrolment_by_sex(app)
    rows = equity(views_of(app), SS, None, "SS-EDU-01", "sex")
    assert figures(rows, *COLUMNS) == [
        ("2024Q2", "female", "75", "1", "0", None, None),
        ("2024Q2", "male", "50", "0.67", "-25", None, None),  # 50 / 75
        ("2024Q3", "female", "30", "1", "0", "0", "unchanged"),
        ("2024Q3", "male", "20", "0.67", "-10", "-15", "closing"),  # gap 25 -> 10
    ]
    assert {(r["period"], r["best_off"]) for r in rows} == {
        ("2024Q2", "female"),
        ("2024Q3", "female"),
    }
    assert figures(rows, "organisations") == [(2,), (2,), (1,), (1,)]


def test_the_lowest_is_best_off_when_lower_is_better(app: LedgerApplication) -> None:
    given_a_collective(app)
    define(app, "SS-DRP-01", Unit.PERCENT, SEX, direction=Direction.DOWN)
    for period, girls, boys in (("2024Q2", "12", "8"), ("2024Q3", "15", "9")):
        submit(app, "SS-DRP-01", "hasiru-dala", period, girls, sex="female")
        submit(app, "SS-DRP-01", "hasiru-dala", period, boys, sex="male")
    rows = equity(views_of(app), SS, None, "SS-DRP-01", "sex")
    assert figures(rows, *COLUMNS) == [
        ("2024Q2", "female", "12", "1.5", "4", None, None),
        ("2024Q2", "male", "8", "1", "0", None, None),
        ("2024Q3", "female", "15", "1.67", "6", "2", "widening"),
        ("2024Q3", "male", "9", "1", "0", "0", "unchanged"),
    ]
    assert {r["best_off"] for r in rows} == {"male"} and {r["direction"] for r in rows} == {"down"}


def test_groups_reported_before_a_split_stay_merged(app: LedgerApplication) -> None:
    given_enrolment_by_sex(app)
    split_the_age_band(app, "SS-EDU-01")
    submit(app, "SS-EDU-01", "hasiru-dala", "2024Q4", "12", age="6-10", sex="female")
    submit(app, "SS-EDU-01", "hasiru-dala", "2024Q4", "16", age="11-14", sex="female")
    rows = equity(views_of(app), SS, None, "SS-EDU-01", "age")
    assert figures(rows, "period", "category", "value", "ratio", "difference") == [
        ("2024Q2", "3-5", "10", "0.14", "-60"),
        ("2024Q2", "6-10+11-14", "70", "1", "0"),  # 40 + 30; sambhav gave no age
        ("2024Q3", "3-5", "50", "1", "0"),
        ("2024Q4", "6-10", "12", "0.75", "-4"),
        ("2024Q4", "11-14", "16", "1", "0"),
    ]


def _given_in_the_file(cli: Cli) -> None:
    app = open_ledger(str(cli.store), create=True)
    try:
        given_enrolment_by_sex(app)
        define(app, "SS-STO-01", Unit.QUALITATIVE, SEX)
    finally:
        app.close()


def test_equity_refuses_a_dimension_the_indicator_does_not_have(cli: Cli) -> None:
    _given_in_the_file(cli)
    refused(
        cli("equity", "SS-EDU-01", "--by", "district"),
        "SS-EDU-01 has no dimension 'district' (its dimensions: sex, age)",
    )
    refused(
        cli("equity", "SS-STO-01", "--by", "sex"),
        "SS-STO-01 is qualitative: equity compares numbers",
    )
    refused(
        cli("equity", "SS-NOPE-01", "--by", "sex"),
        "indicator 'SS-NOPE-01' not found: define it first with `collective indicator define`",
    )
    refused(
        cli("equity", "SS-EDU-01", "--by", "sex", "--as-of", "yesterday"),
        "--as-of 'yesterday' is not a date or time: use 2024-03-31 or 2024-03-31T18:00:00+05:30",
    )
    assert cli("equity", "SS-EDU-01").exit_code == 2  # --by is required: a usage error


def test_as_of_answers_as_the_command_did_then(cli: Cli) -> None:
    _given_in_the_file(cli)
    before = ok(cli("equity", "SS-EDU-01", "--by", "sex", "--json")).stdout
    then = json.loads(ok(cli("log", "--json")).stdout)[-1]["recorded_at"]
    submit_boys = ["value", "submit", "SS-EDU-01", "--org", "sparsha", "--period", "2024Q3"]
    ok(cli(*submit_boys, "--cell", "sex=male", "--value", "60"))
    now = json.loads(ok(cli("equity", "SS-EDU-01", "--by", "sex", "--json")).stdout)
    assert figures(now[2:], "category", "value", "ratio", "difference") == [
        ("female", "30", "0.38", "-50"),  # the boys are best off now
        ("male", "80", "1", "0"),
    ]
    assert ok(cli("equity", "SS-EDU-01", "--by", "sex", "--as-of", then, "--json")).stdout == before
    table = ok(cli("equity", "SS-EDU-01", "--by", "sex", "--as-of", then)).stdout
    assert "SS-EDU-01 by sex (best-off: the highest value of each period)" in table
    assert "closing" in table and "0.67" in table


def test_equity_on_the_demo(demo_file: Path, tmp_path: Path) -> None:
    shutil.copyfile(demo_file, tmp_path / "demo.db")
    cli = Cli(tmp_path / "demo.db")
    ss = ("--collective", "saamuhika-shakti")
    rows = json.loads(ok(cli(*ss, "equity", "SS-FIN-01", "--by", "sex", "--json")).stdout)
    progress = json.loads(ok(cli(*ss, "progress", "SS-FIN-01", "--by", "sex", "--json")).stdout)
    assert figures(rows, "period", "category", "value") == figures(
        progress, "period", "category", "value"
    )
    for period in {r["period"] for r in rows}:
        found = [r for r in rows if r["period"] == period]
        best = max(found, key=lambda r: float(r["value"]))
        assert (best["ratio"], best["difference"]) == ("1", "0")
        assert {r["best_off"] for r in found} == {best["category"]}
    trends = {r["trend"] for r in rows}
    assert trends <= {None, "widening", "closing", "unchanged"} and "widening" in trends
    refused(
        cli("--collective", "oporajita", "equity", "OP-EMP-01", "--by", "sex"),
        "OP-EMP-01 has no dimension 'sex' (its dimensions: district)",
    )
