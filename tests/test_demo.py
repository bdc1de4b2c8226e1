"""`collective demo` tells the same story every time, through the application, with every kind
of event the ledger records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli, ok, refused

from ledger.application import LedgerApplication

STORED = Path(__file__).with_name("stored_topics.txt")


def test_the_demo_records_every_kind_of_event(demo_app: LedgerApplication) -> None:
    recorded = {n.topic for n in demo_app.recorder.select_notifications(None, 100_000)}
    kinds = {
        line.strip()
        for line in STORED.read_text().splitlines()
        if "." in line.partition(":")[2] and not line.startswith("#")
    }
    assert kinds - recorded == set()


def test_the_story_has_what_the_issue_names(demo_app: LedgerApplication) -> None:
    ss = "saamuhika-shakti"
    assert demo_app.backbone(ss).current.org == "sattva"
    assert [t.org for t in demo_app.backbone(ss).terms] == ["nudge-institute", "sattva"]
    assert demo_app.indicator(ss, "SS-EDU-01").current_version == 2
    assert len(demo_app.agenda("oporajita").versions) == 2
    covid = demo_app.decision(ss, "steering-3")
    assert covid.passed and any(p.community for p in covid.positions.values())
    assert demo_app.indicator("oporajita", "OP-INC-01").retired


BUILDS_THE_DEMO = pytest.mark.sqlite_only(
    "builds the whole demo (a minute on PostgreSQL): there, once, in "
    "test_the_demo_built_on_postgresql_tells_the_same_story"
)


@BUILDS_THE_DEMO
def test_demo_builds_both_programmes_and_refuses_to_build_twice(cli: Cli) -> None:
    result = ok(cli("demo", actor=None))
    assert "Invented for illustration" in result.stderr
    ss = json.loads(ok(cli("--collective", "saamuhika-shakti", "status", "--json")).stdout)
    op = json.loads(ok(cli("--collective", "oporajita", "status", "--json")).stdout)
    assert ss["calendar"] == "india" and op["calendar"] == "bangladesh"
    current = {m["org"]: m["role"] for m in ss["members"] if m["left"] is None}
    assert current["sattva"] == "backbone" and "nudge-institute" not in current
    events = cli.events()
    refused(
        cli("demo", actor=None),
        f"{cli.store} already holds the demo: give another --store, or remove the file first",
    )
    assert cli.events() == events


def _story(c: Cli) -> list[dict[str, object]]:
    entries = json.loads(ok(c("log", "--all", "--json")).stdout)
    # Recorded times differ between runs, and so does the Merkle root a checkpoint signs.
    return [
        {
            k: v
            for k, v in e.items()
            if k != "recorded_at"
            and not (k == "summary" and e["event"] == "AuditLog.CheckpointIssued")
        }
        for e in entries
    ]


@BUILDS_THE_DEMO
def test_demo_is_deterministic_apart_from_recorded_times(cli: Cli, demo_file: Path) -> None:
    """The command line's demo tells the same story as the one the test session built."""
    import shutil

    ok(cli("demo", actor=None))
    other = Cli(Path(cli.store).with_name("other.db"))
    shutil.copyfile(demo_file, other.store)
    assert _story(cli) == _story(other)


@pytest.mark.slow
@pytest.mark.postgres
def test_the_demo_built_on_postgresql_tells_the_same_story(
    cli: Cli, demo_file: Path, tmp_path: Path
) -> None:
    """Every kind of event, recorded through the application on PostgreSQL, is stored and read
    back as on SQLite: the same story, position by position, and it verifies."""
    import shutil

    ok(cli("demo", actor=None))
    on_sqlite = Cli(tmp_path / "demo.db")  # a copy: reading builds views, the session's stays bare
    shutil.copyfile(demo_file, on_sqlite.store)
    assert _story(cli) == _story(on_sqlite)
    events = cli.events()
    result = cli("demo", actor=None)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {cli.shown} already holds the demo: give another")
    assert cli.events() == events
    assert ok(cli("verify")).stdout.splitlines()[-1].startswith(f"OK: {events} events verify")
