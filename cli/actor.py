"""Actors, their roles and keys: ``collective actor add|grant|revoke|key|revoke-key|list``."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import click

from cli.common import (
    as_of_option,
    context,
    json_option,
    ledger,
    ledger_part,
    on_option,
    report,
    travel,
)
from cli.output import echo, print_json, print_table

if TYPE_CHECKING:
    from ledger.actors import ActorCommands

__all__ = ["ROLES", "actor"]

ROLES = ("backbone-admin", "backbone-staff", "partner-reporter", "auditor", "funder")
"""The values of ``domain.actor.ActorRole`` (kept here so that ``--help`` loads no domain)."""


def _ledger() -> AbstractContextManager[ActorCommands]:
    from ledger.actors import ActorCommands

    return ledger_part(ActorCommands)


def _role_option(help_text: str, *, multiple: bool = False) -> Callable[[Any], Any]:
    return click.option(
        "--role",
        "roles" if multiple else "role",
        required=True,
        multiple=multiple,
        type=click.Choice(ROLES),
        help=help_text,
    )


@click.group()
def actor() -> None:
    """Who may record in the collective: actors, their organisation, roles and keys.

    A backbone admin registers actors and changes their roles and keys; whoever ran `init` is
    the collective's first backbone admin. Partner reporters record their own organisation's
    values; backbone staff record anything, values on behalf of any organisation; auditors and
    funders read. With a key registered, an actor signs what it records with --sign-with FILE.

    \b
    Example:
      collective --actor meera actor add ravi --org sattva --role backbone-staff
      collective --actor meera actor key ravi --vkey "ravi+1a2b3c4d+AXy..."
      collective --actor ravi --sign-with ravi.key value submit SS-EDU-01 --org hasiru-dala ...
    """


@actor.command("add")
@click.argument("name")
@click.option("--org", required=True, help="The organisation the actor belongs to.")
@_role_option("A role in this collective (repeatable).", multiple=True)
@click.option("--key", "vkey", default=None, metavar="VKEY", help="Its verifier key, if any.")
@on_option
def add(name: str, org: str, roles: tuple[str, ...], vkey: str | None, on: str | None) -> None:
    """Register NAME in the collective, with its organisation and roles.

    \b
    Example:
      collective --actor meera actor add priya --org hasiru-dala --role partner-reporter
      collective --actor meera actor add ravi --org sattva --role backbone-staff \\
          --key "ravi+1a2b3c4d+AXy..."
    """
    from domain.actor import ActorRole

    recording = context(on)
    with _ledger() as app:
        receipt = app.register_actor(name, org, [ActorRole(r) for r in roles], vkey, recording)
    report(receipt, f"{name} registered as {', '.join(sorted(set(roles)))}")


@actor.command("grant")
@click.argument("name")
@_role_option("The role to grant.")
@on_option
def grant(name: str, role: str, on: str | None) -> None:
    """Grant NAME another role.

    \b
    Example:
      collective --actor meera actor grant ravi --role backbone-admin
    """
    from domain.actor import ActorRole

    recording = context(on)
    with _ledger() as app:
        report(app.grant_role(name, ActorRole(role), recording), f"{name} is now {role}")


@actor.command("revoke")
@click.argument("name")
@_role_option("The role to revoke.")
@click.option("--reason", required=True, help="Why (required).")
@on_option
def revoke(name: str, role: str, reason: str, on: str | None) -> None:
    """Revoke a role of NAME (the collective keeps at least one backbone admin).

    \b
    Example:
      collective --actor meera actor revoke priya --role partner-reporter --reason "left"
    """
    from domain.actor import ActorRole

    recording = context(on, reason)
    with _ledger() as app:
        report(app.revoke_role(name, ActorRole(role), recording), f"{name} is no longer {role}")


@actor.command("key")
@click.argument("name")
@click.option("--vkey", required=True, metavar="VKEY", help="The verifier key (NAME+ID+KEY).")
@on_option
def key(name: str, vkey: str, on: str | None) -> None:
    """Register the verifier key NAME signs with (`collective keys generate` prints one).

    \b
    Example:
      collective --actor meera actor key ravi --vkey "ravi+1a2b3c4d+AXy..."
    """
    recording = context(on)
    with _ledger() as app:
        report(app.register_key(name, vkey, recording), f"key registered for {name}")


@actor.command("revoke-key")
@click.argument("name")
@click.option("--reason", required=True, help="Why (required).")
@on_option
def revoke_key(name: str, reason: str, on: str | None) -> None:
    """Revoke the key of NAME: anything signed with it later does not verify.

    \b
    Example:
      collective --actor meera actor revoke-key ravi --reason "laptop stolen"
    """
    recording = context(on, reason)
    with _ledger() as app:
        report(app.revoke_key(name, recording), f"key of {name} revoked")


@actor.command("list")
@json_option
@as_of_option
def list_actors(as_json: bool, as_of: str | None) -> None:
    """List the collective's actors, their organisation, roles and key.

    \b
    Example:
      collective actor list
      collective actor list --as-of 2024-01-01 --json
    """
    obj = click.get_current_context().find_root().obj
    with ledger() as app:
        travel(app, as_of)
        slug = app.collective(obj.collective).slug
        found = app.actors(slug)
    if as_json:
        rows = [
            {
                "name": a.name,
                "organisation": a.organisation,
                "roles": sorted(a.roles),
                "vkey": a.vkey,
                "revoked_keys": list(a.revoked_keys),
            }
            for a in found
        ]
        print_json({"collective": slug, "actors": rows})
        return
    if not found:
        echo(f"No actors registered in {slug}.")
        return
    print_table(
        ["name", "organisation", "roles", "key"],
        [
            (a.name, a.organisation or "", ", ".join(sorted(a.roles)) or "-", _key(a.vkey))
            for a in found
        ],
        title=f"Actors of {slug}",
    )


def _key(vkey: str | None) -> str:
    """``NAME+KEYID`` of a verifier key, or ``-``."""
    return "+".join(vkey.split("+", 2)[:2]) if vkey else "-"
