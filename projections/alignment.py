"""Mutually reinforcing activities as read: who does what, for which outcomes, and what is missing.

Activities are kept with their plan, state and latest progress; the indicator dictionary is kept
as the active indicators (a retired one drops out). The shared outcomes come from the current
version of the common agenda (``projections.agenda``), so a gap is an outcome of that version, or
an active indicator, that no active activity serves.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

import orjson

from projections.engine import EventRecord, Projection, Writer

if TYPE_CHECKING:
    from projections.registry import Views

__all__ = ["ALIGNMENT", "alignment"]

ALIGNMENT = Projection(
    name="alignment",
    schema=1,
    tables={
        "view_activities": "collective TEXT NOT NULL, activity TEXT NOT NULL, org TEXT NOT NULL, "
        "title TEXT NOT NULL, serves TEXT NOT NULL, starts TEXT, ends TEXT, "
        "depends_on TEXT NOT NULL, state TEXT NOT NULL, progress TEXT, progress_on TEXT, "
        "committed_on TEXT NOT NULL, closed_on TEXT",
        "view_alignment_indicators": "collective TEXT NOT NULL, code TEXT NOT NULL, "
        "name TEXT NOT NULL",
    },
)


# -- handlers ------------------------------------------------------------------------------------


def _key(e: EventRecord) -> dict[str, Any]:
    return {"collective": e.meta["collective"], "activity": e.state["activity"]}


def _plan(plan: dict[str, Any]) -> dict[str, Any]:
    term = plan.get("term") or {}
    return {
        "title": plan["title"],
        "serves": " ".join(plan["serves"]),
        "starts": term.get("start"),
        "ends": term.get("end"),
    }


@ALIGNMENT.on("Activity.Committed")
def _committed(w: Writer, e: EventRecord) -> None:
    w.put(
        "view_activities",
        _key(e),
        {
            "org": e.state["org"],
            **_plan(e.state["plan"]),
            "depends_on": " ".join(e.state["depends_on"]),
            "state": "active",
            "progress": None,
            "progress_on": None,
            "committed_on": e.meta["effective"],
            "closed_on": None,
        },
        e.position,
    )


@ALIGNMENT.on("Activity.ProgressReported")
def _progress(w: Writer, e: EventRecord) -> None:
    changes = {"progress": e.state["status"], "progress_on": e.meta["effective"]}
    w.update("view_activities", _key(e), changes, e.position)


@ALIGNMENT.on("Activity.Revised")
def _revised(w: Writer, e: EventRecord) -> None:
    w.update("view_activities", _key(e), _plan(e.state["plan"]), e.position)


@ALIGNMENT.on("Activity.Completed", "Activity.Dropped")
def _ended(w: Writer, e: EventRecord) -> None:
    state = "completed" if e.name == "Activity.Completed" else "dropped"
    changes = {"state": state, "closed_on": e.meta["effective"]}
    w.update("view_activities", _key(e), changes, e.position)


def _indicator(e: EventRecord) -> dict[str, Any]:
    return {"collective": e.meta["collective"], "code": e.state["code"]}


@ALIGNMENT.on("Indicator.Defined")
def _defined(w: Writer, e: EventRecord) -> None:
    name = e.state["definition"]["name"]
    w.put("view_alignment_indicators", _indicator(e), {"name": name}, e.position)


@ALIGNMENT.on("Indicator.Revised")
def _indicator_revised(w: Writer, e: EventRecord) -> None:
    if w.current("view_alignment_indicators", _indicator(e)) is not None:
        name = e.state["definition"]["name"]
        w.update("view_alignment_indicators", _indicator(e), {"name": name}, e.position)


@ALIGNMENT.on("Indicator.Retired")
def _retired(w: Writer, e: EventRecord) -> None:
    w.close("view_alignment_indicators", _indicator(e), e.position)


# -- the query -----------------------------------------------------------------------------------


def alignment(
    views: Views, collective: str, at: int | None, today: date, *, everything: bool = False
) -> dict[str, Any]:
    """Activities by organisation and by code served, gaps, dependencies and overdue commitments.

    ``today`` is the collective's local date at the moment asked about (an active activity whose
    end date is before it is overdue). Only active activities are listed unless ``everything``;
    gaps, dependencies' targets and overdue commitments always look at active activities only.
    """
    rows = _activities(views, collective, at)
    active = [r for r in rows if r["state"] == "active"]
    shown = rows if everything else active
    outcomes = _outcomes(views, collective, at)
    indicators = _indicators(views, collective, at)
    served = {code for r in active for code in r["serves"]}
    return {
        "collective": collective,
        "today": today.isoformat(),
        "activities": [_public(r) for r in shown],
        "by_organisation": _by_organisation(shown),
        "by_code": _by_code(shown, outcomes, indicators),
        "unserved": {
            "outcomes": [{"code": c, "title": t} for c, t in outcomes.items() if c not in served],
            "indicators": [
                {"code": c, "name": n} for c, n in indicators.items() if c not in served
            ],
        },
        "dependencies": _dependencies(shown, rows),
        "overdue": [found for r in active if (found := _overdue(r, today))],
    }


def _activities(views: Views, collective: str, at: int | None) -> list[dict[str, Any]]:
    db = views.db
    rows = db.query(
        "SELECT activity, org, title, serves, starts, ends, depends_on, state, progress, "
        f"progress_on, committed_on, closed_on FROM {db.table('view_activities')} "
        f"WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    rows.sort(key=lambda r: (r["org"], r["activity"]))  # in Python: collations differ
    for row in rows:
        row["serves"] = row["serves"].split()
        row["depends_on"] = row["depends_on"].split()
    return rows


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "activity": row["activity"],
        "org": row["org"],
        "title": row["title"],
        "serves": row["serves"],
        "start": row["starts"],
        "end": row["ends"],
        "state": row["state"],
        "progress": row["progress"],
        "depends_on": row["depends_on"],
    }


def _outcomes(views: Views, collective: str, at: int | None) -> dict[str, str]:
    """The shared outcomes of the agenda version current at ``at`` (none before an adoption)."""
    db = views.db
    rows = db.query(
        f"SELECT version, text FROM {db.table('view_agenda_versions')} "
        f"WHERE collective = ? AND {db.visible(at)} ORDER BY version DESC",
        [collective],
    )
    if not rows:
        return {}
    return {o["code"]: o["title"] for o in orjson.loads(rows[0]["text"])["outcomes"]}


def _indicators(views: Views, collective: str, at: int | None) -> dict[str, str]:
    db = views.db
    rows = db.query(
        f"SELECT code, name FROM {db.table('view_alignment_indicators')} "
        f"WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    return {r["code"]: r["name"] for r in sorted(rows, key=lambda r: str(r["code"]))}


def _by_organisation(shown: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: dict[str, list[str]] = defaultdict(list)
    for row in shown:
        found[row["org"]].append(row["activity"])
    return [{"org": org, "activities": found[org]} for org in sorted(found)]


def _by_code(
    shown: list[dict[str, Any]], outcomes: dict[str, str], indicators: dict[str, str]
) -> list[dict[str, Any]]:
    """Each code the activities serve: what it is, which activities and organisations serve it."""
    serving: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in shown:
        for code in row["serves"]:
            serving[code].append(row)

    def kind(code: str) -> tuple[int, str, str | None]:
        if code in outcomes:
            return 0, "outcome", outcomes[code]
        if code in indicators:
            return 1, "indicator", indicators[code]
        return 2, "unlisted", None

    found = []
    for code in sorted(serving, key=lambda c: (kind(c)[0], c)):
        _, what, title = kind(code)
        orgs = sorted({r["org"] for r in serving[code]})
        found.append(
            {
                "code": code,
                "kind": what,
                "title": title,
                "activities": [r["activity"] for r in serving[code]],
                "organisations": orgs,
                "overlap": len(orgs) > 1,
            }
        )
    return found


def _dependencies(shown: list[dict[str, Any]], every: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_slug = {r["activity"]: r for r in every}
    found = []
    for row in shown:
        for slug in row["depends_on"]:
            other = by_slug.get(slug)
            found.append(
                {
                    "activity": row["activity"],
                    "org": row["org"],
                    "depends_on": slug,
                    "depends_on_org": other["org"] if other else None,
                    "depends_on_state": other["state"] if other else None,
                }
            )
    return found


def _overdue(row: dict[str, Any], today: date) -> dict[str, Any] | None:
    ends = date.fromisoformat(row["ends"]) if row["ends"] else None
    past_end = ends is not None and ends < today
    late = row["progress"] == "late"
    if not (past_end or late):
        return None
    return {
        "activity": row["activity"],
        "org": row["org"],
        "title": row["title"],
        "end": row["ends"],
        "days_past_end": (today - ends).days if ends is not None and past_end else None,
        "reported_late_on": row["progress_on"] if late else None,
    }
