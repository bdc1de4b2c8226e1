"""The common agenda, agreements and the backbone: the collective's founding commitments.

The agenda and the backbone change only on the authority of a decision that passed; agreements
are signed by their parties, each of them a member organisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from domain.agenda import Agenda, AgendaText
from domain.agreement import Agreement, AgreementDraft
from domain.backbone import Backbone
from domain.base import Envelope
from domain.collective import Collective
from domain.errors import AlreadyExists, NotFound, RuleViolation
from domain.vocabulary import BackboneFunction
from ledger.core import Context, Receipt
from ledger.governance import GovernanceCommands

__all__ = ["AgendaCommands"]


class AgendaCommands(GovernanceCommands):
    """The common agenda and its versions, agreements and their signatures, the backbone."""

    # -- the common agenda -------------------------------------------------------------------

    def adopt_agenda(self, text: AgendaText, decision: str, ctx: Context) -> Receipt:
        """Adopt the first version of the common agenda, on the authority of ``decision``."""

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            self.require_passed(collective.slug, decision)
            return [Agenda.adopt(collective.slug, text, decision, env)]

        return self._run(
            ctx, run, refusal=lambda: _adopted_already(self.collective(ctx.collective).slug)
        )

    def amend_agenda(self, text: AgendaText, decision: str, ctx: Context) -> Receipt:
        """Adopt a new version of the common agenda, on the authority of ``decision``."""

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            self.require_passed(collective.slug, decision)
            agenda = self.agenda(collective.slug)
            agenda.amend(text, decision, env)
            return [agenda]

        return self._run(ctx, run)

    def agenda(self, collective: str) -> Agenda:
        found = self._get(Agenda, Agenda.id_for(collective))
        if found is None:
            raise NotFound(
                "common agenda", collective, "adopt one first with `collective agenda adopt`"
            )
        return found

    # -- agreements --------------------------------------------------------------------------

    def draft_agreement(self, draft: AgreementDraft, ctx: Context) -> Receipt:
        """Record a draft agreement between member organisations."""

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            for party in draft.parties:
                collective.member(party)
            return [Agreement.draft(collective.slug, draft, env)]

        return self._run(ctx, run, refusal=lambda: AlreadyExists("agreement", draft.slug))

    def sign_agreement(self, slug: str, party: str, signatory: str, ctx: Context) -> Receipt:
        """Record a party's signature (the last one brings the terms into force)."""

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            agreement = self.agreement(collective.slug, slug)
            agreement.sign(party, signatory, env)
            return [agreement]

        return self._run(ctx, run)

    def amend_agreement(self, slug: str, terms: str, ctx: Context) -> Receipt:
        """New terms for an agreement (a reason is required); every party signs again."""

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            agreement = self.agreement(collective.slug, slug)
            agreement.amend(terms, env)
            return [agreement]

        return self._run(ctx, run)

    def terminate_agreement(self, slug: str, ctx: Context) -> Receipt:
        """End an agreement (a reason is required)."""

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            agreement = self.agreement(collective.slug, slug)
            agreement.terminate(env)
            return [agreement]

        return self._run(ctx, run)

    def agreement(self, collective: str, slug: str) -> Agreement:
        found = self._get(Agreement, Agreement.id_for(collective, slug))
        if found is None:
            raise NotFound("agreement", slug, "draft it first with `collective agreement draft`")
        return found

    # -- the backbone ------------------------------------------------------------------------

    def appoint_backbone(
        self,
        org: str,
        decision: str,
        functions: Iterable[BackboneFunction],
        ctx: Context,
    ) -> Receipt:
        """Appoint the backbone, or hand it over to ``org`` (ending the current term)."""
        chosen = tuple(functions)

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            self.require_passed(collective.slug, decision)
            collective.member(org)
            backbone = self._get(Backbone, Backbone.id_for(collective.slug))
            if backbone is None:
                return [Backbone.appoint(collective.slug, org, decision, chosen, env)]
            backbone.hand_over(org, decision, chosen, env)
            return [backbone]

        return self._run(ctx, run)

    def backbone(self, collective: str) -> Backbone:
        found = self._get(Backbone, Backbone.id_for(collective))
        if found is None:
            raise NotFound(
                "backbone", collective, "appoint one first with `collective backbone appoint`"
            )
        return found


def _adopted_already(collective: str) -> RuleViolation:
    return RuleViolation(
        f"the common agenda of {collective} is adopted already: "
        "change it with `collective agenda amend`"
    )
