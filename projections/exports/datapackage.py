"""A Frictionless Data Package (v2): ``datapackage.json`` and one CSV per table.

The descriptor carries a Table Schema per table, made from the columns of
``projections.exports.tables``: types, required and unique constraints, enums for the closed
vocabularies, primary keys and foreign keys between the tables (values -> indicators,
indicator_versions and organisations; funding -> organisations; ...). Validate the folder with
``frictionless validate FOLDER/datapackage.json``.

The CSVs of a package are plain UTF-8, without the byte-order mark of ``collective export csv``.
frictionless itself accepts the mark, but a package is read by programs that trust the declared
``"encoding": "utf-8"`` (pandas, R's frictionless), which would read the mark into the first
column's name; people who open tables in Excel use ``collective export csv`` or ``xlsx``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from projections.exports import ExportRequest, written_dir
from projections.exports.tables import TABLES, Column, Source, Table
from projections.exports.tabular import check_out, os_errors, write_table_csv

__all__ = ["PROFILE", "descriptor", "write_datapackage"]

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}


def _field(column: Column, primary: tuple[str, ...]) -> dict[str, Any]:
    constraints: dict[str, Any] = {}
    if column.required or column.name in primary:
        constraints["required"] = True
    if primary == (column.name,):
        constraints["unique"] = True
    if column.enum:
        constraints["enum"] = list(column.enum)
    found: dict[str, Any] = {
        "name": column.name,
        "type": column.type,
        "description": column.description,
    }
    if column.type == "boolean":
        found["trueValues"] = ["True"]
        found["falseValues"] = ["False"]
    if constraints:
        found["constraints"] = constraints
    return found


def _resource(table: Table) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [_field(c, table.primary_key) for c in table.columns],
        "primaryKey": list(table.primary_key),
    }
    if table.foreign_keys:
        schema["foreignKeys"] = [
            {
                "fields": list(key.fields),
                "reference": {"resource": key.table, "fields": list(key.reference)},
            }
            for key in table.foreign_keys
        ]
    return {
        "name": table.name,
        "type": "table",
        "path": f"{table.name}.csv",
        "scheme": "file",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "title": table.title,
        "description": table.description,
        "schema": schema,
    }


def descriptor(src: Source, request: ExportRequest, name: str) -> dict[str, Any]:
    """The ``datapackage.json`` of an export of ``src``; ``name`` is the collective's name."""
    position = src.at if src.at is not None else _last_position(src)
    return {
        "$schema": PROFILE,
        "name": src.collective,
        "title": f"{name}: the collective's shared measurement, activities, decisions and funding",
        "description": (
            f"Exported from the collective-ledger of {name} as of log position {position}. "
            f"Counts below {src.threshold} in a disaggregation cell, and any figure from which "
            "one could be worked out, are withheld and marked suppressed=True."
        ),
        "version": f"1.0.{position}",
        "created": request.generated_at.isoformat().replace("+00:00", "Z"),
        "licenses": [LICENSE],
        "sources": [
            {
                "title": f"The event log of {name} (collective-ledger), up to position {position}",
            }
        ],
        "keywords": ["collective impact", "shared measurement", src.collective],
        "resources": [_resource(table) for table in TABLES],
    }


def _last_position(src: Source) -> int:
    rows = src.db.query(f"SELECT MAX(position) AS n FROM {src.table('view_log')}")
    return int(rows[0]["n"] or 0)


def _name(src: Source) -> str:
    rows = src.query(
        f"SELECT name FROM {src.table('view_collectives')} WHERE collective = ? AND {src.visible()}"
    )
    return str(rows[0]["name"]) if rows else src.collective


def write_datapackage(request: ExportRequest, threshold: int) -> None:
    out = request.out
    names = ["datapackage.json", *(f"{t.name}.csv" for t in TABLES)]
    check_out(out, folder=True, names=names)
    src = Source(request, threshold)
    package = descriptor(src, request, _name(src))
    with os_errors(out), written_dir(out) as folder:
        for table in TABLES:
            write_table_csv(src, table, folder / f"{table.name}.csv", bom=False)
        text = orjson.dumps(package, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
        Path(folder / "datapackage.json").write_bytes(text)
