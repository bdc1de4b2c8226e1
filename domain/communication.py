"""Continuous communication: meetings, announcements, and feedback from the community.

A meeting of a body records who attended (and whether each attendee held a community seat on
that body when the meeting was recorded), the decisions taken and where the minutes are.
Feedback from a community group gets an answer: the first response closes the loop, and later
responses are kept too.
"""

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from pydantic import Field, field_validator

from domain.base import Aggregate, Created, Envelope, Event, Value, aggregate_id, topic
from domain.collective import Collective
from domain.errors import RuleViolation
from domain.governance import Body, Decision
from domain.register import Register
from domain.values import check_reference, check_text, unique

__all__ = ["Announcement", "Attendee", "Feedback", "Meeting", "Notice", "Response", "Voice"]


class Attendee(Value):
    """Someone who attended: a member organisation or a seat holder (a community representative)."""

    member: str
    seated: bool
    community: bool


class Meeting(Aggregate):
    """One meeting of a governance body or working group."""

    TOPIC = topic("Meeting")

    class Held(Created):
        TOPIC = topic("Meeting.Held")
        meeting: str
        body: str
        attendees: tuple[Attendee, ...]
        decisions: tuple[str, ...]
        minutes: str | None = None

        def apply(self, aggregate: "Meeting") -> None:
            aggregate.ref = self.meeting
            aggregate.body = self.body
            aggregate.held_on = self.meta.effective
            aggregate.attendees = self.attendees
            aggregate.decisions = self.decisions
            aggregate.minutes = self.minutes

        def subject(self) -> str:
            return f"meeting:{self.meeting}"

        def summary(self) -> str:
            community = sum(a.community for a in self.attendees)
            taken = f", decisions {', '.join(self.decisions)}" if self.decisions else ""
            return (
                f"{self.body} met: {len(self.attendees)} attended "
                f"({community} on community seats){taken}"
            )

    def __init__(self) -> None:
        self.ref = ""
        self.body = ""
        self.held_on: date
        self.attendees: tuple[Attendee, ...] = ()
        self.decisions: tuple[str, ...] = ()
        self.minutes: str | None = None

    @staticmethod
    def id_for(collective: str, ref: str) -> UUID:
        return aggregate_id("meeting", collective, ref)

    @classmethod
    def hold(
        cls,
        collective: Collective,
        register: Register,
        body: Body,
        attended: Sequence[str],
        decisions: Sequence[Decision],
        minutes: "str | None",
        meta: Envelope,
    ) -> "Meeting":
        """Record a meeting of ``body``; ``decisions`` are the decisions taken, loaded."""
        attendees = tuple(cls._attendee(collective, body, m) for m in attended)
        if not attendees:
            raise RuleViolation("say who attended the meeting (use --attended MEMBER)")
        unique(tuple(a.member for a in attendees), "attendee")
        for decision in decisions:
            if decision.body != body.charter.slug:
                raise RuleViolation(
                    f"decision {decision.ref} was put to {decision.body}, "
                    f"not to {body.charter.slug}"
                )
        refs = unique(tuple(d.ref for d in decisions), "decision")
        where = check_reference(minutes, "the minutes") if minutes is not None else None
        ref = register.issue(meta)
        return cls._create(
            cls.Held,
            id=cls.id_for(collective.slug, ref),
            meeting=ref,
            body=body.charter.slug,
            attendees=attendees,
            decisions=refs,
            minutes=where,
            meta=meta,
        )

    @staticmethod
    def _attendee(collective: Collective, body: Body, member: str) -> "Attendee":
        seat = body.seats.get(member)
        current = member in {m.org for m in collective.current_members()}
        if seat is None and not current:
            raise RuleViolation(
                f"{member} attended but is neither a member of {collective.slug} "
                f"nor seated on {body.charter.slug}"
            )
        return Attendee(
            member=member, seated=seat is not None, community=bool(seat and seat.community)
        )

    @staticmethod
    def register_name(body: str) -> str:
        return f"meetings/{body}"


class Notice(Value):
    """What an announcement says, and to whom."""

    title: str
    text: str
    audience: str | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        return check_text(v, "the title of an announcement")

    @field_validator("text")
    @classmethod
    def _text(cls, v: str) -> str:
        return check_text(v, "the text of an announcement", 10000)

    @field_validator("audience")
    @classmethod
    def _audience(cls, v: "str | None") -> "str | None":
        return None if v is None else check_text(v, "the audience", 200)


