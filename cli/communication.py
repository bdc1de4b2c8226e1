"""Communication and learning: ``collective meeting``, ``announce``, ``feedback``, ``learning``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.common import as_of_option, context, json_option, ledger, on_option, report, travel
from cli.inputs import many
from cli.output import echo, print_json, print_table

if TYPE_CHECKING:
    from ledger.application import LedgerApplication

__all__ = ["announce", "feedback", "learning", "meeting"]


def _collective(app: LedgerApplication) -> str:
    """The slug of the collective named by ``--collective`` (or the only one)."""
    return app.collective(click.get_current_context().find_root().obj.collective).slug


@click.group()
def meeting() -> None:
    """Meetings of governance bodies and working groups: who attended, what was decided.

    \b
    Example:
      collective --actor meera meeting record --body steering --on 2020-04-02 \\
          --attended hasiru-dala --attended sattva --decision steering-1
      collective meeting show steering-m1
    """


@meeting.command("record")
@click.option("--body", "body_slug", required=True, help="The body that met.")
@click.option(
    "--attended",
    multiple=True,
    required=True,
    metavar="MEMBER",
    help="A member organisation or seat holder who attended (repeatable, or comma-separated).",
)
@click.option(
    "--decision",
    "decisions",
    multiple=True,
    metavar="ID",
    help="A decision taken at the meeting (repeatable, or comma-separated).",
)
@click.option("--minutes", default=None, metavar="REF", help="The minutes: a URL or document id.")
@on_option
def meeting_record(
    body_slug: str,
    attended: tuple[str, ...],
    decisions: tuple[str, ...],
    minutes: str | None,
    on: str | None,
) -> None:
    """Record a meeting of a body on a date (--on); prints the meeting's id.

    Each attendee is recorded with whether it holds a community seat on the body.

    \b
    Example:
      collective --actor meera meeting record --body steering --on 2020-04-02 \\
          --attended hasiru-dala,sattva,waste-pickers-rep-1 --decision steering-1 \\
          --minutes https://example.org/minutes/2020-04-02
    """
    recording = context(on)
    with ledger() as app:
        receipt, ref = app.record_meeting(
            body_slug, many(attended), many(decisions), minutes, recording
        )
        report(receipt, f"Recorded meeting {ref} of {body_slug}")
    echo(ref)


@meeting.command("show")
@click.argument("ref", metavar="ID")
@json_option
@as_of_option
def meeting_show(ref: str, as_of: str | None, as_json: bool) -> None:
    """Show a meeting: who attended (community seats marked), decisions, minutes.

    \b
    Example:
      collective meeting show steering-m1 --json
    """
    with ledger() as app:
        travel(app, as_of)
        found = app.meeting(_collective(app), ref)
    data = {
        "meeting": found.ref,
        "body": found.body,
        "held_on": found.held_on.isoformat(),
        "attendees": [a.model_dump(mode="json") for a in found.attendees],
        "decisions": list(found.decisions),
        "minutes": found.minutes,
    }
    if as_json:
        print_json(data)
        return
    echo(f"{found.ref}: {found.body} met on {found.held_on}")
    if found.decisions:
        echo(f"  decisions: {', '.join(found.decisions)}")
    if found.minutes:
        echo(f"  minutes: {found.minutes}")
    print_table(
        ["attendee", "seat"],
        [
            (a.member, "community seat" if a.community else "seat" if a.seated else "member")
            for a in found.attendees
        ],
        title=f"Attended ({len(found.attendees)})",
    )


@click.command()
@click.option("--title", required=True, help="The announcement's title.")
@click.option("--text", required=True, help="What it says.")
@click.option("--audience", default=None, help="Who it is for (e.g. partners, community).")
@on_option
def announce(title: str, text: str, audience: str | None, on: str | None) -> None:
    """Record an announcement; prints its id.

    \b
    Example:
      collective --actor meera announce --title "ಹೊಸ ಸಹಾಯವಾಣಿ / new helpline" \\
          --text "The entitlements helpline opens on 1 May" --audience community
    """
    from domain.communication import Notice

    notice = Notice(title=title, text=text, audience=audience)
    recording = context(on)
    with ledger() as app:
        receipt, ref = app.announce(notice, recording)
        report(receipt, f"Recorded announcement {ref}")
    echo(ref)


@click.group()
def feedback() -> None:
    """Feedback from community groups, and the responses that close the loop.

    \b
    Example:
      collective --actor meera feedback record --from vinobha-nagar-collective \\
          --text "Camps clash with sorting hours" --channel meeting
      collective --actor meera feedback respond fb-1 --text "Camps moved to Sundays"
      collective feedback list --open
    """


@feedback.command("record")
@click.option("--from", "source", required=True, metavar="GROUP", help="The community group.")
@click.option("--text", required=True, help="What they said.")
@click.option("--channel", default=None, help="How it came: meeting, phone, survey...")
@on_option
def feedback_record(source: str, text: str, channel: str | None, on: str | None) -> None:
    """Record feedback from a community group; prints its id (fb-<n>).

    Record groups, not people: names and phone numbers do not belong in the ledger.

    \b
    Example:
      collective --actor nasrin feedback record --from gazirchat-women-workers \\
          --text "প্রশিক্ষণের সময় শিশু যত্ন দরকার" --channel survey --on 2021-06-10
    """
    from domain.communication import Voice

    voice = Voice(source=source, text=text, channel=channel)
    recording = context(on)
    with ledger() as app:
        receipt, ref = app.record_feedback(voice, recording)
        report(receipt, f"Recorded feedback {ref} from {voice.source}")
    echo(ref)


@feedback.command("respond")
@click.argument("ref", metavar="ID")
@click.option("--text", required=True, help="What was done about it.")
@on_option
def feedback_respond(ref: str, text: str, on: str | None) -> None:
    """Record the response to feedback ID; the first response closes the loop.

    \b
    Example:
      collective --actor nasrin feedback respond fb-1 --text "Crèche added to the training hall"
    """
    recording = context(on)
    with ledger() as app:
        report(app.respond_to_feedback(ref, text, recording), f"Responded to {ref}")


@feedback.command("show")
@click.argument("ref", metavar="ID")
@json_option
@as_of_option
def feedback_show(ref: str, as_of: str | None, as_json: bool) -> None:
    """Show feedback ID and the responses to it.

    \b
    Example:
      collective feedback show fb-1
    """
    with ledger() as app:
        travel(app, as_of)
        found = app.feedback(_collective(app), ref)
    data = {
        "feedback": found.ref,
        "received_on": found.received_on.isoformat(),
        **found.voice.model_dump(mode="json"),
        "loop_closed_on": found.loop_closed_on.isoformat() if found.loop_closed_on else None,
        "responses": [r.model_dump(mode="json") for r in found.responses],
    }
    if as_json:
        print_json(data)
        return
    via = f" via {found.voice.channel}" if found.voice.channel else ""
    echo(f"{found.ref}: from {found.voice.source}{via} on {found.received_on}")
    echo(f"  {found.voice.text}")
    for response in found.responses:
        kind = "loop closed" if response.closes_loop else "further response"
        echo(f"  {response.on} ({kind}): {response.text}")
    if not found.responses:
        echo("  no response yet: the loop is open")


@feedback.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only feedback without a response.")
@json_option
@as_of_option
def feedback_list(only_open: bool, as_of: str | None, as_json: bool) -> None:
    """List feedback received, and whether each loop was closed.

    \b
    Example:
      collective feedback list --open
    """
    with ledger() as app:
        travel(app, as_of)
        found = app.all_feedback(_collective(app))
    rows = [
        {
            "feedback": f.ref,
            "received_on": f.received_on.isoformat(),
            "source": f.voice.source,
            "channel": f.voice.channel,
            "loop_closed_on": f.loop_closed_on.isoformat() if f.loop_closed_on else None,
            "responses": len(f.responses),
        }
        for f in found
        if not (only_open and f.responses)
    ]
    if as_json:
        print_json(rows)
        return
    print_table(
        ["id", "received", "from", "channel", "loop closed"],
        [
            (
                r["feedback"],
                r["received_on"],
                r["source"],
                r["channel"],
                r["loop_closed_on"] or "open",
            )
            for r in rows
        ],
        title=f"Feedback ({len(rows)})",
    )


@click.group()
def learning() -> None:
    """Learning records: insights behind the numbers, and the decisions they led to.

    \b
    Example:
      collective --actor meera learning record --title "Phase 1 review" \\
          --insight "Enrolment rose where camps met families at sorting centres" \\
          --indicator SS-EDU-01 --decision steering-4
    """


@learning.command("record")
@click.option("--title", required=True, help="What the learning is about, in a line.")
@click.option("--insight", required=True, help="What was learnt.")
@click.option(
    "--indicator",
    "indicators",
    multiple=True,
    metavar="CODE",
    help="An indicator it is about (repeatable, or comma-separated).",
)
@click.option(
    "--decision",
    "decisions",
    multiple=True,
    metavar="ID",
    help="A decision it led to (repeatable, or comma-separated).",
)
@on_option
def learning_record(
    title: str,
    insight: str,
    indicators: tuple[str, ...],
    decisions: tuple[str, ...],
    on: str | None,
) -> None:
    """Record a learning; prints its id (lr-<n>).

    \b
    Example:
      collective --actor meera learning record --title "End of phase 1" \\
          --insight "Income gains held only where bank accounts were active" \\
          --indicator SS-INC-01 --indicator SS-FIN-01 --decision steering-7 --on 2023-12-15
    """
    from domain.learning import Insight

    found = Insight(title=title, insight=insight, indicators=many(indicators))
    recording = context(on)
    with ledger() as app:
        receipt, ref = app.record_learning(found, many(decisions), recording)
        report(receipt, f"Recorded learning {ref}")
    echo(ref)


@learning.command("show")
@click.argument("ref", metavar="ID")
@json_option
@as_of_option
def learning_show(ref: str, as_of: str | None, as_json: bool) -> None:
    """Show learning record ID.

    \b
    Example:
      collective learning show lr-1 --json
    """
    with ledger() as app:
        travel(app, as_of)
        found = app.learning(_collective(app), ref)
    data = {
        "learning": found.ref,
        "recorded_on": found.recorded_on.isoformat(),
        **found.insight.model_dump(mode="json"),
        "decisions": list(found.decisions),
    }
    if as_json:
        print_json(data)
        return
    echo(f"{found.ref}: {found.insight.title} ({found.recorded_on})")
    echo(f"  {found.insight.insight}")
    if found.insight.indicators:
        echo(f"  indicators: {', '.join(found.insight.indicators)}")
    if found.decisions:
        echo(f"  led to: {', '.join(found.decisions)}")
