"""Shared measurement, part two: the values partners report, their review, and closed periods.

One :class:`Report` aggregate per collective, indicator, organisation and period holds that
report's cells: the current value of each, the definition version it was reported under, and where
it stands (submitted, approved, queried, returned, corrected, retracted). Writing a value loads
only that report, so two partners reporting at the same moment never conflict.

A value is never overwritten: a second submission for the same cell is refused (use a
correction), and a correction or a retraction is an event of its own that says why. A closed
period (:class:`ReportingPeriod`, closed by a decision) takes new values only under a decision.
"""

import re
from decimal import Decimal
from uuid import UUID

from pydantic import Field, field_validator

from domain.base import Aggregate, Created, Envelope, Event, Value, aggregate_id, check_slug, topic
from domain.collective import Collective
from domain.errors import NotFound, RuleViolation
from domain.indicator import Indicator
from domain.measurement import Cell, cell_label, check_code, normal_cell, show_measure
from domain.periods import Cadence, Calendar, Period, contains, parse_period, period_containing
from domain.vocabulary import ReviewAction, ValueStatus

__all__ = [
    "Entry",
    "Report",
    "ReportKey",
    "ReportingPeriod",
    "Submission",
    "ValueKey",
    "check_evidence",
    "enclosing_periods",
]

_LINK = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$")


class ReportKey(Value):
    """Which report: an indicator, an organisation and a period, as people type them."""

    code: str
    org: str
    period: str

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        return check_code(v)

    @field_validator("org")
    @classmethod
    def _org(cls, v: str) -> str:
        return check_slug(v.strip(), "organisation")

    @field_validator("period")
    @classmethod
    def _period(cls, v: str) -> str:
        return v.strip()


class ValueKey(ReportKey):
    """Which value: a report and a cell (``()`` for the total)."""

    cell: Cell = ()

    @field_validator("cell")
    @classmethod
    def _cell(cls, v: Cell) -> Cell:
        return normal_cell(v)


class Submission(ValueKey):
    """A value as a partner sends it: the text typed, a note and a link to the evidence."""

    value: str
    note: str = Field(default="", max_length=2000)
    evidence: str | None = None
    decision: str | None = None
    """A passed decision that allows a value for a closed period."""

    @field_validator("evidence")
    @classmethod
    def _evidence(cls, v: "str | None") -> "str | None":
        return check_evidence(v)


def check_evidence(text: "str | None") -> "str | None":
    """A link to the evidence behind a value (``None`` when empty); ``ValueError`` otherwise."""
    if text is None or not text.strip():
        return None
    if not _LINK.match(text.strip()) or len(text) > 2000:
        raise ValueError(f"evidence {text!r} is not a link: give a URL such as https://...")
    return text.strip()


class Entry(Value):
    """One cell of a report as it stands."""

    version: int
    value: Decimal | None
    text: str | None
    note: str = ""
    evidence: str | None = None
    status: ValueStatus
    comment: str | None = None

    @property
    def shown(self) -> str:
        return show_measure(self.value, self.text)


def enclosing_periods(period: Period, calendar: Calendar) -> tuple[Period, ...]:
    """``period`` and every period of ``calendar`` that contains it (its quarter, year...).

    Closing any of them closes ``period``: closing ``FY2023-24`` closes ``2024Q1`` and ``2024-03``.
    """
    candidates = [period, parse_period(str(period.start.year), calendar)]
    candidates += [period_containing(period.start, cadence, calendar) for cadence in Cadence]
    found = {c.code: c for c in candidates if contains(c, period)}
    return tuple(sorted(found.values()))


class ReportingPeriod(Aggregate):
    """A period of the collective's calendar that was closed by a decision."""

    TOPIC = topic("ReportingPeriod")

    class Closed(Created):
        TOPIC = topic("ReportingPeriod.Closed")
        period: str
        decision: str

        def apply(self, aggregate: "ReportingPeriod") -> None:
            aggregate.period = self.period
            aggregate.decision = self.decision

        def subject(self) -> str:
            return f"period:{self.period}"

        def summary(self) -> str:
            return f"period {self.period} closed under decision {self.decision}"

    def __init__(self) -> None:
        self.period = ""
        self.decision = ""

    @staticmethod
    def id_for(collective: str, period: str) -> UUID:
        return aggregate_id("period", collective, period)

    @classmethod
    def close(
        cls, collective: str, period: Period, decision: str, meta: Envelope
    ) -> "ReportingPeriod":
        return cls._create(
            cls.Closed,
            id=cls.id_for(collective, period.code),
            period=period.code,
            decision=decision,
            meta=meta,
        )


