"""Shared measurement: ``collective indicator``, ``collective value``, ``collective period``."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cli.common import (
    InputError,
    as_of_option,
    context,
    json_option,
    ledger_part,
    on_option,
    reason_option,
    report,
    travel,
)
from cli.output import echo, print_json, print_table
from domain.periods import Cadence
from domain.vocabulary import Aggregation, Direction, ReviewAction, Unit

if TYPE_CHECKING:
    from pydantic import BaseModel

    from domain.indicator import Indicator
    from domain.measurement import Cell
    from domain.reporting import Report

if TYPE_CHECKING:
    from ledger.measurement import MeasurementCommands

__all__ = ["indicator", "period", "value"]


def _ledger() -> AbstractContextManager[MeasurementCommands]:
    """This area's part of the ledger application (it starts quicker than the whole)."""
    from ledger.measurement import MeasurementCommands

    return ledger_part(MeasurementCommands)


M = TypeVar("M", bound="BaseModel")

_CELL_HELP = "A disaggregation cell, NAME=CATEGORY (repeatable; none means the total)."
_DIMENSION_HELP = "A disaggregation dimension and its categories, NAME=CAT,CAT (repeatable)."


def _build(cls: type[M], **fields: Any) -> M:
    """``cls(**fields)``, with a refusal in one line that names the problem, not the field."""
    from pydantic import ValidationError

    try:
        return cls(**fields)
    except ValidationError as error:
        first = error.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] != "value_error":
            message = f"{'.'.join(str(p) for p in first['loc'])}: {message}"
        raise InputError(message) from None


def _cell(texts: tuple[str, ...]) -> Cell:
    from domain.measurement import parse_cell

    return parse_cell(texts)


# -- collective indicator -----------------------------------------------------------------------


@click.group()
def indicator() -> None:
    """The indicator dictionary: define, revise (under a decision), set targets, retire.

    \b
    Example:
      collective --actor meera indicator define SS-EDU-01 \\
          --name "Children of waste-picker families enrolled" --unit count --direction up \\
          --cadence quarterly --dimension sex=female,male --dimension age=3-5,6-14,15-18 \\
          --sdg 4.2.2
      collective indicator show SS-EDU-01
    """


@indicator.command("define")
@click.argument("code")
@click.option("--name", required=True, help="What it counts, in a line.")
@click.option("--unit", required=True, type=click.Choice([u.value for u in Unit]))
@click.option("--direction", required=True, type=click.Choice([d.value for d in Direction]))
@click.option("--cadence", required=True, type=click.Choice([c.value for c in Cadence]))
@click.option(
    "--dimension", "dimensions", multiple=True, metavar="NAME=CAT,CAT", help=_DIMENSION_HELP
)
@click.option(
    "--sdg", multiple=True, metavar="CODE", help="An SDG indicator, e.g. 5.5.2 (repeatable)."
)
@click.option(
    "--aggregation",
    type=click.Choice([a.value for a in Aggregation]),
    default=None,
    help="How partners' values add up (default: sum for counts and money, mean for percent "
    "and ratio, latest for qualitative).",
)
@click.option(
    "--currency", default=None, help="ISO 4217 code (unit currency; default: the collective's)."
)
@click.option("--definition", "meaning", default="", help="The full definition.")
@click.option("--source", default="", help="Where the data comes from.")
@click.option("--method", default="", help="How it is collected and computed.")
@click.option("--baseline", default=None, metavar="VALUE", help="The starting value.")
@click.option(
    "--baseline-period",
    default=None,
    metavar="PERIOD",
    help="When it was measured (2019, 2019Q4, FY2019-20).",
)
@on_option
def define(
    code: str,
    name: str,
    unit: str,
    direction: str,
    cadence: str,
    dimensions: tuple[str, ...],
    sdg: tuple[str, ...],
    aggregation: str | None,
    currency: str | None,
    meaning: str,
    source: str,
    method: str,
    baseline: str | None,
    baseline_period: str | None,
    on: str | None,
) -> None:
    """Define an indicator: what it counts, its unit, direction, cadence and disaggregation.

    \b
    Example:
      collective --actor meera indicator define SS-FIN-01 \\
          --name "Cohort members with an active bank account" --unit percent \\
          --direction up --cadence yearly --dimension sex=female,male --sdg 8.10.2 \\
          --baseline 41 --baseline-period FY2019-20
    """
    from domain.measurement import Baseline, Definition, parse_dimension, read_measure

    if (baseline is None) != (baseline_period is None):
        raise InputError("give --baseline and --baseline-period together")
    start = None
    if baseline is not None and baseline_period is not None:
        number, text = read_measure(Unit(unit), baseline, "baseline")
        start = Baseline(period=baseline_period, value=number, text=text)
    definition = _build(
        Definition,
        name=name,
        unit=unit,
        direction=direction,
        cadence=cadence,
        aggregation=aggregation,
        currency=currency,
        definition=meaning,
        source=source,
        method=method,
        dimensions=tuple(parse_dimension(d) for d in dimensions),
        sdg=sdg,
        baseline=start,
    )
    recording = context(on)
    with _ledger() as app:
        report(app.define_indicator(code, definition, recording), f"Defined {code.upper()}: {name}")


