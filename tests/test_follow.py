"""`collective projections follow`: the views kept up to date by a process of their own.

Real processes, on SQLite and on PostgreSQL: a follower sees what another process records within
moments (on PostgreSQL woken by NOTIFY, long before its fallback poll); SIGTERM and SIGINT stop it
with exit 0 and a line saying how far it got; killed (SIGKILL) or stopped in the middle of a long
catch-up, it resumes from the positions it committed, projects exactly the events after them, and
ends with the same rows as a rebuild from scratch. Several processes catching up at once (followers
and read commands) project each event once.
"""

from __future__ import annotations

import random
import re
import signal
import time
from pathlib import Path

import pytest
from conftest import Cli, refused
from following import SLUG, Running, fill, held_positions, rows, set_up

from ledger.application import open_ledger
from projections.registry import Views

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")

PAGE_LINE = r"projected ([\d,]+) events?: every read model at log position ([\d,]+)"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "ledger.db")


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _stopped_line(lines: list[str]) -> re.Match[str]:
    pattern = r"^(.+): every read model at log position ([\d,]+) of ([\d,]+) \(([\d,]+) events?"
    found = [m for line in lines if (m := re.match(pattern, line))]
    assert len(found) == 1, lines
    return found[0]


def test_the_follower_sees_what_another_process_records_within_moments(store: str) -> None:
    set_up(store).close()
    postgres = store.startswith("postgresql://")
    # On PostgreSQL the fallback poll is a minute away: only NOTIFY can wake it in time.
    interval = "60" if postgres else "0.2"
    with Running(store, "projections", "follow", "--interval", interval) as follower:
        follower.wait_for(r"^Following .*(LISTEN/NOTIFY|a poll every)")
        first = follower.wait_for(PAGE_LINE)
        assert _number(first[2]) == 15  # the ledger as set up
        started = time.monotonic()
        with Running(
            store,
            "--actor",
            "meera",
            "org",
            "add",
            "nari-uddug",
            "--name",
            "নারী উদ্যোগ",
            "--type",
            "implementing",
        ) as writer:
            assert writer.finish()[0] == 0
        seen = follower.wait_for(PAGE_LINE, timeout=10)
        assert _number(seen[2]) == 16 and time.monotonic() - started < 10
        # The views hold it already: read them without catching up.
        app = open_ledger(store)
        try:
            db = Views(app).db
            names = db.query(
                f"SELECT name FROM {db.table('view_organisations')} WHERE org = ?",
                ["nari-uddug"],
            )
        finally:
            app.close()
        assert names == [{"name": "নারী উদ্যোগ"}]
        follower.process.send_signal(signal.SIGTERM)
        code, rest = follower.finish()
    assert code == 0, follower.seen
    stopped = _stopped_line(rest)
    assert stopped[1] == "Stopped by SIGTERM"
    assert (_number(stopped[2]), _number(stopped[3]), _number(stopped[4])) == (16, 16, 16)


def test_ctrl_c_stops_it_cleanly_too(store: str) -> None:
    set_up(store).close()
    with Running(store, "projections", "follow", "--interval", "0.2") as follower:
        follower.wait_for(r"^Following ")
        follower.process.send_signal(signal.SIGINT)
        code, _ = follower.finish()
    assert code == 0, "\n".join(follower.seen)
    stopped = _stopped_line(follower.seen)
    assert stopped[1] == "Stopped by SIGINT"
    held = held_positions(store)  # it says how far it got: as far as its committed positions
    assert held == dict.fromkeys(held, _number(stopped[2]))


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_stopped_in_the_middle_it_resumes_and_projects_nothing_twice(
    store: str, how: signal.Signals
) -> None:
    app = set_up(store)
    fill(app, 14_000)
    total = app.event_count()
    app.close()
    with Running(store, "projections", "follow", "--interval", "0.5") as follower:
        follower.wait_for(PAGE_LINE, timeout=60)  # the first page of 2,000 is committed
        time.sleep(random.Random(int(how)).uniform(0.0, 0.01))  # soon: a fast machine ends in 0.3 s
        follower.process.send_signal(how)
        code, _ = follower.finish()
    held = held_positions(store)
    assert len(set(held.values())) == 1  # each page moves every view at once
    position = next(iter(held.values()))
    assert 2000 <= position < total, "stopped after the catch-up had ended: not in the middle"
    if how == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert code == 0, follower.seen
        stopped = _stopped_line(follower.seen)
        assert stopped[1] == "Stopped by SIGTERM"
        assert (_number(stopped[2]), _number(stopped[3])) == (position, total)
    # Restarted, it reads only the events after the positions it committed...
    with Running(store, "projections", "follow", "--once", "--quiet") as again:
        code, _ = again.finish(timeout=120)
    assert code == 0, again.seen
    assert not any(re.match(PAGE_LINE, line) for line in again.seen)  # --quiet
    resumed = _stopped_line(again.seen)
    assert _number(resumed[4]) == total - position
    assert (_number(resumed[2]), _number(resumed[3])) == (total, total)
    # ... and ends with exactly the rows of a rebuild from the start of the log.
    app = open_ledger(store)
    try:
        followed = rows(app)
        assert len(followed["view_measure_values"]) > 10_000
        Views(app).rebuild([])
        assert rows(app) == followed
    finally:
        app.close()


