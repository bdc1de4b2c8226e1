"""Options and steps that every command shares."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import click

from cli.output import say

if TYPE_CHECKING:
    from ledger.application import Context, LedgerApplication, Receipt
    from ledger.core import LedgerCore

__all__ = [
    "InputError",
    "as_of_option",
    "as_of_time",
    "collective_zone",
    "context",
    "json_option",
    "ledger",
    "ledger_part",
    "on_option",
    "parse_date",
    "parse_time",
    "reason_option",
    "report",
    "travel",
]

F = TypeVar("F", bound=Callable[..., Any])
L = TypeVar("L", bound="LedgerCore")


class InputError(ValueError):
    """A value typed on the command line that cannot be read. Shown as one line, exit 1."""


def parse_date(text: str, what: str = "date") -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{what} {text!r} is not a date: use YYYY-MM-DD, for example 2024-03-31"
        ) from None


def parse_time(
    text: str, what: str = "time", zone: str = "UTC", *, day_end: bool = True
) -> datetime:
    """An ISO date or date-time, read in the time zone ``zone`` (an IANA name): a date means the
    end of that day there (its start with ``day_end=False``: "since 2024-01-01"), a date-time
    without an offset is a time there, and one with an offset keeps its meaning."""
    text = text.strip()
    where = ZoneInfo(zone)
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if not day_end:
                return datetime(day.year, day.month, day.day, tzinfo=where)
            return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=where)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{what} {text!r} is not a date or time: use 2024-03-31 or 2024-03-31T18:00:00+05:30"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=where)


def as_of_time(
    app: LedgerCore, text: str | None, what: str = "--as-of", *, day_end: bool = True
) -> datetime | None:
    """``--as-of`` (or another time option) as a moment, read in the collective's time zone
    (see :func:`parse_time`); ``None`` without one."""
    if not text:
        return None
    return parse_time(text, what, collective_zone(app), day_end=day_end)


def collective_zone(app: LedgerCore) -> str:
    """The time zone of the collective named by ``--collective`` (or of the only one); UTC when
    the ledger holds none, or several and none is named."""
    wanted = click.get_current_context().find_root().obj.collective
    if wanted is None and len(app.collectives()) != 1:
        return "UTC"
    return app.collective(wanted).settings.timezone


def on_option(f: F) -> F:
    return click.option(
        "--on",
        "on",
        default=None,
        metavar="DATE",
        help="When it happened (YYYY-MM-DD); default: today in the collective's time zone.",
    )(f)


def reason_option(required: bool = False) -> Callable[[F], F]:
    text = "Why (required)." if required else "Why (optional)."
    return click.option("--reason", default=None, help=text)


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")(f)


def as_of_option(f: F) -> F:
    return click.option(
        "--as-of",
        "as_of",
        default=None,
        metavar="TIME",
        help="Answer as the ledger stood at this recorded time: an ISO date (the end of that "
        "day) or date-time, in the collective's time zone unless it has an offset "
        "(2024-03-31, 2024-03-31T18:00, 2024-03-31T12:30:00Z).",
    )(f)


@contextmanager
def ledger(*, create: bool = False) -> Iterator[LedgerApplication]:
    """Open the whole ledger named by ``--store`` for the current command, and close it after."""
    from ledger.application import LedgerApplication

    with ledger_part(LedgerApplication, create=create) as app:
        yield app


@contextmanager
def ledger_part(kind: type[L], *, create: bool = False) -> Iterator[L]:
    """Open the ledger as one area of the application (``kind``), for a quicker start."""
    from ledger.opening import open_ledger

    obj = click.get_current_context().find_root().obj
    app = open_ledger(obj.store, create=create, kind=kind)
    try:
        yield app
    finally:
        app.close()


def travel(app: LedgerCore, as_of: str | None) -> None:
    """Make ``app`` answer as the ledger stood at ``--as-of`` (nothing to do without one)."""
    if not as_of:
        return
    from projections.registry import Views

    moment = as_of_time(app, as_of)
    views = Views(app, notice=say)
    views.refresh(only=("log",))
    app.at = views.position(moment)


def context(on: str | None = None, reason: str | None = None) -> Context:
    """The recording context from the global options and a command's ``--on`` and ``--reason``."""
    from ledger.core import Context, check_actor

    obj = click.get_current_context().find_root().obj
    actor = check_actor(obj.actor)
    key = None
    if obj.sign_with:
        from ledger.signatures import load_signing_key

        key = load_signing_key(obj.sign_with)
    return Context(
        actor=actor,
        collective=obj.collective,
        on=parse_date(on, "effective date") if on else None,
        reason=reason,
        request_id=obj.request_id,
        key=key,
    )


def report(receipt: Receipt, what: str) -> None:
    """Tell the person what was stored."""
    positions = receipt.positions
    where = (
        f"position {positions[0]}"
        if len(positions) == 1
        else (f"positions {positions[0]}-{positions[-1]}")
    )
    if receipt.already_recorded:
        say(f"Already recorded under this request id ({where}): nothing new was written.")
    else:
        say(f"{what} (log {where}).")
