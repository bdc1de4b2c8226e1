"""DHIS2 data value sets (JSON and CSV) of the values partners reported, for ``idScheme=CODE``.

One data value per effective value cell (corrections applied, retractions left out), read from
the measurement projection: the indicator is the data element, the period its DHIS2 code
(``2024Q1``, ``202403``, ``2024April``, ``2024July``), the organisation the org unit, the cell the
category option combo; codes come from the collective's DHIS2 mapping (``projections.dhis2_map``)
or their defaults (``domain.dhis2.default_code``). ``storedBy`` is the actor who recorded the value
(from the log index), ``comment`` the ledger reference and log position of the event behind it,
``followup`` true while the value is queried or returned.

A cell the mapping misses is refused (one line naming it) when the export is strict, or when the
collective has mapped some cells of that indicator but not this one. Values are written exactly as
recorded (decimal text, never a float).

Counts below the small-cell threshold, and the cells they could be worked out from, are left out
(``projections.exports.screening``, the same decision as the tables export): DHIS2 has no mark
for a withheld value, so the command says how many it withheld.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from projections.exports import ExportRequest, written_file
from projections.exports.privacy import DEFAULT_THRESHOLD
from projections.measurement import IndicatorView, Reported, indicator_views, reported_values

if TYPE_CHECKING:
    from domain.periods import Calendar, Period
    from projections.registry import Views

__all__ = [
    "CSV_COLUMNS",
    "JSON_FIELDS",
    "DataValue",
    "Dhis2Codes",
    "ValueSet",
    "data_values",
    "write_csv",
    "write_json",
]

JSON_FIELDS = (
    "dataElement",
    "period",
    "orgUnit",
    "categoryOptionCombo",
    "attributeOptionCombo",
    "value",
    "storedBy",
    "comment",
    "followup",
)
"""The fields of a data value in DHIS2's JSON, in this order."""

CSV_COLUMNS = (
    "dataelement",
    "period",
    "orgunit",
    "catoptcombo",
    "attroptcombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
)
"""DHIS2's CSV columns (positional: DHIS2 skips the header row)."""

_FOLLOW_UP = frozenset({"queried", "returned"})
_VALUE_EVENTS = ("Report.ValueSubmitted", "Report.ValueCorrected")


@dataclass(frozen=True)
class DataValue:
    """One DHIS2 data value."""

    data_element: str
    period: str
    org_unit: str
    category_option_combo: str
    attribute_option_combo: str
    value: str
    stored_by: str
    last_updated: str
    comment: str
    followup: bool

    def as_json(self) -> dict[str, Any]:
        values = (
            self.data_element,
            self.period,
            self.org_unit,
            self.category_option_combo,
            self.attribute_option_combo,
            self.value,
            self.stored_by,
            self.comment,
            self.followup,
        )
        return dict(zip(JSON_FIELDS, values, strict=True))

    def as_csv(self) -> list[str]:
        return [
            self.data_element,
            self.period,
            self.org_unit,
            self.category_option_combo,
            self.attribute_option_combo,
            self.value,
            self.stored_by,
            self.last_updated,
            self.comment,
            "true" if self.followup else "false",
        ]


class Dhis2Codes:
    """The DHIS2 code of each indicator, organisation and cell: set in the ledger, or default.

    ``strict``: every code must be set (data elements, org units and cells); otherwise a cell
    needs a code only when some other cell of its indicator has one.
    """

    def __init__(
        self, codes: dict[tuple[str, str], str], indicators: Sequence[IndicatorView], strict: bool
    ) -> None:
        from domain.dhis2 import MappingKind

        self.codes = codes
        self.strict = strict
        self.dimensions = {i.code: _dimension_order(i) for i in indicators}
        coc = MappingKind.CATEGORY_OPTION_COMBO.value
        self.mapped_cells = {key.partition("/")[0] for kind, key in codes if kind == coc}

    def code(self, kind: str, key: str, *, required: bool = False) -> str:
        from domain.dhis2 import MappingKind, default_code

        found = self.codes.get((kind, key))
        if found is not None:
            return found
        if required or self.strict:
            from domain.errors import RuleViolation

            raise RuleViolation(
                f"the DHIS2 mapping misses the {kind.replace('-', ' ')} of {key}: map it with "
                f"`collective export dhis2-map set {kind} {key} CODE`"
            )
        indicator = key.partition("/")[0]
        return default_code(MappingKind(kind), key, self.dimensions.get(indicator, ()))

    def data_element(self, code: str) -> str:
        return self.code("data-element", code)

    def org_unit(self, org: str) -> str:
        return self.code("org-unit", org)

    def attribute_option_combo(self, org: str) -> str:
        # DHIS2's ``default`` is the usual attribute option combo: never required.
        from domain.dhis2 import MappingKind, default_code

        kind = MappingKind.ATTRIBUTE_OPTION_COMBO
        return self.codes.get((kind.value, org)) or default_code(kind, org)

    def category_option_combo(self, code: str, cell: Sequence[tuple[str, str]]) -> str:
        from domain.dhis2 import cell_key

        key = cell_key(code, tuple(cell))
        return self.code("category-option-combo", key, required=code in self.mapped_cells)


