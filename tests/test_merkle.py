"""Tests for ledger.merkle: RFC 9162 / RFC 6962 test vectors plus property tests.

The vectors (transparency-dev/merkle ``testdata/``) live outside the repository, in
``../shared/data/merkle-vectors``; only the vector tests skip when they are missing.
The property tests compare against a deliberately naive recursive transcription of the
RFC 9162 section 2.1 definitions (MTH, PATH, PROOF/SUBPROOF) written below.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.merkle import (
    EMPTY_ROOT,
    RootBuilder,
    consistency_path,
    consistency_proof,
    inclusion_path,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

VECTOR_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "merkle-vectors"
VECTORS_PRESENT = VECTOR_DIR.is_dir()
EXPECTED_VECTOR_COUNT = 196
MISSING_REASON = f"Merkle test vectors not found: folder {VECTOR_DIR} is missing"
needs_vectors = pytest.mark.skipif(not VECTORS_PRESENT, reason=MISSING_REASON)

# The 8 reference leaf inputs of SOURCE.md and the root they must give.
REFERENCE_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
REFERENCE_ROOT = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")


SETTINGS = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


# --- naive reference implementation, straight from the RFC definitions -----------------


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """Largest power of two strictly smaller than n (n >= 2), by counting."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(hs: list[bytes]) -> bytes:
    if not hs:
        return _sha(b"")
    if len(hs) == 1:
        return hs[0]
    k = _k(len(hs))
    return _sha(b"\x01" + ref_mth(hs[:k]) + ref_mth(hs[k:]))


def ref_path(m: int, hs: list[bytes]) -> list[bytes]:
    if len(hs) == 1:
        return []
    k = _k(len(hs))
    if m < k:
        return [*ref_path(m, hs[:k]), ref_mth(hs[k:])]
    return [*ref_path(m - k, hs[k:]), ref_mth(hs[:k])]


def ref_subproof(m: int, hs: list[bytes], b: bool) -> list[bytes]:
    if m == len(hs):
        return [] if b else [ref_mth(hs)]
    k = _k(len(hs))
    if m <= k:
        return [*ref_subproof(m, hs[:k], b), ref_mth(hs[k:])]
    return [*ref_subproof(m - k, hs[k:], False), ref_mth(hs[:k])]


@cache
def path_shape(m: int, n: int) -> tuple[str, ...]:
    """Which side each PATH(m, D[n]) element sits on, leaf first (hash-free)."""
    if n == 1:
        return ()
    k = _k(n)
    return (*path_shape(m, k), "right") if m < k else (*path_shape(m - k, n - k), "left")


@cache
def proof_shape(m: int, n: int, b: bool = True) -> tuple[str, ...]:
    """The role of each PROOF(m, D[n]) element (hash-free): its side, or the seed."""
    if m == n:
        return () if b else ("seed",)
    k = _k(n)
    if m <= k:
        return (*proof_shape(m, k, b), "right")
    return (*proof_shape(m - k, n - k, False), "left")


def memo_subtree_root(hs: list[bytes]) -> Callable[[int, int], bytes]:
    """A caller-side subtree_root with stored subtree hashes (each range hashed once)."""

    @cache
    def subtree_root(start: int, end: int) -> bytes:
        if end - start == 1:
            return hs[start]
        mid = start + _k(end - start)
        return node_hash(subtree_root(start, mid), subtree_root(mid, end))

    return subtree_root


def flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


# --- strategies -----------------------------------------------------------------------

# Distinct leaf data: distinct leaves make every distinct subtree hash distinct, so a
# proof can only verify when the verifier recomputes exactly the honest structure.
small_unique_leaves = st.lists(st.binary(max_size=12), min_size=1, max_size=40, unique=True)
large_unique_leaves = st.builds(
    lambda n, salt: [salt + i.to_bytes(2, "big") for i in range(n)],
    st.integers(1, 300),
    st.binary(max_size=8),
)
leaf_lists = st.one_of(small_unique_leaves, large_unique_leaves)


# --- vector tests ---------------------------------------------------------------------


