"""Continuous communication as read: meetings and who attended, feedback, announcements.

Meetings are counted per body and per quarter of the collective's calendar (the quarter that
holds the meeting date; in a fiscal calendar it is also shown by its fiscal label). Attendance is
counted per member, and per community seat: whether community representatives were in the room,
with the seats as they were at each meeting (a member seated later, or gone since, counts as it
was then).
Feedback waits for a response from the day it was received until the first response.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from projections.engine import EventRecord, Projection, Writer

if TYPE_CHECKING:
    from domain.periods import Calendar, Period
    from projections.registry import Views

__all__ = ["COMMUNICATION", "announcements", "attendance", "awaiting_response", "meetings"]

COMMUNICATION = Projection(
    name="communication",
    schema=1,
    tables={
        "view_meetings": "collective TEXT NOT NULL, meeting TEXT NOT NULL, body TEXT NOT NULL, "
        "held_on TEXT NOT NULL, decisions TEXT NOT NULL, minutes TEXT",
        "view_attendance": "collective TEXT NOT NULL, meeting TEXT NOT NULL, "
        "member TEXT NOT NULL, seated BOOLEAN NOT NULL, community BOOLEAN NOT NULL",
        "view_feedback": "collective TEXT NOT NULL, feedback TEXT NOT NULL, source TEXT NOT NULL, "
        "channel TEXT, text TEXT NOT NULL, received_on TEXT NOT NULL, responses INTEGER NOT NULL, "
        "loop_closed_on TEXT",
        "view_announcements": "collective TEXT NOT NULL, announcement TEXT NOT NULL, "
        "title TEXT NOT NULL, audience TEXT, made_on TEXT NOT NULL",
    },
)


# -- handlers ------------------------------------------------------------------------------------


@COMMUNICATION.on("Meeting.Held")
def _held(w: Writer, e: EventRecord) -> None:
    s, collective = e.state, e.meta["collective"]
    w.put(
        "view_meetings",
        {"collective": collective, "meeting": s["meeting"]},
        {
            "body": s["body"],
            "held_on": e.meta["effective"],
            "decisions": " ".join(s["decisions"]),
            "minutes": s.get("minutes"),
        },
        e.position,
    )
    for a in s["attendees"]:
        w.put(
            "view_attendance",
            {"collective": collective, "meeting": s["meeting"], "member": a["member"]},
            {"seated": bool(a["seated"]), "community": bool(a["community"])},
            e.position,
        )


def _feedback(e: EventRecord) -> dict[str, Any]:
    return {"collective": e.meta["collective"], "feedback": e.state["feedback"]}


@COMMUNICATION.on("Feedback.Received")
def _received(w: Writer, e: EventRecord) -> None:
    voice = e.state["voice"]
    w.put(
        "view_feedback",
        _feedback(e),
        {
            "source": voice["source"],
            "channel": voice.get("channel"),
            "text": voice["text"],
            "received_on": e.meta["effective"],
            "responses": 0,
            "loop_closed_on": None,
        },
        e.position,
    )


@COMMUNICATION.on("Feedback.Responded")
def _responded(w: Writer, e: EventRecord) -> None:
    row = w.current("view_feedback", _feedback(e))
    if row is None:
        raise LookupError(f"view_feedback: no current row for {_feedback(e)}")
    changes: dict[str, Any] = {"responses": int(row["responses"]) + 1}
    if row["loop_closed_on"] is None:
        changes["loop_closed_on"] = e.meta["effective"]
    w.update("view_feedback", _feedback(e), changes, e.position)


@COMMUNICATION.on("Announcement.Made")
def _announced(w: Writer, e: EventRecord) -> None:
    notice = e.state["notice"]
    w.put(
        "view_announcements",
        {"collective": e.meta["collective"], "announcement": e.state["announcement"]},
        {
            "title": notice["title"],
            "audience": notice.get("audience"),
            "made_on": e.meta["effective"],
        },
        e.position,
    )


# -- queries -------------------------------------------------------------------------------------


def _within(period: Period | None, column: str) -> tuple[str, list[Any]]:
    if period is None:
        return "", []
    return f" AND {column} >= ? AND {column} <= ?", [
        period.start.isoformat(),
        period.end.isoformat(),
    ]


def _quarter(day: str, calendar: Calendar) -> tuple[str, str | None]:
    """The quarter holding ``day``: its code, and its fiscal label in a fiscal calendar."""
    from domain.periods import Cadence, fiscal_quarter_code, period_containing

    quarter = period_containing(date.fromisoformat(day), Cadence.QUARTERLY, calendar)
    return quarter.code, fiscal_quarter_code(quarter, calendar) if calendar.is_fiscal else None


def _meeting_rows(
    views: Views, collective: str, at: int | None, body: str | None, period: Period | None
) -> list[dict[str, Any]]:
    db = views.db
    where, params = _within(period, "m.held_on")
    if body is not None:
        where += " AND m.body = ?"
        params.append(body)
    return db.query(
        "SELECT m.meeting, m.body, m.held_on, a.member, a.seated, a.community "
        f"FROM {db.table('view_meetings')} m JOIN {db.table('view_attendance')} a "
        "ON a.collective = m.collective AND a.meeting = m.meeting "
        f"WHERE m.collective = ? AND {db.visible(at, 'm')} AND {db.visible(at, 'a')}{where}",
        [collective, *params],
    )


def meetings(
    views: Views,
    collective: str,
    at: int | None,
    *,
    body: str | None = None,
    period: Period | None = None,
) -> list[dict[str, Any]]:
    """Meetings per body and quarter: how many, attendances, and community seats in the room."""
    from projections.clock import settings_at

    calendar, _ = settings_at(views, collective, at)
    held: dict[tuple[str, str], set[str]] = defaultdict(set)
    with_community: dict[tuple[str, str], set[str]] = defaultdict(set)
    attendances: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for row in _meeting_rows(views, collective, at, body, period):
        key = (row["body"], row["held_on"])
        held[key].add(row["meeting"])
        attendances[key].append(bool(row["community"]))
        if row["community"]:
            with_community[key].add(row["meeting"])
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for (name, day), refs in held.items():
        code, fiscal = _quarter(day, calendar)
        group = groups.setdefault(
            (name, code),
            {
                "body": name,
                "period": code,
                "fiscal_quarter": fiscal,
                "meetings": 0,
                "meetings_with_community_seats": 0,
                "attendances": 0,
                "community_attendances": 0,
            },
        )
        group["meetings"] += len(refs)
        group["meetings_with_community_seats"] += len(with_community[name, day])
        group["attendances"] += len(attendances[name, day])
        group["community_attendances"] += sum(attendances[name, day])
    return [groups[key] for key in sorted(groups)]


def attendance(
    views: Views,
    collective: str,
    at: int | None,
    *,
    body: str | None = None,
    period: Period | None = None,
) -> list[dict[str, Any]]:
    """Per member and seat holder: meetings attended, of the meetings it was expected at.

    Seats count as they were at each meeting (when it was recorded), not as they are at ``at``:
    a member is expected at the meetings of a body held while it had a seat there, and, where
    it attended without a seat, at every meeting of that body in the span asked about.
    ``community_seat`` says the member attended on, or held at one of those meetings, a
    community seat. A member seated after the last meeting is not listed.
    """
    held: dict[str, set[tuple[str, str]]] = defaultdict(set)
    attended: dict[str, set[tuple[str, str]]] = defaultdict(set)
    expected: dict[str, set[tuple[str, str]]] = defaultdict(set)
    guest_of: dict[str, set[str]] = defaultdict(set)
    community: dict[str, bool] = defaultdict(bool)
    for row in _meeting_rows(views, collective, at, body, period):
        meeting = (row["body"], row["meeting"])
        held[row["body"]].add(meeting)
        attended[row["member"]].add(meeting)
        community[row["member"]] |= bool(row["community"])
        if not row["seated"]:
            guest_of[row["member"]].add(row["body"])
    for seat in _seats_at_meetings(views, collective, at, body, period):
        expected[seat["member"]].add((seat["body"], seat["meeting"]))
        community[seat["member"]] |= bool(seat["community"])
    found = []
    for member in sorted(set(attended) | set(expected)):
        due = attended[member] | expected[member]
        due = due.union(*(held[b] for b in guest_of[member]))
        found.append(
            {
                "member": member,
                "community_seat": community[member],
                "bodies": sorted({b for b, _ in due}),
                "attended": len(attended[member]),
                "held": len(due),
            }
        )
    return found


def _seats_at_meetings(
    views: Views, collective: str, at: int | None, body: str | None, period: Period | None
) -> list[dict[str, Any]]:
    """Who held a seat on the body of each meeting (visible at ``at``) when it was recorded.

    A meeting's row is written once, by its ``Meeting.Held`` event, so its ``valid_from`` is the
    meeting's log position; the seats (``view_seats``, temporal) are joined at that position,
    which gives the same answer at any later ``at`` as a rebuild from the events up to then.
    """
    db = views.db
    where, params = _within(period, "m.held_on")
    if body is not None:
        where += " AND m.body = ?"
        params.append(body)
    return db.query(
        "SELECT m.meeting, m.body, s.member, s.community "
        f"FROM {db.table('view_meetings')} m JOIN {db.table('view_seats')} s "
        "ON s.collective = m.collective AND s.body = m.body AND s.valid_from <= m.valid_from "
        "AND (s.valid_to IS NULL OR s.valid_to > m.valid_from) "
        f"WHERE m.collective = ? AND {db.visible(at, 'm')}{where}",
        [collective, *params],
    )


def awaiting_response(
    views: Views, collective: str, at: int | None, today: date
) -> list[dict[str, Any]]:
    """Feedback without a response at ``at``, oldest first, with the days waited by ``today``."""
    db = views.db
    rows = db.query(
        f"SELECT feedback, source, channel, text, received_on FROM {db.table('view_feedback')} "
        f"WHERE collective = ? AND {db.visible(at)} AND responses = 0",
        [collective],
    )
    rows.sort(key=lambda r: (r["received_on"], _number(r["feedback"])))
    return [
        {**r, "days_waiting": max(0, (today - date.fromisoformat(r["received_on"])).days)}
        for r in rows
    ]


def announcements(
    views: Views, collective: str, at: int | None, *, period: Period | None = None
) -> list[dict[str, Any]]:
    """Announcements made (within ``period`` when given), oldest first."""
    db = views.db
    where, params = _within(period, "made_on")
    rows = db.query(
        f"SELECT announcement, made_on, title, audience FROM {db.table('view_announcements')} "
        f"WHERE collective = ? AND {db.visible(at)}{where}",
        [collective, *params],
    )
    return sorted(rows, key=lambda r: (r["made_on"], _number(r["announcement"])))


def _number(ref: str) -> int:
    """``fb-12`` -> 12, so that ids sort as they were issued (and the same on every database)."""
    digits = ref[len(ref.rstrip("0123456789")) :]
    return int(digits) if digits else 0
