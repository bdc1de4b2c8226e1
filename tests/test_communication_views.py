"""Communication as read: meetings per body and quarter, attendance, feedback, announcements."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import Cli, ok, refused
from view_steps import demo_cli, last_recorded, stepwise_equals_rebuild, timeless

from domain.collective import Settings
from domain.communication import Notice, Voice
from domain.governance import Charter
from domain.organisation import Profile
from domain.periods import Calendar, parse_period
from domain.vocabulary import DecisionRule, OrgType, Role
from ledger.application import Context, LedgerApplication
from projections.communication import (
    COMMUNICATION,
    announcements,
    attendance,
    awaiting_response,
    meetings,
)
from projections.registry import Views

SS = "saamuhika-shakti"


def on(day: date) -> Context:
    return Context(actor="meera", on=day)


def _three_members_and_a_steering_committee(app: LedgerApplication, ctx: Context) -> None:
    """India's fiscal year; hasiru-dala, sattva and care-india members; a steering committee."""
    settings = Settings(slug=SS, name="SS", calendar=Calendar.INDIA, timezone="Asia/Kolkata")
    app.init_collective(settings, on(date(2020, 1, 10)))
    for org in ("hasiru-dala", "sattva", "care-india"):
        app.add_organisation(Profile(slug=org, name=org, type=OrgType.IMPLEMENTING), ctx)
        app.join(org, Role.IMPLEMENTING, on(date(2020, 1, 15)))
    app.add_body(Charter(slug="steering", name="Steering", rule=DecisionRule.CONSENT), ctx)


@pytest.fixture
def ss(app: LedgerApplication, ctx: Context) -> LedgerApplication:
    """India's fiscal year; a steering committee with two community seats and a finance group."""
    _three_members_and_a_steering_committee(app, ctx)
    app.add_body(Charter(slug="finance", name="Finance", rule=DecisionRule.CONSENT), ctx)
    for member, community in (("hasiru-dala", True), ("wp-rep-1", True), ("sattva", False)):
        app.seat("steering", member, community, ctx)
    app.seat("finance", "sattva", False, ctx)
    meet = app.record_meeting
    meet("steering", ["hasiru-dala", "sattva", "wp-rep-1"], [], None, on(date(2020, 4, 2)))
    meet("steering", ["sattva", "care-india"], [], None, on(date(2020, 5, 20)))
    meet("finance", ["sattva"], [], None, on(date(2020, 4, 10)))
    meet("steering", ["wp-rep-1", "care-india"], [], None, on(date(2020, 7, 1)))
    _, first = app.record_feedback(
        Voice(source="Vinobha Nagar women", text="ಸಂಜೆ ತರಗತಿ ಬೇಕು"), on(date(2021, 2, 14))
    )
    app.respond_to_feedback(first, "Evening classes from June", on(date(2021, 3, 20)))
    app.record_feedback(
        Voice(source="Kunthigrama residents", text="Shed floods", channel="phone"),
        on(date(2021, 5, 1)),
    )
    app.record_feedback(Voice(source="Ward 12", text="No water"), on(date(2021, 6, 1)))
    notice = Notice(title="Phase 2 begins", text="From April", audience="all partners")
    app.announce(notice, on(date(2021, 4, 2)))
    return app


def test_meetings_per_body_and_quarter_of_the_fiscal_calendar(ss: LedgerApplication) -> None:
    views = Views(ss)
    views.refresh()
    assert meetings(views, SS, None) == [
        {
            "body": "finance",
            "period": "2020Q2",
            "fiscal_quarter": "FY2020-21Q1",
            "meetings": 1,
            "meetings_with_community_seats": 0,
            "attendances": 1,
            "community_attendances": 0,
        },
        {
            "body": "steering",
            "period": "2020Q2",
            "fiscal_quarter": "FY2020-21Q1",
            "meetings": 2,
            "meetings_with_community_seats": 1,
            "attendances": 5,
            "community_attendances": 2,
        },
        {
            "body": "steering",
            "period": "2020Q3",
            "fiscal_quarter": "FY2020-21Q2",
            "meetings": 1,
            "meetings_with_community_seats": 1,
            "attendances": 2,
            "community_attendances": 1,
        },
    ]
    q3 = parse_period("FY2020-21Q2", Calendar.INDIA)
    assert [m["period"] for m in meetings(views, SS, None, period=q3)] == ["2020Q3"]
    assert [m["body"] for m in meetings(views, SS, None, body="finance")] == ["finance"]


