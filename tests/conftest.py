"""Shared fixtures: ledgers on SQLite *and* PostgreSQL, the command line against them, the demo.

One suite, both stores. The fixtures that give a test a ledger (``app``, ``cli``, ``ss_cli``,
``demo_app``, ``demo_store``...) depend on ``store_kind``, which every test that uses them
receives twice: ``[sqlite]`` and ``[postgres]`` (see :func:`pytest_generate_tests`). So a feature
cannot work on one store and not the other. A test that is about SQLite files themselves (file
permissions, ``sqlite3`` tampering, copying the file...) says so with
``@pytest.mark.sqlite_only("why")`` and runs once, as do the long tables of bad input
(:data:`REFUSED_BEFORE_SAVING`); one about the server (connections, roles) is marked
``postgres`` and runs on PostgreSQL only.

Each PostgreSQL test gets a fresh schema (``?schema=``) in one database made for the session,
dropped at the end; the demo is copied per test from a template database. The server comes from
COLLECTIVE_TEST_POSTGRES (a URL to an existing database on it, e.g.
``postgresql://postgres@127.0.0.1:5432/postgres``). Without it the PostgreSQL variants skip with
a reason, unless COLLECTIVE_REQUIRE_POSTGRES=1 (as in CI), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ledger.application import Context, LedgerApplication, open_ledger
from ledger.store import StoreError

SHARED = Path(__file__).resolve().parents[2] / "shared"
STORE_KINDS = ("sqlite", "postgres")

# Read before any test runs: the autouse fixture below removes the other COLLECTIVE_* settings.
_TEST_POSTGRES = os.environ.get("COLLECTIVE_TEST_POSTGRES", "")
_REQUIRE_POSTGRES = os.environ.get("COLLECTIVE_REQUIRE_POSTGRES") == "1"
_KEPT = ("COLLECTIVE_TEST_POSTGRES", "COLLECTIVE_REQUIRE_POSTGRES")


REFUSED_BEFORE_SAVING = pytest.mark.sqlite_only(
    "a table of refusals decided before anything is saved, the same on every store; it would "
    "add a minute on PostgreSQL (each case sets a ledger up) and test no SQL. A refused save on "
    "PostgreSQL: test_application.py; its faults: test_store_faults.py"
)
"""For the long parametrized tables of bad input: they run on SQLite only (see the reason)."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): runs on SQLite only, for the reason given (SQLite files "
        "themselves, tampering through sqlite3, tables of bad input)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses a store (through any fixture) runs once per kind of store."""
    if "store_kind" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("sqlite_only")
    if marker is not None and not (marker.args or marker.kwargs.get("reason")):
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: sqlite_only needs a reason")
    if marker is not None:
        kinds = ["sqlite"]
    elif metafunc.definition.get_closest_marker("postgres") is not None:
        kinds = ["postgres"]  # about the server itself (connections, roles...)
    else:
        kinds = list(STORE_KINDS)
    metafunc.parametrize("store_kind", kinds, indirect=True)


@pytest.fixture
def store_kind(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgres"``: the kind of store this run of the test uses."""
    kind: str = request.param
    return kind


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's own COLLECTIVE_* settings."""
    for key in list(os.environ):
        if key.startswith("COLLECTIVE_") and key not in _KEPT:
            monkeypatch.delenv(key)


# -- PostgreSQL ----------------------------------------------------------------------------


def _with_database(url: str, name: str, query: str = "") -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path=f"/{name}", query=query))


def _split_schema(url: str) -> tuple[str, str]:
    """A store URL without its ``?schema=``, and the schema (``public`` when none is given)."""
    from urllib.parse import parse_qs, urlsplit, urlunsplit

    parts = urlsplit(url)
    schema = parse_qs(parts.query).get("schema", ["public"])[0]
    return urlunsplit(parts._replace(query="")), schema


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_TEST_POSTGRES, autocommit=True) as conn:
        conn.execute(sql)


def _new_database(prefix: str, template: str | None = None) -> str:
    """A new database on the test server. Its commits do not wait for the disk
    (``synchronous_commit = off``): the tests stop processes, never the server, so nothing they
    check depends on it, and the suite waits far less."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    _admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return name


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The URL of a database on the test server (to create others), or skip (fail in CI)."""
    if not _TEST_POSTGRES:
        if _REQUIRE_POSTGRES:
            pytest.fail("COLLECTIVE_REQUIRE_POSTGRES=1 but COLLECTIVE_TEST_POSTGRES is not set")
        pytest.skip("no PostgreSQL server: set COLLECTIVE_TEST_POSTGRES to a postgresql:// URL")
    return _TEST_POSTGRES


