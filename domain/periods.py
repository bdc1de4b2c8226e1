"""Reporting periods in a collective's calendar: read, check against a cadence, list, export.

Canonical codes: month ``2024-03``, quarter ``2024Q1``, calendar year ``2024`` and fiscal year
``FY2024-25``. Fiscal quarters (``FY2024-25Q1``) are accepted as input and normalised to the
calendar quarter they coincide with (India ``FY2024-25Q1`` is ``2024Q2``, Bangladesh's is
``2024Q3``): fiscal years in India (April) and Bangladesh (July) start on a quarter boundary, so
both forms name the same dates. :func:`fiscal_quarter_code` gives the fiscal label back for display.

Events store a period as its ``code``; ``parse_period(code, calendar)`` reads it back. The code of
a fiscal year only has dates in a calendar (India and Bangladesh years differ), so always parse
with the collective's calendar.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import total_ordering

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "Cadence",
    "Calendar",
    "Period",
    "PeriodError",
    "PeriodKind",
    "check_cadence",
    "contains",
    "dhis2_code",
    "fiscal_quarter_code",
    "fits_cadence",
    "next_period",
    "parse_period",
    "period_containing",
    "periods_between",
]

MIN_YEAR = 1900
MAX_YEAR = 2200


class PeriodError(ValueError):
    """A period that cannot be read, built or used as asked. The message is one line."""


class Calendar(StrEnum):
    """A collective's reporting calendar, known by the month its fiscal year starts."""

    GREGORIAN = "gregorian"
    INDIA = "india"
    BANGLADESH = "bangladesh"

    @property
    def first_month(self) -> int:
        """The month (1 to 12) the fiscal year starts: 1, 4 or 7."""
        return _FIRST_MONTH[self]

    @property
    def is_fiscal(self) -> bool:
        """True when years are fiscal years that do not start in January."""
        return self.first_month != 1


_FIRST_MONTH = {Calendar.GREGORIAN: 1, Calendar.INDIA: 4, Calendar.BANGLADESH: 7}
_MONTH_NAME = {Calendar.INDIA: "April", Calendar.BANGLADESH: "July"}
_SPAN = {Calendar.INDIA: "April to March", Calendar.BANGLADESH: "July to June"}


class Cadence(StrEnum):
    """How often an indicator is reported."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


class PeriodKind(StrEnum):
    """The shape of a period. Fiscal quarters are stored as (calendar) quarters."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    FISCAL_YEAR = "fiscal_year"