class Announcement(Aggregate):
    """An announcement to partners, the community or the public."""

    TOPIC = topic("Announcement")

    class Made(Created):
        TOPIC = topic("Announcement.Made")
        announcement: str
        notice: Notice

        def apply(self, aggregate: "Announcement") -> None:
            aggregate.ref = self.announcement
            aggregate.notice = self.notice
            aggregate.made_on = self.meta.effective

        def subject(self) -> str:
            return f"announcement:{self.announcement}"

        def summary(self) -> str:
            audience = f" (to {self.notice.audience})" if self.notice.audience else ""
            return f"announced{audience}: {self.notice.title}"

    REGISTER = "announcements"

    def __init__(self) -> None:
        self.ref = ""
        self.notice: Notice
        self.made_on: date

    @staticmethod
    def id_for(collective: str, ref: str) -> UUID:
        return aggregate_id("announcement", collective, ref)

    @classmethod
    def make(
        cls, collective: str, register: Register, notice: "Notice", meta: Envelope
    ) -> "Announcement":
        ref = register.issue(meta)
        return cls._create(
            cls.Made, id=cls.id_for(collective, ref), announcement=ref, notice=notice, meta=meta
        )


class Voice(Value):
    """Feedback as it was received: from which community group, what it said, how it came."""

    source: str = Field(description="The community group it came from (a name or a slug).")
    text: str
    channel: str | None = None

    @field_validator("source")
    @classmethod
    def _source(cls, v: str) -> str:
        return check_text(v, "the group the feedback came from", 200)

    @field_validator("text")
    @classmethod
    def _text(cls, v: str) -> str:
        return check_text(v, "the text of the feedback", 10000)

    @field_validator("channel")
    @classmethod
    def _channel(cls, v: "str | None") -> "str | None":
        return None if v is None else check_text(v, "the channel", 100)


class Response(Value):
    on: date
    text: str
    closes_loop: bool


class Feedback(Aggregate):
    """Feedback from a community group, and what the collective answered."""

    TOPIC = topic("Feedback")

    class Received(Created):
        TOPIC = topic("Feedback.Received")
        feedback: str
        voice: Voice

        def apply(self, aggregate: "Feedback") -> None:
            aggregate.ref = self.feedback
            aggregate.voice = self.voice
            aggregate.received_on = self.meta.effective

        def subject(self) -> str:
            return f"feedback:{self.feedback}"

        def summary(self) -> str:
            via = f" via {self.voice.channel}" if self.voice.channel else ""
            return f"from {self.voice.source}{via}: {self.voice.text}"

    class Responded(Event):
        TOPIC = topic("Feedback.Responded")
        feedback: str
        text: str
        closes_loop: bool

        def apply(self, aggregate: "Feedback") -> None:
            aggregate.responses.append(
                Response(on=self.meta.effective, text=self.text, closes_loop=self.closes_loop)
            )

        def subject(self) -> str:
            return f"feedback:{self.feedback}"

        def summary(self) -> str:
            kind = "loop closed" if self.closes_loop else "further response"
            return f"{kind}: {self.text}"

    REGISTER = "feedback"

    def __init__(self) -> None:
        self.ref = ""
        self.voice: Voice
        self.received_on: date
        self.responses: list[Response] = []

    @staticmethod
    def id_for(collective: str, ref: str) -> UUID:
        return aggregate_id("feedback", collective, ref)

    @classmethod
    def receive(
        cls, collective: str, register: Register, voice: "Voice", meta: Envelope
    ) -> "Feedback":
        ref = register.issue(meta)
        return cls._create(
            cls.Received, id=cls.id_for(collective, ref), feedback=ref, voice=voice, meta=meta
        )

    @property
    def loop_closed_on(self) -> "date | None":
        """The day the first response closed the loop, if it did."""
        return self.responses[0].on if self.responses else None

    def respond(self, text: str, meta: Envelope) -> None:
        answer = check_text(text, "the response", 10000)
        if meta.effective < self.received_on:
            raise RuleViolation(
                f"a response on {meta.effective} would come before feedback {self.ref} "
                f"was received ({self.received_on})"
            )
        self._trigger(
            self.Responded, meta, feedback=self.ref, text=answer, closes_loop=not self.responses
        )
