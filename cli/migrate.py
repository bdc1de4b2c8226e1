"""Moving a ledger to PostgreSQL: ``collective migrate --to postgresql://...``."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import click

from cli.common import json_option
from cli.output import echo, print_json, say

if TYPE_CHECKING:
    from ledger.migrate import Migrated

__all__ = ["migrate"]


@click.command()
@click.option(
    "--to",
    "target",
    required=True,
    metavar="URL",
    help="The empty PostgreSQL database to copy the ledger into: "
    "postgresql://user:pass@host:port/db (add ?schema=NAME for a schema other than public).",
)
@json_option
def migrate(target: str, as_json: bool) -> None:
    """Copy the SQLite ledger (--store) into an empty PostgreSQL database, keeping everything.

    Every event keeps its stored bytes, its aggregate, version and topic, and its log
    position, so receipts and checkpoints issued before stay valid. The audit log is
    recomputed from the copied events and must have the same root as in SQLite; request ids
    and the ledger's settings come along. The copy is verified before it is committed: if
    anything fails, the database is left as it was. While it copies, the SQLite file is
    locked for writing. Read models are rebuilt from the events on the first read. The
    whole move, step by step: docs/operations.md.

    \b
    Example:
      collective --store collective.db migrate \\
          --to postgresql://collective_owner:secret@db.example.org:5432/collective
    """
    from cli.output import progress_bar
    from ledger.migrate import Migration

    store = click.get_current_context().find_root().obj.store
    with Migration(store, target) as move, progress_bar("Copying events", move.total) as step:
        done = move.run(progress=step)
    if as_json:
        print_json(done.as_json())
    else:
        for line in _summary(done):
            echo(line)
    say(
        "Next: point --store (or COLLECTIVE_STORE) at the PostgreSQL URL, and keep "
        f"{done.source} unchanged as the record of the move."
    )


def _summary(done: Migrated) -> list[str]:
    where = (
        f"log positions {done.first_position}-{done.last_position}" if done.events else "no events"
    )
    held = done.checkpoints
    return [
        f"Copied {done.events} events ({where}) from {done.source} to {done.target} "
        f"in {done.seconds:.1f} s.",
        f"Audit log: tree size {done.events}, root {base64.b64encode(done.root).decode()} "
        "(the same as before the move).",
        f"Also copied: {done.requests} request ids, {len(done.meta)} ledger settings.",
        f"Verified: OK ({held} checkpoint{'' if held == 1 else 's'} held in the ledger "
        "consistent with the copy).",
    ]
