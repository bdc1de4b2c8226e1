"""The demonstration ledger: Saamuhika Shakti (Bengaluru) and Oporajita (Bangladesh), 2020-2026.

Recorded through the same application methods as every command, in the order a backbone team
would have recorded it, so ``collective log`` reads as the story of the two collectives. It is
deterministic: the same events every run (apart from recorded times); the "reported" numbers come
from a hash of what they are about, not from a random generator.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from domain.activity import Commitment, Plan
from domain.activity import Revision as PlanRevision
from domain.actor import ActorRole
from domain.agreement import AgreementDraft
from domain.communication import Notice, Voice
from domain.funding import Pledge
from domain.governance import Charter, Proposal
from domain.learning import Insight
from domain.measurement import CategoryMap, Dimension, Revision
from domain.organisation import Profile
from domain.periods import Calendar, Period, next_period, parse_period
from domain.reporting import ReportKey, Submission, ValueKey
from domain.values import Money, Term
from domain.vocabulary import (
    ActivityProgress,
    AgreementKind,
    BackboneFunction,
    DecisionRule,
    ReviewAction,
    Role,
    Stance,
)
from ledger.application import Context, LedgerApplication
from ledger.demo_data import (
    DEPARTURES,
    INDICATORS,
    MEMBERSHIPS,
    OP,
    OP_AGENDA,
    OP_AGENDA_PHASE_2,
    ORGANISATIONS,
    REPORTERS,
    SS,
    SS_AGENDA,
    SS_AGENDA_COVID,
)

__all__ = ["ABOUT", "LAST_QUARTER", "DemoSummary", "build_demo", "quarters_reported"]

ABOUT = """\
A demonstration ledger, built by `collective demo`.
Public facts: the two programmes, their places and aims; Saamuhika Shakti's backbone
organisations (The/Nudge Institute in phase 1, Sattva from January 2024) and its implementing
partners; Oporajita's pilot in April 2021 with CARE, WaterAid and Save the Children, its backbone
(The Asia Foundation) and its phase 2 focus on decarbonisation and climate resilience (2025).
Invented for illustration: every indicator code, category and number, every decision, meeting,
agreement, activity, feedback and amount, every date not named above, and the people who record
(meera, ravi, nasrin, farhana) and the community representatives (wp-rep-1 ...)."""

LAST_QUARTER = "2026Q3"
"""The demo reports up to the quarter ending September 2026."""


@dataclass(frozen=True)
class DemoSummary:
    collectives: tuple[str, ...]
    organisations: int
    values: int
    events: int
    verifier_key: str
    """The verifier key of the demo's checkpoint signer (its signing key is public: a demo)."""