def _dimension_order(indicator: IndicatorView) -> tuple[str, ...]:
    """The indicator's dimensions, current ones first, then those earlier versions had."""
    names: list[str] = []
    for version in reversed(indicator.versions):
        names += [d.name for d in version.definition.dimensions if d.name not in names]
    return tuple(names)


@dataclass(frozen=True)
class ValueSet:
    """The data values of an export (made as they are read), and how many cells were withheld."""

    values: Iterator[DataValue]
    withheld: int


def data_values(
    views: Views,
    collective: str,
    at: int | None,
    *,
    strict: bool = False,
    threshold: int = DEFAULT_THRESHOLD,
) -> ValueSet:
    """The collective's effective values as DHIS2 data values, in a stable order: indicator
    code, period, organisation, cell; without the counts the small-cell ``threshold`` withholds
    (``projections.exports.screening``: DHIS2 has no mark for a withheld value)."""
    from domain.errors import RuleViolation
    from domain.periods import Calendar, parse_period
    from projections.dhis2_map import dhis2_codes
    from projections.measurement import settings

    calendar = Calendar(settings(views, collective, at).calendar)
    indicators = indicator_views(views, collective, at)
    if not indicators:
        raise RuleViolation(
            f"{collective} has no indicators to export: define one with "
            "`collective indicator define`"
        )
    codes = Dhis2Codes(dhis2_codes(views, collective, at), indicators, strict)
    cells = [c for c in reported_values(views, collective, at) if c.effective]
    periods = {code: parse_period(code, calendar) for code in {c.period for c in cells}}
    cells.sort(key=lambda c: (c.code, periods[c.period], c.org, c.cell))
    kept = _protected(cells, {i.code: i for i in indicators}, calendar, threshold)
    made = _made(views, collective, kept, codes, periods, calendar)
    return ValueSet(made, len(cells) - len(kept))


def _protected(
    cells: list[Reported],
    indicators: dict[str, IndicatorView],
    calendar: Calendar,
    threshold: int,
) -> list[Reported]:
    """``cells`` (sorted by indicator and period) without those the threshold withholds."""
    from itertools import groupby

    from projections.exports.screening import withheld

    kept: list[Reported] = []
    for (code, _), group in groupby(cells, key=lambda c: (c.code, c.period)):
        members = list(group)
        hidden, _ = withheld(indicators[code], members, calendar, threshold)
        kept += [c for n, c in enumerate(members) if n not in hidden]
    return kept


def _made(
    views: Views,
    collective: str,
    cells: list[Reported],
    codes: Dhis2Codes,
    periods: dict[str, Period],
    calendar: Calendar,
) -> Iterator[DataValue]:
    from domain.periods import dhis2_code

    recorded = _recorded(views, collective)
    seen: dict[tuple[str, ...], str] = {}
    for cell in cells:
        ref = f"value:{cell.code}/{cell.org}/{cell.period}"
        actor, recorded_at = recorded[cell.changed_at]
        found = DataValue(
            data_element=codes.data_element(cell.code),
            period=dhis2_code(periods[cell.period], calendar),
            org_unit=codes.org_unit(cell.org),
            category_option_combo=codes.category_option_combo(cell.code, cell.cell),
            attribute_option_combo=codes.attribute_option_combo(cell.org),
            value=_value(cell),
            stored_by=actor,
            last_updated=recorded_at[:23] + "Z",
            comment=f"{ref} position {cell.changed_at}",
            followup=cell.status in _FOLLOW_UP,
        )
        _check_unique(found, seen)
        yield found


def _value(cell: Reported) -> str:
    """The value exactly as recorded: decimal text (never through a float), or the text."""
    return format(cell.value, "f") if cell.value is not None else (cell.text or "")


