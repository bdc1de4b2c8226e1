"""Small-cell suppression: counts below the threshold never leave the ledger, and cannot be worked
out from what does (checked by an independent attacker, ``export_attack.py``)."""

from __future__ import annotations

from decimal import Decimal
from itertools import product

from export_attack import Published, recovered
from hypothesis import given, settings
from hypothesis import strategies as st

from projections.exports.privacy import Figure, protect, suppress

SEX = (("sex", "female"),), (("sex", "male"),)


def _cells(*pairs: tuple[str, tuple[str, ...]]) -> list[tuple[tuple[str, str], ...]]:
    names = [name for name, _ in pairs]
    return [
        tuple(sorted(zip(names, combo, strict=True)))
        for combo in product(*(categories for _, categories in pairs))
    ]


def _check(figures: list[Figure], threshold: int) -> frozenset[int]:
    """Protect ``figures`` (each organisation's leaves are its cells with the most dimensions),
    then attack the result: no withheld figure may be recovered."""
    hidden = protect(figures, threshold)
    for i, f in enumerate(figures):
        if f.cell and f.value is not None and f.value < threshold:
            assert i in hidden, f"the small cell {f} was published"
    widest = {}
    for f in figures:
        if f.org is not None:
            widest[f.org] = max(widest.get(f.org, 0), len(f.cell))
    truth = {
        (f.org, f.cell): int(f.value)  # type: ignore[arg-type]
        for f in figures
        if f.org is not None and len(f.cell) == widest[f.org]
    }

    def leaves(f: Figure) -> frozenset[tuple[str | None, tuple[tuple[str, str], ...]]]:
        return frozenset(
            leaf
            for leaf in truth
            if (f.org is None or leaf[0] == f.org) and set(f.cell) <= set(leaf[1])
        )

    published = [
        Published(leaves(f), int(f.value))  # type: ignore[arg-type]
        for i, f in enumerate(figures)
        if i not in hidden
    ]
    withheld = [leaves(figures[i]) for i in sorted(hidden)]
    assert recovered(truth, published, withheld) == []
    return hidden


def test_nothing_is_suppressed_when_no_count_is_small() -> None:
    figures = [Figure("a", cell, Decimal(40)) for cell in SEX] + [Figure(None, (), Decimal(80))]
    assert protect(figures, 10) == frozenset()


def test_a_small_cell_and_the_cell_that_would_give_it_away_by_subtraction() -> None:
    # a: female 5 (small), male 20; b: 30 and 20; the collective's total 75 is published, and
    # b's cells give b's total, so a's total (25) follows: male 20 must go with female 5.
    figures = [
        Figure("a", SEX[0], Decimal(5)),
        Figure("a", SEX[1], Decimal(20)),
        Figure("b", SEX[0], Decimal(30)),
        Figure("b", SEX[1], Decimal(20)),
        Figure(None, (), Decimal(75)),
    ]
    assert _check(figures, 10) == {0, 1}


def test_a_total_reported_by_the_organisation_is_an_equation_too() -> None:
    figures = [
        Figure("a", SEX[0], Decimal(5)),
        Figure("a", SEX[1], Decimal(20)),
        Figure("a", (), Decimal(25)),
    ]
    assert _check(figures, 10) == {0, 1}


def test_a_crossed_table_with_the_collective_by_category() -> None:
    cells = _cells(("age", ("6-14", "15-18")), ("sex", ("female", "male")))
    figures = [Figure("a", c, Decimal(v)) for c, v in zip(cells, (3, 40, 50, 60), strict=True)]
    figures += [
        Figure(None, (), Decimal(153)),
        Figure(None, (("sex", "female"),), Decimal(53)),
        Figure(None, (("sex", "male"),), Decimal(100)),
    ]
    hidden = _check(figures, 10)
    assert 0 in hidden and len(hidden) >= 2