@pytest.mark.slow
def test_several_processes_catching_up_at_once_project_each_event_once(store: str) -> None:
    app = set_up(store)
    fill(app, 8_000)
    total = app.event_count()
    app.close()
    followers = [Running(store, "projections", "follow", "--once") for _ in range(3)]
    reader = Running(store, "--collective", SLUG, "status", "--json")
    counted = 0
    for process in [*followers, reader]:
        with process:
            code, _ = process.finish(timeout=180)
            assert code == 0, process.seen
    for follower in followers:
        counted += _number(_stopped_line(follower.seen)[4])
    assert counted <= total  # read commands caught up some; nobody projected an event twice
    app = open_ledger(store)
    try:
        followed = rows(app)
        Views(app).rebuild([])
        assert rows(app) == followed
    finally:
        app.close()


@pytest.mark.postgres
def test_the_follower_rides_out_a_lost_connection(pg_url: str) -> None:
    import psycopg

    set_up(pg_url).close()
    with Running(pg_url, "projections", "follow", "--interval", "0.5") as follower:
        follower.wait_for(PAGE_LINE)
        time.sleep(0.5)
        with psycopg.connect(pg_url, autocommit=True) as conn:
            killed = conn.execute(
                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
        assert killed is not None and killed[0] >= 1
        follower.wait_for(r"trying again in 0\.5 s", timeout=10)
        app = open_ledger(pg_url)
        try:
            from domain.organisation import Profile
            from domain.vocabulary import OrgType
            from ledger.application import Context

            profile = Profile(slug="nijera-kori", name="নিজেরা করি", type=OrgType.COMMUNITY)
            app.add_organisation(profile, Context(actor="meera"))
        finally:
            app.close()
        seen = follower.wait_for(PAGE_LINE, timeout=15)
        assert _number(seen[2]) == 16
        follower.process.send_signal(signal.SIGTERM)
        code, _ = follower.finish()
    assert code == 0, follower.seen


def test_the_interval_must_be_a_number_of_seconds_above_0(ss_cli: Cli) -> None:
    for bad, message in [
        ("0", "--interval must be above 0 seconds, not 0"),
        ("-2", "--interval must be above 0 seconds, not -2"),
        ("inf", "--interval must be above 0 seconds, not inf"),
        ("soon", "--interval 'soon' is not a number of seconds"),
    ]:
        refused(ss_cli("projections", "follow", "--interval", bad), message)


def test_once_catches_up_and_says_how_far(ss_cli: Cli) -> None:
    n = ss_cli.events()
    result = ss_cli("projections", "follow", "--once")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"projected {n} events: every read model at log position {n}",
        f"Caught up: every read model at log position {n} of {n} ({n} events projected).",
    ]
    again = ss_cli("projections", "follow", "--once")
    assert again.stderr.splitlines() == [
        f"Caught up: every read model at log position {n} of {n} (0 events projected)."
    ]


def test_following_a_ledger_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "nowhere.db")
    refused(
        cli("projections", "follow", "--once"),
        f"no ledger at {tmp_path / 'nowhere.db'}: create one with `collective init` or point "
        "--store at one",
    )
