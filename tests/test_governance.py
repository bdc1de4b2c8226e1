"""Governance: bodies, seats and decisions, with outcomes computed from the rule."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import REFUSED_BEFORE_SAVING, Cli, ok, refused

from domain.base import Envelope
from domain.errors import NotFound, RuleViolation
from domain.governance import Body, Charter, Decision, Position, Proposal, Seat, decide
from domain.vocabulary import DecisionRule, Outcome, Stance


def meta(reason: str | None = None) -> Envelope:
    return Envelope(actor="meera", effective=date(2020, 4, 2), collective="ss", reason=reason)


def given_a_body(
    rule: DecisionRule, quorum: int | None = None, seats: dict[str, bool] | None = None
) -> Body:
    body = Body.establish(
        "ss", Charter(slug="steering", name="Steering", rule=rule, quorum=quorum), meta()
    )
    for member, community in (
        seats or {"hasiru-dala": True, "sattva": False, "hm-foundation": False}
    ).items():
        body.seat(member, community, meta())
    body.collect_events()
    return body


def given_a_decision(body: Body) -> Decision:
    decision = Decision.propose(
        "ss", body, Proposal(title="COVID adaptation", rationale="lockdown"), meta()
    )
    decision.collect_events()
    body.collect_events()
    return decision


def positions(**stances: Stance) -> dict[str, Position]:
    return {
        m.replace("_", "-"): Position(member=m.replace("_", "-"), stance=s, community=False)
        for m, s in stances.items()
    }


SEATS = {m: Seat(member=m) for m in ("a", "b", "c")}
C, X, S = Stance.CONSENT, Stance.OBJECT, Stance.STAND_ASIDE


@pytest.mark.parametrize(
    ("rule", "quorum", "given", "expected"),
    [
        (DecisionRule.CONSENT, None, {"a": C}, Outcome.PASSED),
        (DecisionRule.CONSENT, None, {"a": C, "b": S}, Outcome.PASSED),
        (DecisionRule.CONSENT, None, {"a": C, "b": C, "c": X}, Outcome.REJECTED),
        (DecisionRule.CONSENT, None, {"a": S}, Outcome.REJECTED),
        (DecisionRule.CONSENT, None, {}, Outcome.REJECTED),
        (DecisionRule.CONSENSUS, None, {"a": C, "b": C, "c": C}, Outcome.PASSED),
        (DecisionRule.CONSENSUS, None, {"a": C, "b": C}, Outcome.REJECTED),
        (DecisionRule.CONSENSUS, None, {"a": C, "b": C, "c": S}, Outcome.REJECTED),
        (DecisionRule.MAJORITY, 2, {"a": C, "b": X, "c": C}, Outcome.PASSED),
        (DecisionRule.MAJORITY, 2, {"a": C, "b": X}, Outcome.REJECTED),
        (DecisionRule.MAJORITY, 3, {"a": C, "b": C}, Outcome.REJECTED),
        (DecisionRule.MAJORITY, 2, {"a": C, "b": S}, Outcome.PASSED),
        (DecisionRule.DELEGATED, None, {"a": C}, Outcome.PASSED),
        (DecisionRule.DELEGATED, None, {"b": C, "c": C}, Outcome.REJECTED),
    ],
)
def test_the_outcome_follows_the_rule(
    rule: DecisionRule, quorum: int | None, given: dict[str, Stance], expected: Outcome
) -> None:
    taken = {m: Position(member=m, stance=s, community=False) for m, s in given.items()}
    assert decide(rule, quorum, SEATS, taken, backbone=frozenset({"a"})) is expected


def test_positions_of_members_who_lost_their_seat_do_not_count() -> None:
    taken = {
        "x": Position(member="x", stance=X, community=False),
        "a": Position(member="a", stance=C, community=False),
    }
    assert decide(DecisionRule.CONSENT, None, SEATS, taken) is Outcome.PASSED


def test_a_decision_records_positions_then_closes_with_the_computed_outcome() -> None:
    body = given_a_body(DecisionRule.CONSENT)
    decision = given_a_decision(body)
    assert decision.ref == "steering-1"
    decision.take_position(body, "hasiru-dala", C, meta())
    decision.take_position(body, "sattva", S, meta())
    assert decision.close(body, frozenset(), meta()) is Outcome.PASSED
    *_, closed = decision.collect_events()
    assert isinstance(closed, Decision.Closed)
    assert closed.consents == ("hasiru-dala",) and closed.stood_aside == ("sattva",)
    assert closed.community_took_part is True
    assert decision.passed


def test_only_seated_members_take_positions() -> None:
    body = given_a_body(DecisionRule.CONSENT)
    decision = given_a_decision(body)
    with pytest.raises(NotFound, match="care-india holds no seat on steering"):
        decision.take_position(body, "care-india", C, meta())
    assert decision.collect_events() == []


def test_an_objection_needs_a_reason() -> None:
    body = given_a_body(DecisionRule.CONSENT)
    decision = given_a_decision(body)
    with pytest.raises(RuleViolation, match="an objection needs a reason"):
        decision.take_position(body, "sattva", X, meta())
    decision.take_position(body, "sattva", X, meta(reason="ಮಕ್ಕಳ ಸುರಕ್ಷೆ"))
    assert decision.close(body, frozenset(), meta()) is Outcome.REJECTED


def test_a_closed_decision_takes_no_more_positions_and_cannot_close_again() -> None:
    body = given_a_body(DecisionRule.CONSENT)
    decision = given_a_decision(body)
    decision.take_position(body, "sattva", C, meta())
    decision.close(body, frozenset(), meta())
    decision.collect_events()
    with pytest.raises(RuleViolation, match="decision steering-1 is passed and takes no more"):
        decision.take_position(body, "hasiru-dala", X, meta(reason="late"))
    with pytest.raises(RuleViolation, match="is passed and takes no more changes"):
        decision.close(body, frozenset(), meta())
    assert decision.collect_events() == []


def test_withdrawal_needs_a_reason_and_ends_the_decision() -> None:
    body = given_a_body(DecisionRule.CONSENT)
    decision = given_a_decision(body)
    with pytest.raises(RuleViolation, match="a reason is required to withdraw steering-1"):
        decision.withdraw(meta())
    decision.withdraw(meta(reason="superseded"))
    assert decision.outcome is Outcome.WITHDRAWN


def test_a_majority_body_needs_a_quorum_and_seats_are_held_once() -> None:
    with pytest.raises(RuleViolation, match="needs a quorum"):
        Body.establish("ss", Charter(slug="f", name="F", rule=DecisionRule.MAJORITY), meta())
    body = given_a_body(DecisionRule.CONSENT)
    with pytest.raises(RuleViolation, match="sattva already holds a seat on steering"):
        body.seat("sattva", False, meta())
    with pytest.raises(RuleViolation, match="a reason is required when sattva leaves its seat"):
        body.unseat("sattva", meta())
    body.unseat("sattva", meta(reason="rotation"))
    assert "sattva" not in body.seats


def test_decision_ids_count_up_per_body() -> None:
    body = given_a_body(DecisionRule.CONSENT)
    refs = [given_a_decision(body).ref for _ in range(3)]
    assert refs == ["steering-1", "steering-2", "steering-3"]


# -- the command line ------------------------------------------------------------------------


@pytest.fixture
def gov(ss_cli: Cli) -> Cli:
    ok(ss_cli("org", "add", "sattva", "--name", "Sattva", "--type", "backbone"))
    ok(ss_cli("org", "join", "sattva", "--role", "backbone"))
    ok(ss_cli("body", "add", "steering", "--name", "Steering committee", "--rule", "consent"))
    ok(ss_cli("body", "seat", "steering", "hasiru-dala", "--community"))
    ok(ss_cli("body", "seat", "steering", "sattva"))
    return ss_cli


def test_a_decision_from_proposal_to_outcome_at_the_command_line(gov: Cli) -> None:
    proposed = ok(
        gov(
            "decision",
            "propose",
            "--body",
            "steering",
            "--title",
            "কোভিড অভিযোজন",
            "--rationale",
            "lockdown",
            "--affects",
            "agenda",
        )
    )
    assert proposed.stdout.strip() == "steering-1"
    ok(gov("decision", "consent", "steering-1", "--member", "hasiru-dala"))
    ok(gov("decision", "stand-aside", "steering-1", "--member", "sattva"))
    closed = ok(gov("decision", "close", "steering-1"))
    assert closed.stdout.strip() == "passed"
    shown = json.loads(ok(gov("decision", "show", "steering-1", "--json")).stdout)
    assert shown["outcome"] == "passed"
    assert shown["proposal"]["title"] == "কোভিড অভিযোজন"
    assert [(p["member"], p["stance"], p["community"]) for p in shown["positions"]] == [
        ("hasiru-dala", "consent", True),
        ("sattva", "stand-aside", False),
    ]


@REFUSED_BEFORE_SAVING
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["body", "add", "steering", "--name", "Again", "--rule", "consent"],
            "body 'steering' already exists",
        ),
        (
            ["body", "add", "money", "--name", "Money", "--rule", "majority"],
            "a body that decides by majority needs a quorum (use --quorum N)",
        ),
        (
            ["body", "seat", "nobody", "sattva"],
            "body 'nobody' not found: set it up first with `collective body add`",
        ),
        (
            ["decision", "consent", "steering-9", "--member", "sattva"],
            "decision 'steering-9' not found",
        ),
        (
            ["decision", "object", "steering-1", "--member", "sattva"],
            "an objection needs a reason (use --reason)",
        ),
        (
            ["decision", "consent", "steering-1", "--member", "care-india"],
            "seat 'care-india' not found: care-india holds no seat on steering",
        ),
        (
            ["decision", "withdraw", "steering-1"],
            "a reason is required to withdraw steering-1 (use --reason)",
        ),
    ],
)
def test_governance_refusals_are_one_line_and_write_nothing(
    gov: Cli, args: list[str], message: str
) -> None:
    ok(gov("decision", "propose", "--body", "steering", "--title", "T", "--rationale", "R"))
    before = gov.events()
    refused(gov(*args), message)
    assert gov.events() == before


def test_a_closed_decision_refuses_positions_at_the_command_line(gov: Cli) -> None:
    ok(gov("decision", "propose", "--body", "steering", "--title", "T", "--rationale", "R"))
    ok(gov("decision", "object", "steering-1", "--member", "sattva", "--reason", "too early"))
    assert ok(gov("decision", "close", "steering-1")).stdout.strip() == "rejected"
    before = gov.events()
    refused(
        gov("decision", "consent", "steering-1", "--member", "hasiru-dala"),
        "decision steering-1 is rejected and takes no more changes",
    )
    assert gov.events() == before


def test_a_retried_proposal_prints_the_same_id_and_records_once(gov: Cli) -> None:
    args = [
        "--request-id",
        "p-1",
        "decision",
        "propose",
        "--body",
        "steering",
        "--title",
        "T",
        "--rationale",
        "R",
    ]
    assert ok(gov(*args)).stdout.strip() == "steering-1"
    before = gov.events()
    assert ok(gov(*args)).stdout.strip() == "steering-1"
    assert gov.events() == before


def test_a_delegated_body_follows_the_appointed_backbone(gov: Cli) -> None:
    """After a handover, the appointed backbone (not an old role) decides for a delegated body."""
    ok(gov("org", "add", "nudge", "--name", "The/Nudge Institute", "--type", "backbone"))
    ok(gov("org", "join", "nudge", "--role", "backbone"))
    ok(gov("decision", "propose", "--body", "steering", "--title", "Appoint", "--rationale", "R"))
    ok(gov("decision", "consent", "steering-1", "--member", "hasiru-dala"))
    ok(gov("decision", "close", "steering-1"))
    ok(gov("backbone", "appoint", "nudge", "--decision", "steering-1"))
    ok(gov("body", "add", "ops", "--name", "Operations", "--rule", "delegated"))
    ok(gov("body", "seat", "ops", "sattva"))
    ok(gov("body", "seat", "ops", "nudge"))
    ok(gov("decision", "propose", "--body", "ops", "--title", "T", "--rationale", "R"))
    ok(gov("decision", "consent", "ops-1", "--member", "sattva"))  # a backbone role, not appointed
    assert ok(gov("decision", "close", "ops-1")).stdout.strip() == "rejected"
    ok(gov("decision", "propose", "--body", "ops", "--title", "T2", "--rationale", "R"))
    ok(gov("decision", "consent", "ops-2", "--member", "nudge"))
    assert ok(gov("decision", "close", "ops-2")).stdout.strip() == "passed"
