"""Verifying a log from its events alone: leaves, tree, versions, and every checkpoint held.

One pass over the stored events, in log order, from any :class:`~ledger.sources.EventSource`
(a SQLite or PostgreSQL ledger, or an audit bundle):

1. every leaf is recomputed from the event (RFC 9162 leaf hash of ``auditlog.leaf_bytes``) and
   the tree's root is rebuilt as the leaves arrive; nothing stored beside the events is trusted;
2. the stored leaves are compared with the recomputed ones (the first position that does not
   match is named, with its event);
3. the per-event checks in :data:`CHECKS` see every event (versions contiguous from 1 per
   aggregate; more can be added, see :class:`Check`);
4. every checkpoint (the ones recorded in the ledger and the ones the verifier brings) is checked:
   its signature against the verifier's trusted keys (never keys read from the ledger), and its
   root against the recomputed tree of its size (a ROLLBACK when the log is now smaller, a FORK
   when it has the same size and another root, REWRITTEN when an older part changed).

Memory stays small: 32 bytes per event for the recomputed leaf hashes (so the root of any earlier
size can be computed for a checkpoint found later in the log) plus the last version of each
aggregate.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol
from uuid import UUID

import orjson

from domain.audit import AuditLog
from ledger.auditlog import LEAF_HASH_INPUT, subtree_root
from ledger.merkle import EMPTY_ROOT, node_hash
from ledger.merkle import root as merkle_root
from ledger.signatures import SignatureCheck
from ledger.signednote import Checkpoint, Note, NoteError, VerifierKey, open_note
from ledger.sources import EventSource, LeafRow

__all__ = [
    "CHECKS",
    "Check",
    "CheckpointResult",
    "Problem",
    "Record",
    "Report",
    "VersionCheck",
    "describe",
    "verify",
]

MAX_LINES = 100
"""Problems listed in full; the rest are counted."""
_CHECKPOINT_TOPIC = AuditLog.CheckpointIssued.TOPIC
_STARTED_TOPIC = AuditLog.Started.TOPIC
_KEEP_LEVEL = 8
"""Recomputed subtree roots of 2**8 leaves and more are kept, for the roots of earlier sizes."""


@dataclass(frozen=True)
class Problem:
    """Something that does not verify: one line for people, with the position it concerns."""

    kind: str
    message: str
    position: int | None = None

    def __str__(self) -> str:
        return self.message


class Record(NamedTuple):
    """One stored event as the checks see it (as stored: nothing decoded yet)."""

    leaf: int
    """The event's leaf index (0, 1, 2, ... in log order)."""
    position: int
    aggregate_id: str
    """32 hex digits, as stored."""
    version: int
    topic: str
    state: bytes

    def event(self) -> Any:
        """The domain event (pydantic), decoded and upcast; raises ValueError if it cannot be."""
        from ledger.mapper import decode_state, event_class

        try:
            cls: Any = event_class(self.topic)
            state = decode_state(cls, orjson.loads(self.state))
            state["originator_id"] = UUID(self.aggregate_id)
            state["originator_version"] = self.version
            return cls.model_validate(state)
        except Exception as e:
            raise ValueError(f"position {self.position}: cannot read {describe(self)}: {e}") from e


def describe(record: Record) -> str:
    """How a problem line names an event: ``Report.ValueSubmitted of <aggregate> version 3``."""
    topic = str(record.topic).removeprefix("collective-ledger:")
    try:
        aggregate = str(UUID(record.aggregate_id))
    except (ValueError, TypeError, AttributeError):
        aggregate = repr(record.aggregate_id)
    return f"{topic} of {aggregate} version {record.version}"


class Check(Protocol):
    """A per-event check. It sees every event in log order, then says what else it found.

    To add one: write a class with these two methods (constructed without arguments) and append
    it to :data:`CHECKS`. ``see`` returns the problems of that event (an empty tuple when there
    are none: it runs once per event, so keep it cheap and decode only the events it needs with
    ``record.event()``); ``finish`` returns what only the whole log can show.
    """

    def see(self, record: Record) -> Sequence[Problem]: ...

    def finish(self) -> Sequence[Problem]: ...


