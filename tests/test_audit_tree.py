"""The audit log's subtree store: only subtrees of 16 leaves and up are kept.

Checked against the plain RFC 9162 root of the same leaves (``ledger.merkle.root``) for random
sizes, appending in one batch or in several (each batch reading the subtrees it needs).
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.auditlog import LOWEST_STORED_LEVEL, TreeStore, stored_fetch, subtree_root
from ledger.merkle import root


def _leaf(n: int) -> bytes:
    return hashlib.sha256(b"\x00" + n.to_bytes(8, "big")).digest()


class _Store:
    """Leaves and kept subtrees in memory, as the tables hold them."""

    def __init__(self) -> None:
        self.leaves: list[bytes] = []
        self.nodes: dict[tuple[int, int], bytes] = {}

    def fetch(self) -> object:
        return stored_fetch(
            lambda level, index: self.nodes.get((level, index)),
            lambda start, end: self.leaves[start:end],
        )

    def append(self, count: int) -> None:
        tree = TreeStore(self.fetch(), self._insert, len(self.leaves))  # type: ignore[arg-type]
        start = len(self.leaves)
        added = tree.append_hashes((start + n + 1, _leaf(start + n)) for n in range(count))
        assert [a[0] for a in added] == list(range(start, start + count))
        self.leaves += [a[2] for a in added]

    def _insert(self, rows: object) -> None:
        for level, index, digest in rows:  # type: ignore[attr-defined]
            assert level >= LOWEST_STORED_LEVEL
            self.nodes[(level, index)] = digest


@settings(max_examples=60, deadline=None, database=None)
@given(batches=st.lists(st.integers(min_value=1, max_value=700), min_size=1, max_size=5))
def test_roots_of_any_size_from_the_kept_subtrees(batches: list[int]) -> None:
    store = _Store()
    for count in batches:
        store.append(count)
    size = len(store.leaves)
    assert store.leaves == [_leaf(n) for n in range(size)]
    fetch = store.fetch()
    for end in {1, size // 3 or 1, size - 1 or 1, size}:
        assert subtree_root(fetch, 0, end) == root(store.leaves[:end])  # type: ignore[arg-type]
    assert all(level >= LOWEST_STORED_LEVEL for level, _ in store.nodes)
    # exactly the complete subtrees of 16 leaves and up, each with its RFC 9162 hash
    expected = {
        (level, index): root(store.leaves[index << level : (index + 1) << level])
        for level in range(LOWEST_STORED_LEVEL, size.bit_length())
        for index in range(size >> level)
    }
    assert store.nodes == expected


def test_a_large_left_sibling_is_read_from_the_store_long_after_it_was_written() -> None:
    """4,097 leaves stored, then 4,200 more: the subtree over leaves 0-4095 is read back when
    leaf 8,191 completes its sibling."""
    store = _Store()
    store.append(4097)
    store.append(4200)
    assert subtree_root(store.fetch(), 0, 8297) == root(store.leaves)  # type: ignore[arg-type]


def test_a_missing_subtree_is_refused() -> None:
    store = _Store()
    store.append(40)
    store.nodes.clear()
    with pytest.raises(RuntimeError, match="missing subtree 5/0"):
        store.append(24)
