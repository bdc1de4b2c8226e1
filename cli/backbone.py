"""The backbone organisation: ``collective backbone appoint|show``."""

from __future__ import annotations

import click

from cli.common import (
    as_of_option,
    context,
    json_option,
    ledger,
    on_option,
    reason_option,
    report,
    travel,
)
from cli.output import echo, print_json, print_table
from domain.vocabulary import BackboneFunction

__all__ = ["backbone"]


@click.group()
def backbone() -> None:
    """The backbone organisation that coordinates the collective, and its functions.

    \b
    Example:
      collective --actor meera backbone appoint nudge-institute --decision steering-1
      collective --actor ravi backbone appoint sattva --decision steering-7 --on 2024-01-01
      collective backbone show
    """


@backbone.command("appoint")
@click.argument("org")
@click.option(
    "--decision", required=True, metavar="ID", help="The decision that appointed it (passed)."
)
@click.option(
    "--function",
    "functions",
    multiple=True,
    type=click.Choice([f.value for f in BackboneFunction]),
    help="A function it takes on (repeatable); default: all six.",
)
@on_option
@reason_option()
def appoint(
    org: str, decision: str, functions: tuple[str, ...], on: str | None, reason: str | None
) -> None:
    """Appoint ORG (a current member) as the backbone, by a decision that passed.

    When another organisation is the backbone, this is a handover: its term ends on the same
    date, in the same event.

    \b
    Example:
      collective --actor ravi backbone appoint sattva --decision steering-7 --on 2024-01-01
      collective --actor meera backbone appoint asia-foundation --decision oporajita-1 \\
          --function guide-vision-and-strategy --function establish-shared-measurement
    """
    chosen = [BackboneFunction(f) for f in functions] or list(BackboneFunction)
    recording = context(on, reason)
    with ledger() as app:
        report(app.appoint_backbone(org, decision, chosen, recording), f"{org} is the backbone")


@backbone.command("show")
@json_option
@as_of_option
def show(as_of: str | None, as_json: bool) -> None:
    """Show the backbone, its functions, and every earlier backbone's term.

    \b
    Example:
      collective backbone show --json
    """
    obj = click.get_current_context().find_root().obj
    with ledger() as app:
        travel(app, as_of)
        slug = app.collective(obj.collective).slug
        found = app.backbone(slug)
    terms = [t.model_dump(mode="json") for t in found.terms]
    if as_json:
        print_json({"collective": slug, "backbone": found.current.org, "terms": terms})
        return
    current = found.current
    echo(f"Backbone of {slug}: {current.org} since {current.began} (decision {current.decision})")
    echo("Functions: " + ", ".join(current.functions))
    print_table(
        ["org", "began", "ended", "decision", "functions"],
        [(t.org, t.began, t.ended or "", t.decision, ", ".join(t.functions)) for t in found.terms],
        title="Terms",
    )
