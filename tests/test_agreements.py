"""Agreements: drafted between members, signed by each party, in force, amended, terminated."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from agenda_steps import SS, given_members, meta
from conftest import Cli, ok, refused
from pydantic import ValidationError

from domain.agreement import Agreement, AgreementDraft
from domain.errors import AlreadyExists, NotFound, RuleViolation
from domain.vocabulary import AgreementKind
from ledger.application import Context, LedgerApplication

TERMS = "ಸಾಮೂಹಿಕ ಶಕ್ತಿಯ ಸನ್ನದು. The partners share data on waste pickers' entitlements."
CHARTER = AgreementDraft(
    slug="charter-2020",
    kind=AgreementKind.CHARTER,
    parties=("hasiru-dala", "nudge-institute"),
    terms=TERMS,
)


def given_a_draft() -> Agreement:
    agreement = Agreement.draft(SS, CHARTER, meta(date(2020, 2, 1)))
    agreement.collect_events()
    return agreement


def kinds(agreement: Agreement) -> list[str]:
    return [type(e).__name__ for e in agreement.collect_events()]


# -- the aggregate ------------------------------------------------------------------------------


def test_a_draft_names_its_parties_and_terms_and_awaits_signatures() -> None:
    agreement = Agreement.draft(SS, CHARTER, meta())
    [event] = agreement.collect_events()
    assert isinstance(event, Agreement.Drafted)
    assert (event.agreement, event.kind, event.parties) == (
        "charter-2020",
        AgreementKind.CHARTER,
        ("hasiru-dala", "nudge-institute"),
    )
    assert event.subject() == "agreement:charter-2020"
    assert agreement.status == "awaiting signatures" and agreement.in_force is None


def test_it_is_in_force_only_once_every_party_has_signed() -> None:
    agreement = given_a_draft()
    agreement.sign("hasiru-dala", "ನಳಿನಿ Nalini", meta(date(2020, 2, 10)))
    assert kinds(agreement) == ["Signed"]
    assert agreement.status == "awaiting signatures"
    agreement.sign("nudge-institute", "Atul", meta(date(2020, 2, 14)))
    events = agreement.collect_events()
    assert [type(e).__name__ for e in events] == ["Signed", "EnteredIntoForce"]
    assert events[1].meta.effective == date(2020, 2, 14)
    assert agreement.status == "in force" and agreement.in_force == 1
    assert agreement.signed()["hasiru-dala"].signatory == "ನಳಿನಿ Nalini"
    assert agreement.signed()["hasiru-dala"].signed == date(2020, 2, 10)


def test_only_a_party_signs_and_nobody_signs_twice() -> None:
    agreement = given_a_draft()
    with pytest.raises(
        RuleViolation,
        match=re.escape("sattva is not a party to charter-2020 (parties: hasiru-dala, nudge-"),
    ):
        agreement.sign("sattva", "Someone", meta())
    agreement.sign("hasiru-dala", "Nalini", meta())
    agreement.collect_events()
    with pytest.raises(RuleViolation, match="hasiru-dala has already signed charter-2020"):
        agreement.sign("hasiru-dala", "Nalini", meta())
    with pytest.raises(RuleViolation, match="say who signed for the party"):
        agreement.sign("nudge-institute", "  ", meta())
    assert agreement.collect_events() == []


def test_amended_terms_need_every_party_to_sign_again() -> None:
    agreement = given_a_draft()
    agreement.sign("hasiru-dala", "Nalini", meta())
    agreement.sign("nudge-institute", "Atul", meta())
    agreement.collect_events()
    with pytest.raises(RuleViolation, match=r"a reason is required to amend charter-2020"):
        agreement.amend("New terms", meta())
    with pytest.raises(RuleViolation, match="identical to version 1: nothing to amend"):
        agreement.amend(f"  {TERMS}\n", meta(reason="typo"))
    agreement.amend("ನವೀಕರಿಸಿದ ನಿಯಮಗಳು", meta(date(2024, 1, 10), reason="backbone handover"))
    assert kinds(agreement) == ["Amended"]
    assert agreement.status == "amended, awaiting signatures"
    assert (agreement.in_force, agreement.terms_version) == (1, 2)
    agreement.sign("hasiru-dala", "Nalini", meta())
    assert kinds(agreement) == ["Signed"] and agreement.in_force == 1
    with pytest.raises(RuleViolation, match="hasiru-dala has already signed version 2 of"):
        agreement.sign("hasiru-dala", "Nalini", meta())
    agreement.sign("nudge-institute", "Atul", meta())
    assert kinds(agreement) == ["Signed", "EnteredIntoForce"]
    assert agreement.status == "in force" and agreement.in_force == 2
    assert agreement.terms == [TERMS, "ನವೀಕರಿಸಿದ ನಿಯಮಗಳು"]


def test_termination_needs_a_reason_and_ends_everything() -> None:
    agreement = given_a_draft()
    with pytest.raises(RuleViolation, match="a reason is required to terminate charter-2020"):
        agreement.terminate(meta())
    agreement.terminate(meta(date(2023, 12, 31), reason="end of phase 1"))
    assert kinds(agreement) == ["Terminated"]
    assert agreement.status == "terminated"
    closed = "agreement charter-2020 was terminated on 2023-12-31 and takes no more changes"
    with pytest.raises(RuleViolation, match=closed):
        agreement.sign("hasiru-dala", "Nalini", meta())
    with pytest.raises(RuleViolation, match=closed):
        agreement.amend("new", meta(reason="r"))
    with pytest.raises(RuleViolation, match=closed):
        agreement.terminate(meta(reason="again"))
    assert agreement.collect_events() == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"parties": ("hasiru-dala",)}, "an agreement needs at least two parties"),
        ({"parties": ("a", "b", "a")}, "a is named twice as a party"),
        ({"terms": " \n "}, "the terms of an agreement cannot be empty"),
        ({"slug": "Charter 2020"}, "agreement 'Charter 2020' is not a valid slug"),
    ],
)
def test_a_draft_refuses_a_bad_shape(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        AgreementDraft.model_validate({**CHARTER.model_dump(), **change})


# -- the application ----------------------------------------------------------------------------


@pytest.fixture
def ss(app: LedgerApplication, ctx: Context) -> LedgerApplication:
    given_members(app, ctx, "hasiru-dala", "nudge-institute")
    return app


def test_parties_are_current_members_and_a_slug_is_drafted_once(
    ss: LedgerApplication, ctx: Context
) -> None:
    before = ss.event_count()
    stranger = CHARTER.model_copy(update={"parties": ("hasiru-dala", "sattva")})
    with pytest.raises(NotFound, match="sattva is not a member of saamuhika-shakti"):
        ss.draft_agreement(stranger, ctx)
    assert ss.event_count() == before
    ss.draft_agreement(CHARTER, ctx)
    with pytest.raises(AlreadyExists, match="agreement 'charter-2020' already exists"):
        ss.draft_agreement(CHARTER, ctx)
    with pytest.raises(NotFound, match="agreement 'mou-1' not found: draft it first"):
        ss.sign_agreement("mou-1", "hasiru-dala", "Nalini", ctx)
    assert ss.event_count() == before + 1


def test_an_agreement_from_draft_to_termination(ss: LedgerApplication, ctx: Context) -> None:
    ss.draft_agreement(CHARTER, ctx)
    ss.sign_agreement("charter-2020", "hasiru-dala", "Nalini", ctx)
    last = ss.sign_agreement("charter-2020", "nudge-institute", "Atul", ctx)
    assert len(last.positions) == 2  # the signature and "in force", in one transaction
    ss.amend_agreement("charter-2020", "v2", Context(actor="meera", reason="handover"))
    ss.terminate_agreement("charter-2020", Context(actor="meera", reason="replaced"))
    found = ss.agreement(SS, "charter-2020")
    assert (found.status, found.in_force, found.terms_version) == ("terminated", 1, 2)


# -- the command line ---------------------------------------------------------------------------


def _with_sattva(cli: Cli) -> Cli:
    ok(cli("org", "add", "sattva", "--name", "Sattva", "--type", "backbone"))
    ok(cli("org", "join", "sattva"))
    return cli


def test_cli_draft_sign_amend_terminate_and_show(ss_cli: Cli, tmp_path: Path) -> None:
    cli = _with_sattva(ss_cli)
    terms = tmp_path / "charter.md"
    terms.write_bytes("\ufeff# সনদ\n\nনারী শ্রমিকদের জন্য তথ্য ভাগাভাগি।\n".encode())
    draft = ["agreement", "draft", "ds-2021", "--kind", "data-sharing"]
    ok(cli(*draft, "--party", "hasiru-dala", "--party", "sattva", "--file", str(terms)))
    signed = ok(cli("agreement", "sign", "ds-2021", "--party", "sattva", "--signatory", "Aarti"))
    assert "sattva signed ds-2021 (now awaiting signatures)" in signed.stderr
    last = ["agreement", "sign", "ds-2021", "--party", "hasiru-dala", "--signatory", "ನಳಿನಿ"]
    assert "(now in force)" in ok(cli(*last, "--on", "2021-03-05")).stderr
    shown = json.loads(ok(cli("agreement", "show", "ds-2021", "--json")).stdout)
    assert shown["terms"] == "# সনদ\n\nনারী শ্রমিকদের জন্য তথ্য ভাগাভাগি।"
    assert (shown["kind"], shown["status"], shown["in_force_version"]) == (
        "data-sharing",
        "in force",
        1,
    )
    assert shown["parties"] == [
        {"party": "hasiru-dala", "signatory": "ನಳಿನಿ", "signed": "2021-03-05"},
        {"party": "sattva", "signatory": "Aarti", "signed": shown["parties"][1]["signed"]},
    ]
    amend = ["agreement", "amend", "ds-2021", "--terms", "Version 2", "--reason", "DPDP Act"]
    ok(cli(*amend))
    shown = json.loads(ok(cli("agreement", "show", "ds-2021", "--json")).stdout)
    assert (shown["status"], shown["terms_version"], shown["in_force_version"]) == (
        "amended, awaiting signatures",
        2,
        1,
    )
    assert all(p["signatory"] is None for p in shown["parties"])
    assert len(shown["signatures"]) == 2
    ok(cli("agreement", "terminate", "ds-2021", "--reason", "ಹಂತ ೧ ಮುಗಿಯಿತು"))
    table = ok(cli("agreement", "show", "ds-2021")).stdout
    assert "ds-2021 (data-sharing): terminated, terms version 2" in table
    log = json.loads(ok(cli("log", "--type", "Agreement", "--json")).stdout)
    assert [e["event"].split(".")[1] for e in log] == [
        "Drafted",
        "Signed",
        "Signed",
        "EnteredIntoForce",
        "Amended",
        "Terminated",
    ]
    assert log[-1]["summary"] == "terminated: ಹಂತ ೧ ಮುಗಿಯಿತು"


def test_cli_agreement_refusals_are_one_line_and_write_nothing(ss_cli: Cli, tmp_path: Path) -> None:
    cli = _with_sattva(ss_cli)
    draft = ["agreement", "draft", "mou-1", "--kind", "mou", "--party", "hasiru-dala"]
    ok(cli(*draft, "--party", "sattva", "--terms", "We work together."))
    ok(cli("agreement", "sign", "mou-1", "--party", "sattva", "--signatory", "Aarti"))
    old = ["agreement", "draft", "old", "--kind", "funding", "--party", "hasiru-dala"]
    ok(cli(*old, "--party", "sattva", "--terms", "Funds"))
    ok(cli("agreement", "terminate", "old", "--reason", "replaced"))
    missing = tmp_path / "none.md"
    cases = [
        (
            [*draft, "--party", "sattva"],
            "give the terms with either --file or --terms",
        ),
        (
            [*draft, "--party", "sattva", "--terms", "t", "--file", str(missing)],
            "give the terms with either --file or --terms",
        ),
        (
            [*draft, "--party", "sattva", "--file", str(missing)],
            f"cannot read terms file '{missing}': No such file or directory",
        ),
        (
            [*draft, "--terms", "t"],
            "an agreement needs at least two parties (use --party for each)",
        ),
        (
            [*draft, "--party", "care-india", "--terms", "t"],
            "member 'care-india' not found: care-india is not a member of saamuhika-shakti",
        ),
        ([*draft, "--party", "sattva", "--terms", "t"], "agreement 'mou-1' already exists"),
        (
            ["agreement", "sign", "mou-1", "--party", "care-india", "--signatory", "X"],
            "care-india is not a party to mou-1 (parties: hasiru-dala, sattva)",
        ),
        (
            ["agreement", "sign", "mou-1", "--party", "sattva", "--signatory", "Aarti"],
            "sattva has already signed mou-1",
        ),
        (
            ["agreement", "amend", "mou-1", "--terms", "new"],
            "a reason is required to amend mou-1 (use --reason)",
        ),
        (
            ["agreement", "amend", "mou-1", "--terms", "We work together.", "--reason", "r"],
            "the new terms of mou-1 are identical to version 1: nothing to amend",
        ),
        (
            ["agreement", "terminate", "mou-1"],
            "a reason is required to terminate mou-1 (use --reason)",
        ),
        (
            ["agreement", "sign", "old", "--party", "sattva", "--signatory", "Aarti"],
            "agreement old was terminated on "
            f"{json.loads(ok(cli('agreement', 'show', 'old', '--json')).stdout)['terminated']} "
            "and takes no more changes",
        ),
        (
            ["agreement", "show", "nothing"],
            "agreement 'nothing' not found: draft it first with `collective agreement draft`",
        ),
    ]
    before = cli.events()
    for args, message in cases:
        refused(cli(*args), message)
    assert cli.events() == before
