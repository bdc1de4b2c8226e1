"""The core of the ledger application: the plumbing every command shares, and the collective.

Every recording method follows the same shape: build the envelope, return early if the request id
was already recorded, load, call one domain method, save (see :meth:`LedgerCore._run`).
``save()`` writes all new events of the command in one transaction; a record that already exists
is refused by the store itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Mapper

from domain.actor import Actor, ActorRole, ActorRoster
from domain.base import Envelope
from domain.collective import Collective, Settings
from domain.errors import AlreadyExists, Conflict, DomainError, NotFound, RuleViolation
from domain.organisation import Directory, Organisation, Profile
from domain.vocabulary import Role
from ledger.mapper import PydanticMapper
from ledger.permissions import Gate
from ledger.store import Store

if TYPE_CHECKING:
    from ledger.signednote import SigningKey

__all__ = ["APPLICATION_NAME", "Context", "LedgerCore", "Receipt", "check_actor"]

APPLICATION_NAME = "CollectiveLedger"
A = TypeVar("A")
_ACTOR = re.compile(r"^[^\s\x00-\x1f]{1,100}$")


@dataclass(frozen=True)
class Context:
    """Who runs a recording command, for which collective, and when it happened."""

    actor: str | None
    collective: str | None = None
    on: date | None = None
    reason: str | None = None
    request_id: str | None = None
    key: SigningKey | None = None
    """The actor's signing key (``--sign-with``): each event recorded is signed with it."""


@dataclass(frozen=True)
class Receipt:
    """What a recording command stored: the log positions of its events."""

    positions: tuple[int, ...]
    already_recorded: bool = False


