"""The command line as people use it: one-line errors, nothing written on refusal."""

from __future__ import annotations

import json

import click
import pytest
from conftest import REFUSED_BEFORE_SAVING, Cli, ok, refused

from cli.main import main


def test_init_org_and_status_tell_the_story(ss_cli: Cli) -> None:
    status = ok(ss_cli("status"))
    assert "Saamuhika Shakti (saamuhika-shakti)" in status.stdout
    assert "ಹಸಿರು ದಳ Hasiru Dala" in status.stdout
    data = json.loads(ok(ss_cli("status", "--json")).stdout)
    assert data["calendar"] == "india" and data["currency"] == "INR"
    assert data["members"] == [
        {
            "org": "hasiru-dala",
            "name": "ಹಸಿರು ದಳ Hasiru Dala",
            "type": "implementing",
            "role": "implementing",
            "joined": "2020-01-15",
            "left": None,
        }
    ]
    assert list(data) == sorted(data)  # stable key order


@REFUSED_BEFORE_SAVING
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["init", "Bad Slug", "--name", "x"],
            "collective 'Bad Slug' is not a valid slug: use lowercase letters, digits and hyphens "
            "(for example hasiru-dala)",
        ),
        (
            ["init", "saamuhika-shakti", "--name", "again"],
            "collective 'saamuhika-shakti' already exists",
        ),
        (
            ["init", "other", "--name", "x", "--timezone", "Mars/Olympus"],
            "unknown time zone 'Mars/Olympus' (use an IANA name such as Asia/Kolkata or "
            "Asia/Dhaka)",
        ),
        (
            ["org", "add", "hasiru-dala", "--name", "Hasiru Dala", "--type", "implementing"],
            "organisation 'hasiru-dala' already exists",
        ),
        (
            ["org", "add", "Hasiru", "--name", "x", "--type", "funder"],
            "organisation 'Hasiru' is not a valid slug: use lowercase letters, digits and hyphens "
            "(for example hasiru-dala)",
        ),
        (
            ["org", "join", "nobody"],
            "organisation 'nobody' not found: register it first with `collective org add`",
        ),
        (
            ["org", "join", "hasiru-dala"],
            "hasiru-dala is already a member of saamuhika-shakti (as implementing)",
        ),
        (
            ["org", "leave", "hasiru-dala"],
            "a reason is required when hasiru-dala leaves (use --reason)",
        ),
        (
            ["org", "leave", "sattva", "--reason", "x"],
            "member 'sattva' not found: sattva is not a member of saamuhika-shakti",
        ),
        (
            ["org", "join", "hasiru-dala", "--on", "15/01/2020"],
            "effective date '15/01/2020' is not a date: use YYYY-MM-DD, for example 2024-03-31",
        ),
        (
            ["--collective", "oporajita", "org", "join", "hasiru-dala"],
            "collective 'oporajita' not found: known: saamuhika-shakti",
        ),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    ss_cli: Cli, args: list[str], message: str
) -> None:
    before = ss_cli.events()
    refused(ss_cli(*args), message)
    assert ss_cli.events() == before


def test_a_recording_command_without_an_actor_is_refused(ss_cli: Cli) -> None:
    before = ss_cli.events()
    refused(
        ss_cli("org", "add", "sattva", "--name", "Sattva", "--type", "backbone", actor=None),
        "say who is recording: give --actor NAME or set COLLECTIVE_ACTOR",
    )
    assert ss_cli.events() == before


def test_the_actor_can_come_from_the_environment(ss_cli: Cli) -> None:
    ok(ss_cli("actor", "add", "ravi", "--org", "hasiru-dala", "--role", "backbone-admin"))
    ok(
        ss_cli(
            "org",
            "add",
            "sattva",
            "--name",
            "Sattva",
            "--type",
            "backbone",
            actor=None,
            COLLECTIVE_ACTOR="ravi",
        )
    )
    entries = json.loads(ok(ss_cli("log", "--json")).stdout)
    assert entries[-1]["actor"] == "ravi"


def test_an_unknown_calendar_is_refused_in_one_line(cli: Cli) -> None:
    refused(
        cli("init", "x", "--name", "X", "--calendar", "lunar"),
        "unknown calendar 'lunar': use one of gregorian, india, bangladesh",
    )
    assert not cli.exists()


