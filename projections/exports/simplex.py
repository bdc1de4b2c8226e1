"""A small exact linear programme solver (the simplex method over the rationals, Bland's rule).

Small-cell suppression (``projections.exports.privacy``) asks how far a withheld count can move
while every published figure stays the same and no count goes below zero: the least and the most
it can be, exactly. The systems are small (one organisation's cells, one indicator and period),
so a dense tableau of fractions is quick enough, and it never rounds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

__all__ = ["Polytope"]

_ZERO = Fraction(0)


class Polytope:
    """The points ``x >= 0`` with ``A x = b``, over the rationals.

    ``rows`` gives ``A`` sparsely (column -> coefficient) and ``rhs`` gives ``b``. A feasible
    basis is found once (phase one); :meth:`maximise` starts from it for each objective.
    """

    def __init__(self, rows: Sequence[Mapping[int, Fraction]], rhs: Sequence[Fraction], n: int):
        self.n = n
        m = len(rows)
        tableau: list[list[Fraction]] = []
        for r, (row, b) in enumerate(zip(rows, rhs, strict=True)):
            sign = -1 if b < 0 else 1
            line = [_ZERO] * (n + m + 1)
            for j, c in row.items():
                line[j] = sign * c
            line[n + r] = Fraction(1)
            line[-1] = sign * b
            tableau.append(line)
        basis = list(range(n, n + m))
        cost = [_ZERO] * n + [Fraction(-1)] * m
        value = _run(tableau, basis, cost, n + m)
        self.feasible = value is not None and value == 0
        if not self.feasible:
            self.tableau: list[list[Fraction]] = []
            self.basis: list[int] = []
            return
        for r in range(len(tableau) - 1, -1, -1):  # drive the artificial columns out
            if basis[r] >= n:
                pivot = next((j for j in range(n) if tableau[r][j] != 0), None)
                if pivot is None:  # a redundant equation
                    del tableau[r], basis[r]
                else:
                    _pivot(tableau, basis, r, pivot)
        self.tableau = [line[:n] + line[-1:] for line in tableau]
        self.basis = basis

    def maximise(self, objective: Mapping[int, Fraction]) -> Fraction | None:
        """The greatest value of ``objective . x`` (``None``: it has no bound)."""
        if not self.feasible:
            raise ValueError("the polytope is empty")
        tableau = [line[:] for line in self.tableau]
        basis = self.basis[:]
        cost = [_ZERO] * self.n
        for j, c in objective.items():
            cost[j] = Fraction(c)
        return _run(tableau, basis, cost, self.n)


def _pivot(tableau: list[list[Fraction]], basis: list[int], r: int, j: int) -> None:
    line = tableau[r]
    scale = line[j]
    if scale != 1:
        tableau[r] = line = [c / scale for c in line]
    for i, other in enumerate(tableau):
        factor = other[j]
        if i != r and factor != 0:
            tableau[i] = [a - factor * b if b else a for a, b in zip(other, line, strict=True)]
    basis[r] = j


def _run(
    tableau: list[list[Fraction]], basis: list[int], cost: Sequence[Fraction], columns: int
) -> Fraction | None:
    """Maximise ``cost . x`` from the feasible basis ``basis`` (Bland's rule: no cycling).
    Returns the optimum, or ``None`` when the objective has no bound."""
    while True:
        entering = None
        for j in range(columns):
            if j in basis:
                continue
            reduced = cost[j] - sum(
                (cost[b] * line[j] for b, line in zip(basis, tableau, strict=True) if line[j]),
                _ZERO,
            )
            if reduced > 0:
                entering = j
                break
        if entering is None:
            return sum((cost[b] * line[-1] for b, line in zip(basis, tableau, strict=True)), _ZERO)
        leaving = None
        best: tuple[Fraction, int] | None = None
        for r, line in enumerate(tableau):
            if line[entering] > 0:
                key = (line[-1] / line[entering], basis[r])
                if best is None or key < best:
                    best, leaving = key, r
        if leaving is None:
            return None
        _pivot(tableau, basis, leaving, entering)
