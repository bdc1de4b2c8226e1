"""Every read model the ledger keeps, by name, and the one call that brings them up to date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from projections.agenda import AGENDA
from projections.alignment import ALIGNMENT
from projections.communication import COMMUNICATION
from projections.decisions import DECISIONS
from projections.dhis2_map import DHIS2_MAP
from projections.engine import Projection, ViewDB, catch_up, ensure_tables, positions, rebuild
from projections.funding_iati import FUNDING_IATI
from projections.log import LOG, position_at
from projections.measurement import MEASUREMENT
from projections.roster import ROSTER

__all__ = ["PROJECTIONS", "Views"]

PROJECTIONS: dict[str, Projection] = {
    p.name: p
    for p in (
        LOG,
        ROSTER,
        DECISIONS,
        AGENDA,
        ALIGNMENT,
        COMMUNICATION,
        MEASUREMENT,
        DHIS2_MAP,
        FUNDING_IATI,
    )
}


class Views:
    """The read side of one ledger: catch up first, then answer (now, or as of a moment)."""

    def __init__(self, app: Any, *, notice: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.db = ViewDB(app)
        self.notice = notice

    def refresh(
        self,
        progress: Callable[[int], None] | None = None,
        only: tuple[str, ...] = (),
    ) -> int:
        """Create missing views, rebuild outdated ones, and catch every view (or ``only``
        those named) up to the log."""
        rebuilt = ensure_tables(self.db, PROJECTIONS.values())
        if rebuilt and self.notice and any(positions(self.db).values()):
            self.notice(f"rebuilding views stored at an older schema: {', '.join(rebuilt)}")
        chosen = [p for name, p in PROJECTIONS.items() if not only or name in only]
        return catch_up(self.db, chosen, progress=progress)

    def position(self, as_of: datetime | None) -> int | None:
        """The log position an ``--as-of`` time stands for (``None`` for now)."""
        if as_of is None:
            return None
        found = position_at(self.db, as_of)
        if found == 0:
            from domain.errors import RuleViolation

            first = self.db.query(f"SELECT MIN(recorded_at) AS t FROM {self.db.table('view_log')}")
            when = first[0]["t"] or "nothing yet"
            raise RuleViolation(
                f"--as-of {as_of.isoformat()} is before the first event of this ledger ({when})"
            )
        return found

    def status(self) -> list[dict[str, Any]]:
        """Each view's tracked position and how far behind the log it is."""
        last = int(self.app.recorder.max_notification_id() or 0)
        at = positions(self.db)
        return [
            {
                "name": name,
                "position": at.get(name, 0),
                "lag": last - at.get(name, 0),
                "schema": p.schema,
            }
            for name, p in PROJECTIONS.items()
        ]

    def rebuild(self, names: list[str], progress: Callable[[int], None] | None = None) -> int:
        unknown = [n for n in names if n not in PROJECTIONS]
        if unknown:
            from domain.errors import NotFound

            raise NotFound("projection", unknown[0], f"known: {', '.join(PROJECTIONS)}")
        ensure_tables(self.db, PROJECTIONS.values())
        chosen = [PROJECTIONS[n] for n in names] or list(PROJECTIONS.values())
        return rebuild(self.db, chosen, progress=progress)