def _vector_files() -> list[Path]:
    return sorted(VECTOR_DIR.rglob("*.json")) if VECTORS_PRESENT else []


def _rel(path: Path) -> str:
    return path.relative_to(VECTOR_DIR).as_posix()


def _vector_params() -> list[Any]:
    if not VECTORS_PRESENT:
        return [pytest.param(None, id="vectors-missing", marks=pytest.mark.skip(MISSING_REASON))]
    return [pytest.param(p, id=_rel(p)) for p in _vector_files()]


def _b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    # The Go generator writes a nil slice as null; it means an empty proof.
    data["proof_bytes"] = [_b64(p) for p in data["proof"] or []]
    return data


def _run_vector(v: dict[str, Any]) -> bool:
    if "leafIdx" in v:
        return verify_inclusion(
            _b64(v["leafHash"]), v["leafIdx"], v["treeSize"], v["proof_bytes"], _b64(v["root"])
        )
    return verify_consistency(
        v["size1"], v["size2"], _b64(v["root1"]), _b64(v["root2"]), v["proof_bytes"]
    )


@needs_vectors
def test_vector_count() -> None:
    files = _vector_files()
    assert len(files) == EXPECTED_VECTOR_COUNT
    kinds = {_rel(p).split("/")[0] for p in files}
    assert kinds == {"inclusion", "consistency"}


@needs_vectors
@pytest.mark.parametrize("path", _vector_params())
def test_vector(path: Path) -> None:
    v = _load(path)
    assert isinstance(v["wantErr"], bool)
    assert _run_vector(v) is (not v["wantErr"]), v["desc"]


