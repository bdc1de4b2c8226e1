"""Alignment: activities by partner and by code served, gaps, dependencies, overdue commitments."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from agenda_steps import SS, decided, given_members
from conftest import Cli, ok, refused
from view_steps import demo_cli, last_recorded, stepwise_equals_rebuild, timeless

from domain.activity import Commitment, Plan
from domain.agenda import AgendaText, SharedOutcome
from domain.measurement import Definition
from domain.periods import Cadence
from domain.values import Term
from domain.vocabulary import ActivityProgress, Direction, Unit
from ledger.application import Context, LedgerApplication
from projections.agenda import AGENDA
from projections.alignment import ALIGNMENT, alignment
from projections.registry import Views

TODAY = date(2021, 6, 30)


def on(day: date, reason: str | None = None) -> Context:
    return Context(actor="meera", on=day, reason=reason)


def agenda(*outcomes: tuple[str, str]) -> AgendaText:
    return AgendaText(
        problem="Waste pickers are excluded from social security.",
        vision="Every family lives with dignity.",
        outcomes=tuple(SharedOutcome(code=c, title=t) for c, t in outcomes),
    )


def define(app: LedgerApplication, code: str, name: str) -> None:
    definition = Definition(
        name=name, unit=Unit.COUNT, direction=Direction.UP, cadence=Cadence.QUARTERLY
    )
    app.define_indicator(code, definition, on(date(2020, 2, 20)))


def commit(
    app: LedgerApplication,
    slug: str,
    org: str,
    serves: tuple[str, ...],
    term: tuple[date, date] | None = None,
    depends_on: tuple[str, ...] = (),
) -> None:
    plan = Plan(
        title=slug.replace("-", " ").capitalize(),
        serves=serves,
        term=Term(start=term[0], end=term[1]) if term else None,
    )
    commitment = Commitment(activity=slug, org=org, plan=plan, depends_on=depends_on)
    app.commit_activity(commitment, on(term[0] if term else date(2020, 6, 1)))


@pytest.fixture
def ss(app: LedgerApplication, ctx: Context) -> LedgerApplication:
    """Three outcomes, four indicators (one retired), five activities in every state."""
    given_members(app, ctx, "hasiru-dala", "sambhav", "sattva")
    app.adopt_agenda(
        agenda(("SS-O1", "Social security"), ("SS-O2", "Education"), ("SS-O3", "Income")),
        decided(app, ctx, "Adopt the agenda"),
        ctx,
    )
    for code, name in (
        ("SS-SOC-01", "Social-security applications"),
        ("SS-EDU-01", "Children enrolled"),
        ("SS-FIN-01", "Bank accounts"),
        ("SS-INC-01", "Household income"),
    ):
        define(app, code, name)
    app.retire_indicator("SS-INC-01", decided(app, ctx, "Retire SS-INC-01"), ctx)
    commit(app, "camps", "sambhav", ("SS-O1", "SS-SOC-01"), (date(2020, 6, 1), date(2021, 3, 31)))
    commit(
        app,
        "classes",
        "hasiru-dala",
        ("SS-O2", "SS-EDU-01"),
        (date(2020, 6, 1), date(2030, 3, 31)),
        depends_on=("camps",),
    )
    app.report_progress("classes", ActivityProgress.LATE, "no teachers", on(date(2021, 1, 10)))
    commit(app, "relief", "hasiru-dala", ("SS-O1",), (date(2020, 4, 5), date(2020, 9, 30)))
    app.complete_activity("relief", on(date(2020, 9, 30)))
    commit(app, "kits", "sattva", ("SS-O2", "SS-INC-01"))
    app.report_progress("kits", ActivityProgress.ON_TRACK, None, on(date(2021, 2, 1)))
    commit(app, "leaflets", "sattva", ("SS-O3",), (date(2020, 6, 1), date(2022, 3, 31)))
    app.drop_activity("leaflets", on(date(2021, 5, 1), "no printer"))
    return app


def test_alignment_of_a_small_collective_by_hand(ss: LedgerApplication) -> None:
    views = Views(ss)
    views.refresh()
    found = alignment(views, SS, None, TODAY)
    assert [(a["org"], a["activity"], a["state"], a["progress"]) for a in found["activities"]] == [
        ("hasiru-dala", "classes", "active", "late"),
        ("sambhav", "camps", "active", None),
        ("sattva", "kits", "active", "on-track"),
    ]
    assert found["by_organisation"] == [
        {"org": "hasiru-dala", "activities": ["classes"]},
        {"org": "sambhav", "activities": ["camps"]},
        {"org": "sattva", "activities": ["kits"]},
    ]
    assert [
        (c["code"], c["kind"], c["title"], c["activities"], c["organisations"], c["overlap"])
        for c in found["by_code"]
    ] == [
        ("SS-O1", "outcome", "Social security", ["camps"], ["sambhav"], False),
        ("SS-O2", "outcome", "Education", ["classes", "kits"], ["hasiru-dala", "sattva"], True),
        ("SS-EDU-01", "indicator", "Children enrolled", ["classes"], ["hasiru-dala"], False),
        ("SS-SOC-01", "indicator", "Social-security applications", ["camps"], ["sambhav"], False),
        ("SS-INC-01", "unlisted", None, ["kits"], ["sattva"], False),  # retired
    ]
    assert found["unserved"] == {
        "outcomes": [{"code": "SS-O3", "title": "Income"}],  # only the dropped leaflets served it
        "indicators": [{"code": "SS-FIN-01", "name": "Bank accounts"}],
    }
    assert found["dependencies"] == [
        {
            "activity": "classes",
            "org": "hasiru-dala",
            "depends_on": "camps",
            "depends_on_org": "sambhav",
            "depends_on_state": "active",
        }
    ]
    assert found["overdue"] == [
        {
            "activity": "classes",
            "org": "hasiru-dala",
            "title": "Classes",
            "end": "2030-03-31",
            "days_past_end": None,
            "reported_late_on": "2021-01-10",
        },
        {
            "activity": "camps",
            "org": "sambhav",
            "title": "Camps",
            "end": "2021-03-31",
            "days_past_end": 91,  # April 30 + May 31 + June 30
            "reported_late_on": None,
        },
    ]
    assert alignment(views, SS, None, date(2021, 3, 31))["overdue"][1:] == []  # ends that day


def test_all_activities_include_completed_and_dropped_ones_but_gaps_do_not(
    ss: LedgerApplication,
) -> None:
    views = Views(ss)
    views.refresh()
    found = alignment(views, SS, None, TODAY, everything=True)
    assert [(a["activity"], a["state"]) for a in found["activities"]] == [
        ("classes", "active"),
        ("relief", "completed"),
        ("camps", "active"),
        ("kits", "active"),
        ("leaflets", "dropped"),
    ]
    assert found["by_code"][0]["activities"] == ["relief", "camps"]
    assert found["by_code"][2]["code"] == "SS-O3"
    assert [o["code"] for o in found["unserved"]["outcomes"]] == ["SS-O3"]
    assert [o["activity"] for o in found["overdue"]] == ["classes", "camps"]


def test_alignment_at_an_earlier_position_and_after_changes(
    ss: LedgerApplication, ctx: Context
) -> None:
    views = Views(ss)
    views.refresh()
    before = alignment(views, SS, None, TODAY)
    at = ss.event_count()
    ss.complete_activity("camps", on(date(2021, 6, 1)))
    ss.amend_agenda(
        agenda(("SS-O1", "Social security"), ("SS-O4", "Sanitation")),
        decided(ss, ctx, "Phase 2"),
        ctx,
    )
    views.refresh()
    after = alignment(views, SS, None, TODAY)
    assert [o["code"] for o in after["unserved"]["outcomes"]] == ["SS-O1", "SS-O4"]
    assert [i["code"] for i in after["unserved"]["indicators"]] == ["SS-FIN-01", "SS-SOC-01"]
    assert after["by_code"][0] == {
        "code": "SS-EDU-01",
        "kind": "indicator",
        "title": "Children enrolled",
        "activities": ["classes"],
        "organisations": ["hasiru-dala"],
        "overlap": False,
    }
    assert [o["activity"] for o in after["overdue"]] == ["classes"]
    assert alignment(views, SS, at, TODAY) == before


def test_the_alignment_view_rebuilt_equals_caught_up_on_the_demo(
    demo_app: LedgerApplication,
) -> None:
    views = stepwise_equals_rebuild(demo_app, ALIGNMENT, AGENDA)
    found = alignment(views, "oporajita", None, date(2026, 1, 1))
    assert [d["depends_on"] for d in found["dependencies"]] == ["future-skills"]


# -- the command line ---------------------------------------------------------------------------


def test_cli_alignment_as_of_gives_what_it_printed_then(ss_cli: Cli) -> None:
    ok(ss_cli("org", "add", "sambhav", "--name", "Sambhav", "--type", "implementing"))
    ok(ss_cli("org", "join", "sambhav", "--on", "2020-02-01"))
    commit = ["activity", "commit"]
    ok(ss_cli(*commit, "camps", "--org", "sambhav", "--title", "Camps", "--serves", "SS-O1"))
    classes = ["classes", "--org", "hasiru-dala", "--title", "Classes", "--serves", "SS-O2"]
    term = ["--end", "2021-03-31", "--on", "2020-06-01"]
    ok(ss_cli(*commit, *classes, *term, "--depends-on", "camps"))
    then = json.loads(ok(ss_cli("alignment", "--json")).stdout)
    then_table = ok(ss_cli("alignment")).stdout
    moment = last_recorded(ss_cli)
    ok(ss_cli("activity", "drop", "camps", "--reason", "no venue"))
    ok(ss_cli("activity", "progress", "classes", "--status", "late"))
    now = json.loads(ok(ss_cli("alignment", "--json")).stdout)
    assert [a["activity"] for a in now["activities"]] == ["classes"]
    assert now["dependencies"][0]["depends_on_state"] == "dropped"
    assert now["overdue"][0]["reported_late_on"] is not None
    assert then["dependencies"][0]["depends_on_state"] == "active"
    assert [(o["activity"], o["reported_late_on"]) for o in then["overdue"]] == [("classes", None)]
    past = json.loads(ok(ss_cli("alignment", "--as-of", moment, "--json")).stdout)
    assert timeless(past) == timeless(then)
    assert ok(ss_cli("alignment", "--as-of", moment)).stdout == then_table


def test_cli_alignment_refusals_are_one_line(ss_cli: Cli) -> None:
    refused(
        ss_cli("alignment", "--as-of", "last week"),
        "--as-of 'last week' is not a date or time: use 2024-03-31 or 2024-03-31T18:00:00+05:30",
    )
    result = ss_cli("alignment", "--as-of", "2001-01-01")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: --as-of 2001-01-01T23:59:59.999999+05:30 is before the first event of this ledger ("
    )
    assert len(result.stderr.strip().splitlines()) == 1
    refused(
        ss_cli("--collective", "nope", "alignment"),
        "collective 'nope' not found: known: saamuhika-shakti",
    )


def test_cli_alignment_on_the_demo(demo_file: Path, tmp_path: Path) -> None:
    cli = demo_cli(demo_file, tmp_path)
    found = json.loads(ok(cli("--collective", "saamuhika-shakti", "alignment", "--json")).stdout)
    assert [o["code"] for o in found["unserved"]["outcomes"]] == ["SS-O3", "SS-O4", "SS-O5"]
    assert ("scheme-enrolment", "ration-relief", "hasiru-dala", "completed") in [
        (d["activity"], d["depends_on"], d["depends_on_org"], d["depends_on_state"])
        for d in found["dependencies"]
    ]
    assert "scheme-enrolment" in [o["activity"] for o in found["overdue"]]  # ended 2024-03-31
    assert "toilet-blocks" not in [a["activity"] for a in found["activities"]]  # dropped
    table = ok(cli("--collective", "oporajita", "alignment")).stdout
    assert "Not served by any active activity" in table and "OP-LDR-01" in table
    assert "OP-INC-01" not in table  # retired in 2025
