"""The values and progress tables: read from the measurement view page by page, protected.

The effective values (corrections applied, retractions left out) are read in one ordered pass
over ``view_measure_values`` (indicator, period, organisation, cell), a page at a time, so a
ledger of millions of values is exported in bounded memory. Each indicator and period is
protected on its own (``projections.exports.privacy``): the organisations' cells and the
collective's figure the progress table publishes for that period.

The collective's figure is computed here as ``projections.progress`` computes it (a test and a
check in :meth:`Measures.progress` hold the two together): for each organisation its total cell
or else the cells of one disaggregation (the fewest dimensions, the first reported), read under
the current definition; the organisations' figures combined by the indicator's rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from itertools import chain, groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import orjson

from projections.exports.privacy import Shape, protect_organisations
from projections.progress import percent_of_target

if TYPE_CHECKING:
    from domain.measurement import Cell
    from domain.periods import Period
    from projections.exports.tables import Source
    from projections.measurement import IndicatorView, TargetView

__all__ = ["PAGE", "Measures", "cell_text", "csv_field"]

PAGE = 5000
"""Rows read from the database at a time."""
_KEPT = 4096
"""Organisations' figures kept for reuse (bounded, so memory stays bounded)."""

_VALUES = "view_measure_values"
# code, period, org, cell, version, value, text, status, submitted_at, changed_at
Stored = Sequence[Any]


def cell_text(cell: Cell) -> str:
    """A cell as the exports write it: ``age=6-14,sex=female``, or ``total``."""
    return ",".join(f"{d}={c}" for d, c in cell) or "total"


class _Indicator:
    """What protecting and labelling one indicator's cells needs, with its cells read once."""

    def __init__(self, view: IndicatorView) -> None:
        current = view.current
        self.view = view
        self.unit = current.unit.value
        self.rule = current.aggregation.value
        self.counts = self.unit == "count"
        self.additive = self.counts and self.rule == "sum"
        self.direction = current.direction.value
        self._cells: dict[tuple[int, str], tuple[str, Cell, Cell, frozenset[str]]] = {}
        self._labels: dict[tuple[int, str], str] = {}
        self._reads: dict[tuple[int, str], Cell] = {}
        self._shapes: dict[tuple[int, str], frozenset[str]] = {}

    def cell(self, version: int, stored: str) -> tuple[str, Cell, Cell, frozenset[str]]:
        """A stored cell: its export label, the cell, the cell read under the current version
        (a merged category as ``6-10+11-14``) and that reading's dimensions."""
        key = (version, stored)
        found = self._cells.get(key)
        if found is None:
            cell: Cell = tuple((str(d), str(c)) for d, c in orjson.loads(stored))
            group = self.view.group(version, cell)
            read = tuple((d, "+".join(c)) for d, c in group)
            found = self._cells[key] = (cell_text(cell), cell, read, frozenset(d for d, _ in group))
        return found

    def reads(
        self, rows: Sequence[Stored]
    ) -> tuple[dict[tuple[int, str], Cell], dict[tuple[int, str], frozenset[str]]]:
        """Every ``(version, stored cell)`` of ``rows`` read under the current version, and the
        dimensions of that reading."""
        for row in rows:
            key = (row[4], row[3])
            if key not in self._reads:
                _, _, self._reads[key], self._shapes[key] = self.cell(*key)
        return self._reads, self._shapes

    def labels(self, rows: Sequence[Stored]) -> dict[tuple[int, str], str]:
        """The export label of every ``(version, stored cell)`` of ``rows``."""
        for row in rows:
            if (row[4], row[3]) not in self._labels:
                self._labels[row[4], row[3]] = self.cell(row[4], row[3])[0]
        return self._labels