class VersionCheck:
    """Each aggregate's versions run 1, 2, 3, ... in log order, without gaps or repeats."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def see(self, record: Record) -> Sequence[Problem]:
        ident, version = record[2], record[3]
        last = self.last.get(ident, 0)
        self.last[ident] = version
        if version == last + 1:
            return ()
        if record.version > last + 1:
            why = (
                "its aggregate has no version 1"
                if last == 0
                else f"it follows version {last}: version {last + 1} is missing"
            )
        else:
            why = f"it follows version {last}: out of order or repeated"
        message = f"position {record.position}: {describe(record)}: {why}"
        return (Problem("version", message, record.position),)

    def finish(self) -> Sequence[Problem]:
        return ()


CHECKS: list[Callable[[], Check]] = [VersionCheck, SignatureCheck]
"""The per-event checks every verification runs, in this order."""


@dataclass
class CheckpointResult:
    """One checkpoint that was checked, and what was found."""

    label: str
    size: int | None = None
    root: str | None = None
    origin: str | None = None
    signed_by: list[str] = field(default_factory=list)
    consistent: bool | None = None
    signature: str = "not checked"
    """``trusted`` (signed by a --trusted-key), ``not checked`` (no keys given) or ``refused``."""


@dataclass
class Report:
    """What a verification found."""

    source: str
    events: int = 0
    leaves: int = 0
    root: bytes = EMPTY_ROOT
    last_position: int | None = None
    checkpoints: list[CheckpointResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    omitted: int = 0
    """Problems found beyond :data:`MAX_LINES` (counted, not listed)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_LINES:
            self.problems.append(problem)
        else:
            self.omitted += 1

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "source": self.source,
            "events": self.events,
            "leaves": self.leaves,
            "tree_size": self.events,
            "root": base64.b64encode(self.root).decode(),
            "last_position": self.last_position,
            "checkpoints": [vars(c) for c in self.checkpoints],
            "problems": [
                {"kind": p.kind, "position": p.position, "message": p.message}
                for p in self.problems
            ],
            "problems_not_listed": self.omitted,
        }


class _Tree:
    """The recomputed tree: every leaf hash (32 bytes each) and the larger subtree roots."""

    def __init__(self) -> None:
        self.leaves = bytearray()
        self.positions = array("q")
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.stack: list[bytes] = []

    @property
    def size(self) -> int:
        return len(self.positions)

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        if size == 0:
            return EMPTY_ROOT
        if size == self.size:
            acc = self.stack[-1]
            for left in reversed(self.stack[:-1]):
                acc = node_hash(left, acc)
            return acc
        return subtree_root(self._fetch, 0, size)

    def _fetch(self, level: int, node: int) -> bytes | None:
        if level >= _KEEP_LEVEL:
            return self.nodes.get((level, node))
        start, end = node << level, (node + 1) << level
        if end > self.size:
            return None
        data = self.leaves
        return merkle_root(bytes(data[i * 32 : i * 32 + 32]) for i in range(start, end))

    def position(self, size: int) -> int:
        """The log position of the last of the first ``size`` events."""
        return self.positions[size - 1]


@dataclass
class _Held:
    index: int
    position: int
    state: bytes


def verify(
    source: EventSource,
    *,
    checkpoints: Sequence[tuple[str, bytes]] = (),
    trusted: Sequence[VerifierKey] = (),
    checks: Sequence[Callable[[], Check]] | None = None,
) -> Report:
    """Verify every event of ``source`` and every checkpoint (held in it, and ``checkpoints``:
    (label, signed note bytes) pairs the verifier brings), against the ``trusted`` keys."""
    if checkpoints and not trusted:
        raise ValueError("give --trusted-key VKEY to check the checkpoint's signature")
    report = Report(source.description)
    tree = _Tree()
    held: list[_Held] = []
    started: list[str] = []
    made = [make() for make in (CHECKS if checks is None else checks)]
    _scan(source, tree, report, made, held, started)
    origin = started[0] if started else source.origin()
    for item in held:
        _check_held(item, tree, trusted, report)
    for label, data in checkpoints:
        _check_given(label, data, origin, tree, trusted, report)
    return report


