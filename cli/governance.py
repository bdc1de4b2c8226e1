"""Governance: ``collective body ...`` and ``collective decision ...``."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import click

from cli.common import (
    as_of_option,
    as_of_time,
    context,
    json_option,
    ledger_part,
    on_option,
    reason_option,
    report,
)
from cli.output import echo, print_json, say
from domain.vocabulary import DecisionRule, Outcome, Stance

if TYPE_CHECKING:
    from ledger.governance import GovernanceCommands

__all__ = ["body", "decision"]


def _ledger() -> AbstractContextManager[GovernanceCommands]:
    """This area's part of the ledger application (it starts quicker than the whole)."""
    from ledger.governance import GovernanceCommands

    return ledger_part(GovernanceCommands)


@click.group()
def body() -> None:
    """Governance bodies (steering committee, working groups, community advisory circle).

    \b
    Example:
      collective --actor meera body add steering --name "Steering committee" --rule consent
      collective --actor meera body seat steering hasiru-dala --community
    """


@body.command("add")
@click.argument("slug")
@click.option("--name", required=True, help="The body's name.")
@click.option(
    "--rule",
    required=True,
    type=click.Choice([r.value for r in DecisionRule]),
    help="How it decides: consent (no reasoned objection), consensus (all consent), "
    "majority (with --quorum), delegated (to the backbone).",
)
@click.option(
    "--quorum",
    type=click.IntRange(min=1),
    default=None,
    help="Members who must take part (majority rule).",
)
@on_option
def body_add(slug: str, name: str, rule: str, quorum: int | None, on: str | None) -> None:
    """Set up a governance body with its decision rule.

    \b
    Example:
      collective --actor meera body add steering --name "Steering committee" --rule consent
      collective --actor meera body add finance --name "Finance group" --rule majority --quorum 3
    """
    from domain.governance import Charter

    charter = Charter(slug=slug, name=name, rule=DecisionRule(rule), quorum=quorum)
    recording = context(on)
    with _ledger() as app:
        report(app.add_body(charter, recording), f"Set up {name} ({slug})")


@body.command("seat")
@click.argument("body_slug", metavar="BODY")
@click.argument("member")
@click.option("--community", is_flag=True, help="A seat for a community representative.")
@on_option
def body_seat(body_slug: str, member: str, community: bool, on: str | None) -> None:
    """Give MEMBER (an organisation or a community representative's id) a seat on BODY.

    \b
    Example:
      collective --actor meera body seat steering hasiru-dala --community --on 2020-02-01
    """
    recording = context(on)
    with _ledger() as app:
        report(app.seat(body_slug, member, community, recording), f"{member} seated")


@body.command("unseat")
@click.argument("body_slug", metavar="BODY")
@click.argument("member")
@on_option
@reason_option(required=True)
def body_unseat(body_slug: str, member: str, on: str | None, reason: str | None) -> None:
    """Record that MEMBER leaves its seat on BODY (a reason is required).

    \b
    Example:
      collective --actor ravi body unseat steering nudge-institute --reason "backbone handover"
    """
    recording = context(on, reason)
    with _ledger() as app:
        report(app.unseat(body_slug, member, recording), f"{member} left its seat")


@click.group()
def decision() -> None:
    """Decisions: proposed in a body, positions taken by its members, closed with an outcome.

    The outcome is computed from the body's rule and the positions, never typed in.

    \b
    Example:
      collective --actor meera decision propose --body steering --title "Adopt the charter" \\
          --rationale "Agreed at the launch workshop"
      collective --actor meera decision consent steering-1 --member hasiru-dala
      collective --actor meera decision close steering-1
    """


@decision.command("propose")
@click.option("--body", "body_slug", required=True, help="The body that decides.")
@click.option("--title", required=True, help="What is proposed, in a line.")
@click.option("--rationale", required=True, help="Why.")
@click.option(
    "--alternative", "alternatives", multiple=True, help="An alternative considered (repeatable)."
)
@click.option("--evidence", multiple=True, help="A link to evidence (repeatable).")
@click.option(
    "--affects",
    multiple=True,
    metavar="REF",
    help="What it changes, e.g. agenda or indicator:SS-EDU-01 (repeatable).",
)
@on_option
def propose(
    body_slug: str,
    title: str,
    rationale: str,
    alternatives: tuple[str, ...],
    evidence: tuple[str, ...],
    affects: tuple[str, ...],
    on: str | None,
) -> None:
    """Put a proposal to a body; prints the new decision's id.

    \b
    Example:
      collective --actor meera decision propose --body steering --title "COVID adaptation" \\
          --rationale "Lockdown stops door-to-door work" --affects agenda --on 2020-04-02
    """
    from domain.governance import Proposal

    proposal = Proposal(
        title=title,
        rationale=rationale,
        alternatives=alternatives,
        evidence=evidence,
        affects=affects,
    )
    recording = context(on)
    with _ledger() as app:
        receipt, ref = app.propose(body_slug, proposal, recording)
        report(receipt, f"Proposed {ref} in {body_slug}")
    echo(ref)


