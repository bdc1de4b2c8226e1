"""A checked plan as stored events, written directly rather than one pydantic object per row.

Every row was checked already (``ledger/imports/plan.py``), with the domain's own rules; what is
left is to write each event's stored JSON. Building and validating a pydantic event per row, and
dumping it again, would cost more than all the rest of an import, so the JSON is written here
directly, field by field in the order of the event classes' own fields, with the values in the
form pydantic gives them. The result is the bytes ``save()`` would have stored for the same
command: the tests read every event back through the mapper and compare it, byte for byte, with
the domain's own encoding, so a field added to an event class without adding it here fails them.

Each event's envelope carries the row's request id, ``<file id>:<sheet>:<row>``: which file (by
the SHA-256 of its bytes) and which row of it the value came from.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson

from domain.base import Envelope
from domain.reporting import Report

if TYPE_CHECKING:
    from ledger.imports.plan import Plan, Planned
    from ledger.permissions import Gate
    from ledger.signednote import SigningKey

__all__ = ["EventBuilder", "EventRow", "Recording", "event_rows"]

EventRow = tuple[str, int, str, bytes]
"""An event as the store takes it: (aggregate id hex, version, topic, stored JSON)."""

_OPENED = Report.Opened
_SUBMITTED = Report.ValueSubmitted
_CORRECTED = Report.ValueCorrected
_BASE = ("originator_id", "originator_version")


def _fields(cls: type[Any]) -> tuple[str, ...]:
    return tuple(name for name in cls.model_fields if name not in _BASE)


@dataclass(frozen=True)
class Recording:
    """Who records the file, for which collective, when, and under which file id."""

    actor: str
    collective: str
    effective: date
    file_id: str
    timestamp: datetime
    gate: Gate
    key: SigningKey | None = None


def event_rows(plan: Plan, recording: Recording) -> Iterator[EventRow]:
    """The stored events of ``plan``, in file order: a report is opened before its first value."""
    return EventBuilder(recording, plan.versions).rows(plan.values)


class EventBuilder:
    """Stored events of planned values, given a few at a time in file order (as an import that
    records while it checks has them), or all at once."""

    def __init__(self, recording: Recording, versions: dict[UUID, int]) -> None:
        stamp = recording.timestamp.isoformat().replace("+00:00", "Z")
        self.writer = _Writer(recording, stamp)
        self.versions = dict(versions)
        """The current version of every report that exists already."""
        self.last: UUID | None = None
        self.version = 0

    def rows(self, planned: Iterable[Planned]) -> Iterator[EventRow]:
        """The events of ``planned``, the values that follow those given before."""
        # A file's rows come report by report (a report's cells side by side), and the rows of
        # one report share its id object: its version is looked up when the report changes, not
        # per row.
        writer, versions = self.writer, self.versions
        last, version = self.last, self.version
        try:
            for value in planned:
                report = value.report
                if report is not last:
                    if last is not None:
                        versions[last] = version
                    last = report
                    version = versions.get(report, 0)
                    if version == 0:
                        version = 1
                        yield writer.opened(value)
                version += 1
                yield writer.value(value, version)
        finally:
            self.last, self.version = last, version


class _Writer:
    def __init__(self, recording: Recording, stamp: str) -> None:
        self.recording = recording
        self.stamp = stamp
        self.effective = recording.effective.isoformat()
        self.behalf: dict[str, str | None] = {}
        # For a first submission without a signature (nearly every row of an import), the JSON
        # is put together from pieces: the same for every event of the file (up to the reason),
        # for every event of a report (code, org, period), for every cell; orjson writes each
        # piece as it writes it in a whole document. A test compares the result, byte for byte,
        # with the domain's own encoding of the same event.
        head = orjson.dumps(
            {
                "timestamp": stamp,
                "meta": {
                    "actor": recording.actor,
                    "effective": self.effective,
                    "collective": recording.collective,
                },
            }
        )
        self.head = head[:-2] + b',"reason":'  # without the closing "}}"
        self.reports: dict[UUID, tuple[str, bytes]] = {}
        """A report's id in hex and its code, org and period as JSON members."""
        self.last: UUID | None = None
        self.about = ("", b"")
        self.cells: dict[tuple[tuple[str, str], ...], bytes] = {}
        self.orgs: dict[str, bytes] = {}
        self.request = f"{recording.file_id}:"
        self.requests: dict[str | None, bytes] = {}

    def _meta(self, planned: Planned, reason: str | None, topic: str) -> dict[str, Any]:
        org = planned.org
        try:
            behalf = self.behalf[org]
        except KeyError:
            behalf = self.behalf[org] = self.recording.gate.on_behalf_of(topic, org)
        sheet = f"{planned.sheet}:" if planned.sheet is not None else ""
        return {  # the order of Envelope's fields (checked below)
            "actor": self.recording.actor,
            "effective": self.effective,
            "collective": self.recording.collective,
            "reason": reason,
            "request_id": f"{self.recording.file_id}:{sheet}{planned.line}",
            "on_behalf_of": behalf,
            "signature": None,
        }

    def opened(self, planned: Planned) -> EventRow:
        state = {  # the order of Report.Opened's fields (checked below)
            "timestamp": self.stamp,
            "originator_topic": Report.TOPIC,
            "meta": self._meta(planned, None, _OPENED.TOPIC),
            "code": planned.code,
            "org": planned.org,
            "period": planned.period,
        }
        return self._row(planned.report, 1, _OPENED.TOPIC, state)

    def value(self, planned: Planned, version: int) -> EventRow:
        if planned.previous is None and self.recording.key is None:
            return self._submitted(planned, version)
        previous = planned.previous
        topic = _SUBMITTED.TOPIC if previous is None else _CORRECTED.TOPIC
        value = planned.value
        state = {  # the order of Report.ValueSubmitted's fields (checked below)
            "timestamp": self.stamp,
            "meta": self._meta(planned, planned.reason, topic),
            "code": planned.code,
            "org": planned.org,
            "period": planned.period,
            "cell": planned.cell,
            "version": planned.definition_version,
            "value": None if value is None else str(value),
            "text": planned.text,
            "note": planned.note,
            "evidence": planned.evidence,
            "decision": None,
        }
        if previous is not None:  # ValueCorrected: the same, then the value it corrects
            state["previous_value"] = None if previous.value is None else str(previous.value)
            state["previous_text"] = previous.text
        return self._row(planned.report, version, topic, state)

    def _submitted(self, planned: Planned, version: int) -> EventRow:
        """A ValueSubmitted's stored JSON from its pieces (see ``__init__``)."""
        dumps = orjson.dumps
        if planned.report is not self.last:  # (see event_rows)
            self.last = planned.report
            about = self.reports.get(planned.report)
            if about is None:
                fields = {"code": planned.code, "org": planned.org, "period": planned.period}
                about = self.reports[planned.report] = (planned.report.hex, dumps(fields)[1:-1])
            self.about = about
        ident, report = self.about
        cell = self.cells.get(planned.cell)
        if cell is None:
            cell = self.cells[planned.cell] = dumps(planned.cell)
        behalf = self.orgs.get(planned.org)
        if behalf is None:
            org = self.recording.gate.on_behalf_of(_SUBMITTED.TOPIC, planned.org)
            behalf = self.orgs[planned.org] = dumps(org)
        request = self.requests.get(planned.sheet)
        if request is None:  # the request id up to the row number, as JSON without its end quote
            sheet = f"{planned.sheet}:" if planned.sheet is not None else ""
            request = self.requests[planned.sheet] = dumps(f"{self.request}{sheet}")[:-1]
        value, text, note, evidence = planned.value, planned.text, planned.note, planned.evidence
        state = _SUBMITTED_FORM % (
            self.head,
            _NULL if planned.reason is None else dumps(planned.reason),
            request,
            planned.line,
            behalf,
            report,
            cell,
            planned.definition_version,
            _NULL if value is None else dumps(str(value)),
            _NULL if text is None else dumps(text),
            _EMPTY if not note else dumps(note),
            _NULL if evidence is None else dumps(evidence),
        )
        return ident, version, _SUBMITTED.TOPIC, state

    def _row(self, report: UUID, version: int, topic: str, state: dict[str, Any]) -> EventRow:
        key = self.recording.key
        if key is not None:
            from ledger.signatures import signed_form

            signed = orjson.loads(orjson.dumps(state))  # as stored (tuples as lists)
            signature = key.sign(signed_form(report, version, topic, signed).decode("utf-8"))
            raw = signature.key_id.to_bytes(4, "big") + signature.signature
            state["meta"]["signature"] = base64.b64encode(raw).decode()
        return report.hex, version, topic, orjson.dumps(state)


