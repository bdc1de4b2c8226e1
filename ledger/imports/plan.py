"""Checking a partner file against the ledger: every row, every problem at once, nothing written.

A file is read into rows (``ledger/imports/sheets.py``), and each row is checked with the same
domain rules as ``collective value submit`` (the indicator exists and takes values, the
organisation is a member and the actor may record for it, the period fits the cadence and is
not closed, the cells are the indicator's, the value fits the unit), then against what the
ledger holds already:

- a cell with no value yet becomes a submission;
- a cell whose value is the same as the file's is *unchanged*: nothing is recorded (so importing
  a file twice records it once);
- a cell whose value differs is a correction when the row gives a ``reason``, and otherwise a
  problem that shows the old and the new value.

The rules are the domain's own functions, called once per distinct indicator, period, cell or
organisation (a quarter's file repeats a handful of them a hundred thousand times); only the
value is read row by row. The result is a :class:`Plan`: the values to record, or the problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.base import check_slug
from domain.errors import DomainError
from domain.measurement import Cell, cell_label, check_code, normal_cell, show_measure
from domain.reporting import Entry, Report, check_evidence
from domain.vocabulary import Unit, ValueStatus
from ledger.imports.sheets import normal_column

if TYPE_CHECKING:
    from domain.collective import Collective
    from domain.indicator import Indicator
    from ledger.imports.sheets import Row, Table
    from ledger.measurement import MeasurementCommands
    from ledger.permissions import Gate

__all__ = ["COLUMNS", "Plan", "Planned", "RowProblem", "check_rows"]

COLUMNS = ("indicator", "organisation", "period", "value", "note", "evidence", "reason")
"""The columns of the long format; every other column is a disaggregation dimension."""
REQUIRED = ("indicator", "organisation", "period", "value")
MAX_TEXT = 2000
SINK_BATCH = 2000
"""Checked values handed on at a time (see :func:`check_rows`)."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One thing wrong with one cell of the file, as the person will look for it."""

    sheet: str | None
    line: int
    column: str
    value: str
    problem: str

    def as_dict(self, file: str) -> dict[str, Any]:
        return {
            "file": file,
            "sheet": self.sheet,
            "row": self.line,
            "column": self.column,
            "value": self.value,
            "problem": self.problem,
        }


@dataclass(slots=True)
class Planned:
    """One value the file adds to the ledger: a first submission or a correction."""

    sheet: str | None
    line: int
    report: UUID
    code: str
    org: str
    period: str
    cell: Cell
    value: Decimal | None
    text: str | None
    note: str
    evidence: str | None
    reason: str | None
    definition_version: int
    """The indicator version the value is reported under (a correction keeps the entry's)."""
    previous: Entry | None = None
    """The value it corrects, or ``None`` for a first submission."""

    @property
    def shown(self) -> str:
        return show_measure(self.value, self.text)


@dataclass
class Plan:
    """What importing a file would do."""

    rows: int = 0
    values: list[Planned] = field(default_factory=list)
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    versions: dict[UUID, int] = field(default_factory=dict)
    """The current version of every report the file adds to that exists already."""

    @property
    def corrections(self) -> int:
        return sum(1 for p in self.values if p.previous is not None)

    @property
    def new_reports(self) -> int:
        return len({p.report for p in self.values} - set(self.versions))


@dataclass(frozen=True, slots=True)
class _Report:
    """What the rows of one report share, checked once: which report, and how to read values."""

    id: UUID
    indicator: Indicator
    code: str
    org: str
    period: str
    version: int
    counts: bool
    """The indicator counts (whole numbers): a plain string of digits is read at once."""


class _Refused(Exception):
    def __init__(self, column: str, value: str, problem: str) -> None:
        super().__init__(problem)
        self.column = column
        self.value = value
        self.problem = problem