def _scan(
    source: EventSource,
    tree: _Tree,
    report: Report,
    checks: list[Check],
    held: list[_Held],
    started: list[str],
) -> None:
    sha = hashlib.sha256
    hexlify = binascii.hexlify
    fmt = LEAF_HASH_INPUT
    leaves = iter(source.leaves())
    topics: dict[str, bytes] = {}
    stack = tree.stack
    nodes = tree.nodes
    keep = _KEEP_LEVEL
    buffer = tree.leaves
    positions = tree.positions
    size = 0
    comparing = True
    read = 0
    sees = [check.see for check in checks]
    new = tuple.__new__
    checkpoint_topic, started_topic = _CHECKPOINT_TOPIC, _STARTED_TOPIC
    for row in source.events():
        position, ident, version, topic, state = row
        try:
            data = topics.get(topic)
            if data is None:
                data = topics[topic] = topic.encode()
            leaf = sha(
                fmt % (position, ident.encode(), version, data, hexlify(sha(state).digest()))
            ).digest()
        except (TypeError, AttributeError, ValueError):
            leaf = sha(b"malformed" + repr(row).encode()).digest()
            report.add(Problem("event", f"position {position}: the stored event is malformed"))
        record = new(Record, (size, position, ident, version, topic, state))
        if comparing:
            stored = next(leaves, None)
            if stored is None or stored[0] != size or stored[1] != position or stored[2] != leaf:
                comparing = False
                read += stored is not None
                report.add(_leaf_problem(record, stored))
            else:
                read += 1
        for see in sees:
            found = see(record)
            if found:
                for problem in found:
                    report.add(problem)
        if topic == checkpoint_topic:
            held.append(_Held(size, position, state))
        elif topic == started_topic:
            started.append(_started_origin(state))
        buffer += leaf
        positions.append(position)
        size += 1
        if not size & 1:
            n, level = size, 0
            while not n & 1:
                leaf = sha(b"\x01" + stack.pop() + leaf).digest()
                n >>= 1
                level += 1
                if level >= keep:
                    nodes[(level, (size >> level) - 1)] = leaf
        stack.append(leaf)
    report.events = size
    report.root = tree.root()
    report.last_position = positions[-1] if size else None
    _finish_leaves(report, leaves, read, comparing)
    for check in checks:
        for problem in check.finish():
            report.add(problem)


def _leaf_problem(record: Record, stored: LeafRow | None) -> Problem:
    p = record.position
    if stored is None:
        why = f"position {p}: {describe(record)} has no leaf: it was added outside the ledger"
    elif stored[1] < p:
        why = (
            f"position {stored[1]}: no event, but leaf {stored[0]} is stored for it: "
            "the event was deleted"
        )
        p = stored[1]
    elif stored[1] > p:
        why = f"position {p}: {describe(record)} has no leaf: it was added outside the ledger"
    else:
        why = (
            f"position {p}: {describe(record)} does not match its leaf {stored[0]}: "
            "the stored event was changed"
        )
    return Problem("leaf", why, p)


def _finish_leaves(report: Report, leaves: Iterator[LeafRow], read: int, comparing: bool) -> None:
    """Count the stored leaves left unread; name a leaf whose event is gone from the end."""
    if comparing:
        extra = next(leaves, None)
        if extra is not None:
            read += 1
            report.add(
                Problem(
                    "leaf",
                    f"position {extra[1]}: no event, but leaf {extra[0]} is stored for it: "
                    "the event was deleted",
                    extra[1],
                )
            )
    report.leaves = read + sum(1 for _ in leaves)
    if report.leaves != report.events:
        report.add(
            Problem("count", f"the log holds {report.events} events but {report.leaves} leaves")
        )


