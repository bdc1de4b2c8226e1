"""Setting up: ``collective init``."""

from __future__ import annotations

import click

from cli.common import context, ledger, ledger_part, on_option, report
from cli.output import say

__all__ = ["init"]


@click.command()
@click.argument("slug")
@click.option("--name", required=True, help="The collective's name, in any script.")
@click.option(
    "--calendar",
    default="gregorian",
    show_default=True,
    help="Reporting calendar: gregorian (calendar years), india (April-March fiscal years) or "
    "bangladesh (July-June fiscal years).",
)
@click.option(
    "--timezone",
    default="UTC",
    show_default=True,
    help="IANA time zone, e.g. Asia/Kolkata or Asia/Dhaka.",
)
@click.option("--currency", default="USD", show_default=True, help="ISO 4217 code, e.g. INR, BDT.")
@on_option
def init(slug: str, name: str, calendar: str, timezone: str, currency: str, on: str | None) -> None:
    """Create the ledger file (if it is new) and set up a collective in it.

    A ledger can hold several collectives; each SLUG (lowercase letters, digits, hyphens) can be
    set up only once.

    \b
    Example:
      collective --actor meera init saamuhika-shakti --name "Saamuhika Shakti" \\
          --calendar india --timezone Asia/Kolkata --currency INR
    """
    from domain.collective import Settings

    settings = Settings.model_validate(
        {
            "slug": slug,
            "name": name,
            "calendar": calendar,
            "timezone": timezone,
            "currency": currency,
        }
    )
    recording = context(on)
    from ledger.core import LedgerCore

    with ledger_part(LedgerCore, create=True) as app:
        receipt = app.init_collective(settings, recording)
        report(receipt, f"Set up {settings.name} ({slug}) in {app.store}")
    if not receipt.already_recorded:
        say("Next: register organisations with `collective org add`, then `collective org join`.")


@click.command()
def demo() -> None:
    """Build the demonstration ledger: Saamuhika Shakti (Bengaluru) and Oporajita (Bangladesh).

    It is recorded through the same steps as every other command, into the store given with
    --store (default collective.db), which must not hold the demo already.

    \b
    Example:
      collective demo
      collective --store /tmp/demo.db demo
    """
    from cli.output import progress_bar
    from ledger.demo import ABOUT, build_demo, quarters_reported

    with ledger(create=True) as app:
        if "saamuhika-shakti" in app.collectives():
            from domain.errors import RuleViolation

            raise RuleViolation(
                f"{app.store} already holds the demo: give another --store, "
                "or remove the file first"
            )
        with progress_bar("Recording the demo", quarters_reported()) as advance:
            summary = build_demo(app, progress=advance)
        store = app.store
    say(ABOUT)
    say(
        f"Built {len(summary.collectives)} collectives with {summary.organisations} organisations "
        f"and {summary.values} reported values ({summary.events} events) in {store}."
    )
    say(
        "Look next:\n"
        f"  collective --store {store} --collective saamuhika-shakti status\n"
        f"  collective --store {store} --collective oporajita status\n"
        f"  collective --store {store} log --all\n"
        f"  collective --store {store} verify --trusted-key {summary.verifier_key}"
    )