def test_attendance_per_member_and_community_seat(ss: LedgerApplication) -> None:
    views = Views(ss)
    views.refresh()
    assert [
        (a["member"], a["community_seat"], a["bodies"], a["attended"], a["held"])
        for a in attendance(views, SS, None)
    ] == [
        ("care-india", False, ["steering"], 2, 3),  # attends without a seat
        ("hasiru-dala", True, ["steering"], 1, 3),
        ("sattva", False, ["finance", "steering"], 3, 4),
        ("wp-rep-1", True, ["steering"], 2, 3),
    ]
    q3 = parse_period("2020Q3", Calendar.INDIA)
    assert [
        (a["member"], a["attended"], a["held"]) for a in attendance(views, SS, None, period=q3)
    ] == [("care-india", 1, 1), ("hasiru-dala", 0, 1), ("sattva", 0, 1), ("wp-rep-1", 1, 1)]


@pytest.fixture
def seats_change(app: LedgerApplication, ctx: Context) -> LedgerApplication:
    """Steering: hasiru-dala (community seat) and sattva meet (m1, sattva attends); hasiru-dala
    leaves its seat and wp-rep-1 takes a community seat; they meet again (m2, wp-rep-1 attends);
    care-india takes a seat after both meetings."""
    _three_members_and_a_steering_committee(app, ctx)
    app.seat("steering", "hasiru-dala", True, ctx)
    app.seat("steering", "sattva", False, ctx)
    app.record_meeting("steering", ["sattva"], [], None, on(date(2020, 4, 2)))
    app.unseat("steering", "hasiru-dala", Context(actor="meera", reason="term ended"))
    app.seat("steering", "wp-rep-1", True, ctx)
    app.record_meeting("steering", ["wp-rep-1"], [], None, on(date(2020, 5, 20)))
    app.seat("steering", "care-india", False, ctx)
    return app


def test_attendance_counts_the_seats_as_they_were_at_each_meeting(
    seats_change: LedgerApplication,
) -> None:
    views = Views(seats_change)
    views.refresh()

    def table(at: int | None) -> list[tuple[str, bool, list[str], int, int]]:
        return [
            (a["member"], a["community_seat"], a["bodies"], a["attended"], a["held"])
            for a in attendance(views, SS, at)
        ]

    assert table(None) == [
        # care-india was seated after both meetings: none of them was held while it sat
        ("hasiru-dala", True, ["steering"], 0, 1),  # seated at m1 only, though gone since
        ("sattva", False, ["steering"], 1, 2),
        ("wp-rep-1", True, ["steering"], 1, 1),  # seated after m1: only m2 counts
    ]
    [unseated] = views.db.query(
        f"SELECT position FROM {views.db.table('view_log')} WHERE event = 'Body.Unseated'"
    )
    after_m1 = unseated["position"] - 1
    assert table(after_m1) == [
        ("hasiru-dala", True, ["steering"], 0, 1),
        ("sattva", False, ["steering"], 1, 1),
    ]
    assert meetings(views, SS, None)[0] | {"body": "steering"} == {
        "body": "steering",
        "period": "2020Q2",
        "fiscal_quarter": "FY2020-21Q1",
        "meetings": 2,
        "meetings_with_community_seats": 1,  # m2: wp-rep-1
        "attendances": 2,
        "community_attendances": 1,
    }


def test_feedback_awaiting_a_response_and_announcements(ss: LedgerApplication) -> None:
    views = Views(ss)
    views.refresh()
    waiting = awaiting_response(views, SS, None, date(2021, 6, 30))
    assert [(f["feedback"], f["source"], f["days_waiting"]) for f in waiting] == [
        ("fb-2", "Kunthigrama residents", 60),  # May 1 to June 30
        ("fb-3", "Ward 12", 29),
    ]
    assert waiting[0]["channel"] == "phone" and waiting[0]["received_on"] == "2021-05-01"
    assert announcements(views, SS, None) == [
        {
            "announcement": "an-1",
            "made_on": "2021-04-02",
            "title": "Phase 2 begins",
            "audience": "all partners",
        }
    ]
    at = ss.event_count()
    ss.respond_to_feedback("fb-2", "A new roof in July", on(date(2021, 7, 2)))
    views.refresh()
    later = date(2021, 7, 10)
    assert [f["feedback"] for f in awaiting_response(views, SS, None, later)] == ["fb-3"]
    assert [f["feedback"] for f in awaiting_response(views, SS, at, later)] == ["fb-2", "fb-3"]


