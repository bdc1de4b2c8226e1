"""The log index: one row per event (position, recorded time, actor, event, subject, collective).

It answers "which position was the last one recorded at time T" for every ``--as-of``, and lets
``collective log`` and ``collective trace`` filter without decoding the whole log.
"""

from __future__ import annotations

from typing import Any

from projections.engine import EventRecord, Projection, ViewDB, Writer

__all__ = ["LOG", "authorities", "describe", "position_at"]

LOG = Projection(
    name="log",
    schema=2,
    tables={
        "view_log": "position BIGINT PRIMARY KEY, recorded_at TEXT NOT NULL, actor TEXT NOT NULL, "
        "event TEXT NOT NULL, subject TEXT NOT NULL, summary TEXT NOT NULL, collective TEXT, "
        "effective TEXT NOT NULL, reason TEXT, authority TEXT NOT NULL",
    },
    indexes=(
        "CREATE INDEX IF NOT EXISTS view_log_recorded ON {view_log} (recorded_at)",
        "CREATE INDEX IF NOT EXISTS view_log_subject ON {view_log} (subject)",
    ),
)


def describe(record: EventRecord) -> tuple[str, str]:
    """The event's subject (``org:hasiru-dala``) and one-line summary, as its class words them."""
    from ledger.mapper import event_class

    cls: Any = event_class(record.topic)
    state = {
        **record.state,
        "originator_id": record.aggregate_id,
        "originator_version": record.version,
    }
    event = cls.model_validate(state)
    return str(event.subject()), str(event.summary())


def authorities(record: EventRecord) -> list[str]:
    """The decisions an event names as its authority (``decision`` / ``decisions`` fields)."""
    if record.name.startswith(("Decision.", "Body.DecisionTabled")):
        return []  # a decision's own events name the decision itself
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "decision" and isinstance(item, str):
                    found.append(item)
                elif key == "decisions" and isinstance(item, list):
                    found.extend(str(ref) for ref in item)
                elif key != "meta":
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(record.state)
    return list(dict.fromkeys(found))


def _index(writer: Writer, record: EventRecord) -> None:
    meta = record.meta
    subject, summary = describe(record)
    writer.execute(
        f"INSERT INTO {writer.db.table('view_log')} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        [
            record.position,
            _utc(record.recorded_at),
            meta["actor"],
            record.name,
            subject,
            summary,
            meta.get("collective"),
            meta["effective"],
            meta.get("reason"),
            " ".join(authorities(record)),
            record.position,
        ],
    )


def _utc(text: str) -> str:
    """Recorded times are stored as sortable UTC text (``2024-03-31T18:30:00.000000Z``)."""
    from datetime import UTC, datetime

    moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _Everything(dict[str, Any]):
    """Every event name maps to the index handler."""

    def get(self, key: str, default: Any = None) -> Any:
        return _index


LOG.handlers = _Everything()


def position_at(db: ViewDB, moment: Any) -> int:
    """The last position recorded at or before ``moment`` (0 if none)."""
    from datetime import UTC

    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    rows = db.query(
        f"SELECT MAX(position) AS position FROM {db.table('view_log')} WHERE recorded_at <= ?",
        [text],
    )
    return int(rows[0]["position"] or 0)
