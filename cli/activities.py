"""Mutually reinforcing activities: ``collective activity ...``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from cli.common import (
    InputError,
    as_of_option,
    context,
    json_option,
    ledger,
    on_option,
    reason_option,
    report,
    travel,
)
from cli.inputs import many, money_or_none, term_options, term_or_none
from cli.output import echo, print_json, print_table
from domain.vocabulary import ActivityProgress

if TYPE_CHECKING:
    from domain.activity import Activity, Resources
__all__ = ["activity"]


def _resources(text: str | None, amount: str | None, currency: str | None) -> Resources | None:
    from domain.activity import Resources

    money = money_or_none(amount, currency)
    if text is None:
        if money is not None:
            raise InputError("say what the amount is for with --resources")
        return None
    return Resources(text=text, money=money)


def _plan_options(f: Any) -> Any:
    """The term options, then ``--resources TEXT [--amount A --currency C]``."""
    f = click.option("--currency", default=None, help="The amount's ISO 4217 currency (INR, BDT).")(
        f
    )
    f = click.option("--amount", default=None, help="The amount of the resources (a decimal).")(f)
    f = click.option("--resources", default=None, metavar="TEXT", help="What it puts in.")(f)
    return term_options(f)


@click.group()
def activity() -> None:
    """Activities partners commit to, serving shared outcomes and indicators.

    \b
    Example:
      collective --actor meera activity commit ss-enrol-drive --org hasiru-dala \\
          --title "Enrolment drive" --serves SS-O2 --serves SS-EDU-01 --period FY2024-25
      collective --actor meera activity progress ss-enrol-drive --status on-track
      collective activity show ss-enrol-drive
    """


@activity.command("commit")
@click.argument("slug")
@click.option("--org", required=True, help="The member organisation that commits.")
@click.option("--title", required=True, help="What it will do, in a line.")
@click.option(
    "--serves",
    multiple=True,
    required=True,
    metavar="CODE",
    help="An outcome (SS-O1) or indicator (SS-EDU-01) it serves (repeatable, or comma-separated).",
)
@click.option(
    "--depends-on",
    "depends_on",
    multiple=True,
    metavar="SLUG",
    help="Another activity it depends on (repeatable, or comma-separated).",
)
@click.option("--description", default="", help="More about it.")
@_plan_options
@on_option
@reason_option()
def commit(
    slug: str,
    org: str,
    title: str,
    serves: tuple[str, ...],
    depends_on: tuple[str, ...],
    description: str,
    start: str | None,
    end: str | None,
    period: str | None,
    resources: str | None,
    amount: str | None,
    currency: str | None,
    on: str | None,
    reason: str | None,
) -> None:
    """Record that a member organisation commits to activity SLUG.

    \b
    Example:
      collective --actor meera activity commit ss-enrol-drive --org hasiru-dala \\
          --title "ಶಾಲಾ ದಾಖಲಾತಿ ಅಭಿಯಾನ / enrolment drive" --serves SS-O2,SS-EDU-01 \\
          --start 2024-06-01 --end 2025-03-31 --resources "4 field staff" \\
          --amount 1200000 --currency INR --depends-on ss-id-camps
    """
    from domain.activity import Commitment, Plan

    plan = Plan(
        title=title,
        description=description,
        serves=many(serves),
        term=term_or_none(start, end, period),
        resources=_resources(resources, amount, currency),
    )
    commitment = Commitment(activity=slug, org=org, plan=plan, depends_on=many(depends_on))
    recording = context(on, reason)
    with ledger() as app:
        report(app.commit_activity(commitment, recording), f"{org} committed to {slug}")


@activity.command("progress")
@click.argument("slug")
@click.option(
    "--status",
    required=True,
    type=click.Choice([p.value for p in ActivityProgress]),
    help="How it is going.",
)
@click.option("--note", default=None, help="What is behind the status.")
@on_option
def progress(slug: str, status: str, note: str | None, on: str | None) -> None:
    """Report how activity SLUG is going.

    \b
    Example:
      collective --actor meera activity progress ss-enrol-drive --status at-risk \\
          --note "monsoon flooding in Kunthigrama" --on 2024-07-15
    """
    recording = context(on)
    with ledger() as app:
        receipt = app.report_progress(slug, ActivityProgress(status), note, recording)
        report(receipt, f"{slug}: {status}")


@activity.command("revise")
@click.argument("slug")
@click.option("--title", default=None, help="The new title.")
@click.option("--description", default=None, help="The new description.")
@click.option(
    "--serves",
    multiple=True,
    metavar="CODE",
    help="The codes it serves now, replacing the old ones (repeatable, or comma-separated).",
)
@_plan_options
@on_option
@reason_option(required=True)
def revise(
    slug: str,
    title: str | None,
    description: str | None,
    serves: tuple[str, ...],
    start: str | None,
    end: str | None,
    period: str | None,
    resources: str | None,
    amount: str | None,
    currency: str | None,
    on: str | None,
    reason: str | None,
) -> None:
    """Revise activity SLUG: its title, description, what it serves, period or resources.

    A reason is required. Options left out keep their value.

    \b
    Example:
      collective --actor meera activity revise ss-enrol-drive --period FY2025-26 \\
          --reason "started late after the floods"
    """
    from domain.activity import Revision

    revision = Revision(
        title=title,
        description=description,
        serves=many(serves) or None,
        term=term_or_none(start, end, period),
        resources=_resources(resources, amount, currency),
    )
    recording = context(on, reason)
    with ledger() as app:
        report(app.revise_activity(slug, revision, recording), f"Revised {slug}")


@activity.command("complete")
@click.argument("slug")
@on_option
@reason_option()
def complete(slug: str, on: str | None, reason: str | None) -> None:
    """Record that activity SLUG is completed; it takes no more updates.

    \b
    Example:
      collective --actor meera activity complete ss-enrol-drive --on 2025-03-31
    """
    recording = context(on, reason)
    with ledger() as app:
        report(app.complete_activity(slug, recording), f"Completed {slug}")


@activity.command("drop")
@click.argument("slug")
@on_option
@reason_option(required=True)
def drop(slug: str, on: str | None, reason: str | None) -> None:
    """Drop activity SLUG (a reason is required); it takes no more updates.

    \b
    Example:
      collective --actor meera activity drop ss-enrol-drive --reason "funding ended"
    """
    recording = context(on, reason)
    with ledger() as app:
        report(app.drop_activity(slug, recording), f"Dropped {slug}")


@activity.command("show")
@click.argument("slug")
@json_option
@as_of_option
def show(slug: str, as_of: str | None, as_json: bool) -> None:
    """Show activity SLUG: the plan, its state, and the progress reported.

    \b
    Example:
      collective activity show ss-enrol-drive --json
    """
    obj = click.get_current_context().find_root().obj
    with ledger() as app:
        travel(app, as_of)
        found = app.activity(app.collective(obj.collective).slug, slug)
    data = _as_dict(found)
    if as_json:
        print_json(data)
        return
    plan = found.plan
    echo(f"{found.slug}: {plan.title} [{found.state}]")
    echo(f"  by {found.org}, committed {found.committed_on}; serves {', '.join(plan.serves)}")
    if plan.term:
        echo(f"  term: {plan.term}")
    if plan.resources:
        money = f" ({plan.resources.money})" if plan.resources.money else ""
        echo(f"  resources: {plan.resources.text}{money}")
    if found.depends_on:
        echo(f"  depends on: {', '.join(found.depends_on)}")
    if found.updates:
        print_table(
            ["date", "status", "note"],
            [(u.on, u.status, u.note) for u in found.updates],
            title="Progress",
        )


def _as_dict(found: Activity) -> dict[str, Any]:
    return {
        "activity": found.slug,
        "org": found.org,
        "state": found.state.value,
        "committed_on": found.committed_on.isoformat(),
        "closed_on": found.closed_on.isoformat() if found.closed_on else None,
        "plan": found.plan.model_dump(mode="json"),
        "depends_on": list(found.depends_on),
        "progress": found.progress.value if found.progress else None,
        "updates": [u.model_dump(mode="json") for u in found.updates],
        "revisions": found.revisions,
    }
