"""Actors: the people who record in a collective, their organisation, roles and verifier key.

An actor is registered per collective (one person can hold other roles in another collective).
Who may record what follows from the roles (see ``ledger/permissions.py``); a verifier key, when
registered, lets the actor sign what they record, and every signature is checked against the key
the actor had at that moment. Granting, revoking and key changes are events themselves.
"""

import re
from enum import StrEnum
from uuid import UUID

from domain.base import Aggregate, Created, Envelope, Event, aggregate_id, topic
from domain.errors import RuleViolation

__all__ = ["BACKBONE_ROLES", "RECORDING_ROLES", "Actor", "ActorRole", "ActorRoster", "check_name"]

_NAME = re.compile(r"^[^\s\x00-\x1f]{1,100}$")


class ActorRole(StrEnum):
    """What an actor may do in a collective."""

    BACKBONE_ADMIN = "backbone-admin"
    """Records anything, and registers actors, their roles and keys."""
    BACKBONE_STAFF = "backbone-staff"
    """Records anything for the collective, values on behalf of any organisation."""
    PARTNER_REPORTER = "partner-reporter"
    """Records the values of its own organisation."""
    AUDITOR = "auditor"
    """Reads; records nothing."""
    FUNDER = "funder"
    """Reads; records nothing."""


BACKBONE_ROLES = frozenset({ActorRole.BACKBONE_ADMIN, ActorRole.BACKBONE_STAFF})
RECORDING_ROLES = BACKBONE_ROLES | {ActorRole.PARTNER_REPORTER}


def check_name(name: str) -> str:
    """Return ``name`` if it can name an actor (as ``--actor`` gives it), else raise."""
    if not _NAME.match(name):
        raise ValueError(f"actor {name!r} is not valid: use a name without spaces")
    return name


def _roles(roles: "tuple[ActorRole, ...] | frozenset[ActorRole]") -> str:
    return ", ".join(sorted(roles)) or "no role"


def _key_name(vkey: str) -> str:
    """``NAME+KEYID`` of a verifier key (its base64 part may itself hold a ``+``)."""
    return "+".join(vkey.split("+", 2)[:2])