def _position_command(stance: Stance) -> click.Command:
    verb = {
        Stance.CONSENT: "consents to",
        Stance.OBJECT: "objects to",
        Stance.STAND_ASIDE: "stands aside on",
    }[stance]

    @click.command(
        stance.value,
        help=(
            f"Record that MEMBER {verb} decision ID.\n\n"
            + ("An objection needs a reason.\n\n" if stance is Stance.OBJECT else "")
            + "\b\nExample:\n"
            f"  collective --actor meera decision {stance.value} steering-1 --member hasiru-dala"
            + (' --reason "..."' if stance is Stance.OBJECT else "")
        ),
    )
    @click.argument("ref", metavar="ID")
    @click.option("--member", required=True, help="The seated member taking the position.")
    @on_option
    @reason_option(required=stance is Stance.OBJECT)
    def command(ref: str, member: str, on: str | None, reason: str | None) -> None:
        recording = context(on, reason)
        with _ledger() as app:
            report(app.take_position(ref, member, stance, recording), f"{member} {verb} {ref}")

    return command


for _stance in Stance:
    decision.add_command(_position_command(_stance))


@decision.command("close")
@click.argument("ref", metavar="ID")
@on_option
def close(ref: str, on: str | None) -> None:
    """Close decision ID: the outcome follows from the body's rule and the positions taken.

    \b
    Example:
      collective --actor meera decision close steering-1 --on 2020-04-03
    """
    recording = context(on)
    with _ledger() as app:
        receipt = app.close_decision(ref, recording)
        outcome = app.decision(app.collective(recording.collective).slug, ref).outcome
        report(receipt, f"Closed {ref}: {outcome}")
    echo(str(outcome))


@decision.command("withdraw")
@click.argument("ref", metavar="ID")
@on_option
@reason_option(required=True)
def withdraw(ref: str, on: str | None, reason: str | None) -> None:
    """Withdraw an open decision (a reason is required).

    \b
    Example:
      collective --actor meera decision withdraw steering-4 --reason "superseded by steering-5"
    """
    recording = context(on, reason)
    with _ledger() as app:
        report(app.withdraw_decision(ref, recording), f"Withdrew {ref}")


@decision.command("show")
@click.argument("ref", metavar="ID")
@json_option
@as_of_option
def show(ref: str, as_of: str | None, as_json: bool) -> None:
    """Show a decision: the proposal, the outcome and the positions that count.

    The positions are counted as in `collective decisions`: for a closed decision those of
    the members seated when it closed, for an open one those of the members seated at
    --as-of (or now), for a withdrawn one those seated when it was withdrawn. Positions of
    members who had left their seat are listed apart, as not counted (JSON: "not_counted",
    beside "positions"; each position has member, stance, community, reason and taken_on).

    \b
    Example:
      collective decision show steering-1 --json
    """
    from projections.decision_register import decision_positions
    from projections.registry import Views

    obj = click.get_current_context().find_root().obj
    with _ledger() as app:
        views = Views(app, notice=say)
        views.refresh(only=("log", "decisions"))
        app.at = views.position(as_of_time(app, as_of))
        slug = app.collective(obj.collective).slug
        found = app.decision(slug, ref)
        taken = decision_positions(views, slug, app.at, found.ref)
    data = {
        "decision": found.ref,
        "body": found.body,
        "outcome": found.outcome.value,
        "proposal": found.proposal.model_dump(mode="json"),
        "positions": taken["counted"],
        "not_counted": taken["not_counted"],
    }
    if as_json:
        print_json(data)
        return
    echo(f"{found.ref} in {found.body}: {found.proposal.title} [{found.outcome}]")
    echo(f"  why: {found.proposal.rationale}")
    for p in taken["counted"]:
        echo(f"  {_position_line(p)}")
    if taken["not_counted"]:
        when = _WHEN_COUNTED.get(found.outcome) or (f"at {as_of}" if as_of else "now")
        echo(f"  not counted (no seat on {found.body} {when}):")
        for p in taken["not_counted"]:
            echo(f"    {_position_line(p)}")


_WHEN_COUNTED = {
    Outcome.PASSED: "when it closed",
    Outcome.REJECTED: "when it closed",
    Outcome.WITHDRAWN: "when it was withdrawn",
}


def _position_line(p: dict[str, Any]) -> str:
    seat = " (community seat)" if p["community"] else ""
    return f"{p['member']}{seat}: {p['stance']}" + (f", {p['reason']}" if p["reason"] else "")
