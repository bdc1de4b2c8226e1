"""Shared measurement, part one: the indicator dictionary, indicators, their versions and targets.

One :class:`Indicator` aggregate per collective and code holds the definition versions, the
targets and the retirement: a few events a year, so loading one is quick. The values partners
report live elsewhere (``domain.reporting``), one small aggregate per report, so writing a value
never replays the indicator's history of values.
"""

from decimal import Decimal
from uuid import UUID

from domain.base import Aggregate, Created, Envelope, Event, aggregate_id, topic
from domain.errors import RuleViolation
from domain.measurement import (
    CategoryMap,
    Cell,
    Definition,
    Group,
    Revision,
    Target,
    Version,
    cell_label,
    check_code,
    complete_mapping,
    map_cell,
    read_measure,
    show_measure,
)
from domain.periods import Calendar, Period, check_cadence, parse_period
from domain.vocabulary import Unit

__all__ = ["Indicator", "IndicatorDictionary"]


class IndicatorDictionary(Aggregate):
    """The codes of a collective's indicators, in the order they were defined."""

    TOPIC = topic("IndicatorDictionary")

    class Opened(Created):
        TOPIC = topic("IndicatorDictionary.Opened")
        collective: str

        def apply(self, aggregate: "IndicatorDictionary") -> None:
            aggregate.codes = []

        def subject(self) -> str:
            return f"collective:{self.collective}"

        def summary(self) -> str:
            return "indicator dictionary opened"

    class Listed(Event):
        TOPIC = topic("IndicatorDictionary.Listed")
        code: str

        def apply(self, aggregate: "IndicatorDictionary") -> None:
            aggregate.codes.append(self.code)

        def subject(self) -> str:
            return f"indicator:{self.code}"

        def summary(self) -> str:
            return f"{self.code} listed in the indicator dictionary"

    def __init__(self) -> None:
        self.codes: list[str] = []

    @staticmethod
    def id_for(collective: str) -> UUID:
        return aggregate_id("indicator-dictionary", collective)

    @classmethod
    def open(cls, collective: str, meta: Envelope) -> "IndicatorDictionary":
        return cls._create(cls.Opened, id=cls.id_for(collective), collective=collective, meta=meta)

    def list_indicator(self, code: str, meta: Envelope) -> None:
        self._trigger(self.Listed, meta, code=code)


