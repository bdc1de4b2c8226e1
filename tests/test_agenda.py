"""The common agenda: adopted and amended by decision, every version whole, any two compared."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from agenda_steps import SS, cli_decided, decided, given_members, meta
from conftest import Cli, ok, refused
from pydantic import ValidationError

from domain.agenda import Agenda, AgendaText, OutcomeChange, SharedOutcome
from domain.errors import NotFound, RuleViolation
from ledger.application import Context, LedgerApplication

PROBLEM = "ಕಸ ಆಯುವವರಿಗೆ ಸಾಮಾಜಿಕ ಭದ್ರತೆ ಇಲ್ಲ. Waste pickers lack social security."
V1 = AgendaText(
    problem=PROBLEM,
    vision="Every waste-picker family lives with dignity.",
    outcomes=(
        SharedOutcome(code="SS-O1", title="Social security and entitlements"),
        SharedOutcome(code="ss-o2", title="Children's education"),
    ),
    strategies=("Enrol families in schemes",),
    equity_commitments=("Community seats on every body",),
)
V2 = V1.model_copy(
    update={
        "vision": "Every waste-picker family lives with dignity and income security.",
        "outcomes": (
            SharedOutcome(code="SS-O2", title="Children's education and care"),
            SharedOutcome(code="SS-O3", title="Income and livelihoods"),
        ),
        "strategies": ("Enrol families in schemes", "Open bank accounts"),
    }
)


def given_an_agenda() -> Agenda:
    agenda = Agenda.adopt(SS, V1, "steering-1", meta(date(2020, 2, 1)))
    agenda.collect_events()
    return agenda


# -- the aggregate: given events, when a command, then events or an error ----------------------


def test_adopting_records_version_1_whole_with_its_decision() -> None:
    agenda = Agenda.adopt(SS, V1, "steering-1", meta(date(2020, 2, 1)))
    [event] = agenda.collect_events()
    assert isinstance(event, Agenda.Adopted)
    assert (event.version, event.decision, event.text) == (1, "steering-1", V1)
    assert event.subject() == "agenda"
    assert agenda.current.adopted == date(2020, 2, 1)
    assert agenda.current.text.outcomes[1].code == "SS-O2"  # codes are kept upper case


def test_an_amendment_is_a_new_version_and_the_earlier_one_stays_readable() -> None:
    agenda = given_an_agenda()
    agenda.amend(V2, "steering-2", meta(date(2025, 1, 15)))
    [event] = agenda.collect_events()
    assert isinstance(event, Agenda.AmendmentAdopted)
    assert (event.version, event.decision) == (2, "steering-2")
    assert agenda.read_version() == agenda.read_version(2)
    assert agenda.read_version(2).text == V2
    assert agenda.read_version(1).text == V1
    assert agenda.read_version(1).adopted == date(2020, 2, 1)


def test_an_amendment_identical_to_the_current_version_is_refused() -> None:
    agenda = given_an_agenda()
    same = AgendaText.model_validate(V1.model_dump())
    with pytest.raises(RuleViolation, match="identical to agenda version 1: nothing to change"):
        agenda.amend(same, "steering-2", meta())
    assert agenda.collect_events() == []


def test_each_amendment_needs_a_decision_of_its_own() -> None:
    agenda = given_an_agenda()
    with pytest.raises(RuleViolation, match="decision steering-1 already adopted agenda version 1"):
        agenda.amend(V2, "steering-1", meta())
    assert agenda.collect_events() == []


def test_a_version_that_does_not_exist_is_named() -> None:
    agenda = given_an_agenda()
    with pytest.raises(NotFound, match="agenda version '3' not found: the agenda has versions 1"):
        agenda.read_version(3)
    with pytest.raises(NotFound, match="agenda version '0' not found"):
        agenda.diff(0, 1)


def test_the_diff_says_which_fields_and_outcomes_changed() -> None:
    agenda = given_an_agenda()
    agenda.amend(V2, "steering-2", meta())
    diff = agenda.diff(1, 2)
    assert diff.changed == ("vision", "outcomes", "strategies")
    assert [o.code for o in diff.outcomes_added] == ["SS-O3"]
    assert [o.code for o in diff.outcomes_removed] == ["SS-O1"]
    assert diff.outcomes_changed == (
        OutcomeChange(
            code="SS-O2", before="Children's education", after="Children's education and care"
        ),
    )
    assert diff.strategies_added == ("Open bank accounts",)
    assert diff.strategies_removed == () and diff.equity_commitments_added == ()
    backwards = agenda.diff(2, 1)
    assert [o.code for o in backwards.outcomes_added] == ["SS-O1"]
    assert agenda.diff(2, 2).changed == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"outcomes": ()}, "a common agenda names at least one shared outcome"),
        ({"problem": "  "}, "the problem cannot be empty"),
        ({"strategies": ("ok", " ")}, "an entry of strategies cannot be empty"),
        (
            {"outcomes": ({"code": "SS-O1", "title": "a"}, {"code": "ss-o1", "title": "b"})},
            "shared outcome SS-O1 is listed twice",
        ),
        (
            {"outcomes": ({"code": "SS O1", "title": "a"},)},
            "outcome code 'SS O1' is not valid: use letters, digits and hyphens, e.g. SS-O1",
        ),
    ],
)
def test_an_agenda_text_refuses_a_bad_shape(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        AgendaText.model_validate({**V1.model_dump(), **change})


# -- the application: authority from a decision that passed -------------------------------------


@pytest.fixture
def ss(app: LedgerApplication, ctx: Context) -> LedgerApplication:
    given_members(app, ctx, "hasiru-dala")
    return app


def test_the_agenda_is_adopted_and_amended_on_the_authority_of_passed_decisions(
    ss: LedgerApplication, ctx: Context
) -> None:
    ss.adopt_agenda(V1, decided(ss, ctx, "Adopt the agenda"), Context(actor="meera"))
    ss.amend_agenda(V2, decided(ss, ctx, "Phase 2"), ctx)
    agenda = ss.agenda(SS)
    assert [(v.version, v.decision) for v in agenda.versions] == [
        (1, "steering-1"),
        (2, "steering-2"),
    ]
    assert agenda.read_version(1).text.problem == PROBLEM


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        ("open", "decision steering-1 has not passed (it is open)"),
        ("rejected", "decision steering-1 has not passed (it is rejected)"),
    ],
)
def test_adopting_or_amending_without_a_passed_decision_is_refused(
    ss: LedgerApplication, ctx: Context, outcome: str, message: str
) -> None:
    ref = decided(ss, ctx, "Adopt the agenda", outcome)
    before = ss.event_count()
    with pytest.raises(RuleViolation, match=re.escape(message)):
        ss.adopt_agenda(V1, ref, ctx)
    assert ss.event_count() == before
    ss.adopt_agenda(V1, decided(ss, ctx, "Adopt it now"), ctx)
    before = ss.event_count()
    with pytest.raises(RuleViolation, match=re.escape(message)):
        ss.amend_agenda(V2, ref, ctx)
    with pytest.raises(NotFound, match="decision 'steering-9' not found"):
        ss.amend_agenda(V2, "steering-9", ctx)
    assert ss.event_count() == before
    assert len(ss.agenda(SS).versions) == 1


def test_a_second_adoption_is_refused_use_amend(ss: LedgerApplication, ctx: Context) -> None:
    ss.adopt_agenda(V1, decided(ss, ctx, "Adopt"), ctx)
    again = decided(ss, ctx, "Adopt again")
    before = ss.event_count()
    with pytest.raises(
        RuleViolation,
        match="the common agenda of saamuhika-shakti is adopted already: change it with "
        "`collective agenda amend`",
    ):
        ss.adopt_agenda(V2, again, ctx)
    assert ss.event_count() == before


def test_amending_before_adopting_is_refused(ss: LedgerApplication, ctx: Context) -> None:
    ref = decided(ss, ctx, "Amend")
    with pytest.raises(NotFound, match="common agenda 'saamuhika-shakti' not found: adopt one"):
        ss.amend_agenda(V2, ref, ctx)


# -- the command line ---------------------------------------------------------------------------

AGENDA_TOML = """\
problem = \"\"\"
ಕಸ ಆಯುವವರಿಗೆ ಸಾಮಾಜಿಕ ಭದ್ರತೆ ಇಲ್ಲ.
নারী শ্রমিকদের মর্যাদাপূর্ণ কাজ নেই।\"\"\"
vision = "ಘನತೆಯ ಬದುಕು: a life of dignity"
strategies = ["Enrol families in schemes"]
equity_commitments = ["Community seats on every body"]

