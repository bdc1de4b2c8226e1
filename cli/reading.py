"""Reading commands: ``collective status`` and ``collective log``."""

from __future__ import annotations

from typing import Any

import click

from cli.common import as_of_option, as_of_time, json_option, ledger
from cli.output import echo, print_json, print_table, say

__all__ = ["log", "status", "trace"]


@click.command()
@as_of_option
@json_option
def status(as_of: str | None, as_json: bool) -> None:
    """The collective at a glance: members and roles, backbone, bodies, the agenda version,
    indicators, the latest reporting period, open decisions and overdue commitments.

    \b
    Example:
      collective status
      collective --collective oporajita status --as-of 2023-06-30 --json
    """
    from projections.registry import Views
    from projections.status import status as glance

    obj = click.get_current_context().find_root().obj
    with ledger() as app:
        moment = as_of_time(app, as_of)
        views = Views(app, notice=say)
        views.refresh()
        at = views.position(moment)
        found = glance(views, app.collective(obj.collective).slug, at, moment)
    if as_json:
        print_json(found)
        return
    _print_status(found)


def _print_status(s: dict[str, Any]) -> None:
    echo(f"{s['name']} ({s['collective']})")
    when = f" as of log position {s['as_of_position']}" if s["as_of_position"] else ""
    echo(
        f"Calendar: {s['calendar']}, time zone {s['timezone']}, currency {s['currency']}; "
        f"{s['events_in_ledger']} events in the ledger{when}."
    )
    backbone = s["backbone"]
    echo(
        f"Backbone: {backbone['org']} since {backbone['began']} (decision {backbone['decision']})"
        if backbone
        else "Backbone: none appointed"
    )
    agenda = s["agenda"]
    echo(
        f"Common agenda: version {agenda['version']}, adopted {agenda['adopted']} by "
        f"{agenda['decision']}"
        if agenda
        else "Common agenda: not adopted yet"
    )
    echo(f"Latest reporting period: {s['latest_period'] or 'none yet'}")
    current = [m for m in s["members"] if m["left"] is None]
    print_table(
        ["organisation", "name", "role", "joined"],
        [(m["org"], m["name"], m["role"], m["joined"]) for m in current],
        title=f"Members ({len(current)})",
    )
    former = [m for m in s["members"] if m["left"] is not None]
    if former:
        print_table(
            ["organisation", "name", "role", "joined", "left"],
            [(m["org"], m["name"], m["role"], m["joined"], m["left"]) for m in former],
            title=f"Former members ({len(former)})",
        )
    if s["bodies"]:
        print_table(
            ["body", "name", "rule", "seats", "community seats"],
            [
                (b["body"], b["name"], b["rule"], b["seats"], b["community_seats"])
                for b in s["bodies"]
            ],
            title="Bodies",
        )
    if s["indicators"]:
        print_table(
            ["code", "name", "unit", "cadence", "version", "status"],
            [
                (i["code"], i["name"], i["unit"], i["cadence"], i["version"], i["status"])
                for i in s["indicators"]
            ],
            title="Indicators",
        )
    print_table(
        ["decision", "body", "title", "proposed"],
        [(d["decision"], d["body"], d["title"], d["proposed_on"]) for d in s["open_decisions"]],
        title=f"Open decisions ({len(s['open_decisions'])})",
    )
    print_table(
        ["activity", "organisation", "title", "end", "days past end"],
        [(o["activity"], o["org"], o["title"], o["end"], o["days_past_end"]) for o in s["overdue"]],
        title=f"Overdue commitments ({len(s['overdue'])})",
    )


@click.command()
@click.option(
    "--type",
    "types",
    multiple=True,
    metavar="EVENT",
    help="Only events of this type (e.g. MemberJoined, Organisation); repeatable.",
)
@click.option("--actor", "by_actor", default=None, help="Only events recorded by this actor.")
@click.option(
    "--since",
    default=None,
    metavar="TIME",
    help="Only events recorded at or after this time: an ISO date (from the start of that day) "
    "or date-time, in the collective's time zone unless it has an offset.",
)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Events of every collective in the store, not only the current one.",
)
@as_of_option
@json_option
def log(
    types: tuple[str, ...],
    by_actor: str | None,
    since: str | None,
    everything: bool,
    as_of: str | None,
    as_json: bool,
) -> None:
    """The event history: position, recorded time, actor, event, subject and a summary.

    Events are never changed or deleted: a correction is a new event, so this is the whole
    story of the collective, in the order the ledger learnt it.

    \b
    Example:
      collective log --type MemberJoined --since 2024-01-01
      collective log --actor meera --as-of 2023-06-30 --json
    """
    from projections.history import history
    from projections.registry import Views

    obj = click.get_current_context().find_root().obj
    with ledger() as app:
        since_time = as_of_time(app, since, "--since", day_end=False)
        until = as_of_time(app, as_of)
        views = Views(app, notice=say)
        views.refresh()
        slug = None if everything else _current_slug(app, obj.collective)
        entries = list(
            history(
                views,
                collective=slug,
                types=types,
                actor=by_actor,
                since=since_time,
                as_of=until,
            )
        )
    if as_json:
        print_json([entry.as_json() for entry in entries])
        return
    print_table(
        ["#", "recorded (UTC)", "actor", "event", "subject", "summary"],
        (
            (
                e.position,
                e.recorded_at[:19].replace("T", " "),
                e.actor,
                e.event,
                e.subject,
                e.summary,
            )
            for e in entries
        ),
    )


def _current_slug(app: Any, wanted: str | None) -> str | None:
    """The collective to show: the one asked for, the only one, or all when there are several."""
    if wanted:
        return str(app.collective(wanted).slug)
    slugs = app.collectives()
    return slugs[0] if len(slugs) == 1 else None


@click.command()
@click.argument("ref")
@as_of_option
@json_option
def trace(ref: str, as_of: str | None, as_json: bool) -> None:
    """Every event behind REF, in order, with the decisions that authorised each change.

    REF is what the log calls the subject: indicator:CODE, value:CODE/ORG/PERIOD, agenda,
    agreement:SLUG, activity:SLUG, decision:ID, org:SLUG, body:SLUG, backbone, funding:ID,
    feedback:ID or period:PERIOD.

    \b
    Example:
      collective trace indicator:SS-EDU-01
      collective trace value:SS-EDU-01/hasiru-dala/2021Q1 --json
      collective trace agenda --as-of 2024-01-01
    """
    from projections.registry import Views
    from projections.trace import trace as find

    obj = click.get_current_context().find_root().obj
    with ledger() as app:
        views = Views(app, notice=say)
        views.refresh()
        at = views.position(as_of_time(app, as_of))
        found = find(views, app.collective(obj.collective).slug, ref, at)
    if as_json:
        print_json(found)
        return
    print_table(
        ["#", "effective", "recorded (UTC)", "actor", "event", "summary", "reason", "authority"],
        (
            (
                e["position"],
                e["effective"],
                e["recorded_at"][:19].replace("T", " "),
                e["actor"],
                e["event"],
                e["summary"],
                e["reason"],
                " ".join(e["authorised_by"]),
            )
            for e in found["events"]
        ),
        title=f"Trace of {found['ref']}",
    )
    for decision in found["decisions"]:
        echo(
            f"\n{decision['decision']} ({decision.get('body', '?')}): "
            f"{decision.get('title', '')} [{decision['outcome']}]"
        )
        for p in decision.get("positions", []):
            seat = " (community seat)" if p["community"] else ""
            why = f": {p['reason']}" if p["reason"] else ""
            echo(f"  {p['member']}{seat} {p['stance']}{why}")
