"""The common agenda: the shared problem, the vision, and the outcomes the partners work towards.

The agenda is versioned. Each version is kept whole (problem statement, vision, shared outcomes,
strategies, equity commitments) and names the decision that adopted it, so that "what did we
agree in 2021?" has an exact answer, and any two versions can be compared.
"""

import re
from datetime import date, datetime
from uuid import UUID

from pydantic import Field, ValidationInfo, field_validator, model_validator

from domain.base import Aggregate, Created, Envelope, Event, Value, aggregate_id, topic
from domain.errors import NotFound, RuleViolation

__all__ = [
    "Agenda",
    "AgendaDiff",
    "AgendaText",
    "AgendaVersion",
    "OutcomeChange",
    "SharedOutcome",
    "compare",
]

_CODE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")


def _text(value: str, what: str) -> str:
    if not value.strip():
        raise ValueError(f"{what} cannot be empty")
    return value.strip()


class SharedOutcome(Value):
    """An outcome every partner works towards, e.g. ``SS-O1`` "Social security and entitlements"."""

    code: str = Field(max_length=30)
    title: str = Field(max_length=300)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        code = v.strip().upper()
        if not _CODE.match(code):
            msg = f"outcome code {v!r} is not valid: use letters, digits and hyphens, e.g. SS-O1"
            raise ValueError(msg)
        return code

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        return _text(v, "the title of a shared outcome")


class AgendaText(Value):
    """What a version of the common agenda says (the content of an agenda file)."""

    problem: str = Field(max_length=20000)
    vision: str = Field(max_length=20000)
    outcomes: tuple[SharedOutcome, ...]
    strategies: tuple[str, ...] = ()
    equity_commitments: tuple[str, ...] = ()

    @field_validator("problem", "vision")
    @classmethod
    def _required(cls, v: str, info: ValidationInfo) -> str:
        return _text(v, f"the {info.field_name}")

    @field_validator("strategies", "equity_commitments")
    @classmethod
    def _items(cls, v: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        what = str(info.field_name).replace("_", " ")
        return tuple(_text(item, f"an entry of {what}") for item in v)

    @model_validator(mode="after")
    def _outcomes(self) -> "AgendaText":
        if not self.outcomes:
            raise ValueError("a common agenda names at least one shared outcome")
        codes = [o.code for o in self.outcomes]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"shared outcome {twice[0]} is listed twice")
        return self


class AgendaVersion(Value):
    """One version of the agenda, whole, with the decision that adopted it."""

    version: int
    decision: str
    adopted: date
    recorded_at: datetime
    text: AgendaText


class OutcomeChange(Value):
    """A shared outcome whose title changed between two versions."""

    code: str
    before: str
    after: str


class AgendaDiff(Value):
    """What changed from version ``old`` to version ``new``."""

    old: int
    new: int
    changed: tuple[str, ...]
    """The fields that differ, in the order of the agenda file."""
    outcomes_added: tuple[SharedOutcome, ...] = ()
    outcomes_removed: tuple[SharedOutcome, ...] = ()
    outcomes_changed: tuple[OutcomeChange, ...] = ()
    strategies_added: tuple[str, ...] = ()
    strategies_removed: tuple[str, ...] = ()
    equity_commitments_added: tuple[str, ...] = ()
    equity_commitments_removed: tuple[str, ...] = ()