def test_reference_leaves_root() -> None:
    hashes = [leaf_hash(d) for d in REFERENCE_LEAVES]
    assert root(hashes) == REFERENCE_ROOT
    assert ref_mth(hashes) == REFERENCE_ROOT
    assert leaf_hash(b"") == bytes.fromhex(
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert EMPTY_ROOT == root([]) == _sha(b"")


@needs_vectors
def test_happy_path_proofs_are_reproduced() -> None:
    hashes = [leaf_hash(d) for d in REFERENCE_LEAVES]
    happy = [p for p in _vector_files() if p.name == "happy-path.json"]
    assert len(happy) == 10
    for path in happy:
        v = _load(path)
        assert v["wantErr"] is False
        if "leafIdx" in v:
            tree = hashes[: v["treeSize"]]
            assert _b64(v["leafHash"]) == tree[v["leafIdx"]]
            assert _b64(v["root"]) == root(tree)
            assert inclusion_proof(tree, v["leafIdx"]) == v["proof_bytes"], _rel(path)
        else:
            tree = hashes[: v["size2"]]
            assert _b64(v["root1"]) == root(tree[: v["size1"]])
            assert _b64(v["root2"]) == root(tree)
            assert consistency_proof(tree, v["size1"]) == v["proof_bytes"], _rel(path)


# --- unit tests -----------------------------------------------------------------------


def test_hash_domain_separation() -> None:
    assert leaf_hash(b"ab") == _sha(b"\x00ab")
    assert node_hash(b"a", b"b") == _sha(b"\x01ab")
    assert leaf_hash(b"\x01ab") != node_hash(b"a", b"b")


def test_million_leaves_streaming() -> None:
    """1,000,000 identical leaves: closed form by size only, no recursion over leaves."""
    h = leaf_hash(b"x")

    @cache
    def uniform(n: int) -> bytes:  # MTH of n copies of h, recursing on sizes (depth ~20)
        if n == 1:
            return h
        k = _k(n)
        return node_hash(uniform(k), uniform(n - k))

    n = 1_000_000
    builder = RootBuilder()
    for leaf in itertools.repeat(h, n):
        builder.append(leaf)
    assert builder.size == n
    assert builder.root() == uniform(n)
    assert root(itertools.repeat(h, n)) == uniform(n)

    def subtree(start: int, end: int) -> bytes:
        return uniform(end - start)

    for index in (0, 524_287, 524_288, n - 1):
        proof = inclusion_path(index, n, subtree)
        assert len(proof) == len(path_shape(index, n))
        assert verify_inclusion(h, index, n, proof, uniform(n))
    for old in (1, 3, 524_288, 999_999):
        proof = consistency_path(old, n, subtree)
        assert verify_consistency(old, n, uniform(old), uniform(n), proof)


def test_subtree_root_called_once_per_proof_element() -> None:
    hashes = [leaf_hash(i.to_bytes(2, "big")) for i in range(1000)]
    calls: list[tuple[int, int]] = []
    stored = memo_subtree_root(hashes)

    def counting(start: int, end: int) -> bytes:
        calls.append((start, end))
        return stored(start, end)

    proof = inclusion_path(777, 1000, counting)
    assert len(calls) == len(proof) == 10
    calls.clear()
    proof = consistency_path(777, 1000, counting)
    assert len(calls) == len(proof) == len(ref_subproof(777, hashes, True))


def test_proof_generation_rejects_bad_arguments() -> None:
    hashes = [leaf_hash(bytes([i])) for i in range(5)]
    for index in (-1, 5, 6):
        with pytest.raises(ValueError):
            inclusion_proof(hashes, index)
    with pytest.raises(ValueError):
        inclusion_proof([], 0)
    for old in (-1, 0, 6):
        with pytest.raises(ValueError):
            consistency_proof(hashes, old)
    assert consistency_proof(hashes, 5) == []
    assert consistency_proof([], 0) == []


def test_verifiers_reject_malformed_input() -> None:
    hs = [leaf_hash(bytes([i])) for i in range(6)]
    r3, r6 = root(hs[:3]), root(hs)
    incl = inclusion_proof(hs, 2)
    cons = consistency_proof(hs, 3)
    assert verify_inclusion(hs[2], 2, 6, incl, r6)
    assert verify_consistency(3, 6, r3, r6, cons)
    bad_inclusion: list[tuple[Any, ...]] = [
        (hs[2][:31], 2, 6, incl, r6),
        (hs[2] + b"\x00", 2, 6, incl, r6),
        (hs[2].hex(), 2, 6, incl, r6),
        (bytearray(hs[2]), 2, 6, incl, r6),
        (hs[2], -1, 6, incl, r6),
        (hs[2], 2, -6, incl, r6),
        (hs[2], 2.0, 6, incl, r6),
        (hs[2], "2", 6, incl, r6),
        (hs[2], True, 6, incl, r6),
        (hs[2], 2, None, incl, r6),
        (hs[2], 2, 6, None, r6),
        (hs[2], 2, 6, b"".join(incl), r6),
        (hs[2], 2, 6, [*incl[:-1], incl[-1][:-1]], r6),
        (hs[2], 2, 6, [*incl[:-1], "x"], r6),
        (hs[2], 2, 6, incl, r6[:16]),
        (hs[2], 2, 6, incl, None),
        (hs[2], 2**64 + 2, 6, incl, r6),
    ]
    for args in bad_inclusion:
        assert verify_inclusion(*args) is False, args
    bad_consistency: list[tuple[Any, ...]] = [
        (-3, 6, r3, r6, cons),
        (3, -6, r3, r6, cons),
        (3.0, 6, r3, r6, cons),
        (3, "6", r3, r6, cons),
        (6, 3, r6, r3, cons),
        (3, 6, r3[:-1], r6, cons),
        (3, 6, r3, r6 + b"\x00", cons),
        (3, 6, r3, r6, None),
        (3, 6, r3, r6, b"".join(cons)),
        (3, 6, r3, r6, [*cons, b""]),
        (3, 6, r3, r6, [b"", *cons]),
        (0, 6, EMPTY_ROOT, r6, []),
        (0, 6, EMPTY_ROOT, r6, cons),
        (0, 0, r3, r3, []),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]),
        (6, 6, r6, r6, [r6]),
        (6, 6, r6, r3, []),
    ]
    for args in bad_consistency:
        assert verify_consistency(*args) is False, args
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, []) is True
    assert verify_consistency(6, 6, r6, r6, ()) is True
    # Negative numbers whose low bits alias a valid path would pass the bit arithmetic.
    r4 = root(hs[:4])
    assert verify_inclusion(hs[0], 0, 4, inclusion_proof(hs[:4], 0), r4)
    assert verify_inclusion(hs[0], -4, 4, inclusion_proof(hs[:4], 0), r4) is False
    assert verify_consistency(3, 4, r3, r4, consistency_proof(hs[:4], 3))
    assert verify_consistency(-37, 3, r3, r4, consistency_proof(hs[:4], 3)) is False
    # bool is an int subclass, but True is not a leaf index or a tree size.
    assert verify_inclusion(hs[1], 1, 6, inclusion_proof(hs, 1), r6)
    assert verify_inclusion(hs[1], True, 6, inclusion_proof(hs, 1), r6) is False
    assert verify_consistency(1, 6, hs[0], r6, consistency_proof(hs, 1))
    assert verify_consistency(True, 6, hs[0], r6, consistency_proof(hs, 1)) is False


