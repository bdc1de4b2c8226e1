"""Progress and equity, computed from the measurement read model (``projections.measurement``).

What one organisation's value for a period is (its *figure*), from its effective cells
(corrections applied, retractions left out), each read under the current definition version:

- its total cell, when it reported one;
- otherwise the cells of ONE disaggregation: the one with the fewest dimensions and, among those,
  the first it reported by (all its ``sex`` cells; or all its ``age x sex`` cells when it reported
  only crossed cells). Where the indicator adds up across partners (aggregation ``sum``: counts,
  money spent) the cells add up too; otherwise (percentages, ratios, a median income) the
  cells' mean stands for the organisation; qualitative values take the one recorded last.
- by a dimension (``--by sex``): per category, the cells that carry the dimension, again from one
  disaggregation only (``sex`` alone when reported, else the first combination with ``sex``).

A cell reported under an older version keeps its own categories: an old ``age=6-14`` read after
the band was split is the merged category ``6-10+11-14``, never divided between ``6-10`` and
``11-14``. The organisations' figures then combine by the indicator's aggregation rule: ``sum``,
``mean``, ``median``, or ``latest`` (the figure recorded last).

Numbers are Decimals throughout; a mean, a median of two, a ratio or a percentage is rounded half
up to two decimal places (or to as many as the values have, when they have more).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from projections.measurement import (
    IndicatorView,
    Reported,
    TargetView,
    indicator_views,
    reported_values,
    settings,
    target_views,
)

if TYPE_CHECKING:
    from domain.measurement import Baseline, Cell
    from domain.periods import Calendar, Period
    from projections.registry import Views

__all__ = ["Figure", "Point", "equity", "points", "progress", "show"]

TOTAL = "total"


@dataclass(frozen=True)
class Figure:
    """A value (a number, or a text for qualitative indicators) and when it was last recorded."""

    value: Decimal | None
    text: str | None
    changed_at: int


@dataclass(frozen=True)
class Point:
    """The collective's figure for one indicator, period and category (``None``: the total)."""

    period: Period
    category: str | None
    figure: Figure
    organisations: int


# Arithmetic --------------------------------------------------------------------------------------


def show(number: Decimal | None) -> str | None:
    """A number as people read it: ``412``, ``54.5``, ``33.33`` (no exponent, no trailing 0)."""
    if number is None:
        return None
    if number == 0:
        return "0"
    return format(number.normalize(), "f")


def _places(numbers: Iterable[Decimal]) -> int:
    exponents = [int(n.as_tuple().exponent) for n in numbers]
    return max([2, *(-e for e in exponents)])


def _round(number: Decimal, places: int = 2) -> Decimal:
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _mean(numbers: Sequence[Decimal]) -> Decimal:
    return _round(sum(numbers, Decimal(0)) / len(numbers), _places(numbers))


def _median(numbers: Sequence[Decimal]) -> Decimal:
    ordered = sorted(numbers)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return _mean(ordered[middle - 1 : middle + 1])


def _divide(a: Decimal, b: Decimal, scale: int = 1) -> Decimal | None:
    """``a / b * scale`` rounded to two places; ``None`` when ``b`` is zero."""
    return None if b == 0 else _round(a / b * scale)


# From cells to an organisation's figures ---------------------------------------------------------


def _combine(unit: str, aggregation: str, cells: Sequence[Reported]) -> Figure:
    """One organisation's cells of one disaggregation, as one figure."""
    changed = max(c.changed_at for c in cells)
    if unit == "qualitative":
        last = max(cells, key=lambda c: c.changed_at)
        return Figure(None, last.text, changed)
    numbers = [c.value for c in cells if c.value is not None]
    if unit in ("percent", "ratio") or aggregation != "sum":
        return Figure(_mean(numbers), None, changed)
    return Figure(sum(numbers, Decimal(0)), None, changed)