def _check_field_order() -> None:
    """The literal dicts above follow the event classes' fields: refuse to start otherwise."""
    expected = {
        "Envelope": (Envelope, ("actor", "effective", "collective", "reason", "request_id",
                                "on_behalf_of", "signature")),
        "Report.Opened": (_OPENED, ("timestamp", "originator_topic", "meta", "code", "org",
                                    "period")),
        "Report.ValueSubmitted": (_SUBMITTED, _VALUE_FIELDS),
        "Report.ValueCorrected": (_CORRECTED, (*_VALUE_FIELDS, "previous_value",
                                               "previous_text")),
    }  # fmt: skip
    for name, (cls, written) in expected.items():
        fields = _fields(cls)
        if fields != written:
            raise RuntimeError(
                f"ledger/imports/events.py writes {name} as {written}, but its fields are "
                f"{fields}: update the import's writer"
            )


_SUBMITTED_FORM = (
    b'%s%s,"request_id":%s%d","on_behalf_of":%s,"signature":null},%s,"cell":%s,"version":%d,'
    b'"value":%s,"text":%s,"note":%s,"evidence":%s,"decision":null}'
)
"""Report.ValueSubmitted's stored JSON, in the order of its fields (checked below)."""
_NULL = b"null"
_EMPTY = b'""'
_VALUE_FIELDS = ("timestamp", "meta", "code", "org", "period", "cell", "version", "value",
                 "text", "note", "evidence", "decision")  # fmt: skip
_check_field_order()
