"""Receipts: checking, with a verifier key alone, that one event is in a signed log.

A receipt is a C2SP tlog-proof (``ledger/signednote.py``) whose ``extra`` line carries the leaf
bytes of the event (``ledger/auditlog.py``): its log position, aggregate id, version, topic and
the SHA-256 of its stored bytes. The verifier hashes the leaf itself, follows the inclusion proof
to a root, and checks that root against the signed checkpoint: any RFC 9162 and signed-note
implementation can do the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from ledger.auditlog import LEAF_PREFIX
from ledger.merkle import leaf_hash, verify_inclusion
from ledger.signednote import Checkpoint, NoteError, TlogProof, VerifierKey

__all__ = ["LeafFacts", "VerifiedReceipt", "parse_leaf", "verify_receipt"]

_LEAF = re.compile(
    r"^(0|[1-9][0-9]*)\n([0-9a-f]{32})\n([1-9][0-9]*)\n([^\n]+)\n([0-9a-f]{64})$", re.ASCII
)


@dataclass(frozen=True)
class LeafFacts:
    """What a leaf commits to."""

    position: int
    aggregate_id: UUID
    version: int
    topic: str
    state_sha256: str
    """The SHA-256 of the event's stored bytes (hex)."""


@dataclass(frozen=True)
class VerifiedReceipt:
    index: int
    leaf: LeafFacts
    checkpoint: Checkpoint
    signed_by: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "position": self.leaf.position,
            "leaf_index": self.index,
            "aggregate_id": str(self.leaf.aggregate_id),
            "version": self.leaf.version,
            "topic": self.leaf.topic,
            "state_sha256": self.leaf.state_sha256,
            "origin": self.checkpoint.origin,
            "tree_size": self.checkpoint.size,
            "root": self.checkpoint.root_b64,
            "signed_by": list(self.signed_by),
        }


def parse_leaf(data: bytes) -> LeafFacts:
    """The fields of leaf bytes written by ``auditlog.leaf_bytes`` (strictly)."""
    if not data.startswith(LEAF_PREFIX):
        raise NoteError("the receipt's leaf is not a collective-ledger leaf")
    try:
        text = data[len(LEAF_PREFIX) :].decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError("the receipt's leaf is not UTF-8") from None
    found = _LEAF.match(text)
    if found is None:
        raise NoteError("the receipt's leaf is malformed")
    position, ident, version, topic, digest = found.groups()
    return LeafFacts(int(position), UUID(hex=ident), int(version), topic, digest)


def verify_receipt(data: bytes | str, keys: list[VerifierKey]) -> VerifiedReceipt:
    """Check a receipt against the trusted ``keys``; raises :class:`NoteError` if it fails."""
    proof = TlogProof.parse(data)
    checkpoint, note = Checkpoint.open(proof.checkpoint, keys)
    if proof.extra is None:
        raise NoteError("the receipt carries no leaf (no extra line)")
    if proof.index >= checkpoint.size:
        raise NoteError(
            f"the receipt's index {proof.index} is outside the checkpoint's "
            f"{checkpoint.size} leaves"
        )
    if not verify_inclusion(
        leaf_hash(proof.extra), proof.index, checkpoint.size, proof.hashes, checkpoint.root
    ):
        raise NoteError("the inclusion proof does not lead to the checkpoint's root")
    trusted = {(k.name, k.key_id): str(k) for k in keys}
    signed = tuple(
        dict.fromkeys(
            trusted[(s.name, s.key_id)] for s in note.signatures if (s.name, s.key_id) in trusted
        )
    )
    return VerifiedReceipt(proof.index, parse_leaf(proof.extra), checkpoint, signed)
