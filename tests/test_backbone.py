"""The backbone: appointed by decision, handed over from one member to another, its functions."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from agenda_steps import SS, cli_decided, decided, given_members, meta
from conftest import Cli, ok, refused

from domain.actor import ActorRole
from domain.backbone import Backbone, Term
from domain.errors import NotFound, RuleViolation
from domain.vocabulary import BackboneFunction
from ledger.application import Context, LedgerApplication

ALL = tuple(BackboneFunction)
MEASURE = BackboneFunction.ESTABLISH_SHARED_MEASUREMENT
GUIDE = BackboneFunction.GUIDE_VISION_AND_STRATEGY


def given_a_backbone() -> Backbone:
    backbone = Backbone.appoint(SS, "nudge-institute", "steering-1", ALL, meta(date(2020, 1, 20)))
    backbone.collect_events()
    return backbone


# -- the aggregate ------------------------------------------------------------------------------


def test_the_first_backbone_is_appointed_with_its_functions_in_their_usual_order() -> None:
    backbone = Backbone.appoint(
        SS, "nudge-institute", "steering-1", [MEASURE, GUIDE, MEASURE], meta(date(2020, 1, 20))
    )
    [event] = backbone.collect_events()
    assert isinstance(event, Backbone.Appointed)
    assert (event.org, event.decision, event.functions) == (
        "nudge-institute",
        "steering-1",
        (GUIDE, MEASURE),
    )
    assert event.subject() == "backbone"
    assert backbone.current == Term(
        org="nudge-institute",
        decision="steering-1",
        functions=(GUIDE, MEASURE),
        began=date(2020, 1, 20),
    )


def test_a_backbone_takes_on_at_least_one_function() -> None:
    with pytest.raises(RuleViolation, match="a backbone takes on at least one function"):
        Backbone.appoint(SS, "nudge-institute", "steering-1", [], meta())


def test_a_handover_ends_the_previous_term_in_the_same_event() -> None:
    backbone = given_a_backbone()
    backbone.hand_over("sattva", "steering-7", ALL, meta(date(2024, 1, 1)))
    [event] = backbone.collect_events()
    assert isinstance(event, Backbone.HandedOver)
    assert (event.previous, event.org, event.decision) == (
        "nudge-institute",
        "sattva",
        "steering-7",
    )
    assert event.summary().startswith("backbone handed over from nudge-institute to sattva")
    earlier, current = backbone.terms
    assert (earlier.org, earlier.began, earlier.ended) == (
        "nudge-institute",
        date(2020, 1, 20),
        date(2024, 1, 1),
    )
    assert (current.org, current.began, current.ended) == ("sattva", date(2024, 1, 1), None)


@pytest.mark.parametrize(
    ("org", "decision", "on", "message"),
    [
        ("nudge-institute", "steering-7", date(2024, 1, 1), "nudge-institute is already the "),
        (
            "sattva",
            "steering-7",
            date(2019, 12, 31),
            "the handover on 2019-12-31 is before nudge-institute's term began (2020-01-20)",
        ),
        (
            "sattva",
            "steering-1",
            date(2024, 1, 1),
            "decision steering-1 already appointed nudge-institute: a handover needs a decision",
        ),
    ],
)
def test_a_handover_is_refused(org: str, decision: str, on: date, message: str) -> None:
    backbone = given_a_backbone()
    with pytest.raises(RuleViolation, match=re.escape(message)):
        backbone.hand_over(org, decision, ALL, meta(on))
    assert backbone.collect_events() == []


# -- the application ----------------------------------------------------------------------------


@pytest.fixture
def ss(app: LedgerApplication, ctx: Context) -> LedgerApplication:
    given_members(app, ctx, "hasiru-dala", "nudge-institute", "sattva")
    return app


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        ("open", "decision steering-1 has not passed (it is open)"),
        ("rejected", "decision steering-1 has not passed (it is rejected)"),
    ],
)
def test_appointing_needs_a_passed_decision(
    ss: LedgerApplication, ctx: Context, outcome: str, message: str
) -> None:
    ref = decided(ss, ctx, "Appoint the backbone", outcome)
    before = ss.event_count()
    with pytest.raises(RuleViolation, match=re.escape(message)):
        ss.appoint_backbone("nudge-institute", ref, ALL, ctx)
    assert ss.event_count() == before


def test_the_backbone_is_a_current_member(ss: LedgerApplication, ctx: Context) -> None:
    ref = decided(ss, ctx, "Appoint the backbone")
    ss.leave("sattva", Context(actor="meera", reason="phase 1 over"))
    before = ss.event_count()
    with pytest.raises(NotFound, match="sattva is not a member of saamuhika-shakti"):
        ss.appoint_backbone("sattva", ref, ALL, ctx)
    with pytest.raises(NotFound, match="care-india is not a member of saamuhika-shakti"):
        ss.appoint_backbone("care-india", ref, ALL, ctx)
    with pytest.raises(NotFound, match="backbone 'saamuhika-shakti' not found: appoint one"):
        ss.backbone(SS)
    assert ss.event_count() == before


def test_appointment_then_handover(ss: LedgerApplication, ctx: Context) -> None:
    first = decided(ss, ctx, "Appoint Nudge")
    ss.appoint_backbone("nudge-institute", first, [MEASURE], Context(actor="meera"))
    second = decided(ss, ctx, "Hand over to Sattva")
    ss.register_actor("ravi", "sattva", [ActorRole.BACKBONE_STAFF], None, ctx)
    receipt = ss.appoint_backbone("sattva", second, ALL, Context(actor="ravi", on=date(2030, 1, 1)))
    assert len(receipt.positions) == 1  # one event ends one term and begins the next
    backbone = ss.backbone(SS)
    assert [(t.org, t.decision, t.ended) for t in backbone.terms] == [
        ("nudge-institute", first, date(2030, 1, 1)),
        ("sattva", second, None),
    ]
    assert backbone.terms[0].functions == (MEASURE,)
    assert backbone.current.functions == ALL


# -- the command line ---------------------------------------------------------------------------


def test_cli_appoint_hand_over_and_show(ss_cli: Cli) -> None:
    ok(ss_cli("org", "add", "sattva", "--name", "Sattva", "--type", "backbone"))
    ok(ss_cli("org", "join", "sattva", "--on", "2023-12-01"))
    first = cli_decided(ss_cli, "Appoint Hasiru Dala")
    appoint = ["backbone", "appoint", "hasiru-dala", "--decision", first, "--on", "2020-01-20"]
    ok(
        ss_cli(
            *appoint, "--function", "establish-shared-measurement", "--function", "advance-policy"
        )
    )
    second = cli_decided(ss_cli, "Hand over to Sattva")
    handover = ok(
        ss_cli("backbone", "appoint", "sattva", "--decision", second, "--on", "2024-01-01")
    )
    assert "sattva is the backbone" in handover.stderr
    shown = json.loads(ok(ss_cli("backbone", "show", "--json")).stdout)
    assert shown == {
        "collective": SS,
        "backbone": "sattva",
        "terms": [
            {
                "org": "hasiru-dala",
                "decision": first,
                "functions": ["establish-shared-measurement", "advance-policy"],
                "began": "2020-01-20",
                "ended": "2024-01-01",
            },
            {
                "org": "sattva",
                "decision": second,
                "functions": [f.value for f in BackboneFunction],
                "began": "2024-01-01",
                "ended": None,
            },
        ],
    }
    table = ok(ss_cli("backbone", "show")).stdout
    assert f"Backbone of {SS}: sattva since 2024-01-01 (decision {second})" in table
    log = json.loads(ok(ss_cli("log", "--type", "Backbone", "--json")).stdout)
    assert [e["event"] for e in log] == ["Backbone.Appointed", "Backbone.HandedOver"]
    assert log[1]["summary"] == (
        f"backbone handed over from hasiru-dala to sattva by decision {second} (6 functions)"
    )


def test_cli_backbone_refusals_are_one_line_and_write_nothing(ss_cli: Cli) -> None:
    open_ref = cli_decided(ss_cli, "Appoint", "open")
    rejected = cli_decided(ss_cli, "Appoint", "rejected")
    passed = cli_decided(ss_cli, "Appoint")
    before = ss_cli.events()
    cases = [
        (
            ["backbone", "show"],
            "backbone 'saamuhika-shakti' not found: appoint one first with "
            "`collective backbone appoint`",
        ),
        (
            ["backbone", "appoint", "hasiru-dala", "--decision", open_ref],
            f"decision {open_ref} has not passed (it is open)",
        ),
        (
            ["backbone", "appoint", "hasiru-dala", "--decision", rejected],
            f"decision {rejected} has not passed (it is rejected)",
        ),
        (
            ["backbone", "appoint", "sattva", "--decision", passed],
            "member 'sattva' not found: sattva is not a member of saamuhika-shakti",
        ),
    ]
    for args, message in cases:
        refused(ss_cli(*args), message)
    assert ss_cli.events() == before
    ok(ss_cli("backbone", "appoint", "hasiru-dala", "--decision", passed))
    before = ss_cli.events()
    refused(
        ss_cli("backbone", "appoint", "hasiru-dala", "--decision", passed),
        "hasiru-dala is already the backbone of saamuhika-shakti",
    )
    assert ss_cli.events() == before
    usage = ss_cli("backbone", "appoint", "hasiru-dala", "--decision", passed, "--function", "x")
    assert usage.exit_code == 2 and "'x' is not one of 'guide-vision-and-strategy'" in usage.stderr
    assert ss_cli.events() == before
