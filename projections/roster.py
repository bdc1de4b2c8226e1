"""Who belongs: organisations in the store, and the members of each collective with their roles."""

from __future__ import annotations

from typing import Any

from projections.engine import EventRecord, Projection, Writer

__all__ = ["ROSTER", "threshold"]

ROSTER = Projection(
    name="roster",
    schema=2,
    tables={
        "view_collectives": "collective TEXT NOT NULL, name TEXT NOT NULL, calendar TEXT NOT NULL, "
        "timezone TEXT NOT NULL, currency TEXT NOT NULL, threshold INTEGER NOT NULL",
        "view_organisations": "org TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL",
        "view_members": "collective TEXT NOT NULL, org TEXT NOT NULL, role TEXT NOT NULL, "
        "joined TEXT NOT NULL, left_on TEXT",
    },
)


@ROSTER.on("Collective.Initialised")
def _initialised(w: Writer, e: EventRecord) -> None:
    s = e.state["settings"]
    w.put(
        "view_collectives",
        {"collective": s["slug"]},
        {
            "name": s["name"],
            "calendar": s["calendar"],
            "timezone": s["timezone"],
            "currency": s["currency"],
            "threshold": 10,
        },
        e.position,
    )


@ROSTER.on("Collective.ThresholdSet")
def _threshold(w: Writer, e: EventRecord) -> None:
    w.update(
        "view_collectives",
        {"collective": e.meta["collective"]},
        {"threshold": e.state["threshold"]},
        e.position,
    )


def threshold(views: Any, collective: str, at: int | None) -> int:
    """The collective's small-cell threshold for exports, as the ledger held it at ``at``."""
    db = views.db
    rows = db.query(
        f"SELECT threshold FROM {db.table('view_collectives')} "
        f"WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    return int(rows[0]["threshold"]) if rows else 10


@ROSTER.on("Organisation.Registered")
def _registered(w: Writer, e: EventRecord) -> None:
    p = e.state["profile"]
    w.put(
        "view_organisations", {"org": p["slug"]}, {"name": p["name"], "type": p["type"]}, e.position
    )


@ROSTER.on("Collective.MemberJoined")
def _joined(w: Writer, e: EventRecord) -> None:
    w.put(
        "view_members",
        {"collective": e.meta["collective"], "org": e.state["org"]},
        {"role": e.state["role"], "joined": e.meta["effective"], "left_on": None},
        e.position,
    )


@ROSTER.on("Collective.MemberRoleChanged")
def _role(w: Writer, e: EventRecord) -> None:
    w.update(
        "view_members",
        {"collective": e.meta["collective"], "org": e.state["org"]},
        {"role": e.state["role"]},
        e.position,
    )


@ROSTER.on("Collective.MemberLeft")
def _left(w: Writer, e: EventRecord) -> None:
    w.update(
        "view_members",
        {"collective": e.meta["collective"], "org": e.state["org"]},
        {"left_on": e.meta["effective"]},
        e.position,
    )