class _Story:
    """Records one collective's story; small helpers keep each step one line."""

    def __init__(self, app: LedgerApplication, slug: str, actor: str) -> None:
        self.app = app
        self.slug = slug
        self.actor = actor
        self.values = 0

    def ctx(self, on: date, reason: str | None = None, actor: str | None = None) -> Context:
        return Context(actor=actor or self.actor, collective=self.slug, on=on, reason=reason)

    def decide(
        self,
        body: str,
        title: str,
        rationale: str,
        on: date,
        *,
        consent: Sequence[str] = (),
        object_: Sequence[tuple[str, str]] = (),
        aside: Sequence[str] = (),
        affects: Sequence[str] = (),
        alternatives: Sequence[str] = (),
    ) -> str:
        """Propose, record positions, close; returns the decision id."""
        proposal = Proposal(
            title=title,
            rationale=rationale,
            affects=tuple(affects),
            alternatives=tuple(alternatives),
        )
        _, ref = self.app.propose(body, proposal, self.ctx(on))
        for member in consent:
            self.app.take_position(ref, member, Stance.CONSENT, self.ctx(on))
        for member, why in object_:
            self.app.take_position(ref, member, Stance.OBJECT, self.ctx(on, why))
        for member in aside:
            self.app.take_position(ref, member, Stance.STAND_ASIDE, self.ctx(on))
        self.app.close_decision(ref, self.ctx(on))
        return ref

    def body(
        self,
        slug: str,
        name: str,
        rule: DecisionRule,
        on: date,
        seats: Iterable[str],
        community: Iterable[str] = (),
        quorum: int | None = None,
    ) -> None:
        self.app.add_body(Charter(slug=slug, name=name, rule=rule, quorum=quorum), self.ctx(on))
        for member in seats:
            self.app.seat(slug, member, False, self.ctx(on))
        for member in community:
            self.app.seat(slug, member, True, self.ctx(on))

    def meet(
        self, body: str, on: date, attended: Sequence[str], decisions: Sequence[str] = ()
    ) -> None:
        self.app.record_meeting(
            body, attended, decisions, f"minutes/{body}/{on.isoformat()}", self.ctx(on)
        )

    def commit(
        self,
        slug: str,
        org: str,
        title: str,
        serves: Sequence[str],
        start: date,
        end: date,
        depends_on: Sequence[str] = (),
    ) -> None:
        plan = Plan(title=title, serves=tuple(serves), term=Term(start=start, end=end))
        self.app.commit_activity(
            Commitment(activity=slug, org=org, plan=plan, depends_on=tuple(depends_on)),
            self.ctx(start),
        )

    def fund(
        self,
        funder: str,
        recipient: str,
        amount: str,
        currency: str,
        on: date,
        disbursements: Sequence[tuple[date, str]],
    ) -> str:
        pledge = Pledge(
            funder=funder,
            recipient=recipient,
            money=Money(amount=Decimal(amount), currency=currency),
        )
        _, ref = self.app.commit_funding(pledge, self.ctx(on))
        for day, part in disbursements:
            self.app.disburse(ref, Money(amount=Decimal(part), currency=currency), self.ctx(day))
        return ref

    def report_quarters(
        self, code: str, first: str, last: str, progress: Callable[[int], None]
    ) -> None:
        """Every reporter's values (then the backbone's approval) from ``first`` to ``last``."""
        orgs, dims, start, level = REPORTERS[code]
        calendar = SS.calendar if self.slug == SS.slug else OP.calendar
        period, end = parse_period(first, calendar), parse_period(last, calendar)
        step = len(_quarters(start, first, calendar)) - 1
        while period <= end:
            reported_on = period.end + timedelta(days=15)
            for org in orgs:
                self._report(code, org, period, dims, level, step, reported_on)
                self.app.review_value(
                    ReportKey(code=code, org=org, period=period.code),
                    ReviewAction.APPROVE,
                    self.ctx(reported_on + timedelta(7)),
                )
            progress(1)
            period, step = next_period(period), step + 1

    def _report(
        self,
        code: str,
        org: str,
        period: Period,
        dims: Sequence[str],
        level: int,
        step: int,
        on: date,
    ) -> None:
        indicator = self.app.indicator(self.slug, code)
        definition = indicator.current
        categories = [
            next(d.categories for d in definition.dimensions if d.name == name) for name in dims
        ]
        for cell in _cells(dims, categories):
            value = _number(code, org, period.code, cell, level, step)
            submission = Submission(
                code=code,
                org=org,
                period=period.code,
                cell=cell,
                value=str(value),
                note="",
                evidence=f"https://example.org/{self.slug}/{org}/{period.code}",
            )
            self.app.submit_value(submission, self.ctx(on, actor=self.actor))
            self.values += 1


def _cells(
    dims: Sequence[str], categories: Sequence[Sequence[str]]
) -> list[tuple[tuple[str, str], ...]]:
    cells: list[tuple[tuple[str, str], ...]] = [()]
    for name, options in zip(dims, categories, strict=True):
        cells = [(*cell, (name, option)) for cell in cells for option in options]
    return [tuple(sorted(cell)) for cell in cells]


def _number(code: str, org: str, period: str, cell: object, level: int, step: int) -> int:
    """A plausible, reproducible number: growing with time, varying by what it is about."""
    digest = hashlib.sha256(f"{code}|{org}|{period}|{cell}".encode()).digest()
    wobble = digest[0] / 255
    if level >= 1000:  # money
        return int(level * (1 + 0.02 * step) * (0.9 + 0.2 * wobble))
    if level <= 100 and code.split("-")[1] in {"FIN", "EMP"}:  # percentages
        return min(99, int(level + 1.2 * step + 8 * wobble))
    return max(0, int(level * (1 + 0.06 * step) * (0.7 + 0.6 * wobble)))


