"""``collective import``: the spreadsheets partners send, in; templates for them, out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.common import InputError, context, json_option, ledger_part, on_option
from cli.output import echo, print_json, print_table, progress_bar, say

if TYPE_CHECKING:
    from ledger.imports.commands import Imported
    from ledger.imports.plan import Plan

__all__ = ["import_group"]

_SHOWN = 50
"""Rows of a table printed for people; --json has them all."""


@click.group("import")
def import_group() -> None:
    """Partner reports from spreadsheets (CSV, XLSX, ODS), and templates for partners.

    \b
    Example:
      collective import template SS-EDU-01 SS-LIV-02 --out saamuhika-2024q1.xlsx
      collective --actor meera import values hasiru-dala-2024q1.xlsx --dry-run
      collective --actor meera import values hasiru-dala-2024q1.xlsx
    """


@import_group.command("values")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and say what it would record.")
@on_option
@json_option
def values(file: Path, dry_run: bool, on: str | None, as_json: bool) -> None:
    """Record the values of a partner's file: all of them, or none if any row is wrong.

    FILE is a CSV (UTF-8), XLSX or ODS file. Its header names the columns indicator,
    organisation, period and value, optionally note, evidence and reason, and one column per
    disaggregation dimension (sex, age...), empty where a row is not disaggregated by it. A
    template from `collective import template` is read as it is, one sheet per indicator.

    Every row is checked first; if any is wrong, all problems are listed (file, sheet, row,
    column, value, what is wrong) and nothing is recorded. A value the ledger holds already is
    skipped; a different value for it is a correction, recorded only if the row gives a reason.
    Importing the same file again records nothing new.

    \b
    Example:
      collective --actor meera import values hasiru-dala-2024q1.csv --dry-run
      collective --actor meera import values hasiru-dala-2024q1.csv
    """
    from ledger.imports.commands import ImportCommands, file_id
    from ledger.imports.sheets import read_tables

    recording = context(on)
    if not file.is_file():
        raise InputError(f"no file {str(file)!r}: give the path of a CSV, XLSX or ODS file")
    ident = file_id(file)
    with ledger_part(ImportCommands) as app:
        earlier = app.earlier_import(ident)
        if earlier is not None:
            _done(file, None, earlier, as_json, dry_run)
            return
        if dry_run:
            with progress_bar(f"Checking {file.name}", None) as advance:
                plan = app.check_import(read_tables(file), recording, progress=advance)
            if plan.problems:
                _problems(file, plan, as_json)
                return
            _done(file, plan, None, as_json, dry_run)
            return
        with progress_bar(f"Importing {file.name}", None) as advance:
            plan, imported = app.import_values(
                read_tables(file), ident, recording, progress=advance
            )
        if imported is None:
            _problems(file, plan, as_json)
            return
        _done(file, plan, imported, as_json, dry_run)


def _problems(file: Path, plan: Plan, as_json: bool) -> None:
    from cli.output import fail

    count = len(plan.problems)
    if as_json:
        print_json(
            {
                "file": str(file),
                "imported": False,
                "rows": plan.rows,
                "problems": [p.as_dict(str(file)) for p in plan.problems],
            }
        )
    else:
        shown = plan.problems[:_SHOWN]
        print_table(
            ("file", "sheet", "row", "column", "value", "what is wrong"),
            [
                (file.name, p.sheet or "", p.line, p.column, _short(p.value), p.problem)
                for p in shown
            ],
            title=f"{count} problem{'s' if count != 1 else ''} in {file.name}",
        )
        if count > _SHOWN:
            say(f"... and {count - _SHOWN} more (all of them with --json).")
    fail(
        f"{count} problem{'s' if count != 1 else ''} in {file.name} ({plan.rows} rows): "
        "nothing was imported; correct the file and import it again"
    )


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _done(
    file: Path, plan: Plan | None, imported: Imported | None, as_json: bool, dry_run: bool
) -> None:
    summary: dict[str, Any] = {"file": str(file), "dry_run": dry_run}
    if plan is not None:
        summary |= {
            "rows": plan.rows,
            "values": len(plan.values) - plan.corrections,
            "corrections": plan.corrections,
            "unchanged": plan.unchanged,
            "reports_opened": plan.new_reports,
        }
    if imported is not None:
        summary |= {
            "already_imported": imported.already,
            "events": imported.events,
            "first_position": imported.first or None,
            "last_position": imported.last or None,
        }
    if as_json:
        if dry_run and plan is not None:
            summary["would_record"] = [
                {
                    "sheet": p.sheet,
                    "row": p.line,
                    "indicator": p.code,
                    "organisation": p.org,
                    "period": p.period,
                    "cell": dict(p.cell),
                    "value": p.shown,
                    "correction_of": None if p.previous is None else p.previous.shown,
                    "reason": p.reason,
                }
                for p in plan.values
            ]
        print_json(summary)
        return
    if imported is not None and imported.already:
        say(
            f"{file.name} was imported already (log positions {imported.first}-{imported.last}): "
            "nothing new was recorded."
        )
        return
    assert plan is not None
    counts = (
        f"{summary['values']} new value{'s' if summary['values'] != 1 else ''}, "
        f"{plan.corrections} correction{'s' if plan.corrections != 1 else ''}, "
        f"{plan.unchanged} unchanged"
    )
    if dry_run:
        if plan.values:
            print_table(
                ("sheet", "row", "indicator", "organisation", "period", "cell", "value", "was"),
                [
                    (
                        p.sheet or "",
                        p.line,
                        p.code,
                        p.org,
                        p.period,
                        ", ".join(f"{k}={v}" for k, v in p.cell) or "total",
                        p.shown,
                        "" if p.previous is None else p.previous.shown,
                    )
                    for p in plan.values[:_SHOWN]
                ],
                title=f"{file.name} would record",
            )
            if len(plan.values) > _SHOWN:
                say(f"... and {len(plan.values) - _SHOWN} more (all of them with --json).")
        echo(
            f"Dry run: {file.name} has {plan.rows} rows and no problems: {counts}. Nothing written."
        )
        return
    assert imported is not None
    if imported.events == 0:
        say(f"Nothing new in {file.name}: all {plan.rows} values are in the ledger already.")
        return
    say(f"Imported {file.name}: {counts} (log positions {imported.first}-{imported.last}).")


@import_group.command("template")
@click.argument("codes", nargs=-1, required=True, metavar="CODE...")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The spreadsheet to write (.xlsx).",
)
@click.option("--org", default=None, help="Fill in this organisation (a partner's own copy).")
@click.option(
    "--periods",
    default=4,
    show_default=True,
    type=click.IntRange(1, 60),
    help="How many recent periods to offer in the period list.",
)
def template(codes: tuple[str, ...], out: Path, org: str | None, periods: int) -> None:
    """Write a spreadsheet for partners: one sheet per indicator, ready to fill and import.

    Each sheet has the columns the import expects, drop-down lists of the organisations, the
    recent periods and each dimension's categories, and a read-me sheet that explains how to
    fill it. What the template produces, `collective import values` reads unchanged.

    \b
    Example:
      collective import template SS-EDU-01 SS-LIV-02 --out saamuhika-2024q1.xlsx
      collective import template OP-WAGE-01 --org karmojibi-nari --out karmojibi.xlsx
    """
    from domain.errors import NotFound
    from ledger.core import Context
    from ledger.imports.commands import ImportCommands
    from ledger.imports.template import write_template

    if out.suffix.lower() != ".xlsx":
        raise InputError(f"the template is an .xlsx file: name it {out.stem}.xlsx, not {out.name}")
    obj = click.get_current_context().find_root().obj
    reading = Context(actor=obj.actor, collective=obj.collective)
    with ledger_part(ImportCommands) as app:
        sheets = app.template_sheets(list(codes), reading, periods=periods)
        members = app.members(reading)
        slug = app.collective(obj.collective).slug
    if org is not None and org not in members:
        raise NotFound("member", org, f"{org} is not a member of {slug}")
    write_template(out, slug, sheets, members, organisation=org)
    say(f"Wrote {out} ({len(sheets)} indicator{'s' if len(sheets) != 1 else ''}).")
