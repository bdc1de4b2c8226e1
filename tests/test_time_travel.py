"""Every read command answers "as of" an earlier recorded time, also those that read aggregates."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import Cli, ok, refused

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


# -- --as-of is read in the collective's time zone ----------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Set the time the ledger records the next events at (the events' timestamps)."""
    now = [datetime(2024, 1, 1, tzinfo=UTC)]
    monkeypatch.setattr("eventsourcing.domain.datetime_now_with_tzinfo", lambda: now[0])

    def set_to(moment: str) -> None:
        now[0] = datetime.fromisoformat(moment)

    return set_to


@pytest.fixture
def kolkata(cli: Cli, clock: Callable[[str], None]) -> Cli:
    """Saamuhika Shakti (Asia/Kolkata, UTC+05:30) set up on 31 March 2024 at 10:00 UTC, and
    hasiru-dala joining at 20:00 UTC: after the end of 31 March in Kolkata (18:30 UTC), though
    still 31 March in UTC."""
    clock("2024-03-31T10:00:00+00:00")
    init = ["init", "saamuhika-shakti", "--name", "Saamuhika Shakti", "--timezone", "Asia/Kolkata"]
    ok(cli(*init, "--on", "2024-03-31"))
    ok(cli("org", "add", "hasiru-dala", "--name", "Hasiru Dala", "--type", "implementing"))
    clock("2024-03-31T20:00:00+00:00")
    ok(cli("org", "join", "hasiru-dala", "--on", "2024-04-01"))
    return cli


def _events(cli: Cli, *args: str) -> list[str]:
    return [e["event"] for e in json.loads(ok(cli("log", *args, "--json")).stdout)]


def _members(cli: Cli, *args: str) -> list[str]:
    found = json.loads(ok(cli("status", *args, "--json")).stdout)
    return [m["org"] for m in found["members"]]


def test_as_of_a_date_means_the_end_of_that_day_in_the_collectives_time_zone(
    kolkata: Cli,
) -> None:
    assert _events(kolkata)[-1] == "Collective.MemberJoined"
    # 2024-03-31 ends at 18:30 UTC in Kolkata: the join (20:00 UTC) came after it
    assert "Collective.MemberJoined" not in _events(kolkata, "--as-of", "2024-03-31")
    assert _members(kolkata, "--as-of", "2024-03-31") == []
    assert _events(kolkata, "--as-of", "2024-04-01")[-1] == "Collective.MemberJoined"
    assert _members(kolkata, "--as-of", "2024-04-01") == ["hasiru-dala"]


def test_as_of_a_time_without_an_offset_is_read_in_the_collectives_time_zone(
    kolkata: Cli,
) -> None:
    assert _members(kolkata, "--as-of", "2024-04-01T01:29:59") == []  # 19:59:59 UTC
    assert _members(kolkata, "--as-of", "2024-04-01T01:30:00") == ["hasiru-dala"]  # 20:00 UTC


def test_as_of_a_time_with_an_offset_keeps_its_meaning(kolkata: Cli) -> None:
    assert _members(kolkata, "--as-of", "2024-03-31T19:59:59Z") == []
    assert _members(kolkata, "--as-of", "2024-03-31T20:00:00+00:00") == ["hasiru-dala"]
    assert _members(kolkata, "--as-of", "2024-04-01T01:30:00+05:30") == ["hasiru-dala"]
    assert _members(kolkata, "--as-of", "2024-03-31T15:59:59-04:00") == []


def test_as_of_a_date_before_the_first_event_names_the_end_of_that_day_there(
    kolkata: Cli,
) -> None:
    for command in (("log",), ("actor", "list")):  # a view, and an aggregate read as of then
        refused(
            kolkata(*command, "--as-of", "2024-03-30"),
            "--as-of 2024-03-30T23:59:59.999999+05:30 is before the first event of this ledger "
            "(2024-03-31T10:00:00.000000Z)",
        )


def test_as_of_for_every_collective_of_a_ledger_is_read_in_utc(
    kolkata: Cli, clock: Callable[[str], None]
) -> None:
    clock("2024-04-01T12:00:00+00:00")
    init = ["init", "oporajita", "--name", "Oporajita", "--timezone", "Asia/Dhaka"]
    ok(kolkata(*init, "--on", "2024-04-01"))
    # `log --all` spans both collectives and zones: a date is the end of that day in UTC
    every = _events(kolkata, "--all", "--as-of", "2024-03-31")
    assert every[-1] == "Collective.MemberJoined"  # 20:00 UTC on 31 March
    only = kolkata("--collective", "saamuhika-shakti", "log", "--as-of", "2024-03-31", "--json")
    assert "Collective.MemberJoined" not in [e["event"] for e in json.loads(ok(only).stdout)]


def test_since_a_date_means_the_start_of_that_day_in_the_collectives_time_zone(
    kolkata: Cli,
) -> None:
    """31 March starts at 18:30 UTC on the 30th in Kolkata, 1 April at 18:30 UTC on the 31st:
    the join (20:00 UTC on the 31st) is on 1 April there."""
    assert _events(kolkata, "--since", "2024-03-31") == _events(kolkata)  # all of them
    assert _events(kolkata, "--since", "2024-04-01") == ["Collective.MemberJoined"]
    assert _events(kolkata, "--since", "2024-04-02") == []
