"""Organisations: registered once per store, then members of one or more collectives.

Several collectives can share one store, and one organisation (a funder, an NGO) can take part in
several of them, so its identity is kept apart from its memberships.
"""

from uuid import UUID

from pydantic import field_validator

from domain.base import Aggregate, Created, Envelope, Event, Value, aggregate_id, check_slug, topic
from domain.vocabulary import OrgType

__all__ = ["Directory", "OrgType", "Organisation", "Profile"]


class Profile(Value):
    """An organisation's identity."""

    slug: str
    name: str
    type: OrgType

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        return check_slug(v, "organisation")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the name of an organisation cannot be empty")
        return v.strip()


class Organisation(Aggregate):
    """An organisation known to the store."""

    TOPIC = topic("Organisation")

    class Registered(Created):
        TOPIC = topic("Organisation.Registered")
        profile: Profile

        def apply(self, aggregate: "Organisation") -> None:
            aggregate.profile = self.profile

        def subject(self) -> str:
            return f"org:{self.profile.slug}"

        def summary(self) -> str:
            return f"{self.profile.name} registered ({self.profile.type})"

    def __init__(self) -> None:
        self.profile: Profile

    @staticmethod
    def id_for(slug: str) -> UUID:
        return aggregate_id("organisation", slug)

    @classmethod
    def register(cls, profile: "Profile", meta: Envelope) -> "Organisation":
        return cls._create(cls.Registered, id=cls.id_for(profile.slug), profile=profile, meta=meta)


class Directory(Aggregate):
    """The store's list of collectives, so that ``--collective`` can be left out with just one."""

    TOPIC = topic("Directory")
    ID = aggregate_id("directory", "collectives")

    class Opened(Created):
        TOPIC = topic("Directory.Opened")

        def apply(self, aggregate: "Directory") -> None:
            aggregate.collectives = []

        def summary(self) -> str:
            return "ledger created"

    class CollectiveListed(Event):
        TOPIC = topic("Directory.CollectiveListed")
        slug: str

        def apply(self, aggregate: "Directory") -> None:
            aggregate.collectives.append(self.slug)

        def subject(self) -> str:
            return f"collective:{self.slug}"

        def summary(self) -> str:
            return f"collective {self.slug} listed in this ledger"

    def __init__(self) -> None:
        self.collectives: list[str] = []

    @classmethod
    def open(cls, meta: Envelope) -> "Directory":
        return cls._create(cls.Opened, id=cls.ID, meta=meta)

    def list_collective(self, slug: str, meta: Envelope) -> None:
        self._trigger(self.CollectiveListed, meta, slug=slug)
