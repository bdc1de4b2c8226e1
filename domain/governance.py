"""Governance: bodies with seats and a decision rule, and the decisions they take.

A decision is the heart of traceability: what was proposed and why, who consented, objected or
stood aside (and whether community seats took part), and the outcome, *computed* from the body's
rule and the positions, never typed in. Agenda amendments, indicator revisions and agreements
point at the decision that authorised them.
"""

from uuid import UUID

from pydantic import Field, field_validator

from domain.base import Aggregate, Created, Envelope, Event, Value, aggregate_id, check_slug, topic
from domain.errors import NotFound, RuleViolation
from domain.vocabulary import DecisionRule, Outcome, Stance

__all__ = ["Body", "Charter", "Decision", "Position", "Proposal", "Seat", "decide"]


class Charter(Value):
    """A body's identity and how it decides."""

    slug: str
    name: str
    rule: DecisionRule
    quorum: int | None = Field(default=None, ge=1)

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        return check_slug(v, "body")


class Seat(Value):
    member: str
    community: bool = False


class Body(Aggregate):
    """A steering committee, working group or community advisory circle of one collective."""

    TOPIC = topic("Body")

    class Established(Created):
        TOPIC = topic("Body.Established")
        charter: Charter

        def apply(self, aggregate: "Body") -> None:
            aggregate.charter = self.charter

        def subject(self) -> str:
            return f"body:{self.charter.slug}"

        def summary(self) -> str:
            quorum = f", quorum {self.charter.quorum}" if self.charter.quorum else ""
            return f"{self.charter.name} established (decides by {self.charter.rule}{quorum})"

    class Seated(Event):
        TOPIC = topic("Body.Seated")
        body: str
        seat: Seat

        def apply(self, aggregate: "Body") -> None:
            aggregate.seats[self.seat.member] = self.seat

        def subject(self) -> str:
            return f"body:{self.body}"

        def summary(self) -> str:
            kind = "a community seat" if self.seat.community else "a seat"
            return f"{self.seat.member} takes {kind}"

    class Unseated(Event):
        TOPIC = topic("Body.Unseated")
        body: str
        member: str

        def subject(self) -> str:
            return f"body:{self.body}"

        def apply(self, aggregate: "Body") -> None:
            del aggregate.seats[self.member]

        def summary(self) -> str:
            return f"{self.member} leaves its seat: {self.meta.reason}"

    class DecisionTabled(Event):
        TOPIC = topic("Body.DecisionTabled")
        body: str
        decision: str

        def subject(self) -> str:
            return f"body:{self.body}"

        def apply(self, aggregate: "Body") -> None:
            aggregate.tabled += 1

        def summary(self) -> str:
            return f"decision {self.decision} tabled"

    def __init__(self) -> None:
        self.charter: Charter
        self.seats: dict[str, Seat] = {}
        self.tabled = 0

    @staticmethod
    def id_for(collective: str, slug: str) -> UUID:
        return aggregate_id("body", collective, slug)

    @classmethod
    def establish(cls, collective: str, charter: "Charter", meta: Envelope) -> "Body":
        if charter.rule is DecisionRule.MAJORITY and charter.quorum is None:
            raise RuleViolation("a body that decides by majority needs a quorum (use --quorum N)")
        return cls._create(
            cls.Established, id=cls.id_for(collective, charter.slug), charter=charter, meta=meta
        )

    def seat(self, member: str, community: bool, meta: Envelope) -> None:
        check_slug(member, "member")
        if member in self.seats:
            raise RuleViolation(f"{member} already holds a seat on {self.charter.slug}")
        self._trigger(
            self.Seated, meta, body=self.charter.slug, seat=Seat(member=member, community=community)
        )

    def unseat(self, member: str, meta: Envelope) -> None:
        self.holder(member)
        if not meta.reason:
            raise RuleViolation(
                f"a reason is required when {member} leaves its seat (use --reason)"
            )
        self._trigger(self.Unseated, meta, body=self.charter.slug, member=member)

    def holder(self, member: str) -> "Seat":
        seat = self.seats.get(member)
        if seat is None:
            raise NotFound("seat", member, f"{member} holds no seat on {self.charter.slug}")
        return seat

    def table(self, meta: Envelope) -> str:
        """Table a new decision and return its id (``<body>-<n>``)."""
        decision = f"{self.charter.slug}-{self.tabled + 1}"
        self._trigger(self.DecisionTabled, meta, body=self.charter.slug, decision=decision)
        return decision


class Proposal(Value):
    """What is put to a body."""

    title: str = Field(min_length=1, max_length=300)
    rationale: str = Field(min_length=1)
    alternatives: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    affects: tuple[str, ...] = ()


class Position(Value):
    member: str
    stance: Stance
    community: bool
    reason: str | None = None


