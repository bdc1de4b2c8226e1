"""The ``result`` elements of the IATI export: one per indicator, with its baseline, and per
period its targets and the collective's actual values, in total and by each dimension.

Actual values are the collective's figures as ``collective progress`` computes them
(``projections.progress.points``): a quarter's total, and per category of each dimension (an old
cell read under the current version keeps its merged category, ``6-10+11-14``). Numbers are
written exactly (decimal text). Periods are those with a value or a target: a target for a
fiscal year is a period of its own, spanning that year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, SubElement

from projections.measurement import IndicatorView, Reported, TargetView

if TYPE_CHECKING:
    from domain.periods import Calendar, Period

__all__ = ["MEASURE", "SUPPRESSED", "Actual", "actuals", "result"]

MEASURE = {"count": "1", "percent": "2", "currency": "1", "ratio": "1", "qualitative": "5"}
"""IATI IndicatorMeasure: 1 unit, 2 percentage, 5 qualitative (money and ratios are units)."""

SUPPRESSED = (
    "suppressed: a count below the small-cell threshold, or one it could be worked out from"
)
"""The comment of an ``actual`` whose value is withheld."""

SDG_VOCABULARY = "9"
"""IATI IndicatorVocabulary 9: UN Sustainable Development Goals indicators."""


@dataclass(frozen=True)
class Actual:
    """The collective's figure for one period: the total (no dimension) or one category."""

    period: str
    dimension: str | None
    category: str | None
    value: Decimal | None
    text: str | None
    suppressed: bool = False


def _number(value: Decimal) -> str:
    return format(value, "f")


def _narrative(parent: Element, tag: str, text: str) -> Element:
    element = SubElement(parent, tag)
    SubElement(element, "narrative").text = text
    return element


def actuals(
    indicator: IndicatorView, reported: Sequence[Reported], calendar: Calendar
) -> list[Actual]:
    """The indicator's totals and, for each of its current dimensions, its figures by category."""
    from projections.progress import points

    found = [
        Actual(p.period.code, None, None, p.figure.value, p.figure.text)
        for p in points(indicator, reported, calendar, None)
    ]
    for dimension in indicator.current.dimensions:
        found += [
            Actual(p.period.code, dimension.name, p.category, p.figure.value, p.figure.text)
            for p in points(indicator, reported, calendar, dimension.name)
        ]
    return found


def result(
    parent: Element,
    indicator: IndicatorView,
    reported: Sequence[Reported],
    targets: Sequence[TargetView],
    calendar: Calendar,
    threshold: int,
) -> Element:
    """Add ``<result type="2">`` (outcome) for ``indicator`` to ``parent``."""
    from domain.periods import parse_period

    current = indicator.current
    element = SubElement(parent, "result", {"type": "2"})
    _narrative(element, "title", current.name)
    measure = MEASURE[current.unit.value]
    attributes = {"measure": measure}
    if measure != "5":
        attributes["ascending"] = "1" if current.direction.value == "up" else "0"
    node = SubElement(element, "indicator", attributes)
    _narrative(node, "title", f"{indicator.code}: {current.name}")
    if current.definition:
        _narrative(node, "description", current.definition)
    for sdg in current.sdg:
        SubElement(node, "reference", {"vocabulary": SDG_VOCABULARY, "code": sdg})
    if current.baseline is not None:
        _baseline(
            node, current.baseline.period, current.baseline.value, current.baseline.text, calendar
        )
    figures = _protected(
        indicator, reported, actuals(indicator, reported, calendar), calendar, threshold
    )
    codes = {a.period for a in figures} | {t.period for t in targets}
    for period in sorted(parse_period(code, calendar) for code in codes):
        _period(
            node,
            period,
            [t for t in targets if t.period == period.code],
            [a for a in figures if a.period == period.code],
        )
    return element


def _baseline(
    node: Element, period_code: str, value: Decimal | None, text: str | None, calendar: Calendar
) -> None:
    from domain.periods import parse_period

    period = parse_period(period_code, calendar)
    attributes = {"year": str(period.start.year), "iso-date": period.start.isoformat()}
    if value is not None:
        attributes["value"] = _number(value)
    baseline = SubElement(node, "baseline", attributes)
    if text:
        _narrative(baseline, "comment", text)


def _period(
    node: Element, period: Period, targets: Sequence[TargetView], figures: Sequence[Actual]
) -> None:
    element = SubElement(node, "period")
    SubElement(element, "period-start", {"iso-date": period.start.isoformat()})
    SubElement(element, "period-end", {"iso-date": period.end.isoformat()})
    for target in sorted(targets, key=lambda t: (len(t.cell), t.cell)):
        _measured(element, "target", target.cell, target.value, target.text, False)
    for figure in figures:
        _measured(element, "actual", _cell(figure), figure.value, figure.text, figure.suppressed)


def _measured(
    parent: Element,
    tag: str,
    cell: Sequence[tuple[str, str]],
    value: Decimal | None,
    text: str | None,
    suppressed: bool,
) -> None:
    """A ``target`` or ``actual``: @value, a ``dimension`` per pair of the cell, and a comment
    for a qualitative text or a suppressed figure."""
    attributes = {} if value is None or suppressed else {"value": _number(value)}
    element = SubElement(parent, tag, attributes)
    for name, category in cell:
        SubElement(element, "dimension", {"name": name, "value": category})
    if suppressed:
        _narrative(element, "comment", SUPPRESSED)
    elif value is None and text:
        _narrative(element, "comment", text)


def _protected(
    indicator: IndicatorView,
    reported: Sequence[Reported],
    figures: list[Actual],
    calendar: Calendar,
    threshold: int,
) -> list[Actual]:
    """``figures`` with those the small-cell threshold withholds marked ``suppressed``."""
    from projections.exports.screening import withheld_figures

    cells: dict[str, list[Reported]] = {}
    for cell in reported:
        if cell.code == indicator.code and cell.effective:
            cells.setdefault(cell.period, []).append(cell)
    by_period: dict[str, list[int]] = {}
    for n, figure in enumerate(figures):
        by_period.setdefault(figure.period, []).append(n)
    marked = list(figures)
    for period, members in by_period.items():
        published = [_cell(figures[n]) for n in members]
        hidden = withheld_figures(indicator, cells.get(period, []), calendar, threshold, published)
        for k in hidden:
            marked[members[k]] = replace(figures[members[k]], suppressed=True)
    return marked


def _cell(figure: Actual) -> tuple[tuple[str, str], ...]:
    return () if figure.dimension is None else ((figure.dimension, str(figure.category)),)
