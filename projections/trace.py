"""``collective trace REF``: every event behind one thing, and the decisions behind them."""

from __future__ import annotations

from typing import Any

from domain.errors import NotFound
from projections.decision_register import counted_positions
from projections.log import wording
from projections.registry import Views

__all__ = ["REFERENCE_FORMS", "trace"]

REFERENCE_FORMS = (
    "indicator:CODE, value:CODE/ORG/PERIOD, agenda, agreement:SLUG, activity:SLUG, "
    "decision:ID, org:SLUG, body:SLUG, backbone, funding:ID, feedback:ID, period:PERIOD"
)


def trace(views: Views, collective: str, ref: str, at: int | None) -> dict[str, Any]:
    """The events whose subject is ``ref`` (in log order, up to position ``at``), each with the
    decisions it names as its authority, and those decisions with the positions that count on
    them (as in the register of decisions)."""
    db = views.db
    ref = ref.strip()
    limit = "" if at is None else f" AND position <= {int(at)}"
    events = db.query(
        "SELECT position, recorded_at, actor, event "
        f"FROM {db.table('view_log')} WHERE subject = ? AND (collective = ? OR collective IS NULL)"
        f"{limit} ORDER BY position",
        [ref, collective],
    )
    if not events:
        raise NotFound("reference", ref, f"nothing recorded under it; use {REFERENCE_FORMS}")
    worded = wording(views.app, [e["position"] for e in events])
    for event in events:
        shown = worded[event["position"]]
        event.update(
            effective=shown.effective,
            reason=shown.reason,
            summary=shown.summary,
            authorised_by=shown.authorities,
        )
    refs = list(dict.fromkeys(r for e in events for r in e["authorised_by"]))
    return {
        "ref": ref,
        "events": events,
        "decisions": [_decision(views, collective, r, at) for r in refs],
    }


def _decision(views: Views, collective: str, ref: str, at: int | None) -> dict[str, Any]:
    db = views.db
    rows = db.query(
        "SELECT decision, body, title, rationale, outcome, proposed_on, closed_on, "
        f"community_took_part FROM {db.table('view_decisions')} WHERE collective = ? AND "
        f"decision = ? AND {db.visible(at)}",
        [collective, ref],
    )
    if not rows:
        return {"decision": ref, "outcome": "unknown"}
    found = rows[0]
    found["community_took_part"] = _bool(found["community_took_part"])
    found["positions"] = counted_positions(views, collective, at, ref).get(ref, [])
    return found


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)
