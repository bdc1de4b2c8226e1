"""Agreements: ``collective agreement draft|sign|amend|terminate|show``."""

from __future__ import annotations

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
from cli.output import echo, print_json, print_table
from domain.vocabulary import AgreementKind

__all__ = ["agreement"]


@click.group()
def agreement() -> None:
    """Charters, memoranda of understanding, data-sharing and funding agreements.

    An agreement is drafted between member organisations, signed by each party, and in force
    once every party has signed. Amended terms are signed again by every party.

    \b
    Example:
      collective --actor meera agreement draft charter-2020 --kind charter \\
          --party hasiru-dala --party nudge-institute --file charter.md
      collective --actor meera agreement sign charter-2020 --party hasiru-dala \\
          --signatory "Nalini Shekar"
      collective agreement show charter-2020
    """


_file_option = click.option(
    "--file", "path", default=None, metavar="FILE", help="The terms, from a UTF-8 text file."
)
_terms_option = click.option("--terms", default=None, help="The terms, as text.")


@agreement.command("draft")
@click.argument("slug")
@click.option(
    "--kind",
    required=True,
    type=click.Choice([k.value for k in AgreementKind]),
    help="What kind of agreement it is.",
)
@click.option(
    "--party",
    "parties",
    multiple=True,
    required=True,
    metavar="ORG",
    help="A member organisation that is a party (repeatable; at least two).",
)
@_file_option
@_terms_option
@on_option
@reason_option()
def draft(
    slug: str,
    kind: str,
    parties: tuple[str, ...],
    path: str | None,
    terms: str | None,
    on: str | None,
    reason: str | None,
) -> None:
    """Draft an agreement between member organisations, with its terms (--file or --terms).

    \b
    Example:
      collective --actor meera agreement draft data-sharing-2021 --kind data-sharing \\
          --party hasiru-dala --party sattva --file data-sharing.md --on 2021-03-01
    """
    from domain.agreement import AgreementDraft

    text = _terms(path, terms)
    found = AgreementDraft(slug=slug, kind=AgreementKind(kind), parties=parties, terms=text)
    recording = context(on, reason)
    with ledger() as app:
        report(app.draft_agreement(found, recording), f"Drafted {kind} {slug}")


@agreement.command("sign")
@click.argument("slug")
@click.option("--party", required=True, metavar="ORG", help="The party that signs.")
@click.option("--signatory", required=True, metavar="NAME", help="Who signed for the party.")
@on_option
def sign(slug: str, party: str, signatory: str, on: str | None) -> None:
    """Record a party's signature (dated --on); the last signature brings it into force.

    \b
    Example:
      collective --actor meera agreement sign charter-2020 --party hasiru-dala \\
          --signatory "Nalini Shekar" --on 2020-02-14
    """
    recording = context(on)
    with ledger() as app:
        receipt = app.sign_agreement(slug, party, signatory, recording)
        status = app.agreement(app.collective(recording.collective).slug, slug).status
        report(receipt, f"{party} signed {slug} (now {status})")


@agreement.command("amend")
@click.argument("slug")
@_file_option
@_terms_option
@on_option
@reason_option(required=True)
def amend(
    slug: str, path: str | None, terms: str | None, on: str | None, reason: str | None
) -> None:
    """Replace the terms of an agreement (a reason is required); every party signs again.

    Until every party has signed the amended terms, the earlier terms stay in force.

    \b
    Example:
      collective --actor meera agreement amend charter-2020 --file charter-2024.md \\
          --reason "backbone handover to Sattva" --on 2024-01-10
    """
    text = _terms(path, terms)
    recording = context(on, reason)
    with ledger() as app:
        report(app.amend_agreement(slug, text, recording), f"Amended {slug}")


@agreement.command("terminate")
@click.argument("slug")
@on_option
@reason_option(required=True)
def terminate(slug: str, on: str | None, reason: str | None) -> None:
    """End an agreement (a reason is required); it takes nothing more after that.

    \b
    Example:
      collective --actor meera agreement terminate mou-care-2020 --reason "end of phase 1" \\
          --on 2023-12-31
    """
    recording = context(on, reason)
    with ledger() as app:
        report(app.terminate_agreement(slug, recording), f"Terminated {slug}")


@agreement.command("show")
@click.argument("slug")
@json_option
@as_of_option
def show(slug: str, as_of: str | None, as_json: bool) -> None:
    """Show an agreement: its kind, status, parties and their signatures, and its terms.

    \b
    Example:
      collective agreement show charter-2020 --json
    """
    obj = click.get_current_context().find_root().obj
    with ledger() as app:
        travel(app, as_of)
        found = app.agreement(app.collective(obj.collective).slug, slug)
    signed = found.signed()
    parties = [
        {
            "party": party,
            "signatory": signed[party].signatory if party in signed else None,
            "signed": signed[party].signed.isoformat() if party in signed else None,
        }
        for party in found.parties
    ]
    if as_json:
        print_json(
            {
                "agreement": found.slug,
                "kind": found.kind.value,
                "status": found.status,
                "terms_version": found.terms_version,
                "in_force_version": found.in_force,
                "terminated": found.terminated.isoformat() if found.terminated else None,
                "parties": parties,
                "terms": found.terms[-1],
                "signatures": [s.model_dump(mode="json") for s in found.signatures],
            }
        )
        return
    echo(f"{found.slug} ({found.kind}): {found.status}, terms version {found.terms_version}")
    print_table(
        ["party", "signatory", "signed"],
        [(p["party"], p["signatory"], p["signed"]) for p in parties],
    )
    echo("")
    echo(found.terms[-1])


def _terms(path: str | None, terms: str | None) -> str:
    from cli.files import read_text

    if (path is None) == (terms is None):
        raise InputError("give the terms with either --file or --terms")
    return read_text(path, "terms file") if path is not None else str(terms)
