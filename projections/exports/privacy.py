"""Small-cell suppression: no count below the threshold leaves the ledger, nor can it be worked out.

A *figure* is one published count of one indicator and period: an organisation's value for a
cell, or the collective's figure across organisations (``org=None``; the total, or a category).
Figures add up: an organisation's total is the sum of its ``sex`` cells, and of its ``age`` cells;
its ``sex=female`` cell is the sum of its ``age x sex=female`` cells; the collective's figure is the
sum of the organisations' figures for the same cell. Anyone holding the export can subtract.

:func:`protect` decides which figures to suppress:

1. *primary*: a disaggregated figure (a cell other than the total) below ``threshold``;
2. *complementary*: while any suppressed figure can still be worked out from the published ones,
   suppress one more figure next to it (the smallest non-zero cell of an equation it sits in,
   a total only when no cell is left).

"Worked out" is checked exactly. Every additive relation between the figures is an equation,
with the sub-totals nobody reported (an organisation's total, its ``sex`` margin) as unknowns
of their own. A suppressed figure is recoverable when elimination over the rationals pins it
down, or when, since counts are never negative, the least and the most it can be are the same
(two linear programmes over the rationals, ``projections.exports.simplex``). When partners'
figures disagree with each other (their ``sex`` cells do not add up to their ``age`` cells), no
counts fit them all and only elimination applies; the collective's total is then withheld with
any cell.

Organisations are solved one at a time, tied together by the collective's total (exact, see
``_Blocks``); when collective figures by category are published too, the whole indicator and
period is solved as one system (give the organisations' figures as well, whenever the
collective's are made from them). :func:`suppress` applies this to rows of dicts; the tables
export calls :func:`protect_organisations` with figures it has grouped already.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from itertools import combinations
from typing import Any

from projections.exports.simplex import Polytope

__all__ = ["DEFAULT_THRESHOLD", "Figure", "protect", "protect_organisations", "suppress"]

DEFAULT_THRESHOLD = 10  # as domain.collective.DEFAULT_THRESHOLD; a collective may set another
"""Counts from 0 to 9 are suppressed unless the collective chooses otherwise."""

Cell = tuple[tuple[str, str], ...]
Var = Hashable
Equation = tuple[Var, tuple[Var, ...]]
"""``(total, parts)``: the total is the sum of the parts."""
Shape = tuple[tuple[Cell, int, Decimal | None], ...]
"""One organisation's figures as ``(cell, version, value)``: what its protection depends on."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One published figure of one indicator and period."""

    org: str | None
    """The organisation that reported it; ``None`` for the collective's figure."""
    cell: Cell
    """Sorted ``(dimension, category)`` pairs, as read under the current definition (a merged
    category as ``6-10+11-14``); ``()`` is the total."""
    value: Decimal | None
    """``None``: not published (nothing to protect, nothing to subtract)."""
    version: int = 1
    """The definition version the cell was reported under: cells of different versions never
    add up with each other."""


def protect(figures: Sequence[Figure], threshold: int) -> frozenset[int]:
    """The positions in ``figures`` (one indicator and period, additive counts) to suppress."""
    primary = {
        i for i, f in enumerate(figures) if f.cell and f.value is not None and f.value < threshold
    }
    if not primary:
        return frozenset()
    if all(f.org is not None or not f.cell for f in figures):
        by_org: dict[str, list[int]] = {}
        totals = []
        for i, f in enumerate(figures):
            if f.org is None:
                totals.append((i, f.value))
            else:
                by_org.setdefault(f.org, []).append(i)
        orgs = [
            (
                members,
                tuple((figures[i].cell, figures[i].version, figures[i].value) for i in members),
            )
            for _, members in sorted(by_org.items())
        ]
        return protect_organisations(orgs, totals, primary)
    return _whole(figures, primary)


def protect_organisations(
    orgs: Sequence[tuple[Sequence[int], Shape]],
    totals: Sequence[tuple[int, Decimal | None]],
    primary: set[int],
) -> frozenset[int]:
    """:func:`protect` for figures given already grouped: each organisation's positions and
    ``(cell, version, value)`` figures, and the collective's totals (positions and values);
    ``primary`` are the positions below the threshold. (Quicker for a million values.)"""
    return _Blocks(orgs, totals).protect(primary)


