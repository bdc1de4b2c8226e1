"""Shared fixtures: a ledger in memory, a ledger file, and the command line against a file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ledger.application import Context, LedgerApplication, open_ledger

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read the developer's own COLLECTIVE_* settings."""
    for key in list(os.environ):
        if key.startswith("COLLECTIVE_") and key != "COLLECTIVE_TEST_POSTGRES":
            monkeypatch.delenv(key)


@pytest.fixture
def app() -> Iterator[LedgerApplication]:
    ledger = open_ledger(":memory:", create=True)
    yield ledger
    ledger.close()


@pytest.fixture
def ctx() -> Context:
    return Context(actor="meera")


@dataclass
class Cli:
    """Runs `collective` against one ledger file, as a person at a terminal would."""

    store: Path

    def __call__(self, *args: str, actor: str | None = "meera", **env: str) -> Result:
        options = ["--store", str(self.store)]
        if actor:
            options += ["--actor", actor]
        from cli.main import main

        return CliRunner().invoke(main, [*options, *args], env=env or None, catch_exceptions=False)

    def events(self) -> int:
        if not self.store.exists():
            return 0
        ledger = open_ledger(str(self.store))
        try:
            return ledger.event_count()
        finally:
            ledger.close()


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "ledger.db")


@pytest.fixture
def ss_cli(cli: Cli) -> Cli:
    """A ledger file with Saamuhika Shakti set up and Hasiru Dala a member."""
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


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards.

    The server comes from COLLECTIVE_TEST_POSTGRES (a URL to an existing database on it). Without
    it the test skips, unless COLLECTIVE_REQUIRE_POSTGRES=1 (as in CI), where it fails.
    """
    admin = os.environ.get("COLLECTIVE_TEST_POSTGRES")
    if not admin:
        if os.environ.get("COLLECTIVE_REQUIRE_POSTGRES") == "1":
            pytest.fail("COLLECTIVE_REQUIRE_POSTGRES=1 but COLLECTIVE_TEST_POSTGRES is not set")
        pytest.skip("no PostgreSQL server: set COLLECTIVE_TEST_POSTGRES to a postgresql:// URL")
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    name = f"collective_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(admin)
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo ledger, built once per test session (tests work on copies of it)."""
    from ledger.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    ledger = open_ledger(str(path), create=True)
    build_demo(ledger)
    ledger.close()
    return path


@pytest.fixture
def demo_app(demo_file: Path, tmp_path: Path) -> Iterator[LedgerApplication]:
    """A private copy of the demo ledger."""
    import shutil

    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_file, copy)
    ledger = open_ledger(str(copy))
    yield ledger
    ledger.close()
