"""Printing for people (tables) and programs (``--json``), always as UTF-8 bytes.

Writing bytes rather than text keeps Bengali and Kannada intact when the output is redirected on a
system whose console encoding is not UTF-8 (Windows). Messages, colour and progress go to stderr
through rich, which stays plain when stderr is not a terminal and honours ``NO_COLOR``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

__all__ = ["echo", "fail", "print_json", "print_table", "progress_bar", "say"]


def echo(text: str) -> None:
    """Write ``text`` and a newline to stdout as UTF-8 bytes."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (some test runners)
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    else:
        buffer.write((text + "\n").encode("utf-8"))
        buffer.flush()


def print_json(value: Any) -> None:
    """Write ``value`` as indented JSON with sorted keys (stable, diffable, hashable)."""
    import orjson

    text = orjson.dumps(
        value,
        option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
        default=_default,
    ).decode("utf-8")
    echo(text)


def _default(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def print_table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str | None = None
) -> None:
    """Write a table for people to read."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    buffer = io.StringIO()
    Console(file=buffer, width=_width(), color_system=None, highlight=False).print(table)
    echo(buffer.getvalue().rstrip("\n"))


def _width() -> int:
    import shutil

    return max(80, shutil.get_terminal_size((120, 24)).columns)


def say(message: str) -> None:
    """A message for the person at the terminal (stderr; plain text, so no rich import)."""
    click.echo(message, err=True)


def fail(message: str) -> None:
    """``Error: <one line>`` on stderr and exit 1."""
    line = " ".join(message.split()) or "the command was refused"
    click.echo(f"Error: {line}", err=True)
    sys.exit(1)


@contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (silent when stderr is not a terminal).

    ``total`` ``None`` shows a count without an end (a file read as it streams).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns: list[Any] = ["[progress.description]{task.description}", BarColumn()]
    if total is None:
        from rich.progress import TextColumn

        columns.append(TextColumn("{task.completed:,} rows"))
    else:
        columns += [MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)
