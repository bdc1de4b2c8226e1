"""The event history, as ``collective log`` shows it: one line per stored event, in log order.

Reads the log page by page (never the whole log at once) and decodes each event once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from eventsourcing.utils import get_topic

from domain.base import TOPIC_PREFIX

__all__ = ["LogEntry", "event_name", "history"]

PAGE = 500


@dataclass(frozen=True)
class LogEntry:
    position: int
    recorded_at: datetime
    actor: str
    event: str
    subject: str
    summary: str
    collective: str | None
    effective: date
    reason: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "recorded_at": self.recorded_at.isoformat(),
            "actor": self.actor,
            "event": self.event,
            "subject": self.subject,
            "summary": self.summary,
            "collective": self.collective,
            "effective": self.effective.isoformat(),
            "reason": self.reason,
        }


def event_name(topic: str) -> str:
    """``collective-ledger:Collective.MemberJoined`` -> ``Collective.MemberJoined``."""
    return topic.removeprefix(f"{TOPIC_PREFIX}:")


def _type_matches(name: str, wanted: str) -> bool:
    wanted = wanted.lower()
    aggregate, _, event = name.lower().partition(".")
    return wanted in (name.lower(), aggregate, event)


def history(
    app: Any,
    *,
    collective: str | None = None,
    types: tuple[str, ...] = (),
    actor: str | None = None,
    since: datetime | None = None,
    as_of: datetime | None = None,
) -> Iterator[LogEntry]:
    """The log entries that pass every filter given, in log order.

    ``collective`` keeps that collective's events and the store-wide ones (organisations).
    """
    start: int | None = None
    while True:
        page = app.recorder.select_notifications(start, PAGE, inclusive_of_start=False)
        if not page:
            return
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            entry = LogEntry(
                position=notification.id,
                recorded_at=event.timestamp,
                actor=event.meta.actor,
                event=event_name(get_topic(type(event))),
                subject=event.subject(),
                summary=event.summary(),
                collective=event.meta.collective,
                effective=event.meta.effective,
                reason=event.meta.reason,
            )
            if _keep(entry, collective, types, actor, since, as_of):
                yield entry
        start = page[-1].id


def _keep(
    entry: LogEntry,
    collective: str | None,
    types: tuple[str, ...],
    actor: str | None,
    since: datetime | None,
    as_of: datetime | None,
) -> bool:
    if collective and entry.collective not in (None, collective):
        return False
    if types and not any(_type_matches(entry.event, t) for t in types):
        return False
    if actor and entry.actor != actor:
        return False
    if since and entry.recorded_at < since:
        return False
    return not (as_of and entry.recorded_at > as_of)
