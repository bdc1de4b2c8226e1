"""Small-cell suppression for the DHIS2 and IATI exports, decided as the tables decide it.

For one count indicator and period, the figures are each organisation's effective cells (read
under the current definition) and, for an additive count (aggregation ``sum``), the collective's
total as ``collective progress`` computes it: the same figures the tables export protects
(``projections.exports.measures``, with ``projections.exports.privacy``), so every export
withholds the same cells and no export gives away what another withholds.

The IATI export also publishes the collective's figures by category: one goes whenever a
withheld cell is part of it (what is left is a sum of published cells, so it tells nothing new).
Only counts are protected; percentages, money and ratios pass as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from projections.exports.privacy import Figure, protect

if TYPE_CHECKING:
    from domain.measurement import Cell
    from domain.periods import Calendar
    from projections.measurement import IndicatorView, Reported

__all__ = ["withheld", "withheld_figures"]


def _read(indicator: IndicatorView, cell: Reported) -> Cell:
    """A reported cell under the current definition (a merged category as ``6-10+11-14``)."""
    return tuple((d, "+".join(c)) for d, c in indicator.group(cell.version, cell.cell))


def withheld(
    indicator: IndicatorView, cells: Sequence[Reported], calendar: Calendar, threshold: int
) -> tuple[set[int], bool]:
    """For one indicator and period: the positions of ``cells`` (the organisations' effective
    cells) to withhold, and whether the collective's total goes too."""
    current = indicator.current
    if current.unit.value != "count" or not any(
        c.cell and c.value is not None and c.value < threshold for c in cells
    ):
        return set(), False
    figures = [Figure(c.org, _read(indicator, c), c.value, c.version) for c in cells]
    if current.aggregation.value != "sum":
        # a mean, median or latest is no sum of the cells: the collective's figure goes with
        # any cell that goes (as the tables export decides)
        hidden = set(protect(figures, threshold))
        return hidden, bool(hidden)
    figures.append(Figure(None, (), _total(indicator, cells, calendar)))
    hidden = set(protect(figures, threshold))
    return {i for i in hidden if i < len(cells)}, len(cells) in hidden


def withheld_figures(
    indicator: IndicatorView,
    cells: Sequence[Reported],
    calendar: Calendar,
    threshold: int,
    published: Sequence[Cell],
) -> set[int]:
    """For one indicator and period: which of the collective's figures ``published`` (by cell:
    ``()`` the total, ``(("sex", "female"),)`` a category) to withhold.

    The cells are withheld as in every export (:func:`withheld`); a figure goes with the total
    when the total goes, and whenever a withheld cell is part of it. The figures left are sums
    of cells the other exports publish, so they tell nothing new.
    """
    hidden, total = withheld(indicator, cells, calendar, threshold)
    if not hidden and not total:
        return set()
    if indicator.current.aggregation.value != "sum":
        return set(range(len(published)))
    parts = [set(_read(indicator, cells[n])) for n in hidden]
    return {
        k
        for k, cell in enumerate(published)
        if (total if not cell else any(set(cell) <= part for part in parts))
    }


def _total(indicator: IndicatorView, cells: Sequence[Reported], calendar: Calendar) -> Decimal:
    from projections.progress import points

    [point] = points(indicator, cells, calendar, None)
    return point.figure.value or Decimal(0)
