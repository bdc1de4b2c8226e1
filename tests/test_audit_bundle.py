"""Offline audit: a bundle of the log, verified with no database."""

from __future__ import annotations

import base64
from pathlib import Path

import orjson
import pytest
from audit_steps import Audited, audited
from click.testing import CliRunner, Result
from conftest import Cli, ok, refused

from cli.main import main


def _bundle(cli: Cli, tmp_path: Path) -> tuple[Audited, Path]:
    kept = audited(cli, tmp_path)
    out = tmp_path / "bundle"
    result = ok(cli("audit", "bundle", "--out", str(out)))
    events = cli.events()
    assert result.stderr.strip() == (
        f"Wrote {events} events, {events} leaves and 1 checkpoints to {out}."
    )
    return kept, out


def _verify_bundle(folder: Path, kept: Audited, *more: str) -> Result:
    args = ["audit", "verify", str(folder), "--checkpoint", str(kept.checkpoint)]
    return CliRunner().invoke(main, [*args, "--trusted-key", kept.vkey, *more])


def test_a_bundle_verifies_without_the_database(ss_cli: Cli, tmp_path: Path) -> None:
    kept, folder = _bundle(ss_cli, tmp_path)
    events = ss_cli.events()
    ss_cli.remove()
    result = ok(_verify_bundle(folder, kept))
    assert result.stdout.splitlines()[-1].startswith(f"OK: {events} events verify")
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.txt",
        "checkpoints",
        "events.jsonl",
        "leaves.jsonl",
        "manifest.json",
    ]
    manifest = orjson.loads((folder / "manifest.json").read_bytes())
    assert manifest["origin"] == "collective-ledger/saamuhika-shakti"
    assert (manifest["events"], manifest["leaves"], manifest["checkpoints"]) == (events, events, 1)
    held = list((folder / "checkpoints").iterdir())
    assert [p.read_text(encoding="utf-8") for p in held] == [
        kept.checkpoint.read_text(encoding="utf-8")
    ]
    readme = (folder / "README.txt").read_text(encoding="utf-8")
    assert f"collective audit verify {folder} --checkpoint YOUR.checkpoint" in readme


def test_the_bundle_holds_the_events_as_stored(ss_cli: Cli, tmp_path: Path) -> None:
    from projections.engine import ViewDB

    _, folder = _bundle(ss_cli, tmp_path)
    app = ss_cli.open()
    try:  # as stored: the rows themselves, not through the bundle's own reader
        stored = [
            (position, str(ident).replace("-", ""), version, topic, bytes(state))
            for position, ident, version, topic, state in ViewDB(app).events_after(0, 100_000)
        ]
    finally:
        app.close()
    lines = (folder / "events.jsonl").read_bytes().splitlines()
    rows = [orjson.loads(line) for line in lines]
    assert [
        (r["position"], r["aggregate_id"], r["version"], r["topic"], base64.b64decode(r["state"]))
        for r in rows
    ] == stored


def test_a_changed_bundle_is_named(ss_cli: Cli, tmp_path: Path) -> None:
    kept, folder = _bundle(ss_cli, tmp_path)
    path = folder / "events.jsonl"
    lines = path.read_bytes().splitlines()
    row = orjson.loads(lines[4])
    state = orjson.loads(base64.b64decode(row["state"]))
    state["meta"]["actor"] = "someone-else"
    row["state"] = base64.b64encode(orjson.dumps(state)).decode()
    lines[4] = orjson.dumps(row)
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = _verify_bundle(folder, kept)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith(f"position {row['position']}: ")
    assert "REWRITTEN: checkpoint " in result.stdout


def test_bundle_refusals(ss_cli: Cli, tmp_path: Path) -> None:
    kept, folder = _bundle(ss_cli, tmp_path)
    refused(
        ss_cli("audit", "bundle", "--out", str(folder)),
        f"{folder} already exists: give a new folder for the bundle",
    )
    refused(_verify_bundle(tmp_path / "nowhere", kept), f"{tmp_path / 'nowhere'} is not a folder")
    (folder / "manifest.json").unlink()
    refused(_verify_bundle(folder, kept), f"{folder} is not an audit bundle (no manifest.json)")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bundle")]


def test_a_broken_bundle_line_is_named(ss_cli: Cli, tmp_path: Path) -> None:
    kept, folder = _bundle(ss_cli, tmp_path)
    path = folder / "leaves.jsonl"
    path.write_bytes(path.read_bytes() + b"{not json\n")
    refused(_verify_bundle(folder, kept), f"leaves.jsonl line {ss_cli.events() + 1} is not JSON")


def test_audit_verify_needs_a_checkpoint_and_a_key(ss_cli: Cli, tmp_path: Path) -> None:
    _, folder = _bundle(ss_cli, tmp_path)
    result = ss_cli("audit", "verify", str(folder))
    assert result.exit_code == 2 and "Missing option '--checkpoint'" in result.stderr


@pytest.mark.postgres
def test_a_bundle_of_a_postgresql_ledger(pg_url: str, tmp_path: Path) -> None:
    from domain.collective import Settings
    from ledger.application import Context, open_ledger
    from ledger.checkpoints import AuditCommands
    from ledger.signednote import SigningKey

    key = SigningKey.generate("collective-ledger/ss")
    app = open_ledger(pg_url, create=True, kind=AuditCommands)
    try:
        app.init_collective(Settings(slug="ss", name="SS"), Context(actor="meera"))
        note = app.issue_checkpoint(key, Context(actor="meera")).checkpoint.note
    finally:
        app.close()
    kept = tmp_path / "kept.checkpoint"
    kept.write_text(note, encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "bundle"
    assert (
        runner.invoke(main, ["--store", pg_url, "audit", "bundle", "--out", str(out)]).exit_code
        == 0
    )
    result = runner.invoke(
        main,
        [
            "audit",
            "verify",
            str(out),
            "--checkpoint",
            str(kept),
            "--trusted-key",
            key.verifier.vkey,
        ],
    )
    assert result.exit_code == 0, result.output
