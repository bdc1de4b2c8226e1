"""Following the log: keep every projection up to date as events arrive, from any writer.

``collective projections follow`` runs :class:`Follower` for as long as it is left running, so
that dashboards reading the views find them current. It does no catch-up of its own: each round is
:meth:`Views.refresh`, which reads from the views' tracked positions and writes each page's rows
and positions in one transaction (and under the views' lock, so a read command catching up at the
same moment never projects an event twice). A follower killed at any moment therefore resumes
from the last page it committed.

Between rounds it waits. On PostgreSQL every save sends ``NOTIFY`` on the events table's channel
(the library does it inside the insert's transaction, so it arrives after the commit): the
follower ``LISTEN``s on its own connection and wakes as soon as a writer commits, with a poll every
``interval`` seconds as a fallback (for anything written without a notification). SQLite has no
notifications: there it polls every ``interval`` seconds. ``LISTEN`` starts before the first
round, so nothing committed in between is missed.

:meth:`Follower.stop` may be called from a signal handler: it only sets a flag and wakes the
wait through a socket pair. A round in progress finishes the page it is writing (its transaction
commits) and stops before the next one.
"""

from __future__ import annotations

import contextlib
import select
import signal
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

from projections.engine import ensure_tables, positions
from projections.registry import PROJECTIONS, Views

__all__ = ["Follower", "Stopped", "events_text", "stop_on_signals"]


class _Interrupted(Exception):
    """Raised between two pages of a round when a stop was asked for."""


@dataclass(frozen=True)
class Stopped:
    """How far the follower got."""

    position: int
    """The lowest position of the views (every view has projected the log up to here)."""
    log_end: int | None
    """The log's last position (``None``: the store could not be reached at the end)."""
    events: int
    """Events projected by this follower, in every round."""
    reason: str


class Follower:
    """Keeps the views of one ledger up to date until stopped."""

    def __init__(
        self,
        app: Any,
        *,
        interval: float,
        report: Callable[[str], None] | None = None,
        notice: Callable[[str], None] | None = None,
    ) -> None:
        """``report`` receives a line per page projected and per retry; ``notice`` the views'
        own messages (a view rebuilt at a new schema)."""
        if interval <= 0:
            raise ValueError(f"the interval must be a number of seconds above 0, not {interval}")
        self.app = app
        self.views = Views(app, notice=notice)
        self.interval = interval
        self.report = report
        self.postgres = app.store.kind == "postgres"
        self.events = 0
        self.position = 0
        """The lowest position of the views, as last seen."""
        self.rounds = 0
        self._reason = ""
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)

    # -- stopping ---------------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return bool(self._reason)

    def stop(self, reason: str = "asked to stop") -> None:
        """Stop after the page being written (safe to call from a signal handler)."""
        self._reason = self._reason or reason
        with contextlib.suppress(OSError):  # the socket is full: a wake-up is waiting already
            self._wake_w.send(b"\0")

    def close(self) -> None:
        self._wake_r.close()
        self._wake_w.close()

    # -- running ----------------------------------------------------------------------------

    def run(self, *, once: bool = False) -> Stopped:
        """Catch up, then wait for new events and catch up again, until :meth:`stop`.

        With ``once``, catch up a single time and return (errors then propagate). Otherwise a
        lost connection or a locked database is reported and retried after ``interval``.
        """
        listener: _Listener | None = None
        try:
            while not self.stopping:
                try:
                    if self.postgres and listener is None and not once:
                        listener = _Listener(self.app)
                    self._round()
                    if once:
                        self.stop("caught up once")
                        break
                    self._wait(listener)
                except _Interrupted:
                    break
                except Exception as error:
                    if once or not _transient(error):
                        raise
                    if listener is not None:
                        listener.close()
                        listener = None
                    self._say(f"{_first_line(error)}; trying again in {self.interval:g} s")
                    self._wait(None)
        finally:
            if listener is not None:
                listener.close()
        return self._where()

    def _round(self) -> None:
        """One catch-up of every view; a line per page committed."""

        def page(count: int) -> None:
            self.events += count
            self.position = min(positions(self.views.db).values())
            self._say(
                f"projected {events_text(count)}: every read model at log position {self.position}"
            )
            if self.stopping:
                raise _Interrupted

        self.rounds += 1
        self.views.refresh(progress=page)

    def _wait(self, listener: _Listener | None) -> None:
        """Until a writer commits (PostgreSQL), ``interval`` passes, or a stop is asked for."""
        if listener is not None and listener.pending():
            return
        sources: list[Any] = [self._wake_r]
        if listener is not None:
            sources.append(listener.fileno())
        deadline = time.monotonic() + self.interval
        while not self.stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select(sources, [], [], left)
            if self._wake_r in ready:
                with contextlib.suppress(OSError):
                    self._wake_r.recv(4096)
            if listener is not None and listener.fileno() in ready and listener.pending():
                return

    def _where(self) -> Stopped:
        try:
            ensure_tables(self.views.db, PROJECTIONS.values())  # stopped before the first round
            at = positions(self.views.db)
            self.position = min((at.get(name, 0) for name in PROJECTIONS), default=0)
            log_end: int | None = self.app.event_count()
        except Exception as error:
            if not _transient(error):
                raise
            self._say(f"{_first_line(error)}: the positions are those last seen")
            log_end = None
        return Stopped(self.position, log_end, self.events, self._reason)

    def _say(self, line: str) -> None:
        if self.report is not None:
            self.report(line)


class _Listener:
    """A connection of its own that ``LISTEN``s on the channel every save notifies."""

    def __init__(self, app: Any) -> None:
        from psycopg.sql import SQL, Identifier

        self._context = app.recorder.datastore.get_connection()
        self.conn = self._context.__enter__()
        try:
            self.conn.execute(SQL("LISTEN {0}").format(Identifier(app.recorder.channel_name)))
        except BaseException:
            self._context.__exit__(None, None, None)
            raise

    def fileno(self) -> int:
        return int(self.conn.fileno())

    def pending(self) -> bool:
        """Whether a notification arrived (reading every one that did, without waiting)."""
        arrived = 0
        for _ in self.conn.notifies(timeout=0):
            arrived += 1
        return arrived > 0

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.execute("UNLISTEN *")
        with contextlib.suppress(Exception):
            self._context.__exit__(None, None, None)


def _transient(error: Exception) -> bool:
    """A failure that may pass: a lost connection, a server restarting, a locked database."""
    import sqlite3

    from eventsourcing.persistence import InterfaceError, OperationalError

    if isinstance(error, InterfaceError | OperationalError | sqlite3.OperationalError):
        return True
    with contextlib.suppress(ImportError):
        import psycopg

        return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)
    return False


def events_text(count: int) -> str:
    return f"{count:,} event" if count == 1 else f"{count:,} events"


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


@contextlib.contextmanager
def stop_on_signals(follower: Follower) -> Iterator[None]:
    """SIGTERM and SIGINT (Ctrl-C) stop ``follower`` cleanly while inside this block."""
    names = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}

    def handle(number: int, _frame: FrameType | None) -> None:
        follower.stop(f"stopped by {names.get(signal.Signals(number), str(number))}")

    earlier = {number: signal.signal(number, handle) for number in names}
    try:
        yield
    finally:
        for number, handler in earlier.items():
            signal.signal(number, handler)
