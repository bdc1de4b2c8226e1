"""An export subcommand with options of its own (``--strict``, ``--reporting-org`` ...).

The same steps as :func:`cli.export.export_command` (catch up, resolve ``--as-of``, build the
:class:`~projections.exports.ExportRequest`, write), with the format's own options handed to the
writer in ``request.options``. The writer may return a few words on what it wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from cli.common import InputError, as_of_option, as_of_time, ledger
from cli.output import say

if TYPE_CHECKING:
    from projections.exports import ExportRequest

__all__ = ["export_with_options", "threshold"]

Decorator = Callable[[Any], Any]


def threshold(command: Any) -> Any:
    """``--threshold N``: the small-cell threshold, as the table exports take it."""
    return click.option(
        "--threshold",
        type=click.IntRange(min=0),
        default=None,
        help="Withhold counts below this in a disaggregation cell (and any figure they could be "
        "worked out from); 0 withholds nothing. Default: the collective's threshold (10 unless "
        "set with `collective export threshold`).",
    )(command)


def export_with_options(
    name: str, summary: str, example: str, *extra: Decorator
) -> Callable[[Callable[[ExportRequest], str | None]], click.Command]:
    """A format's subcommand: ``--out``, ``--as-of`` and the ``extra`` click options."""

    def wrap(write: Callable[[ExportRequest], str | None]) -> click.Command:
        @click.command(name, help=f"{summary}\n\n\b\nExample:\n  {example}")
        @click.option("--out", required=True, type=click.Path(), help="The file to write.")
        @as_of_option
        def command(out: str, as_of: str | None, **options: Any) -> None:
            from datetime import UTC, datetime
            from pathlib import Path

            from projections.exports import ExportRequest
            from projections.registry import Views

            obj = click.get_current_context().find_root().obj
            with ledger() as app:
                moment = as_of_time(app, as_of)
                views = Views(app, notice=say)
                views.refresh()
                slug, at = app.collective(obj.collective).slug, views.position(moment)
                if "threshold" in options and options["threshold"] is None:
                    from projections.roster import threshold as collective_threshold

                    options["threshold"] = collective_threshold(views, slug, at)
                request = ExportRequest(
                    views=views,
                    collective=slug,
                    at=at,
                    generated_at=moment or datetime.now(UTC).replace(microsecond=0),
                    out=Path(out),
                    options=options,
                )
                try:
                    what = write(request)
                except OSError as error:
                    raise InputError(_unwritable(out, error)) from None
            say(f"Wrote {out}" + (f" ({what})" if what else ""))

        for option in extra:
            command = option(command)
        return command

    return wrap


def _unwritable(out: str, error: OSError) -> str:
    """One line on why ``out`` cannot be written."""
    from pathlib import Path

    for parent in Path(out).parents:
        if parent.exists():
            if not parent.is_dir():
                return f"cannot write {out}: {parent} is not a folder"
            break
    return f"cannot write {out}: {error.strerror or error}"
