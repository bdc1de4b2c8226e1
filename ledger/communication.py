"""Communication commands: meetings, announcements, community feedback, and learning records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.base import Envelope
from domain.collective import Collective
from domain.communication import Announcement, Feedback, Meeting, Notice, Voice
from domain.learning import Insight, Learning
from ledger.core import Context, Receipt
from ledger.numbering import NumberedRecords

__all__ = ["CommunicationCommands"]


class CommunicationCommands(NumberedRecords):
    """Continuous communication and learning: each record gets an id from its register."""

    def record_meeting(
        self,
        body: str,
        attended: Sequence[str],
        decisions: Sequence[str],
        minutes: str | None,
        ctx: Context,
    ) -> tuple[Receipt, str]:
        """Record a meeting of ``body``; returns the receipt and the meeting's id."""
        refs: list[str] = []

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            found = self.body(collective.slug, body)
            taken = [self.decision(collective.slug, ref) for ref in decisions]
            register = self._register(
                collective.slug, Meeting.register_name(body), "meeting", f"{body}-m", env
            )
            meeting = Meeting.hold(collective, register, found, attended, taken, minutes, env)
            refs.append(meeting.ref)
            return [register, meeting]

        return self._issued(self._run(ctx, run), refs, "meeting")

    def announce(self, notice: Notice, ctx: Context) -> tuple[Receipt, str]:
        """Record an announcement; returns the receipt and its id."""
        refs: list[str] = []

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            register = self._register(
                collective.slug, Announcement.REGISTER, "announcement", "an-", env
            )
            announcement = Announcement.make(collective.slug, register, notice, env)
            refs.append(announcement.ref)
            return [register, announcement]

        return self._issued(self._run(ctx, run), refs, "announcement")

    def record_feedback(self, voice: Voice, ctx: Context) -> tuple[Receipt, str]:
        """Record feedback from a community group; returns the receipt and its id (``fb-<n>``)."""
        refs: list[str] = []

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            register = self._register(collective.slug, Feedback.REGISTER, "feedback", "fb-", env)
            feedback = Feedback.receive(collective.slug, register, voice, env)
            refs.append(feedback.ref)
            return [register, feedback]

        return self._issued(self._run(ctx, run), refs, "feedback")

    def respond_to_feedback(self, ref: str, text: str, ctx: Context) -> Receipt:
        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            found = self.feedback(collective.slug, ref)
            found.respond(text, env)
            return [found]

        return self._run(ctx, run)

    def record_learning(
        self, insight: Insight, decisions: Sequence[str], ctx: Context
    ) -> tuple[Receipt, str]:
        """Record what was learnt and the decisions it led to; returns the receipt and its id."""
        refs: list[str] = []

        def run(collective: Collective, env: Envelope) -> Sequence[Any]:
            led_to = [self.decision(collective.slug, ref) for ref in decisions]
            register = self._register(collective.slug, Learning.REGISTER, "learning", "lr-", env)
            learning = Learning.record(collective.slug, register, insight, led_to, env)
            refs.append(learning.ref)
            return [register, learning]

        return self._issued(self._run(ctx, run), refs, "learning")

    def meeting(self, collective: str, ref: str) -> Meeting:
        return self._found(Meeting, Meeting.id_for(collective, ref), "meeting", ref)

    def announcement(self, collective: str, ref: str) -> Announcement:
        return self._found(Announcement, Announcement.id_for(collective, ref), "announcement", ref)

    def feedback(self, collective: str, ref: str) -> Feedback:
        return self._found(Feedback, Feedback.id_for(collective, ref), "feedback", ref)

    def all_feedback(self, collective: str) -> list[Feedback]:
        """Every feedback record of the collective, in the order received."""
        return [self.feedback(collective, ref) for ref in self._issued_refs(collective, "feedback")]

    def learning(self, collective: str, ref: str) -> Learning:
        return self._found(Learning, Learning.id_for(collective, ref), "learning record", ref)