def test_zeros_that_add_up_to_a_published_zero_are_not_left_alone() -> None:
    # 0 and 0 under a published total of 0: each must be 0, whatever is withheld around them.
    figures = [
        Figure("a", SEX[0], Decimal(0)),
        Figure("a", SEX[1], Decimal(0)),
        Figure("a", (), Decimal(0)),
        Figure(None, (), Decimal(0)),
    ]
    assert _check(figures, 10) == {0, 1, 2, 3}


def test_the_only_organisation_of_a_period_with_a_single_cell() -> None:
    figures = [Figure("a", SEX[0], Decimal(4)), Figure(None, (), Decimal(4))]
    assert _check(figures, 10) == {0, 1}


def test_cells_of_an_older_definition_version_do_not_add_up_with_newer_ones() -> None:
    old = Figure("a", (("age", "6-10+11-14"),), Decimal(7), version=1)
    new = [
        Figure("a", (("age", "6-10"),), Decimal(30), version=2),
        Figure("a", (("age", "11-14"),), Decimal(40), version=2),
    ]
    hidden = protect([old, *new, Figure(None, (), Decimal(77))], 10)
    assert 0 in hidden


def test_suppress_blanks_and_marks_rows_and_leaves_other_indicators_alone() -> None:
    rows = [
        {"indicator": "C", "period": "2024Q1", "org": "a", "cell": SEX[0], "value": Decimal(5)},
        {"indicator": "C", "period": "2024Q1", "org": "a", "cell": SEX[1], "value": Decimal(20)},
        {"indicator": "C", "period": "2024Q1", "org": None, "cell": (), "value": Decimal(25)},
        {"indicator": "P", "period": "2024Q1", "org": "a", "cell": SEX[0], "value": Decimal(5)},
    ]
    found = suppress(rows, 10, additive=lambda row: row["indicator"] == "C")
    assert [(r["value"], r["suppressed"]) for r in found] == [
        (None, True),
        (None, True),
        (Decimal(25), False),
        (Decimal(5), False),
    ]
    assert rows[0]["value"] == Decimal(5)  # the rows given are not changed


@st.composite
def _tables(draw: st.DrawFn) -> tuple[list[Figure], int]:
    if draw(st.booleans()):
        dimensions = [("age", ("a", "b")), ("sex", ("f", "m"))]
    else:
        dimensions = [("service", ("x", "y", "z")[: draw(st.integers(2, 3))])]
    cells = _cells(*dimensions)
    figures: list[Figure] = []
    grand: dict[tuple[tuple[str, str], ...], int] = {}
    for org in ("a", "b", "c")[: draw(st.integers(1, 3))]:
        values = [draw(st.integers(0, 8)) for _ in cells]
        figures += [Figure(org, c, Decimal(v)) for c, v in zip(cells, values, strict=True)]
        for c, v in zip(cells, values, strict=True):
            for sub in {(), *((pair,) for pair in c)}:
                grand[sub] = grand.get(sub, 0) + v
        if draw(st.booleans()):
            figures.append(Figure(org, (), Decimal(sum(values))))
        if len(dimensions) == 2 and draw(st.booleans()):
            for category in ("f", "m"):
                total = sum(v for c, v in zip(cells, values, strict=True) if ("sex", category) in c)
                figures.append(Figure(org, (("sex", category),), Decimal(total)))
    if draw(st.integers(0, 4)):  # the progress table publishes it, unless it was withheld
        figures.append(Figure(None, (), Decimal(grand[()])))
    if len(dimensions) == 2 and draw(st.booleans()):
        for category in ("f", "m"):
            figures.append(Figure(None, (("sex", category),), Decimal(grand[(("sex", category),)])))
    return figures, draw(st.integers(1, 6))


@settings(max_examples=150, deadline=None)
@given(_tables())
def test_no_withheld_figure_can_be_recovered_from_the_published_ones(
    case: tuple[list[Figure], int],
) -> None:
    figures, threshold = case
    _check(figures, threshold)