class _AboutValues(Event):
    """What every event of a report says: which report."""

    code: str
    org: str
    period: str

    def subject(self) -> str:
        return f"value:{self.code}/{self.org}/{self.period}"


class Report(Aggregate):
    """What one organisation reported on one indicator for one period, cell by cell."""

    TOPIC = topic("Report")

    class Opened(Created):
        TOPIC = topic("Report.Opened")
        code: str
        org: str
        period: str

        def apply(self, aggregate: "Report") -> None:
            aggregate.code = self.code
            aggregate.org = self.org
            aggregate.period = self.period

        def subject(self) -> str:
            return f"value:{self.code}/{self.org}/{self.period}"

        def summary(self) -> str:
            return f"report of {self.org} on {self.code} for {self.period} opened"

    class ValueSubmitted(_AboutValues):
        TOPIC = topic("Report.ValueSubmitted")
        cell: Cell
        version: int
        value: Decimal | None
        text: str | None
        note: str
        evidence: str | None
        decision: str | None

        def apply(self, aggregate: "Report") -> None:
            aggregate.entries[self.cell] = Entry(
                version=self.version,
                value=self.value,
                text=self.text,
                note=self.note,
                evidence=self.evidence,
                status=ValueStatus.SUBMITTED,
            )

        def summary(self) -> str:
            under = f" under decision {self.decision}" if self.decision else ""
            shown = show_measure(self.value, self.text)
            return f"{cell_label(self.cell)}: {shown} submitted{under}"

    class ValueCorrected(_AboutValues):
        TOPIC = topic("Report.ValueCorrected")
        cell: Cell
        version: int
        value: Decimal | None
        text: str | None
        note: str
        evidence: str | None
        decision: str | None
        previous_value: Decimal | None
        previous_text: str | None

        def apply(self, aggregate: "Report") -> None:
            aggregate.entries[self.cell] = Entry(
                version=self.version,
                value=self.value,
                text=self.text,
                note=self.note,
                evidence=self.evidence,
                status=ValueStatus.CORRECTED,
            )

        def summary(self) -> str:
            before = show_measure(self.previous_value, self.previous_text)
            after = show_measure(self.value, self.text)
            return (
                f"{cell_label(self.cell)}: corrected from {before} to {after}: {self.meta.reason}"
            )

    class ValueRetracted(_AboutValues):
        TOPIC = topic("Report.ValueRetracted")
        cell: Cell
        version: int
        decision: str | None

        def apply(self, aggregate: "Report") -> None:
            entry = aggregate.entries[self.cell]
            aggregate.entries[self.cell] = entry.model_copy(
                update={"status": ValueStatus.RETRACTED, "comment": None}
            )

        def summary(self) -> str:
            return f"{cell_label(self.cell)}: retracted: {self.meta.reason}"

    class ValueReviewed(_AboutValues):
        TOPIC = topic("Report.ValueReviewed")
        cells: tuple[Cell, ...]
        action: ReviewAction
        comment: str | None

        def apply(self, aggregate: "Report") -> None:
            status = _STATUS_AFTER[self.action]
            for cell in self.cells:
                entry = aggregate.entries[cell]
                aggregate.entries[cell] = entry.model_copy(
                    update={"status": status, "comment": self.comment}
                )

        def summary(self) -> str:
            cells = "; ".join(cell_label(c) for c in self.cells)
            comment = f": {self.comment}" if self.comment else ""
            return f"{_STATUS_AFTER[self.action]} ({cells}){comment}"

    def __init__(self) -> None:
        self.code = ""
        self.org = ""
        self.period = ""
        self.entries: dict[Cell, Entry] = {}

    @staticmethod
    def id_for(collective: str, code: str, org: str, period: str) -> UUID:
        return aggregate_id("report", collective, code, org, period)

    @classmethod
    def open(cls, collective: str, code: str, org: str, period: Period, meta: Envelope) -> "Report":
        return cls._create(
            cls.Opened,
            id=cls.id_for(collective, code, org, period.code),
            code=code,
            org=org,
            period=period.code,
            meta=meta,
        )

    @property
    def ref(self) -> str:
        """How people refer to the report: ``SS-EDU-01/hasiru-dala/2024Q1``."""
        return f"{self.code}/{self.org}/{self.period}"

    def entry(self, cell: Cell) -> "Entry":
        found = self.entries.get(cell)
        if found is None:
            raise NotFound(
                "value",
                f"{self.ref} {cell_label(cell)}",
                "nothing was submitted for that cell (use `collective value submit`)",
            )
        return found

    def submit(
        self,
        collective: Collective,
        indicator: Indicator,
        submission: "Submission",
        closure: "ReportingPeriod | None",
        meta: Envelope,
    ) -> None:
        """Record a first value for a cell: from a current member, in the indicator's terms."""
        collective.member(self.org)
        indicator.check_active("takes no new values")
        cell = submission.cell
        indicator.current.check_cell(cell, self.code)
        if cell in self.entries:
            raise RuleViolation(
                f"{self.ref} already has a value for {cell_label(cell)} "
                f"({self.entries[cell].shown}): to change it use `collective value correct`"
            )
        value, text = indicator.read(submission.value)
        self._check_closure(closure, submission.decision)
        self._trigger(
            self.ValueSubmitted,
            meta,
            **self._key(cell),
            version=indicator.current_version,
            value=value,
            text=text,
            note=submission.note,
            evidence=submission.evidence,
            decision=submission.decision,
        )

    def correct(
        self,
        indicator: Indicator,
        submission: "Submission",
        closure: "ReportingPeriod | None",
        meta: Envelope,
    ) -> None:
        """Supersede the value of a cell, with a reason; it stays under its own version."""
        indicator.check_active("takes no new values")
        cell = submission.cell
        entry = self.entry(cell)
        if not meta.reason:
            raise RuleViolation(f"a correction of {self.ref} needs a reason (use --reason)")
        value, text = indicator.read(submission.value)
        if entry.status is not ValueStatus.RETRACTED and (value, text) == (entry.value, entry.text):
            raise RuleViolation(
                f"the value of {self.ref} for {cell_label(cell)} is already {entry.shown}"
            )
        self._check_closure(closure, submission.decision)
        self._trigger(
            self.ValueCorrected,
            meta,
            **self._key(cell),
            version=entry.version,
            value=value,
            text=text,
            note=submission.note,
            evidence=submission.evidence,
            decision=submission.decision,
            previous_value=entry.value,
            previous_text=entry.text,
        )

    def retract(
        self,
        cell: Cell,
        closure: "ReportingPeriod | None",
        decision: "str | None",
        meta: Envelope,
    ) -> None:
        """Withdraw the value of a cell, with a reason; it stays in the history."""
        entry = self.entry(cell)
        if entry.status is ValueStatus.RETRACTED:
            raise RuleViolation(
                f"the value of {self.ref} for {cell_label(cell)} is already retracted"
            )
        if not meta.reason:
            raise RuleViolation(f"a retraction of {self.ref} needs a reason (use --reason)")
        self._check_closure(closure, decision)
        self._trigger(
            self.ValueRetracted, meta, **self._key(cell), version=entry.version, decision=decision
        )

    def review(
        self, action: ReviewAction, cell: "Cell | None", comment: "str | None", meta: Envelope
    ) -> None:
        """Approve, query or return one cell, or (``cell`` None) every value of the report."""
        comment = (comment or "").strip() or None
        if action is not ReviewAction.APPROVE and comment is None:
            what = "a query" if action is ReviewAction.QUERY else "returning a value"
            raise RuleViolation(f"{what} needs a comment saying why (use --comment)")
        if cell is None:
            what = self.ref
            cells = [c for c, e in sorted(self.entries.items()) if e.status is not _GONE]
            if not cells:
                raise RuleViolation(f"{self.ref} has no values to review")
        else:
            what = f"the value of {self.ref} for {cell_label(cell)}"
            if self.entry(cell).status is _GONE:
                raise RuleViolation(f"{what} was retracted")
            cells = [cell]
        if action is ReviewAction.APPROVE:
            cells = [c for c in cells if self.entries[c].status is not ValueStatus.APPROVED]
            if not cells:
                raise RuleViolation(f"{what} is already approved")
        self._trigger(
            self.ValueReviewed,
            meta,
            code=self.code,
            org=self.org,
            period=self.period,
            cells=tuple(cells),
            action=action,
            comment=comment,
        )

    def _key(self, cell: Cell) -> dict[str, object]:
        return {"code": self.code, "org": self.org, "period": self.period, "cell": cell}

    def _check_closure(self, closure: "ReportingPeriod | None", decision: "str | None") -> None:
        if closure is not None and not decision:
            raise RuleViolation(
                f"period {closure.period} was closed under decision {closure.decision}: a value "
                f"for {self.period} now needs a passed decision (use --decision)"
            )


_GONE = ValueStatus.RETRACTED
_STATUS_AFTER = {
    ReviewAction.APPROVE: ValueStatus.APPROVED,
    ReviewAction.QUERY: ValueStatus.QUERIED,
    ReviewAction.RETURN: ValueStatus.RETURNED,
}
