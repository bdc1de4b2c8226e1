"""The building blocks every aggregate of the ledger shares.

Events are immutable pydantic models. Each carries an :class:`Envelope` that says who recorded it,
for which collective, when it happened in the world (``effective``), why (``reason``) and under
which request id (so a retried command is recorded once). The recorded time is the library's
``timestamp``, set by the system in UTC when the event is triggered.

Stored topics are explicit and stable (``TOPIC``): moving or renaming a class must never break an
old event. Use :func:`topic` to build one.
"""

import re
from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid5

from eventsourcing.domain import BaseAggregate, CanInitAggregate, CanMutateAggregate
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ID_NAMESPACE",
    "SLUG_PATTERN",
    "TOPIC_PREFIX",
    "Aggregate",
    "Created",
    "Envelope",
    "Event",
    "Value",
    "aggregate_id",
    "topic",
]

TOPIC_PREFIX = "collective-ledger"
"""Stored topics are ``collective-ledger:<Aggregate>.<Event>``: public API, never renamed."""

ID_NAMESPACE = UUID("6f2b1f7e-8d0a-5c3e-9a41-2f6c7d9e0b13")
"""The UUID5 namespace for aggregate ids derived from natural keys."""

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
_SLUG = re.compile(SLUG_PATTERN)


def topic(name: str) -> str:
    """The stable stored topic for an aggregate or event class named ``name``."""
    return f"{TOPIC_PREFIX}:{name}"


def aggregate_id(kind: str, *key: str) -> UUID:
    """A deterministic aggregate id from a natural key, e.g. ``aggregate_id("org", "hasiru-dala")``.

    The same key always gives the same id, so creating an aggregate twice is refused by the store.
    """
    return uuid5(ID_NAMESPACE, "/".join((kind, *key)))


class Value(BaseModel):
    """A frozen value object that rejects unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Envelope(Value):
    """What every event says about its own recording."""

    actor: str = Field(min_length=1, max_length=100)
    """Who recorded the event (an actor id known to the ledger)."""
    effective: date
    """When it happened in the world (the meeting date, the day a value was reported)."""
    collective: str | None = None
    """The collective the command was run for; ``None`` for store-wide records."""
    reason: str | None = Field(default=None, max_length=2000)
    """Why, where the domain asks for a reason (corrections, retractions, departures)."""
    request_id: str | None = Field(default=None, max_length=200)
    """The client's request id; a retried command with the same id is recorded once."""
    on_behalf_of: str | None = None
    """The organisation the actor recorded this for, when it is not the actor's own."""
    signature: str | None = None
    """The actor's Ed25519 signature of the event, ``base64(key id || signature)``, when the
    command was signed (``--sign-with``; see ``ledger/signatures.py``)."""


class _DomainEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    meta: Envelope

    @property
    def recorded_at(self) -> datetime:
        """When the ledger learnt of the event (UTC, set by the system)."""
        return self.timestamp

    def subject(self) -> str:
        """What the event is about, as people refer to it (``org:hasiru-dala``)."""
        return ""

    def summary(self) -> str:
        """One line for `collective log`."""
        return type(self).__name__


class Event(_DomainEvent, CanMutateAggregate[UUID]):
    """Base class of every event that changes an existing aggregate."""

    TOPIC: ClassVar[str]


class Created(Event, CanInitAggregate[UUID]):
    """Base class of every event that creates an aggregate."""

    originator_topic: str


class Aggregate(BaseAggregate[UUID]):
    """Base class of the ledger's aggregates.

    Subclasses set ``TOPIC`` and define their events as nested classes with a ``TOPIC`` each.
    Commands are plain methods that check the rules and then call :meth:`trigger_event`; events
    change state in their ``apply`` method, which runs again on every replay (so no I/O there).
    """

    Event = Event

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Give every aggregate the shared base event class itself. Otherwise the library derives
        # a private ``Event`` per aggregate and re-declares every nested event class as its
        # subclass: twice the classes, and a slower start for every command.
        if "Event" not in cls.__dict__:
            cls.Event = Event
        super().__init_subclass__(**kwargs)

    def _trigger(self, event_class: type[Any], meta: "Envelope", **payload: Any) -> None:
        self.trigger_event(event_class, meta=meta, **payload)


def check_slug(text: str, what: str) -> str:
    """Return ``text`` if it is a valid slug, else raise ``ValueError`` naming ``what``."""
    if not _SLUG.match(text):
        msg = (
            f"{what} {text!r} is not a valid slug: use lowercase letters, digits and hyphens "
            "(for example hasiru-dala)"
        )
        raise ValueError(msg)
    return text
