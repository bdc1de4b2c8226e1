"""Every read command answers "as of" an earlier recorded time, also those that read aggregates."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Cli, ok

SS = ("--collective", "saamuhika-shakti")


@pytest.fixture
def demo(demo_cli: Cli) -> Cli:
    """A private copy of the demo, on each kind of store."""
    return demo_cli


def _log(cli: Cli) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(ok(cli(*SS, "log", "--json")).stdout)
    return entries


def _just_before(cli: Cli, event: str, subject: str) -> str:
    """The recorded time of the last event before the first ``event`` on ``subject``."""
    entries = _log(cli)
    target = next(e for e in entries if e["event"] == event and e["subject"] == subject)
    earlier = [
        e
        for e in entries
        if e["position"] < target["position"] and e["recorded_at"] < target["recorded_at"]
    ]
    return str(earlier[-1]["recorded_at"]).replace("Z", "+00:00")


def _json(cli: Cli, *args: str) -> Any:
    return json.loads(ok(cli(*SS, *args, "--json")).stdout)


def test_an_indicator_as_of_before_its_revision(demo: Cli) -> None:
    moment = _just_before(demo, "Indicator.Revised", "indicator:SS-EDU-01")
    assert _json(demo, "indicator", "show", "SS-EDU-01")["version"] == 2
    assert _json(demo, "indicator", "show", "SS-EDU-01", "--as-of", moment)["version"] == 1


def test_a_decision_as_of_before_it_closed(demo: Cli) -> None:
    moment = _just_before(demo, "Decision.Closed", "decision:measurement-1")
    assert _json(demo, "decision", "show", "measurement-1")["outcome"] == "passed"
    then = _json(demo, "decision", "show", "measurement-1", "--as-of", moment)
    assert then["outcome"] == "open"


def test_something_not_yet_recorded_is_not_found_as_of_then(demo: Cli) -> None:
    moment = _just_before(demo, "Funding.Committed", "funding:fc-3")
    result = demo(*SS, "funding", "show", "fc-3", "--as-of", moment)
    assert result.exit_code == 1 and "fc-3" in result.stderr
    assert ok(demo(*SS, "funding", "show", "fc-3"))


def test_a_ledger_read_as_of_the_past_refuses_to_record(demo: Cli) -> None:
    from ledger.application import Context, open_ledger

    app = open_ledger(str(demo.store))
    app.at = 10
    with pytest.raises(RuntimeError, match="records nothing"):
        app.leave("udhyam", Context(actor="meera", collective="saamuhika-shakti", reason="x"))
    app.close()
