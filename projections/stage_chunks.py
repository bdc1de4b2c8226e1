"""Stage chunks of a ledger's log for a rebuild, in a process of its own (``projections/bulk.py``).

Run as ``python -I stage_chunks.py`` with the work as JSON on stdin::

    {"ledger": PATH, "create": SQL, "stage": SQL, "topics": [...],
     "chunks": [[START, STOP, FILE, N], ...]}

For each chunk in turn: attach FILE as ``chunk``, create the staging table there with ``create``,
fill it with ``stage`` for positions ``(START, STOP]`` of the events of ``topics``, commit, and
print ``N`` on a line of stdout once the file is complete. Any failure is one line on stderr and
exit status 1. The ledger is only read.

This file imports nothing but the standard library (it starts in a few milliseconds), and it is
a process rather than a thread because SQLite's allocator takes a lock shared by every
connection of a process: two threads running SQLite statements side by side measured slower than
one doing both (``docs/benchmarks.md``).
"""

from __future__ import annotations

import json
import sqlite3
import sys


def main() -> int:
    work = json.load(sys.stdin)
    try:
        db = sqlite3.connect(work["ledger"], isolation_level=None)
        try:
            for start, stop, file, n in work["chunks"]:
                db.execute("ATTACH ? AS chunk", [file])
                db.execute("PRAGMA chunk.journal_mode = OFF")  # thrown away after the rebuild
                db.execute("PRAGMA chunk.synchronous = OFF")
                db.execute("BEGIN")
                db.execute(work["create"])
                db.execute(work["stage"], [start, stop, *work["topics"]])
                db.execute("COMMIT")
                db.execute("DETACH chunk")
                print(n, flush=True)
        finally:
            db.close()
    except (sqlite3.Error, OSError) as e:
        print(f"staging the log failed: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
