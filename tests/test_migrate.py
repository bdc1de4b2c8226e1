"""`collective migrate`: a SQLite ledger moves into PostgreSQL with every event, position and leaf.

Everything runs against the real PostgreSQL (``pg_url``: a fresh database per test). The copy is
compared row by row with the SQLite file, read models answer the same on both stores, signed
checkpoints and receipts issued before the move verify after it, and every refusal leaves the
target database untouched.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest
from audit_steps import audited, record_orgs, tampering
from click.testing import CliRunner, Result
from conftest import Cli, ok, refused

from ledger.application import open_ledger
from ledger.migrate import MigrationError, migrate
from ledger.store import Store

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.sqlite_only("the ledger to move is a SQLite file; the target is `pg_url`"),
]


def run(store: str, *args: str, actor: str | None = "meera") -> Result:
    """`collective --store STORE ...`, for a SQLite path or a PostgreSQL URL alike."""
    from cli.main import main

    options = ["--store", store, *(["--actor", actor] if actor else [])]
    return CliRunner().invoke(main, [*options, *args], catch_exceptions=False)


def shown(url: str) -> str:
    """How messages name a PostgreSQL store (host, port and database; never the password)."""
    return str(Store.parse(url))


@pytest.fixture
def demo_copy(demo_file: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_file, copy)
    return copy


def pg_rows(url: str, query: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url.split("?", 1)[0]) as conn:  # libpq knows no ?schema=
        return [tuple(row) for row in conn.execute(query).fetchall()]


def sqlite_rows(path: Path, query: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(row) for row in conn.execute(query).fetchall()]
    finally:
        conn.close()


def tables(url: str) -> list[str]:
    """Every table and type in the target's ``public`` schema."""
    found = pg_rows(
        url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
        "UNION ALL SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE nspname = 'public'",
    )
    return sorted(str(row[0]) for row in found)


# -- the copy ---------------------------------------------------------------------------------


def test_the_demo_moves_event_by_event(demo_copy: Path, pg_url: str) -> None:
    ok(
        run(
            str(demo_copy),
            "--request-id",
            "r-ಒಂದು",
            "org",
            "add",
            "jaagruti",
            "--name",
            "জাগৃতি Jaagruti",
            "--type",
            "community",
        )
    )
    result = ok(run(str(demo_copy), "migrate", "--to", pg_url, "--json"))
    summary = orjson.loads(result.stdout)
    count = sqlite_rows(demo_copy, "SELECT COUNT(*) FROM stored_events")[0][0]
    assert count > 2000
    assert summary["events"] == summary["tree_size"] == count
    assert (summary["first_position"], summary["last_position"]) == (1, count)
    assert summary["verified"] is True and summary["checkpoints_held"] == 1
    assert summary["requests"] == 1
    assert summary["target"] == shown(pg_url) and summary["source"] == str(demo_copy)
    assert "Next: point --store" in result.stderr

    events_sqlite = sqlite_rows(
        demo_copy,
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "ORDER BY rowid",
    )
    events_pg = pg_rows(
        pg_url,
        "SELECT notification_id, replace(originator_id::text, '-', ''), originator_version, "
        "topic, state FROM collectiveledger_events ORDER BY notification_id",
    )
    assert len(events_pg) == len(events_sqlite) == count
    for before, after in zip(events_sqlite, events_pg, strict=True):
        assert before == after
    for table, order in (
        ("ledger_leaves", "leaf"),
        ("ledger_requests", "request_id"),
        ("ledger_meta", "key"),
    ):
        query = f"SELECT * FROM {table} ORDER BY {order}"
        assert sqlite_rows(demo_copy, query) == pg_rows(pg_url, query), table
    # The subtrees PostgreSQL keeps are SQLite's (a ledger written by an older version keeps
    # more levels in SQLite; their hashes are the same).
    tree_pg = pg_rows(pg_url, "SELECT level, node, hash FROM ledger_tree")
    assert tree_pg and set(tree_pg) <= set(
        sqlite_rows(demo_copy, "SELECT level, node, hash FROM ledger_tree")
    )

    for store in (str(demo_copy), pg_url):
        assert orjson.loads(ok(run(store, "verify", "--json")).stdout)["root"] == summary["root"]
    for question in (
        ("--collective", "saamuhika-shakti", "status", "--json"),
        ("--collective", "oporajita", "status", "--json"),
        ("--collective", "saamuhika-shakti", "progress", "--json"),
        ("--collective", "oporajita", "progress", "--json"),
        ("--collective", "oporajita", "completeness", "--json"),
        ("log", "--all", "--json"),
    ):
        before = ok(run(str(demo_copy), *question)).stdout
        assert ok(run(pg_url, *question)).stdout == before, question

    # The next event follows on from the last copied position; a retried request is known.
    again = ok(
        run(
            pg_url,
            "--request-id",
            "r-ಒಂದು",
            "org",
            "add",
            "jaagruti",
            "--name",
            "জাগৃতি Jaagruti",
            "--type",
            "community",
        )
    )
    assert "Already recorded under this request id" in again.stderr
    new = ok(run(pg_url, "org", "add", "sabala", "--name", "Sabala", "--type", "community"))
    assert f"(log position {count + 1})" in new.stderr


