"""Funding: commitments from one organisation to another, and the disbursements against them.

Amounts are exact decimals in one ISO 4217 currency per commitment (no conversion, no floats).
A disbursement that would go beyond what remains committed needs a reason, and the record keeps
by how much it went over.
"""

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import field_validator, model_validator

from domain.base import Aggregate, Created, Envelope, Event, Value, aggregate_id, check_slug, topic
from domain.errors import RuleViolation
from domain.periods import Calendar
from domain.register import Register
from domain.values import Money, Term

__all__ = ["Disbursement", "Funding", "Pledge"]


class Pledge(Value):
    """What a funding commitment says: who gives how much to whom, when, under which agreement."""

    funder: str
    recipient: str
    money: Money
    term: Term | None = None
    agreement: str | None = None

    @field_validator("funder", "recipient")
    @classmethod
    def _org(cls, v: str) -> str:
        return check_slug(v, "organisation")

    @field_validator("agreement")
    @classmethod
    def _agreement(cls, v: "str | None") -> "str | None":
        return None if v is None else check_slug(v, "agreement")

    @model_validator(mode="after")
    def _two_parties(self) -> "Pledge":
        if self.funder == self.recipient:
            raise ValueError(f"{self.funder} cannot commit funding to itself")
        return self


class Disbursement(Value):
    on: date
    money: Money
    over: Decimal | None = None


class Funding(Aggregate):
    """A funding commitment and what was disbursed against it."""

    TOPIC = topic("Funding")
    REGISTER = "funding"

    class Committed(Created):
        TOPIC = topic("Funding.Committed")
        funding: str
        pledge: Pledge

        def apply(self, aggregate: "Funding") -> None:
            aggregate.ref = self.funding
            aggregate.pledge = self.pledge
            aggregate.committed_on = self.meta.effective

        def subject(self) -> str:
            return f"funding:{self.funding}"

        def summary(self) -> str:
            p = self.pledge
            return f"{p.funder} commits {p.money} to {p.recipient}"

    class Disbursed(Event):
        TOPIC = topic("Funding.Disbursed")
        funding: str
        money: Money
        over: Decimal | None = None
        """By how much this disbursement went beyond what remained committed (with a reason)."""

        def apply(self, aggregate: "Funding") -> None:
            aggregate.disbursements.append(
                Disbursement(on=self.meta.effective, money=self.money, over=self.over)
            )
            aggregate.disbursed += self.money.amount

        def subject(self) -> str:
            return f"funding:{self.funding}"

        def summary(self) -> str:
            over = f" ({self.over} over the commitment: {self.meta.reason})" if self.over else ""
            return f"disbursed {self.money}{over}"

    def __init__(self) -> None:
        self.ref = ""
        self.pledge: Pledge
        self.committed_on: date
        self.disbursements: list[Disbursement] = []
        self.disbursed = Decimal(0)

    @staticmethod
    def id_for(collective: str, ref: str) -> UUID:
        return aggregate_id("funding", collective, ref)

    @classmethod
    def commit(
        cls,
        collective: str,
        calendar: Calendar,
        register: Register,
        pledge: "Pledge",
        meta: Envelope,
    ) -> "Funding":
        term = pledge.term.resolve(calendar) if pledge.term else None
        ref = register.issue(meta)
        return cls._create(
            cls.Committed,
            id=cls.id_for(collective, ref),
            funding=ref,
            pledge=pledge.model_copy(update={"term": term}),
            meta=meta,
        )

    @property
    def currency(self) -> str:
        return self.pledge.money.currency

    @property
    def remaining(self) -> Decimal:
        """What remains committed and not yet disbursed (never below zero)."""
        balance = self.pledge.money.amount - self.disbursed
        return balance if balance > 0 else Decimal(0)

    def disburse(self, money: Money, meta: Envelope) -> None:
        if money.currency != self.currency:
            raise RuleViolation(
                f"funding {self.ref} is in {self.currency}: a disbursement in "
                f"{money.currency} cannot be recorded against it"
            )
        remaining = self.remaining
        over = money.amount - remaining if money.amount > remaining else None
        if over is not None and not meta.reason:
            raise RuleViolation(
                f"disbursing {money} would exceed the {remaining} {self.currency} that remains "
                f"of {self.ref} (use --reason)"
            )
        self._trigger(self.Disbursed, meta, funding=self.ref, money=money, over=over)
