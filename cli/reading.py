"""Reading commands: ``collective status`` and ``collective log``."""

from __future__ import annotations

from typing import Any

import click

from cli.common import as_of_option, json_option, ledger, parse_time
from cli.output import echo, print_json, print_table, say

__all__ = ["log", "status", "trace"]


@click.command()
@json_option
def status(as_json: bool) -> None:
    """The collective at a glance: its settings and its member organisations.

    \b
    Example:
      collective status
      collective --collective oporajita status --json
    """
    obj = click.get_current_context().find_root().obj
    with ledger() as app:
        collective = app.collective(obj.collective)
        settings = collective.settings
        members = []
        for member in sorted(collective.members.values(), key=lambda m: m.org):
            profile = app.organisation(member.org).profile
            members.append(
                {
                    "org": member.org,
                    "name": profile.name,
                    "type": profile.type.value,
                    "role": member.role.value,
                    "joined": member.joined.isoformat(),
                    "left": member.left.isoformat() if member.left else None,
                }
            )
        events = app.event_count()
    summary: dict[str, Any] = {
        "collective": settings.slug,
        "name": settings.name,
        "calendar": settings.calendar.value,
        "timezone": settings.timezone,
        "currency": settings.currency,
        "members": members,
        "events_in_ledger": events,
    }
    if as_json:
        print_json(summary)
        return
    echo(f"{settings.name} ({settings.slug})")
    echo(
        f"Calendar: {settings.calendar}, time zone {settings.timezone}, currency "
        f"{settings.currency}; {events} events in the ledger."
    )
    current = [m for m in members if m["left"] is None]
    print_table(
        ["organisation", "name", "role", "joined"],
        [(m["org"], m["name"], m["role"], m["joined"]) for m in current],
        title=f"Members ({len(current)})",
    )
    former = [m for m in members if m["left"] is not None]
    if former:
        print_table(
            ["organisation", "name", "role", "joined", "left"],
            [(m["org"], m["name"], m["role"], m["joined"], m["left"]) for m in former],
            title=f"Former members ({len(former)})",
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
    help="Only events recorded at or after this time (ISO date or date-time).",
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

    since_time = parse_time(since, "--since") if since else None
    as_of_time = parse_time(as_of, "--as-of") if as_of else None
    obj = click.get_current_context().find_root().obj
    with ledger() as app:
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
                as_of=as_of_time,
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
        at = views.position(parse_time(as_of, "--as-of") if as_of else None)
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
