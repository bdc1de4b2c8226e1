"""The audit log: one Merkle leaf per stored event, written in the same transaction as the event.

A leaf commits to the event's log position, aggregate id, version, topic and the SHA-256 of the
stored bytes (so an encrypted or later-redacted payload still verifies). Leaves are numbered
0, 1, 2, ... in commit order, even where log positions have gaps (PostgreSQL).

Beside the leaves, the hashes of complete subtrees are kept (``ledger_tree``: level, index, hash,
the node over leaves ``[index * 2**level, (index + 1) * 2**level)``) so that roots and proofs of
any size take a logarithmic number of look-ups. Only subtrees of :data:`LOWEST_STORED_LEVEL` and
up are stored (16 leaves and more): a smaller one is hashed from its leaves when it is needed (at
most 16 leaf reads), which keeps an event's cost to its leaf row and a sixteenth of a node row.
(Ledgers written before this kept every level; the extra rows are never read.) Nothing here is
trusted by verification, which recomputes every leaf from the events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import count
from uuid import UUID

from ledger.merkle import node_hash

__all__ = [
    "LEAF_HASH_INPUT",
    "LEAF_PREFIX",
    "LOWEST_STORED_LEVEL",
    "Leaf",
    "TreeStore",
    "leaf_bytes",
    "leaf_hashes",
    "stored_fetch",
    "subtree_root",
]

LEAF_PREFIX = b"collective-ledger/leaf/v1\n"
_sha256 = hashlib.sha256
LOWEST_STORED_LEVEL = 4
"""``ledger_tree`` keeps the complete subtrees of ``2**4`` leaves and more."""


def leaf_bytes(
    position: int, aggregate_id: UUID | str, version: int, topic: str, state: bytes
) -> bytes:
    """The bytes a leaf commits to: a short text, one field a line, easy to recompute anywhere."""
    ident = aggregate_id.hex if isinstance(aggregate_id, UUID) else str(aggregate_id)
    digest = _sha256(state).hexdigest()
    return b"%s%d\n%s\n%d\n%s\n%s" % (  # (bytes formatting: twice as quick as an f-string)
        LEAF_PREFIX,
        position,
        ident.encode(),
        version,
        topic.encode(),
        digest.encode(),
    )


LEAF_HASH_INPUT = b"\x00" + LEAF_PREFIX + b"%d\n%s\n%d\n%s\n%s"
"""0x00 || :func:`leaf_bytes`: the RFC 9162 leaf hash input, built in one step (``%`` with the
position, aggregate id, version, topic and the state's hex digest, all but the numbers as bytes)."""


def leaf_hashes(first: int, rows: Iterable[tuple[str, int, str, bytes]]) -> list[bytes]:
    """The RFC 9162 leaf hashes of stored events at positions ``first``, ``first + 1``, ...

    Each is ``merkle.leaf_hash(leaf_bytes(...))`` of a row (aggregate id hex, version, topic,
    stored bytes), computed in one loop for the bulk path (half the cost of a call per leaf).
    """
    sha = _sha256
    form = LEAF_HASH_INPUT
    topics: dict[str, bytes] = {}
    hashes = []
    for position, (ident, version, topic, state) in enumerate(rows, first):
        name = topics.get(topic)
        if name is None:
            name = topics[topic] = topic.encode()
        digest = sha(state).hexdigest().encode()
        hashes.append(sha(form % (position, ident.encode(), version, name, digest)).digest())
    return hashes


@dataclass(frozen=True)
class Leaf:
    index: int
    position: int
    hash: bytes


Fetch = Callable[[int, int], bytes | None]
"""fetch(level, index) -> the stored hash of that complete subtree, or None."""
LeafHashes = Callable[[int, int], Sequence[bytes]]
"""leaf_hashes(start, end) -> the stored hashes of leaves ``[start, end)``, in order."""


def stored_fetch(node: Fetch, leaf_hashes: LeafHashes) -> Fetch:
    """A :data:`Fetch` over what the store keeps: nodes from :data:`LOWEST_STORED_LEVEL` up
    (``node``), anything smaller hashed from its leaves (``leaf_hashes``)."""

    def fetch(level: int, index: int) -> bytes | None:
        if level >= LOWEST_STORED_LEVEL:
            return node(level, index)
        width = 1 << level
        hashes = list(leaf_hashes(index * width, (index + 1) * width))
        if len(hashes) != width:
            return None
        while len(hashes) > 1:
            hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        return hashes[0]

    return fetch


class TreeStore:
    """Appends leaves and completes subtrees, given two small SQL callables of a transaction."""

    def __init__(
        self, fetch: Fetch, insert: Callable[[Sequence[tuple[int, int, bytes]]], None], size: int
    ) -> None:
        self.fetch = fetch
        self.insert = insert
        self.size = size
        self.edge: dict[int, tuple[int, bytes]] = {}
        """The right edge of the tree: per level, the last complete subtree with an even index
        (index, hash): the left sibling the next leaves will need there."""

    def append(self, leaves: Iterable[tuple[int, bytes]]) -> list[tuple[int, int, bytes]]:
        """Append (position, leaf bytes) pairs; returns the new leaves as (index, position, hash)
        rows, and inserts the completed subtrees the store keeps."""
        sha256 = hashlib.sha256
        return self.append_hashes((p, sha256(b"\x00" + data).digest()) for p, data in leaves)

    def append_hashes(self, leaves: Iterable[tuple[int, bytes]]) -> list[tuple[int, int, bytes]]:
        """:meth:`append` for leaves whose hashes (RFC 9162 leaf hashes) are known already.

        The new nodes are made a level at a time, every pair of siblings of a level in one list
        comprehension (a bulk import appends a hundred thousand leaves at once); only the first
        node of a level can need a left sibling from before, from the right edge or the store.
        """
        start = self.size
        added = [(start + n, position, node) for n, (position, node) in enumerate(leaves)]
        self._grow([node for _, _, node in added])
        return added

    def append_run(self, position: int, hashes: list[bytes]) -> list[tuple[int, int, bytes]]:
        """:meth:`append_hashes` for leaves at consecutive log positions from ``position``."""
        start = self.size
        added = list(zip(range(start, start + len(hashes)), count(position), hashes))
        self._grow(hashes)
        return added

    def _grow(self, hashes: list[bytes]) -> None:
        """Add leaves with these hashes: every subtree they complete, level by level."""
        start = self.size
        nodes = hashes
        rows: list[tuple[int, int, bytes]] = []
        sha256 = hashlib.sha256
        level, first = 0, start  # ``first``: the index of nodes[0] within its level
        while nodes:
            if first & 1:  # a right child: its left sibling was made before these leaves
                nodes = [self._left(level, first - 1), *nodes]
                first -= 1
            if len(nodes) & 1:  # the last has no right sibling yet: the next leaves need it
                self.edge[level] = (first + len(nodes) - 1, nodes[-1])
            pairs = len(nodes) - (len(nodes) & 1)
            nodes = [sha256(b"\x01" + nodes[i] + nodes[i + 1]).digest() for i in range(0, pairs, 2)]
            level, first = level + 1, first >> 1
            if level >= LOWEST_STORED_LEVEL:
                rows += [(level, first + n, node) for n, node in enumerate(nodes)]
        self.size = start + len(hashes)
        if rows:
            self.insert(rows)

    def _left(self, level: int, index: int) -> bytes:
        """The complete subtree ``index`` of ``level``: from the right edge, else the store."""
        found = self.edge.get(level)
        left = found[1] if found and found[0] == index else self.fetch(level, index)
        if left is None:
            raise RuntimeError(f"audit log: missing subtree {level}/{index}")
        return left


def subtree_root(fetch: Fetch, start: int, end: int) -> bytes:
    """MTH of leaves ``[start, end)`` from stored complete subtrees (RFC 9162 2.1.1)."""
    size = end - start
    if size <= 0:
        raise ValueError("empty range")
    if size & (size - 1) == 0 and start % size == 0:
        found = fetch(size.bit_length() - 1, start // size)
        if found is None:
            raise LookupError(f"audit log: no subtree for leaves {start}-{end}")
        return found
    split = 1 << ((size - 1).bit_length() - 1)
    return node_hash(
        subtree_root(fetch, start, start + split), subtree_root(fetch, start + split, end)
    )
