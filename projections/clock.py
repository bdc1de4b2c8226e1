"""A collective's calendar and time zone as the roster held them, and "today" at a moment."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from domain.periods import Calendar
    from projections.registry import Views

__all__ = ["local_day", "settings_at"]


def settings_at(views: Views, collective: str, at: int | None) -> tuple[Calendar, str]:
    """The calendar and time zone of ``collective`` at position ``at``."""
    from domain.errors import NotFound
    from domain.periods import Calendar

    db = views.db
    rows = db.query(
        f"SELECT calendar, timezone FROM {db.table('view_collectives')} "
        f"WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    if not rows:
        raise NotFound("collective", collective)
    return Calendar(rows[0]["calendar"]), str(rows[0]["timezone"])


def local_day(views: Views, collective: str, at: int | None, moment: datetime | None) -> date:
    """The date in the collective's time zone at ``moment`` (now when ``None``)."""
    _, zone = settings_at(views, collective, at)
    return (moment or datetime.now(UTC)).astimezone(ZoneInfo(zone)).date()
