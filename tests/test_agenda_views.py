"""The agenda as read: versions as of any moment, diffs of stored texts, agreements, backbone."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from agenda_steps import SS, cli_decided, decided, given_members
from conftest import Cli, ok, refused
from test_agenda import V1, V2
from view_steps import demo_cli, last_recorded, stepwise_equals_rebuild

from domain.agenda import AgendaText
from domain.agreement import AgreementDraft
from domain.errors import NotFound
from domain.vocabulary import AgreementKind, BackboneFunction
from ledger.application import Context, LedgerApplication
from projections.agenda import (
    AGENDA,
    agenda_diff,
    agenda_version,
    agenda_versions,
    agreements,
    backbone_terms,
)
from projections.registry import Views


def on(day: date, reason: str | None = None) -> Context:
    return Context(actor="meera", on=day, reason=reason)


def test_agenda_versions_as_the_ledger_held_them(app: LedgerApplication, ctx: Context) -> None:
    given_members(app, ctx, "hasiru-dala", "sattva")
    views = Views(app)
    views.refresh()
    with pytest.raises(NotFound, match="common agenda 'saamuhika-shakti' not found: adopt one"):
        agenda_versions(views, SS, None)
    app.adopt_agenda(V1, decided(app, ctx, "Adopt"), on(date(2020, 2, 1)))
    first = app.event_count()
    app.amend_agenda(V2, decided(app, ctx, "Phase 2"), on(date(2025, 1, 15)))
    views.refresh()
    assert [(v.version, v.decision, v.adopted) for v in agenda_versions(views, SS, None)] == [
        (1, "steering-1", date(2020, 2, 1)),
        (2, "steering-2", date(2025, 1, 15)),
    ]
    assert agenda_versions(views, SS, None) == app.agenda(SS).versions  # whole, as adopted
    assert agenda_version(views, SS, None).text == V2
    assert agenda_version(views, SS, first).text == V1  # the current version then
    assert agenda_diff(views, SS, None, 1, 2) == app.agenda(SS).diff(1, 2)
    with pytest.raises(
        NotFound, match=r"^agenda version '2' not found: the agenda has versions 1 to 1$"
    ):
        agenda_diff(views, SS, first, 1, 2)
    with pytest.raises(NotFound, match="common agenda"):
        agenda_version(views, SS, first - 3)


def test_agreements_and_backbone_terms(app: LedgerApplication, ctx: Context) -> None:
    given_members(app, ctx, "hasiru-dala", "sattva", "nudge")
    draft = AgreementDraft(
        slug="charter", kind=AgreementKind.CHARTER, parties=("hasiru-dala", "sattva"), terms="v1"
    )
    app.draft_agreement(draft, on(date(2020, 2, 6)))
    app.sign_agreement("charter", "hasiru-dala", "N. Devi", on(date(2020, 2, 8)))
    app.sign_agreement("charter", "sattva", "S. Menon", on(date(2020, 2, 10)))
    app.amend_agreement("charter", "v2", on(date(2022, 1, 5), "new partner"))
    app.sign_agreement("charter", "sattva", "S. Menon", on(date(2022, 1, 6)))
    amended = app.event_count()
    app.terminate_agreement("charter", on(date(2024, 1, 1), "replaced"))
    everything = list(BackboneFunction)
    app.appoint_backbone("nudge", decided(app, ctx, "Nudge"), everything, on(date(2020, 2, 6)))
    appointed = app.event_count()
    handover = decided(app, ctx, "Sattva")
    funding = [BackboneFunction.MOBILISE_FUNDING]
    app.appoint_backbone("sattva", handover, funding, on(date(2024, 1, 1)))
    views = Views(app)
    views.refresh()
    [charter] = agreements(views, SS, amended)
    assert charter == {
        "agreement": "charter",
        "kind": "charter",
        "parties": ["hasiru-dala", "sattva"],
        "status": "amended, awaiting signatures",
        "terms_version": 2,
        "in_force": 1,
        "drafted_on": "2020-02-06",
        "in_force_on": "2020-02-10",
        "terminated_on": None,
        "signed": [{"party": "sattva", "signatory": "S. Menon", "signed_on": "2022-01-06"}],
    }
    [now] = agreements(views, SS, None)
    assert (now["status"], now["terminated_on"]) == ("terminated", "2024-01-01")
    assert backbone_terms(views, SS, None) == [
        {
            "term": 1,
            "org": "nudge",
            "decision": "steering-1",
            "functions": [f.value for f in everything],
            "began": "2020-02-06",
            "ended": "2024-01-01",
        },
        {
            "term": 2,
            "org": "sattva",
            "decision": "steering-2",
            "functions": ["mobilise-funding"],
            "began": "2024-01-01",
            "ended": None,
        },
    ]
    assert [t["ended"] for t in backbone_terms(views, SS, appointed)] == [None]


def test_the_agenda_view_rebuilt_equals_caught_up_on_the_demo(demo_app: LedgerApplication) -> None:
    views = stepwise_equals_rebuild(demo_app, AGENDA)
    assert [t["org"] for t in backbone_terms(views, "saamuhika-shakti", None)] == [
        "nudge-institute",
        "sattva",
    ]
    assert agenda_diff(views, "oporajita", None, 1, 2).outcomes_added[0].code == "OP-O5"


# -- the command line ---------------------------------------------------------------------------


def _file(tmp_path: Path, name: str, text: AgendaText) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(text.model_dump(mode="json"), ensure_ascii=False), "utf-8")
    return path


def test_cli_agenda_as_of_gives_what_it_printed_then(ss_cli: Cli, tmp_path: Path) -> None:
    json_file = _file(tmp_path, "v2.json", V2)
    first = ["agenda", "adopt", "--file", str(_file(tmp_path, "v1.json", V1)), "--on", "2020-02-01"]
    ok(ss_cli(*first, "--decision", cli_decided(ss_cli, "Adopt")))
    commands = (["agenda", "show"], ["agenda", "versions"], ["agenda", "show", "--version", "1"])
    then = {tuple(c): ok(ss_cli(*c)).stdout for c in commands}
    then_json = {tuple(c): ok(ss_cli(*c, "--json")).stdout for c in commands}
    moment = last_recorded(ss_cli)
    second = cli_decided(ss_cli, "Phase 2")
    ok(ss_cli("agenda", "amend", "--file", str(json_file), "--decision", second))
    assert json.loads(ok(ss_cli("agenda", "show", "--json")).stdout)["version"] == 2
    assert "outcome added" in ok(ss_cli("agenda", "diff", "1", "2")).stdout
    for c in commands:
        assert ok(ss_cli(*c, "--as-of", moment)).stdout == then[tuple(c)]
        assert ok(ss_cli(*c, "--as-of", moment, "--json")).stdout == then_json[tuple(c)]
    assert json.loads(then_json["agenda", "show"])["version"] == 1
    refused(
        ss_cli("agenda", "diff", "1", "2", "--as-of", moment),
        "agenda version '2' not found: the agenda has versions 1 to 1",
    )


def test_cli_agenda_refusals_before_the_agenda_and_before_the_ledger(ss_cli: Cli) -> None:
    moment = last_recorded(ss_cli)
    for command in (["show"], ["versions"], ["diff", "1", "1"]):
        refused(
            ss_cli("agenda", *command, "--as-of", moment),
            "common agenda 'saamuhika-shakti' not found: adopt one first with "
            "`collective agenda adopt`",
        )
    refused(
        ss_cli("agenda", "show", "--as-of", "2024-02-30"),
        "--as-of '2024-02-30' is not a date or time: use 2024-03-31 or 2024-03-31T18:00:00+05:30",
    )
    result = ss_cli("agenda", "versions", "--as-of", "1999-12-31T23:00:00+05:30")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: --as-of 1999-12-31T23:00:00+05:30 is before the first event of this ledger ("
    )


def test_cli_agenda_on_the_demo_and_a_view_of_an_older_schema(
    demo_file: Path, tmp_path: Path
) -> None:
    cli = demo_cli(demo_file, tmp_path)
    versions = json.loads(
        ok(cli("--collective", "oporajita", "agenda", "versions", "--json")).stdout
    )
    assert [(v["version"], v["decision"], v["adopted"]) for v in versions] == [
        (1, "steering-1", "2021-03-26"),
        (2, "steering-3", "2025-07-01"),
    ]
    shown = ok(cli("--collective", "oporajita", "agenda", "show")).stdout
    from ledger.application import open_ledger

    ledger = open_ledger(str(cli.store))
    try:
        with Views(ledger).db.transaction(commit=True) as cursor:  # as an older version left it
            cursor.execute("UPDATE projection_state SET schema_version = 0 WHERE name = 'agenda'")
            cursor.execute("DELETE FROM view_agenda_versions")
    finally:
        ledger.close()
    again = ok(cli("--collective", "oporajita", "agenda", "show"))
    assert again.stdout == shown
    assert again.stderr == "rebuilding views stored at an older schema: agenda\n"
    diff = json.loads(
        ok(cli("--collective", "oporajita", "agenda", "diff", "1", "2", "--json")).stdout
    )
    assert [o["code"] for o in diff["outcomes_added"]] == ["OP-O5"]
