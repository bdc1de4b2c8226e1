"""Shared measurement as read: indicators with every definition version, targets, and the values
partners reported, cell by cell, with where each stands in review.

One row per value cell (``view_measure_values``), keyed by collective, indicator, organisation,
period and cell; a correction, a retraction or a review changes that row (as a new temporal row),
so "the effective value" is simply the row visible at a position whose status is not
``retracted``. Values keep the definition version they were reported under: they are read under
the current version (:func:`domain.measurement.map_cell`) when a report asks, with the versions
the ledger knew at that position, so an ``--as-of`` before a revision reads them as they were.

Decimals are stored as their exact text and cells as compact JSON (``[["age","6-14"]]``).
The reports built on these rows are in ``projections.progress`` and ``projections.completeness``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson

from projections.bulk import Bulk
from projections.engine import EventRecord, Projection, Writer

if TYPE_CHECKING:
    from domain.measurement import Cell, Definition, Group, Version
    from projections.registry import Views

__all__ = [
    "MEASUREMENT",
    "IndicatorView",
    "Reported",
    "Settings",
    "TargetView",
    "closures",
    "current_members",
    "indicator_views",
    "reported_values",
    "settings",
    "target_views",
]

INDICATORS = "view_measure_indicators"
VERSIONS = "view_measure_versions"
TARGETS = "view_measure_targets"
VALUES = "view_measure_values"
CLOSURES = "view_measure_closures"

MEASUREMENT = Projection(
    name="measurement",
    schema=2,  # 2: the values have no index on valid_to
    tables={
        INDICATORS: "collective TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL, "
        "unit TEXT NOT NULL, currency TEXT, direction TEXT NOT NULL, cadence TEXT NOT NULL, "
        "aggregation TEXT NOT NULL, version INTEGER NOT NULL, defined_at BIGINT NOT NULL, "
        "retired TEXT, retired_on TEXT",
        VERSIONS: "collective TEXT NOT NULL, code TEXT NOT NULL, version INTEGER NOT NULL, "
        "definition TEXT NOT NULL, mapping TEXT NOT NULL, decision TEXT",
        TARGETS: "collective TEXT NOT NULL, code TEXT NOT NULL, period TEXT NOT NULL, "
        "cell TEXT NOT NULL, value TEXT, text TEXT, version INTEGER NOT NULL",
        VALUES: "collective TEXT NOT NULL, code TEXT NOT NULL, org TEXT NOT NULL, "
        "period TEXT NOT NULL, cell TEXT NOT NULL, version INTEGER NOT NULL, value TEXT, "
        "text TEXT, status TEXT NOT NULL, comment TEXT, submitted_at BIGINT NOT NULL, "
        "changed_at BIGINT NOT NULL",
        CLOSURES: "collective TEXT NOT NULL, period TEXT NOT NULL, decision TEXT NOT NULL",
    },
    indexes=(
        f"CREATE INDEX IF NOT EXISTS {VALUES}_key ON {{{VALUES}}} "
        "(collective, code, org, period, cell)",
        f"CREATE INDEX IF NOT EXISTS {TARGETS}_key ON {{{TARGETS}}} (collective, code, period)",
    ),
    # a value is looked up by its key, and lists of values name the collective (a value row
    # closes only when the value is corrected, reviewed or retracted)
    keyed=frozenset({VALUES}),
)

_REVIEWED = {"approve": "approved", "query": "queried", "return": "returned"}

MEASUREMENT.bulk = {
    # The same rows as ``_submitted`` below, projected by the database in a full rebuild.
    "Report.ValueSubmitted": Bulk(
        VALUES,
        ("meta.collective", "code", "org", "period", "cell", "version", "value", "text"),
        "SELECT e.meta_collective, e.code, e.org, e.period, e.cell, e.version, e.value, e.text, "
        "'submitted', NULL, e.rowid, e.rowid, e.rowid, NULL FROM {e}",
    ),
}


def _cell_text(cell: Sequence[Sequence[str]]) -> str:
    """A cell as stored: compact JSON of its sorted ``[dimension, category]`` pairs."""
    return orjson.dumps([list(pair) for pair in cell]).decode("utf-8")


def _indicator(e: EventRecord) -> dict[str, Any]:
    return {"collective": e.meta["collective"], "code": e.state["code"]}


def _described(definition: dict[str, Any], version: int) -> dict[str, Any]:
    return {
        "name": definition["name"],
        "unit": definition["unit"],
        "currency": definition.get("currency"),
        "direction": definition["direction"],
        "cadence": definition["cadence"],
        "aggregation": definition["aggregation"],
        "version": version,
    }


def _version(w: Writer, e: EventRecord, number: int, mapping: Any, decision: Any) -> None:
    w.put(
        VERSIONS,
        {**_indicator(e), "version": number},
        {
            "definition": orjson.dumps(e.state["definition"]).decode("utf-8"),
            "mapping": orjson.dumps(mapping).decode("utf-8"),
            "decision": decision,
        },
        e.position,
    )


@MEASUREMENT.on("Indicator.Defined")
def _defined(w: Writer, e: EventRecord) -> None:
    values = {
        **_described(e.state["definition"], 1),
        "defined_at": e.position,
        "retired": None,
        "retired_on": None,
    }
    w.put(INDICATORS, _indicator(e), values, e.position)
    _version(w, e, 1, [], None)


@MEASUREMENT.on("Indicator.Revised")
def _revised(w: Writer, e: EventRecord) -> None:
    number = int(e.state["version"])
    w.update(INDICATORS, _indicator(e), _described(e.state["definition"], number), e.position)
    _version(w, e, number, e.state["mapping"], e.state["decision"])


@MEASUREMENT.on("Indicator.TargetSet", "Indicator.TargetRevised")
def _target(w: Writer, e: EventRecord) -> None:
    s = e.state
    w.put(
        TARGETS,
        {**_indicator(e), "period": s["period"], "cell": _cell_text(s["cell"])},
        {"value": s["value"], "text": s["text"], "version": s["version"]},
        e.position,
    )


@MEASUREMENT.on("Indicator.Retired")
def _retired(w: Writer, e: EventRecord) -> None:
    changes = {"retired": e.state["decision"], "retired_on": e.meta["effective"]}
    w.update(INDICATORS, _indicator(e), changes, e.position)


def _value_key(e: EventRecord, cell: Sequence[Sequence[str]]) -> dict[str, Any]:
    s = e.state
    return {
        "collective": e.meta["collective"],
        "code": s["code"],
        "org": s["org"],
        "period": s["period"],
        "cell": _cell_text(cell),
    }


@MEASUREMENT.on("Report.ValueSubmitted")
def _submitted(w: Writer, e: EventRecord) -> None:
    s = e.state
    values = {
        "version": s["version"],
        "value": s["value"],
        "text": s["text"],
        "status": "submitted",
        "comment": None,
        "submitted_at": e.position,
        "changed_at": e.position,
    }
    # A cell's first value: the domain refuses a second submission (even after a retraction),
    # so there is no earlier row to close.
    w.insert(VALUES, _value_key(e, s["cell"]), values, e.position)


@MEASUREMENT.on("Report.ValueCorrected")
def _corrected(w: Writer, e: EventRecord) -> None:
    s = e.state
    changes = {
        "value": s["value"],
        "text": s["text"],
        "status": "corrected",
        "comment": None,
        "changed_at": e.position,
    }
    w.update(VALUES, _value_key(e, s["cell"]), changes, e.position)


@MEASUREMENT.on("Report.ValueRetracted")
def _retracted(w: Writer, e: EventRecord) -> None:
    changes = {"status": "retracted", "comment": None}
    w.update(VALUES, _value_key(e, e.state["cell"]), changes, e.position)


@MEASUREMENT.on("Report.ValueReviewed")
def _reviewed(w: Writer, e: EventRecord) -> None:
    changes = {"status": _REVIEWED[e.state["action"]], "comment": e.state["comment"]}
    for cell in e.state["cells"]:
        w.update(VALUES, _value_key(e, cell), changes, e.position)


@MEASUREMENT.on("ReportingPeriod.Closed")
def _closed(w: Writer, e: EventRecord) -> None:
    key = {"collective": e.meta["collective"], "period": e.state["period"]}
    w.put(CLOSURES, key, {"decision": e.state["decision"]}, e.position)


# Reading the rows back -------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What the reports need of a collective: its calendar and time zone."""

    calendar: str
    timezone: str


