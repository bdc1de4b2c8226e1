"""`collective demo` builds the same story every time, through the application."""

from __future__ import annotations

import json

from conftest import Cli, ok, refused


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


def test_demo_is_deterministic_apart_from_recorded_times(cli: Cli, tmp_path: object) -> None:
    other = Cli(cli.store.with_name("other.db"))
    ok(cli("demo", actor=None))
    ok(other("demo", actor=None))

    def story(c: Cli) -> list[dict[str, object]]:
        entries = json.loads(ok(c("log", "--all", "--json")).stdout)
        return [{k: v for k, v in e.items() if k != "recorded_at"} for e in entries]

    assert story(cli) == story(other)
