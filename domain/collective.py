"""The collective: a partnership of organisations around one problem, and who belongs to it.

The roster (who joined, with which role, who left) lives on the collective itself: it changes a few
times a year, and every read of the collective needs it. Everything that changes often (values,
decisions, activities) lives in aggregates of its own.
"""

from datetime import date
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator

from domain.base import Aggregate, Created, Envelope, Event, Value, aggregate_id, check_slug, topic
from domain.errors import NotFound, RuleViolation
from domain.periods import Calendar
from domain.vocabulary import Role

__all__ = ["DEFAULT_THRESHOLD", "Collective", "Member", "Role", "Settings"]

DEFAULT_THRESHOLD = 10
"""Counts below this in a disaggregated cell are withheld from exports, unless a collective
sets another threshold (``collective export threshold N``)."""


class Settings(Value):
    """How a collective counts time and money."""

    slug: str
    name: str
    calendar: Calendar = Calendar.GREGORIAN
    timezone: str = "UTC"
    currency: str = "USD"

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        return check_slug(v, "collective")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the name of a collective cannot be empty")
        return v.strip()

    @field_validator("calendar", mode="before")
    @classmethod
    def _calendar(cls, v: object) -> object:
        if isinstance(v, str) and v not in {c.value for c in Calendar}:
            known = ", ".join(c.value for c in Calendar)
            raise ValueError(f"unknown calendar {v!r}: use one of {known}")
        return v

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            msg = f"unknown time zone {v!r} (use an IANA name such as Asia/Kolkata or Asia/Dhaka)"
            raise ValueError(msg) from None
        return v

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        if len(v) != 3 or not v.isascii() or not v.isalpha():
            msg = f"currency {v!r} is not an ISO 4217 code (for example INR, BDT, USD)"
            raise ValueError(msg)
        return v.upper()


class Member(Value):
    """An organisation's membership of a collective, as it stands."""

    org: str
    role: Role
    joined: date
    left: date | None = None


class Collective(Aggregate):
    """A collective and its roster of member organisations."""

    TOPIC = topic("Collective")

    class Initialised(Created):
        TOPIC = topic("Collective.Initialised")
        settings: Settings

        def apply(self, aggregate: "Collective") -> None:
            aggregate.settings = self.settings
            aggregate.members = {}

        def subject(self) -> str:
            return f"collective:{self.settings.slug}"

        def summary(self) -> str:
            s = self.settings
            return f"{s.name} set up ({s.calendar} calendar, {s.timezone}, {s.currency})"

    class MemberJoined(Event):
        TOPIC = topic("Collective.MemberJoined")
        org: str
        role: Role

        def apply(self, aggregate: "Collective") -> None:
            aggregate.members[self.org] = Member(
                org=self.org, role=self.role, joined=self.meta.effective
            )

        def subject(self) -> str:
            return f"org:{self.org}"

        def summary(self) -> str:
            return f"{self.org} joined as {self.role}"

    class MemberRoleChanged(Event):
        TOPIC = topic("Collective.MemberRoleChanged")
        org: str
        role: Role

        def apply(self, aggregate: "Collective") -> None:
            member = aggregate.members[self.org]
            aggregate.members[self.org] = member.model_copy(update={"role": self.role})

        def subject(self) -> str:
            return f"org:{self.org}"

        def summary(self) -> str:
            return f"{self.org} now takes part as {self.role}"

    class ThresholdSet(Event):
        TOPIC = topic("Collective.ThresholdSet")
        threshold: int

        def apply(self, aggregate: "Collective") -> None:
            aggregate.threshold = self.threshold

        def subject(self) -> str:
            return "collective:" + str(self.meta.collective)

        def summary(self) -> str:
            return f"small-cell threshold for exports set to {self.threshold}"

    class MemberLeft(Event):
        TOPIC = topic("Collective.MemberLeft")
        org: str

        def apply(self, aggregate: "Collective") -> None:
            member = aggregate.members[self.org]
            aggregate.members[self.org] = member.model_copy(update={"left": self.meta.effective})

        def subject(self) -> str:
            return f"org:{self.org}"

        def summary(self) -> str:
            return f"{self.org} left: {self.meta.reason}"

    def __init__(self) -> None:
        # No class-level annotations: the library would turn the aggregate into a dataclass.
        self.settings: Settings
        self.members: dict[str, Member] = {}
        self.threshold = DEFAULT_THRESHOLD

    @staticmethod
    def id_for(slug: str) -> UUID:
        return aggregate_id("collective", slug)

    @classmethod
    def initialise(cls, settings: "Settings", meta: Envelope) -> "Collective":
        return cls._create(
            cls.Initialised, id=cls.id_for(settings.slug), settings=settings, meta=meta
        )

    @property
    def slug(self) -> str:
        return self.settings.slug

    def current_members(self) -> "list[Member]":
        return [m for m in self.members.values() if m.left is None]

    def member(self, org: str) -> "Member":
        member = self.members.get(org)
        if member is None or member.left is not None:
            raise NotFound("member", org, f"{org} is not a member of {self.slug}")
        return member

    def join(self, org: str, role: Role, meta: Envelope) -> None:
        current = self.members.get(org)
        if current is not None and current.left is None:
            raise RuleViolation(f"{org} is already a member of {self.slug} (as {current.role})")
        self._trigger(self.MemberJoined, meta, org=org, role=role)

    def change_role(self, org: str, role: Role, meta: Envelope) -> None:
        if self.member(org).role == role:
            raise RuleViolation(f"{org} already takes part in {self.slug} as {role}")
        self._trigger(self.MemberRoleChanged, meta, org=org, role=role)

    def set_threshold(self, threshold: int, meta: Envelope) -> None:
        """The smallest count a disaggregated cell may show in what leaves the ledger."""
        if threshold < 0:
            raise RuleViolation(f"the threshold must be 0 or more, not {threshold}")
        if threshold == self.threshold:
            raise RuleViolation(f"the threshold of {self.slug} is {threshold} already")
        self._trigger(self.ThresholdSet, meta, threshold=threshold)

    def leave(self, org: str, meta: Envelope) -> None:
        self.member(org)
        if not (meta.reason or "").strip():
            raise RuleViolation(f"a reason is required when {org} leaves (use --reason)")
        self._trigger(self.MemberLeft, meta, org=org)
