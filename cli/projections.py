"""The read models: ``collective projections status|rebuild|follow``."""

from __future__ import annotations

import click

from cli.common import json_option, ledger
from cli.output import print_json, print_table, progress_bar, say

__all__ = ["projections"]


@click.group()
def projections() -> None:
    """The read models that reports use, kept up to date from the event log.

    Every read command brings them up to date first; these commands show where they stand,
    rebuild them from scratch, and keep them up to date as events arrive.

    \b
    Example:
      collective projections status
      collective projections rebuild decisions
      collective projections follow
    """


@projections.command()
@json_option
def status(as_json: bool) -> None:
    """Each read model's position in the log and how many events it is behind.

    \b
    Example:
      collective projections status --json
    """
    from projections.registry import Views

    with ledger() as app:
        rows = Views(app, notice=say).status()
    if as_json:
        print_json(rows)
        return
    print_table(
        ["projection", "position", "behind", "schema"],
        [(r["name"], r["position"], r["lag"], r["schema"]) for r in rows],
    )


@projections.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
def rebuild(names: tuple[str, ...]) -> None:
    """Rebuild read models from the start of the log (all of them when no NAME is given).

    \b
    Example:
      collective projections rebuild
      collective projections rebuild log roster
    """
    from projections.registry import Views

    with ledger() as app:
        total = app.event_count()
        with progress_bar("Rebuilding", total) as advance:
            read = Views(app, notice=say).rebuild(list(names), progress=advance)
    say(f"Rebuilt {', '.join(names) or 'every projection'} from {read} events.")


@projections.command()
@click.option(
    "--interval",
    default=None,
    metavar="SECONDS",
    help="Seconds between polls: on SQLite how often to look for new events (default 1); on "
    "PostgreSQL, which wakes the follower as soon as a writer commits, a fallback poll "
    "(default 30).",
)
@click.option("--once", is_flag=True, help="Catch up once and exit (for scripts and cron).")
@click.option("--quiet", "-q", is_flag=True, help="No line per page projected; only the last.")
def follow(interval: str | None, once: bool, quiet: bool) -> None:
    """Keep every read model up to date as events arrive from any writer, until stopped.

    A long-lived process beside the writers, so that dashboards and reports find the read
    models current (read commands still catch up first, so they are correct without it). On
    PostgreSQL it wakes as soon as a writer commits (LISTEN/NOTIFY); on SQLite it polls. SIGTERM
    or Ctrl-C stops it after the page it is writing, exit 0; killed, it resumes from the
    positions it last committed, and projects nothing twice.

    \b
    Example:
      collective --store postgresql://ledger@db.example.org/oporajita projections follow
      collective projections follow --interval 5 --quiet
      collective projections follow --once
    """
    from projections.follow import Follower, events_text, stop_on_signals

    seconds = _seconds(interval) if interval is not None else None
    with ledger() as app:
        postgres = app.store.kind == "postgres"
        if seconds is None:
            seconds = 30.0 if postgres else 1.0
        follower = Follower(app, interval=seconds, report=None if quiet else say, notice=say)
        try:
            with stop_on_signals(follower):
                if not once and not quiet:
                    how = "LISTEN/NOTIFY, and a poll every" if postgres else "a poll every"
                    say(
                        f"Following {app.store} ({how} {seconds:g} s); stop with Ctrl-C or SIGTERM."
                    )
                done = follower.run(once=once)
        finally:
            follower.close()
    what = "Caught up" if once else done.reason[:1].upper() + done.reason[1:]
    of = "" if done.log_end is None else f" of {done.log_end:,}"
    say(
        f"{what}: every read model at log position {done.position:,}{of} "
        f"({events_text(done.events)} projected)."
    )


def _seconds(text: str) -> float:
    from cli.common import InputError

    try:
        seconds = float(text)
    except ValueError:
        raise InputError(f"--interval {text!r} is not a number of seconds") from None
    if not 0 < seconds < float("inf"):
        raise InputError(f"--interval must be above 0 seconds, not {text}")
    return seconds
