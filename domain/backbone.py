"""The backbone: the organisation that coordinates a collective, and the functions it takes on.

One small aggregate per collective holds every term a backbone served. The first backbone is
appointed; each later one takes over in a handover that ends the previous term in the same event
(it says from whom to whom). Both need a decision that passed.
"""

from collections.abc import Iterable
from datetime import date
from uuid import UUID

from domain.base import Aggregate, Created, Envelope, Event, Value, aggregate_id, topic
from domain.errors import RuleViolation
from domain.vocabulary import BackboneFunction

__all__ = ["Backbone", "BackboneFunction", "Term", "functions_in_order"]


class Term(Value):
    """One organisation's term as the backbone."""

    org: str
    decision: str
    functions: tuple[BackboneFunction, ...]
    began: date
    ended: date | None = None


def functions_in_order(functions: Iterable[BackboneFunction]) -> tuple[BackboneFunction, ...]:
    """The functions named, each once, in their usual order; at least one."""
    wanted = set(functions)
    if not wanted:
        raise RuleViolation("a backbone takes on at least one function (use --function)")
    return tuple(f for f in BackboneFunction if f in wanted)


class Backbone(Aggregate):
    """Who has been the backbone of one collective, and when."""

    TOPIC = topic("Backbone")

    class Appointed(Created):
        TOPIC = topic("Backbone.Appointed")
        collective: str
        org: str
        decision: str
        functions: tuple[BackboneFunction, ...]

        def apply(self, aggregate: "Backbone") -> None:
            aggregate.collective = self.collective
            aggregate.terms.append(_term(self))

        def subject(self) -> str:
            return "backbone"

        def summary(self) -> str:
            return (
                f"{self.org} appointed backbone by decision {self.decision} "
                f"({len(self.functions)} functions)"
            )

    class HandedOver(Event):
        TOPIC = topic("Backbone.HandedOver")
        collective: str
        previous: str
        org: str
        decision: str
        functions: tuple[BackboneFunction, ...]

        def apply(self, aggregate: "Backbone") -> None:
            ending = aggregate.terms[-1]
            aggregate.terms[-1] = ending.model_copy(update={"ended": self.meta.effective})
            aggregate.terms.append(_term(self))

        def subject(self) -> str:
            return "backbone"

        def summary(self) -> str:
            return (
                f"backbone handed over from {self.previous} to {self.org} "
                f"by decision {self.decision} ({len(self.functions)} functions)"
            )

    def __init__(self) -> None:
        self.collective = ""
        self.terms: list[Term] = []

    @staticmethod
    def id_for(collective: str) -> UUID:
        return aggregate_id("backbone", collective)

    @classmethod
    def appoint(
        cls,
        collective: str,
        org: str,
        decision: str,
        functions: Iterable[BackboneFunction],
        meta: Envelope,
    ) -> "Backbone":
        """Appoint the collective's first backbone."""
        return cls._create(
            cls.Appointed,
            id=cls.id_for(collective),
            collective=collective,
            org=org,
            decision=decision,
            functions=functions_in_order(functions),
            meta=meta,
        )

    @property
    def current(self) -> "Term":
        return self.terms[-1]

    def hand_over(
        self, org: str, decision: str, functions: Iterable[BackboneFunction], meta: Envelope
    ) -> None:
        """Hand the backbone over to ``org``: the current term ends as the new one begins."""
        current = self.current
        if org == current.org:
            raise RuleViolation(f"{org} is already the backbone of {self.collective}")
        if meta.effective < current.began:
            raise RuleViolation(
                f"the handover on {meta.effective} is before {current.org}'s term began "
                f"({current.began})"
            )
        for term in self.terms:
            if term.decision == decision:
                raise RuleViolation(
                    f"decision {decision} already appointed {term.org}: "
                    "a handover needs a decision of its own"
                )
        self._trigger(
            self.HandedOver,
            meta,
            collective=self.collective,
            previous=current.org,
            org=org,
            decision=decision,
            functions=functions_in_order(functions),
        )


def _term(event: "Backbone.Appointed | Backbone.HandedOver") -> "Term":
    return Term(
        org=event.org,
        decision=event.decision,
        functions=event.functions,
        began=event.meta.effective,
    )