def test_checkpoints_and_receipts_issued_before_the_move_verify_after(
    ss_cli: Cli, tmp_path: Path, pg_url: str
) -> None:
    kept = audited(ss_cli, tmp_path)
    before = tmp_path / "before.tlog-proof"
    ok(ss_cli("proof", "5", "--out", str(before)))
    ok(run(str(ss_cli.store), "migrate", "--to", pg_url))

    verified = orjson.loads(
        ok(
            run(
                pg_url,
                "verify",
                "--checkpoint",
                str(kept.checkpoint),
                "--trusted-key",
                kept.vkey,
                "--json",
            )
        ).stdout
    )
    assert verified["ok"] and verified["events"] == kept.size + 2  # + audit log started, issued
    assert [c["signature"] for c in verified["checkpoints"]] == ["trusted", "trusted"]
    assert all(c["consistent"] for c in verified["checkpoints"])

    after = tmp_path / "after.tlog-proof"
    ok(run(pg_url, "proof", "5", "--out", str(after)))
    assert after.read_bytes() == before.read_bytes()
    ok(run(pg_url, "proof", "verify", str(after), "--trusted-key", kept.vkey))

    # The PostgreSQL ledger goes on: more events, a new checkpoint that extends the old one.
    for i in range(3):
        ok(run(pg_url, "org", "add", f"pg-{i}", "--name", f"ಪಿಜಿ {i}", "--type", "funder"))
    newer = tmp_path / "newer.checkpoint"
    ok(run(pg_url, "checkpoint", "--key", str(kept.key), "--out", str(newer)))
    both = ok(
        run(
            pg_url,
            "verify",
            "--checkpoint",
            str(kept.checkpoint),
            "--checkpoint",
            str(newer),
            "--trusted-key",
            kept.vkey,
            "--json",
        )
    )
    found = orjson.loads(both.stdout)
    assert found["ok"] and len(found["checkpoints"]) == 4  # two held, two given
    assert {c["consistent"] for c in found["checkpoints"]} == {True}


def test_the_ledger_can_move_into_a_schema_of_its_own(ss_cli: Cli, pg_schema_url: str) -> None:
    """``?schema=``: every table, type and the position counter live in that schema."""
    record_orgs(ss_cli, 3)
    count = ss_cli.events()
    done = orjson.loads(
        ok(run(str(ss_cli.store), "migrate", "--to", pg_schema_url, "--json")).stdout
    )
    assert done["events"] == count
    schema = pg_schema_url.rsplit("schema=", 1)[1]
    assert tables(pg_schema_url) == []  # nothing in public (nor anywhere but the schema)
    in_schema = pg_rows(
        pg_schema_url,
        f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{schema}'",
    )
    assert {"collectiveledger_events", "ledger_leaves", "ledger_meta"} <= {r[0] for r in in_schema}
    assert orjson.loads(ok(run(pg_schema_url, "verify", "--json")).stdout)["root"] == done["root"]
    new = ok(run(pg_schema_url, "org", "add", "n", "--name", "N", "--type", "funder"))
    assert f"(log position {count + 1})" in new.stderr


