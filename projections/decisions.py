"""Governance as read: bodies and seats (with their history), the register of decisions, and
every position taken on them.

``view_positions`` keeps the latest position of each member on each decision, also of members
who later left their seat; which of them count is a question of seats, answered when reading
(:func:`projections.decision_register.counted_positions`). A closed decision keeps the members
its ``Decision.Closed`` event counted, by stance (space-separated; NULL while it is open).
"""

from __future__ import annotations

from projections.engine import EventRecord, Projection, Writer

__all__ = ["DECISIONS"]

DECISIONS = Projection(
    name="decisions",
    schema=2,
    tables={
        "view_bodies": "collective TEXT NOT NULL, body TEXT NOT NULL, name TEXT NOT NULL, "
        "rule TEXT NOT NULL, quorum INTEGER",
        "view_seats": "collective TEXT NOT NULL, body TEXT NOT NULL, member TEXT NOT NULL, "
        "community BOOLEAN NOT NULL",
        "view_decisions": "collective TEXT NOT NULL, decision TEXT NOT NULL, body TEXT NOT NULL, "
        "title TEXT NOT NULL, rationale TEXT NOT NULL, affects TEXT NOT NULL, "
        "outcome TEXT NOT NULL, proposed_on TEXT NOT NULL, closed_on TEXT, "
        "community_took_part BOOLEAN, consents TEXT, objections TEXT, stood_aside TEXT",
        "view_positions": "collective TEXT NOT NULL, decision TEXT NOT NULL, "
        "member TEXT NOT NULL, stance TEXT NOT NULL, community BOOLEAN NOT NULL, reason TEXT, "
        "taken_on TEXT NOT NULL",
    },
)


def _collective(e: EventRecord) -> str:
    return str(e.meta["collective"])


@DECISIONS.on("Body.Established")
def _established(w: Writer, e: EventRecord) -> None:
    c = e.state["charter"]
    w.put(
        "view_bodies",
        {"collective": _collective(e), "body": c["slug"]},
        {"name": c["name"], "rule": c["rule"], "quorum": c.get("quorum")},
        e.position,
    )


@DECISIONS.on("Body.Seated")
def _seated(w: Writer, e: EventRecord) -> None:
    seat = e.state["seat"]
    w.put(
        "view_seats",
        {"collective": _collective(e), "body": e.state["body"], "member": seat["member"]},
        {"community": bool(seat["community"])},
        e.position,
    )


@DECISIONS.on("Body.Unseated")
def _unseated(w: Writer, e: EventRecord) -> None:
    w.close(
        "view_seats",
        {"collective": _collective(e), "body": e.state["body"], "member": e.state["member"]},
        e.position,
    )


@DECISIONS.on("Decision.Proposed")
def _proposed(w: Writer, e: EventRecord) -> None:
    p = e.state["proposal"]
    w.put(
        "view_decisions",
        {"collective": _collective(e), "decision": e.state["decision"]},
        {
            "body": e.state["body"],
            "title": p["title"],
            "rationale": p["rationale"],
            "affects": " ".join(p.get("affects", ())),
            "outcome": "open",
            "proposed_on": e.meta["effective"],
            "closed_on": None,
            "community_took_part": None,
            "consents": None,
            "objections": None,
            "stood_aside": None,
        },
        e.position,
    )


@DECISIONS.on("Decision.PositionTaken")
def _position(w: Writer, e: EventRecord) -> None:
    p = e.state["position"]
    w.put(
        "view_positions",
        {"collective": _collective(e), "decision": e.state["decision"], "member": p["member"]},
        {
            "stance": p["stance"],
            "community": bool(p["community"]),
            "reason": p.get("reason"),
            "taken_on": e.meta["effective"],
        },
        e.position,
    )


@DECISIONS.on("Decision.Closed")
def _closed(w: Writer, e: EventRecord) -> None:
    w.update(
        "view_decisions",
        {"collective": _collective(e), "decision": e.state["decision"]},
        {
            "outcome": e.state["outcome"],
            "closed_on": e.meta["effective"],
            "community_took_part": bool(e.state["community_took_part"]),
            "consents": " ".join(e.state["consents"]),
            "objections": " ".join(e.state["objections"]),
            "stood_aside": " ".join(e.state["stood_aside"]),
        },
        e.position,
    )


@DECISIONS.on("Decision.Withdrawn")
def _withdrawn(w: Writer, e: EventRecord) -> None:
    w.update(
        "view_decisions",
        {"collective": _collective(e), "decision": e.state["decision"]},
        {"outcome": "withdrawn", "closed_on": e.meta["effective"]},
        e.position,
    )