junk = st.one_of(
    st.none(),
    st.integers(-(2**70), 2**70),
    st.booleans(),
    st.floats(allow_nan=True),
    st.binary(max_size=40),
    st.text(max_size=5),
    st.lists(st.one_of(st.binary(min_size=30, max_size=33), st.none(), st.integers())),
)


@SETTINGS
@given(junk, junk, junk, junk, junk)
def test_verifiers_never_raise(a: Any, b: Any, c: Any, d: Any, e: Any) -> None:
    assert isinstance(verify_inclusion(a, b, c, d, e), bool)
    assert isinstance(verify_consistency(a, b, c, d, e), bool)


# --- property tests -------------------------------------------------------------------


@SETTINGS
@given(st.lists(st.binary(max_size=8), max_size=300))
def test_root_builder_matches_root_and_reference(data: list[bytes]) -> None:
    hashes = [leaf_hash(d) for d in data]
    builder = RootBuilder()
    assert builder.root() == EMPTY_ROOT and builder.size == 0
    for i, h in enumerate(hashes):
        builder.append(h)
        assert builder.size == i + 1
        if i < 40 or i == len(hashes) - 1:
            assert builder.root() == ref_mth(hashes[: i + 1])
    assert builder.root() == root(hashes) == ref_mth(hashes)
    assert root(iter(hashes)) == root(hashes)


@SETTINGS
@given(leaf_lists, st.data())
def test_inclusion_proofs(data: list[bytes], draw: st.DataObject) -> None:
    hashes = [leaf_hash(d) for d in data]
    n = len(hashes)
    tree_root = root(hashes)
    stored = memo_subtree_root(hashes)
    for i in range(n):  # every proof verifies
        assert verify_inclusion(hashes[i], i, n, inclusion_path(i, n, stored), tree_root)

    i = draw.draw(st.integers(0, n - 1), label="index")
    proof = inclusion_proof(hashes, i)
    assert proof == ref_path(i, hashes) == inclusion_path(i, n, stored)
    leaf = hashes[i]
    assert verify_inclusion(leaf, i, n, proof, tree_root)

    for pos, element in enumerate(proof):  # a flipped bit anywhere in the proof
        bit = draw.draw(st.integers(0, 255), label=f"bit of proof[{pos}]")
        bad = [*proof[:pos], flip(element, bit), *proof[pos + 1 :]]
        assert not verify_inclusion(leaf, i, n, bad, tree_root)
    bit = draw.draw(st.integers(0, 255), label="bit of root")
    assert not verify_inclusion(leaf, i, n, proof, flip(tree_root, bit))
    bit = draw.draw(st.integers(0, 255), label="bit of leaf")
    assert not verify_inclusion(flip(leaf, bit), i, n, proof, tree_root)
    assert not verify_inclusion(leaf, i, n, proof, _sha(tree_root))

    for pos in range(len(proof)):  # a dropped element
        assert not verify_inclusion(leaf, i, n, proof[:pos] + proof[pos + 1 :], tree_root)
    extra = draw.draw(st.sampled_from([*proof, leaf, tree_root, _sha(b"extra")]), label="extra")
    for pos in range(len(proof) + 1):  # an added element
        assert not verify_inclusion(leaf, i, n, [*proof[:pos], extra, *proof[pos:]], tree_root)
    # A trailing element is rejected even against the root it leads to (step 4a: sn == 0).
    assert not verify_inclusion(leaf, i, n, [*proof, extra], node_hash(extra, tree_root))

    # Another index or size verifies iff its path has the very same shape; with
    # distinct leaves that never happens for another index, but it does for some
    # sizes (leaf 0 of 3 and of 4 leaves both have the path [leaf 1, right subtree]).
    for j in range(-n - 2, n):
        assert verify_inclusion(leaf, j, n, proof, tree_root) is (j == i)
    for size in range(-n - 2, 2 * n + 2):
        same = i < size and path_shape(i, size) == path_shape(i, n)
        assert verify_inclusion(leaf, i, size, proof, tree_root) is same
    assert verify_inclusion(leaf, i, n + 2**64, proof, tree_root) is False


