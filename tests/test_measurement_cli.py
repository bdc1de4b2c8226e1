"""``collective indicator``, ``collective value`` and ``collective period`` as people type them.

Every refusal is one exact line, and nothing is written.
"""

from __future__ import annotations

import json

import pytest
from conftest import REFUSED_BEFORE_SAVING, Cli, ok, refused

from domain.governance import Charter, Proposal
from domain.vocabulary import DecisionRule, Stance
from ledger.application import Context, open_ledger

EDU = [
    "indicator",
    "define",
    "SS-EDU-01",
    "--name",
    "ಶಾಲೆಗೆ ದಾಖಲಾದ ಮಕ್ಕಳು (children enrolled)",
    "--unit",
    "count",
    "--direction",
    "up",
    "--cadence",
    "quarterly",
    "--dimension",
    "sex=female,male",
    "--dimension",
    "age=3-5,6-14,15-18",
    "--sdg",
    "4.2.2",
]
SUBMIT = ["value", "submit", "SS-EDU-01", "--org", "hasiru-dala", "--period", "2024Q2"]
GIRLS = ["--cell", "sex=female", "--cell", "age=6-14"]


@pytest.fixture
def ms_cli(ss_cli: Cli) -> Cli:
    """Saamuhika Shakti with a steering body, decision steering-1 passed and steering-2 open,
    and SS-EDU-01 defined (set up through the application, which is quicker)."""
    app = open_ledger(str(ss_cli.store))
    ctx = Context(actor="meera")
    try:
        app.add_body(Charter(slug="steering", name="Steering", rule=DecisionRule.CONSENT), ctx)
        app.seat("steering", "hasiru-dala", True, ctx)
        for title in ("Split the 6-14 age band", "Retire an indicator"):
            app.propose("steering", Proposal(title=title, rationale="RTE bands"), ctx)
        app.take_position("steering-1", "hasiru-dala", Stance.CONSENT, ctx)
        app.close_decision("steering-1", ctx)
    finally:
        app.close()
    ok(ss_cli(*EDU))
    return ss_cli


def no_change(cli: Cli, args: list[str], message: str) -> None:
    before = cli.events()
    refused(cli(*args), message)
    assert cli.events() == before


def test_an_indicator_is_defined_shown_and_listed(ms_cli: Cli) -> None:
    ok(
        ms_cli(
            "indicator",
            "define",
            "ss-fin-01",
            "--name",
            "Cohort members with an active bank account",
            "--unit",
            "percent",
            "--direction",
            "up",
            "--cadence",
            "yearly",
            "--sdg",
            "8.10.2",
            "--baseline",
            "41.5",
            "--baseline-period",
            "fy2019-20",
            "--source",
            "cohort survey",
        )
    )
    shown = json.loads(ok(ms_cli("indicator", "show", "SS-FIN-01", "--json")).stdout)
    assert shown["code"] == "SS-FIN-01" and shown["aggregation"] == "mean"
    assert shown["baseline"] == {"period": "FY2019-20", "value": "41.5", "text": None}
    assert shown["sdg"] == ["8.10.2"] and shown["version"] == 1 and shown["status"] == "active"
    assert list(shown) == sorted(shown)
    listed = json.loads(ok(ms_cli("indicator", "list", "--json")).stdout)
    assert [i["code"] for i in listed] == ["SS-EDU-01", "SS-FIN-01"]
    table = ok(ms_cli("indicator", "list")).stdout
    assert "ಶಾಲೆಗೆ ದಾಖಲಾದ ಮಕ್ಕಳು" in table and "SS-FIN-01" in table
    text = ok(ms_cli("indicator", "show", "SS-EDU-01")).stdout
    assert "age: 3-5, 6-14, 15-18" in text and "SDG: 4.2.2" in text


