"""The audit bundle: a ledger's events, leaves and checkpoints as plain files, for auditors.

``collective audit bundle --out DIR`` writes the events exactly as stored (their bytes in base64),
the leaves as stored, and every checkpoint the ledger issued; ``collective audit verify DIR``
verifies them with the same code as a live ledger (:class:`~ledger.sources.BundleSource`), with no
database. The folder is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import base64
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import orjson

from domain.audit import AuditLog
from ledger.sources import BUNDLE_FORMAT, EventSource

__all__ = ["BundleSummary", "write_bundle"]

_SORTED = orjson.OPT_SORT_KEYS

README = """\
An audit bundle of a collective-ledger ledger
=============================================

Origin of the log: {origin}
Events: {events} (last log position {last_position}); leaves: {leaves}; checkpoints held: {held}
Written: {written}

What is here
------------
events.jsonl    every stored event, in log order, exactly as stored: its log position, aggregate
                id, version, topic, and its stored bytes (base64 in "state")
leaves.jsonl    the audit-log leaves stored beside the events (leaf index, position, hash)
checkpoints/    every checkpoint the ledger says it signed, one file each, named by the log
                position of the event that records it (these are also in events.jsonl)
manifest.json   what the bundle holds

How to check it (nothing but the collective-ledger package is needed, no database)
---------------
1. Get the backbone's verifier key (a line like NAME+1a2b3c4d+AbC...) from the backbone itself,
   through a channel other than this bundle (a signed letter, a meeting, their website).
2. Use a checkpoint you kept yourself from an earlier exchange (or a receipt's checkpoint); the
   ones inside this bundle come from the same hands as the events.
3. Run:

    collective audit verify {folder} --checkpoint YOUR.checkpoint --trusted-key VKEY

   It recomputes every leaf and the tree from the events, checks each aggregate's versions, and
   checks your checkpoint and every checkpoint held against the tree. Exit status 0 means that
   everything verifies; otherwise one line per problem names the log position concerned.

See docs/audit.md in the package for what each problem line means.
"""


@dataclass(frozen=True)
class BundleSummary:
    folder: Path
    events: int
    leaves: int
    checkpoints: int
    origin: str | None


def write_bundle(source: EventSource, out: Path) -> BundleSummary:
    """Write the bundle of ``source`` into the new folder ``out``."""
    if out.exists():
        raise ValueError(f"{out} already exists: give a new folder for the bundle")
    if not out.parent.is_dir():
        raise ValueError(f"cannot create {out}: the folder {out.parent} does not exist")
    work = out.with_name(f".{out.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        work.mkdir()
        (work / "checkpoints").mkdir()
        summary = _write(source, work, out)
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return summary


def _write(source: EventSource, work: Path, out: Path) -> BundleSummary:
    origins: list[str] = []
    held = 0
    last_position = None
    with (work / "events.jsonl").open("wb") as events:
        count = 0
        for position, ident, version, topic, state in source.events():
            _line(
                events,
                position=position,
                aggregate_id=ident,
                version=version,
                topic=topic,
                state=base64.b64encode(state).decode(),
            )
            count += 1
            last_position = position
            if topic == AuditLog.CheckpointIssued.TOPIC:
                held += _write_checkpoint(work, position, state)
            elif topic == AuditLog.Started.TOPIC:
                origins.append(_origin(state))
    with (work / "leaves.jsonl").open("wb") as leaves:
        leaf_count = 0
        for index, position, digest in source.leaves():
            _line(leaves, leaf=index, position=position, hash=base64.b64encode(digest).decode())
            leaf_count += 1
    origin = origins[0] if origins else source.origin()
    manifest = {
        "format": BUNDLE_FORMAT,
        "version": 1,
        "origin": origin,
        "events": count,
        "leaves": leaf_count,
        "last_position": last_position,
        "checkpoints": held,
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    (work / "README.txt").write_text(
        README.format(folder=out, held=held, **manifest), encoding="utf-8"
    )
    (work / "manifest.json").write_bytes(
        orjson.dumps(manifest, option=_SORTED | orjson.OPT_INDENT_2) + b"\n"
    )
    return BundleSummary(out, count, leaf_count, held, origin)


def _line(handle: IO[bytes], **fields: object) -> None:
    handle.write(orjson.dumps(fields, option=_SORTED) + b"\n")


def _write_checkpoint(work: Path, position: int, state: bytes) -> int:
    try:
        note = str(orjson.loads(state)["checkpoint"]["note"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return 0  # verification reports it; the bundle keeps the event as stored
    (work / "checkpoints" / f"{position}.checkpoint").write_text(note, encoding="utf-8")
    return 1


def _origin(state: bytes) -> str:
    try:
        return str(orjson.loads(state)["origin"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return ""
