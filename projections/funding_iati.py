"""Funding as the IATI export reads it: every commitment and every disbursement, with its parties.

A small read model of its own (the IATI export reads projections, never the aggregates): one row
per commitment and one per disbursement, amounts as their exact decimal text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from projections.engine import EventRecord, Projection, Writer

if TYPE_CHECKING:
    from projections.registry import Views

__all__ = ["FUNDING_IATI", "Flow", "funding_flows"]

COMMITMENTS = "view_iati_commitments"
DISBURSEMENTS = "view_iati_disbursements"

FUNDING_IATI = Projection(
    name="funding_iati",
    schema=1,
    tables={
        COMMITMENTS: "collective TEXT NOT NULL, funding TEXT NOT NULL, funder TEXT NOT NULL, "
        "recipient TEXT NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL, "
        "committed_on TEXT NOT NULL, agreement TEXT",
        DISBURSEMENTS: "collective TEXT NOT NULL, funding TEXT NOT NULL, "
        "position BIGINT NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL, "
        "disbursed_on TEXT NOT NULL",
    },
)


@FUNDING_IATI.on("Funding.Committed")
def _committed(w: Writer, e: EventRecord) -> None:
    pledge = e.state["pledge"]
    w.put(
        COMMITMENTS,
        {"collective": e.meta["collective"], "funding": e.state["funding"]},
        {
            "funder": pledge["funder"],
            "recipient": pledge["recipient"],
            "amount": pledge["money"]["amount"],
            "currency": pledge["money"]["currency"],
            "committed_on": e.meta["effective"],
            "agreement": pledge.get("agreement"),
        },
        e.position,
    )


@FUNDING_IATI.on("Funding.Disbursed")
def _disbursed(w: Writer, e: EventRecord) -> None:
    w.insert(
        DISBURSEMENTS,
        {"collective": e.meta["collective"], "funding": e.state["funding"], "position": e.position},
        {
            "amount": e.state["money"]["amount"],
            "currency": e.state["money"]["currency"],
            "disbursed_on": e.meta["effective"],
        },
        e.position,
    )


@dataclass(frozen=True)
class Flow:
    """A commitment or a disbursement, from the funder to the recipient."""

    kind: str
    """``commitment`` or ``disbursement``."""
    funding: str
    funder: str
    recipient: str
    amount: Decimal
    currency: str
    on: date
    position: int


def funding_flows(views: Views, collective: str, at: int | None) -> list[Flow]:
    """Every commitment and disbursement of the collective at ``at``, by date, then as recorded."""
    db = views.db
    commitments = db.query(
        "SELECT funding, funder, recipient, amount, currency, committed_on, valid_from "
        f"FROM {db.table(COMMITMENTS)} WHERE collective = ? AND {db.visible(at)}",
        [collective],
    )
    parties = {str(c["funding"]): (str(c["funder"]), str(c["recipient"])) for c in commitments}
    flows = [
        Flow(
            "commitment",
            str(c["funding"]),
            str(c["funder"]),
            str(c["recipient"]),
            Decimal(c["amount"]),
            str(c["currency"]),
            date.fromisoformat(c["committed_on"]),
            int(c["valid_from"]),
        )
        for c in commitments
    ]
    for d in db.query(
        "SELECT funding, position, amount, currency, disbursed_on "
        f"FROM {db.table(DISBURSEMENTS)} WHERE collective = ? AND {db.visible(at)}",
        [collective],
    ):
        funder, recipient = parties[str(d["funding"])]
        flows.append(
            Flow(
                "disbursement",
                str(d["funding"]),
                funder,
                recipient,
                Decimal(d["amount"]),
                str(d["currency"]),
                date.fromisoformat(d["disbursed_on"]),
                int(d["position"]),
            )
        )
    return sorted(flows, key=lambda f: (f.on, f.position))