def test_the_move_is_streamed_in_batches_and_reports_progress(ss_cli: Cli, pg_url: str) -> None:
    record_orgs(ss_cli, 30)
    total = ss_cli.events()
    steps: list[int] = []
    done = migrate(str(ss_cli.store), pg_url, progress=steps.append, batch=16)
    assert sum(steps) == done.events == total
    assert steps == [16] * (total // 16) + ([total % 16] if total % 16 else [])
    assert len(steps) >= 3
    assert done.report.ok and done.last_position == total


def test_writers_wait_while_the_ledger_moves(ss_cli: Cli, pg_url: str) -> None:
    """The SQLite file is locked for writing during the copy: nothing recorded there can be
    left behind. Reading goes on (reports whose read models are current, and `verify`)."""
    record_orgs(ss_cli, 5)
    count = ss_cli.events()
    ok(ss_cli("status"))  # the read models are current
    outcomes: list[Result] = []

    def during(_: int) -> None:
        outcomes.append(ss_cli("status", "--json"))
        outcomes.append(ss_cli("verify", "--json"))
        late = ("org", "add", "late", "--name", "Late", "--type", "funder")
        outcomes.append(ss_cli(*late, COLLECTIVE_LOCK_TIMEOUT="1"))

    migrate(str(ss_cli.store), pg_url, progress=during, batch=128)
    read, verified, write = outcomes
    assert orjson.loads(ok(read).stdout)["events_in_ledger"] == count
    assert orjson.loads(ok(verified).stdout)["events"] == count
    assert write.exit_code == 1
    (line,) = write.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "nothing was recorded" in line, line
    assert (
        ss_cli.events()
        == count
        == orjson.loads(ok(run(pg_url, "status", "--json")).stdout)["events_in_ledger"]
    )
    ok(ss_cli("org", "add", "late", "--name", "Late", "--type", "funder"))  # lock released


# -- refusals: one line, exit 1, nothing written -----------------------------------------------


def test_a_target_that_holds_a_ledger_is_refused(ss_cli: Cli, pg_url: str) -> None:
    ok(run(pg_url, "init", "oporajita", "--name", "অপরাজিতা"))
    before = pg_rows(pg_url, "SELECT COUNT(*) FROM collectiveledger_events")
    refused(
        run(str(ss_cli.store), "migrate", "--to", pg_url),
        f"{shown(pg_url)} already holds a ledger ({before[0][0]} events): "
        "migrate into a new, empty database",
    )
    assert pg_rows(pg_url, "SELECT COUNT(*) FROM collectiveledger_events") == before


def test_a_target_whose_ledger_has_no_events_is_refused(ss_cli: Cli, pg_url: str) -> None:
    open_ledger(pg_url, create=True).close()  # tables and the ledger mark, no event yet
    refused(
        run(str(ss_cli.store), "migrate", "--to", pg_url),
        f"{shown(pg_url)} already holds a collective ledger: migrate into a new, empty database",
    )
    assert pg_rows(pg_url, "SELECT COUNT(*) FROM collectiveledger_events") == [(0,)]


def test_a_source_that_is_not_a_ledger_is_refused(tmp_path: Path, pg_url: str) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("ಇದು ಲೆಡ್ಜರ್ ಅಲ್ಲ\n", encoding="utf-8")
    refused(run(str(notes), "migrate", "--to", pg_url), f"{notes} is not a collective ledger")
    missing = tmp_path / "missing.db"
    refused(
        run(str(missing), "migrate", "--to", pg_url),
        f"no ledger at {missing}: create one with `collective init` or point --store at one",
    )
    assert not missing.exists()
    refused(
        run(pg_url, "migrate", "--to", pg_url),
        f"the ledger to move (--store) must be a SQLite file, not {shown(pg_url)}: "
        "`collective migrate` copies a SQLite ledger into PostgreSQL",
    )
    assert tables(pg_url) == []


def test_a_target_that_is_not_postgresql_or_not_there_is_refused(
    ss_cli: Cli, tmp_path: Path, pg_url: str
) -> None:
    other = tmp_path / "other.db"
    refused(
        run(str(ss_cli.store), "migrate", "--to", str(other)),
        f"--to must be a postgresql://user:pass@host:port/db URL, not {str(other)!r}",
    )
    assert not other.exists()
    result = run(str(ss_cli.store), "migrate", "--to", "postgresql://meera:secret@127.0.0.1:1/x")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: cannot open the store postgresql://127.0.0.1:1/x: ")
    assert "secret" not in line
    refused(
        run(str(ss_cli.store), "migrate", "--to", pg_url + "?schema=nowhere"),
        f"{shown(pg_url + '?schema=nowhere')}: the schema 'nowhere' does not exist; create it "
        "first (see docs/operations.md)",
    )
    assert tables(pg_url) == []
    ok(ss_cli("org", "add", "after", "--name", "After", "--type", "funder"))  # lock released


def test_a_source_that_does_not_verify_is_refused_after_a_partial_copy_is_undone(
    demo_copy: Path, pg_url: str
) -> None:
    with tampering(demo_copy) as conn:
        conn.execute(
            "UPDATE stored_events SET state = CAST(state || ' ' AS BLOB) WHERE rowid = 2000"
        )
    steps: list[int] = []
    with pytest.raises(MigrationError) as refusal:
        migrate(str(demo_copy), pg_url, progress=steps.append, batch=512)
    assert str(refusal.value) == (
        "the ledger to move does not verify at log position 2000 (its stored leaf differs "
        "from its event): run `collective verify` on it; nothing was written"
    )
    assert steps == [512, 512, 512]  # three batches were written, then all undone
    assert tables(pg_url) == []
    refused(
        run(str(demo_copy), "migrate", "--to", pg_url),
        "the ledger to move does not verify at log position 2000 (its stored leaf differs "
        "from its event): run `collective verify` on it; nothing was written",
    )


def test_an_interrupted_move_leaves_the_target_empty(ss_cli: Cli, pg_url: str) -> None:
    record_orgs(ss_cli, 40)
    steps: list[int] = []

    def interrupt(n: int) -> None:
        steps.append(n)
        if len(steps) == 2:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the copy

    with pytest.raises(KeyboardInterrupt):
        migrate(str(ss_cli.store), pg_url, progress=interrupt, batch=16)
    assert steps == [16, 16] and tables(pg_url) == []
    ok(ss_cli("org", "add", "after", "--name", "After", "--type", "funder"))  # lock released
    ok(run(str(ss_cli.store), "migrate", "--to", pg_url))  # and the move can start again


def test_a_connection_lost_in_the_middle_is_one_line_and_nothing_is_kept(
    ss_cli: Cli, pg_url: str
) -> None:
    import psycopg

    record_orgs(ss_cli, 40)
    name = pg_url.rsplit("/", 1)[1]

    def cut(_: int) -> None:
        with psycopg.connect(pg_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )

    with pytest.raises(MigrationError) as refusal:
        migrate(str(ss_cli.store), pg_url, progress=cut, batch=16)
    message = str(refusal.value)
    assert message.startswith(f"the copy into {shown(pg_url)} failed and was undone: ")
    assert "\n" not in message
    assert tables(pg_url) == []


def test_a_rewritten_tree_in_the_source_is_refused(ss_cli: Cli, pg_url: str) -> None:
    """Leaves that match their events but a stored tree that does not: the root differs."""
    record_orgs(ss_cli, 10)  # more than 16 events: a stored subtree
    with tampering(ss_cli.store) as conn:
        conn.execute(
            "UPDATE ledger_tree SET hash = zeroblob(32) "
            "WHERE level = (SELECT MAX(level) FROM ledger_tree)"
        )
    result = run(str(ss_cli.store), "migrate", "--to", pg_url)
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        "Error: the audit log's root in PostgreSQL differs from the one in the ledger to move"
    )
    assert tables(pg_url) == []


def test_migrate_has_help_with_an_example() -> None:
    result = ok(run("x.db", "migrate", "--help", actor=None))
    assert "Example:" in result.stdout and "collective --store collective.db migrate" in (
        result.stdout
    )
