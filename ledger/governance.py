"""Governance commands: bodies, seats, and decisions from proposal to outcome."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.backbone import Backbone
from domain.base import Envelope
from domain.collective import Collective
from domain.errors import AlreadyExists, NotFound, RuleViolation
from domain.governance import Body, Charter, Decision, Proposal
from domain.vocabulary import Outcome, Role, Stance
from ledger.core import Context, LedgerCore, Receipt

__all__ = ["GovernanceCommands"]


class GovernanceCommands(LedgerCore):
    """Bodies with their seats and decision rules; decisions and the positions taken on them."""

    def add_body(self, charter: Charter, ctx: Context) -> Receipt:
        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            return [Body.establish(collective.slug, charter, env)]

        return self._run(ctx, run, refusal=lambda: AlreadyExists("body", charter.slug))

    def seat(self, body: str, member: str, community: bool, ctx: Context) -> Receipt:
        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            found = self.body(collective.slug, body)
            found.seat(member, community, env)
            return [found]

        return self._run(ctx, run)

    def unseat(self, body: str, member: str, ctx: Context) -> Receipt:
        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            found = self.body(collective.slug, body)
            found.unseat(member, env)
            return [found]

        return self._run(ctx, run)

    def propose(self, body: str, proposal: Proposal, ctx: Context) -> tuple[Receipt, str]:
        """Put a proposal to a body; returns the receipt and the new decision's id."""
        refs: list[str] = []

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            found = self.body(collective.slug, body)
            decision = Decision.propose(collective.slug, found, proposal, env)
            refs.append(decision.ref)
            return [found, decision]

        receipt = self._run(ctx, run)
        if refs:
            return receipt, refs[0]
        # A retried request: the decision it proposed is in the log at the recorded positions.
        earlier = self.recorder.select_notifications(receipt.positions[-1], 1)
        proposed: Any = self.mapper.to_domain_event(earlier[0])
        return receipt, str(proposed.decision)

    def take_position(self, ref: str, member: str, stance: Stance, ctx: Context) -> Receipt:
        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            decision = self.decision(collective.slug, ref)
            decision.take_position(self.body(collective.slug, decision.body), member, stance, env)
            return [decision]

        return self._run(ctx, run)

    def close_decision(self, ref: str, ctx: Context) -> Receipt:
        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            decision = self.decision(collective.slug, ref)
            body = self.body(collective.slug, decision.body)
            decision.close(body, self._backbone_orgs(collective), env)
            return [decision]

        return self._run(ctx, run)

    def _backbone_orgs(self, collective: Collective) -> frozenset[str]:
        """Who decides for a body whose rule is "delegated": the appointed backbone, or else
        the members that take part in the backbone role."""
        appointed = self._get(Backbone, Backbone.id_for(collective.slug))
        if appointed is not None and appointed.terms:
            return frozenset({appointed.current.org})
        return frozenset(m.org for m in collective.current_members() if m.role is Role.BACKBONE)

    def withdraw_decision(self, ref: str, ctx: Context) -> Receipt:
        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            decision = self.decision(collective.slug, ref)
            decision.withdraw(env)
            return [decision]

        return self._run(ctx, run)

    def body(self, collective: str, slug: str) -> Body:
        found = self._get(Body, Body.id_for(collective, slug))
        if found is None:
            raise NotFound("body", slug, "set it up first with `collective body add`")
        return found

    def decision(self, collective: str, ref: str) -> Decision:
        found = self._get(Decision, Decision.id_for(collective, ref))
        if found is None:
            raise NotFound("decision", ref)
        return found

    def require_passed(self, collective: str, ref: str) -> Decision:
        """The decision ``ref`` if it passed; a change that needs authority calls this first."""
        decision = self.decision(collective, ref)
        if decision.outcome is not Outcome.PASSED:
            raise RuleViolation(f"decision {ref} has not passed (it is {decision.outcome})")
        return decision
