"""Actor commands: who records in a collective, in which roles, with which key.

Every change here is recorded by a backbone admin (``ledger/permissions.py``); the collective's
first admin is whoever set it up (``LedgerCore.init_collective``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from domain.actor import Actor, ActorRole, ActorRoster, check_name
from domain.base import Envelope
from domain.collective import Collective
from domain.errors import AlreadyExists, Conflict, DomainError, NotFound, RuleViolation
from ledger.core import Context, LedgerCore, Receipt
from ledger.signatures import parse_vkey

__all__ = ["ActorCommands"]


class ActorCommands(LedgerCore):
    """Register actors; grant and revoke their roles; register and revoke their keys."""

    def register_actor(
        self,
        name: str,
        organisation: str | None,
        roles: Iterable[ActorRole],
        vkey: str | None,
        ctx: Context,
    ) -> Receipt:
        """Register ``name`` in the collective, with its organisation, roles and (optional) key."""
        check_name(name)
        key = parse_vkey(vkey).vkey if vkey else None
        chosen = tuple(roles)

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            if organisation:
                self.organisation(organisation)
            if self._get(Actor, Actor.id_for(collective.slug, name)) is not None:
                raise AlreadyExists("actor", name)
            actor = Actor.register(collective.slug, name, organisation, chosen, key, env)
            roster = self._get(
                ActorRoster, ActorRoster.id_for(collective.slug)
            ) or ActorRoster.open(collective.slug, env)
            roster.list_actor(name, env)
            return [actor, roster]

        return self._run(ctx, run, refusal=lambda: self._register_refusal(ctx, name))

    def _register_refusal(self, ctx: Context, name: str) -> DomainError:
        slug = self.collective(ctx.collective).slug
        if self._get(Actor, Actor.id_for(slug, name)) is not None:
            return AlreadyExists("actor", name)
        return Conflict("another actor was registered at the same moment: run the command again")

    def grant_role(self, name: str, role: ActorRole, ctx: Context) -> Receipt:
        return self._on_actor(ctx, name, lambda actor, env: actor.grant(role, env))

    def revoke_role(self, name: str, role: ActorRole, ctx: Context) -> Receipt:
        """Revoke a role (a reason is required); the collective keeps at least one admin."""

        def revoke(actor: Actor, env: Envelope) -> None:
            if role is ActorRole.BACKBONE_ADMIN and role in actor.roles:
                others = [a for a in self.actors(actor.collective) if a.name != actor.name]
                if not any(ActorRole.BACKBONE_ADMIN in a.roles for a in others):
                    raise RuleViolation(
                        f"{name} is the last backbone admin of {actor.collective}: grant the "
                        "role to someone else first"
                    )
            actor.revoke(role, env)

        return self._on_actor(ctx, name, revoke)

    def register_key(self, name: str, vkey: str, ctx: Context) -> Receipt:
        """Register the actor's verifier key (``NAME+KEYID+BASE64``); it then signs with it."""
        key = parse_vkey(vkey).vkey
        return self._on_actor(ctx, name, lambda actor, env: actor.register_key(key, env))

    def revoke_key(self, name: str, ctx: Context) -> Receipt:
        """Revoke the actor's key (a reason is required): what it signs later does not verify."""
        return self._on_actor(ctx, name, lambda actor, env: actor.revoke_key(env))

    def actor(self, collective: str, name: str) -> Actor:
        found = self._get(Actor, Actor.id_for(collective, name))
        if found is None:
            raise NotFound(
                "actor", name, f"register it first with `collective actor add {name} ...`"
            )
        return found

    def actors(self, collective: str) -> list[Actor]:
        """Every actor of the collective, in the order they were registered."""
        roster = self._get(ActorRoster, ActorRoster.id_for(collective))
        names = [] if roster is None else roster.names
        return [self.actor(collective, name) for name in names]

    def _on_actor(
        self, ctx: Context, name: str, change: Callable[[Actor, Envelope], None]
    ) -> Receipt:
        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            found = self.actor(collective.slug, name)
            change(found, env)
            return [found]

        return self._run(ctx, run)
