"""The demonstration ledger: Saamuhika Shakti (Bengaluru) and Oporajita (Bangladesh), 2020 onwards.

Built through the same application methods as every command, so it shows exactly what a backbone
team would record. Deterministic: the same events every run (apart from recorded times).

Facts marked PUBLIC come from the programmes' public descriptions; everything else (dates of
joining, actor names, roles beyond those named publicly) is invented for illustration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from domain.collective import Settings
from domain.organisation import Profile
from domain.periods import Calendar
from domain.vocabulary import OrgType, Role
from ledger.application import Context, LedgerApplication

__all__ = ["ABOUT", "DemoSummary", "build_demo"]

ABOUT = """\
A demonstration ledger, built by `collective demo`.
Public facts: the two programmes, their places and aims; Saamuhika Shakti's backbone
organisations (The/Nudge Institute in phase 1, Sattva from January 2024) and implementing
partners; Oporajita's pilot partners (CARE, WaterAid, Save the Children) and its backbone
(The Asia Foundation). Invented for illustration: every date of joining and leaving, the people
who record (meera, ravi, nasrin, farhana), and anything else not listed as public."""

SS = Settings(
    slug="saamuhika-shakti",
    name="Saamuhika Shakti (ಸಾಮೂಹಿಕ ಶಕ್ತಿ)",
    calendar=Calendar.INDIA,
    timezone="Asia/Kolkata",
    currency="INR",
)
OP = Settings(
    slug="oporajita",
    name="Oporajita (অপরাজিতা)",
    calendar=Calendar.BANGLADESH,
    timezone="Asia/Dhaka",
    currency="BDT",
)

# slug, name, type (PUBLIC names; the slugs are ours)
ORGANISATIONS: list[tuple[str, str, OrgType]] = [
    ("hm-foundation", "H&M Foundation", OrgType.FUNDER),
    ("nudge-institute", "The/Nudge Institute", OrgType.BACKBONE),
    ("sattva", "Sattva Consulting", OrgType.BACKBONE),
    ("hasiru-dala", "Hasiru Dala (ಹಸಿರು ದಳ)", OrgType.COMMUNITY),
    ("bal-raksha-bharat", "Bal Raksha Bharat", OrgType.IMPLEMENTING),
    ("bbc-media-action", "BBC Media Action", OrgType.IMPLEMENTING),
    ("caif", "Circular Apparel Innovation Factory", OrgType.IMPLEMENTING),
    ("enviu", "Enviu", OrgType.IMPLEMENTING),
    ("sambhav-foundation", "Sambhav Foundation", OrgType.IMPLEMENTING),
    ("sparsha-trust", "Sparsha Trust", OrgType.IMPLEMENTING),
    ("udhyam", "Udhyam Learning Foundation", OrgType.IMPLEMENTING),
    ("social-alpha", "Social Alpha", OrgType.IMPLEMENTING),
    ("wateraid-india", "WaterAid India", OrgType.IMPLEMENTING),
    ("care-india", "CARE India", OrgType.IMPLEMENTING),
    ("asia-foundation", "The Asia Foundation", OrgType.BACKBONE),
    ("care-bangladesh", "CARE Bangladesh", OrgType.IMPLEMENTING),
    ("wateraid-bangladesh", "WaterAid Bangladesh", OrgType.IMPLEMENTING),
    ("save-the-children-bd", "Save the Children in Bangladesh", OrgType.IMPLEMENTING),
    ("ide-bangladesh", "iDE Bangladesh", OrgType.IMPLEMENTING),
    ("swisscontact", "Swisscontact", OrgType.IMPLEMENTING),
    ("lightcastle", "LightCastle Partners", OrgType.LEARNING),
    ("shimmy", "Shimmy Technologies", OrgType.IMPLEMENTING),
]

# collective, org, role, joined (dates invented unless noted)
MEMBERSHIPS: list[tuple[str, str, Role, date]] = [
    (SS.slug, "hm-foundation", Role.FUNDER, date(2020, 1, 10)),
    (SS.slug, "nudge-institute", Role.BACKBONE, date(2020, 1, 10)),
    (SS.slug, "hasiru-dala", Role.COMMUNITY, date(2020, 1, 15)),
    (SS.slug, "care-india", Role.IMPLEMENTING, date(2020, 1, 15)),
    (SS.slug, "bal-raksha-bharat", Role.IMPLEMENTING, date(2020, 2, 1)),
    (SS.slug, "sambhav-foundation", Role.IMPLEMENTING, date(2020, 2, 1)),
    (SS.slug, "sparsha-trust", Role.IMPLEMENTING, date(2020, 2, 1)),
    (SS.slug, "wateraid-india", Role.IMPLEMENTING, date(2020, 2, 1)),
    (SS.slug, "udhyam", Role.IMPLEMENTING, date(2021, 4, 1)),
    (SS.slug, "bbc-media-action", Role.IMPLEMENTING, date(2021, 4, 1)),
    (SS.slug, "social-alpha", Role.IMPLEMENTING, date(2022, 4, 1)),
    (SS.slug, "sattva", Role.BACKBONE, date(2024, 1, 1)),  # PUBLIC: backbone from January 2024
    (SS.slug, "caif", Role.IMPLEMENTING, date(2024, 4, 1)),
    (SS.slug, "enviu", Role.IMPLEMENTING, date(2024, 4, 1)),
    (OP.slug, "hm-foundation", Role.FUNDER, date(2021, 3, 1)),
    (OP.slug, "asia-foundation", Role.BACKBONE, date(2021, 3, 1)),
    (OP.slug, "care-bangladesh", Role.IMPLEMENTING, date(2021, 4, 1)),  # PUBLIC: April 2021 pilot
    (OP.slug, "wateraid-bangladesh", Role.IMPLEMENTING, date(2021, 4, 1)),
    (OP.slug, "save-the-children-bd", Role.IMPLEMENTING, date(2021, 4, 1)),
    (OP.slug, "ide-bangladesh", Role.IMPLEMENTING, date(2022, 7, 1)),
    (OP.slug, "swisscontact", Role.IMPLEMENTING, date(2022, 7, 1)),
    (OP.slug, "lightcastle", Role.LEARNING, date(2022, 7, 1)),
    (OP.slug, "shimmy", Role.IMPLEMENTING, date(2025, 7, 1)),
]

# collective, org, left, reason
DEPARTURES: list[tuple[str, str, date, str]] = [
    (
        SS.slug,
        "care-india",
        date(2023, 12, 31),
        "phase 1 ended; CARE India is not a phase 2 partner",
    ),
    (SS.slug, "nudge-institute", date(2023, 12, 31), "backbone role handed over to Sattva"),
]


@dataclass(frozen=True)
class DemoSummary:
    collectives: tuple[str, ...]
    organisations: int
    events: int


def build_demo(
    app: LedgerApplication, progress: Callable[[str], None] = lambda _: None
) -> DemoSummary:
    """Record the demonstration scenario in ``app`` and say what was built."""
    for settings, actor, day in (
        (SS, "meera", date(2020, 1, 10)),
        (OP, "nasrin", date(2021, 3, 1)),
    ):
        app.init_collective(settings, Context(actor=actor, on=day))
    progress("collectives set up")
    for slug, name, org_type in ORGANISATIONS:
        app.add_organisation(
            Profile(slug=slug, name=name, type=org_type),
            Context(actor="meera", on=date(2020, 1, 10)),
        )
    progress("organisations registered")
    for collective, org, role, day in MEMBERSHIPS:
        actor = "meera" if collective == SS.slug else "nasrin"
        if collective == SS.slug and day >= date(2024, 1, 1):
            actor = "ravi"
        app.join(org, role, Context(actor=actor, collective=collective, on=day))
    for collective, org, day, reason in DEPARTURES:
        app.leave(org, Context(actor="meera", collective=collective, on=day, reason=reason))
    progress("memberships recorded")
    return DemoSummary(
        collectives=(SS.slug, OP.slug), organisations=len(ORGANISATIONS), events=app.event_count()
    )