[[outcomes]]
code = "SS-O1"
title = "ಸಾಮಾಜಿಕ ಭದ್ರತೆ Social security"

[[outcomes]]
code = "SS-O2"
title = "Children's education"
"""


def _files(tmp_path: Path) -> tuple[Path, Path]:
    toml_file = tmp_path / "agenda.toml"
    toml_file.write_text(AGENDA_TOML, encoding="utf-8")
    phase2 = {
        "problem": "ಕಸ ಆಯುವವರಿಗೆ ಸಾಮಾಜಿಕ ಭದ್ರತೆ ಇಲ್ಲ.\nনারী শ্রমিকদের মর্যাদাপূর্ণ কাজ নেই।",
        "vision": "ಘನತೆಯ ಬದುಕು: a life of dignity",
        "outcomes": [
            {"code": "SS-O1", "title": "ಸಾಮಾಜಿಕ ಭದ್ರತೆ Social security"},
            {"code": "SS-O3", "title": "জলবায়ু সহনশীলতা Climate resilience"},
        ],
        "strategies": ["Enrol families in schemes"],
        "equity_commitments": ["Community seats on every body", "Disaggregate by locality"],
    }
    json_file = tmp_path / "phase2.json"
    json_file.write_bytes(json.dumps(phase2, ensure_ascii=False).encode("utf-8"))
    return toml_file, json_file


def test_cli_adopt_toml_amend_json_and_read_back(ss_cli: Cli, tmp_path: Path) -> None:
    toml_file, json_file = _files(tmp_path)
    first = cli_decided(ss_cli, "Adopt the agenda")
    ok(
        ss_cli(
            "agenda", "adopt", "--file", str(toml_file), "--decision", first, "--on", "2020-02-01"
        )
    )
    second = cli_decided(ss_cli, "Phase 2")
    amended = ok(ss_cli("agenda", "amend", "--file", str(json_file), "--decision", second))
    assert "Adopted version 2 of the common agenda" in amended.stderr

    shown = json.loads(ok(ss_cli("agenda", "show", "--version", "1", "--json")).stdout)
    assert shown["text"]["problem"] == ("ಕಸ ಆಯುವವರಿಗೆ ಸಾಮಾಜಿಕ ಭದ್ರತೆ ಇಲ್ಲ.\nনারী শ্রমিকদের মর্যাদাপূর্ণ কাজ নেই।")
    assert shown["text"]["outcomes"][0] == {"code": "SS-O1", "title": "ಸಾಮಾಜಿಕ ಭದ್ರತೆ Social security"}
    assert (shown["collective"], shown["version"], shown["decision"], shown["adopted"]) == (
        SS,
        1,
        first,
        "2020-02-01",
    )
    current = json.loads(ok(ss_cli("agenda", "show", "--json")).stdout)
    assert current["version"] == 2
    assert current["text"]["outcomes"][1]["title"] == "জলবায়ু সহনশীলতা Climate resilience"

    versions = json.loads(ok(ss_cli("agenda", "versions", "--json")).stdout)
    assert [(v["version"], v["decision"], v["outcomes"]) for v in versions] == [
        (1, first, ["SS-O1", "SS-O2"]),
        (2, second, ["SS-O1", "SS-O3"]),
    ]
    diff = json.loads(ok(ss_cli("agenda", "diff", "1", "2", "--json")).stdout)
    assert diff["changed"] == ["outcomes", "equity_commitments"]
    assert [o["code"] for o in diff["outcomes_added"]] == ["SS-O3"]
    assert [o["code"] for o in diff["outcomes_removed"]] == ["SS-O2"]
    assert diff["equity_commitments_added"] == ["Disaggregate by locality"]

    table = ok(ss_cli("agenda", "show", "--version", "1")).stdout
    assert "version 1 (adopted 2020-02-01 by decision steering-1)" in table
    assert "নারী শ্রমিকদের" in table and "SS-O2  Children's education" in table
    assert "outcome added" in ok(ss_cli("agenda", "diff", "1", "2")).stdout
    assert "are the same" in ok(ss_cli("agenda", "diff", "2", "2")).stdout
    assert "SS-O1, SS-O3" in ok(ss_cli("agenda", "versions")).stdout
    log = json.loads(ok(ss_cli("log", "--type", "Agenda", "--json")).stdout)
    assert [(e["event"], e["subject"]) for e in log] == [
        ("Agenda.Adopted", "agenda"),
        ("Agenda.AmendmentAdopted", "agenda"),
    ]


def test_cli_agenda_refusals_are_one_line_and_write_nothing(ss_cli: Cli, tmp_path: Path) -> None:
    toml_file, json_file = _files(tmp_path)
    open_ref = cli_decided(ss_cli, "Adopt", "open")
    rejected = cli_decided(ss_cli, "Adopt", "rejected")
    passed = cli_decided(ss_cli, "Adopt")
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text('problem = "unfinished\n', encoding="utf-8")
    no_outcomes = tmp_path / "none.json"
    no_outcomes.write_text('{"problem": "p", "vision": "v", "outcomes": []}', encoding="utf-8")
    extra = tmp_path / "extra.toml"
    extra.write_text('mission = "x"\n' + AGENDA_TOML, encoding="utf-8")
    yaml_file = tmp_path / "agenda.yaml"
    yaml_file.write_text("problem: x\n", encoding="utf-8")
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]", encoding="utf-8")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('problem = "caf\xe9"\n'.encode("latin-1"))
    missing = tmp_path / "missing.toml"

    def adopt(path: Path, ref: str = passed) -> list[str]:
        return ["agenda", "adopt", "--file", str(path), "--decision", ref]

    cases = [
        (adopt(toml_file, open_ref), f"decision {open_ref} has not passed (it is open)"),
        (adopt(toml_file, rejected), f"decision {rejected} has not passed (it is rejected)"),
        (adopt(toml_file, "steering-99"), "decision 'steering-99' not found"),
        (adopt(missing), f"cannot read agenda file '{missing}': No such file or directory"),
        (adopt(yaml_file), f"agenda file '{yaml_file}' must be a .toml or a .json file"),
        (
            adopt(bad_toml),
            f"agenda file '{bad_toml}' is not valid TOML: Illegal character '\\n' "
            "(at line 1, column 22)",
        ),
        (
            adopt(no_outcomes),
            f"agenda file '{no_outcomes}': a common agenda names at least one shared outcome",
        ),
        (adopt(extra), f"agenda file '{extra}': mission: Extra inputs are not permitted"),
        (adopt(listed), f"agenda file '{listed}' must hold a table of keys, not a list or a value"),
        (adopt(latin), f"agenda file '{latin}' is not UTF-8 text"),
        (
            ["agenda", "amend", "--file", str(json_file), "--decision", passed],
            "common agenda 'saamuhika-shakti' not found: adopt one first with "
            "`collective agenda adopt`",
        ),
        (
            ["agenda", "show"],
            "common agenda 'saamuhika-shakti' not found: adopt one first with "
            "`collective agenda adopt`",
        ),
    ]
    before = ss_cli.events()
    for args, message in cases:
        refused(ss_cli(*args), message)
    assert ss_cli.events() == before

    ok(ss_cli(*adopt(toml_file)))
    again = cli_decided(ss_cli, "Adopt again")
    before = ss_cli.events()
    refused(
        ss_cli(*adopt(json_file, again)),
        "the common agenda of saamuhika-shakti is adopted already: change it with "
        "`collective agenda amend`",
    )
    refused(
        ss_cli("agenda", "amend", "--file", str(toml_file), "--decision", again),
        "the amendment is identical to agenda version 1: nothing to change",
    )
    refused(
        ss_cli("agenda", "amend", "--file", str(json_file), "--decision", passed),
        f"decision {passed} already adopted agenda version 1: an amendment needs a decision of "
        "its own",
    )
    refused(
        ss_cli("agenda", "diff", "1", "2"),
        "agenda version '2' not found: the agenda has versions 1 to 1",
    )
    refused(
        ss_cli("agenda", "show", "--version", "7"),
        "agenda version '7' not found: the agenda has versions 1 to 1",
    )
    assert ss_cli.events() == before


def test_the_format_shown_in_the_help_is_a_valid_agenda_file() -> None:
    import tomllib

    from cli.agenda import adopt

    block = (adopt.help or "").split("\b\n", 1)[1].split("\n\n", 1)[0]
    text = AgendaText.model_validate(tomllib.loads(block))
    assert [o.code for o in text.outcomes] == ["SS-O1", "SS-O2"]
    assert text.outcomes[0].title.startswith("ಸಾಮಾಜಿಕ ಭದ್ರತೆ")
