"""A second process that writes an import's events while the first still checks the file.

An import of a large file spends its time in two kinds of work that can run side by side on two
cores: Python reading and checking rows and building their events, and SQLite inserting them,
hashing their audit-log leaves and committing. On a SQLite ledger in a file, ``import values``
starts this process with the first 2,000 checked values and hands it the events of the checked
rows, a slice at a time; it inserts them in one transaction, with their leaves, the subtrees
they complete and the file's id (:class:`ledger.sqlite.RowWriter`, as the one-process path),
and commits only when told to, once the whole file is checked and found right. Told nothing, or
told to stop, or finding its input closed (the first process died), it rolls back: a file is
wholly in the ledger or not at all.

(A thread would not do: Python's sqlite3 takes its lock back for every row of an
``executemany``, and the checking thread holds it most of the time.)

Between the two processes: on the child's stdin, frames of an 8-byte length and a payload whose
first byte says what it is (``H`` the job as JSON, ``R`` a pickled list of event rows, ``C`` the
request id to commit under); on its stdout, one JSON line, the positions written or the error.
"""

from __future__ import annotations

import contextlib
import json
import pickle
import queue
import sqlite3
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any, NoReturn

from eventsourcing.persistence import IntegrityError

from ledger.faults import busy
from ledger.store import StoreError

__all__ = ["BackgroundWriter", "serve"]

_LENGTH = struct.Struct(">Q")


class BackgroundWriter:
    """The first process's side: start the writer, send it events, have it commit."""

    def __init__(self, ledger: str, statement: str, timeout: float) -> None:
        self.timeout = timeout
        root = str(Path(__file__).resolve().parents[2])
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-I",
                "-c",
                f"import sys; sys.path.insert(0, {root!r}); "
                "from ledger.imports.writer import serve; sys.exit(serve())",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        # a thread writes to the pipe (the pipe holds 64 KB; writing releases Python's lock), so
        # that checking goes on while the writer starts or is busy
        self.outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.sender = threading.Thread(target=self._send, name="import-writer-pipe", daemon=True)
        self.sender.start()
        self._frame(b"H" + json.dumps({"ledger": ledger, "statement": statement,
                                        "timeout": timeout}).encode())  # fmt: skip
        self.sent = 0

    def send(self, rows: list[tuple[str, int, str, bytes]]) -> None:
        """Events to insert, after those sent before."""
        if rows:
            self._frame(b"R" + pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))
            self.sent += len(rows)

    def commit(self, request_id: str) -> tuple[int, int]:
        """Commit what was sent, under ``request_id``; the first and last positions written.

        Raises the library's ``IntegrityError`` when a request id or an event's version exists
        already (written meanwhile by another process): nothing was written then."""
        self._frame(b"C" + request_id.encode())
        self.outbox.put(None)
        self.sender.join()
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        self._end()
        try:
            found: dict[str, Any] = json.loads(line)
        except ValueError:
            found = {"error": "other", "message": f"it stopped (exit {self.process.returncode})"}
        if "first" not in found:
            self._fail(found)
        return int(found["first"]), int(found["last"])

    def _fail(self, found: dict[str, Any]) -> NoReturn:
        if found.get("error") == "integrity":
            raise IntegrityError(found["message"])
        if found.get("error") == "busy":
            raise busy(self.timeout)
        raise StoreError(
            f"the process writing the import failed ({found.get('message', found)}): nothing "
            "was recorded; import the file again"
        )

    def abandon(self) -> None:
        """Write nothing: the writer rolls back and ends."""
        self.outbox.put(None)
        self.sender.join()
        self._end()

    def _end(self) -> None:
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def _frame(self, payload: bytes) -> None:
        self.outbox.put(_LENGTH.pack(len(payload)) + payload)

    def _send(self) -> None:
        stream = self.process.stdin
        assert stream is not None
        try:
            while (frame := self.outbox.get()) is not None:
                stream.write(frame)
                stream.flush()
        except BrokenPipeError:  # the writer ended (its answer says why)
            pass
        finally:
            with contextlib.suppress(BrokenPipeError):
                stream.close()


def serve() -> int:
    """The writer process: insert what comes on stdin, commit when told to, answer on stdout."""
    source = sys.stdin.buffer
    head = _read(source)
    if head is None or head[:1] != b"H":
        return 2
    job = json.loads(head[1:])
    from ledger.sqlite import BULK_CACHE_KIB, SYNCHRONOUS, RowWriter

    db = sqlite3.connect(job["ledger"], timeout=job["timeout"], isolation_level=None)
    try:
        db.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
        db.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        writer = RowWriter(db.execute("BEGIN"), job["statement"])
        while (frame := _read(source)) is not None and frame[:1] == b"R":
            writer.add(pickle.loads(frame[1:]))  # (from the process that started this one)
        if frame is None or frame[:1] != b"C":  # the input ended: the first process stopped
            return 3
        first, last = writer.finish(frame[1:].decode())
        db.execute("COMMIT")
        _answer({"first": first, "last": last})
        return 0
    except sqlite3.IntegrityError as e:
        _answer({"error": "integrity", "message": str(e)})
    except sqlite3.OperationalError as e:
        locked = "database is locked" in str(e)
        _answer({"error": "busy" if locked else "other", "message": f"{type(e).__name__}: {e}"})
    except (sqlite3.Error, ValueError, RuntimeError) as e:
        _answer({"error": "other", "message": f"{type(e).__name__}: {e}"})
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")
        db.close()
    return 1


def _read(source: IO[bytes]) -> bytes | None:
    header = source.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(header)
    payload = source.read(size)
    return payload if len(payload) == size else None


def _answer(found: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(found) + "\n")
    sys.stdout.flush()
