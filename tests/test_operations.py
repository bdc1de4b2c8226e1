"""docs/operations.md, done for real: its SQL and commands run against the test server.

The guide's code blocks are read from the file and run in the order of its sections: ``sql``
blocks as the role and in the database their first line names (``-- as ROLE, in DATABASE``),
``sh`` lines through the `collective` command line (in-process), ``pg_dump`` and ``pg_restore``
(the real binaries). Names are made unique per test, since roles belong to the whole server:
``collective_owner`` becomes ``collective_owner_<suffix>``, the database ``collective`` becomes
``collective_ops_<suffix>``, and ``db.example.org:5432`` the test server. Beside the guide's own
steps, each test checks what the guide promises: the least-privilege roles can do what they need
and not more, a restored backup verifies against the checkpoint kept beside it (and a newer
checkpoint reports the rollback), a writer that cannot get the lock writes nothing.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import orjson
import pytest
from click.testing import CliRunner, Result
from conftest import ok

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "operations.md"
ROLES = ("collective_owner", "collective_app", "collective_audit")

pytestmark = pytest.mark.postgres


# -- reading the guide -------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    section: str
    """The heading it is under (``## 3. ...`` or ``### 4b. ...``), without the hashes."""
    lang: str
    text: str


def blocks() -> list[Block]:
    found: list[Block] = []
    section = ""
    lines = iter(GUIDE.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        fence = re.match(r"^\s*```(\w*)\s*$", line)
        if fence:
            indent = len(line) - len(line.lstrip())
            body = []
            for inner in lines:
                if inner.strip() == "```":
                    break
                body.append(inner[indent:])
            found.append(Block(section, fence.group(1), "\n".join(body)))
    return found


def section(prefix: str, lang: str | None = None) -> list[Block]:
    """The runnable blocks of the sections whose heading starts with ``prefix``."""
    chosen = [
        b
        for b in blocks()
        if b.section.startswith(prefix) and b.lang in ("sql", "sh") and (lang in (None, b.lang))
    ]
    assert chosen, f"operations.md has no block under a heading {prefix!r}"
    return chosen


def statements(text: str) -> list[str]:
    """Split SQL at the semicolons outside quotes and ``$$`` bodies; drop ``--`` comments."""
    found, current, quoted, dollar = [], "", False, False
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    text = "\n".join(lines)
    i = 0
    while i < len(text):
        if not quoted and text.startswith("$$", i):
            dollar, current, i = not dollar, current + "$$", i + 2
            continue
        char = text[i]
        if char == "'" and not dollar:
            quoted = not quoted
        if char == ";" and not quoted and not dollar:
            found.append(current.strip())
            current = ""
        else:
            current += char
        i += 1
    if current.strip():
        found.append(current.strip())
    return found


# -- one server, names made unique --------------------------------------------------------------


@dataclass
class Site:
    """The test server seen as the guide's ``db.example.org``, and a folder to work in."""

    admin: str
    suffix: str
    folder: Path
    env: dict[str, str] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)

    @property
    def database(self) -> str:
        return f"collective_ops_{self.suffix}"

    def role(self, name: str) -> str:
        return f"{name}_{self.suffix}"

    def substitute(self, text: str, *, sql: bool) -> str:
        parts = urlsplit(self.admin)
        text = text.replace("db.example.org:5432", f"{parts.hostname}:{parts.port or 5432}")
        for name in ROLES:
            text = re.sub(rf"\b{name}\b", self.role(name), text)
        text = re.sub(r"\bcollective_restored\b", f"{self.database}_restored", text)
        if sql:
            return re.sub(r"\bcollective\b", self.database, text)
        return re.sub(r"(:\d+/)collective\b", rf"\g<1>{self.database}", text)

    def url(self, role: str, database: str) -> str:
        """A URL to ``database`` as ``role`` (the guide's names; trust authentication)."""
        user = "postgres" if role == "postgres" else self.role(role)
        name = "postgres" if database == "postgres" else self.substitute(database, sql=True)
        parts = urlsplit(self.admin)
        netloc = f"{user}@{parts.hostname}:{parts.port or 5432}"
        return urlunsplit(parts._replace(netloc=netloc, path=f"/{name}", query=""))

    def sql(self, role: str, database: str, text: str) -> None:
        """Run ``text`` statement by statement, as psql does (``CREATE DATABASE`` may not share
        a query string with other statements)."""
        import psycopg

        with psycopg.connect(self.url(role, database), autocommit=True) as conn:
            for statement in statements(text):
                conn.execute(statement)  # the guide's own SQL

    def run(self, *chosen: Block) -> None:
        """Run blocks as the guide says: SQL as its named role, shell lines one by one."""
        for block in chosen:
            if block.lang == "sql":
                header = re.match(r"^-- as (\w+), in (\w+)", block.text)
                assert header, f"an SQL block must start with '-- as ROLE, in DATABASE': {block}"
                self.sql(header[1], header[2], self.substitute(block.text, sql=True))
                self.ran.append(f"sql as {header[1]} in {header[2]}")
            else:
                for line in block.text.replace("\\\n", " ").splitlines():
                    self.shell(line.strip())

    def shell(self, line: str) -> None:
        if not line or line.startswith("#"):
            return
        words = shlex.split(self.substitute(line, sql=False))
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            self.env[name] = value
        elif words[0] == "collective":
            out = None
            if ">" in words:
                at = words.index(">")
                words, out = words[:at], words[at + 1]
            result = ok(self.collective(*words[1:]))
            if out:
                (self.folder / out).write_text(result.stdout, encoding="utf-8")
        elif words[0] in ("pg_dump", "pg_restore"):
            if shutil.which(words[0]) is None:
                pytest.skip(f"{words[0]} is not installed")
            done = subprocess.run(words, cwd=self.folder, capture_output=True, text=True)
            assert done.returncode == 0, (line, done.stderr)
        elif words[0] in ("chmod",):
            subprocess.run(words, cwd=self.folder, check=True)
        else:
            raise AssertionError(f"operations.md runs a command this test does not know: {line}")
        self.ran.append(words[0])

    def collective(self, *args: str, **env: str) -> Result:
        from cli.main import main

        return CliRunner().invoke(main, list(args), env={**self.env, **env})

    def store(self, role: str, database: str = "collective") -> str:
        """The ``--store`` URL of the guide's ``database`` as ``role``."""
        return self.url(role, database)


@pytest.fixture
def site(pg_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    import psycopg

    here = Site(pg_server, uuid.uuid4().hex[:8], tmp_path)
    monkeypatch.chdir(tmp_path)
    yield here
    with psycopg.connect(pg_server, autocommit=True) as conn:
        for name in (here.database, f"{here.database}_restored"):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in ROLES:
            conn.execute(f'DROP ROLE IF EXISTS "{here.role(role)}"')


def failure(action: str, site: Site, role: str, statement: str) -> str:
    """The error PostgreSQL gives ``role`` for ``statement`` (the test fails if there is none)."""
    import psycopg

    try:
        site.sql(role, "collective", site.substitute(statement, sql=True))
    except psycopg.Error as e:
        return str(e).splitlines()[0]
    raise AssertionError(f"{role} could {action}")


def sqlite_ledger(site: Site) -> None:
    """An existing ledger file in the folder, as a backbone on SQLite has one."""
    cli_env = {"COLLECTIVE_STORE": "collective.db", "COLLECTIVE_ACTOR": "meera"}
    for args in (
        ("init", "saamuhika-shakti", "--name", "Saamuhika Shakti", "--calendar", "india"),
        ("org", "add", "bal-raksha", "--name", "Bal Raksha Bharat", "--type", "implementing"),
        ("org", "join", "bal-raksha", "--on", "2020-02-01"),
        ("--request-id", "r-1", "org", "add", "hm", "--name", "H&M Foundation", "--type", "funder"),
    ):
        ok(site.collective(*args, **cli_env))


# -- the guide, step by step --------------------------------------------------------------------


def test_a_new_ledger_with_least_privilege_roles(site: Site) -> None:
    site.run(*section("3."), *section("4. "), *section("4a."), *section("5."))
    site.run(*section("7."))

    # What each role may not do.
    app, audit = "collective_app", "collective_audit"
    message = "the events of this ledger are never changed or deleted"
    change = "UPDATE collectiveledger_events SET topic = topic"
    assert message in failure("update an event", site, app, change)
    assert message in failure("update an event", site, "collective_owner", change)
    delete = "DELETE FROM collectiveledger_events"
    assert message in failure("delete an event", site, "collective_owner", delete)
    assert "permission denied" in failure("delete an event", site, app, delete)
    for statement in (
        "DELETE FROM ledger_leaves",
        "UPDATE ledger_tree SET hash = hash",
        "TRUNCATE collectiveledger_events",
        "DROP TABLE ledger_meta",
    ):
        error = failure(statement, site, app, statement)
        assert "permission denied" in error or "must be owner" in error, error
    for statement in ("INSERT INTO ledger_meta VALUES ('x', 'y')", "SELECT * FROM ledger_requests"):
        assert "permission denied" in failure(statement, site, audit, statement)
    # The auditor verifies and bundles the log; recording is refused.
    auditor = {"COLLECTIVE_STORE": site.store(audit)}
    verified = orjson.loads(ok(site.collective("verify", "--json", **auditor)).stdout)
    assert verified["ok"] and verified["events"] > 6
    ok(site.collective("audit", "bundle", "--out", "bundle", **auditor))
    refused = site.collective("org", "add", "x", "--name", "X", "--type", "funder", **auditor)
    assert refused.exit_code != 0


def test_moving_an_existing_ledger_as_the_guide_says(site: Site) -> None:
    sqlite_ledger(site)
    moving = section("4b.")
    site.run(*section("3."), *section("4. "), *moving[:-1], *section("5."), moving[-1])
    assert site.ran.count("collective") == 5 and site.ran.count("chmod") == 0
    app = site.store("collective_app")
    copied = orjson.loads(ok(site.collective("verify", "--json", COLLECTIVE_STORE=app)).stdout)
    old = orjson.loads(
        ok(site.collective("verify", "--json", COLLECTIVE_STORE="collective.db")).stdout
    )
    assert (copied["root"], copied["events"]) == (old["root"], old["events"])

    # Everyday use goes on in PostgreSQL: positions follow on, a retried request is known,
    # a new checkpoint extends the one signed before the move.
    site.run(*section("7."))
    site.env["COLLECTIVE_REQUEST_ID"] = "r-1"
    again = ok(site.collective("org", "add", "hm", "--name", "H&M Foundation", "--type", "funder"))
    assert "Already recorded under this request id" in again.stderr
    del site.env["COLLECTIVE_REQUEST_ID"]
    ok(site.collective("checkpoint", "--key", "backbone.key", "--out", "after.checkpoint"))
    both = site.collective(
        "verify", "--checkpoint", "before-move.checkpoint", "--checkpoint", "after.checkpoint",
        "--trusted-key", "backbone.vkey", "--json",
    )  # fmt: skip
    assert orjson.loads(ok(both).stdout)["ok"]


def test_a_backup_restored_with_pg_restore_verifies_against_its_checkpoint(site: Site) -> None:
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed: the backup test needs PostgreSQL's client tools")
    site.run(*section("3."), *section("4. "), *section("4a."), *section("5."), *section("7."))
    ok(site.collective("keys", "generate", "collective-ledger/saamuhika-shakti", "--out",
                       "backbone.key"))  # fmt: skip
    (site.folder / "backbone.vkey").write_text(
        ok(site.collective("keys", "verifier", "backbone.key")).stdout, encoding="utf-8"
    )
    backup = section("8.")
    site.run(*backup)
    assert site.ran.count("pg_dump") == 1 and site.ran.count("pg_restore") == 1
    restored = site.store("collective_app", "collective_restored")
    original = site.store("collective_app")
    log = ("log", "--all", "--json")
    assert (
        ok(site.collective(*log, COLLECTIVE_STORE=restored)).stdout
        == ok(site.collective(*log, COLLECTIVE_STORE=original)).stdout
    )

    # The restored ledger goes on where the backup ended (the position counter came back).
    status = ok(site.collective("status", "--json", COLLECTIVE_STORE=restored)).stdout
    count = orjson.loads(status)["events_in_ledger"]
    added = ok(site.collective("org", "add", "late", "--name", "Late", "--type", "funder",
                               COLLECTIVE_STORE=restored))  # fmt: skip
    assert f"(log position {count + 1})" in added.stderr

    # A checkpoint signed after the backup exposes what the backup lacks.
    for i in range(3):
        ok(site.collective("org", "add", f"after-{i}", "--name", "After", "--type", "funder"))
    ok(site.collective("checkpoint", "--key", "backbone.key", "--out", "newer.checkpoint"))
    auditor = {"COLLECTIVE_STORE": site.store("collective_audit", "collective_restored")}
    newer = site.collective(
        "verify", "--checkpoint", "newer.checkpoint", "--trusted-key", "backbone.vkey", **auditor
    )
    assert newer.exit_code == 1
    assert "ROLLBACK: checkpoint newer.checkpoint covers" in newer.stdout, newer.stdout


def test_a_writer_that_cannot_get_the_lock_writes_nothing(site: Site) -> None:
    import psycopg

    site.run(*section("3."), *section("4. "), *section("4a."), *section("5."))
    site.env["COLLECTIVE_STORE"] = site.store("collective_app")
    site.env["COLLECTIVE_LOCK_TIMEOUT"] = "1"
    count = orjson.loads(ok(site.collective("status", "--json")).stdout)["events_in_ledger"]
    holder = psycopg.connect(site.url("postgres", "collective"))
    holder.execute("LOCK TABLE collectiveledger_events IN EXCLUSIVE MODE")  # an open session
    try:
        seen: list[str] = []
        watcher = threading.Thread(target=lambda: _watch(site, seen))
        watcher.start()
        add = ("--request-id", "r-7", "org", "add", "waits", "--name", "Waits", "--type", "funder")
        timed_out = site.collective(*add)
        watcher.join()
    finally:
        holder.rollback()
        holder.close()
    assert timed_out.exit_code == 1
    (line,) = timed_out.stderr.strip().splitlines()
    shown = re.search(r"```\n(Error: the ledger is busy: .+)\n```", GUIDE.read_text("utf-8"))
    assert shown, "section 9 quotes the message a writer shows"
    assert line == shown[1].replace("more than 5 s", "more than 1 s"), line
    assert seen, "the guide's query did not show the session holding the lock"
    assert orjson.loads(ok(site.collective("status", "--json")).stdout)["events_in_ledger"] == count
    ok(site.collective(*add))
    again = ok(site.collective(*add))
    assert "Already recorded under this request id" in again.stderr
    assert orjson.loads(ok(site.collective("status", "--json")).stdout)["events_in_ledger"] == (
        count + 1
    )


def _watch(site: Site, seen: list[str]) -> None:
    """Run the guide's query for the lock holder while a writer waits."""
    import psycopg

    (query,) = section("9.", "sql")
    text = "\n".join(query.text.splitlines()[1:])
    time.sleep(0.3)
    with psycopg.connect(site.url("postgres", "collective"), autocommit=True) as conn:
        rows = conn.execute(site.substitute(text, sql=True)).fetchall()
    seen.extend(str(row[0]) for row in rows)


def test_read_models_made_by_the_owner_are_handed_back_as_the_guide_says(site: Site) -> None:
    site.run(*section("3."), *section("4. "), *section("4a."), *section("5."))
    owner = {"COLLECTIVE_STORE": site.store("collective_owner")}
    app = {"COLLECTIVE_STORE": site.store("collective_app")}
    ok(site.collective("status", **owner))  # the mistake: the owner now owns the read models
    ok(site.collective("org", "add", "new", "--name", "New", "--type", "funder", **app))
    denied = site.collective("status", **app)
    assert denied.exit_code != 0
    assert "permission denied for table" in denied.output + denied.stderr + repr(denied.exception)
    (fix,) = section("12.", "sql")
    site.run(fix)
    shown = orjson.loads(ok(site.collective("status", "--json", **app)).stdout)
    assert shown["events_in_ledger"] == 7  # set up (6), and the organisation added


def test_the_errors_the_guide_explains_are_the_ones_people_see(site: Site) -> None:
    site.run(*section("3."))
    guide = GUIDE.read_text(encoding="utf-8")
    empty = site.collective("status", COLLECTIVE_STORE=site.store("collective_app"))
    (line,) = empty.stderr.strip().splitlines()
    assert (
        line.startswith("Error: no ledger at postgresql://")
        and "`no ledger at postgresql://...`" in guide
    )
    parts = urlsplit(site.admin)
    nowhere = f"postgresql://{site.role('collective_app')}@{parts.hostname}:1/x"
    unreachable = site.collective("status", COLLECTIVE_STORE=nowhere)
    (line,) = unreachable.stderr.strip().splitlines()
    assert line.startswith("Error: cannot open the store postgresql://")
    assert "`cannot open the store postgresql://...`" in guide


def test_every_collective_command_in_the_guide_is_run_by_a_test() -> None:
    """A command shown in operations.md outside the blocks the tests above run would go
    untested: every `collective` line must be in one of those sections."""
    tested = ("3.", "4. ", "4a.", "4b.", "5.", "7.", "8.", "9.", "12.")
    for block in blocks():
        if block.lang == "sh" and "collective " in block.text:
            assert block.section.startswith(tested), block
