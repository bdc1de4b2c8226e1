"""Organisations and membership: ``collective org add|join|role|leave``."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

import click

from cli.common import context, ledger_part, on_option, reason_option, report
from domain.vocabulary import OrgType, Role

if TYPE_CHECKING:
    from ledger.core import LedgerCore

__all__ = ["org"]


def _ledger() -> AbstractContextManager[LedgerCore]:
    """This area's part of the ledger application (it starts quicker than the whole)."""
    from ledger.core import LedgerCore

    return ledger_part(LedgerCore)


@click.group()
def org() -> None:
    """Register organisations, and record who joins a collective, in which role, and who leaves.

    \b
    Example:
      collective --actor meera org add hasiru-dala --name "Hasiru Dala" --type implementing
      collective --actor meera org join hasiru-dala --role implementing --on 2020-01-15
    """


@org.command()
@click.argument("slug")
@click.option("--name", required=True, help="The organisation's name, in any script.")
@click.option(
    "--type",
    "org_type",
    required=True,
    type=click.Choice([t.value for t in OrgType]),
    help="What kind of organisation it is.",
)
@on_option
def add(slug: str, name: str, org_type: str, on: str | None) -> None:
    """Register an organisation in the ledger (once; it can then join any collective).

    \b
    Example:
      collective --actor meera org add hasiru-dala --name "Hasiru Dala" --type implementing
    """
    from domain.organisation import Profile

    profile = Profile(slug=slug, name=name, type=OrgType(org_type))
    recording = context(on)
    with _ledger() as app:
        report(app.add_organisation(profile, recording), f"Registered {profile.name} ({slug})")


@org.command()
@click.argument("slug")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=None,
    help="Its part in the collective; default: its organisation type.",
)
@on_option
@reason_option()
def join(slug: str, role: str | None, on: str | None, reason: str | None) -> None:
    """Record that an organisation joined the collective.

    \b
    Example:
      collective --actor meera org join hasiru-dala --role implementing --on 2020-01-15
    """
    recording = context(on, reason)
    with _ledger() as app:
        receipt = app.join(slug, Role(role) if role else None, recording)
        report(receipt, f"{slug} joined")


@org.command()
@click.argument("slug")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@on_option
@reason_option()
def role(slug: str, role: str, on: str | None, reason: str | None) -> None:
    """Record that a member organisation now takes part in another role.

    \b
    Example:
      collective --actor meera org role sattva backbone --on 2024-01-01
    """
    recording = context(on, reason)
    with _ledger() as app:
        report(app.change_role(slug, Role(role), recording), f"{slug} now takes part as {role}")


@org.command()
@click.argument("slug")
@on_option
@reason_option(required=True)
def leave(slug: str, on: str | None, reason: str | None) -> None:
    """Record that an organisation left the collective (a reason is required).

    \b
    Example:
      collective --actor meera org leave care-india --on 2023-12-31 --reason "end of phase 1"
    """
    recording = context(on, reason)
    with _ledger() as app:
        report(app.leave(slug, recording), f"{slug} left")
