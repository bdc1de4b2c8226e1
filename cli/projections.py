"""The read models: ``collective projections status|rebuild``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from cli.common import json_option, ledger
from cli.output import print_json, print_table, say

__all__ = ["progress_bar", "projections"]


@click.group()
def projections() -> None:
    """The read models that reports use, kept up to date from the event log.

    Every read command brings them up to date first; these commands show where they stand and
    rebuild them from scratch.

    \b
    Example:
      collective projections status
      collective projections rebuild decisions
    """


@projections.command()
@json_option
def status(as_json: bool) -> None:
    """Each read model's position in the log and how many events it is behind.

    \b
    Example:
      collective projections status --json
    """
    from projections.registry import Views

    with ledger() as app:
        rows = Views(app, notice=say).status()
    if as_json:
        print_json(rows)
        return
    print_table(
        ["projection", "position", "behind", "schema"],
        [(r["name"], r["position"], r["lag"], r["schema"]) for r in rows],
    )


@projections.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
def rebuild(names: tuple[str, ...]) -> None:
    """Rebuild read models from the start of the log (all of them when no NAME is given).

    \b
    Example:
      collective projections rebuild
      collective projections rebuild log roster
    """
    from projections.registry import Views

    with ledger() as app:
        total = app.event_count()
        with progress_bar("Rebuilding", total) as advance:
            read = Views(app, notice=say).rebuild(list(names), progress=advance)
    say(f"Rebuilt {', '.join(names) or 'every projection'} from {read} events.")


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (silent when stderr is not a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)
