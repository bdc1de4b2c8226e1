"""The register of decisions: body, outcome, the positions counted, whether community seats
took part."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click
import pytest
from agenda_steps import SS, given_members
from conftest import Cli, ok, refused
from view_steps import demo_cli, last_recorded, stepwise_equals_rebuild

from domain.errors import NotFound
from domain.governance import Charter, Proposal
from domain.measurement import Definition
from domain.periods import Cadence
from domain.vocabulary import DecisionRule, Direction, Outcome, Stance, Unit
from ledger.application import Context, LedgerApplication
from projections.decision_register import decision_register
from projections.decisions import DECISIONS
from projections.registry import Views


def on(day: date, reason: str | None = None) -> Context:
    return Context(actor="meera", on=day, reason=reason)


def propose(app: LedgerApplication, body: str, title: str, day: date) -> str:
    _, ref = app.propose(body, Proposal(title=title, rationale="why not"), on(day))
    return ref


@pytest.fixture
def ss(app: LedgerApplication, ctx: Context) -> LedgerApplication:
    """Steering (consent; hasiru-dala on a community seat) and finance (majority, quorum 2)."""
    given_members(app, ctx, "hasiru-dala", "sattva", "care-india")
    charter = Charter(slug="finance", name="Finance", rule=DecisionRule.MAJORITY, quorum=2)
    app.add_body(charter, ctx)
    app.seat("finance", "sattva", False, ctx)
    app.seat("finance", "care-india", False, ctx)
    first = propose(app, "steering", "Adopt the charter", date(2020, 2, 5))
    app.take_position(first, "hasiru-dala", Stance.CONSENT, on(date(2020, 2, 5)))
    app.take_position(first, "sattva", Stance.CONSENT, on(date(2020, 2, 5)))
    app.take_position(first, "care-india", Stance.STAND_ASIDE, on(date(2020, 2, 5)))
    app.close_decision(first, on(date(2020, 2, 5)))
    second = propose(app, "steering", "Buy a van", date(2020, 3, 1))
    app.take_position(second, "sattva", Stance.OBJECT, on(date(2020, 3, 1), "too costly"))
    app.take_position(second, "care-india", Stance.CONSENT, on(date(2020, 3, 1)))
    app.close_decision(second, on(date(2020, 3, 2)))
    third = propose(app, "steering", "Hire a coordinator", date(2020, 4, 1))
    app.take_position(third, "hasiru-dala", Stance.CONSENT, on(date(2020, 4, 1)))
    budget = propose(app, "finance", "Budget 2020", date(2020, 4, 5))
    app.withdraw_decision(budget, on(date(2020, 4, 6), "figures not ready"))
    return app


def test_the_register_by_hand(ss: LedgerApplication) -> None:
    views = Views(ss)
    views.refresh()
    found = decision_register(views, SS, None)
    assert [
        (d["decision"], d["body"], d["outcome"], d["proposed_on"], d["closed_on"]) for d in found
    ] == [
        ("finance-1", "finance", "withdrawn", "2020-04-05", "2020-04-06"),
        ("steering-1", "steering", "passed", "2020-02-05", "2020-02-05"),
        ("steering-2", "steering", "rejected", "2020-03-01", "2020-03-02"),
        ("steering-3", "steering", "open", "2020-04-01", None),
    ]
    assert [
        (
            d["consented"],
            d["objected"],
            d["stood_aside"],
            d["community_seats"],
            d["community_took_part"],
        )
        for d in found
    ] == [
        ([], [], [], [], False),
        (["hasiru-dala", "sattva"], [], ["care-india"], ["hasiru-dala"], True),
        (["care-india"], [{"member": "sattva", "reason": "too costly"}], [], [], False),
        (["hasiru-dala"], [], [], ["hasiru-dala"], True),  # so far, while it is open
    ]
    assert found[1] | {"consented": [], "objected": [], "stood_aside": []} == {
        "decision": "steering-1",
        "body": "steering",
        "body_name": "Steering",
        "title": "Adopt the charter",
        "rationale": "why not",
        "affects": [],
        "outcome": "passed",
        "proposed_on": "2020-02-05",
        "closed_on": "2020-02-05",
        "consented": [],
        "objected": [],
        "stood_aside": [],
        "community_seats": ["hasiru-dala"],
        "community_took_part": True,
    }


def test_the_register_filtered_by_body_and_outcome(ss: LedgerApplication) -> None:
    views = Views(ss)
    views.refresh()

    def refs(**filters: str) -> list[str]:
        return [d["decision"] for d in decision_register(views, SS, None, **filters)]

    assert refs(body="steering") == ["steering-1", "steering-2", "steering-3"]
    assert refs(outcome="passed") == ["steering-1"]
    assert refs(body="finance", outcome="open") == []
    with pytest.raises(NotFound, match=r"^body 'audit' not found: known: finance, steering$"):
        decision_register(views, SS, None, body="audit")


def test_the_register_at_an_earlier_position(ss: LedgerApplication) -> None:
    views = Views(ss)
    views.refresh()
    at = ss.event_count()
    before = decision_register(views, SS, None)
    ss.take_position("steering-3", "care-india", Stance.OBJECT, on(date(2020, 4, 2), "no budget"))
    ss.close_decision("steering-3", on(date(2020, 4, 2)))
    views.refresh()
    third = decision_register(views, SS, None)[3]
    assert (third["outcome"], third["closed_on"], third["objected"]) == (
        "rejected",
        "2020-04-02",
        [{"member": "care-india", "reason": "no budget"}],
    )
    assert decision_register(views, SS, at) == before


def test_the_decisions_view_rebuilt_equals_caught_up_on_the_demo(
    demo_app: LedgerApplication,
) -> None:
    views = stepwise_equals_rebuild(demo_app, DECISIONS)
    withdrawn = decision_register(views, "oporajita", None, outcome="withdrawn")
    assert [d["decision"] for d in withdrawn] == ["steering-2"]


# -- the command line ---------------------------------------------------------------------------


def test_cli_decisions_as_of_gives_what_it_printed_then(ss_cli: Cli) -> None:
    ok(ss_cli("body", "add", "steering", "--name", "Steering", "--rule", "consent"))
    ok(ss_cli("body", "seat", "steering", "hasiru-dala", "--community"))
    propose = ["decision", "propose", "--body", "steering", "--rationale", "why"]
    ok(ss_cli(*propose, "--title", "Adopt the charter"))
    ok(ss_cli("decision", "consent", "steering-1", "--member", "hasiru-dala"))
    then = json.loads(ok(ss_cli("decisions", "--json")).stdout)
    then_table = ok(ss_cli("decisions")).stdout
    moment = last_recorded(ss_cli)
    ok(ss_cli("decision", "close", "steering-1"))
    ok(ss_cli(*propose, "--title", "Buy a van"))
    now = json.loads(ok(ss_cli("decisions", "--json")).stdout)
    assert [(d["decision"], d["outcome"]) for d in now] == [
        ("steering-1", "passed"),
        ("steering-2", "open"),
    ]
    assert [(d["decision"], d["outcome"], d["consented"]) for d in then] == [
        ("steering-1", "open", ["hasiru-dala"])
    ]
    assert json.loads(ok(ss_cli("decisions", "--as-of", moment, "--json")).stdout) == then
    assert ok(ss_cli("decisions", "--as-of", moment)).stdout == then_table
    passed = ok(ss_cli("decisions", "--outcome", "passed", "--json")).stdout
    assert [d["decision"] for d in json.loads(passed)] == ["steering-1"]


def test_cli_decisions_refusals(ss_cli: Cli) -> None:
    refused(
        ss_cli("decisions", "--body", "steering"),
        "body 'steering' not found: the collective has no bodies yet",
    )
    refused(
        ss_cli("decisions", "--as-of", "31/03/2024"),
        "--as-of '31/03/2024' is not a date or time: use 2024-03-31 or 2024-03-31T18:00:00+05:30",
    )
    usage = ss_cli("decisions", "--outcome", "approved")
    assert usage.exit_code == 2 and "'approved' is not one of" in usage.stderr
    from cli.reports import decisions

    [choices] = [p.type for p in decisions.params if p.name == "outcome"]
    assert isinstance(choices, click.Choice)
    assert set(choices.choices) == {o.value for o in Outcome}


def test_cli_decisions_on_the_demo(demo_file: Path, tmp_path: Path) -> None:
    cli = demo_cli(demo_file, tmp_path)
    args = ["--collective", "saamuhika-shakti", "decisions", "--body", "measurement", "--json"]
    [split] = json.loads(ok(cli(*args)).stdout)
    assert (split["decision"], split["outcome"], split["community_took_part"]) == (
        "measurement-1",
        "passed",
        True,
    )
    assert split["objected"] == [
        {"member": "sambhav-foundation", "reason": "more work for field staff"}
    ]
    table = ok(cli("--collective", "oporajita", "decisions", "--outcome", "withdrawn")).stdout
    assert "Move the pilot to Ashulia" in table and "Decisions (1)" in table


# -- positions of members unseated before the close ------------------------------------------------


@pytest.fixture
def unseated(app: LedgerApplication, ctx: Context) -> LedgerApplication:
    """Steering (consent): hasiru-dala (community seat), sattva and care-india.

    steering-1: hasiru-dala objects, sattva consents, care-india stands aside; hasiru-dala then
    leaves its seat and steering-1 closes. steering-2: sattva and care-india consent, then
    care-india leaves its seat; steering-2 stays open. A meeting of steering took steering-1.
    """
    given_members(app, ctx, "hasiru-dala", "sattva", "care-india")
    app.define_indicator("SS-EDU-01", DEFINITION, ctx)  # an export needs an indicator
    first = propose(app, "steering", "Buy a van", date(2020, 3, 1))
    app.take_position(first, "hasiru-dala", Stance.OBJECT, on(date(2020, 3, 1), "too costly"))
    app.take_position(first, "sattva", Stance.CONSENT, on(date(2020, 3, 1)))
    app.take_position(first, "care-india", Stance.STAND_ASIDE, on(date(2020, 3, 1)))
    app.unseat("steering", "hasiru-dala", on(date(2020, 3, 2), "term ended"))
    app.close_decision(first, on(date(2020, 3, 3)))
    app.record_meeting("steering", ["sattva"], [first], None, on(date(2020, 3, 3)))
    second = propose(app, "steering", "Hire a coordinator", date(2020, 4, 1))
    app.take_position(second, "sattva", Stance.CONSENT, on(date(2020, 4, 1)))
    app.take_position(second, "care-india", Stance.CONSENT, on(date(2020, 4, 1)))
    app.unseat("steering", "care-india", on(date(2020, 4, 2), "moved away"))
    return app


DEFINITION = Definition(
    name="Children enrolled",
    unit=Unit.COUNT,
    direction=Direction.UP,
    cadence=Cadence.QUARTERLY,
)


def _stances(entry: dict[str, Any]) -> tuple[Any, ...]:
    return (
        entry["outcome"],
        entry["consented"],
        entry["objected"],
        entry["stood_aside"],
        entry["community_seats"],
        entry["community_took_part"],
    )


def test_a_closed_decision_shows_the_positions_counted_at_the_close(
    unseated: LedgerApplication,
) -> None:
    views = Views(unseated)
    views.refresh()
    first, _ = decision_register(views, SS, None)
    # hasiru-dala's objection was not counted: it had left its seat when steering-1 closed,
    # so the decision passed (1 consent, no objection) without a community seat taking part
    assert _stances(first) == ("passed", ["sattva"], [], ["care-india"], [], False)


def test_an_open_decision_shows_the_positions_of_the_members_seated_as_of_then(
    unseated: LedgerApplication,
) -> None:
    views = Views(unseated)
    views.refresh()
    _, second = decision_register(views, SS, None)
    assert _stances(second) == ("open", ["sattva"], [], [], [], False)
    _, then = decision_register(views, SS, _just_before(views, "Body.Unseated", "care-india"))
    assert _stances(then) == ("open", ["care-india", "sattva"], [], [], [], False)
    first = decision_register(views, SS, _just_before(views, "Decision.Closed", "steering-1"))[0]
    assert _stances(first) == ("open", ["sattva"], [], ["care-india"], [], False)
    first = decision_register(views, SS, _just_before(views, "Body.Unseated", "hasiru-dala"))[0]
    assert _stances(first) == (
        "open",
        ["sattva"],
        [{"member": "hasiru-dala", "reason": "too costly"}],
        ["care-india"],
        ["hasiru-dala"],
        True,
    )


def _just_before(views: Views, event: str, mentioning: str) -> int:
    """The log position just before the first ``event`` whose subject or summary mentions
    ``mentioning``."""
    from projections.log import wording

    rows = views.db.query(
        f"SELECT position, subject FROM {views.db.table('view_log')} WHERE event = ?", [event]
    )
    worded = wording(views.app, [r["position"] for r in rows])
    return min(
        r["position"] - 1
        for r in rows
        if mentioning in f"{r['subject']} {worded[r['position']].summary}"
    )


def test_trace_and_exports_show_the_same_positions_as_the_register(
    unseated: LedgerApplication, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from projections.exports import ExportRequest
    from projections.exports.tables import DECISIONS as DECISION_TABLE
    from projections.exports.tables import POSITIONS, Source
    from projections.trace import trace

    views = Views(unseated)
    views.refresh()
    [decision] = trace(views, SS, "meeting:steering-m1", None)["decisions"]
    assert decision["decision"] == "steering-1"
    assert [(p["member"], p["stance"], p["community"]) for p in decision["positions"]] == [
        ("care-india", "stand-aside", False),
        ("sattva", "consent", False),
    ]
    request = ExportRequest(views, SS, None, datetime(2025, 1, 1, tzinfo=UTC), tmp_path)
    src = Source(request, 10)
    assert [row[:4] for row in POSITIONS.rows(src)] == [
        ("steering-1", "care-india", "stand-aside", False),
        ("steering-1", "sattva", "consent", False),
        ("steering-2", "sattva", "consent", False),
    ]
    assert [(row[0], row[6], row[9]) for row in DECISION_TABLE.rows(src)] == [
        ("steering-1", "passed", False),
        ("steering-2", "open", False),
    ]


# -- decision show agrees with the register --------------------------------------------------------


@pytest.fixture
def unseated_cli(ss_cli: Cli) -> Cli:
    """The ``unseated`` story at the command line: steering (consent) with hasiru-dala
    (community seat), sattva and care-india. steering-1: hasiru-dala objects, sattva consents,
    care-india stands aside, hasiru-dala leaves its seat, steering-1 closes. steering-2: sattva
    and care-india consent; care-india leaves its seat later (see the tests)."""
    for org in ("sattva", "care-india"):
        ok(ss_cli("org", "add", org, "--name", org.title(), "--type", "implementing"))
        ok(ss_cli("org", "join", org))
    ok(ss_cli("body", "add", "steering", "--name", "Steering", "--rule", "consent"))
    ok(ss_cli("body", "seat", "steering", "hasiru-dala", "--community"))
    ok(ss_cli("body", "seat", "steering", "sattva"))
    ok(ss_cli("body", "seat", "steering", "care-india"))
    propose = ["decision", "propose", "--body", "steering", "--rationale", "why"]
    ok(ss_cli(*propose, "--title", "Buy a van", "--on", "2020-03-01"))
    objection = ["--member", "hasiru-dala", "--reason", "too costly", "--on", "2020-03-01"]
    ok(ss_cli("decision", "object", "steering-1", *objection))
    ok(ss_cli("decision", "consent", "steering-1", "--member", "sattva", "--on", "2020-03-01"))
    stand_aside = ["stand-aside", "steering-1", "--member", "care-india", "--on", "2020-03-01"]
    ok(ss_cli("decision", *stand_aside))
    leave = ["body", "unseat", "steering", "hasiru-dala", "--reason", "term ended"]
    ok(ss_cli(*leave, "--on", "2020-03-02"))
    assert ok(ss_cli("decision", "close", "steering-1", "--on", "2020-03-03")).stdout == "passed\n"
    ok(ss_cli(*propose, "--title", "Hire a coordinator", "--on", "2020-04-01"))
    ok(ss_cli("decision", "consent", "steering-2", "--member", "sattva", "--on", "2020-04-01"))
    ok(ss_cli("decision", "consent", "steering-2", "--member", "care-india", "--on", "2020-04-01"))
    return ss_cli


def _shown(cli: Cli, ref: str, *args: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(ok(cli("decision", "show", ref, *args, "--json")).stdout)
    return found


def _registered(cli: Cli, ref: str, *args: str) -> dict[str, Any]:
    [found] = [
        d for d in json.loads(ok(cli("decisions", *args, "--json")).stdout) if d["decision"] == ref
    ]
    return dict(found)


def _as_registered(shown: dict[str, Any]) -> tuple[Any, ...]:
    """What the register says of a decision, worked out from ``decision show --json``."""
    positions = shown["positions"]

    def who(stance: str) -> list[str]:
        return [p["member"] for p in positions if p["stance"] == stance]

    return (
        shown["outcome"],
        who("consent"),
        [
            {"member": p["member"], "reason": p["reason"]}
            for p in positions
            if p["stance"] == "object"
        ],
        who("stand-aside"),
        [p["member"] for p in positions if p["community"]],
    )


def _register_stances(entry: dict[str, Any]) -> tuple[Any, ...]:
    return _stances(entry)[:5]


def test_decision_show_leaves_out_an_objection_of_a_member_unseated_before_the_close(
    unseated_cli: Cli,
) -> None:
    shown = _shown(unseated_cli, "steering-1")
    assert shown["outcome"] == "passed"
    assert shown["positions"] == [
        {
            "member": "care-india",
            "stance": "stand-aside",
            "community": False,
            "reason": None,
            "taken_on": "2020-03-01",
        },
        {
            "member": "sattva",
            "stance": "consent",
            "community": False,
            "reason": None,
            "taken_on": "2020-03-01",
        },
    ]
    assert shown["not_counted"] == [
        {
            "member": "hasiru-dala",
            "stance": "object",
            "community": True,
            "reason": "too costly",
            "taken_on": "2020-03-01",
        }
    ]
    registered = _registered(unseated_cli, "steering-1")
    assert _register_stances(registered) == _as_registered(shown)
    assert _as_registered(shown) == ("passed", ["sattva"], [], ["care-india"], [])
    assert ok(unseated_cli("decision", "show", "steering-1")).stdout.splitlines()[2:] == [
        "  care-india: stand-aside",
        "  sattva: consent",
        "  not counted (no seat on steering when it closed):",
        "    hasiru-dala (community seat): object, too costly",
    ]


def test_decision_show_counts_an_open_decision_with_the_seats_as_of_then(
    unseated_cli: Cli,
) -> None:
    seated = last_recorded(unseated_cli)
    leave = ["body", "unseat", "steering", "care-india", "--reason", "moved away"]
    ok(unseated_cli(*leave, "--on", "2020-04-02"))
    now = _shown(unseated_cli, "steering-2")
    assert (now["outcome"], [p["member"] for p in now["positions"]]) == ("open", ["sattva"])
    assert [(p["member"], p["stance"]) for p in now["not_counted"]] == [("care-india", "consent")]
    assert _as_registered(now) == _register_stances(_registered(unseated_cli, "steering-2"))
    assert ok(unseated_cli("decision", "show", "steering-2")).stdout.splitlines()[2:] == [
        "  sattva: consent",
        "  not counted (no seat on steering now):",
        "    care-india: consent",
    ]
    then = _shown(unseated_cli, "steering-2", "--as-of", seated)
    assert [p["member"] for p in then["positions"]] == ["care-india", "sattva"]
    assert then["not_counted"] == []
    registered_then = _registered(unseated_cli, "steering-2", "--as-of", seated)
    assert _as_registered(then) == _register_stances(registered_then)
    assert _as_registered(then) == ("open", ["care-india", "sattva"], [], [], [])


def test_decision_show_counts_a_withdrawn_decision_with_the_seats_when_withdrawn(
    unseated_cli: Cli,
) -> None:
    leave = ["body", "unseat", "steering", "care-india", "--reason", "moved away"]
    ok(unseated_cli(*leave, "--on", "2020-04-02"))
    withdraw = ["decision", "withdraw", "steering-2", "--reason", "no budget"]
    ok(unseated_cli(*withdraw, "--on", "2020-04-03"))
    ok(unseated_cli("body", "seat", "steering", "care-india", "--on", "2020-04-04"))
    shown = _shown(unseated_cli, "steering-2")
    # care-india sits again, but held no seat when steering-2 was withdrawn
    assert _as_registered(shown) == ("withdrawn", ["sattva"], [], [], [])
    assert _as_registered(shown) == _register_stances(_registered(unseated_cli, "steering-2"))
    assert ok(unseated_cli("decision", "show", "steering-2")).stdout.splitlines()[2:] == [
        "  sattva: consent",
        "  not counted (no seat on steering when it was withdrawn):",
        "    care-india: consent",
    ]


def test_decision_show_refusals(unseated_cli: Cli) -> None:
    refused(unseated_cli("decision", "show", "steering-9"), "decision 'steering-9' not found")
    early = unseated_cli("decision", "show", "steering-1", "--as-of", "2001-01-01T00:00:00Z")
    assert early.exit_code == 1 and len(early.stderr.splitlines()) == 1
    assert early.stderr.startswith(
        "Error: --as-of 2001-01-01T00:00:00+00:00 is before the first event of this ledger ("
    )
    refused(
        unseated_cli("decision", "show", "steering-2", "--as-of", "2020-13-01"),
        "--as-of '2020-13-01' is not a date or time: use 2024-03-31 or 2024-03-31T18:00:00+05:30",
    )
