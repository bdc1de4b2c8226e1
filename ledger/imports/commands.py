"""Importing partner files: check a whole file, then record it in one transaction.

An import is one command, however many rows it has: every row is checked first
(``ledger/imports/plan.py``) and, only when none has a problem, every event is written in one
transaction with its audit-log leaves (the store's bulk path, ``insert_rows``). A file is either
wholly in the ledger or not at all, also when the process is killed half way.

A file's id is ``import:`` and the SHA-256 of its bytes; it is kept as the request id of the whole
transaction, so the same file imported again is recognised at once, and every event says which
file and row it came from (``ledger/imports/events.py``). A file that was edited and sent again
records only what changed: unchanged cells are skipped, changed ones need a reason.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import IntegrityError

from domain.errors import Conflict, RuleViolation
from domain.periods import Period, period_containing
from domain.vocabulary import Unit
from ledger.core import Context
from ledger.imports.events import EventBuilder, Recording, event_rows
from ledger.imports.plan import Plan, Planned, check_rows
from ledger.imports.writer import BackgroundWriter
from ledger.measurement import MeasurementCommands

if TYPE_CHECKING:
    from ledger.imports.sheets import Table
    from ledger.imports.template import TemplateSheet

__all__ = ["ImportCommands", "Imported", "file_id"]


@contextmanager
def _bulk() -> Iterator[None]:
    """No cyclic garbage collection during bulk work.

    An import makes hundreds of thousands of small objects that live until it ends (rows,
    planned values, events), none of them in a cycle; the collector would walk all of them again
    and again as they accumulate (a fifth of an import's time, measured). Reference counting
    still frees everything; the collector runs again afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def file_id(path: Path) -> str:
    """The request id of an import: ``import:`` and the SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return f"import:{digest.hexdigest()}"


@dataclass(frozen=True)
class Imported:
    """Where an import's events went: the first and last log positions and how many."""

    first: int
    last: int
    events: int
    already: bool = False
    """The same file was imported before: nothing new was written."""


class ImportCommands(MeasurementCommands):
    """Partner files: templates out, values in."""

    def earlier_import(self, ident: str) -> Imported | None:
        """Where a file with this id was imported before, if it was."""
        found = self.recorder.request_positions(ident)  # type: ignore[attr-defined]
        if found is None:
            return None
        first, last = found
        return Imported(first, last, last - first + 1, already=True)

    def check_import(
        self,
        tables: Iterable[Table],
        ctx: Context,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> Plan:
        """Check every row of a file against the ledger; nothing is written."""
        collective = self.collective(ctx.collective)
        env = self._envelope(ctx, collective=collective.slug, tz=collective.settings.timezone)
        gate = self._gate(ctx, env)
        with _bulk():
            return check_rows(self, collective, gate, tables, progress=progress)

    def record_import(
        self,
        plan: Plan,
        ident: str,
        ctx: Context,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> Imported:
        """Record a checked plan in one transaction, under the file's id."""
        if self.at is not None:
            raise RuntimeError("a ledger opened as of an earlier moment records nothing")
        if plan.problems:
            raise RuleViolation(f"the file has {len(plan.problems)} problems: nothing was imported")
        if done := self.earlier_import(ident):
            return done
        recording = self._recording(ctx, ident)
        events = len(plan.values) + plan.new_reports
        if not events:
            return Imported(0, 0, 0)
        try:  # the rows are built as the store takes them (a generator): see insert_rows
            with _bulk():
                first, last = self.recorder.insert_rows(  # type: ignore[attr-defined]
                    event_rows(plan, recording), request_id=ident, progress=progress
                )
        except IntegrityError:
            return self._written_meanwhile(ident)
        return Imported(first, last, events)

    def import_values(
        self,
        tables: Iterable[Table],
        ident: str,
        ctx: Context,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[Plan, Imported | None]:
        """Check a file and record it, in one transaction, or nothing if any row is wrong.

        What :meth:`check_import` then :meth:`record_import` do, but on a SQLite ledger in a
        file the events of the checked rows are written while the rest is checked, by a second
        process (``ledger/imports/writer.py``), which commits once the whole file is found right
        and new to the ledger. When the file corrects or repeats values the ledger holds, what
        was written is rolled back and the checked plan recorded as :meth:`record_import` does.
        Returns the plan and where its events went (``None`` when it has problems)."""
        if self.at is not None:
            raise RuntimeError("a ledger opened as of an earlier moment records nothing")
        if done := self.earlier_import(ident):
            return Plan(), done
        if self.store.kind != "sqlite":
            plan = self.check_import(tables, ctx, progress=progress)
            if plan.problems:
                return plan, None
            return plan, self.record_import(plan, ident, ctx)
        recording = self._recording(ctx, ident)
        collective, gate = self.collective(ctx.collective), recording.gate
        recorder: Any = self.recorder
        builder = EventBuilder(recording, {})
        writers: list[BackgroundWriter] = []

        def sink(checked: list[Planned]) -> None:
            if not writers:  # started with the first values (a small file is recorded here)
                timeout = recorder.datastore.pool.lock_timeout or 5
                writers.append(
                    BackgroundWriter(self.store.location, recorder.insert_events_statement, timeout)
                )
            writers[0].send(list(builder.rows(checked)))

        try:
            with _bulk():
                plan = check_rows(self, collective, gate, tables, progress=progress, sink=sink)
            events = len(plan.values) + plan.new_reports
            writer = writers[0] if writers else None
            if writer is None or plan.problems or plan.versions or writer.sent != events:
                if writer is not None:
                    writer.abandon()
                if plan.problems:
                    return plan, None
                return plan, self.record_import(plan, ident, ctx)
            try:
                first, last = writer.commit(ident)
            except IntegrityError:
                return plan, self._written_meanwhile(ident)
        except BaseException:
            for writer in writers:
                writer.abandon()
            raise
        return plan, Imported(first, last, events)

    def _recording(self, ctx: Context, ident: str) -> Recording:
        """Who records the file ``ident``, for which collective, and when: now."""
        collective = self.collective(ctx.collective)
        env = self._envelope(ctx, collective=collective.slug, tz=collective.settings.timezone)
        return Recording(
            actor=env.actor,
            collective=collective.slug,
            effective=env.effective,
            file_id=ident,
            timestamp=datetime.now(UTC),
            gate=self._gate(ctx, env),
            key=ctx.key,
        )

    def _written_meanwhile(self, ident: str) -> Imported:
        if done := self.earlier_import(ident):
            return done
        raise Conflict(
            "someone recorded values in the same reports while this file was imported: "
            "import it again (what is in the ledger already is recognised)"
        )

    # -- the partners' template ------------------------------------------------------------

    def template_sheets(
        self, codes: Sequence[str], ctx: Context, *, periods: int = 4, today: date | None = None
    ) -> list[TemplateSheet]:
        """What a template for ``codes`` offers: the last ``periods`` periods of each, its cells."""
        from ledger.imports.template import TemplateSheet

        collective = self.collective(ctx.collective)
        calendar = collective.settings.calendar
        if today is None:
            from zoneinfo import ZoneInfo

            today = datetime.now(ZoneInfo(collective.settings.timezone)).date()
        sheets = []
        for code in codes:
            indicator = self.indicator(collective.slug, code)
            indicator.check_active("takes no new values")
            current = indicator.current
            recent: list[Period] = [period_containing(today, current.cadence, calendar)]
            while len(recent) < periods:
                day = recent[-1].start - timedelta(days=1)
                recent.append(period_containing(day, current.cadence, calendar))
            unit = str(current.unit)
            if current.unit is Unit.CURRENCY and current.currency:
                unit = f"{unit} {current.currency}"
            sheets.append(
                TemplateSheet(
                    code=indicator.code,
                    name=current.name,
                    unit=unit,
                    periods=tuple(p.code for p in reversed(recent)),
                    dimensions=tuple((d.name, tuple(d.categories)) for d in current.dimensions),
                )
            )
        return sheets

    def members(self, ctx: Context) -> list[str]:
        """The organisations that are members of the collective now."""
        collective = self.collective(ctx.collective)
        return [org for org, m in collective.members.items() if m.left is None]
