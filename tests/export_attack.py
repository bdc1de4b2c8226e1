"""An attacker for the tests of small-cell suppression, independent of the code it checks.

It knows what anyone holding an export knows: the published figures, and that each is the sum of
some of the finest cells (the *leaves*: an organisation's cells with the most dimensions), which
are whole numbers of 0 or more. A withheld figure is *recovered* when every assignment of the
withheld leaves that agrees with every published figure gives it the same value. The search
looks for one assignment that gives it another value than the true one; finding none (the
search is exhaustive, with the published sums as bounds) means it was recovered.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

Leaf = Hashable


@dataclass(frozen=True)
class Published:
    leaves: frozenset[Leaf]
    value: int


def recovered(
    truth: Mapping[Leaf, int],
    published: Sequence[Published],
    withheld: Sequence[frozenset[Leaf]],
    budget: int = 2_000_000,
) -> list[frozenset[Leaf]]:
    """The withheld figures (given by their leaves) that the published figures pin down."""
    known = set().union(*(p.leaves for p in published)) if published else set()
    hidden_leaves = [leaf for leaf in truth if not _revealed(leaf, published)]
    found = []
    for figure in withheld:
        if figure - known:  # it holds a leaf no published figure mentions: free to vary
            continue
        target = sum(truth[leaf] for leaf in figure)
        if not _alternative(truth, published, hidden_leaves, figure, target, budget):
            found.append(figure)
    return found


def _revealed(leaf: Leaf, published: Sequence[Published]) -> bool:
    return any(p.leaves == frozenset([leaf]) for p in published)


def _alternative(
    truth: Mapping[Leaf, int],
    published: Sequence[Published],
    unknown: list[Leaf],
    figure: frozenset[Leaf],
    target: int,
    budget: int,
) -> bool:
    """Is there an assignment of ``unknown`` leaves agreeing with ``published`` in which the
    leaves of ``figure`` add up to something other than ``target``? (Searched twice: below the
    target, then above it; bounds are propagated through every sum before each choice.)"""
    fixed = {leaf: truth[leaf] for leaf in truth if leaf not in set(unknown)}
    rules: list[tuple[tuple[Leaf, ...], int, int]] = []  # leaves, least sum, most sum
    for p in published:
        rest = p.value - sum(fixed[leaf] for leaf in p.leaves if leaf in fixed)
        members = tuple(leaf for leaf in p.leaves if leaf not in fixed)
        if rest < 0 or (not members and rest != 0):
            return True  # the published figures disagree: nothing can be pinned down exactly
        if members:
            rules.append((members, rest, rest))
    bounded = {leaf for members, _, _ in rules for leaf in members}
    if any(leaf in figure and leaf not in fixed and leaf not in bounded for leaf in unknown):
        return True  # a leaf no published figure bounds can take any value
    own = tuple(leaf for leaf in figure if leaf not in fixed)
    offset = sum(fixed[leaf] for leaf in figure if leaf in fixed)
    if not own:
        return False
    steps = [budget]
    top = max((most for _, _, most in rules), default=0)
    start = dict.fromkeys(bounded, (0, top))
    below = (own, 0, target - offset - 1)
    above = (own, target - offset + 1, 10**9)
    return any(_search(dict(start), [*rules, extra], steps) for extra in (below, above))


def _search(
    domains: dict[Leaf, tuple[int, int]],
    rules: list[tuple[tuple[Leaf, ...], int, int]],
    steps: list[int],
) -> bool:
    steps[0] -= 1
    if steps[0] < 0:
        raise RuntimeError("the attacker's search ran out of budget")
    if not _propagate(domains, rules):
        return False
    open_ = [leaf for leaf, (low, high) in domains.items() if low < high]
    if not open_:
        return True
    leaf = min(open_, key=lambda x: domains[x][1] - domains[x][0])
    low, high = domains[leaf]
    for value in range(low, high + 1):
        trial = dict(domains)
        trial[leaf] = (value, value)
        if _search(trial, rules, steps):
            return True
    return False


def _propagate(
    domains: dict[Leaf, tuple[int, int]], rules: list[tuple[tuple[Leaf, ...], int, int]]
) -> bool:
    """Tighten every leaf's bounds by every sum until nothing changes; False when one empties."""
    changed = True
    while changed:
        changed = False
        for members, least, most in rules:
            lows = sum(domains[m][0] for m in members)
            highs = sum(domains[m][1] for m in members)
            if lows > most or highs < least:
                return False
            for m in members:
                low, high = domains[m]
                new_low = max(low, least - (highs - high))
                new_high = min(high, most - (lows - low))
                if new_low > new_high:
                    return False
                if (new_low, new_high) != (low, high):
                    domains[m] = (new_low, new_high)
                    lows += new_low - low
                    highs += new_high - high
                    changed = True
    return True