@dataclass(frozen=True)
class IndicatorView:
    """An indicator as the ledger knew it at a position: every version up to then."""

    code: str
    versions: tuple[Version, ...]
    retired: str | None
    retired_on: date | None
    defined_at: int

    @property
    def current(self) -> Definition:
        return self.versions[-1].definition

    def group(self, version: int, cell: Cell) -> Group:
        """A cell reported under ``version``, read under the current version."""
        from domain.measurement import map_cell

        return map_cell(self.versions, version, cell)


@dataclass(frozen=True)
class TargetView:
    code: str
    period: str
    cell: Cell
    value: Decimal | None
    text: str | None


@dataclass(frozen=True)
class Reported:
    """One value cell of a report, as it stands."""

    code: str
    org: str
    period: str
    cell: Cell
    version: int
    value: Decimal | None
    text: str | None
    status: str
    comment: str | None
    submitted_at: int
    """The position of its first submission (which cell an organisation reported first)."""
    changed_at: int
    """The position of its last submission or correction."""

    @property
    def effective(self) -> bool:
        return self.status != "retracted"


def _cell(text: str) -> Cell:
    return tuple((str(d), str(c)) for d, c in orjson.loads(text))


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def settings(views: Views, collective: str, at: int | None) -> Settings:
    """The collective's calendar and time zone (from the roster)."""
    db = views.db
    rows = db.query(
        f"SELECT calendar, timezone FROM {db.table('view_collectives')} "
        f"WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    if not rows:
        from domain.errors import NotFound

        raise NotFound("collective", collective)
    return Settings(calendar=rows[0]["calendar"], timezone=rows[0]["timezone"])


def current_members(views: Views, collective: str, at: int | None) -> list[str]:
    """The organisations that were members (and had not left) at ``at``."""
    db = views.db
    rows = db.query(
        f"SELECT org FROM {db.table('view_members')} "
        f"WHERE collective = ? AND left_on IS NULL AND {db.visible(at)} ORDER BY org",
        [collective],
    )
    return [str(row["org"]) for row in rows]


def indicator_views(
    views: Views, collective: str, at: int | None, code: str | None = None
) -> list[IndicatorView]:
    """The collective's indicators at ``at``, in the order they were defined (or the one named)."""
    from domain.measurement import Version, check_code

    db = views.db
    where, params = "collective = ?", [collective]
    if code is not None:
        where, params = f"{where} AND code = ?", [*params, check_code(code)]
    heads = db.query(
        f"SELECT code, retired, retired_on, defined_at FROM {db.table(INDICATORS)} "
        f"WHERE {where} AND {db.visible(at)} ORDER BY defined_at",
        params,
    )
    if code is not None and not heads:
        from domain.errors import NotFound

        raise NotFound(
            "indicator", check_code(code), "define it first with `collective indicator define`"
        )
    versions: dict[str, list[Version]] = {}
    for row in db.query(
        f"SELECT code, version, definition, mapping, decision FROM {db.table(VERSIONS)} "
        f"WHERE {where} AND {db.visible(at)} ORDER BY code, version",
        params,
    ):
        versions.setdefault(row["code"], []).append(
            Version.model_validate(
                {
                    "number": row["version"],
                    "definition": orjson.loads(row["definition"]),
                    "mapping": orjson.loads(row["mapping"]),
                    "decision": row["decision"],
                }
            )
        )
    return [
        IndicatorView(
            code=row["code"],
            versions=tuple(versions[row["code"]]),
            retired=row["retired"],
            retired_on=date.fromisoformat(row["retired_on"]) if row["retired_on"] else None,
            defined_at=int(row["defined_at"]),
        )
        for row in heads
    ]


def target_views(
    views: Views, collective: str, at: int | None, code: str | None = None
) -> list[TargetView]:
    db = views.db
    where, params = "collective = ?", [collective]
    if code is not None:
        where, params = f"{where} AND code = ?", [*params, code]
    rows = db.query(
        f"SELECT code, period, cell, value, text FROM {db.table(TARGETS)} "
        f"WHERE {where} AND {db.visible(at)} ORDER BY code, period, cell",
        params,
    )
    return [
        TargetView(
            code=row["code"],
            period=row["period"],
            cell=_cell(row["cell"]),
            value=_decimal(row["value"]),
            text=row["text"],
        )
        for row in rows
    ]


def reported_values(
    views: Views, collective: str, at: int | None, code: str | None = None
) -> list[Reported]:
    """Every value cell reported (retracted ones too), in the order they were first submitted."""
    db = views.db
    where, params = "collective = ?", [collective]
    if code is not None:
        where, params = f"{where} AND code = ?", [*params, code]
    rows = db.query(
        "SELECT code, org, period, cell, version, value, text, status, comment, submitted_at, "
        f"changed_at FROM {db.table(VALUES)} WHERE {where} AND {db.visible(at)} "
        "ORDER BY submitted_at",
        params,
    )
    return [
        Reported(
            code=row["code"],
            org=row["org"],
            period=row["period"],
            cell=_cell(row["cell"]),
            version=int(row["version"]),
            value=_decimal(row["value"]),
            text=row["text"],
            status=row["status"],
            comment=row["comment"],
            submitted_at=int(row["submitted_at"]),
            changed_at=int(row["changed_at"]),
        )
        for row in rows
    ]


def closures(views: Views, collective: str, at: int | None) -> dict[str, str]:
    """The closed periods of the collective at ``at``, each with the decision that closed it."""
    db = views.db
    rows = db.query(
        f"SELECT period, decision FROM {db.table(CLOSURES)} "
        f"WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    return {str(row["period"]): str(row["decision"]) for row in rows}
