"""Registers that number things people refer to by id: ``fb-3``, ``steering-m2``, ``fc-1``.

A register is a small counter aggregate per collective and kind (per body, for meetings). Issuing
a number is an event on the register, saved with the thing it numbers in one transaction, so two
people recording at the same moment cannot get the same number: the store refuses the second.
"""

from uuid import UUID

from domain.base import Aggregate, Created, Envelope, Event, aggregate_id, topic

__all__ = ["Register"]


class Register(Aggregate):
    """Issues ``<prefix><n>`` ids, one after another, for one kind of record."""

    TOPIC = topic("Register")

    class Opened(Created):
        TOPIC = topic("Register.Opened")
        name: str
        kind: str
        prefix: str

        def apply(self, aggregate: "Register") -> None:
            aggregate.name = self.name
            aggregate.kind = self.kind
            aggregate.prefix = self.prefix

        def subject(self) -> str:
            return f"register:{self.name}"

        def summary(self) -> str:
            return f"register of {self.name} opened (ids {self.prefix}1, {self.prefix}2, ...)"

    class Issued(Event):
        TOPIC = topic("Register.Issued")
        kind: str
        ref: str

        def apply(self, aggregate: "Register") -> None:
            aggregate.issued.append(self.ref)

        def subject(self) -> str:
            return f"{self.kind}:{self.ref}"

        def summary(self) -> str:
            return f"{self.kind} id {self.ref} issued"

    def __init__(self) -> None:
        self.name = ""
        self.kind = ""
        self.prefix = ""
        self.issued: list[str] = []

    @staticmethod
    def id_for(collective: str, name: str) -> UUID:
        return aggregate_id("register", collective, name)

    @classmethod
    def open(cls, collective: str, name: str, kind: str, prefix: str, meta: Envelope) -> "Register":
        return cls._create(
            cls.Opened,
            id=cls.id_for(collective, name),
            name=name,
            kind=kind,
            prefix=prefix,
            meta=meta,
        )

    def issue(self, meta: Envelope) -> str:
        """Issue the next id."""
        ref = f"{self.prefix}{len(self.issued) + 1}"
        self._trigger(self.Issued, meta, kind=self.kind, ref=ref)
        return ref
