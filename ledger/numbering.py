"""Numbered records: the register helpers that meetings, feedback, funding and learning share."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from domain.base import Envelope
from domain.errors import NotFound
from domain.register import Register
from ledger.core import Receipt
from ledger.governance import GovernanceCommands

__all__ = ["NumberedRecords"]

A = TypeVar("A")


class NumberedRecords(GovernanceCommands):
    """Finds or opens the register that numbers one kind of record in a collective."""

    def _register(
        self, collective: str, name: str, kind: str, prefix: str, env: Envelope
    ) -> Register:
        found = self._get(Register, Register.id_for(collective, name))
        return found or Register.open(collective, name, kind, prefix, env)

    def _issued(self, receipt: Receipt, refs: list[str], field: str) -> tuple[Receipt, str]:
        """The receipt and the new record's id; for a retried request, read from the log.

        The record's creation is the last event a numbering command saves.
        """
        if refs:
            return receipt, refs[0]
        earlier = self.recorder.select_notifications(receipt.positions[-1], 1)
        created: Any = self.mapper.to_domain_event(earlier[0])
        return receipt, str(getattr(created, field))

    def _issued_refs(self, collective: str, name: str) -> list[str]:
        """Every id a register has issued, in order (none if it was never opened)."""
        found = self._get(Register, Register.id_for(collective, name))
        return [] if found is None else list(found.issued)

    def _found(self, cls: type[A], aggregate_id: UUID, kind: str, ref: str) -> A:
        found = self._get(cls, aggregate_id)
        if found is None:
            raise NotFound(kind, ref)
        return found
