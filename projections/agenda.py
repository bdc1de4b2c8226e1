"""The common agenda as read: every version whole; agreements with their signatures; backbone terms.

Each agenda version is stored with its text as the JSON the event carried, so a version read back
is exactly the version that was adopted, and two versions compare with ``domain.agenda.compare``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from projections.engine import EventRecord, Projection, Writer

if TYPE_CHECKING:
    from domain.agenda import AgendaDiff, AgendaVersion
    from projections.registry import Views

__all__ = [
    "AGENDA",
    "agenda_diff",
    "agenda_version",
    "agenda_versions",
    "agreements",
    "backbone_terms",
]

AGENDA = Projection(
    name="agenda",
    schema=1,
    tables={
        "view_agenda_versions": "collective TEXT NOT NULL, version INTEGER NOT NULL, "
        "decision TEXT NOT NULL, adopted TEXT NOT NULL, recorded_at TEXT NOT NULL, "
        "text TEXT NOT NULL",
        "view_agreements": "collective TEXT NOT NULL, agreement TEXT NOT NULL, kind TEXT NOT NULL, "
        "parties TEXT NOT NULL, terms_version INTEGER NOT NULL, in_force INTEGER, "
        "drafted_on TEXT NOT NULL, in_force_on TEXT, terminated_on TEXT",
        "view_signatures": "collective TEXT NOT NULL, agreement TEXT NOT NULL, "
        "party TEXT NOT NULL, terms_version INTEGER NOT NULL, signatory TEXT NOT NULL, "
        "signed_on TEXT NOT NULL",
        "view_backbone_terms": "collective TEXT NOT NULL, term INTEGER NOT NULL, "
        "org TEXT NOT NULL, decision TEXT NOT NULL, functions TEXT NOT NULL, "
        "began TEXT NOT NULL, ended TEXT",
    },
)


# -- handlers ------------------------------------------------------------------------------------


@AGENDA.on("Agenda.Adopted", "Agenda.AmendmentAdopted")
def _version(w: Writer, e: EventRecord) -> None:
    s = e.state
    w.put(
        "view_agenda_versions",
        {"collective": s["collective"], "version": int(s["version"])},
        {
            "decision": s["decision"],
            "adopted": e.meta["effective"],
            "recorded_at": e.recorded_at,
            "text": orjson.dumps(s["text"]).decode("utf-8"),
        },
        e.position,
    )


def _agreement(e: EventRecord) -> dict[str, Any]:
    return {"collective": e.meta["collective"], "agreement": e.state["agreement"]}


@AGENDA.on("Agreement.Drafted")
def _drafted(w: Writer, e: EventRecord) -> None:
    w.put(
        "view_agreements",
        _agreement(e),
        {
            "kind": e.state["kind"],
            "parties": " ".join(e.state["parties"]),
            "terms_version": 1,
            "in_force": None,
            "drafted_on": e.meta["effective"],
            "in_force_on": None,
            "terminated_on": None,
        },
        e.position,
    )


@AGENDA.on("Agreement.Signed")
def _signed(w: Writer, e: EventRecord) -> None:
    s = e.state
    w.put(
        "view_signatures",
        {**_agreement(e), "party": s["party"], "terms_version": int(s["terms_version"])},
        {"signatory": s["signatory"], "signed_on": e.meta["effective"]},
        e.position,
    )


@AGENDA.on("Agreement.EnteredIntoForce")
def _in_force(w: Writer, e: EventRecord) -> None:
    changes = {"in_force": int(e.state["terms_version"]), "in_force_on": e.meta["effective"]}
    w.update("view_agreements", _agreement(e), changes, e.position)


@AGENDA.on("Agreement.Amended")
def _amended(w: Writer, e: EventRecord) -> None:
    changes = {"terms_version": int(e.state["terms_version"])}
    w.update("view_agreements", _agreement(e), changes, e.position)


@AGENDA.on("Agreement.Terminated")
def _terminated(w: Writer, e: EventRecord) -> None:
    w.update("view_agreements", _agreement(e), {"terminated_on": e.meta["effective"]}, e.position)


@AGENDA.on("Backbone.Appointed", "Backbone.HandedOver")
def _backbone(w: Writer, e: EventRecord) -> None:
    collective = e.state["collective"]
    last = w.fetchone(
        f"SELECT MAX(term) AS term FROM {w.db.table('view_backbone_terms')} "
        "WHERE collective = ? AND valid_to IS NULL",
        [collective],
    )
    term = int(last["term"]) if last and last["term"] is not None else 0
    if term:
        key = {"collective": collective, "term": term}
        w.update("view_backbone_terms", key, {"ended": e.meta["effective"]}, e.position)
    w.put(
        "view_backbone_terms",
        {"collective": collective, "term": term + 1},
        {
            "org": e.state["org"],
            "decision": e.state["decision"],
            "functions": " ".join(e.state["functions"]),
            "began": e.meta["effective"],
            "ended": None,
        },
        e.position,
    )


# -- queries -------------------------------------------------------------------------------------


def agenda_versions(views: Views, collective: str, at: int | None) -> list[AgendaVersion]:
    """Every version of the common agenda the ledger held at position ``at``, oldest first.

    Refused (``NotFound``) when no agenda had been adopted by then.
    """
    from domain.agenda import AgendaText, AgendaVersion

    db = views.db
    rows = db.query(
        "SELECT version, decision, adopted, recorded_at, text "
        f"FROM {db.table('view_agenda_versions')} WHERE collective = ? AND {db.visible(at)} "
        "ORDER BY version",
        [collective],
    )
    if not rows:
        from domain.errors import NotFound

        raise NotFound(
            "common agenda", collective, "adopt one first with `collective agenda adopt`"
        )
    return [
        AgendaVersion(
            version=int(r["version"]),
            decision=r["decision"],
            adopted=r["adopted"],
            recorded_at=r["recorded_at"],
            text=AgendaText.model_validate(orjson.loads(r["text"])),
        )
        for r in rows
    ]


def agenda_version(
    views: Views, collective: str, at: int | None, number: int | None = None
) -> AgendaVersion:
    """Version ``number`` of the agenda at position ``at`` (the current one then when ``None``)."""
    found = agenda_versions(views, collective, at)
    if number is None:
        return found[-1]
    if not 1 <= number <= len(found):
        from domain.errors import NotFound

        raise NotFound("agenda version", str(number), f"the agenda has versions 1 to {len(found)}")
    return found[number - 1]


def agenda_diff(views: Views, collective: str, at: int | None, old: int, new: int) -> AgendaDiff:
    """What changed from version ``old`` to version ``new``, as the ledger held them at ``at``."""
    from domain.agenda import compare

    return compare(
        agenda_version(views, collective, at, old), agenda_version(views, collective, at, new)
    )


def agreements(views: Views, collective: str, at: int | None) -> list[dict[str, Any]]:
    """Each agreement with its status, the version in force and who signed the latest terms.

    Text is sorted in Python, not by the database, so that SQLite and PostgreSQL (whose
    collations may ignore hyphens) give the same order.
    """
    db = views.db
    rows = db.query(
        "SELECT agreement, kind, parties, terms_version, in_force, drafted_on, in_force_on, "
        f"terminated_on FROM {db.table('view_agreements')} "
        f"WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    signatures = db.query(
        "SELECT agreement, party, terms_version, signatory, signed_on "
        f"FROM {db.table('view_signatures')} WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    signatures.sort(key=lambda s: (s["signed_on"], s["party"]))
    found = []
    for row in sorted(rows, key=lambda r: str(r["agreement"])):
        latest = int(row["terms_version"])
        in_force = None if row["in_force"] is None else int(row["in_force"])
        signed = [
            {"party": s["party"], "signatory": s["signatory"], "signed_on": s["signed_on"]}
            for s in signatures
            if s["agreement"] == row["agreement"] and int(s["terms_version"]) == latest
        ]
        found.append(
            {
                "agreement": row["agreement"],
                "kind": row["kind"],
                "parties": row["parties"].split(),
                "status": _status(latest, in_force, row["terminated_on"]),
                "terms_version": latest,
                "in_force": in_force,
                "drafted_on": row["drafted_on"],
                "in_force_on": row["in_force_on"],
                "terminated_on": row["terminated_on"],
                "signed": signed,
            }
        )
    return found


def _status(latest: int, in_force: int | None, terminated: str | None) -> str:
    """As ``domain.agreement.Agreement.status`` words it."""
    if terminated is not None:
        return "terminated"
    if in_force == latest:
        return "in force"
    if in_force is None:
        return "awaiting signatures"
    return "amended, awaiting signatures"


def backbone_terms(views: Views, collective: str, at: int | None) -> list[dict[str, Any]]:
    """Every term a backbone served, oldest first (the last one open while it lasts)."""
    db = views.db
    rows = db.query(
        "SELECT term, org, decision, functions, began, ended "
        f"FROM {db.table('view_backbone_terms')} WHERE collective = ? AND {db.visible(at)} "
        "ORDER BY term",
        [collective],
    )
    return [
        {
            "term": int(r["term"]),
            "org": r["org"],
            "decision": r["decision"],
            "functions": r["functions"].split(),
            "began": r["began"],
            "ended": r["ended"],
        }
        for r in rows
    ]
