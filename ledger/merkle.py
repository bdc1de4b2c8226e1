"""Merkle tree hashing, proofs and proof verification per RFC 9162, section 2.1.

RFC 9162 (Certificate Transparency 2.0) uses the same tree as RFC 6962:

* leaf hash ``SHA-256(0x00 || data)``, interior node ``SHA-256(0x01 || left || right)``;
* MTH of ``n > 1`` leaves splits at ``k``, the largest power of two smaller than ``n``.

Everything here is iterative, so a tree of millions of leaves never hits Python's
recursion limit. Proof generation asks a ``subtree_root(start, end)`` callable for the
roots it needs (at most one per proof element), so a caller that stores subtree hashes
answers in O(log n); the ``leaf_hashes`` convenience wrappers cost O(n) hashing and
O(log n) extra memory. The verifiers return ``False`` -- never raise -- on malformed input.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "RootBuilder",
    "SubtreeRoot",
    "consistency_path",
    "consistency_proof",
    "inclusion_path",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""MTH({}) -- the root of the empty tree (RFC 9162, section 2.1.1)."""

SubtreeRoot = Callable[[int, int], bytes]
"""``subtree_root(start, end)`` returns MTH(D[start:end]) for ``0 <= start < end``."""


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = HASH(0x00 || d) (RFC 9162, section 2.1.1)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """HASH(0x01 || left || right) for an interior node (RFC 9162, section 2.1.1)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (requires ``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


class RootBuilder:
    """Streaming MTH (RFC 9162, section 2.1.1): append leaf hashes, ask for the root.

    Keeps one hash per set bit of ``size`` (the roots of the perfect subtrees the
    leaves so far decompose into, largest first), i.e. O(log n) memory.
    """

    def __init__(self) -> None:
        self._size = 0
        self._stack: list[bytes] = []

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    def append(self, leaf_hash: bytes) -> None:
        """Add the next leaf hash, merging perfect subtrees of equal size."""
        merged, self._size = leaf_hash, self._size + 1
        n = self._size
        while n & 1 == 0:  # one merge per trailing zero bit of the new size
            merged = node_hash(self._stack.pop(), merged)
            n >>= 1
        self._stack.append(merged)

    def root(self) -> bytes:
        """MTH of the leaves appended so far; ``EMPTY_ROOT`` if there are none."""
        if not self._stack:
            return EMPTY_ROOT
        acc = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            acc = node_hash(left, acc)
        return acc


def root(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH(D[n]) over already-hashed leaves (RFC 9162, section 2.1.1), streaming."""
    builder = RootBuilder()
    for h in leaf_hashes:
        builder.append(h)
    return builder.root()


def _sequence_subtree_root(leaf_hashes: Sequence[bytes]) -> SubtreeRoot:
    def subtree_root(start: int, end: int) -> bytes:
        return root(leaf_hashes[i] for i in range(start, end))

    return subtree_root


def inclusion_path(index: int, size: int, subtree_root: SubtreeRoot) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162, section 2.1.3.1, leaf-most element first.

    Calls ``subtree_root`` once per proof element. Raises ``ValueError`` unless
    ``0 <= index < size``.
    """
    if not 0 <= index < size:
        raise ValueError(f"need 0 <= index < size, got index={index}, size={size}")
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:  # PATH(m, D[0:k]) : MTH(D[k:n])
            path.append(subtree_root(mid, hi))
            hi = mid
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            path.append(subtree_root(lo, mid))
            lo = mid
    path.reverse()
    return path


def consistency_path(old_size: int, new_size: int, subtree_root: SubtreeRoot) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162, section 2.1.4.1.

    Empty when the sizes are equal. Raises ``ValueError`` unless
    ``0 < old_size <= new_size`` or ``old_size == new_size == 0``.
    """
    if not 0 <= old_size <= new_size or old_size == 0 < new_size:
        raise ValueError(f"need 0 < old_size <= new_size, got {old_size}, {new_size}")
    path: list[bytes] = []
    lo, hi, known = 0, new_size, True  # SUBPROOF(m, D[lo:hi], b) with b = known
    while old_size != hi:
        mid = lo + _split(hi - lo)
        if old_size <= mid:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            path.append(subtree_root(mid, hi))
            hi = mid
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            path.append(subtree_root(lo, mid))
            lo, known = mid, False
    if not known:  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
        path.append(subtree_root(lo, hi))
    path.reverse()
    return path


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Inclusion proof of leaf ``index`` in the tree of all ``leaf_hashes`` (section 2.1.3.1)."""
    return inclusion_path(index, len(leaf_hashes), _sequence_subtree_root(leaf_hashes))


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """Consistency proof from the first ``old_size`` leaves to all of them (section 2.1.4.1)."""
    return consistency_path(old_size, len(leaf_hashes), _sequence_subtree_root(leaf_hashes))


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _hash_list(proof: object) -> list[bytes] | None:
    """``proof`` as a list of 32-byte hashes, or ``None`` if it is anything else."""
    if not isinstance(proof, (list, tuple)) or not all(_is_hash(p) for p in proof):
        return None
    return list(proof)


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Verify an inclusion proof as in RFC 9162, section 2.1.3.2.

    Hashes must be 32-byte ``bytes`` and ``proof`` a list or tuple of them; anything
    malformed (wrong lengths or types, negative or bool numbers) gives ``False``.
    """
    path = _hash_list(proof)
    if path is None or not (_is_hash(leaf_hash) and _is_hash(root)):
        return False
    if not (_is_size(index) and _is_size(size)) or index >= size:  # step 1
        return False
    fn, sn, r = index, size - 1, leaf_hash  # steps 2 and 3
    for p in path:  # step 4
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root  # step 5


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Verify a consistency proof as in RFC 9162, section 2.1.4.2.

    Beyond the RFC's algorithm (defined for ``0 < old_size < new_size``): equal sizes
    need an empty proof and equal roots, compared as byte strings as the RFC's step 1 does
    (and ``EMPTY_ROOT`` for size 0); a proof from the empty tree is meaningless and is
    rejected. Malformed input gives ``False``, as for ``verify_inclusion``.
    """
    path = _hash_list(proof)
    if path is None or not (_is_size(old_size) and _is_size(new_size)) or old_size > new_size:
        return False
    if old_size == new_size:
        return (
            not path
            and isinstance(old_root, bytes)
            and old_root == new_root
            and (old_size > 0 or old_root == EMPTY_ROOT)
        )
    if not (_is_hash(old_root) and _is_hash(new_root)):
        return False
    if old_size == 0 or not path:  # step 1 (and no proof from the empty tree)
        return False
    if old_size & (old_size - 1) == 0:  # step 2: old_size is a power of two
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1  # step 3
    while fn & 1:  # step 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn & 1 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0  # step 7