def _cached(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Remember the result, or the refusal, of a rule for each distinct argument."""
    memo: dict[Any, Any] = {}

    def wrapper(*key: Any) -> Any:
        try:
            found = memo[key]
        except KeyError:
            try:
                found = memo[key] = fn(*key)
            except _Refused as refused:
                found = memo[key] = refused
        if isinstance(found, _Refused):
            raise found
        return found

    return wrapper


class _Checker:
    """The ledger's state and rules, each looked up once per distinct key."""

    def __init__(
        self, app: MeasurementCommands, collective: Collective, gate: Gate, topic: str
    ) -> None:
        self.app = app
        self.collective = collective
        self.calendar = collective.settings.calendar
        self.gate = gate
        self.topic = topic
        self.indicator = _cached(self._indicator)
        self.organisation = _cached(self._organisation)
        self.period = _cached(self._period)
        self.by_code: dict[str, Indicator] = {}

    def report(self, indicator_text: str, org_text: str, period_text: str) -> _Report | _Refused:
        """Which report a row adds to (its indicator, organisation and period, each checked), or
        why it cannot be added."""
        try:
            return self._report(indicator_text, org_text, period_text)
        except _Refused as refused:
            return refused

    def cell(self, code: str, names: tuple[str, ...], typed: Any) -> Cell | _Refused:
        """The cell of a row's categories (``typed``: one per dimension column, or the text of
        the only one), or why it is not a cell of the indicator."""
        values = typed if len(names) > 1 else (typed,)
        pairs = tuple((name, value) for name, value in zip(names, values, strict=True) if value)
        try:
            return self._cell(code, pairs) if pairs else ()
        except _Refused as refused:
            return refused

    def _report(self, indicator_text: str, org_text: str, period_text: str) -> _Report:
        indicator: Indicator = self.indicator(indicator_text)
        org: str = self.organisation(org_text)
        period: str = self.period(indicator.code, period_text)
        report = Report.id_for(self.collective.slug, indicator.code, org, period)
        counts = indicator.current.unit is Unit.COUNT
        version = indicator.current_version
        return _Report(report, indicator, indicator.code, org, period, version, counts)

    def _indicator(self, text: str) -> Indicator:
        try:
            code = check_code(text)
            found = self.app.indicator(self.collective.slug, code)
            found.check_active("takes no new values")
        except (DomainError, ValueError) as e:
            raise _Refused("indicator", text, str(e)) from None
        self.by_code[found.code] = found
        return found

    def _organisation(self, text: str) -> str:
        try:
            org = check_slug(text.strip(), "organisation")
            self.collective.member(org)
        except (DomainError, ValueError) as e:
            raise _Refused("organisation", text, str(e)) from None
        refusal = self.gate.refusal(self.topic, org)
        if refusal is not None:
            raise _Refused("organisation", text, str(refusal))
        return org

    def _period(self, code: str, text: str) -> str:
        indicator = self.by_code[code]
        try:
            period = indicator.period(text, self.calendar)
        except (DomainError, ValueError) as e:
            raise _Refused("period", text, str(e)) from None
        closure = self.app.closure(self.collective, period)
        if closure is not None:
            raise _Refused(
                "period",
                text,
                f"period {period.code} is closed (decision {closure.decision}): a value for it "
                "needs a decision, recorded one by one with `collective value submit --decision`",
            )
        return period.code

    def _cell(self, code: str, pairs: tuple[tuple[str, str], ...]) -> Cell:
        """The cell of a row's dimension columns (named as the reader normalises headers)."""
        indicator = self.by_code[code]
        names = {normal_column(d.name): d.name for d in indicator.current.dimensions}
        named = []
        for column, category in pairs:
            name = names.get(column)
            if name is None:
                raise _Refused(
                    column,
                    category,
                    f"{indicator.code} is not disaggregated by {column} (its dimensions: "
                    f"{', '.join(sorted(names.values())) or 'none'}): leave it empty",
                )
            try:
                indicator.current.check_cell(((name, category),), indicator.code)
            except DomainError as e:
                raise _Refused(column, category, str(e)) from None
            named.append((name, category))
        return normal_cell(tuple(named))


def check_rows(
    app: MeasurementCommands,
    collective: Collective,
    gate: Gate,
    tables: Iterable[Table],
    *,
    progress: Callable[[int], None] | None = None,
    sink: Callable[[list[Planned]], None] | None = None,
) -> Plan:
    """Check every row of ``tables``; the plan holds either values to record or problems.

    ``sink`` hears of the checked values as they come, :data:`SINK_BATCH` at a time, in file
    order, as long as no row had a problem; an import records them while it checks the rest,
    and records nothing if the plan ends with problems or finds values in the ledger already
    (:func:`_against_the_ledger` changes the plan then).
    """
    checker = _Checker(app, collective, gate, Report.ValueSubmitted.TOPIC)
    plan = Plan()
    sunk = 0
    seen: dict[tuple[str, str, str, Cell], int] = {}
    reports: dict[tuple[str, str, str], _Report | _Refused] = {}
    for table in tables:
        missing = [c for c in REQUIRED if c not in table.columns]
        if missing:
            plan.problems.append(
                RowProblem(
                    table.sheet,
                    1,
                    ", ".join(missing),
                    "",
                    f"the header has no {' or '.join(missing)} column "
                    f"(columns: {', '.join(table.columns) or 'none'})",
                )
            )
            continue
        dimensions = tuple(c for c in table.columns if c not in COLUMNS)
        where = itemgetter("indicator", "organisation", "period")
        categories = itemgetter(*dimensions) if dimensions else None
        cell_of: dict[tuple[str, Any], Cell | _Refused] = {}  # (this table's dimensions)
        for row in table.rows:
            plan.rows += 1
            if progress is not None and plan.rows % 1000 == 0:
                progress(1000)
            try:
                # the report and the cell, each checked once per distinct text (a refusal is
                # remembered as well): looked up here rather than through a call per row
                cells = row.cells
                typed = where(cells)
                report = reports.get(typed)
                if report is None:
                    report = reports[typed] = checker.report(*typed)
                if isinstance(report, _Refused):
                    raise report
                cell: Any = ()
                if categories is not None:
                    named = (report.code, categories(cells))
                    cell = cell_of.get(named)
                    if cell is None:
                        cell = cell_of[named] = checker.cell(report.code, dimensions, named[1])
                    if isinstance(cell, _Refused):
                        raise cell
                planned = _check_row(report, cell, row)
            except _Refused as refused:
                plan.problems.append(
                    RowProblem(row.sheet, row.line, refused.column, refused.value, refused.problem)
                )
                continue
            key = (planned.code, planned.org, planned.period, planned.cell)
            first = seen.setdefault(key, row.line)
            if first != row.line:
                plan.problems.append(
                    RowProblem(
                        row.sheet,
                        row.line,
                        "value",
                        row.cells.get("value", ""),
                        f"{planned.code}/{planned.org}/{planned.period} "
                        f"{cell_label(planned.cell)} is already in row {first} of this file",
                    )
                )
                continue
            plan.values.append(planned)
            if sink is not None and len(plan.values) - sunk >= SINK_BATCH and not plan.problems:
                sink(plan.values[sunk:])
                sunk = len(plan.values)
    if sink is not None and len(plan.values) > sunk and not plan.problems:
        sink(plan.values[sunk:])
    if progress is not None:
        progress(plan.rows % 1000)
    _against_the_ledger(app, plan)
    return plan


def _check_row(report: _Report, cell: Cell, row: Row) -> Planned:
    """Check the rest of a row whose report and cell were checked: its value, note, evidence
    and reason."""
    get = row.cells.get
    raw = get("value", "")
    if report.counts and raw.isdigit() and raw.isascii() and len(raw) < 16:
        value: Decimal | None = Decimal(int(raw))  # what read_measure gives a plain count
        text = None
    elif not raw:
        raise _Refused("value", raw, "the value is empty")
    else:
        try:
            value, text = report.indicator.read(raw)
        except DomainError as e:
            raise _Refused("value", raw, str(e)) from None
    note = get("note", "")
    if len(note) > MAX_TEXT:
        raise _Refused("note", note[:40] + "...", f"the note is longer than {MAX_TEXT} characters")
    evidence: str | None = None
    if link := get("evidence"):
        try:
            evidence = check_evidence(link)
        except ValueError as e:
            raise _Refused("evidence", link, str(e)) from None
    reason = get("reason") or None
    if reason is not None and len(reason) > MAX_TEXT:
        raise _Refused(
            "reason", reason[:40] + "...", f"the reason is longer than {MAX_TEXT} characters"
        )
    return Planned(
        row.sheet,
        row.line,
        report.id,
        report.code,
        report.org,
        report.period,
        cell,
        value,
        text,
        note,
        evidence,
        reason,
        report.version,
    )


def _against_the_ledger(app: MeasurementCommands, plan: Plan) -> None:
    """Sort the checked values into submissions, corrections, unchanged cells and problems."""
    ids = list({p.report for p in plan.values})
    plan.versions = app.recorder.known_versions(ids)  # type: ignore[attr-defined]
    if not plan.versions:
        return
    reports: dict[UUID, Report] = {}
    for report_id in plan.versions:
        found = app._get(Report, report_id)
        if found is not None:
            reports[report_id] = found
    kept: list[Planned] = []
    for planned in plan.values:
        report = reports.get(planned.report)
        entry = None if report is None else report.entries.get(planned.cell)
        if entry is None:
            kept.append(planned)
            continue
        same = (planned.value, planned.text) == (entry.value, entry.text)
        if same and entry.status is not ValueStatus.RETRACTED:
            plan.unchanged += 1
            continue
        if planned.reason is None:
            was = "retracted" if entry.status is ValueStatus.RETRACTED else "recorded"
            plan.problems.append(
                RowProblem(
                    planned.sheet,
                    planned.line,
                    "value",
                    planned.shown,
                    f"{planned.code}/{planned.org}/{planned.period} {cell_label(planned.cell)} "
                    f"was {was} as {entry.shown}, the file says {planned.shown}: to correct "
                    "it, say why in the reason column",
                )
            )
            continue
        planned.previous = entry
        planned.definition_version = entry.version
        kept.append(planned)
    plan.values = kept
