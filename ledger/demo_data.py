"""What the demonstration ledger is made of: collectives, organisations, agendas and indicators.

Names of programmes, places, backbones and partners are PUBLIC (see ``ledger/demo.py``); agenda
wording, indicator codes, categories, numbers and dates are invented for illustration.
"""

from __future__ import annotations

from datetime import date

from domain.agenda import AgendaText, SharedOutcome
from domain.collective import Settings
from domain.measurement import Baseline, Definition, Dimension
from domain.periods import Cadence, Calendar
from domain.vocabulary import Aggregation, Direction, OrgType, Role, Unit

__all__ = [
    "DEPARTURES",
    "INDICATORS",
    "MEMBERSHIPS",
    "OP",
    "OP_AGENDA",
    "OP_AGENDA_PHASE_2",
    "ORGANISATIONS",
    "REPORTERS",
    "SS",
    "SS_AGENDA",
    "SS_AGENDA_COVID",
]

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
    (OP.slug, "hm-foundation", Role.FUNDER, date(2021, 3, 1)),
    (OP.slug, "asia-foundation", Role.BACKBONE, date(2021, 3, 1)),
    (OP.slug, "care-bangladesh", Role.IMPLEMENTING, date(2021, 4, 1)),
    (OP.slug, "wateraid-bangladesh", Role.IMPLEMENTING, date(2021, 4, 1)),
    (OP.slug, "save-the-children-bd", Role.IMPLEMENTING, date(2021, 4, 1)),
    (OP.slug, "ide-bangladesh", Role.IMPLEMENTING, date(2022, 7, 1)),
    (OP.slug, "swisscontact", Role.IMPLEMENTING, date(2022, 7, 1)),
    (OP.slug, "lightcastle", Role.LEARNING, date(2022, 7, 1)),
]

DEPARTURES: list[tuple[str, str, date, str]] = [
    (
        SS.slug,
        "care-india",
        date(2023, 12, 31),
        "phase 1 ended; CARE India is not a phase 2 partner",
    ),
]

SS_AGENDA = AgendaText(
    problem="About 22,500 informal waste pickers in Bengaluru work without social security, "
    "safe sanitation or recognition; their children leave school early.",
    vision="Waste pickers and their families live with dignity, security and choice "
    "(ಘನತೆ, ಭದ್ರತೆ, ಆಯ್ಕೆ).",
    outcomes=(
        SharedOutcome(code="SS-O1", title="Social security and entitlements"),
        SharedOutcome(code="SS-O2", title="Children's education"),
        SharedOutcome(code="SS-O3", title="Income and livelihoods"),
        SharedOutcome(code="SS-O4", title="Water and sanitation"),
        SharedOutcome(code="SS-O5", title="Public perception of waste pickers"),
    ),
    strategies=(
        "Enrol every waste-picker family in the schemes it is entitled to",
        "Keep children in school through bridge classes and scholarships",
    ),
    equity_commitments=(
        "Women waste pickers hold at least half of the community seats",
        "Caste is self-identified, optional, and never published in small cells",
    ),
)

SS_AGENDA_COVID = SS_AGENDA.model_copy(
    update={
        "strategies": (
            *SS_AGENDA.strategies,
            "During lockdowns, deliver rations and cash transfers door to door",
        ),
        "equity_commitments": (
            *SS_AGENDA.equity_commitments,
            "Relief reaches families without documents first",
        ),
    }
)

OP_AGENDA = AgendaText(
    problem="Women garment workers in Bangladesh lose work to automation, climate change and "
    "trade shifts, with little say over what comes next.",
    vision="Women garment workers are undefeated (অপরাজিতা): skilled, secure and leading.",
    outcomes=(
        SharedOutcome(code="OP-O1", title="Future-oriented skills"),
        SharedOutcome(code="OP-O2", title="Decent employment and income"),
        SharedOutcome(code="OP-O3", title="Women in leadership"),
        SharedOutcome(code="OP-O4", title="Safety from gender-based violence"),
    ),
    strategies=("Train for roles that automation creates", "Place and follow up for six months"),
    equity_commitments=("Worker representatives hold community seats on every body",),
)

OP_AGENDA_PHASE_2 = OP_AGENDA.model_copy(
    update={
        "outcomes": (
            *OP_AGENDA.outcomes,
            SharedOutcome(code="OP-O5", title="Decarbonisation and climate resilience"),
        ),
        "strategies": (
            *OP_AGENDA.strategies,
            "Green skills for decarbonising factories; heat-stress protection",
        ),
    }
)


def _dim(name: str, *categories: str) -> Dimension:
    return Dimension(name=name, categories=categories)


SEX = _dim("sex", "female", "male")
AGE_ADULT = _dim("age", "18-35", "36-59", "60-plus")

