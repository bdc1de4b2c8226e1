"""Shared measurement as reports: ``collective progress``, ``equity`` and ``completeness``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from cli.common import as_of_option, as_of_time, json_option, ledger
from cli.output import echo, print_json, print_table, say

if TYPE_CHECKING:
    from datetime import datetime

    from projections.registry import Views

__all__ = ["completeness", "equity", "progress"]

_STATES = ("late", "due", "returned", "queried", "submitted", "approved")
_BY_HELP = "A disaggregation dimension of the indicator (sex, age...): one row per category."


@contextmanager
def _views(as_of: str | None) -> Iterator[tuple[Views, str, int | None, datetime | None]]:
    """The read models brought up to date, the collective's slug, and the ``--as-of`` position."""
    from projections.registry import Views

    obj = click.get_current_context().find_root().obj
    with ledger() as app:
        moment = as_of_time(app, as_of)
        views = Views(app, notice=say)
        views.refresh()
        at = views.position(moment)
        slug = app.collective(obj.collective).slug
        yield views, slug, at, moment


@click.command()
@click.argument("code", required=False)
@click.option("--by", "by", default=None, metavar="DIMENSION", help=_BY_HELP)
@as_of_option
@json_option
def progress(code: str | None, by: str | None, as_of: str | None, as_json: bool) -> None:
    """Each indicator's value per period, against its baseline and target.

    The value of a period is what the partners reported, corrections applied and retractions
    left out, combined across organisations by the indicator's rule (sum, mean, median, or
    latest: the one recorded last). One organisation's value is its total cell when it
    reported one; otherwise the cells of ONE disaggregation, the one with the fewest dimensions
    that it reported by first
    (all its sex cells, say, or all its age x sex cells): counts and money add up over them,
    percentages and ratios take their mean. Values reported under an older definition are read
    under the current one; a category that was later split shows as the merged group
    (6-10+11-14), never divided. The target is the one set for the period, or for the period
    that encloses it (the fiscal year); percent of target is value / target x 100 (target /
    value x 100 when lower is better).

    \b
    Example:
      collective progress
      collective progress SS-EDU-01 --by age --as-of 2024-06-30 --json
    """
    from projections.progress import progress as compute

    with _views(as_of) as (views, slug, at, _):
        rows = compute(views, slug, at, code, by)
    if as_json:
        print_json(rows)
        return
    if not rows:
        say("No values reported yet.")
        return
    columns = ["indicator", "period", *([by] if by else []), "value", "unit", "orgs"]
    columns += ["target", "baseline", "% of target"]
    print_table(columns, (_progress_line(row, by) for row in rows))


def _progress_line(row: dict[str, Any], by: str | None) -> list[Any]:
    target = row["target"] and f"{row['target']} ({row['target_period']})"
    baseline = row["baseline"] and f"{row['baseline']} ({row['baseline_period']})"
    line = [row["indicator"], row["period"], *([row["category"]] if by else [])]
    return [
        *line,
        row["value"],
        row["unit"],
        row["organisations"],
        target,
        baseline,
        row["percent_of_target"],
    ]


@click.command()
@click.argument("code")
@click.option("--by", "by", required=True, metavar="DIMENSION", help=_BY_HELP)
@as_of_option
@json_option
def equity(code: str, by: str, as_of: str | None, as_json: bool) -> None:
    """The gap between the groups of a dimension, period by period.

    For each period, each category's value (computed as in `collective progress --by`) against
    the best-off category: the highest value when higher is better, the lowest when lower is
    better. The ratio is value / best-off, the difference value - best-off; the gap change is how
    much the gap (the size of the difference) grew or shrank since the category's previous
    period, so a widening or closing gap shows.

    \b
    Example:
      collective equity SS-EDU-01 --by sex
      collective equity OP-SKL-01 --by district --as-of 2025-06-30 --json
    """
    from projections.progress import equity as compute

    with _views(as_of) as (views, slug, at, _):
        rows = compute(views, slug, at, code, by)
    if as_json:
        print_json(rows)
        return
    if not rows:
        say("No values reported yet.")
        return
    first = rows[0]
    better = "highest" if first["direction"] == "up" else "lowest"
    print_table(
        ["period", by, "value", "orgs", "ratio to best", "difference", "gap change", "trend"],
        (
            (
                r["period"],
                r["category"],
                r["value"],
                r["organisations"],
                r["ratio"],
                r["difference"],
                r["gap_change"],
                r["trend"],
            )
            for r in rows
        ),
        title=f"{first['indicator']} by {by} (best-off: the {better} value of each period)",
    )


@click.command()
@click.argument("code", required=False)
@click.option(
    "--grace",
    default=30,
    show_default=True,
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="Days after a period ends before a missing report counts as late.",
)
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(_STATES),
    help="Only reports in this state (repeatable).",
)
@as_of_option
@json_option
def completeness(
    code: str | None, grace: int, states: tuple[str, ...], as_of: str | None, as_json: bool
) -> None:
    """Who reported which indicator for which period, and where each report stands.

    Expected: every current member that has ever reported an indicator, for every period of
    the indicator's cadence from the first period it reported up to the last period that ended
    before today (or the --as-of time), in the collective's time zone. A report with no value
    is due until its period ended more than --grace days ago, then late; once values are in,
    it is submitted (waiting for review), queried (under review), returned (for correction) or
    approved.

    \b
    Example:
      collective completeness
      collective completeness SS-EDU-01 --state late --state returned --grace 45 --json
    """
    from datetime import UTC, datetime

    from projections.completeness import completeness as compute
    from projections.completeness import reference_day

    with _views(as_of) as (views, slug, at, moment):
        when = moment or datetime.now(UTC)
        rows = compute(views, slug, at, moment=when, grace=grace, code=code)
        today = reference_day(views, slug, at, when)
    if states:
        rows = [row for row in rows if row["state"] in states]
    if as_json:
        print_json(rows)
        return
    if not rows:
        say("No reports expected or received.")
        return
    print_table(
        ["indicator", "organisation", "period", "state", "values", "due", "comment"],
        (
            (r["indicator"], r["org"], r["period"], r["state"], r["values"], r["due"], r["comment"])
            for r in rows
        ),
        title=f"Reports as of {today.isoformat()} (late {grace} days after a period ends)",
    )
    counts = {state: sum(r["state"] == state for r in rows) for state in _STATES}
    echo(", ".join(f"{n} {state}" for state, n in counts.items() if n))