@indicator.command("revise")
@click.argument("code")
@click.option(
    "--dimension",
    "dimensions",
    multiple=True,
    metavar="NAME=CAT,CAT",
    help="The dimensions as they will be, all of them (repeatable; default: unchanged).",
)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="DIM:OLD=NEW+NEW",
    help="Where the values of an old category go: one new category, or several joined by + "
    "for a split (repeatable). Categories kept under the same name need no --map.",
)
@click.option(
    "--decision", required=True, metavar="ID", help="The passed decision that authorises it."
)
@click.option("--name", default=None, help="A new name.")
@click.option("--definition", "meaning", default=None, help="A new definition text.")
@click.option("--source", default=None, help="A new data source.")
@click.option("--method", default=None, help="A new method.")
@on_option
@reason_option()
def revise(
    code: str,
    dimensions: tuple[str, ...],
    mapping: tuple[str, ...],
    decision: str,
    name: str | None,
    meaning: str | None,
    source: str | None,
    method: str | None,
    on: str | None,
    reason: str | None,
) -> None:
    """Revise an indicator's definition: a new version, with a mapping of old categories.

    Values reported under the old version stay as they are and are read under the new one
    through the mapping. The syntax is DIMENSION:OLD=NEW (or just OLD=NEW when OLD is a
    category of one dimension only), with + between the new categories of a split (an old
    value is then read as the merged group, e.g. age=6-10+11-14, never split); a merge maps
    several old categories to the same new one. A dimension left out of the new --dimension
    list is dropped: old values are read as totals over it.

    \b
    Example:
      collective --actor meera indicator revise SS-EDU-01 \\
          --dimension sex=female,male --dimension age=3-5,6-10,11-14,15-18 \\
          --map age:6-14=6-10+11-14 --decision steering-7 --reason "RTE age bands"
      collective --actor meera indicator revise OP-SKL-01 \\
          --dimension age=18-29,30-plus --map age:30-39=30-plus --map age:40-plus=30-plus \\
          --decision steering-9
    """
    from domain.measurement import Revision, parse_dimension, parse_map

    recording = context(on, reason)
    with _ledger() as app:
        obj = click.get_current_context().find_root().obj
        current = app.indicator(app.collective(obj.collective).slug, code.upper()).current
        revision = _build(
            Revision,
            dimensions=tuple(parse_dimension(d) for d in dimensions) if dimensions else None,
            mapping=tuple(parse_map(m, current.dimensions) for m in mapping),
            name=name,
            definition=meaning,
            source=source,
            method=method,
        )
        receipt = app.revise_indicator(code, revision, decision, recording)
        report(receipt, f"Revised {code.upper()} under decision {decision}")


@indicator.command("target")
@click.argument("code")
@click.option(
    "--period",
    "period_code",
    required=True,
    metavar="PERIOD",
    help="The period, e.g. 2024Q1 or FY2024-25.",
)
@click.option("--value", "amount", required=True, metavar="VALUE", help="The target value.")
@click.option("--cell", "cells", multiple=True, metavar="NAME=CAT", help=_CELL_HELP)
@on_option
@reason_option()
def target(
    code: str,
    period_code: str,
    amount: str,
    cells: tuple[str, ...],
    on: str | None,
    reason: str | None,
) -> None:
    """Set the target of an indicator for a period (and cell); revising one needs --reason.

    \b
    Example:
      collective --actor meera indicator target SS-EDU-01 --period FY2024-25 --value 1200
      collective --actor meera indicator target SS-EDU-01 --period FY2024-25 --value 1100 \\
          --reason "fewer families in the cohort"
    """
    cell = _cell(cells)
    recording = context(on, reason)
    with _ledger() as app:
        receipt = app.set_target(code, period_code, amount, recording, cell=cell)
        report(receipt, f"Target for {code.upper()} in {period_code} set to {amount}")


