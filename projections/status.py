"""``collective status``: the collective at a glance, now or as of an earlier moment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.errors import NotFound
from domain.periods import parse_period
from projections.agenda import agenda_versions, backbone_terms
from projections.alignment import alignment
from projections.clock import local_day, settings_at
from projections.measurement import indicator_views
from projections.registry import Views

__all__ = ["status"]


def status(
    views: Views, collective: str, at: int | None, moment: datetime | None = None
) -> dict[str, Any]:
    """Settings, members and roles, backbone, bodies, agenda version, indicators, the latest
    reporting period, open decisions and overdue commitments, as the ledger held them at ``at``.
    ``moment`` is the time asked about (``--as-of``), for what is overdue; now when ``None``."""
    db = views.db
    settings = db.query(
        f"SELECT collective, name, calendar, timezone, currency FROM {db.table('view_collectives')}"
        f" WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    if not settings:
        raise NotFound("collective", collective)
    today = local_day(views, collective, at, moment)
    try:
        versions = agenda_versions(views, collective, at)
    except NotFound:
        versions = []
    terms = backbone_terms(views, collective, at)
    last = db.query(
        f"SELECT MAX(position) AS n FROM {db.table('view_log')}"
        + ("" if at is None else f" WHERE position <= {int(at)}")
    )
    return {
        **settings[0],
        "as_of_position": at,
        "events_in_ledger": int(last[0]["n"] or 0),
        "members": _members(views, collective, at),
        "backbone": terms[-1] if terms and terms[-1]["ended"] is None else None,
        "bodies": _bodies(views, collective, at),
        "agenda": None
        if not versions
        else {
            "version": versions[-1].version,
            "decision": versions[-1].decision,
            "adopted": versions[-1].adopted.isoformat(),
            "outcomes": [o.code for o in versions[-1].text.outcomes],
        },
        "indicators": _indicators(views, collective, at),
        "latest_period": _latest_period(views, collective, at),
        "open_decisions": db.query(
            f"SELECT decision, body, title, proposed_on FROM {db.table('view_decisions')} "
            f"WHERE collective = ? AND outcome = 'open' AND {db.visible(at)} ORDER BY decision",
            [collective],
        ),
        "overdue": alignment(views, collective, at, today)["overdue"],
    }


def _members(views: Views, collective: str, at: int | None) -> list[dict[str, Any]]:
    db = views.db
    rows = db.query(
        "SELECT m.org, o.name, o.type, m.role, m.joined, m.left_on "
        f"FROM {db.table('view_members')} m JOIN {db.table('view_organisations')} o "
        f"ON o.org = m.org AND {db.visible(at, 'o')} "
        f"WHERE m.collective = ? AND {db.visible(at, 'm')}",
        [collective],
    )
    members = [
        {k: v for k, v in r.items() if k != "left_on"} | {"left": r["left_on"]} for r in rows
    ]
    return sorted(members, key=lambda r: r["org"])


def _bodies(views: Views, collective: str, at: int | None) -> list[dict[str, Any]]:
    db = views.db
    bodies = db.query(
        f"SELECT body, name, rule, quorum FROM {db.table('view_bodies')} "
        f"WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    seats = db.query(
        f"SELECT body, member, community FROM {db.table('view_seats')} "
        f"WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    for body in bodies:
        held = [s for s in seats if s["body"] == body["body"]]
        body["seats"] = len(held)
        body["community_seats"] = sum(1 for s in held if s["community"])
    return sorted(bodies, key=lambda b: b["body"])


def _indicators(views: Views, collective: str, at: int | None) -> list[dict[str, Any]]:
    found = []
    for indicator in indicator_views(views, collective, at):
        current = indicator.current
        found.append(
            {
                "code": indicator.code,
                "name": current.name,
                "unit": current.unit.value,
                "cadence": current.cadence.value,
                "version": indicator.versions[-1].number,
                "status": "retired" if indicator.retired else "active",
            }
        )
    return sorted(found, key=lambda i: i["code"])


def _latest_period(views: Views, collective: str, at: int | None) -> str | None:
    """The reporting period with the latest end among the values reported.

    The periods ever reported come from the values' key index alone (a table read of every
    value to check its validity took most of ``status --as-of`` on a large ledger); the
    latest of them that has a value true at ``at`` is the answer, usually the first tried.
    """
    db = views.db
    table = db.table("view_measure_values")
    rows = db.query(f"SELECT DISTINCT period FROM {table} WHERE collective = ?", [collective])
    if not rows:
        return None
    calendar, _ = settings_at(views, collective, at)
    periods = [parse_period(str(r["period"]), calendar) for r in rows]
    periods.sort(key=lambda p: (p.end, -p.start.toordinal()), reverse=True)
    for period in periods:
        held = db.query(
            f"SELECT 1 AS held FROM {table} WHERE collective = ? AND period = ? "
            f"AND {db.visible(at)} LIMIT 1",
            [collective, period.code],
        )
        if held:
            return period.code
    return None