@REFUSED_BEFORE_SAVING
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            ["--sdg", "18.1.1"],
            "SDG indicator '18.1.1' is not valid: use GOAL.TARGET.INDICATOR with a goal from 1 to "
            "17, a target number or letter and an indicator number (for example 5.5.2 or 5.b.1)",
        ),
        (["--baseline", "12"], "give --baseline and --baseline-period together"),
        (
            ["--baseline", "-12", "--baseline-period", "2019"],
            "baseline -12 is not a count: use a whole number of 0 or more",
        ),
        (
            ["--baseline", "12", "--baseline-period", "2019-Q4"],
            "'2019-Q4' is not a reporting period: use 2024-03 (month), 2024Q1 (quarter), 2024 "
            "(year) or FY2024-25 (fiscal year)",
        ),
        (
            ["--dimension", "age"],
            "dimension 'age' is not NAME=CATEGORY,CATEGORY (for example sex=female,male)",
        ),
        (
            ["--dimension", "age=60+"],
            "category '60+' of age cannot contain = , : or + (they separate names on the command "
            "line; write 60+ as 60-plus, for example)",
        ),
        (["--currency", "INR"], "a currency goes with the unit currency, not count"),
    ],
)
def test_a_bad_definition_is_refused(ms_cli: Cli, changes: list[str], message: str) -> None:
    no_change(ms_cli, ["indicator", "define", "SS-NEW-01", *EDU[3:], *changes], message)


def test_a_code_is_defined_once_and_must_be_well_formed(ms_cli: Cli) -> None:
    no_change(ms_cli, [*EDU[:2], "ss-edu-01", *EDU[3:]], "indicator 'SS-EDU-01' already exists")
    no_change(
        ms_cli,
        ["indicator", "define", "SS EDU", *EDU[3:]],
        "indicator code 'SS EDU' is not valid: use letters, digits and hyphens (for example "
        "SS-EDU-01)",
    )


def test_a_revision_splits_an_age_band_under_a_passed_decision(ms_cli: Cli) -> None:
    ok(ms_cli(*SUBMIT, *GIRLS, "--value", "412"))
    revise = [
        "indicator",
        "revise",
        "SS-EDU-01",
        "--dimension",
        "sex=female,male",
        "--dimension",
        "age=3-5,6-10,11-14,15-18",
    ]
    no_change(
        ms_cli,
        [*revise, "--decision", "steering-1"],
        "age=6-14 of SS-EDU-01 has no place in the revision: say where its values go with "
        "--map age:6-14=NEW+NEW",
    )
    no_change(
        ms_cli,
        [*revise, "--map", "age=6-14:6-10+11-14", "--decision", "steering-1"],
        "mapping 'age=6-14:6-10+11-14' is not DIMENSION:OLD=NEW+NEW (for example "
        "age:6-14=6-10+11-14)",
    )
    no_change(
        ms_cli,
        [*revise, "--map", "age:6-14=6-10+11-14", "--decision", "steering-2"],
        "decision steering-2 has not passed (it is open)",
    )
    ok(
        ms_cli(
            *revise,
            "--map",
            "age:6-14=6-10+11-14",
            "--decision",
            "steering-1",
            "--reason",
            "RTE bands",
        )
    )
    shown = json.loads(ok(ms_cli("indicator", "show", "SS-EDU-01", "--json")).stdout)
    assert shown["version"] == 2
    assert shown["versions"][1]["decision"] == "steering-1"
    split = [m for m in shown["versions"][1]["mapping"] if m["old"] == "6-14"]
    assert split == [{"dimension": "age", "old": "6-14", "new": ["6-10", "11-14"]}]
    values = json.loads(
        ok(
            ms_cli(
                "value", "show", "SS-EDU-01", "--org", "hasiru-dala", "--period", "2024Q2", "--json"
            )
        ).stdout
    )["values"]
    assert [(v["label"], v["version"], v["current_label"]) for v in values] == [
        ("age=6-14, sex=female", 1, "age=6-10+11-14, sex=female")
    ]
    assert values[0]["current_cell"] == {"age": ["6-10", "11-14"], "sex": ["female"]}


def test_targets_are_set_and_revised_with_a_reason(ms_cli: Cli) -> None:
    target = ["indicator", "target", "SS-EDU-01", "--period", "FY2024-25", "--cell", "sex=female"]
    ok(ms_cli(*target, "--value", "1200"))
    no_change(
        ms_cli,
        [*target, "--value", "1100"],
        "SS-EDU-01 already has a target of 1200 for FY2024-25, sex=female: revising it needs a "
        "reason (use --reason)",
    )
    no_change(
        ms_cli,
        [*target, "--value", "many"],
        "target 'many' for SS-EDU-01 is not a number (the unit is count)",
    )
    ok(ms_cli(*target, "--value", "1100", "--reason", "ಕಡಿಮೆ ಕುಟುಂಬಗಳು"))
    shown = json.loads(ok(ms_cli("indicator", "show", "SS-EDU-01", "--json")).stdout)
    assert shown["targets"] == [
        {
            "period": "FY2024-25",
            "cell": {"sex": "female"},
            "value": "1100",
            "text": None,
            "version": 1,
        }
    ]