def test_init_without_actor_creates_no_file(cli: Cli) -> None:
    refused(
        cli("init", "x", "--name", "X", actor=None),
        "say who is recording: give --actor NAME or set COLLECTIVE_ACTOR",
    )
    assert not cli.exists()


@pytest.mark.sqlite_only("a file of other content; PostgreSQL: tests/test_store_faults.py")
def test_a_store_that_is_not_a_ledger_is_one_line(cli: Cli) -> None:
    cli.store.write_text("minutes of the meeting\n")
    refused(cli("status"), f"{cli.store} is not a collective ledger")
    refused(
        cli("org", "add", "a", "--name", "A", "--type", "funder"),
        f"{cli.store} is not a collective ledger",
    )
    assert cli.store.read_text() == "minutes of the meeting\n"


def test_a_missing_store_is_one_line(cli: Cli) -> None:
    refused(
        cli("log"),
        f"no ledger at {cli.shown}: create one with `collective init` or point --store at one",
    )


def test_a_retried_command_with_a_request_id_records_once(ss_cli: Cli) -> None:
    args = [
        "--request-id",
        "add-sattva-1",
        "org",
        "add",
        "sattva",
        "--name",
        "Sattva",
        "--type",
        "backbone",
    ]
    ok(ss_cli(*args))
    before = ss_cli.events()
    again = ok(ss_cli(*args))
    assert "Already recorded under this request id" in again.stderr
    assert ss_cli.events() == before


def test_log_lists_events_with_their_envelope_and_filters(ss_cli: Cli) -> None:
    ok(ss_cli("actor", "add", "ravi", "--org", "hasiru-dala", "--role", "backbone-admin"))
    ok(ss_cli("org", "add", "sattva", "--name", "Sattva", "--type", "backbone", actor="ravi"))
    ok(ss_cli("org", "join", "sattva", "--on", "2024-01-01", actor="ravi"))
    ok(ss_cli("org", "leave", "hasiru-dala", "--on", "2024-03-31", "--reason", "ಹಂತ ೧ ಮುಗಿಯಿತು"))
    everything = json.loads(ok(ss_cli("log", "--json")).stdout)
    assert [e["position"] for e in everything] == list(range(1, len(everything) + 1))
    assert everything[-1]["event"] == "Collective.MemberLeft"
    assert everything[-1]["reason"] == "ಹಂತ ೧ ಮುಗಿಯಿತು"
    assert everything[-1]["effective"] == "2024-03-31"
    joined = json.loads(ok(ss_cli("log", "--type", "MemberJoined", "--json")).stdout)
    assert [e["subject"] for e in joined] == ["org:hasiru-dala", "org:sattva"]
    by_ravi = json.loads(ok(ss_cli("log", "--actor", "ravi", "--json")).stdout)
    assert {e["actor"] for e in by_ravi} == {"ravi"} and len(by_ravi) == 2
    as_of = everything[2]["recorded_at"]
    earlier = json.loads(ok(ss_cli("log", "--as-of", as_of, "--json")).stdout)
    assert [e["position"] for e in earlier] == [
        e["position"] for e in everything if e["recorded_at"] <= as_of
    ]
    since = json.loads(ok(ss_cli("log", "--since", everything[-2]["recorded_at"], "--json")).stdout)
    assert since[0]["position"] >= everything[-2]["position"] - 1
    table = ok(ss_cli("log")).stdout
    assert "Collective.MemberLeft" in table and "hasiru-dala left" in table


def test_log_refuses_a_bad_time(ss_cli: Cli) -> None:
    refused(
        ss_cli("log", "--as-of", "yesterday"),
        "--as-of 'yesterday' is not a date or time: use 2024-03-31 or 2024-03-31T18:00:00+05:30",
    )


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    ctx = click.Context(group)
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _all_commands(command, (*prefix, name))
    return found


def test_every_command_has_help_with_an_example(cli: Cli) -> None:
    commands = _all_commands(main)
    assert ("org", "join") in commands
    for command in commands:
        result = ok(cli(*command, "--help", actor=None))
        assert "Example:" in result.stdout, command