def _setup(app: LedgerApplication) -> None:
    for settings, actor, day in (
        (SS, "meera", date(2020, 1, 10)),
        (OP, "nasrin", date(2021, 3, 1)),
    ):
        app.init_collective(settings, Context(actor=actor, on=day))
    for slug, name, org_type in ORGANISATIONS:
        app.add_organisation(
            Profile(slug=slug, name=name, type=org_type),
            Context(actor="meera", on=date(2020, 1, 10)),
        )
    for collective, org, role, day in MEMBERSHIPS:
        actor = "meera" if collective == SS.slug else "nasrin"
        app.join(org, role, Context(actor=actor, collective=collective, on=day))
    # meera and nasrin set their collectives up, so they are their first backbone admins.
    staff = ActorRole.BACKBONE_STAFF
    ravi = Context(actor="meera", collective=SS.slug, on=date(2020, 1, 10))
    app.register_actor("ravi", "sattva", (staff,), _demo_vkey("ravi", 1), ravi)
    farhana = Context(actor="nasrin", collective=OP.slug, on=date(2021, 3, 1))
    app.register_actor("farhana", "asia-foundation", (staff,), None, farhana)


def _demo_vkey(name: str, n: int) -> str:
    """A verifier key for the demo, derived from a public seed: never sign anything real with it."""
    from ledger.signednote import SigningKey

    seed = hashlib.sha256(f"collective-ledger demo key {name} {n}".encode()).digest()
    return SigningKey(name, seed).verifier.vkey


