"""``collective export csv|jsonl|xlsx|parquet|datapackage``: the tables, for spreadsheets, BI
tools and data portals (see ``projections/exports/tabular.py`` and ``datapackage.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from cli.export import export_command

if TYPE_CHECKING:
    from projections.exports import ExportRequest

__all__ = [
    "csv_export",
    "datapackage_export",
    "jsonl_export",
    "parquet_export",
    "threshold_option",
    "xlsx_export",
]


def threshold_option(command: click.Command) -> click.Command:
    """Add ``--threshold N`` (the small-cell threshold; by default the collective's) to an
    export subcommand. The format's ``write`` reads it with
    ``click.get_current_context().params["threshold"]``.
    """
    from cli.export_options import threshold

    threshold(command)
    run = command.callback
    assert run is not None

    def callback(**options: Any) -> Any:
        options.pop("threshold", None)
        return run(**options)

    command.callback = callback
    return command


def _tables(name: str, summary: str, example: str, *, folder: bool = True) -> click.Command:
    def write(request: ExportRequest) -> None:
        given = click.get_current_context().params["threshold"]
        if given is None:
            from projections.roster import threshold as collective_threshold

            given = collective_threshold(request.views, request.collective, request.at)
        threshold = int(given)
        if name == "datapackage":
            from projections.exports.datapackage import write_datapackage

            write_datapackage(request, threshold)
        else:
            from projections.exports.tabular import WRITERS

            WRITERS[name](request, threshold)

    make: Callable[[Callable[[ExportRequest], Any]], click.Command] = export_command(
        name, summary, example, folder=folder
    )
    return threshold_option(make(write))


csv_export = _tables(
    "csv",
    "One CSV file per table (UTF-8 with a byte-order mark, for Excel; ISO dates; exact "
    "decimals), in the folder --out.",
    "collective export csv --out exports/csv --as-of 2025-06-30",
)
jsonl_export = _tables(
    "jsonl",
    "One JSON Lines file per table (an object per line, keys in column order), in the folder "
    "--out.",
    "collective export jsonl --out exports/jsonl",
)
xlsx_export = _tables(
    "xlsx",
    "One workbook with a sheet per table (typed cells, header row frozen).",
    "collective export xlsx --out report.xlsx",
    folder=False,
)
parquet_export = _tables(
    "parquet",
    "One Parquet file per table (typed columns, exact decimals), in the folder --out. Needs "
    "the parquet extra (pyarrow).",
    "collective export parquet --out exports/parquet",
)
datapackage_export = _tables(
    "datapackage",
    "A Frictionless Data Package (v2): datapackage.json with a Table Schema per table, and the "
    "CSVs, in the folder --out.",
    "collective export datapackage --out exports/package",
)