INDICATORS: dict[str, list[tuple[str, Definition]]] = {
    SS.slug: [
        (
            "SS-SOC-01",
            Definition(
                name="Successful social-security applications",
                unit=Unit.COUNT,
                direction=Direction.UP,
                cadence=Cadence.QUARTERLY,
                aggregation=Aggregation.SUM,
                dimensions=(SEX, AGE_ADULT, _dim("social-group", "sc", "st", "obc", "other")),
                sdg=("1.3.1",),
                source="Partner case files",
                method="Approved applications",
                baseline=Baseline(period="FY2019-20", value=120),
            ),
        ),
        (
            "SS-EDU-01",
            Definition(
                name="Children of waste-picker families enrolled in school",
                unit=Unit.COUNT,
                direction=Direction.UP,
                cadence=Cadence.QUARTERLY,
                aggregation=Aggregation.SUM,
                dimensions=(SEX, _dim("age", "3-5", "6-14", "15-18")),
                sdg=("4.2.2",),
                baseline=Baseline(period="FY2019-20", value=310),
            ),
        ),
        (
            "SS-INC-01",
            Definition(
                name="Median monthly household income, tracked cohort",
                unit=Unit.CURRENCY,
                currency="INR",
                direction=Direction.UP,
                cadence=Cadence.QUARTERLY,
                aggregation=Aggregation.MEDIAN,
                dimensions=(_dim("earner-sex", "female", "male"),),
                sdg=("1.1.1",),
                baseline=Baseline(period="FY2019-20", value=7800),
            ),
        ),
        (
            "SS-FIN-01",
            Definition(
                name="Cohort members with an active bank account",
                unit=Unit.PERCENT,
                direction=Direction.UP,
                cadence=Cadence.QUARTERLY,
                aggregation=Aggregation.MEAN,
                dimensions=(SEX,),
                sdg=("8.10.2",),
                baseline=Baseline(period="FY2019-20", value=41),
            ),
        ),
        (
            "SS-WASH-01",
            Definition(
                name="Households with functional sanitation",
                unit=Unit.PERCENT,
                direction=Direction.UP,
                cadence=Cadence.YEARLY,
                aggregation=Aggregation.MEAN,
                dimensions=(_dim("locality", "vinobha-nagar", "vinayaka-nagar", "kunthigrama"),),
                sdg=("6.2.1",),
                baseline=Baseline(period="FY2019-20", value=38),
            ),
        ),
    ],
    OP.slug: [
        (
            "OP-SKL-01",
            Definition(
                name="Women trained for future-oriented roles",
                unit=Unit.COUNT,
                direction=Direction.UP,
                cadence=Cadence.QUARTERLY,
                aggregation=Aggregation.SUM,
                dimensions=(
                    _dim("employment", "employed", "unemployed"),
                    _dim("age", "18-24", "25-34", "35-plus"),
                    _dim("district", "dhaka", "gazipur", "narayanganj"),
                ),
                sdg=("4.3.1",),
                baseline=Baseline(period="FY2020-21", value=0),
            ),
        ),
        (
            "OP-EMP-01",
            Definition(
                name="Placement rate of trained women after six months",
                unit=Unit.PERCENT,
                direction=Direction.UP,
                cadence=Cadence.QUARTERLY,
                aggregation=Aggregation.MEAN,
                dimensions=(_dim("district", "dhaka", "gazipur", "narayanganj"),),
                sdg=("8.5.2",),
            ),
        ),
        (
            "OP-INC-01",
            Definition(
                name="Change in monthly income of placed women",
                unit=Unit.PERCENT,
                direction=Direction.UP,
                cadence=Cadence.YEARLY,
                aggregation=Aggregation.MEAN,
                dimensions=(_dim("district", "dhaka", "gazipur", "narayanganj"),),
                sdg=("8.5.1",),
            ),
        ),
        (
            "OP-LDR-01",
            Definition(
                name="Women in supervisory or leadership roles",
                unit=Unit.COUNT,
                direction=Direction.UP,
                cadence=Cadence.QUARTERLY,
                aggregation=Aggregation.SUM,
                dimensions=(_dim("role", "line-supervisor", "floor-manager"),),
                sdg=("5.5.2",),
            ),
        ),
        (
            "OP-GBV-01",
            Definition(
                name="Women receiving psychosocial or GBV referral services",
                unit=Unit.COUNT,
                direction=Direction.UP,
                cadence=Cadence.QUARTERLY,
                aggregation=Aggregation.SUM,
                dimensions=(
                    _dim("age", "18-24", "25-34", "35-plus"),
                    _dim("service", "psychosocial", "legal", "medical"),
                ),
                sdg=("5.2.1",),
            ),
        ),
    ],
}

# indicator -> (reporting organisations, the dimensions they report by, first quarter, level)
REPORTERS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str, int]] = {
    "SS-SOC-01": (
        ("hasiru-dala", "sambhav-foundation", "sparsha-trust"),
        ("sex", "age"),
        "2020Q2",
        40,
    ),
    "SS-EDU-01": (("bal-raksha-bharat", "hasiru-dala"), ("sex", "age"), "2020Q2", 60),
    "SS-INC-01": (("udhyam", "hasiru-dala"), ("earner-sex",), "2021Q2", 8000),
    "SS-FIN-01": (("sambhav-foundation", "hasiru-dala"), ("sex",), "2020Q2", 45),
    "OP-SKL-01": (("care-bangladesh", "save-the-children-bd"), ("age", "district"), "2021Q2", 25),
    "OP-EMP-01": (("care-bangladesh", "swisscontact"), ("district",), "2022Q3", 52),
    "OP-LDR-01": (("care-bangladesh", "ide-bangladesh"), ("role",), "2022Q3", 6),
    "OP-GBV-01": (("save-the-children-bd",), ("service",), "2021Q2", 9),
}