class Actor(Aggregate):
    """A person who records in one collective, with the roles and the key they hold there."""

    TOPIC = topic("Actor")

    class Registered(Created):
        TOPIC = topic("Actor.Registered")
        collective: str
        name: str
        organisation: str | None = None
        roles: tuple[ActorRole, ...]
        vkey: str | None = None

        def apply(self, aggregate: "Actor") -> None:
            aggregate.collective = self.collective
            aggregate.name = self.name
            aggregate.organisation = self.organisation
            aggregate.roles = set(self.roles)
            aggregate.vkey = self.vkey

        def subject(self) -> str:
            return f"actor:{self.name}"

        def summary(self) -> str:
            of = f" of {self.organisation}" if self.organisation else ""
            key = ", with a key" if self.vkey else ""
            return f"{self.name}{of} registered as {_roles(self.roles)}{key}"

    class RoleGranted(Event):
        TOPIC = topic("Actor.RoleGranted")
        name: str
        role: ActorRole

        def apply(self, aggregate: "Actor") -> None:
            aggregate.roles.add(self.role)

        def subject(self) -> str:
            return f"actor:{self.name}"

        def summary(self) -> str:
            return f"{self.name} granted {self.role}"

    class RoleRevoked(Event):
        TOPIC = topic("Actor.RoleRevoked")
        name: str
        role: ActorRole

        def apply(self, aggregate: "Actor") -> None:
            aggregate.roles.discard(self.role)

        def subject(self) -> str:
            return f"actor:{self.name}"

        def summary(self) -> str:
            return f"{self.name} no longer {self.role}: {self.meta.reason}"

    class KeyRegistered(Event):
        TOPIC = topic("Actor.KeyRegistered")
        name: str
        vkey: str

        def apply(self, aggregate: "Actor") -> None:
            aggregate.vkey = self.vkey

        def subject(self) -> str:
            return f"actor:{self.name}"

        def summary(self) -> str:
            return f"key {_key_name(self.vkey)} registered for {self.name}"

    class KeyRevoked(Event):
        TOPIC = topic("Actor.KeyRevoked")
        name: str
        vkey: str

        def apply(self, aggregate: "Actor") -> None:
            aggregate.vkey = None
            aggregate.revoked_keys.append(self.vkey)

        def subject(self) -> str:
            return f"actor:{self.name}"

        def summary(self) -> str:
            return f"key {_key_name(self.vkey)} of {self.name} revoked: {self.meta.reason}"

    def __init__(self) -> None:
        self.collective = ""
        self.name = ""
        self.organisation: str | None = None
        self.roles: set[ActorRole] = set()
        self.vkey: str | None = None
        self.revoked_keys: list[str] = []

    @staticmethod
    def id_for(collective: str, name: str) -> UUID:
        return aggregate_id("actor", collective, name)

    @classmethod
    def register(
        cls,
        collective: str,
        name: str,
        organisation: str | None,
        roles: "tuple[ActorRole, ...]",
        vkey: str | None,
        meta: Envelope,
    ) -> "Actor":
        check_name(name)
        if not roles:
            raise RuleViolation(f"give {name} at least one role (use --role)")
        if ActorRole.PARTNER_REPORTER in roles and not organisation:
            raise RuleViolation(f"a partner reporter reports for its organisation: give {name} one")
        return cls._create(
            cls.Registered,
            id=cls.id_for(collective, name),
            collective=collective,
            name=name,
            organisation=organisation,
            roles=tuple(sorted(set(roles))),
            vkey=vkey,
            meta=meta,
        )

    def grant(self, role: ActorRole, meta: Envelope) -> None:
        if role in self.roles:
            raise RuleViolation(f"{self.name} is {role} already")
        if role is ActorRole.PARTNER_REPORTER and not self.organisation:
            raise RuleViolation(
                f"{self.name} belongs to no organisation: a partner reporter reports for its own"
            )
        self._trigger(self.RoleGranted, meta, name=self.name, role=role)

    def revoke(self, role: ActorRole, meta: Envelope) -> None:
        if role not in self.roles:
            raise RuleViolation(
                f"{self.name} is not {role} (it is {_roles(frozenset(self.roles))})"
            )
        self._need_reason(meta, f"revoking {role} from {self.name}")
        self._trigger(self.RoleRevoked, meta, name=self.name, role=role)

    def register_key(self, vkey: str, meta: Envelope) -> None:
        if self.vkey is not None:
            raise RuleViolation(
                f"{self.name} has a key registered already: revoke it first with "
                f"`collective actor revoke-key {self.name}`"
            )
        if vkey in self.revoked_keys:
            raise RuleViolation(
                f"this key of {self.name} was revoked: it cannot be registered again"
            )
        self._trigger(self.KeyRegistered, meta, name=self.name, vkey=vkey)

    def revoke_key(self, meta: Envelope) -> None:
        if self.vkey is None:
            raise RuleViolation(f"{self.name} has no key registered")
        self._need_reason(meta, f"revoking the key of {self.name}")
        self._trigger(self.KeyRevoked, meta, name=self.name, vkey=self.vkey)

    @staticmethod
    def _need_reason(meta: Envelope, what: str) -> None:
        if not meta.reason:
            raise RuleViolation(f"a reason is required when {what} (use --reason)")


class ActorRoster(Aggregate):
    """The names of a collective's actors, in the order they were registered."""

    TOPIC = topic("ActorRoster")

    class Opened(Created):
        TOPIC = topic("ActorRoster.Opened")
        collective: str

        def apply(self, aggregate: "ActorRoster") -> None:
            aggregate.names = []

        def subject(self) -> str:
            return f"collective:{self.collective}"

        def summary(self) -> str:
            return "roster of actors opened"

    class Listed(Event):
        TOPIC = topic("ActorRoster.Listed")
        name: str

        def apply(self, aggregate: "ActorRoster") -> None:
            aggregate.names.append(self.name)

        def subject(self) -> str:
            return f"actor:{self.name}"

        def summary(self) -> str:
            return f"{self.name} listed among the actors"

    def __init__(self) -> None:
        self.names: list[str] = []

    @staticmethod
    def id_for(collective: str) -> UUID:
        return aggregate_id("actor-roster", collective)

    @classmethod
    def open(cls, collective: str, meta: Envelope) -> "ActorRoster":
        return cls._create(cls.Opened, id=cls.id_for(collective), collective=collective, meta=meta)

    def list_actor(self, name: str, meta: Envelope) -> None:
        self._trigger(self.Listed, meta, name=name)
