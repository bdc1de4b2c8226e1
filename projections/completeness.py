"""Completeness: which organisation reported which indicator for which period, and where each
report stands in review.

Expected reports: every current member that has ever reported an indicator owes it a report for
every period of the indicator's cadence, from the first period it reported up to the last period
that ended before the reference day (the ``--as-of`` time, or now, as a date in the collective's
time zone); for a retired indicator, up to the last period that ended before its retirement.

Each row has a state:

- ``approved``: every value of the report is approved;
- ``returned``: a value was returned for correction (and not corrected since);
- ``queried``: a value is under review (queried);
- ``submitted``: values are in (or corrected) and wait for review;
- ``late``: no value, and the period ended more than ``grace`` days before the reference day;
- ``due``: no value yet, but the period ended ``grace`` days ago or less.

Reports that were not expected but hold values (a period reported early, an organisation that
has left) are listed too, with their state.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from projections.measurement import (
    IndicatorView,
    Reported,
    closures,
    current_members,
    indicator_views,
    reported_values,
    settings,
)

if TYPE_CHECKING:
    from domain.periods import Calendar, Period
    from projections.registry import Views

__all__ = ["STATES", "completeness", "reference_day"]

STATES = ("late", "due", "returned", "queried", "submitted", "approved")
"""Every state a row can have, the ones that need attention first."""


def reference_day(views: Views, collective: str, at: int | None, moment: datetime) -> date:
    """``moment`` as a date in the collective's time zone."""
    return moment.astimezone(ZoneInfo(settings(views, collective, at).timezone)).date()


def completeness(
    views: Views,
    collective: str,
    at: int | None,
    *,
    moment: datetime,
    grace: int = 30,
    code: str | None = None,
) -> list[dict[str, Any]]:
    """One row per expected or received report, by indicator, organisation and period."""
    from domain.periods import Calendar

    calendar = Calendar(settings(views, collective, at).calendar)
    today = reference_day(views, collective, at, moment)
    chosen = indicator_views(views, collective, at, code)
    reported = reported_values(views, collective, at, chosen[0].code if code else None)
    members = set(current_members(views, collective, at))
    closed = closures(views, collective, at)
    rows: list[dict[str, Any]] = []
    for indicator in chosen:
        reports: dict[tuple[str, str], list[Reported]] = {}
        for cell in reported:
            if cell.code == indicator.code:
                reports.setdefault((cell.org, cell.period), []).append(cell)
        expected = _expected(indicator, reports, members, calendar, today)
        received = {key for key, cells in reports.items() if any(c.effective for c in cells)}
        for org, code in sorted(expected | received, key=lambda k: _order(k, calendar)):
            period = _period(code, calendar)
            cells = [c for c in reports.get((org, code), []) if c.effective]
            row = _row(indicator.code, org, period, cells, today, grace)
            row["closed_by"] = _closure(period, closed, calendar)
            rows.append(row)
    return rows


def _period(code: str, calendar: Calendar) -> Period:
    from domain.periods import parse_period

    return parse_period(code, calendar)


def _order(key: tuple[str, str], calendar: Calendar) -> tuple[str, Period]:
    return key[0], _period(key[1], calendar)


def _expected(
    indicator: IndicatorView,
    reports: dict[tuple[str, str], list[Reported]],
    members: set[str],
    calendar: Calendar,
    today: date,
) -> set[tuple[str, str]]:
    """The (organisation, period) pairs owed: see the module's documentation."""
    from domain.periods import period_containing, periods_between

    cadence = indicator.current.cadence
    until = min(today, indicator.retired_on) if indicator.retired_on else today
    last = period_containing(until, cadence, calendar)
    last = period_containing(last.start - timedelta(days=1), cadence, calendar)
    firsts: dict[str, Period] = {}
    for org, period_code in reports:
        period = _period(period_code, calendar)
        if org in members and (org not in firsts or period < firsts[org]):
            firsts[org] = period
    return {
        (org, period.code)
        for org, first in firsts.items()
        if first <= last
        for period in periods_between(first, last)
    }


def _row(
    code: str, org: str, period: Period, cells: Sequence[Reported], today: date, grace: int
) -> dict[str, Any]:
    due = period.end + timedelta(days=grace)
    row: dict[str, Any] = {
        "indicator": code,
        "org": org,
        "period": period.code,
        "due": due.isoformat(),
        "values": len(cells),
        "comment": None,
    }
    statuses = {c.status for c in cells}
    if not cells:
        row["state"] = "late" if today > due else "due"
        return row
    for state in ("returned", "queried"):
        if state in statuses:
            row["state"] = state
            row["comment"] = next(c.comment for c in cells if c.status == state)
            return row
    row["state"] = "approved" if statuses == {"approved"} else "submitted"
    return row


def _closure(period: Period, closed: dict[str, str], calendar: Calendar) -> str | None:
    """The decision that closed ``period`` (or a period enclosing it), if any."""
    from domain.reporting import enclosing_periods

    for enclosing in enclosing_periods(period, calendar):
        if enclosing.code in closed:
            return closed[enclosing.code]
    return None