@indicator.command("retire")
@click.argument("code")
@click.option(
    "--decision", required=True, metavar="ID", help="The passed decision that retires it."
)
@on_option
@reason_option()
def retire(code: str, decision: str, on: str | None, reason: str | None) -> None:
    """Retire an indicator under a decision: it takes no more values, targets or revisions.

    \b
    Example:
      collective --actor meera indicator retire SS-WASH-01 --decision steering-12
    """
    recording = context(on, reason)
    with _ledger() as app:
        report(app.retire_indicator(code, decision, recording), f"Retired {code.upper()}")


@indicator.command("show")
@click.argument("code")
@json_option
@as_of_option
def show(code: str, as_of: str | None, as_json: bool) -> None:
    """Show an indicator: its current definition, its versions and its targets.

    \b
    Example:
      collective indicator show SS-EDU-01 --json
    """
    obj = click.get_current_context().find_root().obj
    with _ledger() as app:
        travel(app, as_of)
        found = app.indicator(app.collective(obj.collective).slug, code)
    data = _indicator_data(found)
    if as_json:
        print_json(data)
        return
    _print_indicator(data)


@indicator.command("list")
@json_option
@as_of_option
def list_indicators(as_of: str | None, as_json: bool) -> None:
    """List the collective's indicators, in the order they were defined.

    \b
    Example:
      collective indicator list --json
    """
    obj = click.get_current_context().find_root().obj
    with _ledger() as app:
        travel(app, as_of)
        found = app.indicators(app.collective(obj.collective).slug)
    rows = [_indicator_data(i) for i in found]
    if as_json:
        print_json(rows)
        return
    print_table(
        ["code", "name", "unit", "cadence", "version", "status"],
        [(r["code"], r["name"], r["unit"], r["cadence"], r["version"], r["status"]) for r in rows],
    )


def _indicator_data(found: Indicator) -> dict[str, Any]:
    d = found.current
    return {
        "code": found.code,
        "version": found.current_version,
        "status": "retired" if found.retired else "active",
        "retired_by": found.retired,
        **d.model_dump(mode="json", exclude={"baseline"}),
        "baseline": d.baseline.model_dump(mode="json") if d.baseline else None,
        "targets": [
            {**t.model_dump(mode="json"), "cell": dict(t.cell)}
            for t in sorted(found.targets.values(), key=lambda t: (t.period, t.cell))
        ],
        "versions": [
            {
                "version": v.number,
                "decision": v.decision,
                "mapping": [m.model_dump(mode="json") for m in v.mapping],
            }
            for v in found.versions
        ],
    }


def _print_indicator(data: dict[str, Any]) -> None:
    unit = data["currency"] if data["unit"] == "currency" else data["unit"]
    status = f", retired under decision {data['retired_by']}" if data["retired_by"] else ""
    echo(f"{data['code']}: {data['name']} (version {data['version']}{status})")
    echo(
        f"  {unit}, {data['direction']} is better, {data['cadence']}, "
        f"aggregated by {data['aggregation']}"
    )
    for key in ("definition", "source", "method"):
        if data[key]:
            echo(f"  {key}: {data[key]}")
    for dim in data["dimensions"]:
        echo(f"  {dim['name']}: {', '.join(dim['categories'])}")
    if data["sdg"]:
        echo(f"  SDG: {', '.join(data['sdg'])}")
    if data["baseline"]:
        b = data["baseline"]
        echo(f"  baseline: {b['value'] if b['value'] is not None else b['text']} ({b['period']})")
    if data["targets"]:
        print_table(
            ["period", "cell", "target", "version"],
            [
                (t["period"], _label(t["cell"]), t["value"] or t["text"], t["version"])
                for t in data["targets"]
            ],
            title="Targets",
        )
    changes = [(v["version"], v["decision"] or "", _moves(v["mapping"])) for v in data["versions"]]
    print_table(["version", "decision", "mapping"], changes, title="Versions")


def _label(cell: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(cell.items())) or "total"


def _moves(mapping: list[dict[str, Any]]) -> str:
    moved = [m for m in mapping if m["new"] != [m["old"]]]
    return "; ".join(f"{m['dimension']}:{m['old']}={'+'.join(m['new'])}" for m in moved)


# -- collective value ---------------------------------------------------------------------------


