"""`collective verify`: a ledger verifies; every kind of tampering is found and named.

Tampering is done directly in the SQLite file, as someone with write access to it would (so those
tests run on SQLite only); the rest run on both stores.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from audit_steps import (
    audited,
    described,
    leaf_index,
    positions_of,
    recompute_tree,
    record_orgs,
    roll_back,
    tampering,
)
from click.testing import Result
from conftest import Cli, ok, refused

from ledger.application import LedgerApplication, open_ledger
from ledger.sources import open_source, source_for
from ledger.verify import CHECKS, Problem, Record, VersionCheck, verify

TAMPERS_WITH_THE_FILE = pytest.mark.sqlite_only(
    "tampers through sqlite3; verify's checks do not depend on the store, and its PostgreSQL "
    "reader is tampered with in test_postgresql_verifies_and_a_flipped_byte_is_named"
)


def failed(result: Result) -> list[str]:
    """The problem lines of a verify that exited 1."""
    assert result.exit_code == 1, (result.exit_code, result.output)
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("FAILED: ")
    return lines


def key_label(vkey: str) -> str:
    """NAME+KEYID of a verifier key, as problem lines name it."""
    return "+".join(vkey.split("+", 2)[:2])


def with_checkpoint(cli: Cli, kept: object) -> Result:
    a = kept
    assert hasattr(a, "checkpoint")
    return cli("verify", "--checkpoint", str(a.checkpoint), "--trusted-key", a.vkey)  # type: ignore[attr-defined]


def test_a_new_ledger_verifies(ss_cli: Cli) -> None:
    result = ok(ss_cli("verify"))
    count = ss_cli.events()
    assert result.stdout.splitlines()[-1].startswith(
        f"OK: {count} events verify (positions up to {count}); tree size {count}, root "
    )


def test_the_demo_ledger_verifies(demo_app: LedgerApplication) -> None:
    with open_source(str(demo_app.store)) as source:
        found = verify(source)
    assert found.ok, found.problems
    assert found.events == found.leaves == demo_app.event_count() > 1000


def test_verify_with_the_checkpoint_kept_and_json(ss_cli: Cli, tmp_path: Path) -> None:
    kept = audited(ss_cli, tmp_path)
    record_orgs(ss_cli, 2, start=100)
    result = ok(with_checkpoint(ss_cli, kept))
    lines = result.stdout.splitlines()
    assert f"checkpoint {kept.checkpoint}: {kept.size} events, signed by " in result.stdout
    assert lines[-1].startswith(f"OK: {ss_cli.events()} events verify")
    as_json = orjson.loads(
        ss_cli(
            "verify", "--checkpoint", str(kept.checkpoint), "--trusted-key", kept.vkey, "--json"
        ).stdout
    )
    assert as_json["ok"] is True and as_json["problems"] == []
    assert [c["consistent"] for c in as_json["checkpoints"]] == [True, True]
    assert {c["signature"] for c in as_json["checkpoints"]} == {"trusted"}


def test_held_checkpoints_are_compared_even_without_keys(ss_cli: Cli, tmp_path: Path) -> None:
    audited(ss_cli, tmp_path)
    result = ok(ss_cli("verify"))
    assert "(signature not checked: give --trusted-key); consistent" in result.stdout


# -- tampering -------------------------------------------------------------------------------


@TAMPERS_WITH_THE_FILE
def test_a_flipped_byte_in_a_stored_event(ss_cli: Cli, tmp_path: Path) -> None:
    kept = audited(ss_cli, tmp_path)
    with tampering(ss_cli.store) as conn:
        at = positions_of(conn, "Organisation.Registered")[2]
        state = bytearray(
            conn.execute("SELECT state FROM stored_events WHERE rowid = ?", (at,)).fetchone()[0]
        )
        state[40] ^= 0x01
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (bytes(state), at))
        name, leaf = described(conn, at), leaf_index(conn, at)
    lines = failed(ss_cli("verify"))
    assert lines[0] == (
        f"position {at}: {name} does not match its leaf {leaf}: the stored event was changed"
    )
    assert lines[1].startswith("REWRITTEN: the checkpoint recorded at position ")
    assert lines[1].endswith(f"the log was rewritten at or before position {kept.size}")
    assert any(
        line.startswith(f"REWRITTEN: checkpoint {kept.checkpoint} ")
        for line in failed(with_checkpoint(ss_cli, kept))
    )


@TAMPERS_WITH_THE_FILE
def test_a_deleted_event_in_the_middle(ss_cli: Cli, tmp_path: Path) -> None:
    audited(ss_cli, tmp_path)
    with tampering(ss_cli.store) as conn:
        at = positions_of(conn, "Organisation.Registered")[3]
        leaf = leaf_index(conn, at)
        conn.execute("DELETE FROM stored_events WHERE rowid = ?", (at,))
        events = conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
    lines = failed(ss_cli("verify"))
    assert (
        lines[0]
        == f"position {at}: no event, but leaf {leaf} is stored for it: the event was deleted"
    )
    assert f"the log holds {events} events but {events + 1} leaves" in lines


@TAMPERS_WITH_THE_FILE
def test_two_swapped_events(ss_cli: Cli, tmp_path: Path) -> None:
    audited(ss_cli, tmp_path)
    with tampering(ss_cli.store) as conn:
        first, second = positions_of(conn, "Organisation.Registered")[1:3]
        conn.execute("UPDATE stored_events SET rowid = -1 WHERE rowid = ?", (first,))
        conn.execute("UPDATE stored_events SET rowid = ? WHERE rowid = ?", (first, second))
        conn.execute("UPDATE stored_events SET rowid = ? WHERE rowid = -1", (second,))
        name, leaf = described(conn, first), leaf_index(conn, first)
    lines = failed(ss_cli("verify"))
    assert lines[0] == (
        f"position {first}: {name} does not match its leaf {leaf}: the stored event was changed"
    )


@TAMPERS_WITH_THE_FILE
def test_events_swapped_within_one_aggregate_break_its_versions(ss_cli: Cli) -> None:
    ok(ss_cli("org", "leave", "hasiru-dala", "--reason", "merged"))
    with tampering(ss_cli.store) as conn:
        rows = conn.execute(
            "SELECT rowid, originator_id FROM stored_events WHERE originator_id = "
            "(SELECT originator_id FROM stored_events WHERE rowid = "
            "(SELECT MAX(rowid) FROM stored_events)) ORDER BY originator_version"
        ).fetchall()
        a, b = rows[-2][0], rows[-1][0]
        conn.execute("UPDATE stored_events SET rowid = -1 WHERE rowid = ?", (a,))
        conn.execute("UPDATE stored_events SET rowid = ? WHERE rowid = ?", (a, b))
        conn.execute("UPDATE stored_events SET rowid = ? WHERE rowid = -1", (b,))
        first, second = described(conn, a), described(conn, b)
    lines = failed(ss_cli("verify"))
    version = int(first.rsplit(" ", 1)[1])
    assert (
        f"position {a}: {first}: it follows version {version - 2}: version {version - 1} is missing"
        in lines
    )
    assert (
        f"position {b}: {second}: it follows version {version}: out of order or repeated" in lines
    )


@TAMPERS_WITH_THE_FILE
def test_an_event_deleted_from_the_end_after_a_checkpoint(ss_cli: Cli, tmp_path: Path) -> None:
    audited(ss_cli, tmp_path)
    with tampering(ss_cli.store) as conn:
        last = conn.execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0]
        conn.execute("DELETE FROM stored_events WHERE rowid = ?", (last,))
    lines = failed(ss_cli("verify"))
    assert (
        lines[0]
        == f"position {last}: no event, but leaf {last - 1} is stored for it: the event was deleted"
    )


@TAMPERS_WITH_THE_FILE
def test_a_clean_rollback_is_caught_only_by_the_checkpoint_kept(
    ss_cli: Cli, tmp_path: Path
) -> None:
    """Events, leaves and subtrees cut back together: consistent, but smaller than kept."""
    kept = audited(ss_cli, tmp_path)
    keep = kept.size - 2
    with tampering(ss_cli.store) as conn:
        roll_back(conn, keep)
    ok(ss_cli("verify"))
    lines = failed(with_checkpoint(ss_cli, kept))
    assert lines[0] == (
        f"ROLLBACK: checkpoint {kept.checkpoint} covers {kept.size} events, but the log holds "
        f"only {keep} (up to position {keep}): events were removed from its end"
    )


@TAMPERS_WITH_THE_FILE
def test_leaves_recomputed_after_a_rewrite_are_caught_only_by_the_checkpoint_kept(
    ss_cli: Cli, tmp_path: Path
) -> None:
    kept = audited(ss_cli, tmp_path)
    with tampering(ss_cli.store) as conn:
        at = positions_of(conn, "Organisation.Registered")[2]
        state = orjson.loads(
            conn.execute("SELECT state FROM stored_events WHERE rowid = ?", (at,)).fetchone()[0]
        )
        state["profile"]["name"] = "Someone Else"
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?", (orjson.dumps(state), at)
        )
        # The ledger's own record of the checkpoint would give it away: the forger drops it too.
        conn.execute("DELETE FROM stored_events WHERE rowid > ?", (kept.size,))
        recompute_tree(conn)
    assert ok(ss_cli("verify")).stdout.startswith(f"OK: {kept.size} events verify")
    lines = failed(with_checkpoint(ss_cli, kept))
    assert len(lines) == 3
    assert lines[0].startswith(f"FORK: checkpoint {kept.checkpoint} has root ")
    assert lines[0].endswith(
        f"for the first {kept.size} events (up to position {kept.size}), but they give "
        f"{lines[0].split('they give ')[1].split(':')[0]}: the log was rewritten at or before "
        f"position {kept.size}"
    )
    assert lines[1] == (
        f"checkpoint {kept.checkpoint}: {kept.size} events, signed by {key_label(kept.vkey)}; "
        "NOT consistent"
    )


@TAMPERS_WITH_THE_FILE
def test_a_checkpoint_signed_by_an_unknown_key(ss_cli: Cli, tmp_path: Path) -> None:
    kept = audited(ss_cli, tmp_path)
    other = tmp_path / "other.key"
    ok(ss_cli("keys", "generate", "collective-ledger/saamuhika-shakti", "--out", str(other)))
    forged = tmp_path / "forged.checkpoint"
    ok(ss_cli("checkpoint", "--key", str(other), "--out", str(forged)))
    with tampering(ss_cli.store) as conn:
        recorded = positions_of(conn, "AuditLog.CheckpointIssued")[-1]
    other_id = forged.read_text(encoding="utf-8").splitlines()[-1].split(" ")[1]
    assert other_id == "collective-ledger/saamuhika-shakti"
    signer = key_label(ok(ss_cli("keys", "verifier", str(other))).stdout.strip())
    lines = failed(with_checkpoint(ss_cli, kept))
    assert lines[0] == (
        f"the checkpoint recorded at position {recorded}: not signed by a trusted key "
        f"(signed by {signer})"
    )
    result = ss_cli("verify", "--checkpoint", str(forged), "--trusted-key", kept.vkey)
    assert f"checkpoint {forged}: not signed by a trusted key (signed by {signer})" in failed(
        result
    )


@TAMPERS_WITH_THE_FILE
def test_a_checkpoint_of_another_log(ss_cli: Cli, cli: Cli, tmp_path: Path) -> None:
    kept = audited(ss_cli, tmp_path)
    with tampering(ss_cli.store) as conn:
        conn.execute(
            "UPDATE ledger_meta SET value = 'collective-ledger/other' WHERE key = 'origin'"
        )
        conn.execute("DELETE FROM stored_events WHERE topic LIKE 'collective-ledger:AuditLog%'")
        recompute_tree(conn)
    lines = failed(with_checkpoint(ss_cli, kept))
    assert lines[0] == (
        f"checkpoint {kept.checkpoint} is for the log collective-ledger/saamuhika-shakti, "
        "not for this one (collective-ledger/other)"
    )


# -- errors and the extension point --------------------------------------------------------


def test_a_checkpoint_without_a_trusted_key_is_refused(ss_cli: Cli, tmp_path: Path) -> None:
    kept = audited(ss_cli, tmp_path)
    refused(
        ss_cli("verify", "--checkpoint", str(kept.checkpoint)),
        "give --trusted-key VKEY to check the checkpoint's signature",
    )
    refused(
        ss_cli("verify", "--checkpoint", str(tmp_path / "nowhere"), "--trusted-key", kept.vkey),
        f"cannot read the checkpoint {tmp_path / 'nowhere'}: No such file or directory",
    )
    refused(
        ss_cli("verify", "--trusted-key", "someone+00000000+AAAA"),
        "--trusted-key 'someone+00000000+AAAA': the verifier key is not an Ed25519 key "
        "(algorithm 0x01 and 32 bytes)",
    )


def test_the_trusted_key_may_be_a_file(ss_cli: Cli, tmp_path: Path) -> None:
    kept = audited(ss_cli, tmp_path)
    vkey_file = tmp_path / "backbone.vkey"
    vkey_file.write_text(kept.vkey + "\n", encoding="utf-8")
    ok(ss_cli("verify", "--checkpoint", str(kept.checkpoint), "--trusted-key", str(vkey_file)))


def test_verify_refuses_a_file_that_is_no_ledger(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "none.db")
    refused(
        cli("verify"),
        f"no ledger at {tmp_path / 'none.db'}: create one with `collective init` or point "
        "--store at one",
    )


def test_a_check_added_to_the_list_runs_on_every_event(app: LedgerApplication, ctx: object) -> None:
    from domain.collective import Settings

    app.init_collective(Settings(slug="ss", name="SS"), ctx)  # type: ignore[arg-type]

    class NoActorNamedMeera:
        def __init__(self) -> None:
            self.seen = 0

        def see(self, record: Record) -> tuple[Problem, ...]:
            self.seen += 1
            if record.event().meta.actor == "meera":
                return (Problem("actor", f"position {record.position}: meera", record.position),)
            return ()

        def finish(self) -> tuple[Problem, ...]:
            return (Problem("actor", f"saw {self.seen}"),)

    with source_for(app.store) as source:
        found = verify(source, checks=[*CHECKS, NoActorNamedMeera])
    count = app.event_count()
    assert [p.message for p in found.problems] == [
        *(f"position {n}: meera" for n in range(1, count + 1)),
        f"saw {count}",
    ]
    assert CHECKS[0] is VersionCheck


@pytest.mark.postgres
def test_postgresql_verifies_and_a_flipped_byte_is_named(pg_url: str, tmp_path: Path) -> None:
    from domain.collective import Settings
    from domain.organisation import Profile
    from domain.vocabulary import OrgType
    from ledger.application import Context
    from ledger.checkpoints import AuditCommands

    app = open_ledger(pg_url, create=True, kind=AuditCommands)
    try:
        ctx = Context(actor="meera")
        app.init_collective(Settings(slug="ss", name="SS"), ctx)
        for i in range(5):
            app.add_organisation(Profile(slug=f"o-{i}", name=f"O {i}", type=OrgType.FUNDER), ctx)
    finally:
        app.close()
    store = ["--store", pg_url]
    from click.testing import CliRunner

    from cli.main import main

    run = CliRunner()
    assert run.invoke(main, [*store, "verify"]).exit_code == 0
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        at, ident, version, topic, state = conn.execute(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM collectiveledger_events ORDER BY notification_id OFFSET 4 LIMIT 1"
        ).fetchone()
        flipped = bytearray(state)
        flipped[10] ^= 0x20
        conn.execute(
            "UPDATE collectiveledger_events SET state = %s WHERE notification_id = %s",
            (bytes(flipped), at),
        )
        leaf = conn.execute("SELECT leaf FROM ledger_leaves WHERE position = %s", (at,)).fetchone()[
            0
        ]
    result = run.invoke(main, [*store, "verify"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        f"position {at}: {topic.removeprefix('collective-ledger:')} of {ident} version {version} "
        f"does not match its leaf {leaf}: the stored event was changed"
    )
