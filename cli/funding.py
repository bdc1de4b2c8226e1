"""Funding: ``collective funding commit|disburse|show|list``."""

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
from cli.inputs import money_or_none, term_options, term_or_none
from cli.output import echo, print_json, print_table

if TYPE_CHECKING:
    from domain.funding import Funding
    from domain.values import Money
    from ledger.application import LedgerApplication

__all__ = ["funding"]


def _money(amount: str, currency: str) -> Money:
    money = money_or_none(amount, currency)
    if money is None:  # pragma: no cover - both options are required
        raise InputError("give --amount and --currency")
    return money


def _collective(app: LedgerApplication) -> str:
    return app.collective(click.get_current_context().find_root().obj.collective).slug


@click.group()
def funding() -> None:
    """Funding commitments between organisations, and disbursements against them.

    Amounts are exact decimals (1500000.50) in an ISO 4217 currency.

    \b
    Example:
      collective --actor meera funding commit --from hm-foundation --to sattva \\
          --amount 25000000 --currency INR --period FY2024-25
      collective --actor meera funding disburse fc-1 --amount 12500000 --currency INR
      collective funding show fc-1
    """


@funding.command("commit")
@click.option("--from", "funder", required=True, metavar="ORG", help="Who commits the money.")
@click.option("--to", "recipient", required=True, metavar="ORG", help="Who receives it.")
@click.option("--amount", required=True, help="How much, as a decimal (no thousands commas).")
@click.option("--currency", required=True, help="ISO 4217 currency code (INR, BDT, USD).")
@click.option(
    "--agreement", default=None, metavar="SLUG", help="The funding agreement it rests on."
)
@term_options
@on_option
@reason_option()
def commit(
    funder: str,
    recipient: str,
    amount: str,
    currency: str,
    agreement: str | None,
    start: str | None,
    end: str | None,
    period: str | None,
    on: str | None,
    reason: str | None,
) -> None:
    """Record a funding commitment from one organisation to another; prints its id (fc-<n>).

    \b
    Example:
      collective --actor meera funding commit --from hm-foundation --to sattva \\
          --amount 25000000 --currency INR --period FY2024-25 --agreement ss-funding-2024
    """
    from domain.funding import Pledge

    pledge = Pledge(
        funder=funder,
        recipient=recipient,
        money=_money(amount, currency),
        term=term_or_none(start, end, period),
        agreement=agreement,
    )
    recording = context(on, reason)
    with ledger() as app:
        receipt, ref = app.commit_funding(pledge, recording)
        report(receipt, f"Recorded funding {ref}: {funder} commits {pledge.money} to {recipient}")
    echo(ref)


@funding.command("disburse")
@click.argument("ref", metavar="ID")
@click.option("--amount", required=True, help="How much, as a decimal.")
@click.option("--currency", required=True, help="ISO 4217 currency; must be the commitment's.")
@on_option
@reason_option()
def disburse(ref: str, amount: str, currency: str, on: str | None, reason: str | None) -> None:
    """Record a disbursement against funding commitment ID.

    Going beyond what remains committed needs a --reason.

    \b
    Example:
      collective --actor meera funding disburse fc-1 --amount 12500000.00 --currency INR \\
          --on 2024-05-02
    """
    money = _money(amount, currency)
    recording = context(on, reason)
    with ledger() as app:
        receipt = app.disburse(ref, money, recording)
        remaining = app.funding(_collective(app), ref).remaining
        report(receipt, f"Disbursed {money} against {ref}; {remaining} {money.currency} remains")


@funding.command("show")
@click.argument("ref", metavar="ID")
@json_option
@as_of_option
def show(ref: str, as_of: str | None, as_json: bool) -> None:
    """Show funding commitment ID and its disbursements.

    \b
    Example:
      collective funding show fc-1 --json
    """
    with ledger() as app:
        travel(app, as_of)
        found = app.funding(_collective(app), ref)
    data = _as_dict(found)
    if as_json:
        print_json(data)
        return
    pledge = found.pledge
    echo(f"{found.ref}: {pledge.funder} commits {pledge.money} to {pledge.recipient}")
    if pledge.term:
        echo(f"  term: {pledge.term}")
    if pledge.agreement:
        echo(f"  agreement: {pledge.agreement}")
    echo(f"  disbursed {found.disbursed} {found.currency}, {found.remaining} remains")
    if found.disbursements:
        print_table(
            ["date", "amount", "over the commitment"],
            [(d.on, d.money, d.over) for d in found.disbursements],
            title="Disbursements",
        )


@funding.command("list")
@json_option
@as_of_option
def list_(as_of: str | None, as_json: bool) -> None:
    """List funding commitments with what was disbursed and what remains.

    \b
    Example:
      collective funding list --json
    """
    with ledger() as app:
        travel(app, as_of)
        found = app.all_funding(_collective(app))
    rows = [_as_dict(f) for f in found]
    if as_json:
        print_json(rows)
        return
    print_table(
        ["id", "from", "to", "committed", "disbursed", "remains"],
        [
            (
                f.ref,
                f.pledge.funder,
                f.pledge.recipient,
                f.pledge.money,
                f"{f.disbursed} {f.currency}",
                f"{f.remaining} {f.currency}",
            )
            for f in found
        ],
        title=f"Funding commitments ({len(found)})",
    )


def _as_dict(found: Funding) -> dict[str, Any]:
    return {
        "funding": found.ref,
        "committed_on": found.committed_on.isoformat(),
        **found.pledge.model_dump(mode="json"),
        "disbursed": str(found.disbursed),
        "remaining": str(found.remaining),
        "disbursements": [d.model_dump(mode="json") for d in found.disbursements],
    }