class LedgerCore(Application[UUID]):
    """One ledger: the events of every collective in one store."""

    name = APPLICATION_NAME

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The library names each subclass after itself, and PostgreSQL table names (and
        # settings prefixes) follow the name: every area of the application must share one.
        super().__init_subclass__(**kwargs)
        cls.name = APPLICATION_NAME

    def __init__(self, store: Store, *, create: bool = False) -> None:
        self.store = store
        self.at: int | None = None
        """When set, aggregates are read as they stood at this log position (``--as-of``)."""
        super().__init__(env=store.settings(create=create))

    def construct_mapper(self) -> Mapper[UUID]:
        return PydanticMapper(
            transcoder=self.factory.transcoder(),
            compressor=self.factory.compressor(),
            cipher=self.factory.cipher(),
        )

    # -- setting up ------------------------------------------------------------------------

    def init_collective(self, settings: Settings, ctx: Context) -> Receipt:
        env = self._envelope(ctx, collective=settings.slug, tz=settings.timezone)
        if done := self._replayed(env):
            return done
        if ctx.key is not None:
            raise RuleViolation(
                f"{env.actor} has no key registered in {settings.slug} yet: set it up without "
                f"--sign-with, then register one with `collective actor key {env.actor} "
                "--vkey VKEY`"
            )
        directory = self._get(Directory, Directory.ID) or Directory.open(env)
        collective = Collective.initialise(settings, env)
        directory.list_collective(settings.slug, env)
        # Whoever sets the collective up is its first backbone admin, in the same transaction.
        admin = Actor.register(
            settings.slug, env.actor, None, (ActorRole.BACKBONE_ADMIN,), None, env
        )
        roster = ActorRoster.open(settings.slug, env)
        roster.list_actor(env.actor, env)
        return self._save(
            env, collective, directory, admin, roster, refusal=lambda: self._init_refusal(settings)
        )

    def _init_refusal(self, settings: Settings) -> DomainError:
        if self._get(Collective, Collective.id_for(settings.slug)) is not None:
            return AlreadyExists("collective", settings.slug)
        return Conflict("another collective was set up at the same moment: run the command again")

    def collectives(self) -> list[str]:
        directory = self._get(Directory, Directory.ID)
        return [] if directory is None else list(directory.collectives)

    def collective(self, slug: str | None = None) -> Collective:
        """The collective named ``slug``, or the only one in the store when ``slug`` is None."""
        if slug is None:
            slugs = self.collectives()
            if not slugs:
                raise RuleViolation("this ledger holds no collective yet: run `collective init`")
            if len(slugs) > 1:
                raise RuleViolation(
                    f"this ledger holds several collectives ({', '.join(slugs)}): "
                    "choose one with --collective"
                )
            slug = slugs[0]
        found = self._get(Collective, Collective.id_for(slug))
        if found is None:
            raise NotFound("collective", slug, f"known: {', '.join(self.collectives()) or 'none'}")
        return found

    # -- organisations and membership --------------------------------------------------------

    def add_organisation(self, profile: Profile, ctx: Context) -> Receipt:
        env = self._envelope(ctx, collective=None)
        if done := self._replayed(env):
            return done
        gate = self._gate(ctx, env)
        org = Organisation.register(profile, env)
        gate.admit([org])
        return self._save(env, org, refusal=lambda: AlreadyExists("organisation", profile.slug))

    def organisation(self, slug: str) -> Organisation:
        found = self._get(Organisation, Organisation.id_for(slug))
        if found is None:
            raise NotFound("organisation", slug, "register it first with `collective org add`")
        return found

    def join(self, org: str, role: Role | None, ctx: Context) -> Receipt:
        return self._on_roster(
            ctx,
            lambda c, env: c.join(
                org, role or Role(self.organisation(org).profile.type.value), env
            ),
        )

    def change_role(self, org: str, role: Role, ctx: Context) -> Receipt:
        return self._on_roster(ctx, lambda c, env: c.change_role(org, role, env))

    def set_threshold(self, threshold: int, ctx: Context) -> Receipt:
        return self._on_roster(ctx, lambda c, env: c.set_threshold(threshold, env))

    def leave(self, org: str, ctx: Context) -> Receipt:
        return self._on_roster(ctx, lambda c, env: c.leave(org, env))

    def _on_roster(self, ctx: Context, change: Callable[[Collective, Envelope], None]) -> Receipt:
        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            change(collective, env)
            return [collective]

        return self._run(ctx, run)

    def _run(
        self,
        ctx: Context,
        command: Callable[[Collective, Envelope], Sequence[Any]],
        *,
        refusal: Callable[[], DomainError] | None = None,
    ) -> Receipt:
        """Run one recording command for the current collective, in the ledger's usual shape.

        Resolve the collective, build the envelope, return the earlier receipt if this request id
        was recorded already, check who records (see ``ledger/permissions.py``), then let
        ``command`` load aggregates and call one domain method on them (it returns the aggregates
        to save), check the role each new event needs (and sign them with ``ctx.key``), and save
        them all in one transaction. ``refusal`` names the error when the store refuses a record
        that exists already.
        """
        if self.at is not None:
            raise RuntimeError("a ledger opened as of an earlier moment records nothing")
        collective = self.collective(ctx.collective)
        env = self._envelope(ctx, collective=collective.slug, tz=collective.settings.timezone)
        if done := self._replayed(env):
            return done
        gate = self._gate(ctx, env)
        aggregates = command(collective, env)
        gate.admit(aggregates)
        return self._save(env, *aggregates, refusal=refusal)

    def _gate(self, ctx: Context, env: Envelope) -> Gate:
        """Who records, as registered in the collective (or in any, for a store-wide record)."""
        slugs = self.collectives() if env.collective is None else [env.collective]
        found = [self._get(Actor, Actor.id_for(slug, env.actor)) for slug in slugs]
        actors = [a for a in found if a is not None]
        return Gate.open(env, actors, ctx.key, collectives=len(slugs))

    # -- reading the log ---------------------------------------------------------------------

    def event_count(self) -> int:
        return int(self.recorder.max_notification_id() or 0)

    def write_meta(self, **values: str) -> None:
        self.recorder.write_meta(values)  # type: ignore[attr-defined]

    def read_meta(self) -> dict[str, str]:
        return dict(self.recorder.read_meta())  # type: ignore[attr-defined]

    # -- plumbing ----------------------------------------------------------------------------

    def _envelope(self, ctx: Context, *, collective: str | None, tz: str = "UTC") -> Envelope:
        return Envelope(
            actor=check_actor(ctx.actor),
            effective=ctx.on or datetime.now(UTC).astimezone(ZoneInfo(tz)).date(),
            collective=collective,
            reason=(ctx.reason or "").strip() or None,
            request_id=ctx.request_id,
        )

    def _replayed(self, env: Envelope) -> Receipt | None:
        """The earlier receipt of a request id that was already recorded, if any."""
        if not env.request_id:
            return None
        positions = self.recorder.request_positions(env.request_id)  # type: ignore[attr-defined]
        if positions is None:
            return None
        first, last = positions
        return Receipt(tuple(range(first, last + 1)), already_recorded=True)

    def _save(
        self, env: Envelope, *aggregates: Any, refusal: Callable[[], DomainError] | None = None
    ) -> Receipt:
        try:
            recordings = self.save(*aggregates, request_id=env.request_id)
        except IntegrityError:
            if done := self._replayed(env):
                return done
            if refusal is not None:
                raise refusal() from None
            raise Conflict(
                "someone recorded a change to the same record at the same time: run the "
                "command again"
            ) from None
        return Receipt(tuple(r.notification.id for r in recordings))

    def _get(self, cls: type[A], aggregate_id: UUID) -> A | None:
        try:
            if self.at is None:
                found: Any = self.repository.get(aggregate_id)
            else:
                version = self.recorder.version_at(aggregate_id, self.at)  # type: ignore[attr-defined]
                if version is None:
                    return None
                found = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            return None
        if not isinstance(found, cls):
            raise TypeError(f"{aggregate_id} is a {type(found).__name__}, not a {cls.__name__}")
        return found


def check_actor(actor: str | None) -> str:
    """The actor, if one is given and well formed; a recording command needs one."""
    if not actor:
        raise RuleViolation("say who is recording: give --actor NAME or set COLLECTIVE_ACTOR")
    if not _ACTOR.match(actor):
        raise RuleViolation(f"actor {actor!r} is not valid: use a name without spaces")
    return actor
