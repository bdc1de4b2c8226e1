"""Mutually reinforcing activities: what each partner commits to, and how it goes.

An organisation of the collective commits to an activity that serves shared outcomes and
indicators (by code), for a term, with resources, and possibly depending on other partners'
activities. It reports progress, revises the plan (with a reason), and completes or drops it
(with a reason). A completed or dropped activity takes no more updates.
"""

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from pydantic import field_validator, model_validator

from domain.base import Aggregate, Created, Envelope, Event, Value, aggregate_id, check_slug, topic
from domain.collective import Collective
from domain.errors import RuleViolation
from domain.periods import Calendar
from domain.values import Money, Term, check_codes, check_text, unique
from domain.vocabulary import ActivityProgress, ActivityState

__all__ = ["Activity", "Commitment", "Plan", "Resources", "Revision", "Update"]


class Resources(Value):
    """What the organisation puts in: a description, and an amount if there is one."""

    text: str
    money: Money | None = None

    @field_validator("text")
    @classmethod
    def _text(cls, v: str) -> str:
        return check_text(v, "the resources", 2000)


class Plan(Value):
    """What an activity is: its title, description, the codes it serves, term and resources."""

    title: str
    description: str = ""
    serves: tuple[str, ...]
    term: Term | None = None
    resources: Resources | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        return check_text(v, "the title of an activity")

    @field_validator("description")
    @classmethod
    def _description(cls, v: str) -> str:
        return v.strip() and check_text(v, "the description of an activity", 5000)

    @field_validator("serves")
    @classmethod
    def _serves(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("an activity must serve at least one outcome or indicator (--serves)")
        return check_codes(v, "outcome or indicator")

    def resolve(self, calendar: Calendar) -> "Plan":
        """This plan with the dates of its period filled in."""
        term = self.term.resolve(calendar) if self.term else None
        return self.model_copy(update={"term": term})


class Commitment(Value):
    """An organisation's commitment to an activity, as typed on the command line."""

    activity: str
    org: str
    plan: Plan
    depends_on: tuple[str, ...] = ()

    @field_validator("activity")
    @classmethod
    def _activity(cls, v: str) -> str:
        return check_slug(v, "activity")

    @field_validator("org")
    @classmethod
    def _org(cls, v: str) -> str:
        return check_slug(v, "organisation")

    @field_validator("depends_on")
    @classmethod
    def _depends_on(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return unique(tuple(check_slug(s, "activity") for s in v), "dependency")

    @model_validator(mode="after")
    def _not_itself(self) -> "Commitment":
        if self.activity in self.depends_on:
            raise ValueError(f"activity {self.activity} cannot depend on itself")
        return self


class Revision(Value):
    """The parts of a plan to change; the parts left out stay as they are."""

    title: str | None = None
    description: str | None = None
    serves: tuple[str, ...] | None = None
    term: Term | None = None
    resources: Resources | None = None


class Update(Value):
    """A progress report."""

    on: date
    status: ActivityProgress
    note: str | None = None


class Activity(Aggregate):
    """One activity an organisation committed to, in one collective."""

    TOPIC = topic("Activity")

    class Committed(Created):
        TOPIC = topic("Activity.Committed")
        activity: str
        org: str
        plan: Plan
        depends_on: tuple[str, ...]

        def apply(self, aggregate: "Activity") -> None:
            aggregate.slug = self.activity
            aggregate.org = self.org
            aggregate.plan = self.plan
            aggregate.depends_on = self.depends_on
            aggregate.committed_on = self.meta.effective

        def subject(self) -> str:
            return f"activity:{self.activity}"

        def summary(self) -> str:
            return f"{self.org} commits to {self.plan.title} (serves {', '.join(self.plan.serves)})"

    class ProgressReported(Event):
        TOPIC = topic("Activity.ProgressReported")
        activity: str
        status: ActivityProgress
        note: str | None = None

        def apply(self, aggregate: "Activity") -> None:
            aggregate.updates.append(
                Update(on=self.meta.effective, status=self.status, note=self.note)
            )

        def subject(self) -> str:
            return f"activity:{self.activity}"

        def summary(self) -> str:
            return f"{self.status}" + (f": {self.note}" if self.note else "")

    class Revised(Event):
        TOPIC = topic("Activity.Revised")
        activity: str
        plan: Plan
        changed: tuple[str, ...]

        def apply(self, aggregate: "Activity") -> None:
            aggregate.plan = self.plan
            aggregate.revisions += 1

        def subject(self) -> str:
            return f"activity:{self.activity}"

        def summary(self) -> str:
            return f"revised ({', '.join(self.changed)}): {self.meta.reason}"

    class Completed(Event):
        TOPIC = topic("Activity.Completed")
        activity: str

        def apply(self, aggregate: "Activity") -> None:
            aggregate.state = ActivityState.COMPLETED
            aggregate.closed_on = self.meta.effective

        def subject(self) -> str:
            return f"activity:{self.activity}"

        def summary(self) -> str:
            return "completed" + (f": {self.meta.reason}" if self.meta.reason else "")

    class Dropped(Event):
        TOPIC = topic("Activity.Dropped")
        activity: str

        def apply(self, aggregate: "Activity") -> None:
            aggregate.state = ActivityState.DROPPED
            aggregate.closed_on = self.meta.effective

        def subject(self) -> str:
            return f"activity:{self.activity}"

        def summary(self) -> str:
            return f"dropped: {self.meta.reason}"

    def __init__(self) -> None:
        self.slug = ""
        self.org = ""
        self.plan: Plan
        self.depends_on: tuple[str, ...] = ()
        self.committed_on: date
        self.updates: list[Update] = []
        self.revisions = 0
        self.state = ActivityState.ACTIVE
        self.closed_on: date | None = None

    @staticmethod
    def id_for(collective: str, slug: str) -> UUID:
        return aggregate_id("activity", collective, slug)

    @classmethod
    def commit(
        cls,
        collective: Collective,
        commitment: "Commitment",
        dependencies: "Sequence[Activity]",
        meta: Envelope,
    ) -> "Activity":
        """Record ``commitment``; ``dependencies`` are the activities it names, loaded."""
        collective.member(commitment.org)
        for other in dependencies:
            if other.state is ActivityState.DROPPED:
                raise RuleViolation(
                    f"{commitment.activity} cannot depend on {other.slug}: it was dropped"
                )
        return cls._create(
            cls.Committed,
            id=cls.id_for(collective.slug, commitment.activity),
            activity=commitment.activity,
            org=commitment.org,
            plan=commitment.plan.resolve(collective.settings.calendar),
            depends_on=commitment.depends_on,
            meta=meta,
        )

    @property
    def progress(self) -> "ActivityProgress | None":
        """The latest reported progress, if any."""
        return self.updates[-1].status if self.updates else None

    def _check_active(self) -> None:
        if self.state is not ActivityState.ACTIVE:
            raise RuleViolation(f"activity {self.slug} is {self.state} and takes no more updates")

    def report_progress(self, status: ActivityProgress, note: "str | None", meta: Envelope) -> None:
        self._check_active()
        text = check_text(note, "the note", 2000) if note is not None else None
        self._trigger(self.ProgressReported, meta, activity=self.slug, status=status, note=text)

    def revise(self, revision: "Revision", calendar: Calendar, meta: Envelope) -> None:
        self._check_active()
        if not meta.reason:
            raise RuleViolation(f"a reason is required to revise {self.slug} (use --reason)")
        changes = revision.model_dump(exclude_none=True)
        if not changes:
            raise RuleViolation(
                f"say what to revise in {self.slug}: a title, description, serves, period "
                "or resources"
            )
        updates = {name: getattr(revision, name) for name in changes}
        plan = Plan.model_validate(self.plan.model_copy(update=updates).model_dump())
        plan = plan.resolve(calendar)
        changed = tuple(n for n in Plan.model_fields if getattr(plan, n) != getattr(self.plan, n))
        if not changed:
            raise RuleViolation(f"the revision changes nothing in {self.slug}")
        self._trigger(self.Revised, meta, activity=self.slug, plan=plan, changed=changed)

    def complete(self, meta: Envelope) -> None:
        self._check_active()
        self._trigger(self.Completed, meta, activity=self.slug)

    def drop(self, meta: Envelope) -> None:
        self._check_active()
        if not meta.reason:
            raise RuleViolation(f"a reason is required to drop {self.slug} (use --reason)")
        self._trigger(self.Dropped, meta, activity=self.slug)
