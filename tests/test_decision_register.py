"""The register of decisions: body, outcome, every position, whether community seats took part."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
import pytest
from agenda_steps import SS, given_members
from conftest import Cli, ok, refused
from view_steps import demo_cli, last_recorded, stepwise_equals_rebuild

from domain.errors import NotFound
from domain.governance import Charter, Proposal
from domain.vocabulary import DecisionRule, Outcome, Stance
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
