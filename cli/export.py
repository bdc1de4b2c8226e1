"""``collective export FORMAT --out PATH``: files for spreadsheets, BI tools, DHIS2 and IATI.

Each format is a subcommand in its own module (loaded only when used); they share the options
and the steps of :func:`export_command`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from cli.common import as_of_option, as_of_time, ledger, on_option, reason_option
from cli.output import say

if TYPE_CHECKING:
    from projections.exports import ExportRequest

__all__ = ["FORMATS", "export", "export_command"]

# format -> (module, attribute, one-line help). Each module defines a click command.
FORMATS: dict[str, tuple[str, str, str]] = {
    "csv": ("cli.export_tables", "csv_export", "One CSV per table (UTF-8 with BOM, for Excel)."),
    "jsonl": ("cli.export_tables", "jsonl_export", "One JSON Lines file per table."),
    "xlsx": ("cli.export_tables", "xlsx_export", "One workbook, a sheet per table."),
    "parquet": ("cli.export_tables", "parquet_export", "One Parquet file per table (typed)."),
    "datapackage": ("cli.export_tables", "datapackage_export", "Frictionless Data Package v2."),
    "dhis2-json": ("cli.export_dhis2", "dhis2_json", "DHIS2 data value set, JSON (idScheme=CODE)."),
    "dhis2-csv": ("cli.export_dhis2", "dhis2_csv", "DHIS2 data value set, CSV (idScheme=CODE)."),
    "dhis2-map": ("cli.export_dhis2", "dhis2_map", "The DHIS2 codes of indicators, orgs, cells."),
    "iati": ("cli.export_iati", "iati", "IATI 2.03 activity file (XML) of the collective."),
}


class _Formats(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *FORMATS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in FORMATS:
            import importlib

            module, attribute, _ = FORMATS[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            from domain.errors import NotFound

            known = ", ".join(sorted(FORMATS)) or "none yet"
            raise NotFound("export format", name, f"use one of {known}")
        return super().resolve_command(ctx, args)


@click.group(cls=_Formats)
def export() -> None:
    """Export the projections for other tools (one subcommand per format).

    \b
    Example:
      collective export csv --out exports/
      collective export xlsx --out report.xlsx --as-of 2025-06-30
    """


@export.command("threshold")
@click.argument("count", type=int)
@on_option
@reason_option()
def threshold(count: int, on: str | None, reason: str | None) -> None:
    """Set the collective's small-cell threshold: in every export, a disaggregated count below
    COUNT (and any figure it could be worked out from) is withheld and marked as such.

    \b
    Example:
      collective --actor meera export threshold 20 --reason "community circle asked for 20"
    """
    from cli.common import context, report

    recording = context(on, reason)
    with ledger() as app:
        report(app.set_threshold(count, recording), f"Threshold set to {count}")


def export_command(
    name: str, summary: str, example: str, *, folder: bool = False
) -> Callable[[Callable[[ExportRequest], Any]], click.Command]:
    """A format's subcommand: ``--out``, ``--as-of``; catches up, then calls ``write``."""

    def wrap(write: Callable[[ExportRequest], Any]) -> click.Command:
        help_text = f"{summary}\n\n\b\nExample:\n  {example}"

        @click.command(name, help=help_text)
        @click.option(
            "--out",
            required=True,
            type=click.Path(),
            help="The folder to write." if folder else "The file to write.",
        )
        @as_of_option
        def command(out: str, as_of: str | None) -> None:
            from datetime import UTC, datetime
            from pathlib import Path

            from projections.exports import ExportRequest
            from projections.registry import Views

            obj = click.get_current_context().find_root().obj
            with ledger() as app:
                moment = as_of_time(app, as_of)
                views = Views(app, notice=say)
                views.refresh()
                at = views.position(moment)
                request = ExportRequest(
                    views=views,
                    collective=app.collective(obj.collective).slug,
                    at=at,
                    generated_at=moment or datetime.now(UTC).replace(microsecond=0),
                    out=Path(out),
                )
                try:
                    write(request)
                except OSError as error:
                    from domain.errors import RuleViolation

                    why = error.strerror or str(error)
                    raise RuleViolation(f"cannot write {out}: {why}") from None
            say(f"Wrote {out}")

        return command

    return wrap