def suppress(
    rows: Iterable[Mapping[str, Any]],
    threshold: int,
    *,
    additive: Callable[[Mapping[str, Any]], bool] | None = None,
) -> list[dict[str, Any]]:
    """``rows`` as copies, each with ``suppressed`` (True or False); a suppressed one has
    ``value`` None.

    Each row has ``indicator``, ``period``, ``org`` (``None`` for the collective's figure),
    ``cell`` (a :data:`Cell`, ``()`` for the total), ``value`` (a Decimal or None) and may have
    ``version``. Rows are protected together per indicator and period. ``additive`` says which
    rows are counts that add up (default: all); the others pass unsuppressed.
    """
    copies = [dict(row) for row in rows]
    groups: dict[tuple[Any, Any], list[int]] = {}
    for n, row in enumerate(copies):
        row["suppressed"] = False
        if additive is None or additive(row):
            groups.setdefault((row["indicator"], row["period"]), []).append(n)
    for members in groups.values():
        figures = [
            Figure(
                copies[n]["org"],
                tuple(sorted(copies[n]["cell"])),
                copies[n]["value"],
                int(copies[n].get("version") or 1),
            )
            for n in members
        ]
        for index in protect(figures, threshold):
            copies[members[index]].update(value=None, suppressed=True)
    return copies


# The equations of one organisation's figures ---------------------------------------------------


@lru_cache(maxsize=4096)
def _lattice(
    shape: tuple[tuple[Cell, int], ...],
) -> tuple[tuple[Equation, ...], Var, dict[Cell, Var]]:
    """The equations between an organisation's figures, given as ``(cell, version)`` by position.

    Every sub-cell of a reported cell is a node (its total, its margins); a node nobody reported
    is a hidden unknown (``("hidden", cell)``). A node is the sum of its children along any one
    more dimension: one equation per dimension and definition version of the children. Returns
    the equations, the variable of the total, and the variable of each node.
    """
    versions: dict[Cell, set[int]] = {}
    var: dict[Cell, Var] = {}
    equations: list[Equation] = []
    for i, (cell, version) in enumerate(shape):
        for size in range(len(cell) + 1):
            for sub in combinations(cell, size):
                versions.setdefault(sub, set()).add(version)
        if cell in var:
            equations.append((i, (var[cell],)))  # the same cell twice: they are equal
        else:
            var[cell] = i
    for node in versions:
        var.setdefault(node, ("hidden", node))
    children: dict[tuple[Cell, str, int], list[Var]] = {}
    for node, found in versions.items():
        for k, (dimension, _) in enumerate(node):
            parent = node[:k] + node[k + 1 :]
            for version in sorted(found):
                children.setdefault((parent, dimension, version), []).append(var[node])
    for (parent, _, _), parts in children.items():
        equations.append((var[parent], tuple(parts)))
    return tuple(dict.fromkeys(equations)), var[()], var


# Exact reasoning -------------------------------------------------------------------------------

Range = tuple[Fraction, Fraction | None]
"""The least and the most a figure can be (``None``: no bound above)."""


def _solve(rows: Sequence[tuple[Mapping[Var, int], Fraction]]) -> dict[Var, Fraction]:
    """Gauss-Jordan elimination over the rationals: the unknowns with exactly one solution."""
    order: dict[Var, int] = {}
    for given, _ in rows:
        for var in given:
            order.setdefault(var, len(order))
    pivots: dict[Var, tuple[dict[Var, Fraction], Fraction]] = {}
    for given, rhs in rows:
        row = {v: Fraction(c) for v, c in given.items()}
        for p in [v for v in row if v in pivots]:
            factor = row.pop(p)
            prow, prhs = pivots[p]
            _subtract(row, prow, factor, p)
            rhs -= factor * prhs
        if not row:
            continue
        q = min(row, key=order.__getitem__)
        scale = row[q]
        row = {v: c / scale for v, c in row.items()}
        rhs /= scale
        for p, (prow, prhs) in list(pivots.items()):
            factor = prow.pop(q, Fraction(0))
            if factor:
                _subtract(prow, row, factor, q)
                pivots[p] = (prow, prhs - factor * rhs)
        pivots[q] = (row, rhs)
    return {p: rhs for p, (row, rhs) in pivots.items() if len(row) == 1}


def _subtract(
    row: dict[Var, Fraction], other: Mapping[Var, Fraction], factor: Fraction, skip: Var
) -> None:
    """``row -= factor * other``, leaving out ``skip`` (eliminated) and dropping zeros."""
    for v, c in other.items():
        if v != skip:
            value = row.get(v, Fraction(0)) - factor * c
            if value:
                row[v] = value
            else:
                row.pop(v, None)


