"""The register of decisions, read from the decisions view (``projections.decisions``).

Each decision with its body, outcome and dates, who consented, who objected and why, who stood
aside, and whether community seats took part: as recorded when the decision closed, and for a
decision still open, whether a community seat has taken a position so far.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from projections.registry import Views

__all__ = ["bodies", "decision_register", "require_body"]


def bodies(views: Views, collective: str, at: int | None) -> dict[str, str]:
    """The bodies of ``collective`` at ``at``: slug -> name."""
    db = views.db
    rows = db.query(
        f"SELECT body, name FROM {db.table('view_bodies')} "
        f"WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    return {r["body"]: r["name"] for r in sorted(rows, key=lambda r: str(r["body"]))}


def require_body(known: dict[str, str], body: str) -> None:
    """Refuse (``NotFound``) a body that is not among ``known``."""
    if body not in known:
        from domain.errors import NotFound

        hint = f"known: {', '.join(known)}" if known else "the collective has no bodies yet"
        raise NotFound("body", body, hint)


def decision_register(
    views: Views,
    collective: str,
    at: int | None,
    *,
    body: str | None = None,
    outcome: str | None = None,
) -> list[dict[str, Any]]:
    """Every decision (of ``body``, with ``outcome``, when given), by body, in the order tabled.

    Refused (``NotFound``) when ``body`` names no body of the collective at ``at``.
    """
    known = bodies(views, collective, at)
    if body is not None:
        require_body(known, body)
    db = views.db
    where, params = "", [collective]
    if body is not None:
        where += " AND body = ?"
        params.append(body)
    if outcome is not None:
        where += " AND outcome = ?"
        params.append(outcome)
    rows = db.query(
        "SELECT decision, body, title, rationale, affects, outcome, proposed_on, closed_on, "
        f"community_took_part FROM {db.table('view_decisions')} "
        f"WHERE collective = ? AND {db.visible(at)}{where}",
        params,
    )
    positions = _positions(views, collective, at)
    found = [_entry(row, known, positions.get(row["decision"], [])) for row in rows]
    return sorted(found, key=lambda d: (d["body"], _number(d["decision"])))


def _positions(views: Views, collective: str, at: int | None) -> dict[str, list[dict[str, Any]]]:
    db = views.db
    rows = db.query(
        "SELECT decision, member, stance, community, reason, taken_on "
        f"FROM {db.table('view_positions')} WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: str(r["member"])):
        found.setdefault(row["decision"], []).append(row)
    return found


def _entry(
    row: dict[str, Any], known: dict[str, str], taken: list[dict[str, Any]]
) -> dict[str, Any]:
    def who(stance: str) -> list[str]:
        return [p["member"] for p in taken if p["stance"] == stance]

    took_part = row["community_took_part"]
    return {
        "decision": row["decision"],
        "body": row["body"],
        "body_name": known.get(row["body"]),
        "title": row["title"],
        "rationale": row["rationale"],
        "affects": row["affects"].split(),
        "outcome": row["outcome"],
        "proposed_on": row["proposed_on"],
        "closed_on": row["closed_on"],
        "consented": who("consent"),
        "objected": [
            {"member": p["member"], "reason": p["reason"]} for p in taken if p["stance"] == "object"
        ],
        "stood_aside": who("stand-aside"),
        "community_seats": sorted(p["member"] for p in taken if p["community"]),
        "community_took_part": (
            bool(took_part) if took_part is not None else any(p["community"] for p in taken)
        ),
    }


def _number(ref: str) -> int:
    """``steering-12`` -> 12, so that decisions sort as they were tabled."""
    tail = ref.rpartition("-")[2]
    return int(tail) if tail.isdigit() else 0