def _figures(
    indicator: IndicatorView, cells: Sequence[Reported], by: str | None
) -> dict[str, Figure]:
    """One organisation's figures for a period: ``{"total": ...}``, or one per category of ``by``.

    ``cells`` are its effective cells in the order they were first submitted.
    """
    read = [(dict(indicator.group(c.version, c.cell)), c) for c in cells]
    if by is not None:
        read = [(group, c) for group, c in read if by in group]
    first: dict[frozenset[str], int] = {}
    for group, c in read:
        first.setdefault(frozenset(group), c.submitted_at)
    if not first:
        return {}
    chosen = min(first, key=lambda shape: (len(shape), first[shape]))
    buckets: dict[str, list[Reported]] = {}
    for group, c in read:
        if frozenset(group) == chosen:
            label = TOTAL if by is None else "+".join(group[by])
            buckets.setdefault(label, []).append(c)
    unit, aggregation = indicator.current.unit.value, indicator.current.aggregation.value
    return {label: _combine(unit, aggregation, found) for label, found in buckets.items()}


def _aggregate(rule: str, figures: Sequence[Figure]) -> Figure:
    """The organisations' figures combined by the indicator's rule."""
    changed = max(f.changed_at for f in figures)
    if rule == "latest" or any(f.value is None for f in figures):
        return max(figures, key=lambda f: f.changed_at)
    numbers = [f.value for f in figures if f.value is not None]
    if rule == "mean":
        return Figure(_mean(numbers), None, changed)
    if rule == "median":
        return Figure(_median(numbers), None, changed)
    return Figure(sum(numbers, Decimal(0)), None, changed)


def _category_order(
    indicator: IndicatorView, by: str | None
) -> Callable[[str], tuple[int, int, str]]:
    """Categories in the dimension's order; a merged group just before its first part."""
    order = () if by is None else indicator.current.dimension(by, indicator.code).categories

    def key(label: str) -> tuple[int, int, str]:
        parts = label.split("+")
        first = min(order.index(p) if p in order else len(order) for p in parts)
        return first, -len(parts), label

    return key


def points(
    indicator: IndicatorView, reported: Sequence[Reported], calendar: Calendar, by: str | None
) -> list[Point]:
    """The indicator's figure per period (and per category of ``by``), in period order."""
    from domain.periods import parse_period

    reports: dict[str, dict[str, list[Reported]]] = {}
    for cell in reported:
        if cell.code == indicator.code and cell.effective:
            reports.setdefault(cell.period, {}).setdefault(cell.org, []).append(cell)
    rule = indicator.current.aggregation.value
    order = _category_order(indicator, by)
    found: list[Point] = []
    for period_code in sorted(reports, key=lambda p: parse_period(p, calendar)):
        period = parse_period(period_code, calendar)
        per_org = {
            org: _figures(indicator, cells, by) for org, cells in reports[period_code].items()
        }
        labels = {label for figures in per_org.values() for label in figures}
        for label in sorted(labels, key=order):
            figures = [per_org[org][label] for org in sorted(per_org) if label in per_org[org]]
            category = None if by is None else label
            found.append(Point(period, category, _aggregate(rule, figures), len(figures)))
    return found


# Reports -----------------------------------------------------------------------------------------


def _chosen(
    views: Views, collective: str, at: int | None, code: str | None, by: str | None
) -> list[IndicatorView]:
    from domain.errors import RuleViolation

    found = indicator_views(views, collective, at, code)
    if by is None:
        return found
    if code is not None:
        found[0].current.dimension(by, found[0].code)  # refuses a dimension it does not have
        return found
    having = [i for i in found if by in {d.name for d in i.current.dimensions}]
    if not having:
        raise RuleViolation(f"no indicator of {collective} has a dimension {by!r}")
    return having


def target_for(
    targets: dict[tuple[str, Cell], TargetView], period: Period, cell: Cell, calendar: Calendar
) -> TargetView | None:
    """The target for ``period`` and ``cell``, else for the shortest period that encloses it."""
    from domain.reporting import enclosing_periods

    for candidate in sorted(
        enclosing_periods(period, calendar), key=lambda p: (p.end - p.start, p.code)
    ):
        found = targets.get((candidate.code, cell))
        if found is not None:
            return found
    return None


def percent_of_target(direction: str, value: Decimal | None, target: Decimal | None) -> Any:
    """The percent of the target reached: value / target x 100, or the inverse when lower is
    better; ``None`` without both."""
    if value is None or target is None:
        return None
    reached = _divide(value, target, 100) if direction == "up" else _divide(target, value, 100)
    return show(reached)