def _examine(
    figures: Sequence[Figure],
    equations: Sequence[Equation],
    suppressed: set[int],
    probe: Var,
    window: Range | None,
) -> tuple[list[int], Range | None]:
    """The suppressed figures that the published ones pin down, and the range of ``probe``
    (``window``: what is known of ``probe`` from elsewhere).

    First by elimination (exact, and meaningful even when partners' figures disagree with each
    other); then, since counts are never negative, by the least and the most each withheld
    figure can be (exact linear programmes). When the published figures disagree (no counts
    fit them all), only elimination applies.
    """
    known: dict[Var, Fraction] = {
        i: Fraction(f.value)
        for i, f in enumerate(figures)
        if i not in suppressed and f.value is not None
    }
    rows: list[tuple[dict[Var, int], Fraction]] = []
    for total, parts in equations:
        row: dict[Var, int] = {}
        rest = Fraction(0)
        for var, sign in ((total, 1), *((p, -1) for p in parts)):
            if var in known:
                rest -= sign * known[var]
            else:
                row[var] = row.get(var, 0) + sign
        row = {v: c for v, c in row.items() if c}
        if row:
            rows.append((row, rest))
    solved = _solve(rows)
    revealed = sorted(v for v in solved if isinstance(v, int) and v in suppressed)
    if revealed:
        return revealed, None
    columns: dict[Var, int] = {}
    for row, _ in rows:
        for var in row:
            columns.setdefault(var, len(columns))
    if probe not in known:
        columns.setdefault(probe, len(columns))
    sparse = [({columns[v]: Fraction(c) for v, c in row.items()}, rest) for row, rest in rows]
    width = len(columns)
    if window is not None and probe not in known:  # probe - s = least; probe + s' = most
        sparse.append(({columns[probe]: Fraction(1), width: Fraction(-1)}, window[0]))
        width += 1
        if window[1] is not None:
            sparse.append(({columns[probe]: Fraction(1), width: Fraction(1)}, window[1]))
            width += 1
    polytope = Polytope([r for r, _ in sparse], [b for _, b in sparse], width)
    if not polytope.feasible:
        value = known.get(probe, solved.get(probe))
        return [], None if value is None else (_exact(value), _exact(value))

    def span(var: Var) -> Range:
        if var in known:
            return _exact(known[var]), _exact(known[var])
        most = polytope.maximise({columns[var]: Fraction(1)})
        least = polytope.maximise({columns[var]: Fraction(-1)})
        return _exact(-(least or Fraction(0))), None if most is None else _exact(most)

    for var in sorted(v for v in columns if isinstance(v, int) and v in suppressed):
        least, most = span(var)
        if most is not None and least == most:
            revealed.append(var)
    return revealed, (None if revealed else span(probe))


def _exact(number: Fraction) -> Fraction:
    """``number`` as an int when it is whole (ints add up many times quicker than fractions)."""
    return number.numerator if number.denominator == 1 else number  # type: ignore[return-value]


def _rank(figure: Figure) -> tuple[bool, bool, Decimal, str, int]:
    """Which figure to suppress as a complement first: a cell before a total, non-zero before
    zero (a withheld zero beside a withheld cell hides little), the smallest."""
    value = figure.value if figure.value is not None else Decimal(0)
    return (not figure.cell, value == 0, value, repr(figure.cell), figure.version)


def _complete(
    figures: Sequence[Figure],
    equations: Sequence[Equation],
    suppressed: set[int],
    probe: Var,
    window: Range | None = None,
) -> tuple[bool, Range | None]:
    """Add complements to ``suppressed`` (positions in ``figures``) until no suppressed figure can
    be worked out. Returns whether that was possible, and the range of ``probe`` then."""
    while True:
        revealed, found = _examine(figures, equations, suppressed, probe, window)
        if not revealed:
            return True, found
        near = {
            v
            for total, parts in equations
            if revealed[0] in (total, *parts)
            for v in (total, *parts)
        }
        published = [
            i for i, f in enumerate(figures) if i not in suppressed and f.value is not None
        ]
        candidates = [i for i in published if i in near] or published
        if not candidates:
            return False, None
        suppressed.add(min(candidates, key=lambda i: (_rank(figures[i]), i)))


# Organisations one at a time, tied by the collective's total ------------------------------------


@lru_cache(maxsize=4096)
def _protect_one(
    shape: Shape, hidden: frozenset[int], window: Range | None
) -> tuple[bool, frozenset[int], Range | None]:
    """One organisation's figures protected, with ``hidden`` suppressed already and what is
    known of its total from outside (``window``): whether that was possible, every position to
    suppress, and the range of its total then. (Organisations that report the same figures
    are protected alike: the answer is kept.)"""
    figures = tuple(Figure("", cell, value, version) for cell, version, value in shape)
    equations, top, _ = _lattice(tuple((f.cell, f.version) for f in figures))
    suppressed = set(hidden)
    done, found = _complete(figures, equations, suppressed, top, window)
    return done, frozenset(suppressed), found