class Indicator(Aggregate):
    """One indicator of a collective: its definition versions, its targets, its retirement."""

    TOPIC = topic("Indicator")

    class Defined(Created):
        TOPIC = topic("Indicator.Defined")
        code: str
        definition: Definition

        def apply(self, aggregate: "Indicator") -> None:
            aggregate.code = self.code
            aggregate.versions = [Version(number=1, definition=self.definition)]

        def subject(self) -> str:
            return f"indicator:{self.code}"

        def summary(self) -> str:
            d = self.definition
            return f"defined: {d.name} ({d.unit_label}, {d.cadence}, {d.direction} is better)"

    class Revised(Event):
        TOPIC = topic("Indicator.Revised")
        code: str
        version: int
        definition: Definition
        mapping: tuple[CategoryMap, ...]
        decision: str

        def apply(self, aggregate: "Indicator") -> None:
            aggregate.versions.append(
                Version(
                    number=self.version,
                    definition=self.definition,
                    mapping=self.mapping,
                    decision=self.decision,
                )
            )

        def subject(self) -> str:
            return f"indicator:{self.code}"

        def summary(self) -> str:
            moves = [
                f"{m.dimension} {m.old} -> {'+'.join(m.new)}"
                for m in self.mapping
                if m.new != (m.old,)
            ]
            return f"revised to version {self.version} under decision {self.decision}" + (
                f" ({'; '.join(moves)})" if moves else ""
            )

    class TargetSet(Event):
        TOPIC = topic("Indicator.TargetSet")
        code: str
        period: str
        cell: Cell
        value: Decimal | None
        text: str | None
        version: int

        def apply(self, aggregate: "Indicator") -> None:
            aggregate.targets[self.period, self.cell] = Target(
                period=self.period,
                cell=self.cell,
                value=self.value,
                text=self.text,
                version=self.version,
            )

        def subject(self) -> str:
            return f"indicator:{self.code}"

        def summary(self) -> str:
            where = f"{self.period}, {cell_label(self.cell)}"
            return f"target for {where}: {show_measure(self.value, self.text)}"

    class TargetRevised(TargetSet):
        TOPIC = topic("Indicator.TargetRevised")
        previous_value: Decimal | None
        previous_text: str | None

        def summary(self) -> str:
            where = f"{self.period}, {cell_label(self.cell)}"
            before = show_measure(self.previous_value, self.previous_text)
            after = show_measure(self.value, self.text)
            return f"target for {where} revised from {before} to {after}: {self.meta.reason}"

    class Retired(Event):
        TOPIC = topic("Indicator.Retired")
        code: str
        decision: str

        def apply(self, aggregate: "Indicator") -> None:
            aggregate.retired = self.decision

        def subject(self) -> str:
            return f"indicator:{self.code}"

        def summary(self) -> str:
            return f"retired under decision {self.decision}"

    def __init__(self) -> None:
        self.code = ""
        self.versions: list[Version] = []
        self.targets: dict[tuple[str, Cell], Target] = {}
        self.retired: str | None = None

    @staticmethod
    def id_for(collective: str, code: str) -> UUID:
        return aggregate_id("indicator", collective, check_code(code))

    @classmethod
    def define(
        cls, collective: str, calendar: Calendar, code: str, definition: Definition, meta: Envelope
    ) -> "Indicator":
        code = check_code(code)
        if definition.unit is Unit.CURRENCY and definition.currency is None:
            raise RuleViolation(f"{code} counts money: give its currency (use --currency)")
        if definition.baseline is not None:
            period = parse_period(definition.baseline.period, calendar).code
            baseline = definition.baseline.model_copy(update={"period": period})
            definition = definition.model_copy(update={"baseline": baseline})
        return cls._create(
            cls.Defined,
            id=cls.id_for(collective, code),
            code=code,
            definition=definition,
            meta=meta,
        )

    @property
    def current(self) -> Definition:
        """The definition as it stands (the last version)."""
        return self.versions[-1].definition

    @property
    def current_version(self) -> int:
        """The number of the current version (``version`` is the library's event count)."""
        return len(self.versions)

    def check_active(self, doing: str = "takes no more changes") -> None:
        if self.retired is not None:
            raise RuleViolation(
                f"indicator {self.code} was retired under decision {self.retired} and {doing}"
            )

    def period(self, text: str, calendar: Calendar) -> Period:
        """A reporting period for a value of this indicator: read and checked against cadence."""
        period = parse_period(text, calendar)
        check_cadence(period, self.current.cadence, calendar)
        return period

    def read(self, raw: str, what: str = "value") -> tuple[Decimal | None, str | None]:
        """A value as typed, read by this indicator's unit."""
        return read_measure(self.current.unit, raw, what, f" for {self.code}")

    def read_cell(self, version: int, cell: Cell) -> Group:
        """A cell recorded under ``version``, read under the current version."""
        return map_cell(self.versions, version, cell)

    def revise(self, revision: Revision, decision: str, meta: Envelope) -> None:
        self.check_active()
        if not decision.strip():
            raise RuleViolation(
                f"a revision of {self.code} needs the decision that authorised it (use --decision)"
            )
        old = self.current
        new = revision.apply_to(old)
        mapping = complete_mapping(self.code, old, new, revision.mapping)
        if new == old and all(m.new == (m.old,) for m in mapping):
            raise RuleViolation(f"the revision changes nothing in {self.code}")
        self._trigger(
            self.Revised,
            meta,
            code=self.code,
            version=self.current_version + 1,
            definition=new,
            mapping=mapping,
            decision=decision,
        )

    def set_target(self, period: Period, cell: Cell, raw: str, meta: Envelope) -> None:
        self.check_active()
        self.current.check_cell(cell, self.code)
        value, text = self.read(raw, "target")
        payload = {
            "code": self.code,
            "period": period.code,
            "cell": cell,
            "value": value,
            "text": text,
            "version": self.current_version,
        }
        previous = self.targets.get((period.code, cell))
        if previous is None:
            self._trigger(self.TargetSet, meta, **payload)
            return
        where = f"{period.code}, {cell_label(cell)}"
        before = show_measure(previous.value, previous.text)
        if (previous.value, previous.text) == (value, text):
            raise RuleViolation(f"the target of {self.code} for {where} is already {before}")
        if not meta.reason:
            raise RuleViolation(
                f"{self.code} already has a target of {before} for {where}: revising it needs "
                "a reason (use --reason)"
            )
        self._trigger(
            self.TargetRevised,
            meta,
            **payload,
            previous_value=previous.value,
            previous_text=previous.text,
        )

    def retire(self, decision: str, meta: Envelope) -> None:
        self.check_active()
        self._trigger(self.Retired, meta, code=self.code, decision=decision)