@click.group()
def value() -> None:
    """Values reported by partners: submit, correct, retract, review, show.

    A value is never overwritten: a correction or a retraction is recorded with its reason, and
    reviews (approve, query, return) are recorded too.

    \b
    Example:
      collective --actor meera value submit SS-EDU-01 --org hasiru-dala --period 2024Q1 \\
          --value 412 --cell sex=female --evidence https://example.org/enrolment.xlsx
      collective --actor ravi value review SS-EDU-01 --org hasiru-dala --period 2024Q1 approve
    """


def _key_options(f: Any) -> Any:
    f = click.option("--cell", "cells", multiple=True, metavar="NAME=CAT", help=_CELL_HELP)(f)
    f = click.option(
        "--period",
        "period_code",
        required=True,
        metavar="PERIOD",
        help="The reporting period, e.g. 2024Q1.",
    )(f)
    f = click.option("--org", required=True, help="The organisation that reports.")(f)
    return click.argument("code")(f)


def _value_options(f: Any) -> Any:
    f = click.option(
        "--decision",
        default=None,
        metavar="ID",
        help="A passed decision (needed for a closed period).",
    )(f)
    f = click.option("--evidence", default=None, metavar="URL", help="A link to the evidence.")(f)
    f = click.option("--note", default="", help="A note on the value.")(f)
    return click.option(
        "--value",
        "amount",
        required=True,
        metavar="VALUE",
        help="The value (text for qualitative indicators).",
    )(f)


def _where(code: str, org: str, period_code: str, cell: Cell) -> str:
    from domain.measurement import cell_label

    return f"{code.upper()}, {org}, {period_code} ({cell_label(cell)})"


@value.command("submit")
@_key_options
@_value_options
@on_option
def submit(
    code: str,
    org: str,
    period_code: str,
    cells: tuple[str, ...],
    amount: str,
    note: str,
    evidence: str | None,
    decision: str | None,
    on: str | None,
) -> None:
    """Record a value a partner reports for a period and cell (once: then use correct).

    \b
    Example:
      collective --actor meera value submit SS-EDU-01 --org hasiru-dala --period 2024Q1 \\
          --cell sex=female --cell age=6-14 --value 412 --note "ಶಾಲಾ ದಾಖಲಾತಿ" \\
          --evidence https://example.org/enrolment-2024q1.xlsx
    """
    from domain.reporting import Submission

    submission = _build(
        Submission,
        code=code,
        org=org,
        period=period_code,
        cell=_cell(cells),
        value=amount,
        note=note,
        evidence=evidence,
        decision=decision,
    )
    recording = context(on)
    with _ledger() as app:
        receipt = app.submit_value(submission, recording)
        report(receipt, f"Submitted {amount} for {_where(code, org, period_code, submission.cell)}")


@value.command("correct")
@_key_options
@_value_options
@on_option
@reason_option(required=True)
def correct(
    code: str,
    org: str,
    period_code: str,
    cells: tuple[str, ...],
    amount: str,
    note: str,
    evidence: str | None,
    decision: str | None,
    on: str | None,
    reason: str | None,
) -> None:
    """Correct a value: the new one supersedes it, and the reason is recorded.

    \b
    Example:
      collective --actor meera value correct SS-EDU-01 --org hasiru-dala --period 2024Q1 \\
          --cell sex=female --cell age=6-14 --value 398 --reason "duplicates removed"
    """
    from domain.reporting import Submission

    submission = _build(
        Submission,
        code=code,
        org=org,
        period=period_code,
        cell=_cell(cells),
        value=amount,
        note=note,
        evidence=evidence,
        decision=decision,
    )
    recording = context(on, reason)
    with _ledger() as app:
        receipt = app.correct_value(submission, recording)
        report(receipt, f"Corrected {_where(code, org, period_code, submission.cell)} to {amount}")


@value.command("retract")
@_key_options
@click.option(
    "--decision", default=None, metavar="ID", help="A passed decision (needed for a closed period)."
)
@on_option
@reason_option(required=True)
def retract(
    code: str,
    org: str,
    period_code: str,
    cells: tuple[str, ...],
    decision: str | None,
    on: str | None,
    reason: str | None,
) -> None:
    """Retract a value (it stays in the history, marked retracted, with the reason).

    \b
    Example:
      collective --actor meera value retract SS-EDU-01 --org hasiru-dala --period 2024Q1 \\
          --cell sex=female --cell age=6-14 --reason "reported under the wrong indicator"
    """
    from domain.reporting import ValueKey

    key = _build(ValueKey, code=code, org=org, period=period_code, cell=_cell(cells))
    recording = context(on, reason)
    with _ledger() as app:
        receipt = app.retract_value(key, recording, decision=decision)
        report(receipt, f"Retracted {_where(code, org, period_code, key.cell)}")