def csv_field(text: str) -> str:
    """``text`` as the csv module writes a field (quoted only when it must be)."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tuples(page: list[Any]) -> list[Any]:
    """Rows as tuples, whatever the driver gives."""
    return [tuple(row.values()) for row in page] if page and isinstance(page[0], dict) else page


def _plain(text: str | None) -> str | None:
    """A stored decimal as plain text (the view keeps Decimal's own text, which may have an
    exponent for very small or large numbers)."""
    if text is None or ("E" not in text and "e" not in text):
        return text
    return format(Decimal(text), "f")


class Measures:
    """The values and progress rows of one export."""

    def __init__(self, src: Source, indicators: dict[str, IndicatorView]) -> None:
        self.src = src
        self.indicators = {code: _Indicator(view) for code, view in indicators.items()}
        self._figures: dict[Shape, Decimal] = {}
        self._periods: dict[str, Period] = {}

    def organisations(self) -> set[str]:
        """Every organisation with an effective value."""
        src = self.src
        rows = src.query(
            f"SELECT DISTINCT org FROM {src.table(_VALUES)} WHERE collective = ? AND "
            f"{src.visible()} AND status <> 'retracted'"
        )
        return {str(r["org"]) for r in rows}

    def _period(self, code: str) -> Period:
        found = self._periods.get(code)
        if found is None:
            from domain.periods import parse_period

            found = self._periods[code] = parse_period(code, self.src.calendar)
        return found

    def _groups(self) -> Iterator[tuple[str, str, list[Stored]]]:
        """The effective values, one indicator and period at a time, read a page at a time."""
        src, db = self.src, self.src.db
        collate = ' COLLATE "C"' if db.postgres else ""  # the same order as SQLite's
        order = ", ".join(f"{c}{collate}" for c in ("code", "period", "org", "cell"))
        statement = db.sql(
            "SELECT code, period, org, cell, version, value, text, status, submitted_at, "
            f"changed_at FROM {src.table(_VALUES)} WHERE collective = ? AND {src.visible()} "
            f"AND status <> 'retracted' ORDER BY {order}"
        )
        with db.transaction(commit=False) as wrapped:
            if db.postgres:  # a server-side cursor: the server sends a page at a time
                from psycopg.rows import tuple_row

                cursor = wrapped.connection.cursor(name="collective_values", row_factory=tuple_row)
            else:
                cursor = getattr(wrapped, "sqlite_cursor", wrapped)  # the driver's, for fetchmany
                cursor.row_factory = None  # plain tuples: quicker than named rows
            try:
                cursor.execute(statement, [src.collective])
                pages = iter(lambda: _tuples(cursor.fetchmany(PAGE)), [])
                for (code, period), group in groupby(chain.from_iterable(pages), itemgetter(0, 1)):
                    yield code, period, list(group)
            finally:
                if db.postgres:
                    cursor.close()

    def _indicator(self, code: str) -> _Indicator:
        found = self.indicators.get(code)
        if found is None:  # pragma: no cover - the view holds values of defined indicators only
            raise LookupError(f"values of {code}, which is not among the indicators")
        return found

    # -- protection ---------------------------------------------------------------------------

    def _protect(self, indicator: _Indicator, rows: list[Stored]) -> tuple[set[int], bool, Any]:
        """The rows to suppress, whether the collective's figure is suppressed, and the figure
        the protection took as published (``None`` when nothing needed protecting)."""
        threshold = self.src.threshold
        if not indicator.counts or threshold <= 0:
            return set(), False, None
        values = [None if row[5] is None else Decimal(row[5]) for row in rows]
        primary = {
            n
            for n, (row, v) in enumerate(zip(rows, values, strict=True))
            if v is not None and v < threshold and row[3] != "[]"
        }
        if not primary:
            return set(), False, None
        # An aggregation that is not a sum (a mean of cells, a median, the latest) is not an
        # equation between the figures: the collective's figure goes whenever a cell goes.
        reads, _ = indicator.reads(rows)
        figures = [(reads[r[4], r[3]], r[4], v) for r, v in zip(rows, values, strict=True)]
        orgs: list[tuple[range, Shape]] = []
        grand = Decimal(0)
        start = 0
        for _, found in groupby(rows, itemgetter(2)):  # the rows come organisation by organisation
            members = range(start, start + sum(1 for _ in found))
            start = members.stop
            shape = tuple(figures[members.start : members.stop])
            orgs.append((members, shape))
            if indicator.additive:
                grand += self._org_figure(shape, [rows[n][8] for n in members])
        if not indicator.additive:
            hidden = protect_organisations(orgs, [], primary)
            return set(hidden), bool(hidden), None
        hidden = protect_organisations(orgs, [(len(rows), grand)], primary)
        return {n for n in hidden if n < len(rows)}, len(rows) in hidden, grand

    def _org_figure(self, shape: Shape, submitted: list[int]) -> Decimal:
        """An organisation's figure of an additive count, as ``projections.progress`` makes
        it: the sum of its cells of the disaggregation with the fewest dimensions (its total,
        when it reported one), the first reported among equals. Kept for organisations that
        report the same cells and values, unless the first reported decides."""
        found = self._figures.get(shape)
        if found is not None:
            return found
        dims = [tuple(d for d, _ in read) for read, _, _ in shape]
        fewest = min(len(d) for d in dims)
        candidates = {d for d in dims if len(d) == fewest}
        chosen = (
            candidates.pop()
            if len(candidates) == 1
            else dims[min(range(len(dims)), key=lambda n: (len(dims[n]), submitted[n]))]
        )
        found = sum(
            (v for d, (_, _, v) in zip(dims, shape, strict=True) if d == chosen and v is not None),
            Decimal(0),
        )
        if len(candidates) <= 1:
            if len(self._figures) >= _KEPT:
                self._figures.clear()
            self._figures[shape] = found
        return found

    # -- the tables ---------------------------------------------------------------------------

    def values(self) -> Iterator[tuple[Any, ...]]:
        """The values table's rows (made a group at a time, handed on without a Python step
        per row: the CSV writer pulls them straight from the lists)."""
        return chain.from_iterable(self._value_groups())

    def _value_groups(self) -> Iterator[list[tuple[Any, ...]]]:
        for code, period_code, rows in self._groups():
            indicator = self._indicator(code)
            period = self._period(period_code)
            hidden, _, _ = self._protect(indicator, rows)
            start, end = period.start.isoformat(), period.end.isoformat()
            label = indicator.labels(rows)
            head, tail = f"value:{code}/", f"/{period_code}"
            yield [
                (
                    code,
                    org,
                    period_code,
                    start,
                    end,
                    label[version, stored],
                    version,
                    None
                    if n in hidden
                    else value
                    if value is None or "E" not in value
                    else _plain(value),
                    text,
                    status,
                    n in hidden,
                    first,
                    last,
                    head + org + tail,
                )
                for n, (_, _, org, stored, version, value, text, status, first, last) in enumerate(
                    rows
                )
            ]

    def csv_lines(self) -> Iterator[str]:
        """The values table's rows as CSV text, a group at a time: the same bytes as the csv
        module writes from :meth:`values` (a test holds them together), made without it.

        Every column but the cell and a qualitative text is a code, a slug, a number or a date,
        which never needs quoting; the cell labels are quoted once each.
        """
        quoted: dict[tuple[int, str], str] = {}
        for code, period_code, rows in self._groups():
            indicator = self._indicator(code)
            period = self._period(period_code)
            hidden, _, _ = self._protect(indicator, rows)
            label = indicator.labels(rows)
            for key in label.keys() - quoted.keys():
                quoted[key] = csv_field(label[key])
            head = f"{code},"
            middle = f",{period_code},{period.start.isoformat()},{period.end.isoformat()},"
            trace = f",value:{code}/"
            tail = f"/{period_code}\r\n"
            yield "".join(
                [
                    f"{head}{org}{middle}{quoted[version, stored]},{version},"
                    + (
                        ",,"
                        if n in hidden
                        else f"{'' if value is None else _plain(value)},"
                        f"{'' if text is None else csv_field(text)},"
                    )
                    + f"{status},{n in hidden},{first},{last}{trace}{org}{tail}"
                    for n, (_, _, org, stored, version, value, text, status, first, last) in (
                        enumerate(rows)
                    )
                ]
            )

    def progress(self) -> Iterator[tuple[Any, ...]]:
        from domain.periods import Calendar
        from projections.measurement import Reported, target_views
        from projections.progress import points

        src = self.src
        calendar = Calendar(src.calendar)
        targets: dict[str, dict[tuple[str, Cell], TargetView]] = {}
        for t in target_views(src.views, src.collective, src.at):
            targets.setdefault(t.code, {})[(t.period, t.cell)] = t
        for code, period_code, rows in self._groups():
            indicator = self._indicator(code)
            reported = [
                Reported(
                    code=code,
                    org=row[2],
                    period=period_code,
                    cell=indicator.cell(row[4], row[3])[1],
                    version=row[4],
                    value=None if row[5] is None else Decimal(row[5]),
                    text=row[6],
                    status=row[7],
                    comment=None,
                    submitted_at=row[8],
                    changed_at=row[9],
                )
                for row in rows
            ]
            [point] = points(indicator.view, reported, calendar, None)
            _, withheld, used = self._protect(indicator, rows)
            if used is not None and Fraction(used) != Fraction(point.figure.value or 0):
                raise RuntimeError(  # pragma: no cover - the two computations must agree
                    f"{code} {period_code}: the figure protected ({used}) is not the figure "
                    f"published ({point.figure.value})"
                )
            yield self._progress_row(indicator, point, targets.get(code, {}), withheld)

    def _progress_row(
        self,
        indicator: _Indicator,
        point: Any,
        targets: dict[tuple[str, Cell], TargetView],
        withheld: bool,
    ) -> tuple[Any, ...]:
        from domain.periods import Calendar
        from projections.progress import target_for

        period, figure = point.period, point.figure
        target = target_for(targets, period, (), Calendar(self.src.calendar))
        value = None if withheld else figure.value
        baseline = indicator.view.current.baseline
        goal = None if target is None else target.value
        return (
            indicator.view.code,
            period.code,
            period.start.isoformat(),
            period.end.isoformat(),
            _text(value),
            figure.text,
            point.organisations,
            _text(goal),
            None if target is None else target.text,
            None if target is None else target.period,
            None if baseline is None else _text(baseline.value),
            None if baseline is None else baseline.text,
            None if baseline is None else baseline.period,
            percent_of_target(indicator.direction, value, goal),
            withheld,
        )


def _text(number: Decimal | None) -> str | None:
    return None if number is None else format(number, "f")
