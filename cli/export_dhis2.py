"""``collective export dhis2-json|dhis2-csv|dhis2-map``: data value sets for DHIS2, and the
mapping from the ledger's codes to the DHIS2 instance's."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.common import as_of_option, context, json_option, ledger_part, on_option, reason_option
from cli.common import report as report_receipt
from cli.export_options import export_with_options, threshold
from cli.output import print_json, print_table

if TYPE_CHECKING:
    from projections.exports import ExportRequest

__all__ = ["dhis2_csv", "dhis2_json", "dhis2_map"]

KINDS = ("data-element", "org-unit", "category-option-combo", "attribute-option-combo")

_strict = click.option(
    "--strict",
    is_flag=True,
    help="Refuse any data element, org unit or cell without a code set in the ledger "
    "(see `collective export dhis2-map`).",
)
_IMPORT = "import with idScheme=CODE"


@export_with_options(
    "dhis2-json",
    "A DHIS2 data value set (JSON) of every effective value, by code: POST it to "
    f"/api/dataValueSets ({_IMPORT}).",
    "collective export dhis2-json --out values.json --as-of 2026-10-31",
    _strict,
    threshold,
)
def dhis2_json(request: ExportRequest) -> str:
    from projections.exports.dhis2 import write_json

    return _written(*write_json(request), request)


@export_with_options(
    "dhis2-csv",
    "A DHIS2 data value set (CSV, with a header row DHIS2 skips) of every effective value, by "
    f"code: POST it to /api/dataValueSets as application/csv ({_IMPORT}).",
    "collective export dhis2-csv --out values.csv --strict",
    _strict,
    threshold,
)
def dhis2_csv(request: ExportRequest) -> str:
    from projections.exports.dhis2 import write_csv

    return _written(*write_csv(request), request)


def _written(count: int, withheld: int, request: ExportRequest) -> str:
    if not withheld:
        return f"{count} data values"
    return (
        f"{count} data values; {withheld} withheld: counts below {request.options['threshold']}"
        " in a cell, or cells they could be worked out from"
    )


@click.group("dhis2-map")
def dhis2_map() -> None:
    """The DHIS2 codes of the collective's indicators, organisations and cells.

    Without a code set here, an indicator is its own data element code, an organisation its slug
    upper-cased (org unit) and default (attribute option combo), a cell its categories
    upper-cased in the indicator's dimension order (FEMALE_6-14), the total default. Once
    one cell of an indicator has a code, every cell of it needs one.

    \b
    Example:
      collective --actor meera export dhis2-map set data-element SS-EDU-01 KA_EDU_ENROLLED
      collective --actor meera export dhis2-map set org-unit hasiru-dala KA_BLR_HD
      collective --actor meera export dhis2-map set category-option-combo \\
          SS-FIN-01/sex=female SEX_F
      collective export dhis2-map show
    """


@dhis2_map.command("set")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("key")
@click.argument("code")
@on_option
@reason_option()
def set_code(kind: str, key: str, code: str, on: str | None, reason: str | None) -> None:
    """Give KEY the DHIS2 CODE: KEY is an indicator code (data-element), an organisation slug
    (org-unit, attribute-option-combo) or CODE/CELL (category-option-combo), e.g.
    SS-EDU-01/age=6-14,sex=female or SS-EDU-01/total.

    \b
    Example:
      collective --actor meera export dhis2-map set category-option-combo \\
          SS-EDU-01/age=6-14,sex=female F_6_14
    """
    from domain.dhis2 import MappingKind, normal_key
    from ledger.dhis2 import Dhis2Commands

    with ledger_part(Dhis2Commands) as app:
        receipt = app.set_dhis2_mapping(MappingKind(kind), key, code, context(on, reason))
    shown = normal_key(MappingKind(kind), key)
    report_receipt(receipt, f"{kind} {shown} maps to DHIS2 code {code.strip()}")


@dhis2_map.command("clear")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("key")
@on_option
@reason_option()
def clear_code(kind: str, key: str, on: str | None, reason: str | None) -> None:
    """Let KEY map to its default DHIS2 code again.

    \b
    Example:
      collective --actor meera export dhis2-map clear org-unit hasiru-dala \\
          --reason "the state instance uses our slugs"
    """
    from domain.dhis2 import MappingKind, normal_key
    from ledger.dhis2 import Dhis2Commands

    with ledger_part(Dhis2Commands) as app:
        receipt = app.clear_dhis2_mapping(MappingKind(kind), key, context(on, reason))
    shown = normal_key(MappingKind(kind), key)
    report_receipt(receipt, f"{kind} {shown} maps to its default DHIS2 code again")


@dhis2_map.command("show")
@json_option
@as_of_option
def show(as_of: str | None, as_json: bool) -> None:
    """Every code an export would use, and where it comes from (set, default, or missing).

    \b
    Example:
      collective export dhis2-map show --json
    """
    from cli.common import as_of_time, ledger
    from cli.output import say
    from projections.exports.dhis2 import mapping_table
    from projections.registry import Views

    obj = click.get_current_context().find_root().obj
    with ledger() as app:
        views = Views(app, notice=say)
        views.refresh()
        at = views.position(as_of_time(app, as_of))
        rows = mapping_table(views, app.collective(obj.collective).slug, at)
    if as_json:
        print_json(rows)
        return
    print_table(
        ("kind", "key", "DHIS2 code", "source"),
        ([r["kind"], r["key"], r["code"], r["source"]] for r in rows),
    )