def _started_origin(state: bytes) -> str:
    try:
        return str(orjson.loads(state)["origin"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return ""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _check_held(item: _Held, tree: _Tree, trusted: Sequence[VerifierKey], report: Report) -> None:
    label = f"the checkpoint recorded at position {item.position}"
    result = CheckpointResult(label)
    report.checkpoints.append(result)
    try:
        recorded = orjson.loads(item.state)["checkpoint"]
        note_text = str(recorded["note"])
        facts = (str(recorded["origin"]), int(recorded["size"]), str(recorded["root"]))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        report.add(Problem("checkpoint", f"{label} cannot be read", item.position))
        return
    checkpoint = _signed(label, note_text.encode(), trusted, result, report, item.position)
    if checkpoint is None:
        return
    if facts != (checkpoint.origin, checkpoint.size, checkpoint.root_b64):
        report.add(
            Problem("checkpoint", f"{label} differs from the note signed in it", item.position)
        )
    if checkpoint.size > item.index:
        report.add(
            Problem(
                "checkpoint",
                f"{label} claims {checkpoint.size} events, but only {item.index} came before it",
                item.position,
            )
        )
        return
    _compare(label, checkpoint, tree, result, report)


def _check_given(
    label: str,
    data: bytes,
    origin: str | None,
    tree: _Tree,
    trusted: Sequence[VerifierKey],
    report: Report,
) -> None:
    label = f"checkpoint {label}"
    result = CheckpointResult(label)
    report.checkpoints.append(result)
    checkpoint = _signed(label, data, trusted, result, report, None)
    if checkpoint is None:
        return
    if origin and checkpoint.origin != origin:
        report.add(
            Problem(
                "checkpoint",
                f"{label} is for the log {checkpoint.origin}, not for this one ({origin})",
            )
        )
        return
    _compare(label, checkpoint, tree, result, report)


def _signed(
    label: str,
    data: bytes,
    trusted: Sequence[VerifierKey],
    result: CheckpointResult,
    report: Report,
    position: int | None,
) -> Checkpoint | None:
    """The checkpoint in ``data``, its signature checked when there are trusted keys."""
    try:
        note = Note.parse(data)
        checkpoint = Checkpoint.parse(note.text)
    except NoteError as e:
        report.add(Problem("checkpoint", f"{label} is not a signed checkpoint: {e}", position))
        return None
    result.size, result.root, result.origin = (
        checkpoint.size,
        checkpoint.root_b64,
        checkpoint.origin,
    )
    result.signed_by = [s.key for s in note.signatures]
    if trusted:
        try:
            _, keys = open_note(data, trusted)
        except NoteError as e:
            result.signature = "refused"
            report.add(Problem("signature", f"{label}: {e}", position))
            return checkpoint
        result.signature = "trusted"
        result.signed_by = [str(k) for k in keys]
    return checkpoint


def _compare(
    label: str, checkpoint: Checkpoint, tree: _Tree, result: CheckpointResult, report: Report
) -> None:
    size, n = checkpoint.size, tree.size
    if size > n:
        last = f"up to position {tree.position(n)}" if n else "no events"
        report.add(
            Problem(
                "rollback",
                f"ROLLBACK: {label} covers {size} events, but the log holds only {n} ({last}): "
                "events were removed from its end",
                tree.position(n) if n else None,
            )
        )
        result.consistent = False
        return
    found = tree.root(size)
    result.consistent = found == checkpoint.root
    if result.consistent:
        return
    at = tree.position(size) if size else 0
    kind, head = ("fork", "FORK") if size == n else ("rewritten", "REWRITTEN")
    report.add(
        Problem(
            kind,
            f"{head}: {label} has root {checkpoint.root_b64} for the first {size} events (up to "
            f"position {at}), but they give {_b64(found)}: the log was rewritten at or before "
            f"position {at}",
            at,
        )
    )