@pytest.fixture(scope="session")
def pg_database(pg_server: str) -> Iterator[str]:
    """One database for the session's schemas (dropped at the end, whatever is left in it)."""
    name = _new_database("collective_test")
    yield name
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_schema_url(pg_server: str, pg_database: str) -> Iterator[str]:
    """A fresh, empty schema for one test: ``postgresql://.../db?schema=t_...``.

    Cheaper than a database, and as separate: every table, type, function and view the
    ledger makes is qualified by the schema (``tests/test_postgres_store.py`` checks it).
    """
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = _with_database(pg_server, pg_database)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield _with_database(pg_server, pg_database, f"schema={schema}")
    with psycopg.connect(url, autocommit=True) as conn, suppress(psycopg.Error):
        conn.execute("SET lock_timeout = '2s'")  # a test that left a transaction open: leave it
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = _new_database("collective_test")
    yield _with_database(pg_server, name)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- a ledger of the kind under test -------------------------------------------------------


@pytest.fixture
def empty_store(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The ``--store`` text of a place for a new ledger (no tables yet) of the kind under test."""
    if store_kind == "postgres":
        url: str = request.getfixturevalue("pg_schema_url")
        return url
    return str(tmp_path / "ledger.db")


@pytest.fixture
def app(store_kind: str, request: pytest.FixtureRequest) -> Iterator[LedgerApplication]:
    """A new, empty ledger: in memory on SQLite, in a fresh schema on PostgreSQL."""
    if store_kind == "postgres":
        ledger = open_ledger(request.getfixturevalue("pg_schema_url"), create=True)
    else:
        ledger = open_ledger(":memory:", create=True)
    yield ledger
    ledger.close()


@pytest.fixture
def ctx() -> Context:
    return Context(actor="meera")


@dataclass
class Cli:
    """Runs `collective` against one ledger, as a person at a terminal would.

    ``store`` is the ledger file (a ``Path``) on SQLite, the ``postgresql://`` URL on PostgreSQL.
    """

    store: Path | str

    @property
    def kind(self) -> str:
        return "postgres" if str(self.store).startswith("postgresql://") else "sqlite"

    def __call__(self, *args: str, actor: str | None = "meera", **env: str) -> Result:
        options = ["--store", str(self.store)]
        if actor:
            options += ["--actor", actor]
        from cli.main import main

        return CliRunner().invoke(main, [*options, *args], env=env or None, catch_exceptions=False)

    @property
    def shown(self) -> str:
        """The store as messages name it (a URL without its user and password)."""
        from ledger.store import Store

        return str(Store.parse(str(self.store)))

    def open(self) -> LedgerApplication:
        """The ledger itself (close it after)."""
        return open_ledger(str(self.store))

    def exists(self) -> bool:
        """Whether there is a ledger (the file; on PostgreSQL, the ledger's tables)."""
        if self.kind == "sqlite":
            return Path(self.store).exists()
        import psycopg

        url, schema = _split_schema(str(self.store))
        with psycopg.connect(url) as conn:
            found = conn.execute("SELECT to_regclass(%s)", [f'"{schema}".ledger_meta']).fetchone()
        return found is not None and found[0] is not None

    def remove(self) -> None:
        """Delete the ledger: the file, or its PostgreSQL schema (or database)."""
        if self.kind == "sqlite":
            Path(self.store).unlink()
            return
        url, schema = _split_schema(str(self.store))
        if schema == "public":
            from urllib.parse import urlsplit

            _admin(f'DROP DATABASE "{urlsplit(url).path.lstrip("/")}" WITH (FORCE)')
            return
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    def events(self) -> int:
        """How many events the ledger holds (0 when there is no ledger yet)."""
        if self.kind == "sqlite" and not Path(self.store).exists():
            return 0
        try:
            ledger = self.open()
        except StoreError:
            if self.kind == "sqlite":
                raise
            return 0  # no ledger tables in the schema yet
        try:
            return ledger.event_count()
        finally:
            ledger.close()


@pytest.fixture
def cli(store_kind: str, empty_store: str) -> Cli:
    return Cli(Path(empty_store) if store_kind == "sqlite" else empty_store)


@pytest.fixture
def ss_cli(cli: Cli) -> Cli:
    """A ledger with Saamuhika Shakti set up and Hasiru Dala a member."""
    ok(
        cli(
            "init",
            "saamuhika-shakti",
            "--name",
            "Saamuhika Shakti",
            "--calendar",
            "india",
            "--timezone",
            "Asia/Kolkata",
            "--currency",
            "INR",
            "--on",
            "2020-01-10",
        )
    )
    ok(cli("org", "add", "hasiru-dala", "--name", "ಹಸಿರು ದಳ Hasiru Dala", "--type", "implementing"))
    ok(cli("org", "join", "hasiru-dala", "--on", "2020-01-15"))
    return cli


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.output, result.stderr)
    return result


def refused(result: Result, message: str) -> None:
    """The command ended with exactly `Error: <message>` on one line, and exit 1."""
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert result.stderr.strip().splitlines() == [f"Error: {message}"]


def everything_verifies(store: str) -> int:
    """The ledger at ``store`` verifies, in-process and through `collective verify`, with one
    leaf per event; the number of events."""
    from cli.main import main
    from ledger.sources import open_source
    from ledger.verify import verify

    with open_source(store) as source:
        found = verify(source)
    assert found.ok, found.problems
    assert found.events == found.leaves
    result = CliRunner().invoke(main, ["--store", store, "verify"])
    assert result.exit_code == 0, result.output
    return int(found.events)


# -- the demo ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo ledger, built once per test session (tests work on copies of it)."""
    from ledger.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    ledger = open_ledger(str(path), create=True)
    build_demo(ledger)
    ledger.close()
    return path


@pytest.fixture(scope="session")
def pg_demo_template(pg_server: str, demo_file: Path) -> Iterator[str]:
    """A PostgreSQL database holding the demo, to copy per test (``CREATE DATABASE ... TEMPLATE``).

    Made by storing the SQLite demo's events, in order, through the PostgreSQL recorder (which
    computes the audit log's leaves itself), rather than by running the demo's 2,700 commands
    again: that takes about a minute on PostgreSQL, and the commands are tested one by one on
    both stores anyway. The copy is checked: same positions, same tree root as the file.
    """
    name = _new_database("collective_demo")
    url = _with_database(pg_server, name)
    copy_ledger(str(demo_file), url)
    yield name
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_ledger(source: str, target: str) -> None:
    """Copy every stored event of the SQLite ledger ``source`` into a new ledger at ``target``."""
    from eventsourcing.persistence import StoredEvent

    from ledger.checkpoints import AuditCommands

    src = open_ledger(source, kind=AuditCommands)
    dst = open_ledger(target, create=True, kind=AuditCommands)
    try:
        with src.factory.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            cursor.execute("SELECT request_id, first_position, last_position FROM ledger_requests")
            requests = [tuple(row) for row in cursor.fetchall()]
        position = 0
        while batch := src.recorder.select_notifications(position, 1000, inclusive_of_start=False):
            stored = [
                StoredEvent(n.originator_id, n.originator_version, n.topic, n.state) for n in batch
            ]
            got = dst.recorder.insert_events(stored)
            assert list(got or ()) == [n.id for n in batch], "positions moved in the copy"
            position = batch[-1].id
        recorder: Any = dst.recorder
        with recorder.datastore.transaction(commit=True) as cursor:
            from psycopg.sql import SQL

            for row in requests:
                cursor.execute(
                    SQL("INSERT INTO {0} VALUES (%s, %s, %s)").format(recorder.requests_table), row
                )
        meta = src.read_meta()
        dst.write_meta(**{k: v for k, v in meta.items() if k not in ("format", "schema")})
        assert dst.tree_head() == src.tree_head(), "the copy's audit log differs"
    finally:
        src.close()
        dst.close()


@pytest.fixture
def demo_store(
    store_kind: str, demo_file: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    """The ``--store`` text of a private copy of the demo ledger, of the kind under test."""
    if store_kind == "sqlite":
        import shutil

        copy = tmp_path / "demo.db"
        shutil.copyfile(demo_file, copy)
        yield str(copy)
        return
    template: str = request.getfixturevalue("pg_demo_template")
    server: str = request.getfixturevalue("pg_server")
    name = _new_database("collective_test", template)
    yield _with_database(server, name)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def demo_app(demo_store: str) -> Iterator[LedgerApplication]:
    """A private copy of the demo ledger."""
    ledger = open_ledger(demo_store)
    yield ledger
    ledger.close()


@pytest.fixture
def demo_cli(store_kind: str, demo_store: str) -> Cli:
    """The command line on a private copy of the demo ledger."""
    return Cli(Path(demo_store) if store_kind == "sqlite" else demo_store)
