"""Faults of the store, each a one-line error on the real server: an unreachable server, a refused
login, a database without a ledger, a writer kept waiting by another's lock, and a connection lost
in the middle of a save (recorded once or not at all; a retry with the same request id records
nothing twice)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from conftest import Cli, ok, refused

ADD_SATTVA = ("org", "add", "sattva", "--name", "Sattva", "--type", "backbone")
NO_LEDGER = "create one with `collective init` or point --store at one"


def _one_line(result: Result) -> str:
    """The command failed with exit 1 and one line, ``Error: ...``; that line without the prefix."""
    assert result.exit_code == 1, (result.exit_code, result.output)
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: "), line
    return line.removeprefix("Error: ")


def _free_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _server(pg_server: str, *, user: str | None = None, database: str | None = None) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(pg_server)
    netloc = f"{user or parts.username}@{parts.hostname}:{parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc, path=f"/{database or parts.path[1:]}"))


def test_an_unreachable_server_is_one_line_and_quick() -> None:
    pytest.importorskip("psycopg")
    port = _free_port()
    cli = Cli(f"postgresql://postgres@127.0.0.1:{port}/ledger")
    started = time.monotonic()
    for args in (("status",), ADD_SATTVA, ("init", "x", "--name", "X")):
        line = _one_line(cli(*args))
        assert line.startswith(
            f"cannot open the store postgresql://127.0.0.1:{port}/ledger: connection to server at "
            f'"127.0.0.1", port {port} failed: Connection refused'
        ), line
    assert time.monotonic() - started < 5, "named at once, not after the pool's timeout"


@pytest.mark.postgres
def test_a_role_that_does_not_exist_is_refused_in_one_line(pg_server: str) -> None:
    role = f"nobody_{uuid.uuid4().hex[:8]}"
    cli = Cli(_server(pg_server, user=role))
    refused(
        cli("status"),
        f"cannot open the store {cli.shown}: the server refused the connection: "
        f'role "{role}" does not exist',
    )


@pytest.fixture
def nologin_role(pg_server: str) -> Iterator[str]:
    """A role with a password that may not log in. (The test server trusts every local
    connection, so a wrong password would be let in: a role without LOGIN is refused by any
    server, whatever its authentication.)"""
    import psycopg

    role = f"no_login_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE \"{role}\" NOLOGIN PASSWORD 'ಗುಪ್ತ-secret'")
    yield role
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP ROLE "{role}"')


@pytest.mark.postgres
def test_a_role_that_may_not_log_in_is_refused_in_one_line_without_its_password(
    pg_server: str, nologin_role: str
) -> None:
    from urllib.parse import quote

    cli = Cli(_server(pg_server, user=f"{nologin_role}:{quote('ಗುಪ್ತ-secret')}"))
    result = cli(*ADD_SATTVA)
    refused(
        result,
        f"cannot open the store {cli.shown}: the server refused the connection: "
        f'role "{nologin_role}" is not permitted to log in',
    )
    assert "secret" not in result.output


@pytest.mark.postgres
def test_a_database_that_does_not_exist_is_refused_in_one_line(pg_server: str) -> None:
    name = f"no_such_ledger_{uuid.uuid4().hex[:8]}"
    cli = Cli(_server(pg_server, database=name))
    for args in (("status",), ("init", "x", "--name", "X")):
        refused(
            cli(*args),
            f"cannot open the store {cli.shown}: the server refused the connection: "
            f'database "{name}" does not exist',
        )


@pytest.mark.postgres
def test_a_database_without_ledger_tables_is_refused_and_left_alone(pg_url: str) -> None:
    import psycopg

    cli = Cli(pg_url)
    for args in (("status",), ("log",), ADD_SATTVA, ("verify",)):
        refused(cli(*args), f"no ledger at {cli.shown}: {NO_LEDGER}")
    with psycopg.connect(pg_url) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    assert tables == [], "a refused command creates nothing"


@pytest.mark.postgres
def test_a_schema_without_a_ledger_is_named_with_its_schema(pg_url: str) -> None:
    cli = Cli(f"{pg_url}?schema=elsewhere")
    assert cli.shown.endswith("?schema=elsewhere")
    refused(cli("status"), f"no ledger at {cli.shown}: {NO_LEDGER}")
    refused(
        cli("init", "x", "--name", "X"),
        f'cannot open the store {cli.shown}: schema "elsewhere" does not exist',
    )


# -- a writer kept waiting ----------------------------------------------------------------------


class _Lock:
    """Another writer holding the ledger's write lock until released."""

    def __init__(self, cli: Cli) -> None:
        self.cli = cli
        self.conn: object = None

    def __enter__(self) -> _Lock:
        if self.cli.kind == "sqlite":
            import sqlite3

            conn = sqlite3.connect(self.cli.store, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")  # SQLite's write lock
        else:
            import psycopg
            from conftest import _split_schema

            url, schema = _split_schema(str(self.cli.store))
            conn = psycopg.connect(url)  # in a transaction until rolled back
            conn.execute(f'LOCK TABLE "{schema}".collectiveledger_events IN EXCLUSIVE MODE')
        self.conn = conn
        return self

    def __exit__(self, *exc: object) -> None:
        conn = self.conn
        conn.rollback()  # type: ignore[attr-defined]
        conn.close()  # type: ignore[attr-defined]


def test_a_writer_kept_waiting_past_the_lock_timeout_is_told_and_writes_nothing(
    ss_cli: Cli,
) -> None:
    before = ss_cli.events()
    with _Lock(ss_cli):
        started = time.monotonic()
        result = ss_cli(*ADD_SATTVA, COLLECTIVE_LOCK_TIMEOUT="1")
        waited = time.monotonic() - started
    refused(
        result,
        "the ledger is busy: another writer held it for more than 1 s, so nothing was recorded; "
        "run the command again (or let writers wait longer with COLLECTIVE_LOCK_TIMEOUT=SECONDS)",
    )
    assert 0.9 < waited < 4, f"one wait of the lock timeout, not ten: {waited:.1f} s"
    assert ss_cli.events() == before
    ok(ss_cli(*ADD_SATTVA))  # once the lock is let go
    assert ss_cli.events() == before + 1
    assert ok(ss_cli("verify")).stdout.startswith("OK: ")


# -- a connection lost in the middle of a save --------------------------------------------------


def _collective(cli: Cli, *args: str) -> subprocess.Popen[str]:
    """`collective` in its own process (its connection can then be cut from outside)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLLECTIVE_")}
    env["COLLECTIVE_LOCK_TIMEOUT"] = "60"
    code = "import sys; from cli.main import main; sys.exit(main())"
    command = [sys.executable, "-c", code, "--store", str(cli.store), "--actor", "meera", *args]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )


def _cut_the_waiting_writer(cli: Cli, holder_pid: int) -> None:
    """Terminate the backend of the writer that waits for the table lock."""
    import psycopg
    from conftest import _split_schema

    url, _ = _split_schema(str(cli.store))
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(600):
            row = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE 'LOCK TABLE%%' AND pid <> %s",
                [holder_pid],
            ).fetchone()
            if row is not None:
                assert conn.execute("SELECT pg_terminate_backend(%s)", [row[0]]).fetchone()[0]
                return
            time.sleep(0.05)
    raise AssertionError("the writer never waited for the lock")


@pytest.mark.postgres  # SQLite is a file in the same process: no connection to lose
def test_a_connection_lost_mid_save_records_once_or_not_at_all_and_a_retry_once(
    ss_cli: Cli,
) -> None:
    before = ss_cli.events()
    retry = ("--request-id", "add-sattva-7", *ADD_SATTVA)
    with _Lock(ss_cli) as lock:
        pid = lock.conn.info.backend_pid  # type: ignore[attr-defined]
        writer = _collective(ss_cli, *retry)
        _cut_the_waiting_writer(ss_cli, pid)
        _, stderr = writer.communicate(timeout=60)
    assert writer.returncode == 1, stderr
    # one line; what the driver says of the cut (in brackets) depends on when it landed
    [line] = stderr.strip().splitlines()
    assert line.startswith("Error: the connection to the ledger was lost while saving"), line
    assert line.endswith(
        ": the change was recorded once or not at all; run the command again with the same "
        "--request-id add-sattva-7: it records nothing a second time"
    ), line
    assert ss_cli.events() in (before, before + 1)  # once or not at all
    ok(ss_cli(*retry))
    assert ss_cli.events() == before + 1
    again = ok(ss_cli(*retry))
    assert "Already recorded under this request id" in again.stderr
    assert ss_cli.events() == before + 1
    assert ok(ss_cli("verify")).stdout.startswith("OK: ")


@pytest.mark.postgres
def test_a_role_without_the_rights_to_write_is_told_which_and_writes_nothing(
    pg_url: str,
) -> None:
    """The library's pipelined save reports only "pipeline aborted"; the ledger asks the server
    which rights are missing, and says so in one line (not "connection lost")."""
    import psycopg

    owner = Cli(pg_url)
    ok(owner("init", "ss", "--name", "SS"))
    role = f"reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
    try:
        reader = Cli(_server(pg_url, user=role))
        before = owner.events()
        line = _one_line(reader(*ADD_SATTVA))
        assert line.startswith("the ledger's server refused the save: the role in --store lacks "
                               "INSERT on "), line  # fmt: skip
        assert "UPDATE on" in line and "nothing was recorded" in line
        assert owner.events() == before
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')
