"""`collective status`: the collective at a glance, now and as of an earlier moment."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, ok, refused


def _status(cli: Cli, *more: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ok(cli("status", "--json", *more)).stdout)
    return data


def test_status_of_a_small_collective(ss_cli: Cli) -> None:
    ok(ss_cli("org", "add", "sattva", "--name", "Sattva", "--type", "backbone"))
    ok(ss_cli("org", "join", "sattva", "--on", "2020-02-01"))
    ok(ss_cli("body", "add", "steering", "--name", "Steering", "--rule", "consent"))
    ok(ss_cli("body", "seat", "steering", "hasiru-dala", "--community"))
    ok(ss_cli("body", "seat", "steering", "sattva"))
    ok(
        ss_cli(
            "decision",
            "propose",
            "--body",
            "steering",
            "--title",
            "Appoint Sattva",
            "--rationale",
            "R",
        )
    )
    ok(
        ss_cli(
            "decision", "propose", "--body", "steering", "--title", "Still open", "--rationale", "R"
        )
    )
    ok(ss_cli("decision", "consent", "steering-1", "--member", "hasiru-dala"))
    ok(ss_cli("decision", "close", "steering-1"))
    ok(ss_cli("backbone", "appoint", "sattva", "--decision", "steering-1", "--on", "2020-02-02"))
    ok(
        ss_cli(
            "indicator",
            "define",
            "SS-FIN-01",
            "--name",
            "Bank accounts",
            "--unit",
            "percent",
            "--direction",
            "up",
            "--cadence",
            "quarterly",
        )
    )
    ok(
        ss_cli(
            "value",
            "submit",
            "SS-FIN-01",
            "--org",
            "hasiru-dala",
            "--period",
            "2024Q1",
            "--value",
            "41",
        )
    )
    ok(
        ss_cli(
            "activity",
            "commit",
            "camps",
            "--org",
            "sattva",
            "--title",
            "Enrolment camps",
            "--serves",
            "SS-FIN-01",
            "--start",
            "2020-06-01",
            "--end",
            "2021-03-31",
        )
    )
    s = _status(ss_cli)
    assert [m["org"] for m in s["members"]] == ["hasiru-dala", "sattva"]
    assert s["backbone"]["org"] == "sattva" and s["backbone"]["decision"] == "steering-1"
    assert s["bodies"] == [
        {
            "body": "steering",
            "name": "Steering",
            "rule": "consent",
            "quorum": None,
            "seats": 2,
            "community_seats": 1,
        }
    ]
    assert s["agenda"] is None
    assert [(i["code"], i["version"], i["status"]) for i in s["indicators"]] == [
        ("SS-FIN-01", 1, "active")
    ]
    assert s["latest_period"] == "2024Q1"
    assert [d["decision"] for d in s["open_decisions"]] == ["steering-2"]
    assert [o["activity"] for o in s["overdue"]] == ["camps"]
    table = ok(ss_cli("status")).stdout
    assert "Backbone: sattva since 2020-02-02" in table and "Open decisions (1)" in table


def test_status_as_of_equals_what_it_printed_then(ss_cli: Cli) -> None:
    before = _status(ss_cli)
    moment = json.loads(ok(ss_cli("log", "--json")).stdout)[-1]["recorded_at"]
    ok(ss_cli("org", "add", "sattva", "--name", "Sattva", "--type", "backbone"))
    ok(ss_cli("org", "join", "sattva"))
    ok(ss_cli("org", "leave", "hasiru-dala", "--reason", "moved on"))
    now = _status(ss_cli)
    assert [m["left"] is None for m in now["members"]] == [False, True]
    earlier = _status(ss_cli, "--as-of", moment.replace("Z", "+00:00"))
    before.pop("as_of_position"), earlier.pop("as_of_position")
    assert earlier == before


def test_the_latest_period_as_of_a_moment_before_a_later_period_was_reported(
    ss_cli: Cli,
) -> None:
    ok(ss_cli("indicator", "define", "SS-FIN-01", "--name", "Bank accounts", "--unit",
              "percent", "--direction", "up", "--cadence", "quarterly"))  # fmt: skip
    assert _status(ss_cli)["latest_period"] is None
    submit = ("value", "submit", "SS-FIN-01", "--org", "hasiru-dala", "--value")
    ok(ss_cli(*submit, "41", "--period", "2024Q2"))
    ok(ss_cli(*submit, "40", "--period", "2024Q1"))
    moment = json.loads(ok(ss_cli("log", "--json")).stdout)[-1]["recorded_at"]
    assert _status(ss_cli)["latest_period"] == "2024Q2"  # the latest end, not the latest recorded
    ok(ss_cli(*submit, "43", "--period", "2024Q3"))
    assert _status(ss_cli)["latest_period"] == "2024Q3"
    earlier = _status(ss_cli, "--as-of", moment.replace("Z", "+00:00"))
    assert earlier["latest_period"] == "2024Q2"


def test_status_on_the_demo(demo_file: Path, tmp_path: Path) -> None:
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_file, copy)
    cli = Cli(copy)
    s = json.loads(ok(cli("--collective", "saamuhika-shakti", "status", "--json")).stdout)
    assert s["backbone"]["org"] == "sattva"
    assert s["agenda"]["version"] == 2
    assert s["latest_period"] == "2026Q3"
    assert len(s["indicators"]) == 5


@pytest.mark.parametrize("bad", ["yesterday", "2001-01-01"])
def test_status_refuses_a_bad_as_of(ss_cli: Cli, bad: str) -> None:
    result = ss_cli("status", "--as-of", bad)
    assert result.exit_code == 1 and result.stderr.startswith("Error: --as-of ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_status_of_an_unknown_collective(ss_cli: Cli) -> None:
    refused(
        ss_cli("--collective", "nope", "status"),
        "collective 'nope' not found: known: saamuhika-shakti",
    )
