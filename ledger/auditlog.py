"""The audit log: one Merkle leaf per stored event, written in the same transaction as the event.

A leaf commits to the event's log position, aggregate id, version, topic and the SHA-256 of the
stored bytes (so an encrypted or later-redacted payload still verifies). Leaves are numbered
0, 1, 2, ... in commit order, even where log positions have gaps (PostgreSQL).

Beside the leaves, the hashes of complete subtrees are kept (``ledger_tree``: level, index, hash,
the node over leaves ``[index * 2**level, (index + 1) * 2**level)``; level 0 holds the leaf hashes)
so that roots and proofs of any size take a logarithmic number of look-ups. Nothing here is
trusted by verification, which recomputes every leaf from the events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from ledger.merkle import leaf_hash, node_hash

__all__ = ["LEAF_PREFIX", "Leaf", "TreeStore", "leaf_bytes", "subtree_root"]

LEAF_PREFIX = b"collective-ledger/leaf/v1\n"


def leaf_bytes(
    position: int, aggregate_id: UUID | str, version: int, topic: str, state: bytes
) -> bytes:
    """The bytes a leaf commits to: a short text, one field a line, easy to recompute anywhere."""
    ident = aggregate_id.hex if isinstance(aggregate_id, UUID) else str(aggregate_id)
    digest = hashlib.sha256(state).hexdigest()
    return LEAF_PREFIX + f"{position}\n{ident}\n{version}\n{topic}\n{digest}".encode()


@dataclass(frozen=True)
class Leaf:
    index: int
    position: int
    hash: bytes


Fetch = Callable[[int, int], bytes | None]
"""fetch(level, index) -> the stored hash of that complete subtree, or None."""


class TreeStore:
    """Appends leaves and completes subtrees, given two small SQL callables of a transaction."""

    def __init__(
        self, fetch: Fetch, insert: Callable[[Sequence[tuple[int, int, bytes]]], None], size: int
    ) -> None:
        self.fetch = fetch
        self.insert = insert
        self.size = size

    def append(self, leaves: Iterable[tuple[int, bytes]]) -> list[Leaf]:
        """Append (position, leaf bytes) pairs; returns the new leaves."""
        rows: list[tuple[int, int, bytes]] = []
        pending: dict[tuple[int, int], bytes] = {}
        added = []
        for position, data in leaves:
            index = self.size
            node = leaf_hash(data)
            added.append(Leaf(index, position, node))
            level, at = 0, index
            pending[(0, at)] = node
            rows.append((0, at, node))
            while at % 2 == 1:
                left = pending.get((level, at - 1)) or self.fetch(level, at - 1)
                if left is None:
                    raise RuntimeError(f"audit log: missing subtree {level}/{at - 1}")
                node = node_hash(left, node)
                level, at = level + 1, at // 2
                pending[(level, at)] = node
                rows.append((level, at, node))
            self.size += 1
        self.insert(rows)
        return added


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