def _saamuhika_shakti(app: LedgerApplication, tick: Callable[[int], None]) -> _Story:
    s = _Story(app, SS.slug, "meera")
    community = ("wp-rep-1", "wp-rep-2", "hasiru-dala")
    s.body(
        "steering",
        "Steering committee (ಮಾರ್ಗದರ್ಶಿ ಸಮಿತಿ)",
        DecisionRule.CONSENT,
        date(2020, 1, 20),
        seats=(
            "hm-foundation",
            "nudge-institute",
            "care-india",
            "bal-raksha-bharat",
            "sambhav-foundation",
            "wateraid-india",
        ),
        community=community,
    )
    s.body(
        "measurement",
        "Shared measurement working group",
        DecisionRule.MAJORITY,
        date(2020, 1, 20),
        seats=("nudge-institute", "bal-raksha-bharat", "sambhav-foundation", "wateraid-india"),
        community=("wp-rep-1",),
        quorum=3,
    )
    charter = s.decide(
        "steering",
        "Adopt the charter and the common agenda",
        "Agreed at the launch workshop in January 2020",
        date(2020, 2, 5),
        consent=(
            "hm-foundation",
            "nudge-institute",
            "hasiru-dala",
            "wp-rep-1",
            "wp-rep-2",
            "care-india",
        ),
        aside=("wateraid-india",),
        affects=("agenda", "agreement:ss-charter"),
    )
    s.app.adopt_agenda(SS_AGENDA, charter, s.ctx(date(2020, 2, 5)))
    s.meet(
        "steering",
        date(2020, 2, 5),
        (
            "hm-foundation",
            "nudge-institute",
            "hasiru-dala",
            "wp-rep-1",
            "wp-rep-2",
            "care-india",
            "wateraid-india",
        ),
        (charter,),
    )
    parties = ("hm-foundation", "nudge-institute", "hasiru-dala", "care-india")
    s.app.draft_agreement(
        AgreementDraft(
            slug="ss-charter",
            kind=AgreementKind.CHARTER,
            parties=parties,
            terms="We work together on the common agenda of Saamuhika Shakti, decide by consent, "
            "and report the shared indicators every quarter.",
        ),
        s.ctx(date(2020, 2, 6)),
    )
    for party, signatory in zip(parties, ("A. Rao", "S. Menon", "N. Devi", "P. Iyer"), strict=True):
        s.app.sign_agreement("ss-charter", party, signatory, s.ctx(date(2020, 2, 10)))
    s.app.draft_agreement(
        AgreementDraft(
            slug="ss-data-sharing",
            kind=AgreementKind.DATA_SHARING,
            parties=("nudge-institute", "hasiru-dala", "sambhav-foundation"),
            terms="Values are shared as aggregates only; cells under 10 people are never "
            "published; caste is self-identified.",
        ),
        s.ctx(date(2020, 2, 12)),
    )
    for party in ("nudge-institute", "hasiru-dala", "sambhav-foundation"):
        s.app.sign_agreement(
            "ss-data-sharing", party, "authorised signatory", s.ctx(date(2020, 2, 14))
        )
    appoint = s.decide(
        "steering",
        "Appoint The/Nudge Institute as backbone",
        "It convened the partners and holds the shared measurement system",
        date(2020, 2, 5),
        consent=("hm-foundation", "hasiru-dala", "wp-rep-1"),
    )
    s.app.appoint_backbone(
        "nudge-institute", appoint, list(BackboneFunction), s.ctx(date(2020, 2, 6))
    )
    for code, definition in INDICATORS[SS.slug]:
        s.app.define_indicator(code, definition, s.ctx(date(2020, 2, 20)))
    for fy, soc, edu in (
        ("FY2020-21", "900", "1500"),
        ("FY2022-23", "2400", "2600"),
        ("FY2025-26", "4000", "3600"),
    ):
        s.app.set_target("SS-SOC-01", fy, soc, s.ctx(date(2020, 2, 20)))
        s.app.set_target("SS-EDU-01", fy, edu, s.ctx(date(2020, 2, 20)))
    covid = s.decide(
        "steering",
        "COVID-19 adaptation: relief before programmes",
        "The lockdown stops door-to-door work; families have no income",
        date(2020, 4, 2),
        consent=("hm-foundation", "nudge-institute", "hasiru-dala", "wp-rep-1", "wp-rep-2"),
        aside=("care-india",),
        affects=("agenda",),
        alternatives=("Pause the programme until the lockdown ends",),
    )
    s.meet(
        "steering",
        date(2020, 4, 2),
        ("hm-foundation", "nudge-institute", "hasiru-dala", "wp-rep-1", "wp-rep-2", "care-india"),
        (covid,),
    )
    s.app.amend_agenda(SS_AGENDA_COVID, covid, s.ctx(date(2020, 4, 3)))
    s.commit(
        "ration-relief",
        "hasiru-dala",
        "Ration and cash relief during lockdown",
        ("SS-O1", "SS-SOC-01"),
        date(2020, 4, 5),
        date(2020, 9, 30),
    )
    s.commit(
        "scheme-enrolment",
        "sambhav-foundation",
        "Enrolment camps for welfare schemes",
        ("SS-O1", "SS-SOC-01"),
        date(2020, 6, 1),
        date(2024, 3, 31),
        depends_on=("ration-relief",),
    )
    s.commit(
        "bridge-classes",
        "bal-raksha-bharat",
        "Bridge classes for out-of-school children",
        ("SS-O2", "SS-EDU-01"),
        date(2020, 6, 1),
        date(2026, 3, 31),
    )
    s.commit(
        "toilet-blocks",
        "wateraid-india",
        "Community toilet blocks in three localities",
        ("SS-O4", "SS-WASH-01"),
        date(2020, 7, 1),
        date(2022, 3, 31),
    )
    s.app.complete_activity("ration-relief", s.ctx(date(2020, 9, 30)))
    s.app.report_progress(
        "toilet-blocks",
        ActivityProgress.AT_RISK,
        "Municipal permission delayed",
        s.ctx(date(2021, 1, 10)),
    )
    s.app.drop_activity(
        "toilet-blocks",
        s.ctx(date(2021, 9, 1), "Municipality builds the blocks itself; WaterAid advises instead"),
    )
    s.fund(
        "hm-foundation",
        "nudge-institute",
        "45000000",
        "INR",
        date(2020, 2, 1),
        [
            (date(2020, 3, 1), "15000000"),
            (date(2021, 4, 1), "15000000"),
            (date(2022, 4, 1), "15000000"),
        ],
    )
    s.fund(
        "hm-foundation",
        "hasiru-dala",
        "12500000.50",
        "INR",
        date(2020, 4, 4),
        [(date(2020, 4, 10), "5000000"), (date(2021, 4, 10), "7500000.50")],
    )
    _, voice = s.app.record_feedback(
        Voice(
            source="Waste-picker women's group, Vinobha Nagar",
            text="ಶಾಲೆ ಬಿಟ್ಟ ಹುಡುಗಿಯರಿಗೆ ಸಂಜೆ ತರಗತಿ ಬೇಕು (evening classes for girls who left school)",
            channel="community meeting",
        ),
        s.ctx(date(2021, 2, 14)),
    )
    s.app.respond_to_feedback(
        voice, "Bridge classes now also run from 6 to 8 pm", s.ctx(date(2021, 3, 20))
    )
    s.app.record_feedback(
        Voice(
            source="Kunthigrama residents",
            text="Sorting shed floods every monsoon",
            channel="phone",
        ),
        s.ctx(date(2026, 8, 2)),
    )
    for code in ("SS-SOC-01", "SS-EDU-01", "SS-FIN-01"):
        s.report_quarters(code, REPORTERS[code][2], "2021Q1", tick)
    # A correction with a reason; a value returned for correction, then corrected and approved.
    girls = (("age", "6-14"), ("sex", "female"))
    s.app.correct_value(
        Submission(code="SS-EDU-01", org="hasiru-dala", period="2021Q1", cell=girls, value="118"),
        s.ctx(date(2021, 5, 2), "siblings were counted twice"),
    )
    s.app.review_value(
        ReportKey(code="SS-FIN-01", org="sambhav-foundation", period="2021Q1"),
        ReviewAction.RETURN,
        s.ctx(date(2021, 5, 3)),
        comment="percent above the cohort size: please recheck the denominator",
    )
    s.app.correct_value(
        Submission(
            code="SS-FIN-01",
            org="sambhav-foundation",
            period="2021Q1",
            cell=(("sex", "male"),),
            value="52",
        ),
        s.ctx(date(2021, 5, 9), "denominator fixed after the return"),
    )
    s.app.review_value(
        ReportKey(code="SS-FIN-01", org="sambhav-foundation", period="2021Q1"),
        ReviewAction.APPROVE,
        s.ctx(date(2021, 5, 10)),
    )
    close = s.decide(
        "steering",
        "Close FY2020-21 for reporting",
        "All partners reported",
        date(2021, 6, 15),
        consent=("hm-foundation", "hasiru-dala", "wp-rep-1"),
    )
    s.app.close_period("FY2020-21", close, s.ctx(date(2021, 6, 15)))
    for code in ("SS-SOC-01", "SS-EDU-01", "SS-FIN-01", "SS-INC-01"):
        s.report_quarters(code, "2021Q2", "2024Q1", tick)
    learning = s.decide(
        "steering",
        "Phase 2 design: follow children into secondary school",
        "Enrolment rises but drop-out at 14 stays high (learning session)",
        date(2023, 3, 20),
        consent=("hm-foundation", "hasiru-dala", "wp-rep-1", "wp-rep-2", "nudge-institute"),
        affects=("indicator:SS-EDU-01",),
    )
    s.app.record_learning(
        Insight(
            title="End of phase 1 learning session",
            insight="Girls leave school at 14 to sort waste at home; incentives before 11 matter "
            "less than safe transport after 11",
            indicators=("SS-EDU-01", "SS-SOC-01"),
        ),
        (learning,),
        s.ctx(date(2023, 3, 20)),
    )
    handover = s.decide(
        "steering",
        "Hand the backbone over to Sattva",
        "Phase 2 needs a backbone with a larger data team",
        date(2023, 12, 12),
        consent=("hm-foundation", "hasiru-dala", "wp-rep-1", "wp-rep-2", "nudge-institute"),
    )
    handed_over = date(2024, 1, 1)
    app.grant_role("ravi", ActorRole.BACKBONE_ADMIN, s.ctx(handed_over))
    app.revoke_role("ravi", ActorRole.BACKBONE_STAFF, s.ctx(handed_over, "an admin now"))
    app.revoke_key("ravi", s.ctx(handed_over, "a new laptop for the Sattva data team"))
    app.register_key("ravi", _demo_vkey("ravi", 2), s.ctx(handed_over))
    app.join("sattva", None, s.ctx(date(2024, 1, 1), actor="ravi"))
    app.appoint_backbone("sattva", handover, list(BackboneFunction), s.ctx(date(2024, 1, 1)))
    app.leave(
        "nudge-institute",
        s.ctx(date(2024, 1, 1), "backbone role handed over to Sattva", actor="ravi"),
    )
    app.unseat("steering", "nudge-institute", s.ctx(date(2024, 1, 1), "handover", actor="ravi"))
    app.seat("steering", "sattva", False, s.ctx(date(2024, 1, 1), actor="ravi"))
    for org, day in (("caif", date(2024, 4, 1)), ("enviu", date(2024, 4, 1))):
        app.join(org, None, s.ctx(day, actor="ravi"))
    for collective, org, day, reason in DEPARTURES:
        app.leave(org, Context(actor="ravi", collective=collective, on=day, reason=reason))
    s.actor = "ravi"
    app.seat("measurement", "sattva", False, s.ctx(date(2024, 6, 1)))
    split = s.decide(
        "measurement",
        "Split the 6-14 age band into 6-10 and 11-14",
        "The learning session showed the drop-out starts at 11",
        date(2024, 6, 4),
        consent=("sattva", "bal-raksha-bharat", "wp-rep-1"),
        object_=(("sambhav-foundation", "more work for field staff"),),
        affects=("indicator:SS-EDU-01",),
    )
    s.app.revise_indicator(
        "SS-EDU-01",
        Revision(
            dimensions=(
                Dimension(name="sex", categories=("female", "male")),
                Dimension(name="age", categories=("3-5", "6-10", "11-14", "15-18")),
            ),
            mapping=(CategoryMap(dimension="age", old="6-14", new=("6-10", "11-14")),),
        ),
        split,
        s.ctx(date(2024, 6, 5), "age band split by decision"),
    )
    for code in ("SS-SOC-01", "SS-EDU-01", "SS-FIN-01", "SS-INC-01"):
        s.report_quarters(code, "2024Q2", LAST_QUARTER, tick)
    s.app.set_target(
        "SS-EDU-01", "FY2025-26", "3900", s.ctx(date(2024, 7, 1), "phase 2 adds secondary school")
    )
    s.app.retract_value(
        ValueKey(
            code="SS-SOC-01",
            org="sparsha-trust",
            period="2026Q3",
            cell=(("age", "60-plus"), ("sex", "male")),
        ),
        s.ctx(date(2026, 10, 20), "applications not yet approved by the board"),
    )
    s.app.review_value(
        ReportKey(code="SS-INC-01", org="udhyam", period="2026Q3"),
        ReviewAction.QUERY,
        s.ctx(date(2026, 10, 21)),
        comment="median jumps 20%: new cohort members?",
    )
    for fy, day in (
        ("FY2021-22", date(2022, 5, 1)),
        ("FY2022-23", date(2023, 5, 1)),
        ("FY2023-24", date(2024, 5, 1)),
        ("FY2024-25", date(2025, 5, 1)),
        ("FY2025-26", date(2026, 5, 1)),
    ):
        _wash(s, fy, day)
    s.fund(
        "hm-foundation",
        "sattva",
        "30000000",
        "INR",
        date(2024, 1, 5),
        [(date(2024, 2, 1), "10000000"), (date(2025, 2, 1), "10000000")],
    )
    s.commit(
        "secondary-transport",
        "caif",
        "Safe transport to secondary school",
        ("SS-O2", "SS-EDU-01"),
        date(2024, 7, 1),
        date(2026, 12, 31),
        depends_on=("bridge-classes",),
    )
    s.app.report_progress(
        "secondary-transport",
        ActivityProgress.ON_TRACK,
        "Two buses running",
        s.ctx(date(2025, 1, 15)),
    )
    s.app.announce(
        Notice(
            title="Phase 2 begins",
            text="Sattva is the new backbone; CAIF and Enviu join the collective.",
            audience="all partners",
        ),
        s.ctx(date(2024, 4, 2)),
    )
    return s