def compare(old: "AgendaVersion", new: "AgendaVersion") -> "AgendaDiff":
    """The structured difference between two versions of the agenda."""
    a, b = old.text, new.text
    fields = ("problem", "vision", "outcomes", "strategies", "equity_commitments")
    before = {o.code: o for o in a.outcomes}
    after = {o.code: o for o in b.outcomes}
    return AgendaDiff(
        old=old.version,
        new=new.version,
        changed=tuple(f for f in fields if getattr(a, f) != getattr(b, f)),
        outcomes_added=tuple(o for o in b.outcomes if o.code not in before),
        outcomes_removed=tuple(o for o in a.outcomes if o.code not in after),
        outcomes_changed=tuple(
            OutcomeChange(code=o.code, before=before[o.code].title, after=o.title)
            for o in b.outcomes
            if o.code in before and before[o.code] != o
        ),
        strategies_added=tuple(s for s in b.strategies if s not in a.strategies),
        strategies_removed=tuple(s for s in a.strategies if s not in b.strategies),
        equity_commitments_added=tuple(
            e for e in b.equity_commitments if e not in a.equity_commitments
        ),
        equity_commitments_removed=tuple(
            e for e in a.equity_commitments if e not in b.equity_commitments
        ),
    )


class Agenda(Aggregate):
    """The common agenda of one collective, with every version it ever had."""

    TOPIC = topic("Agenda")

    class Adopted(Created):
        TOPIC = topic("Agenda.Adopted")
        collective: str
        version: int
        decision: str
        text: AgendaText

        def apply(self, aggregate: "Agenda") -> None:
            aggregate.collective = self.collective
            _add_version(aggregate, self)

        def subject(self) -> str:
            return "agenda"

        def summary(self) -> str:
            return (
                f"common agenda adopted by decision {self.decision} "
                f"({len(self.text.outcomes)} shared outcomes)"
            )

    class AmendmentAdopted(Event):
        TOPIC = topic("Agenda.AmendmentAdopted")
        collective: str
        version: int
        decision: str
        text: AgendaText

        def apply(self, aggregate: "Agenda") -> None:
            _add_version(aggregate, self)

        def subject(self) -> str:
            return "agenda"

        def summary(self) -> str:
            return (
                f"common agenda version {self.version} adopted by decision {self.decision} "
                f"({len(self.text.outcomes)} shared outcomes)"
            )

    def __init__(self) -> None:
        self.collective = ""
        self.versions: list[AgendaVersion] = []

    @staticmethod
    def id_for(collective: str) -> UUID:
        return aggregate_id("agenda", collective)

    @classmethod
    def adopt(cls, collective: str, text: "AgendaText", decision: str, meta: Envelope) -> "Agenda":
        """Adopt the first version; a second adoption is refused by the store (amend instead)."""
        return cls._create(
            cls.Adopted,
            id=cls.id_for(collective),
            collective=collective,
            version=1,
            decision=decision,
            text=text,
            meta=meta,
        )

    @property
    def current(self) -> "AgendaVersion":
        return self.versions[-1]

    def amend(self, text: "AgendaText", decision: str, meta: Envelope) -> None:
        if text == self.current.text:
            raise RuleViolation(
                f"the amendment is identical to agenda version {self.current.version}: "
                "nothing to change"
            )
        for earlier in self.versions:
            if earlier.decision == decision:
                raise RuleViolation(
                    f"decision {decision} already adopted agenda version {earlier.version}: "
                    "an amendment needs a decision of its own"
                )
        self._trigger(
            self.AmendmentAdopted,
            meta,
            collective=self.collective,
            version=self.current.version + 1,
            decision=decision,
            text=text,
        )

    def read_version(self, number: "int | None" = None) -> "AgendaVersion":
        """Version ``number`` (the current one when ``None``)."""
        if number is None:
            return self.current
        if not 1 <= number <= len(self.versions):
            raise NotFound(
                "agenda version", str(number), f"the agenda has versions 1 to {len(self.versions)}"
            )
        return self.versions[number - 1]

    def diff(self, old: int, new: int) -> "AgendaDiff":
        return compare(self.read_version(old), self.read_version(new))


def _add_version(aggregate: "Agenda", event: "Agenda.Adopted | Agenda.AmendmentAdopted") -> None:
    aggregate.versions.append(
        AgendaVersion(
            version=event.version,
            decision=event.decision,
            adopted=event.meta.effective,
            recorded_at=event.timestamp,
            text=event.text,
        )
    )
