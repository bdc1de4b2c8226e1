"""Values read from the options of several commands: lists, terms and amounts (no domain import)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

from cli.common import InputError, parse_date

if TYPE_CHECKING:
    from domain.values import Money, Term

__all__ = ["many", "money_or_none", "term_options", "term_or_none"]

F = TypeVar("F", bound=Callable[..., object])


def term_options(f: F) -> F:
    """Options ``--start DATE --end DATE``, or ``--period PERIOD``; read by :func:`term_or_none`."""
    f = click.option(
        "--period",
        default=None,
        metavar="PERIOD",
        help="Or a reporting period instead of dates: 2024Q1, 2024, FY2024-25.",
    )(f)
    f = click.option("--end", default=None, metavar="DATE", help="When it ends (YYYY-MM-DD).")(f)
    return click.option(
        "--start", default=None, metavar="DATE", help="When it starts (YYYY-MM-DD)."
    )(f)


def many(values: tuple[str, ...]) -> tuple[str, ...]:
    """Values of a repeatable option; each may also list several, separated by commas."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def term_or_none(start: str | None, end: str | None, period: str | None) -> Term | None:
    """The term given by ``--start``/``--end`` or ``--period``, if any."""
    from domain.values import Term

    if period and (start or end):
        raise InputError("give either --period or --start/--end, not both")
    if not (start or end or period):
        return None
    return Term(
        start=parse_date(start, "start date") if start else None,
        end=parse_date(end, "end date") if end else None,
        period=period,
    )


def money_or_none(amount: str | None, currency: str | None) -> Money | None:
    """The money given by ``--amount`` and ``--currency``, if any (both or neither)."""
    from domain.values import Money

    if amount is None and currency is None:
        return None
    if amount is None or currency is None:
        raise InputError("give --amount and --currency together")
    return Money(amount=amount, currency=currency)