def _wash(s: _Story, fy: str, on: date) -> None:
    for n, locality in enumerate(("vinobha-nagar", "vinayaka-nagar", "kunthigrama")):
        year = int(fy[2:6]) - 2020
        value = min(95, 40 + 9 * year + 5 * n)
        s.app.submit_value(
            Submission(
                code="SS-WASH-01",
                org="wateraid-india",
                period=fy,
                cell=(("locality", locality),),
                value=str(value),
            ),
            s.ctx(on),
        )
        s.values += 1


def _oporajita(app: LedgerApplication, tick: Callable[[int], None]) -> _Story:
    s = _Story(app, OP.slug, "nasrin")
    s.body(
        "steering",
        "Oporajita steering group (পরিচালনা কমিটি)",
        DecisionRule.CONSENT,
        date(2021, 3, 10),
        seats=(
            "hm-foundation",
            "asia-foundation",
            "care-bangladesh",
            "wateraid-bangladesh",
            "save-the-children-bd",
        ),
        community=("worker-rep-1", "worker-rep-2"),
    )
    s.body(
        "workers-circle",
        "Worker advisory circle",
        DecisionRule.CONSENSUS,
        date(2021, 3, 10),
        seats=(),
        community=("worker-rep-1", "worker-rep-2", "worker-rep-3"),
    )
    pilot = s.decide(
        "steering",
        "Start the pilot in Gazirchat, Savar",
        "Garment factories there face automation first",
        date(2021, 3, 25),
        consent=(
            "hm-foundation",
            "asia-foundation",
            "care-bangladesh",
            "worker-rep-1",
            "worker-rep-2",
        ),
        affects=("agenda",),
    )
    s.app.adopt_agenda(OP_AGENDA, pilot, s.ctx(date(2021, 3, 26)))
    s.app.appoint_backbone(
        "asia-foundation", pilot, list(BackboneFunction), s.ctx(date(2021, 3, 26))
    )
    for code, definition in INDICATORS[OP.slug]:
        s.app.define_indicator(code, definition, s.ctx(date(2021, 4, 1)))
    s.app.set_target("OP-SKL-01", "FY2021-22", "1400", s.ctx(date(2021, 4, 1)))
    s.app.set_target("OP-EMP-01", "FY2021-22", "60", s.ctx(date(2021, 4, 1)))
    s.fund(
        "hm-foundation",
        "asia-foundation",
        "250000000",
        "BDT",
        date(2021, 4, 1),
        [
            (date(2021, 5, 1), "100000000"),
            (date(2022, 5, 1), "100000000"),
            (date(2023, 5, 1), "50000000"),
        ],
    )
    s.commit(
        "future-skills",
        "care-bangladesh",
        "Future-skills training centres",
        ("OP-O1", "OP-SKL-01"),
        date(2021, 4, 1),
        date(2027, 6, 30),
    )
    s.commit(
        "placement",
        "swisscontact",
        "Placement and six-month follow-up",
        ("OP-O2", "OP-EMP-01"),
        date(2022, 7, 1),
        date(2027, 6, 30),
        depends_on=("future-skills",),
    )
    for code in ("OP-SKL-01", "OP-GBV-01", "OP-EMP-01", "OP-LDR-01"):
        s.report_quarters(code, REPORTERS[code][2], "2025Q2", tick)
    _, moved = s.app.propose(
        "steering",
        Proposal(title="Move the pilot to Ashulia", rationale="More factories there"),
        s.ctx(date(2021, 9, 1)),
    )
    s.app.withdraw_decision(moved, s.ctx(date(2021, 9, 20), "factories in Savar asked to stay"))
    mou = ("asia-foundation", "swisscontact")
    s.app.draft_agreement(
        AgreementDraft(
            slug="placement-mou",
            kind=AgreementKind.MOU,
            parties=mou,
            terms="Swisscontact places trained women and follows them up for six months.",
        ),
        s.ctx(date(2022, 7, 1)),
    )
    for party in mou:
        s.app.sign_agreement(
            "placement-mou", party, "authorised signatory", s.ctx(date(2022, 7, 5))
        )
    s.app.amend_agreement(
        "placement-mou",
        "Swisscontact places trained women and follows them up for twelve months.",
        s.ctx(date(2023, 7, 1), "longer follow-up"),
    )
    for party in mou:
        s.app.sign_agreement(
            "placement-mou", party, "authorised signatory", s.ctx(date(2023, 7, 10))
        )
    s.app.revise_activity(
        "placement",
        PlanRevision(title="Placement and twelve-month follow-up"),
        s.ctx(date(2023, 7, 10), "MoU amended"),
    )
    app.change_role(
        "lightcastle",
        Role.IMPLEMENTING,
        s.ctx(date(2024, 7, 1), "runs the labour-market survey itself"),
    )
    s.actor = "farhana"
    circle = s.decide(
        "workers-circle",
        "Ask for heat-stress protection in phase 2",
        "Workers faint on the floor in April",
        date(2025, 4, 30),
        consent=("worker-rep-1", "worker-rep-2", "worker-rep-3"),
    )
    phase_2 = s.decide(
        "steering",
        "Phase 2 (2025-2027): decarbonisation and climate resilience",
        f"Adopts the worker advisory circle's request ({circle})",
        date(2025, 6, 20),
        consent=(
            "hm-foundation",
            "asia-foundation",
            "care-bangladesh",
            "worker-rep-1",
            "worker-rep-2",
        ),
        aside=("wateraid-bangladesh",),
        affects=("agenda",),
    )
    s.meet(
        "steering",
        date(2025, 6, 20),
        (
            "hm-foundation",
            "asia-foundation",
            "care-bangladesh",
            "worker-rep-1",
            "worker-rep-2",
            "wateraid-bangladesh",
        ),
        (phase_2,),
    )
    s.app.amend_agenda(OP_AGENDA_PHASE_2, phase_2, s.ctx(date(2025, 7, 1)))
    s.app.terminate_agreement("placement-mou", s.ctx(date(2025, 6, 30), "phase 1 ended"))
    app.join("shimmy", None, s.ctx(date(2025, 7, 1)))
    for code in ("OP-SKL-01", "OP-GBV-01", "OP-EMP-01", "OP-LDR-01"):
        s.report_quarters(code, "2025Q3", LAST_QUARTER, tick)
    for n, fy in enumerate(("FY2022-23", "FY2023-24", "FY2024-25")):
        for k, district in enumerate(("dhaka", "gazipur", "narayanganj")):
            s.app.submit_value(
                Submission(
                    code="OP-INC-01",
                    org="care-bangladesh",
                    period=fy,
                    cell=(("district", district),),
                    value=str(9 + 2 * n + k),
                ),
                s.ctx(date(2023 + n, 8, 1)),
            )
            s.values += 1
    retire = s.decide(
        "steering",
        "Retire OP-INC-01: the income survey moves to the government",
        "The Bureau of Statistics' survey covers the same women",
        date(2025, 8, 20),
        consent=("hm-foundation", "asia-foundation", "worker-rep-1"),
        affects=("indicator:OP-INC-01",),
    )
    s.app.retire_indicator("OP-INC-01", retire, s.ctx(date(2025, 8, 21)))
    _, voice = s.app.record_feedback(
        Voice(
            source="Worker advisory circle, Savar",
            text="প্রশিক্ষণের সময় শিশু যত্ন দরকার (childcare during training)",
            channel="circle meeting",
        ),
        s.ctx(date(2022, 2, 10)),
    )
    s.app.respond_to_feedback(
        voice, "Childcare corners opened in both centres", s.ctx(date(2022, 4, 1))
    )
    return s