def test_a_retired_indicator_refuses_values(ms_cli: Cli) -> None:
    no_change(
        ms_cli,
        ["indicator", "retire", "SS-EDU-01", "--decision", "steering-2"],
        "decision steering-2 has not passed (it is open)",
    )
    ok(ms_cli("indicator", "retire", "SS-EDU-01", "--decision", "steering-1"))
    no_change(
        ms_cli,
        [*SUBMIT, "--value", "3"],
        "indicator SS-EDU-01 was retired under decision steering-1 and takes no new values",
    )
    listed = json.loads(ok(ms_cli("indicator", "list", "--json")).stdout)
    assert listed[0]["status"] == "retired" and listed[0]["retired_by"] == "steering-1"


@REFUSED_BEFORE_SAVING
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--period", "2024-05", "--value", "3"],
            "2024-05 (2024-05-01 to 2024-05-31) does not fit a quarterly indicator in the india "
            "calendar: use quarters such as 2024Q2 or FY2024-25Q1",
        ),
        (
            ["--cell", "age=0-2", "--value", "3"],
            "age=0-2 is not a category of SS-EDU-01 (age has 3-5, 6-14, 15-18)",
        ),
        (
            ["--cell", "caste=sc", "--value", "3"],
            "SS-EDU-01 has no dimension 'caste' (its dimensions: sex, age)",
        ),
        (
            ["--cell", "female", "--value", "3"],
            "cell 'female' is not NAME=CATEGORY (for example sex=female)",
        ),
        (
            ["--value", "twelve"],
            "value 'twelve' for SS-EDU-01 is not a number (the unit is count)",
        ),
        (
            ["--value", "-3"],
            "value -3 for SS-EDU-01 is not a count: use a whole number of 0 or more",
        ),
        (
            ["--value", "3", "--evidence", "my folder"],
            "evidence 'my folder' is not a link: give a URL such as https://...",
        ),
        (
            ["--org", "sattva", "--value", "3"],
            "member 'sattva' not found: sattva is not a member of saamuhika-shakti",
        ),
        (
            ["--value", "3", "--decision", "steering-2"],
            "decision steering-2 has not passed (it is open)",
        ),
    ],
)
def test_a_value_that_does_not_fit_is_refused(ms_cli: Cli, args: list[str], message: str) -> None:
    no_change(ms_cli, [*SUBMIT, *args], message)


def test_a_value_is_submitted_once_then_corrected_retracted_and_reviewed(ms_cli: Cli) -> None:
    ok(
        ms_cli(
            *SUBMIT,
            *GIRLS,
            "--value",
            "412",
            "--note",
            "ಶಾಲಾ ದಾಖಲಾತಿ",
            "--evidence",
            "https://example.org/enrolment.xlsx",
        )
    )
    no_change(
        ms_cli,
        [*SUBMIT, *GIRLS, "--value", "398"],
        "SS-EDU-01/hasiru-dala/2024Q2 already has a value for age=6-14, sex=female (412): to "
        "change it use `collective value correct`",
    )
    correct = ["value", "correct", *SUBMIT[2:], *GIRLS, "--value", "398"]
    no_change(
        ms_cli,
        correct,
        "a correction of SS-EDU-01/hasiru-dala/2024Q2 needs a reason (use --reason)",
    )
    ok(ms_cli(*correct, "--reason", "duplicates removed"))
    ok(ms_cli(*SUBMIT, "--cell", "sex=male", "--value", "97"))
    retract = ["value", "retract", *SUBMIT[2:], "--cell", "sex=male"]
    no_change(
        ms_cli,
        retract,
        "a retraction of SS-EDU-01/hasiru-dala/2024Q2 needs a reason (use --reason)",
    )
    ok(ms_cli(*retract, "--reason", "ভুল সূচক (wrong indicator)"))
    review = ["value", "review", *SUBMIT[2:]]
    no_change(ms_cli, [*review, "query"], "a query needs a comment saying why (use --comment)")
    no_change(
        ms_cli, [*review, "return"], "returning a value needs a comment saying why (use --comment)"
    )
    ok(ms_cli(*review, "query", "--comment", "twice last quarter's figure"))
    ok(ms_cli(*review, "approve"))
    no_change(ms_cli, [*review, "approve"], "SS-EDU-01/hasiru-dala/2024Q2 is already approved")
    shown = json.loads(ok(ms_cli("value", "show", *SUBMIT[2:], "--json")).stdout)
    assert [(v["label"], v["value"], v["status"]) for v in shown["values"]] == [
        ("age=6-14, sex=female", "398", "approved"),
        ("sex=male", "97", "retracted"),
    ]
    assert shown["values"][0]["evidence"] is None  # a correction brings its own evidence
    log = json.loads(ok(ms_cli("log", "--type", "Report", "--json")).stdout)
    assert [e["event"] for e in log] == [
        "Report.Opened",
        "Report.ValueSubmitted",
        "Report.ValueCorrected",
        "Report.ValueSubmitted",
        "Report.ValueRetracted",
        "Report.ValueReviewed",
        "Report.ValueReviewed",
    ]
    assert {e["subject"] for e in log} == {"value:SS-EDU-01/hasiru-dala/2024Q2"}
    assert log[2]["reason"] == "duplicates removed"
    table = ok(ms_cli("value", "show", *SUBMIT[2:])).stdout
    assert "approved" in table and "retracted" in table


