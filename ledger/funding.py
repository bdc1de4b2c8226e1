"""Funding commands: commitments between organisations and disbursements against them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.base import Envelope
from domain.collective import Collective
from domain.funding import Funding, Pledge
from domain.values import Money
from ledger.core import Context, Receipt
from ledger.numbering import NumberedRecords

__all__ = ["FundingCommands"]


class FundingCommands(NumberedRecords):
    """Funding commitments (numbered ``fc-<n>``) and their disbursements."""

    def commit_funding(self, pledge: Pledge, ctx: Context) -> tuple[Receipt, str]:
        """Record a funding commitment; returns the receipt and its id."""
        refs: list[str] = []

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            self.organisation(pledge.funder)
            self.organisation(pledge.recipient)
            register = self._register(collective.slug, Funding.REGISTER, "funding", "fc-", env)
            funding = Funding.commit(
                collective.slug, collective.settings.calendar, register, pledge, env
            )
            refs.append(funding.ref)
            return [register, funding]

        return self._issued(self._run(ctx, run), refs, "funding")

    def disburse(self, ref: str, money: Money, ctx: Context) -> Receipt:
        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            found = self.funding(collective.slug, ref)
            found.disburse(money, env)
            return [found]

        return self._run(ctx, run)

    def funding(self, collective: str, ref: str) -> Funding:
        return self._found(Funding, Funding.id_for(collective, ref), "funding commitment", ref)

    def all_funding(self, collective: str) -> list[Funding]:
        """Every funding commitment of the collective, in the order recorded."""
        return [self.funding(collective, r) for r in self._issued_refs(collective, "funding")]
