"""The DHIS2 codes a collective has set (``domain.dhis2``), as of any position.

One row per collective, kind and key while a code is set; a cleared mapping closes its row, so
the key maps to its default again from there on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from projections.engine import EventRecord, Projection, Writer

if TYPE_CHECKING:
    from projections.registry import Views

__all__ = ["DHIS2_MAP", "dhis2_codes"]

TABLE = "view_dhis2_map"

DHIS2_MAP = Projection(
    name="dhis2_map",
    schema=1,
    tables={
        TABLE: "collective TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, "
        "code TEXT NOT NULL",
    },
)


def _key(e: EventRecord) -> dict[str, Any]:
    return {"collective": e.meta["collective"], "kind": e.state["kind"], "key": e.state["key"]}


@DHIS2_MAP.on("Dhis2Mapping.MappingSet")
def _set(w: Writer, e: EventRecord) -> None:
    w.put(TABLE, _key(e), {"code": e.state["code"]}, e.position)


@DHIS2_MAP.on("Dhis2Mapping.MappingCleared")
def _cleared(w: Writer, e: EventRecord) -> None:
    w.close(TABLE, _key(e), e.position)


def dhis2_codes(views: Views, collective: str, at: int | None) -> dict[tuple[str, str], str]:
    """``(kind, key) -> code`` for every mapping the collective had set at ``at``."""
    db = views.db
    rows = db.query(
        f"SELECT kind, key, code FROM {db.table(TABLE)} WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    return {(str(r["kind"]), str(r["key"])): str(r["code"]) for r in rows}
