"""The log index: one row per event (position, recorded time, actor, event, subject, collective).

It answers "which position was the last one recorded at time T" for every ``--as-of``, and lets
``collective log`` and ``collective trace`` filter without decoding the whole log. What is only
shown (the one-line summary, the effective date, the reason, the decisions named as authority)
is read from the events themselves when they are shown (:func:`wording`): the index holds what
the commands filter on, and a rebuild writes no more than that.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from projections.bulk import Bulk
from projections.engine import EventRecord, Projection, ViewDB, Writer, decode

__all__ = ["LOG", "Worded", "authorities", "describe", "position_at", "wording"]

LOG = Projection(
    name="log",
    schema=5,  # 4: the position is the table's rowid on SQLite; 5: what is only shown left out
    tables={
        "view_log": "position BIGINT PRIMARY KEY, recorded_at TEXT NOT NULL, actor TEXT NOT NULL, "
        "event TEXT NOT NULL, subject TEXT NOT NULL, collective TEXT",
    },
    indexes=("CREATE INDEX IF NOT EXISTS view_log_subject ON {view_log} (subject)",),
    growing=("CREATE INDEX IF NOT EXISTS view_log_recorded ON {view_log} (recorded_at)",),
    append_only=frozenset({"view_log"}),  # an event's row is true from its position on, always
)


def describe(record: EventRecord) -> tuple[str, str]:
    """The event's subject (``org:hasiru-dala``) and one-line summary, as its class words them."""
    event = _event(record)
    return str(event.subject()), str(event.summary())


def _event(record: EventRecord) -> Any:
    from ledger.mapper import event_class

    cls: Any = event_class(record.topic)
    state = {
        **record.state,
        "originator_id": record.aggregate_id,
        "originator_version": record.version,
    }
    return cls.model_validate(state)


def _subject(record: EventRecord) -> str:
    """The subject, cheaply: most events word it from plain fields of their JSON state, so the
    class's ``subject`` runs on those fields directly; the few that look into nested values (or
    need typed ones) are validated properly. A test checks both ways agree on the demo."""
    from ledger.mapper import event_class

    cls: Any = event_class(record.topic)
    try:
        return str(cls.subject(SimpleNamespace(**record.state)))
    except (AttributeError, TypeError, KeyError):
        return str(_event(record).subject())


_AUTHORITY_KEYS: dict[str, tuple[str, ...]] = {}


def authorities(record: EventRecord) -> list[str]:
    """The decisions an event names as its authority: a ``decision`` or ``decisions`` field, at
    the top of the event or in one of its values (an agenda version, a backbone term)."""
    if record.name.startswith(("Decision.", "Body.DecisionTabled")):
        return []  # a decision's own events name the decision itself
    state = record.state
    holders = _AUTHORITY_KEYS.get(record.topic)
    if holders is None:
        holders = _AUTHORITY_KEYS[record.topic] = tuple(
            k for k, v in state.items() if isinstance(v, dict) and k != "meta"
        )
    found: list[str] = []
    for holder in (state, *(state[k] for k in holders if isinstance(state.get(k), dict))):
        one = holder.get("decision")
        if isinstance(one, str):
            found.append(one)
        many = holder.get("decisions")
        if isinstance(many, list):
            found.extend(str(ref) for ref in many)
    return list(dict.fromkeys(found)) if len(found) > 1 else found


def _index(writer: Writer, records: list[EventRecord]) -> None:
    """One row per event, written with one statement per page."""
    rows = []
    for record in records:
        meta = record.state["meta"]
        rows.append(
            (
                record.position,
                _utc(record.state["timestamp"]),
                meta["actor"],
                record.name,
                _subject(record),
                meta.get("collective"),
                record.position,
            )
        )
    writer.flush()
    writer.cursor.executemany(
        writer.db.sql(
            f"INSERT INTO {writer.db.table('view_log')} VALUES (?, ?, ?, ?, ?, ?, ?, NULL)"
        ),
        rows,
    )


def _utc(text: str) -> str:
    """Recorded times as sortable UTC text (``2024-03-31T18:30:00.000000Z``). The library records
    them in UTC, so this is usually the stored text itself."""
    if len(text) == 27 and text.endswith("Z"):
        return text
    from datetime import UTC, datetime

    moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


LOG.every_event = _index


_STAMP = "e.timestamp"
LOG.bulk = dict.fromkeys(
    # a report's opening and its values: the subject is the value's, made in SQL
    ("Report.Opened", "Report.ValueSubmitted"),
    Bulk(
        "view_log",
        ("timestamp", "meta.actor", "meta.collective", "code", "org", "period"),
        f"SELECT e.rowid, CASE WHEN length({_STAMP}) = 27 THEN {_STAMP} "
        f"WHEN length({_STAMP}) = 20 THEN substr({_STAMP}, 1, 19) || '.000000Z' END, "
        "e.meta_actor, e.name, 'value:' || e.code || '/' || e.org || '/' || e.period, "
        "e.meta_collective, e.rowid, NULL FROM {e}",
    ),
)


@dataclass(frozen=True)
class Worded:
    """What is shown of an event beside its row of the log index."""

    summary: str
    effective: str
    reason: str | None
    authorities: list[str]
    """The decisions the event names as its authority (see :func:`authorities`)."""


def wording(app: Any, positions: list[int]) -> dict[int, Worded]:
    """The summary, effective date, reason and authorities of the events at ``positions``, read
    from the store."""
    found: dict[int, Worded] = {}
    wanted = set(positions)
    for start, stop in _runs(sorted(wanted)):
        for n in app.recorder.select_notifications(start, stop - start + 1, stop=stop):
            if n.id in wanted:
                event: Any = app.mapper.to_domain_event(n)
                record = decode(n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
                found[n.id] = Worded(
                    summary=str(event.summary()),
                    effective=record.meta["effective"],
                    reason=record.meta.get("reason"),
                    authorities=authorities(record),
                )
    return found


def _runs(ordered: list[int]) -> list[tuple[int, int]]:
    """Consecutive stretches of positions, to read them with few queries."""
    runs: list[tuple[int, int]] = []
    for position in ordered:
        if runs and position - runs[-1][1] <= 50:
            runs[-1] = (runs[-1][0], position)
        else:
            runs.append((position, position))
    return runs


def position_at(db: ViewDB, moment: Any) -> int:
    """The last position recorded at or before ``moment`` (0 if none)."""
    from datetime import UTC

    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    rows = db.query(
        f"SELECT MAX(position) AS position FROM {db.table('view_log')} WHERE recorded_at <= ?",
        [text],
    )
    return int(rows[0]["position"] or 0)
