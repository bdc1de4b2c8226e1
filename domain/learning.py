"""Learning: insights ("the story behind the curve") and the decisions they led to."""

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from pydantic import field_validator

from domain.base import Aggregate, Created, Envelope, Value, aggregate_id, topic
from domain.governance import Decision
from domain.register import Register
from domain.values import check_codes, check_text, unique

__all__ = ["Insight", "Learning"]


class Insight(Value):
    """What was learnt, and which indicators it is about."""

    title: str
    insight: str
    indicators: tuple[str, ...] = ()

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        return check_text(v, "the title of a learning record")

    @field_validator("insight")
    @classmethod
    def _insight(cls, v: str) -> str:
        return check_text(v, "the insight", 20000)

    @field_validator("indicators")
    @classmethod
    def _indicators(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return check_codes(v, "indicator")


class Learning(Aggregate):
    """A learning record of one collective."""

    TOPIC = topic("Learning")
    REGISTER = "learning"

    class Recorded(Created):
        TOPIC = topic("Learning.Recorded")
        learning: str
        insight: Insight
        decisions: tuple[str, ...]

        def apply(self, aggregate: "Learning") -> None:
            aggregate.ref = self.learning
            aggregate.insight = self.insight
            aggregate.decisions = self.decisions
            aggregate.recorded_on = self.meta.effective

        def subject(self) -> str:
            return f"learning:{self.learning}"

        def summary(self) -> str:
            led = f" (led to {', '.join(self.decisions)})" if self.decisions else ""
            return f"learnt: {self.insight.title}{led}"

    def __init__(self) -> None:
        self.ref = ""
        self.insight: Insight
        self.decisions: tuple[str, ...] = ()
        self.recorded_on: date

    @staticmethod
    def id_for(collective: str, ref: str) -> UUID:
        return aggregate_id("learning", collective, ref)

    @classmethod
    def record(
        cls,
        collective: str,
        register: Register,
        insight: "Insight",
        decisions: Sequence[Decision],
        meta: Envelope,
    ) -> "Learning":
        """Record ``insight``; ``decisions`` are the decisions it led to, loaded."""
        refs = unique(tuple(d.ref for d in decisions), "decision")
        ref = register.issue(meta)
        return cls._create(
            cls.Recorded,
            id=cls.id_for(collective, ref),
            learning=ref,
            insight=insight,
            decisions=refs,
            meta=meta,
        )
