"""The event history, as ``collective log`` shows it, read from the log index."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from projections.log import wording
from projections.registry import Views

__all__ = ["LogEntry", "history"]


@dataclass(frozen=True)
class LogEntry:
    position: int
    recorded_at: str
    actor: str
    event: str
    subject: str
    summary: str
    collective: str | None
    effective: str
    reason: str | None

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def history(
    views: Views,
    *,
    collective: str | None = None,
    types: tuple[str, ...] = (),
    actor: str | None = None,
    since: datetime | None = None,
    as_of: datetime | None = None,
) -> Iterator[LogEntry]:
    """The log entries that pass every filter given, in log order.

    ``collective`` keeps that collective's events and the store-wide ones (organisations).
    ``as_of`` keeps what the ledger held at that recorded time.
    """
    db = views.db
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    if collective:
        where.append("(collective IS NULL OR collective = ?)")
        params.append(collective)
    if types:
        alternatives = []
        for wanted in types:
            alternatives.append("(LOWER(event) = ? OR LOWER(event) LIKE ? OR LOWER(event) LIKE ?)")
            w = wanted.lower()
            params += [w, f"{w}.%", f"%.{w}"]
        where.append("(" + " OR ".join(alternatives) + ")")
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if since:
        where.append("recorded_at >= ?")
        params.append(since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    if as_of:
        where.append("position <= ?")
        params.append(views.position(as_of) or 0)
    rows = db.query(
        "SELECT position, recorded_at, actor, event, subject, collective "
        f"FROM {db.table('view_log')} WHERE {' AND '.join(where)} ORDER BY position",
        params,
    )
    for chunk in range(0, len(rows), 1000):
        page = rows[chunk : chunk + 1000]
        worded = wording(views.app, [row["position"] for row in page])
        for row in page:
            shown = worded[row["position"]]
            yield LogEntry(
                **row, summary=shown.summary, effective=shown.effective, reason=shown.reason
            )