@value.command("review")
@click.argument("code")
@click.argument("action", type=click.Choice([a.value for a in ReviewAction]))
@click.option("--org", required=True, help="The organisation that reported.")
@click.option(
    "--period", "period_code", required=True, metavar="PERIOD", help="The reporting period."
)
@click.option(
    "--cell",
    "cells",
    multiple=True,
    metavar="NAME=CAT",
    help="Review one cell only (default: every value of the report).",
)
@click.option("--comment", default=None, help="Why (needed to query or return).")
@on_option
def review(
    code: str,
    action: str,
    org: str,
    period_code: str,
    cells: tuple[str, ...],
    comment: str | None,
    on: str | None,
) -> None:
    """Review a partner's report: approve it, query it, or return it for correction.

    \b
    Example:
      collective --actor ravi value review SS-EDU-01 --org hasiru-dala --period 2024Q1 \\
          query --comment "twice last quarter's figure: please check"
      collective --actor ravi value review SS-EDU-01 --org hasiru-dala --period 2024Q1 approve
    """
    from domain.reporting import ReportKey

    key = _build(ReportKey, code=code, org=org, period=period_code)
    cell = _cell(cells) if cells else None
    recording = context(on)
    with _ledger() as app:
        receipt = app.review_value(key, ReviewAction(action), recording, cell=cell, comment=comment)
        report(receipt, f"Recorded {action} for {code.upper()}, {org}, {period_code}")


@value.command("show")
@click.argument("code")
@click.option("--org", required=True, help="The organisation that reported.")
@click.option(
    "--period", "period_code", required=True, metavar="PERIOD", help="The reporting period."
)
@json_option
@as_of_option
def show_values(code: str, org: str, period_code: str, as_of: str | None, as_json: bool) -> None:
    """Show a report: each cell's value, status and how it reads under the current version.

    \b
    Example:
      collective value show SS-EDU-01 --org hasiru-dala --period 2024Q1 --json
    """
    from domain.reporting import ReportKey

    key = _build(ReportKey, code=code, org=org, period=period_code)
    obj = click.get_current_context().find_root().obj
    with _ledger() as app:
        travel(app, as_of)
        found, report_ = app.report(key, obj.collective)
    rows = _report_rows(found, report_)
    if as_json:
        print_json(
            {"code": report_.code, "org": report_.org, "period": report_.period, "values": rows}
        )
        return
    print_table(
        ["cell", "value", "status", "version", "reads as", "note", "evidence", "comment"],
        [
            (
                r["label"],
                r["value"] if r["value"] is not None else r["text"],
                r["status"],
                r["version"],
                r["current_label"],
                r["note"],
                r["evidence"],
                r["comment"],
            )
            for r in rows
        ],
        title=f"{report_.code} reported by {report_.org} for {report_.period}",
    )


def _report_rows(found: Indicator, report_: Report) -> list[dict[str, Any]]:
    from domain.measurement import cell_label, group_label

    rows = []
    for cell, entry in sorted(report_.entries.items()):
        group = found.read_cell(entry.version, cell)
        rows.append(
            {
                **entry.model_dump(mode="json"),
                "cell": dict(cell),
                "label": cell_label(cell),
                "current_cell": {d: list(c) for d, c in group},
                "current_label": group_label(group),
            }
        )
    return rows


# -- collective period --------------------------------------------------------------------------


@click.group()
def period() -> None:
    """Reporting periods of the collective's calendar: close one under a decision.

    \b
    Example:
      collective --actor meera period close FY2023-24 --decision steering-5
    """


@period.command("close")
@click.argument("period_code", metavar="PERIOD")
@click.option("--decision", required=True, metavar="ID", help="The passed decision that closes it.")
@on_option
@reason_option()
def close(period_code: str, decision: str, on: str | None, reason: str | None) -> None:
    """Close a period: values for it (or any period inside it) then need a passed decision.

    \b
    Example:
      collective --actor meera period close 2024Q1 --decision steering-5 --on 2024-05-15
    """
    recording = context(on, reason)
    with _ledger() as app:
        report(app.close_period(period_code, decision, recording), f"Closed period {period_code}")
