"""Funding commitments and disbursements: exact decimals, one currency, reasons for going over."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from conftest import REFUSED_BEFORE_SAVING, Cli, ok, refused
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.base import Envelope
from domain.collective import Settings
from domain.errors import NotFound, RuleViolation
from domain.funding import Funding, Pledge
from domain.organisation import Profile
from domain.periods import Calendar
from domain.register import Register
from domain.values import Money, Term
from domain.vocabulary import OrgType
from ledger.application import Context, LedgerApplication

SS = "saamuhika-shakti"


def meta(reason: str | None = None, on: date = date(2024, 4, 15)) -> Envelope:
    return Envelope(actor="meera", effective=on, collective=SS, reason=reason)


def inr(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="INR")


def given_a_commitment(amount: str = "2500000.00", **fields: object) -> Funding:
    register = Register.open(SS, "funding", "funding", "fc-", meta())
    pledge = Pledge.model_validate(
        {"funder": "hm-foundation", "recipient": "sattva", "money": inr(amount)} | fields
    )
    funding = Funding.commit(SS, Calendar.INDIA, register, pledge, meta())
    funding.collect_events()
    return funding


def test_a_commitment_is_numbered_and_keeps_its_term_and_agreement() -> None:
    funding = given_a_commitment(term=Term(period="FY2024-25"), agreement="ss-funding-2024")
    assert funding.ref == "fc-1"
    assert funding.pledge.term == Term(
        start=date(2024, 4, 1), end=date(2025, 3, 31), period="FY2024-25"
    )
    assert funding.pledge.agreement == "ss-funding-2024"
    assert (funding.remaining, funding.currency) == (Decimal("2500000.00"), "INR")


def test_disbursements_within_the_commitment_need_no_reason() -> None:
    funding = given_a_commitment()
    funding.disburse(inr("1000000"), meta())
    funding.disburse(inr("1500000.00"), meta())
    _, second = funding.collect_events()
    assert isinstance(second, Funding.Disbursed) and second.over is None
    assert second.summary() == "disbursed 1500000.00 INR"
    assert second.subject() == "funding:fc-1"
    assert funding.remaining == 0 and funding.disbursed == Decimal("2500000.00")


def test_decimal_amounts_are_exact() -> None:
    funding = given_a_commitment("0.3")
    funding.disburse(inr("0.1"), meta())
    funding.disburse(inr("0.2"), meta())
    assert funding.disbursed == Decimal("0.3") and funding.remaining == 0
    with pytest.raises(
        RuleViolation, match=r"disbursing 0\.000001 INR would exceed the 0 INR that"
    ):
        funding.disburse(inr("0.000001"), meta())


def test_going_beyond_the_commitment_needs_a_reason_and_records_by_how_much() -> None:
    funding = given_a_commitment("1000")
    funding.disburse(inr("600"), meta())
    funding.collect_events()
    with pytest.raises(
        RuleViolation,
        match=r"disbursing 500 INR would exceed the 400 INR that remains of fc-1 \(use --reason\)",
    ):
        funding.disburse(inr("500"), meta())
    assert funding.collect_events() == []
    funding.disburse(inr("500"), meta(reason="ಪ್ರವಾಹ ಪರಿಹಾರ / flood relief"))
    [event] = funding.collect_events()
    assert isinstance(event, Funding.Disbursed) and event.over == Decimal("100")
    assert (
        event.summary() == "disbursed 500 INR (100 over the commitment: ಪ್ರವಾಹ ಪರಿಹಾರ / flood relief)"
    )
    assert funding.remaining == 0 and funding.disbursed == Decimal("1100")


def test_a_disbursement_is_in_the_commitments_currency() -> None:
    funding = given_a_commitment()
    with pytest.raises(RuleViolation, match="fc-1 is in INR: a disbursement in USD cannot be"):
        funding.disburse(Money(amount=Decimal("10"), currency="usd"), meta())
    assert funding.collect_events() == []


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "amount 0 must be more than zero"),
        ("-100", "amount -100 must be more than zero"),
        ("0.00", "amount 0.00 must be more than zero"),
        (0.1, "amount 0.1 must be an exact decimal, not a float"),
        ("NaN", "amount 'NaN' is not a number"),
        ("Infinity", "amount 'Infinity' is not a number"),
        ("1.5 lakh", "amount '1.5 lakh' is not a number"),
        ("0.0000001", "amount 1E-7 has more than 6 decimal places"),
        ("1e15", "amount 1E[+]15 is too large"),
    ],
)
def test_amounts_are_positive_exact_decimals(amount: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Money.model_validate({"amount": amount, "currency": "INR"})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"recipient": "hm-foundation"}, "hm-foundation cannot commit funding to itself"),
        ({"money": {"amount": "1", "currency": "RUPEE"}}, "currency 'RUPEE' is not an ISO 4217"),
        ({"agreement": "Funding 2024"}, "agreement 'Funding 2024' is not a valid slug"),
    ],
)
def test_the_shape_of_a_pledge_is_checked(fields: dict[str, object], message: str) -> None:
    pledge = {"funder": "hm-foundation", "recipient": "sattva", "money": inr("1")}
    with pytest.raises(ValueError, match=message):
        Pledge.model_validate(pledge | fields)


@settings(max_examples=50, deadline=None)
@given(
    parts=st.lists(
        st.decimals(min_value="0.01", max_value="100000", places=2, allow_nan=False),
        min_size=1,
        max_size=8,
    )
)
def test_disbursing_a_commitment_in_parts_leaves_exactly_nothing(parts: list[Decimal]) -> None:
    funding = given_a_commitment(str(sum(parts, Decimal(0))))
    for part in parts:
        funding.disburse(inr(str(part)), meta())
    assert funding.remaining == 0 and funding.disbursed == funding.pledge.money.amount


# -- the application ---------------------------------------------------------------------------


@pytest.fixture
def ss(app: LedgerApplication, ctx: Context) -> LedgerApplication:
    app.init_collective(Settings(slug=SS, name="SS", calendar=Calendar.INDIA), ctx)
    for slug, kind in (("hm-foundation", OrgType.FUNDER), ("sattva", OrgType.BACKBONE)):
        app.add_organisation(Profile(slug=slug, name=slug, type=kind), ctx)
    return app


def test_amounts_come_back_from_the_store_as_the_same_decimals(
    ss: LedgerApplication, ctx: Context
) -> None:
    pledge = Pledge(funder="hm-foundation", recipient="sattva", money=inr("2500000.50"))
    _, ref = ss.commit_funding(pledge, ctx)
    ss.disburse(ref, inr("0.50"), ctx)
    ss.disburse(ref, inr("2500000.00"), ctx)
    again = ss.funding(SS, ref)
    amounts = [d.money.amount for d in again.disbursements]
    assert [str(a) for a in amounts] == ["0.50", "2500000.00"]
    assert all(type(a) is Decimal for a in amounts)
    assert again.remaining == 0 and str(again.pledge.money.amount) == "2500000.50"
    assert [f.ref for f in ss.all_funding(SS)] == ["fc-1"]


def test_unknown_organisations_and_commitments_are_named(
    ss: LedgerApplication, ctx: Context
) -> None:
    before = ss.event_count()
    with pytest.raises(NotFound, match="organisation 'care-india' not found"):
        ss.commit_funding(Pledge(funder="care-india", recipient="sattva", money=inr("1")), ctx)
    with pytest.raises(NotFound, match="funding commitment 'fc-7' not found"):
        ss.disburse("fc-7", inr("1"), ctx)
    assert ss.event_count() == before


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def fund(ss_cli: Cli) -> Cli:
    ok(ss_cli("org", "add", "hm-foundation", "--name", "H&M Foundation", "--type", "funder"))
    commit = ["funding", "commit", "--from", "hm-foundation", "--to", "hasiru-dala"]
    made = ok(ss_cli(*commit, "--amount", "0.3", "--currency", "inr", "--period", "FY2024-25"))
    assert made.stdout.strip() == "fc-1"
    return ss_cli


def test_funding_at_the_command_line(fund: Cli) -> None:
    ok(fund("funding", "disburse", "fc-1", "--amount", "0.1", "--currency", "INR"))
    disbursed = ok(fund("funding", "disburse", "fc-1", "--amount", "0.2", "--currency", "INR"))
    assert "0 INR remains" in disbursed.stderr
    shown = json.loads(ok(fund("funding", "show", "fc-1", "--json")).stdout)
    assert shown["money"] == {"amount": "0.3", "currency": "INR"}
    assert (shown["disbursed"], shown["remaining"]) == ("0.3", "0")
    assert shown["term"]["period"] == "FY2024-25" and list(shown) == sorted(shown)
    over = ["funding", "disburse", "fc-1", "--amount", "5", "--currency", "INR"]
    ok(fund(*over, "--reason", "ಬೋನಸ್", "--on", "2025-01-02"))
    shown = json.loads(ok(fund("funding", "show", "fc-1", "--json")).stdout)
    assert shown["disbursements"][-1] == {
        "on": "2025-01-02",
        "money": {"amount": "5", "currency": "INR"},
        "over": "5",
    }
    listed = json.loads(ok(fund("funding", "list", "--json")).stdout)
    assert [(f["funding"], f["disbursed"]) for f in listed] == [("fc-1", "5.3")]
    assert "H&M" not in ok(fund("funding", "list")).stdout  # slugs, not names
    assert (
        "fc-1: hm-foundation commits 0.3 INR to hasiru-dala"
        in ok(fund("funding", "show", "fc-1")).stdout
    )


@REFUSED_BEFORE_SAVING
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["disburse", "fc-1", "--amount", "0.31", "--currency", "INR"],
            "disbursing 0.31 INR would exceed the 0.3 INR that remains of fc-1 (use --reason)",
        ),
        (
            ["disburse", "fc-1", "--amount", "0.1", "--currency", "USD"],
            "funding fc-1 is in INR: a disbursement in USD cannot be recorded against it",
        ),
        (
            ["disburse", "fc-1", "--amount", "0", "--currency", "INR"],
            "amount 0 must be more than zero",
        ),
        (
            ["disburse", "fc-1", "--amount", "-5", "--currency", "INR"],
            "amount -5 must be more than zero",
        ),
        (
            ["disburse", "fc-1", "--amount", "1,000", "--currency", "INR"],
            "amount '1,000' is not a number: use digits and a decimal point, "
            "for example 1500000.50",
        ),
        (
            ["disburse", "fc-9", "--amount", "1", "--currency", "INR"],
            "funding commitment 'fc-9' not found",
        ),
        (
            [
                "commit",
                "--from",
                "nobody",
                "--to",
                "hasiru-dala",
                "--amount",
                "1",
                "--currency",
                "INR",
            ],
            "organisation 'nobody' not found: register it first with `collective org add`",
        ),
        (
            [
                "commit",
                "--from",
                "hasiru-dala",
                "--to",
                "hasiru-dala",
                "--amount",
                "1",
                "--currency",
                "INR",
            ],
            "hasiru-dala cannot commit funding to itself",
        ),
        (
            [
                "commit",
                "--from",
                "hm-foundation",
                "--to",
                "hasiru-dala",
                "--amount",
                "1",
                "--currency",
                "rupees",
            ],
            "currency 'rupees' is not an ISO 4217 code (for example INR, BDT, USD)",
        ),
        (["show", "fc-9"], "funding commitment 'fc-9' not found"),
    ],
)
def test_funding_refusals_are_one_line_and_write_nothing(
    fund: Cli, args: list[str], message: str
) -> None:
    before = fund.events()
    refused(fund("funding", *args), message)
    assert fund.events() == before