def decide(
    rule: DecisionRule,
    quorum: "int | None",
    seats: "dict[str, Seat]",
    positions: "dict[str, Position]",
    backbone: frozenset[str] = frozenset(),
) -> Outcome:
    """The outcome of a decision under ``rule``, from the positions of the current seats."""
    counted = {m: p for m, p in positions.items() if m in seats}
    stances = [p.stance for p in counted.values()]
    consents, objections = stances.count(Stance.CONSENT), stances.count(Stance.OBJECT)
    if rule is DecisionRule.CONSENT:
        passed = objections == 0 and consents > 0
    elif rule is DecisionRule.CONSENSUS:
        passed = bool(seats) and all(
            counted.get(m) is not None and counted[m].stance is Stance.CONSENT for m in seats
        )
    elif rule is DecisionRule.MAJORITY:
        passed = len(counted) >= (quorum or 1) and consents > objections
    else:
        passed = any(p.stance is Stance.CONSENT for m, p in counted.items() if m in backbone)
    return Outcome.PASSED if passed else Outcome.REJECTED


class Decision(Aggregate):
    """A decision put to one body: proposed, positions taken, then closed or withdrawn."""

    TOPIC = topic("Decision")

    class Proposed(Created):
        TOPIC = topic("Decision.Proposed")
        decision: str
        body: str
        proposal: Proposal

        def apply(self, aggregate: "Decision") -> None:
            aggregate.ref = self.decision
            aggregate.body = self.body
            aggregate.proposal = self.proposal

        def subject(self) -> str:
            return f"decision:{self.decision}"

        def summary(self) -> str:
            return f"proposed in {self.body}: {self.proposal.title}"

    class PositionTaken(Event):
        TOPIC = topic("Decision.PositionTaken")
        decision: str
        position: Position

        def apply(self, aggregate: "Decision") -> None:
            aggregate.positions[self.position.member] = self.position

        def subject(self) -> str:
            return f"decision:{self.decision}"

        def summary(self) -> str:
            p = self.position
            verb = {
                Stance.CONSENT: "consents",
                Stance.OBJECT: "objects",
                Stance.STAND_ASIDE: "stands aside",
            }[p.stance]
            seat = " (community seat)" if p.community else ""
            why = f": {p.reason}" if p.reason else ""
            return f"{p.member}{seat} {verb}{why}"

    class Closed(Event):
        TOPIC = topic("Decision.Closed")
        decision: str
        outcome: Outcome
        consents: tuple[str, ...]
        objections: tuple[str, ...]
        stood_aside: tuple[str, ...]
        community_took_part: bool

        def apply(self, aggregate: "Decision") -> None:
            aggregate.outcome = self.outcome

        def subject(self) -> str:
            return f"decision:{self.decision}"

        def summary(self) -> str:
            return (
                f"closed: {self.outcome} ({len(self.consents)} consent, "
                f"{len(self.objections)} object, {len(self.stood_aside)} stand aside)"
            )

    class Withdrawn(Event):
        TOPIC = topic("Decision.Withdrawn")
        decision: str

        def subject(self) -> str:
            return f"decision:{self.decision}"

        def apply(self, aggregate: "Decision") -> None:
            aggregate.outcome = Outcome.WITHDRAWN

        def summary(self) -> str:
            return f"withdrawn: {self.meta.reason}"

    def __init__(self) -> None:
        self.ref = ""
        self.body = ""
        self.proposal: Proposal
        self.positions: dict[str, Position] = {}
        self.outcome = Outcome.OPEN

    @staticmethod
    def id_for(collective: str, ref: str) -> UUID:
        return aggregate_id("decision", collective, ref)

    @classmethod
    def propose(
        cls, collective: str, body: "Body", proposal: "Proposal", meta: Envelope
    ) -> "Decision":
        ref = body.table(meta)
        return cls._create(
            cls.Proposed,
            id=cls.id_for(collective, ref),
            decision=ref,
            body=body.charter.slug,
            proposal=proposal,
            meta=meta,
        )

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED

    def _check_open(self) -> None:
        if self.outcome is not Outcome.OPEN:
            raise RuleViolation(f"decision {self.ref} is {self.outcome} and takes no more changes")

    def take_position(self, body: "Body", member: str, stance: Stance, meta: Envelope) -> None:
        self._check_open()
        seat = body.holder(member)
        if stance is Stance.OBJECT and not meta.reason:
            raise RuleViolation("an objection needs a reason (use --reason)")
        position = Position(
            member=member, stance=stance, community=seat.community, reason=meta.reason
        )
        self._trigger(self.PositionTaken, meta, decision=self.ref, position=position)

    def close(self, body: "Body", backbone: frozenset[str], meta: Envelope) -> Outcome:
        self._check_open()
        outcome = decide(
            body.charter.rule, body.charter.quorum, body.seats, self.positions, backbone
        )
        counted = [p for m, p in self.positions.items() if m in body.seats]

        def who(stance: Stance) -> tuple[str, ...]:
            return tuple(sorted(p.member for p in counted if p.stance is stance))

        self._trigger(
            self.Closed,
            meta,
            decision=self.ref,
            outcome=outcome,
            consents=who(Stance.CONSENT),
            objections=who(Stance.OBJECT),
            stood_aside=who(Stance.STAND_ASIDE),
            community_took_part=any(p.community for p in counted),
        )
        return outcome

    def withdraw(self, meta: Envelope) -> None:
        self._check_open()
        if not meta.reason:
            raise RuleViolation(f"a reason is required to withdraw {self.ref} (use --reason)")
        self._trigger(self.Withdrawn, meta, decision=self.ref)