def test_nothing_to_correct_or_review_is_named(ms_cli: Cli) -> None:
    missing = (
        "value 'SS-EDU-01/hasiru-dala/2024Q2' not found: nothing was submitted for it "
        "(use `collective value submit`)"
    )
    no_change(ms_cli, ["value", "correct", *SUBMIT[2:], "--value", "3", "--reason", "x"], missing)
    no_change(ms_cli, ["value", "review", *SUBMIT[2:], "approve"], missing)
    no_change(ms_cli, ["value", "show", *SUBMIT[2:]], missing)
    no_change(
        ms_cli,
        [
            "value",
            "submit",
            "SS-XYZ-01",
            "--org",
            "hasiru-dala",
            "--period",
            "2024Q2",
            "--value",
            "1",
        ],
        "indicator 'SS-XYZ-01' not found: define it first with `collective indicator define`",
    )


def test_a_closed_period_takes_values_only_under_a_passed_decision(ms_cli: Cli) -> None:
    no_change(
        ms_cli,
        ["period", "close", "FY2024-25", "--decision", "steering-2"],
        "decision steering-2 has not passed (it is open)",
    )
    ok(ms_cli("period", "close", "fy2024-25", "--decision", "steering-1"))
    no_change(
        ms_cli,
        ["period", "close", "FY2024-25", "--decision", "steering-1"],
        "period FY2024-25 is already closed (decision steering-1)",
    )
    no_change(
        ms_cli,
        [*SUBMIT, "--value", "3"],
        "period FY2024-25 was closed under decision steering-1: a value for 2024Q2 now needs a "
        "passed decision (use --decision)",
    )
    ok(ms_cli(*SUBMIT, "--value", "3", "--decision", "steering-1"))
    log = json.loads(ok(ms_cli("log", "--type", "ReportingPeriod", "--json")).stdout)
    assert [(e["subject"], e["summary"]) for e in log] == [
        ("period:FY2024-25", "period FY2024-25 closed under decision steering-1")
    ]


def test_the_map_may_be_written_as_cli_md_has_it(ms_cli: Cli) -> None:
    """``--map OLD=NEW+NEW`` (CLI.md's form): the dimension comes from the old category."""
    ok(ms_cli(*SUBMIT, *GIRLS, "--value", "412"))
    ok(
        ms_cli(
            "indicator",
            "revise",
            "SS-EDU-01",
            "--dimension",
            "sex=female,male",
            "--dimension",
            "age=3-5,6-10,11-14,15-18",
            "--map",
            "6-14=6-10+11-14",
            "--decision",
            "steering-1",
            "--reason",
            "RTE bands",
        )
    )
    shown = json.loads(ok(ms_cli("indicator", "show", "SS-EDU-01", "--json")).stdout)
    assert shown["version"] == 2