@SETTINGS
@given(leaf_lists, st.data())
def test_consistency_proofs(data: list[bytes], draw: st.DataObject) -> None:
    hashes = [leaf_hash(d) for d in data]
    n = len(hashes)
    stored = memo_subtree_root(hashes)
    for m in range(1, n + 1):  # every old size against the full tree
        proof = consistency_path(m, n, stored)
        assert verify_consistency(m, n, stored(0, m), stored(0, n), proof)

    new = draw.draw(st.integers(1, n), label="new size")
    old = draw.draw(st.integers(1, new), label="old size")
    proof = consistency_proof(hashes[:new], old)
    assert proof == ref_subproof(old, hashes[:new], True) == consistency_path(old, new, stored)
    r1, r2 = stored(0, old), stored(0, new)
    assert verify_consistency(old, new, r1, r2, proof)

    for pos, element in enumerate(proof):  # a flipped bit anywhere in the proof
        bit = draw.draw(st.integers(0, 255), label=f"bit of proof[{pos}]")
        bad = [*proof[:pos], flip(element, bit), *proof[pos + 1 :]]
        assert not verify_consistency(old, new, r1, r2, bad)
    bit = draw.draw(st.integers(0, 255), label="bit of old root")
    assert not verify_consistency(old, new, flip(r1, bit), r2, proof)
    bit = draw.draw(st.integers(0, 255), label="bit of new root")
    assert not verify_consistency(old, new, r1, flip(r2, bit), proof)
    if old != new:
        assert not verify_consistency(old, new, r2, r1, proof)  # swapped roots

    for pos in range(len(proof)):  # a dropped element
        assert not verify_consistency(old, new, r1, r2, proof[:pos] + proof[pos + 1 :])
    extra = draw.draw(st.sampled_from([*proof, r1, r2, _sha(b"extra")]), label="extra")
    for pos in range(len(proof) + 1):  # an added element
        assert not verify_consistency(old, new, r1, r2, [*proof[:pos], extra, *proof[pos:]])
    # A trailing element is rejected even against the roots it leads to (step 6a: sn == 0).
    longer = [*proof, extra]
    assert not verify_consistency(old, new, node_hash(extra, r1), node_hash(extra, r2), longer)

    # Other sizes verify iff the proof has the very same shape for them (e.g. 1 -> 3
    # and 1 -> 4 share the shape [right leaf, right subtree]).
    want = proof_shape(old, new)
    sizes = range(-2 * new - 2, 2 * new + 2)
    others = [(s, new) for s in sizes] + [(old, s) for s in sizes] + [(-s, -s) for s in sizes]
    others.append((old + 2**64, new + 2**64))
    for size1, size2 in others:
        same = 0 < size1 <= size2 and proof_shape(size1, size2) == want
        assert verify_consistency(size1, size2, r1, r2, proof) is same, (size1, size2)