def progress(
    views: Views,
    collective: str,
    at: int | None,
    code: str | None = None,
    by: str | None = None,
) -> list[dict[str, Any]]:
    """Per indicator and period (and category of ``by``): the collective's value, the number
    of organisations reporting, the target (of the period or the period enclosing it), the
    baseline (on total rows) and the percent of the target reached (value / target x 100, or
    target / value x 100 when lower is better)."""
    from domain.periods import Calendar

    calendar = Calendar(settings(views, collective, at).calendar)
    chosen = _chosen(views, collective, at, code, by)
    one = chosen[0].code if code is not None else None
    reported = reported_values(views, collective, at, one)
    targets: dict[str, dict[tuple[str, Cell], TargetView]] = {}
    for t in target_views(views, collective, at, one):
        targets.setdefault(t.code, {})[t.period, t.cell] = t
    rows: list[dict[str, Any]] = []
    for indicator in chosen:
        current = indicator.current
        own = targets.get(indicator.code, {})
        baseline = current.baseline
        for point in points(indicator, reported, calendar, by):
            cell: Cell = () if point.category is None else ((str(by), point.category),)
            target = target_for(own, point.period, cell, calendar)
            value = point.figure.value
            rows.append(
                {
                    "indicator": indicator.code,
                    "name": current.name,
                    "period": point.period.code,
                    "dimension": by,
                    "category": point.category,
                    "value": show(value) if value is not None else point.figure.text,
                    "unit": current.unit_label,
                    "aggregation": current.aggregation.value,
                    "organisations": point.organisations,
                    "target": None if target is None else (show(target.value) or target.text),
                    "target_period": None if target is None else target.period,
                    "baseline": _baseline(baseline, point.category),
                    "baseline_period": None
                    if baseline is None or point.category is not None
                    else baseline.period,
                    "percent_of_target": percent_of_target(
                        current.direction.value, value, None if target is None else target.value
                    ),
                }
            )
    return rows


def _baseline(baseline: Baseline | None, category: str | None) -> str | None:
    if baseline is None or category is not None:
        return None
    return show(baseline.value) if baseline.value is not None else baseline.text


def equity(
    views: Views, collective: str, at: int | None, code: str, by: str
) -> list[dict[str, Any]]:
    """Per period, each category's value against the best-off category of ``by`` (the highest
    when higher is better, the lowest when lower is better): the ratio to it, the difference
    from it, and how that gap changed since the category's previous period (``widening``,
    ``closing`` or ``unchanged``)."""
    from domain.errors import RuleViolation
    from domain.periods import Calendar

    calendar = Calendar(settings(views, collective, at).calendar)
    [indicator] = _chosen(views, collective, at, code, by)
    current = indicator.current
    if current.unit.value == "qualitative":
        raise RuleViolation(f"{indicator.code} is qualitative: equity compares numbers")
    up = current.direction.value == "up"
    reported = reported_values(views, collective, at, indicator.code)
    by_period: dict[str, list[Point]] = {}
    for point in points(indicator, reported, calendar, by):
        by_period.setdefault(point.period.code, []).append(point)
    rows: list[dict[str, Any]] = []
    gaps: dict[str, Decimal] = {}
    for period_code, found in by_period.items():
        values = [p.figure.value for p in found if p.figure.value is not None]
        best = max(values) if up else min(values)
        leaders = [p.category for p in found if p.figure.value == best]
        for point in found:
            value = point.figure.value
            assert value is not None and point.category is not None
            difference = value - best
            gap, before = abs(difference), gaps.get(point.category)
            gaps[point.category] = gap
            change = None if before is None else gap - before
            rows.append(
                {
                    "indicator": indicator.code,
                    "dimension": by,
                    "direction": current.direction.value,
                    "period": period_code,
                    "category": point.category,
                    "value": show(value),
                    "organisations": point.organisations,
                    "best_off": leaders[0],
                    "ratio": show(_divide(value, best)),
                    "difference": show(difference),
                    "gap_change": show(change),
                    "trend": _trend(change),
                }
            )
    return rows


def _trend(change: Decimal | None) -> str | None:
    if change is None:
        return None
    if change > 0:
        return "widening"
    return "closing" if change < 0 else "unchanged"