@total_ordering
@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period: inclusive dates, ordered by start, stored as its ``code``."""

    kind: PeriodKind
    start: date
    end: date
    code: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(f"period {self.code} ends on {self.end}, before it starts")

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        return self.code

    def _key(self) -> tuple[date, date, str, str]:
        return (self.start, self.end, self.kind, self.code)


# Building periods -------------------------------------------------------------------------------


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"year {year} is outside {MIN_YEAR} to {MAX_YEAR}")


def _span(year: int, month: int, months: int) -> tuple[date, date]:
    """First and last day of ``months`` months from ``year-month``."""
    after = month - 1 + months  # zero-based index of the month after the span
    return date(year, month, 1), date(year + after // 12, after % 12 + 1, 1) - timedelta(days=1)


def _month(year: int, month: int) -> "Period":
    _check_year(year)
    if not 1 <= month <= 12:
        raise PeriodError("month must be 01 to 12")
    return Period(PeriodKind.MONTH, *_span(year, month, 1), f"{year:04d}-{month:02d}")


def _quarter(year: int, number: int) -> "Period":
    _check_year(year)
    if not 1 <= number <= 4:
        raise PeriodError("quarter must be 1 to 4")
    return Period(PeriodKind.QUARTER, *_span(year, 3 * number - 2, 3), f"{year:04d}Q{number}")


def _year(year: int) -> "Period":
    _check_year(year)
    return Period(PeriodKind.YEAR, *_span(year, 1, 12), f"{year:04d}")


def _fiscal_code(year: int) -> str:
    return f"FY{year:04d}-{(year + 1) % 100:02d}"


def _fiscal_year(year: int, first_month: int) -> "Period":
    _check_year(year)
    return Period(PeriodKind.FISCAL_YEAR, *_span(year, first_month, 12), _fiscal_code(year))


def _fiscal_quarter(year: int, number: int, calendar: "Calendar") -> "Period":
    _check_year(year)
    if not 1 <= number <= 4:
        raise PeriodError("quarter must be 1 to 4")
    index = calendar.first_month - 1 + 3 * (number - 1)  # zero-based month, may pass December
    return _quarter(year + index // 12, index % 12 // 3 + 1)


def _period_at(kind: "PeriodKind", start: date) -> "Period":
    """The period of ``kind`` that starts on ``start``."""
    if kind == PeriodKind.MONTH:
        return _month(start.year, start.month)
    if kind == PeriodKind.QUARTER:
        return _quarter(start.year, (start.month - 1) // 3 + 1)
    if kind == PeriodKind.YEAR:
        return _year(start.year)
    return _fiscal_year(start.year, start.month)


# Reading codes ----------------------------------------------------------------------------------

_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_QUARTER_RE = re.compile(r"([0-9]{4})Q([0-9]{1,2})")
_YEAR_RE = re.compile(r"([0-9]{4})")
_FISCAL_RE = re.compile(r"FY([0-9]{4})-([0-9]{2}|[0-9]{4})(?:Q([0-9]{1,2}))?")
_GREGORIAN_FORMS = "2024-03 (month), 2024Q1 (quarter) or 2024 (year)"
_FISCAL_FORMS = "2024-03 (month), 2024Q1 (quarter), 2024 (year) or FY2024-25 (fiscal year)"


def parse_period(text: str, calendar: "Calendar") -> "Period":
    """Read a period as people type it (any case, surrounding spaces) in ``calendar``."""
    calendar = Calendar(calendar)
    try:
        return _parse(text.strip().upper(), calendar)
    except PeriodError as error:
        forms = _FISCAL_FORMS if calendar.is_fiscal else _GREGORIAN_FORMS
        reason = f"; {error}" if str(error) else ""
        raise PeriodError(f"{text!r} is not a reporting period: use {forms}{reason}") from None


def _parse(code: str, calendar: "Calendar") -> "Period":
    if match := _MONTH_RE.fullmatch(code):
        return _month(int(match[1]), int(match[2]))
    if match := _QUARTER_RE.fullmatch(code):
        return _quarter(int(match[1]), int(match[2]))
    if match := _YEAR_RE.fullmatch(code):
        return _year(int(match[1]))
    if match := _FISCAL_RE.fullmatch(code):
        return _parse_fiscal(int(match[1]), match[2], match[3], calendar)
    raise PeriodError("")


def _parse_fiscal(first: int, second: str, quarter: "str | None", calendar: "Calendar") -> "Period":
    if not calendar.is_fiscal:
        raise PeriodError("the gregorian calendar has no fiscal years")
    _check_year(first)
    if int(second) != ((first + 1) % 100 if len(second) == 2 else first + 1):
        raise PeriodError(f"a fiscal year starting in {first} is {_fiscal_code(first)}")
    if quarter is None:
        return _fiscal_year(first, calendar.first_month)
    return _fiscal_quarter(first, int(quarter), calendar)


# Cadences ---------------------------------------------------------------------------------------


def fits_cadence(period: "Period", cadence: "Cadence", calendar: "Calendar") -> bool:
    """Whether an indicator of ``cadence`` in ``calendar`` can take a value for ``period``."""
    cadence, calendar = Cadence(cadence), Calendar(calendar)
    if cadence == Cadence.MONTHLY:
        return period.kind == PeriodKind.MONTH
    if cadence == Cadence.QUARTERLY:
        return period.kind == PeriodKind.QUARTER
    if not calendar.is_fiscal:
        return period.kind == PeriodKind.YEAR
    return period.kind == PeriodKind.FISCAL_YEAR and period.start.month == calendar.first_month


def check_cadence(period: "Period", cadence: "Cadence", calendar: "Calendar") -> None:
    """Raise :class:`PeriodError` unless ``period`` fits ``cadence`` in ``calendar``."""
    if fits_cadence(period, cadence, calendar):
        return
    cadence, calendar = Cadence(cadence), Calendar(calendar)
    raise PeriodError(
        f"{period.code} ({period.start} to {period.end}) does not fit a {cadence} indicator"
        f" in the {calendar} calendar: use {_expected(cadence, calendar)}"
    )


def _expected(cadence: "Cadence", calendar: "Calendar") -> str:
    if cadence == Cadence.MONTHLY:
        return "months such as 2024-03"
    if cadence == Cadence.QUARTERLY:
        example = "2024Q2 or FY2024-25Q1" if calendar.is_fiscal else "2024Q1"
        return f"quarters such as {example}"
    if calendar.is_fiscal:
        return f"fiscal years ({_SPAN[calendar]}) such as FY2024-25"
    return "calendar years such as 2024"


def period_containing(day: date, cadence: "Cadence", calendar: "Calendar") -> "Period":
    """The period of ``cadence`` in ``calendar`` that contains ``day``."""
    cadence, calendar = Cadence(cadence), Calendar(calendar)
    if cadence == Cadence.MONTHLY:
        return _month(day.year, day.month)
    if cadence == Cadence.QUARTERLY:
        return _quarter(day.year, (day.month - 1) // 3 + 1)
    if not calendar.is_fiscal:
        return _year(day.year)
    first = calendar.first_month
    return _fiscal_year(day.year if day.month >= first else day.year - 1, first)


# Sequences and export ---------------------------------------------------------------------------


def next_period(period: "Period") -> "Period":
    """The period of the same kind that starts the day after ``period`` ends."""
    return _period_at(period.kind, period.end + timedelta(days=1))


def periods_between(first: "Period", last: "Period") -> "list[Period]":
    """Every period from ``first`` to ``last`` inclusive; both must be of the same kind."""
    span = f"cannot list periods from {first.code} to {last.code}"
    if _series(first) != _series(last):
        raise PeriodError(f"{span}: both ends must be periods of the same kind")
    if last < first:
        raise PeriodError(f"{span}: the last one comes before the first")
    periods = [first]
    while periods[-1].end < last.end:
        periods.append(next_period(periods[-1]))
    return periods


def _series(period: "Period") -> tuple[str, int]:
    """Kind, plus the first month for fiscal years (India and Bangladesh years never mix)."""
    return period.kind, period.start.month if period.kind == PeriodKind.FISCAL_YEAR else 1


def contains(outer: "Period", inner: "Period") -> bool:
    """Whether every day of ``inner`` is in ``outer`` (a quarter within a fiscal year...)."""
    return outer.start <= inner.start and inner.end <= outer.end


def dhis2_code(period: "Period", calendar: "Calendar") -> str:
    """The DHIS2 period id: ``202403``, ``2024Q1``, ``2024``, ``2024April``, ``2024July``."""
    calendar = Calendar(calendar)
    if period.kind == PeriodKind.MONTH:
        return f"{period.start.year:04d}{period.start.month:02d}"
    if period.kind != PeriodKind.FISCAL_YEAR:
        return period.code
    if not calendar.is_fiscal or period.start.month != calendar.first_month:
        raise PeriodError(f"{period.code} is not a fiscal year of the {calendar} calendar")
    return f"{period.start.year:04d}{_MONTH_NAME[calendar]}"


def fiscal_quarter_code(period: "Period", calendar: "Calendar") -> str:
    """The fiscal label of a quarter, for display: India ``2024Q2`` is ``FY2024-25Q1``."""
    calendar = Calendar(calendar)
    if period.kind != PeriodKind.QUARTER or not calendar.is_fiscal:
        raise PeriodError(f"{period.code} has no fiscal quarter label in the {calendar} calendar")
    start, first = period.start, calendar.first_month
    year = start.year if start.month >= first else start.year - 1
    return f"{_fiscal_code(year)}Q{(start.month - first) % 12 // 3 + 1}"