def _recorded(views: Views, collective: str) -> dict[int, tuple[str, str]]:
    """Who recorded each value event of the collective, and when (from the log index)."""
    db = views.db
    rows = db.query(
        f"SELECT position, actor, recorded_at FROM {db.table('view_log')} "
        f"WHERE collective = ? AND event IN (?, ?)",
        [collective, *_VALUE_EVENTS],
    )
    return {int(r["position"]): (str(r["actor"]), str(r["recorded_at"])) for r in rows}


def _check_unique(value: DataValue, seen: dict[tuple[str, ...], str]) -> None:
    """Refuse two values that DHIS2 would store as one (the second would overwrite the first)."""
    key = (
        value.data_element,
        value.period,
        value.org_unit,
        value.category_option_combo,
        value.attribute_option_combo,
    )
    earlier = seen.setdefault(key, value.comment)
    if earlier != value.comment:
        from domain.errors import RuleViolation

        raise RuleViolation(
            f"two values map to the same DHIS2 data value {'/'.join(key)}: {earlier} and "
            f"{value.comment}; give them different codes with `collective export dhis2-map set`"
        )


def _value_set(request: ExportRequest) -> ValueSet:
    options = request.options
    return data_values(
        request.views,
        request.collective,
        request.at,
        strict=bool(options.get("strict", False)),
        threshold=int(options.get("threshold", DEFAULT_THRESHOLD)),
    )


def write_json(request: ExportRequest) -> tuple[int, int]:
    """``{"dataValues": [...]}``, one data value per line; returns how many were written and
    how many withheld."""
    found = _value_set(request)
    count = 0
    with written_file(request.out) as temporary, temporary.open("wb") as out:
        out.write(b'{"dataValues": [')
        for value in found.values:
            out.write(b"\n  " if count == 0 else b",\n  ")
            out.write(orjson.dumps(value.as_json()))
            count += 1
        out.write(b"\n]}\n" if count else b"]}\n")
    return count, found.withheld


def write_csv(request: ExportRequest) -> tuple[int, int]:
    """DHIS2's CSV, with a header row (DHIS2 skips it); returns how many values were written
    and how many withheld."""
    found = _value_set(request)
    count = 0
    with (
        written_file(request.out) as temporary,
        temporary.open("w", encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for value in found.values:
            writer.writerow(value.as_csv())
            count += 1
    return count, found.withheld


def mapping_table(views: Views, collective: str, at: int | None) -> list[dict[str, str]]:
    """Every code an export would use: each indicator's data element, each reporting
    organisation's org unit and attribute option combo, each reported (or mapped) cell's
    category option combo; with where it comes from: ``set`` in the ledger, ``default``, or
    ``missing`` (a cell of an indicator whose other cells are mapped: the export refuses it)."""
    from domain.dhis2 import MappingKind, cell_key, split_cell_key
    from projections.dhis2_map import dhis2_codes

    indicators = indicator_views(views, collective, at)
    set_codes = dhis2_codes(views, collective, at)
    codes = Dhis2Codes(set_codes, indicators, strict=False)
    cells = [c for c in reported_values(views, collective, at) if c.effective]
    keys: dict[str, set[str]] = {kind.value: set() for kind in MappingKind}
    keys[MappingKind.DATA_ELEMENT] |= {i.code for i in indicators}
    keys[MappingKind.ORG_UNIT] |= {c.org for c in cells}
    keys[MappingKind.ATTRIBUTE_OPTION_COMBO] |= {c.org for c in cells}
    keys[MappingKind.CATEGORY_OPTION_COMBO] |= {cell_key(c.code, c.cell) for c in cells}
    for kind, key in set_codes:
        keys[kind].add(key)
    rows = []
    for kind in MappingKind:
        for key in sorted(keys[kind]):
            if (kind.value, key) in set_codes:
                rows.append(_row(kind, key, set_codes[kind.value, key], "set"))
                continue
            indicator = key.partition("/")[0]
            if kind is MappingKind.CATEGORY_OPTION_COMBO and indicator in codes.mapped_cells:
                rows.append(_row(kind, key, "", "missing"))
                continue
            if kind is MappingKind.CATEGORY_OPTION_COMBO:
                code = codes.category_option_combo(*split_cell_key(key))
            elif kind is MappingKind.ATTRIBUTE_OPTION_COMBO:
                code = codes.attribute_option_combo(key)
            else:
                code = codes.code(kind.value, key)
            rows.append(_row(kind, key, code, "default"))
    return rows


def _row(kind: str, key: str, code: str, source: str) -> dict[str, str]:
    return {"kind": str(kind), "key": key, "code": code, "source": source}