def test_the_communication_view_rebuilt_equals_caught_up_on_the_demo(
    demo_app: LedgerApplication,
) -> None:
    views = stepwise_equals_rebuild(demo_app, COMMUNICATION)
    assert [m["fiscal_quarter"] for m in meetings(views, "oporajita", None)] == ["FY2024-25Q4"]


# -- the command line ---------------------------------------------------------------------------


def test_cli_communication_as_of_gives_what_it_printed_then(ss_cli: Cli) -> None:
    ok(ss_cli("body", "add", "steering", "--name", "Steering", "--rule", "consent"))
    ok(ss_cli("body", "seat", "steering", "wp-rep-1", "--community"))
    meeting = ["meeting", "record", "--body", "steering"]
    ok(ss_cli(*meeting, "--attended", "wp-rep-1,hasiru-dala", "--on", "2024-04-02"))
    ok(
        ss_cli(
            "feedback", "record", "--from", "Ward 12", "--text", "No water", "--on", "2024-05-01"
        )
    )
    then = json.loads(ok(ss_cli("communication", "--json")).stdout)
    then_table = ok(ss_cli("communication")).stdout
    moment = last_recorded(ss_cli)
    ok(ss_cli("feedback", "respond", "fb-1", "--text", "Tanker on Mondays"))
    ok(ss_cli(*meeting, "--attended", "hasiru-dala"))
    ok(ss_cli("announce", "--title", "Water", "--text", "Tanker on Mondays"))
    now = json.loads(ok(ss_cli("communication", "--json")).stdout)
    assert now["awaiting_response"] == [] and len(now["announcements"]) == 1
    assert then["meetings"] == [
        {
            "body": "steering",
            "period": "2024Q2",
            "fiscal_quarter": "FY2024-25Q1",
            "meetings": 1,
            "meetings_with_community_seats": 1,
            "attendances": 2,
            "community_attendances": 1,
        }
    ]
    assert [f["feedback"] for f in then["awaiting_response"]] == ["fb-1"]
    past = json.loads(ok(ss_cli("communication", "--as-of", moment, "--json")).stdout)
    assert timeless(past) == timeless(then)
    assert ok(ss_cli("communication", "--as-of", moment)).stdout == then_table
    spring = json.loads(ok(ss_cli("communication", "--period", "FY2024-25Q1", "--json")).stdout)
    assert [m["period"] for m in spring["meetings"]] == ["2024Q2"]


def test_cli_communication_refusals_are_one_line(ss_cli: Cli) -> None:
    ok(ss_cli("body", "add", "steering", "--name", "Steering", "--rule", "consent"))
    refused(
        ss_cli("communication", "--body", "finance"), "body 'finance' not found: known: steering"
    )
    refused(
        ss_cli("communication", "--period", "spring"),
        "'spring' is not a reporting period: use 2024-03 (month), 2024Q1 (quarter), 2024 (year) "
        "or FY2024-25 (fiscal year)",
    )
    refused(
        ss_cli("communication", "--as-of", "2024-13-01"),
        "--as-of '2024-13-01' is not a date or time: use 2024-03-31 or 2024-03-31T18:00:00+05:30",
    )


def test_cli_communication_on_the_demo(demo_file: Path, tmp_path: Path) -> None:
    cli = demo_cli(demo_file, tmp_path)
    found = json.loads(
        ok(cli("--collective", "saamuhika-shakti", "communication", "--json")).stdout
    )
    assert [(m["body"], m["period"], m["fiscal_quarter"]) for m in found["meetings"]][:2] == [
        ("steering", "2020Q1", "FY2019-20Q4"),
        ("steering", "2020Q2", "FY2020-21Q1"),
    ]
    assert [(f["feedback"], f["received_on"]) for f in found["awaiting_response"]] == [
        ("fb-2", "2026-08-02")
    ]
    assert [a["title"] for a in found["announcements"]] == ["Phase 2 begins"]
    table = ok(cli("--collective", "oporajita", "communication")).stdout
    assert "2025Q2 (FY2024-25Q4)" in table and "every loop is closed" in table
