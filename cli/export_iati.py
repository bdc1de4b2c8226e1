"""``collective export iati``: the collective as an IATI 2.03 activity, for funders to publish."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.export_options import export_with_options, threshold

if TYPE_CHECKING:
    from projections.exports import ExportRequest

__all__ = ["iati"]


@export_with_options(
    "iati",
    "An IATI 2.03 activity file of the collective (organisations, funding, results): "
    "validate it, then publish it to the IATI Registry.",
    "collective export iati --out activity.xml --reporting-org hm-foundation \\\n"
    "      --org-ref hm-foundation=XX-DEMO-HMF",
    click.option(
        "--reporting-org",
        "reporting_org",
        default=None,
        metavar="ORG",
        help="The organisation that publishes the file (default: the current backbone).",
    ),
    click.option(
        "--country",
        default=None,
        metavar="CODE",
        help="The recipient country (ISO 3166-1; default: IN for the india calendar, BD for "
        "bangladesh).",
    ),
    click.option(
        "--org-ref",
        "org_refs",
        multiple=True,
        metavar="SLUG=REF",
        help="An organisation's IATI identifier (repeat; default: its slug).",
    ),
    threshold,
)
def iati(request: ExportRequest) -> str:
    from projections.exports.iati import write_iati

    withheld = write_iati(request)
    if not withheld:
        return "IATI 2.03 activity"
    return (
        f"IATI 2.03 activity; {withheld} actual values withheld: counts below "
        f"{request.options['threshold']} in a cell, or figures they could be worked out from"
    )