def _quarters(first: str, last: str, calendar: Calendar) -> list[Period]:
    period, end, found = parse_period(first, calendar), parse_period(last, calendar), []
    while period <= end:
        found.append(period)
        period = next_period(period)
    return found


def quarters_reported() -> int:
    """How many quarter-steps the demo reports (for its progress bar)."""
    return sum(
        len(_quarters(first, LAST_QUARTER, SS.calendar if code.startswith("SS") else OP.calendar))
        for code, (_, _, first, _) in REPORTERS.items()
    )


def build_demo(
    app: LedgerApplication, progress: Callable[[int], None] = lambda _: None
) -> DemoSummary:
    """Record the demonstration scenario in ``app`` and say what was built."""
    from ledger.signednote import SigningKey

    _setup(app)
    ss = _saamuhika_shakti(app, progress)
    op = _oporajita(app, progress)
    from ledger.dhis2 import record_demo_mapping

    record_demo_mapping(app, SS.slug, "ravi")
    # The worker advisory circle asked that nobody be counted in a group of fewer than 15.
    app.set_threshold(
        15,
        Context(
            actor="farhana",
            collective=OP.slug,
            on=date(2025, 5, 2),
            reason="asked for by the worker advisory circle",
        ),
    )
    seed = hashlib.sha256(b"collective-ledger demo checkpoint key").digest()
    signer = SigningKey("demo-backbone", seed)
    app.issue_checkpoint(signer, Context(actor="meera", on=date(2026, 10, 31)))
    return DemoSummary(
        collectives=(SS.slug, OP.slug),
        organisations=len(ORGANISATIONS),
        values=ss.values + op.values,
        events=app.event_count(),
        verifier_key=signer.verifier.vkey,
    )
