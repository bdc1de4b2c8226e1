"""Checkpoints and receipts: signing the tree head, proving one event, proving consistency.

The tree head (size and root) is computed from the subtree hashes the recorder stores beside the
events (``ledger_tree``), in a logarithmic number of look-ups. Signing refuses a head that does not
extend the last checkpoint the ledger issued (a consistency proof between the two, RFC 9162 2.1.4),
so the ledger never signs two views of its history. Verification never relies on these stored
hashes: it recomputes everything (``ledger/verify.py``).

The log's *origin*, the first line of every checkpoint, is fixed at the first checkpoint and kept
in ``ledger_meta``: ``collective-ledger/<slug of the first collective>`` (or
``collective-ledger/<random id>`` for a ledger without a collective yet).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from domain.audit import AuditLog, TreeHead
from domain.errors import NotFound, RuleViolation
from ledger.auditlog import leaf_bytes, stored_fetch, subtree_root
from ledger.core import Context, LedgerCore, Receipt
from ledger.merkle import (
    EMPTY_ROOT,
    consistency_path,
    inclusion_path,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from ledger.signednote import Checkpoint, SigningKey, TlogProof, b64decode, sign_note

__all__ = ["ORIGIN_PREFIX", "AuditCommands", "Issued"]

ORIGIN_PREFIX = "collective-ledger/"


@dataclass(frozen=True)
class Issued:
    """A checkpoint the ledger signed (or had signed already under this request id)."""

    receipt: Receipt
    checkpoint: TreeHead


class _StoredTree:
    """Reads the stored leaves and subtree hashes in one transaction (SQLite or PostgreSQL)."""

    def __init__(self, app: LedgerCore, cursor: Any) -> None:
        self.cursor = cursor
        self.postgres = app.store.kind == "postgres"
        recorder: Any = app.recorder
        self._size: Any
        self._node: Any
        self._leaf: Any
        self._range: Any
        if self.postgres:
            from psycopg.sql import SQL

            self._size = SQL("SELECT COALESCE(MAX(leaf) + 1, 0) AS n FROM {0}").format(
                recorder.leaves_table
            )
            self._node = SQL("SELECT hash AS h FROM {0} WHERE level = %s AND node = %s").format(
                recorder.tree_table
            )
            self._leaf = SQL("SELECT leaf AS i, hash AS h FROM {0} WHERE position = %s").format(
                recorder.leaves_table
            )
            self._range = SQL(
                "SELECT hash AS h FROM {0} WHERE leaf >= %s AND leaf < %s ORDER BY leaf"
            ).format(recorder.leaves_table)
        else:
            self._size = "SELECT COALESCE(MAX(leaf) + 1, 0) AS n FROM ledger_leaves"
            self._node = "SELECT hash AS h FROM ledger_tree WHERE level = ? AND node = ?"
            self._leaf = "SELECT leaf AS i, hash AS h FROM ledger_leaves WHERE position = ?"
            self._range = (
                "SELECT hash AS h FROM ledger_leaves WHERE leaf >= ? AND leaf < ? ORDER BY leaf"
            )

    def _one(self, query: Any, *params: Any) -> Any:
        self.cursor.execute(query, params)
        return self.cursor.fetchone()

    def size(self) -> int:
        return int(self._one(self._size)["n"])

    def fetch(self, level: int, node: int) -> bytes | None:
        return stored_fetch(self._stored_node, self._leaf_hashes)(level, node)

    def _stored_node(self, level: int, node: int) -> bytes | None:
        row = self._one(self._node, level, node)
        return None if row is None else bytes(row["h"])

    def _leaf_hashes(self, start: int, end: int) -> list[bytes]:
        self.cursor.execute(self._range, (start, end))
        return [bytes(row["h"]) for row in self.cursor.fetchall()]

    def root(self, size: int) -> bytes:
        return EMPTY_ROOT if size == 0 else subtree_root(self.fetch, 0, size)

    def subtree(self, start: int, end: int) -> bytes:
        return subtree_root(self.fetch, start, end)

    def leaf(self, position: int) -> tuple[int, bytes] | None:
        row = self._one(self._leaf, position)
        return None if row is None else (int(row["i"]), bytes(row["h"]))


class AuditCommands(LedgerCore):
    """The audit log: the tree head, signed checkpoints, receipts and consistency proofs."""

    @contextmanager
    def _tree(self) -> Iterator[_StoredTree]:
        datastore: Any = self.factory.datastore  # type: ignore[attr-defined]
        with datastore.transaction(commit=False) as cursor:
            yield _StoredTree(self, cursor)

    def origin(self) -> str:
        """This log's origin line, fixed (in ``ledger_meta``) the first time it is asked for."""
        meta = self.read_meta()
        if "origin" not in meta:
            slugs = self.collectives()
            name = slugs[0] if slugs else uuid.uuid4().hex
            self.write_meta(origin=ORIGIN_PREFIX + name)  # the first writer wins
            meta = self.read_meta()
        return meta["origin"]

    def tree_head(self) -> tuple[int, bytes]:
        """The size and root of the tree of every stored leaf (from the stored subtrees)."""
        with self._tree() as tree:
            size = tree.size()
            return size, tree.root(size)

    def audit_log(self) -> AuditLog | None:
        return self._get(AuditLog, AuditLog.ID)

    def issue_checkpoint(self, key: SigningKey, ctx: Context) -> Issued:
        """Sign the current tree head with ``key`` and keep the checkpoint in the ledger."""
        env = self._envelope(ctx, collective=None)
        if done := self._replayed(env):
            return Issued(done, self._issued_at(done.positions[-1]))
        gate = self._gate(ctx, env)
        origin = self.origin()
        log = self.audit_log() or AuditLog.start(origin, env)
        with self._tree() as tree:
            size = tree.size()
            root = tree.root(size)
            head = TreeHead(
                origin=origin,
                size=size,
                root=Checkpoint(origin, size, root).root_b64,
                signer=str(key.verifier),
                note=sign_note(Checkpoint(origin, size, root).text, key),
            )
            log.issue(head, env, consistent=self._consistent(tree, size, root))
        gate.admit([log])
        return Issued(self._save(env, log), head)

    @staticmethod
    def _consistent(tree: _StoredTree, size: int, root: bytes) -> Callable[[int, str], bool]:
        def consistent(old_size: int, old_root: str) -> bool:
            if old_size == 0:
                return True
            proof = consistency_path(old_size, size, tree.subtree)
            return verify_consistency(old_size, size, b64decode(old_root, "root"), root, proof)

        return consistent

    def _issued_at(self, position: int) -> TreeHead:
        found: Any = self.mapper.to_domain_event(self.recorder.select_notifications(position, 1)[0])
        return TreeHead.model_validate(found.checkpoint)

    def receipt(self, position: int) -> TlogProof:
        """A C2SP tlog-proof that the event at log ``position`` is in the last checkpoint."""
        log = self.audit_log()
        if log is None or log.last is None:
            raise RuleViolation(
                "the ledger has signed no checkpoint yet: sign one with "
                "`collective checkpoint --key FILE`"
            )
        head = log.last
        with self._tree() as tree:
            found = tree.leaf(position)
            if found is None:
                raise NotFound("log position", str(position), "see `collective log`")
            index, stored = found
            if index >= head.size:
                raise RuleViolation(
                    f"the last checkpoint covers the first {head.size} events, not position "
                    f"{position}: sign a new one with `collective checkpoint --key FILE`"
                )
            event = self.recorder.select_notifications(position, 1)[0]
            data = leaf_bytes(
                event.id, event.originator_id, event.originator_version, event.topic, event.state
            )
            if event.id != position or leaf_hash(data) != stored:
                raise RuleViolation(
                    f"the event at position {position} does not match its leaf: "
                    "run `collective verify`"
                )
            path = inclusion_path(index, head.size, tree.subtree)
        if not verify_inclusion(stored, index, head.size, path, b64decode(head.root, "root")):
            raise RuleViolation(
                f"the stored tree does not match the checkpoint of size {head.size}: "
                "run `collective verify`"
            )
        return TlogProof(index, tuple(path), head.note, extra=data)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
        with self._tree() as tree:
            return inclusion_path(index, size, tree.subtree)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """RFC 9162 consistency proof from the tree of ``old_size`` leaves to ``new_size``."""
        with self._tree() as tree:
            return consistency_path(old_size, new_size, tree.subtree)
