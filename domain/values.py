"""Value objects that activities, communication, funding and learning share.

Money is an exact ``Decimal`` with an ISO 4217 currency: a float never gets in (a float typed as
0.1 is not 0.1). A term says when something runs, as dates or as a reporting period of the
collective's calendar. Codes of outcomes and indicators are checked for shape only here; the agenda
and the indicator dictionary say which codes exist.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from pydantic import field_validator, model_validator

from domain.base import Value
from domain.periods import Calendar, parse_period

__all__ = [
    "CODE_PATTERN",
    "MAX_PLACES",
    "Money",
    "Term",
    "check_codes",
    "check_reference",
    "check_text",
    "unique",
]

CODE_PATTERN = r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$"
_CODE = re.compile(CODE_PATTERN)
_REFERENCE = re.compile(r"^(?:https?://\S+|[A-Za-z0-9][A-Za-z0-9._:/#-]*)$")
MAX_PLACES = 6
"""Amounts may have up to this many decimal places (currencies use at most 4)."""
_MAX_WHOLE_DIGITS = 15


def check_text(value: str, what: str, limit: int = 300) -> str:
    """``value`` stripped; refuse it when empty or longer than ``limit`` characters."""
    text = value.strip()
    if not text:
        raise ValueError(f"{what} cannot be empty")
    if len(text) > limit:
        raise ValueError(f"{what} is longer than {limit} characters")
    return text


def check_codes(codes: tuple[str, ...], what: str) -> tuple[str, ...]:
    """Outcome or indicator codes (``SS-O1``, ``SS-EDU-01``), upper-cased, each named once."""
    checked = tuple(code.strip().upper() for code in codes)
    for given, code in zip(codes, checked, strict=True):
        if not _CODE.match(code):
            raise ValueError(
                f"{what} {given!r} is not a code: use letters, digits and hyphens "
                "(for example SS-O1 or SS-EDU-01)"
            )
    return unique(checked, what)


def unique(items: tuple[str, ...], what: str) -> tuple[str, ...]:
    """``items`` unchanged, if none is named twice."""
    seen: set[str] = set()
    for item in items:
        if item in seen:
            raise ValueError(f"{what} {item} is named twice")
        seen.add(item)
    return items


def check_reference(value: str, what: str) -> str:
    """A URL or a document id (no spaces), e.g. ``https://...`` or ``drive:minutes-2020-04``."""
    text = value.strip()
    if not _REFERENCE.match(text) or len(text) > 500:
        raise ValueError(
            f"{what} {value!r} is not a URL or a document id (use https://... or an id "
            "without spaces)"
        )
    return text


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool | float):
        raise ValueError(f"amount {value!r} must be an exact decimal, not a float")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(
                f"amount {value!r} is not a number: use digits and a decimal point, "
                "for example 1500000.50"
            ) from None
    if isinstance(value, Decimal):
        return value
    raise ValueError(f"amount {value!r} is not a number")


class Money(Value):
    """An exact amount (more than zero) in an ISO 4217 currency."""

    amount: Decimal
    currency: str

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, v: object) -> Decimal:
        amount = _decimal(v)
        if not amount.is_finite():
            raise ValueError(f"amount {v!r} is not a number")
        if amount <= 0:
            raise ValueError(f"amount {amount} must be more than zero")
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MAX_PLACES:
            raise ValueError(f"amount {amount} has more than {MAX_PLACES} decimal places")
        if amount.adjusted() >= _MAX_WHOLE_DIGITS:
            raise ValueError(f"amount {amount} is too large")
        return amount

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        code = v.strip()
        if len(code) != 3 or not code.isascii() or not code.isalpha():
            raise ValueError(f"currency {v!r} is not an ISO 4217 code (for example INR, BDT, USD)")
        return code.upper()

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class Term(Value):
    """When something runs: a start and an end date, or a reporting period (with its dates)."""

    start: date | None = None
    end: date | None = None
    period: str | None = None
    """The reporting period it was given as (``FY2024-25``), if any."""

    @model_validator(mode="after")
    def _order(self) -> "Term":
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"the end date {self.end} is before the start date {self.start}")
        return self

    def resolve(self, calendar: Calendar) -> "Term":
        """This term with the dates of its period in ``calendar`` filled in."""
        if self.period is None:
            return self
        period = parse_period(self.period, calendar)
        if (self.start or period.start) != period.start or (self.end or period.end) != period.end:
            raise ValueError(f"give either a period ({period.code}) or dates, not both")
        return Term(start=period.start, end=period.end, period=period.code)

    def __str__(self) -> str:
        dates = f"{self.start or '…'} to {self.end or '…'}"
        return f"{self.period} ({dates})" if self.period else dates