class _Blocks:
    """Each organisation's figures solved on their own; the collective's total ties them.

    Exact, because the only equation across organisations is ``total = sum of their totals``:
    what it tells about one organisation's total is the range left by the least and the most
    the others' totals can be; each organisation is then protected within that range.
    """

    def __init__(
        self,
        orgs: Sequence[tuple[Sequence[int], Shape]],
        totals: Sequence[tuple[int, Decimal | None]],
    ) -> None:
        self.orgs = [members for members, _ in orgs]
        self.totals = totals
        kinds: dict[Shape, int] = {}
        self.shapes = [(kinds.setdefault(shape, len(kinds)), shape) for _, shape in orgs]
        self.memo: dict[tuple[int, frozenset[int], Range | None], Any] = {}

    def _solve(
        self, n: int, suppressed: set[int], window: Range | None
    ) -> tuple[bool, bool, Range | None]:
        """Protect organisation ``n``; returns whether that was possible, whether it withheld
        more, and the range of its total."""
        members = self.orgs[n]
        hidden = frozenset(k for k, i in enumerate(members) if i in suppressed)
        kind, shape = self.shapes[n]
        key = (kind, hidden, window)
        found = self.memo.get(key)
        if found is None:  # organisations with the same figures are protected alike
            found = self.memo[key] = _protect_one(shape, hidden, window)
        done, local, span = found
        more = len(local) > len(hidden)
        if more:
            suppressed.update(members[k] for k in local)
        return done, more, span

    def protect(self, primary: set[int]) -> frozenset[int]:
        suppressed = set(primary)
        ranges = [self._solve(n, suppressed, None)[2] for n in range(len(self.orgs))]
        while True:
            published = [
                (i, value) for i, value in self.totals if i not in suppressed and value is not None
            ]
            if not published:
                return frozenset(suppressed)
            if not all(r is not None for r in ranges):  # figures that disagree: the total goes
                return frozenset(suppressed | {i for i, _ in published})
            grand = _exact(Fraction(published[0][1]))
            changed = []
            for n, window in enumerate(_windows(grand, ranges)):  # type: ignore[arg-type]
                if window != ranges[n]:  # the total tells more about this organisation
                    done, more, _ = self._solve(n, suppressed, window)
                    if not done:  # nothing left to withhold there: the total goes
                        return frozenset(suppressed | {i for i, _ in published})
                    if more:
                        changed.append(n)
            if not changed:
                return frozenset(suppressed)
            for n in changed:
                ranges[n] = self._solve(n, suppressed, None)[2]


def _windows(grand: Fraction, ranges: Sequence[Range]) -> list[Range]:
    """The range of each organisation's total that ``grand = sum of the totals`` and the
    others' ranges leave."""
    least = sum(r[0] for r in ranges)
    unbounded = sum(r[1] is None for r in ranges)
    most = sum(r[1] for r in ranges if r[1] is not None)
    found: list[Range] = []
    for low, high in ranges:
        others_most = None if unbounded - (high is None) else most - (high or 0)
        low_now = low if others_most is None else max(low, grand - others_most)
        high_now = grand - (least - low)
        found.append((low_now, high_now if high is None else min(high, high_now)))
    return found


# The collective's figures by category too: one system ------------------------------------------


def _whole(figures: Sequence[Figure], primary: set[int]) -> frozenset[int]:
    """Every organisation's equations and the collective's (each collective figure is the sum of
    the organisations' nodes for its cell), solved together. Without organisations' figures, the
    collective's own figures add up among themselves."""
    by_org: dict[str | None, list[int]] = {}
    for i, f in enumerate(figures):
        by_org.setdefault(f.org, []).append(i)
    equations: list[Equation] = []
    nodes: dict[Cell, list[Var]] = {}
    for org, members in sorted(by_org.items(), key=lambda kv: (kv[0] is None, kv[0] or "")):
        if org is None and len(by_org) > 1:
            continue
        shape = tuple((figures[i].cell, figures[i].version) for i in members)
        local, _, var = _lattice(shape)

        def named(v: Var, members: list[int] = members, org: str | None = org) -> Var:
            return members[v] if isinstance(v, int) else (org, v)

        equations += [(named(t), tuple(named(p) for p in parts)) for t, parts in local]
        for cell, v in var.items():
            nodes.setdefault(cell, []).append(named(v))
    if len(by_org) > 1:
        for i in by_org.get(None, []):
            if nodes.get(figures[i].cell):
                equations.append((i, tuple(nodes[figures[i].cell])))
    suppressed = set(primary)
    _complete(figures, equations, suppressed, ("nothing",))  # withholding all always protects
    return frozenset(suppressed)
