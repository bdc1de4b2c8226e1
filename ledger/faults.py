"""Faults of the store, each as one line that tells the person what happened and what to do.

An unreachable server, a refused login, a ledger another writer keeps busy, a connection lost in
the middle of a save: none of them is a bug, so none should end in a traceback. The drivers raise
many kinds of errors with messages of several lines; this module turns them into
:class:`~ledger.store.StoreError` lines (which the command line prints as ``Error: ...``).

Imported by the command line for every error it reports, so it imports no driver at the top.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from ledger.store import StoreError

__all__ = [
    "ConnectionLost",
    "LedgerBusy",
    "connect_reason",
    "denied",
    "denied_rights",
    "describe",
    "login_problem",
    "open_connection",
    "refused_rights",
    "save_fault",
]


class LedgerBusy(StoreError):
    """Another writer held the ledger's lock longer than the lock timeout: nothing was written."""


class ConnectionLost(StoreError):
    """The connection was lost during a save: it was recorded once or not at all."""


def busy(seconds: object) -> LedgerBusy:
    return LedgerBusy(
        f"the ledger is busy: another writer held it for more than {seconds} s, so nothing was "
        "recorded; run the command again (or let writers wait longer with "
        "COLLECTIVE_LOCK_TIMEOUT=SECONDS)"
    )


def lost(reason: str, request_id: str | None) -> ConnectionLost:
    if request_id:
        retry = (
            f"run the command again with the same --request-id {request_id}: it records "
            "nothing a second time"
        )
    else:
        retry = (
            "look at `collective log` before running the command again (with --request-id, a "
            "retry never records twice)"
        )
    said = "" if "connection is lost" in reason else f" ({reason})"
    return ConnectionLost(
        f"the connection to the ledger was lost while saving{said}: the change was recorded "
        f"once or not at all; {retry}"
    )


def denied_rights(missing: list[str]) -> StoreError:
    return StoreError(
        f"the ledger's server refused the save: the role in --store lacks {', '.join(missing)}, "
        "so nothing was recorded (docs/operations.md, section 5, lists the rights a writer "
        "needs)"
    )


def denied(error: BaseException) -> StoreError:
    return StoreError(
        f"the ledger's server refused: {first_line(error)}; the role in --store lacks the "
        "rights it needs, so nothing was recorded (docs/operations.md, section 5, lists them)"
    )


def _errors(error: BaseException) -> list[BaseException]:
    """``error`` and the errors it was raised from or during, innermost last."""
    chain: list[BaseException] = []
    found: BaseException | None = error
    while found is not None and found not in chain:
        chain.append(found)
        found = found.__cause__ or found.__context__
    return chain


def refused_rights(error: BaseException) -> BaseException | None:
    """The server's refusal for lack of rights behind ``error`` (insufficient_privilege), if
    that is what it is (in a pipeline, raised as "pipeline aborted")."""
    for found in _errors(error):
        if getattr(found, "sqlstate", None) == "42501":
            return found
    return None


def save_fault(error: BaseException, *, lock_timeout: object, request_id: str | None) -> StoreError:
    """What a failed save of PostgreSQL means for the person (``error`` from the library)."""
    cause = error.__cause__ or error
    if refusal := refused_rights(error):
        return denied(refusal)
    if getattr(cause, "sqlstate", None) == "55P03":  # lock_not_available: the lock timeout
        return busy(lock_timeout)
    from psycopg_pool import PoolTimeout

    if isinstance(cause, PoolTimeout):  # no connection at all: nothing was sent
        return StoreError(
            f"cannot reach the ledger's server ({first_line(cause)}), so nothing was recorded; "
            "run the command again when it answers"
        )
    return lost(first_line(cause), request_id)


def _connect(settings: dict[str, str], **options: Any) -> Any:
    import psycopg

    return psycopg.connect(
        host=settings["POSTGRES_HOST"],
        port=settings["POSTGRES_PORT"],
        dbname=settings["POSTGRES_DBNAME"],
        user=settings["POSTGRES_USER"],
        password=settings["POSTGRES_PASSWORD"],
        connect_timeout=int(settings["POSTGRES_CONNECT_TIMEOUT"]),
        **options,
    )


def open_connection(store: object, settings: dict[str, str], **options: Any) -> Any:
    """One plain psycopg connection to ``store`` (``options`` as psycopg takes them), or a
    :class:`StoreError` that says in one line why not."""
    import psycopg

    try:
        return _connect(settings, **options)
    except psycopg.Error as e:
        raise StoreError(f"cannot open the store {store}: {connect_reason(str(e))}") from None


def login_problem(settings: dict[str, str]) -> str | None:
    """Connect once, directly, with the store's settings: why it fails, in one line, or ``None``.

    The connection pool only says "couldn't get a connection after 5.00 sec" when a server is
    unreachable or refuses the login, and says it after waiting the whole connect timeout; one
    plain connection gives the server's own reason at once.
    """
    import psycopg

    try:
        conn = _connect(settings)
    except psycopg.Error as e:
        return connect_reason(str(e))
    conn.close()
    return None


def connect_reason(text: str) -> str:
    """libpq's "connection failed: connection to server at ... failed: FATAL:  role ... does not
    exist" (sometimes with a hint on a second line) as one line."""
    lines = [" ".join(line.split()).rstrip(".") for line in text.splitlines() if line.strip()]
    text = ". ".join(lines).removeprefix("connection failed: ")
    where, found, reason = text.partition(" failed: ")
    if not found:
        return text
    if reason.startswith("FATAL: "):  # the server answered, and refused
        return "the server refused the connection: " + reason.removeprefix("FATAL: ")
    return f"{where} failed: {reason}"


def describe(error: BaseException) -> str | None:
    """The one line for a fault of the store met outside a save, or ``None`` if it is not one."""
    from eventsourcing.persistence import InterfaceError, OperationalError

    if not isinstance(error, OperationalError | InterfaceError):
        return None
    cause: Any = error.__cause__ or error
    if "database is locked" in str(error) or getattr(cause, "sqlstate", None) == "55P03":
        return str(busy(os.environ.get("COLLECTIVE_LOCK_TIMEOUT", "5")))  # a lock timeout
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(cause, psycopg.OperationalError):
        # The server or the connection to it, not the ledger's SQL (SQLite's "no such table" is
        # an OperationalError too: that one is a bug, and keeps its traceback).
        return f"the store failed: {first_line(cause)}; run the command again"
    return None


def first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0].strip()
