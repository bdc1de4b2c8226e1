"""The register of decisions, read from the decisions view (``projections.decisions``).

Each decision with its body, outcome and dates, who consented, who objected and why, who stood
aside, and whether community seats took part: as recorded when the decision closed, and for a
decision still open, whether a community seat has taken a position so far.

Only the positions that count are shown (:func:`counted_positions`): for a closed decision those
its ``Decision.Closed`` event counted, for an open one those of the members seated at the time
asked about. A member who took a position and then left its seat is not counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from projections.registry import Views

__all__ = [
    "bodies",
    "counted_positions",
    "decision_positions",
    "decision_register",
    "require_body",
]

_CLOSED_LISTS = {"consents": "consent", "objections": "object", "stood_aside": "stand-aside"}
"""The columns where a closed decision keeps the members counted, and the stance of each."""


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
    positions = counted_positions(views, collective, at)
    found = [_entry(row, known, positions.get(row["decision"], [])) for row in rows]
    return sorted(found, key=lambda d: (d["body"], _number(d["decision"])))


def counted_positions(
    views: Views, collective: str, at: int | None, decision: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """decision -> the positions that count on it at ``at`` (of ``decision`` only, when given),
    by member: ``member``, ``stance``, ``community``, ``reason``, ``taken_on``.

    A closed decision: the members its ``Decision.Closed`` event counted (those seated when it
    closed), with the stance recorded there. An open decision: the members seated on its body at
    ``at``; a withdrawn one: those seated when it was withdrawn. As the domain counts, a position
    of a member who left its seat counts again if the member is seated anew before the close.
    """
    db = views.db
    where, params = (
        ("", [collective]) if decision is None else (" AND decision = ?", [collective, decision])
    )
    decisions = {
        row["decision"]: row
        for row in db.query(
            "SELECT decision, body, outcome, consents, objections, stood_aside, valid_from "
            f"FROM {db.table('view_decisions')} WHERE collective = ? AND {db.visible(at)}{where}",
            params,
        )
    }
    positions = db.query(
        "SELECT decision, member, stance, community, reason, taken_on "
        f"FROM {db.table('view_positions')} WHERE collective = ? AND {db.visible(at)}{where}",
        params,
    )
    seats = _seat_terms(views, collective, at)
    found: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(positions, key=lambda r: str(r["member"])):
        held = decisions.get(row["decision"])
        stance = None if held is None else _counted_stance(held, row, seats, at)
        if stance is not None:
            entry = {k: v for k, v in row.items() if k != "decision"}
            entry.update(stance=stance, community=bool(row["community"]))
            found.setdefault(row["decision"], []).append(entry)
    return found


def decision_positions(
    views: Views, collective: str, at: int | None, decision: str
) -> dict[str, list[dict[str, Any]]]:
    """The positions on ``decision`` at ``at``, by member, each as :func:`counted_positions`
    gives them: ``counted``, those that count (as the register counts them), and
    ``not_counted``, the latest position of every other member who took one (a member who
    no longer held a seat when the decision closed or was withdrawn, or at ``at`` while open).
    """
    counted = counted_positions(views, collective, at, decision).get(decision, [])
    members = {p["member"] for p in counted}
    db = views.db
    rows = db.query(
        "SELECT member, stance, community, reason, taken_on "
        f"FROM {db.table('view_positions')} "
        f"WHERE collective = ? AND decision = ? AND {db.visible(at)}",
        [collective, decision],
    )
    others = [
        row | {"community": bool(row["community"])}
        for row in sorted(rows, key=lambda r: str(r["member"]))
        if row["member"] not in members
    ]
    return {"counted": counted, "not_counted": others}


_Terms = dict[tuple[str, str], list[tuple[int, int | None]]]


def _seat_terms(views: Views, collective: str, at: int | None) -> _Terms:
    """(body, member) -> the spans of log positions in which the member held a seat on the body,
    as known at ``at``."""
    db = views.db
    known = "" if at is None else f" AND valid_from <= {int(at)}"
    terms: _Terms = {}
    for row in db.query(
        f"SELECT body, member, valid_from, valid_to FROM {db.table('view_seats')} "
        f"WHERE collective = ?{known}",
        [collective],
    ):
        terms.setdefault((row["body"], row["member"]), []).append(
            (int(row["valid_from"]), row["valid_to"])
        )
    return terms


def _counted_stance(
    decision: dict[str, Any], position: dict[str, Any], seats: _Terms, at: int | None
) -> str | None:
    """The stance of ``position`` as counted on ``decision``, or ``None`` when it does not count."""
    if decision["consents"] is not None:  # closed: what the Closed event counted
        member = position["member"]
        for column, stance in _CLOSED_LISTS.items():
            if member in str(decision[column]).split():
                return stance
        return None
    when = at if decision["outcome"] == "open" else int(decision["valid_from"])
    terms = seats.get((decision["body"], position["member"]), [])
    seated = any(
        (start <= when and (end is None or end > when)) if when is not None else end is None
        for start, end in terms
    )
    return str(position["stance"]) if seated else None


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
