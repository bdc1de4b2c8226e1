"""Who may record what: the roles each kind of event needs, checked before anything is saved.

Every recording command passes through a :class:`Gate` (``LedgerCore._run``): before the domain
method runs, the gate refuses an actor who is not registered in the collective, one whose roles
record nothing (auditors, funders), and a signing key that is not the one registered for the
actor; after it, every event the command would store is checked against :data:`RULES` (the
event's topic, or else its aggregate's), the organisation it was recorded for is written in its
envelope (``meta.on_behalf_of``) and, with a key, the event is signed. A refusal raises before
``save()``, so nothing is written.

The table is keyed by what is stored rather than by application method: every event is checked,
also those a command adds on the side (a register's numbering, a dictionary's listing), and a
value's organisation is read from the event itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain.actor import BACKBONE_ROLES, RECORDING_ROLES, Actor, ActorRole
from domain.base import TOPIC_PREFIX, Envelope
from domain.errors import RuleViolation

if TYPE_CHECKING:
    from ledger.signednote import SigningKey

__all__ = ["RULES", "Gate", "Rule", "rule_for"]


@dataclass(frozen=True)
class Rule:
    """The roles that may record an event, and what that is, in people's words."""

    roles: frozenset[ActorRole]
    what: str
    own_organisation: bool = False
    """Partner reporters may record it only for their own organisation (the event's ``org``)."""
    side: bool = False
    """Recorded only beside another event of the command (a number, a listing): a refusal names
    that other event's rule."""


_ADMIN = frozenset({ActorRole.BACKBONE_ADMIN})
_BACKBONE = BACKBONE_ROLES
_VALUES = Rule(RECORDING_ROLES, "record values", own_organisation=True)

RULES: dict[str, Rule] = {
    # store-wide, and the collective itself
    "Directory": Rule(_ADMIN, "set up collectives", side=True),
    "Organisation": Rule(_ADMIN, "register organisations"),
    "AuditLog": Rule(_ADMIN, "sign checkpoints of the audit log"),
    "Collective": Rule(_BACKBONE, "record who joins, changes role or leaves"),
    "Actor": Rule(_ADMIN, "register actors, their roles and keys"),
    "ActorRoster": Rule(_ADMIN, "register actors, their roles and keys", side=True),
    # governance and the common agenda
    "Body": Rule(_BACKBONE, "record bodies and their seats"),
    "Body.DecisionTabled": Rule(_BACKBONE, "record decisions", side=True),
    "Decision": Rule(_BACKBONE, "record decisions"),
    "Agenda": Rule(_BACKBONE, "adopt or amend the common agenda"),
    "Agreement": Rule(_BACKBONE, "record agreements"),
    "Backbone": Rule(_BACKBONE, "appoint the backbone"),
    # shared measurement
    "Indicator": Rule(_BACKBONE, "define or revise indicators"),
    "IndicatorDictionary": Rule(_BACKBONE, "define or revise indicators", side=True),
    "ReportingPeriod": Rule(_BACKBONE, "close reporting periods"),
    "Report": Rule(_BACKBONE, "review values"),
    "Report.Opened": _VALUES,
    "Report.ValueSubmitted": _VALUES,
    "Report.ValueCorrected": _VALUES,
    "Report.ValueRetracted": _VALUES,
    # activities, communication, funding
    "Activity": Rule(_BACKBONE, "record activities"),
    "Register": Rule(_BACKBONE, "number records", side=True),
    "Meeting": Rule(_BACKBONE, "record meetings"),
    "Announcement": Rule(_BACKBONE, "record announcements"),
    "Feedback": Rule(_BACKBONE, "record feedback"),
    "Learning": Rule(_BACKBONE, "record learning"),
    "Funding": Rule(_BACKBONE, "record funding"),
    # exports
    "Dhis2Mapping": Rule(_BACKBONE, "map codes for DHIS2"),
}
"""Event (``Aggregate.Event``) or aggregate name -> who may record it."""


def rule_for(topic: str) -> Rule:
    """The rule for a stored topic: its own, or its aggregate's."""
    name = topic.removeprefix(f"{TOPIC_PREFIX}:")
    found = RULES.get(name) or RULES.get(name.partition(".")[0])
    if found is None:
        raise LookupError(f"no permission rule for {name}: add one to ledger/permissions.py")
    return found


def _roles(roles: Iterable[ActorRole]) -> str:
    return ", ".join(sorted(roles)) or "no role"


class Gate:
    """Who records one command, as the ledger knows them now, and what they may record.

    ``actors`` are the actor's records: in the command's collective, or (for a store-wide
    command, ``env.collective`` is None) in every collective of the ledger.
    """

    def __init__(self, env: Envelope, actors: Sequence[Actor], key: SigningKey | None) -> None:
        self.name = env.actor
        self.collective = env.collective
        self.actors = actors
        self.key = key
        self.roles = frozenset(role for actor in actors for role in actor.roles)
        self.organisation = actors[0].organisation if len(actors) == 1 else None

    @classmethod
    def open(
        cls, env: Envelope, actors: Sequence[Actor], key: SigningKey | None, *, collectives: int
    ) -> Gate:
        """The gate for a command, or a refusal if this actor records nothing here."""
        gate = cls(env, actors, key)
        gate._check_actor(collectives)
        if key is not None:
            gate._check_key(key)
        return gate

    @property
    def _where(self) -> str:
        return f"in {self.collective}" if self.collective else "in any collective of this ledger"

    @property
    def _in(self) -> str:
        return f" in {self.collective}" if self.collective else ""

    def _check_actor(self, collectives: int) -> None:
        name = self.name
        if not self.actors:
            if self.collective is None and collectives == 0:
                raise RuleViolation(
                    "this ledger holds no collective yet: run `collective init` first (its "
                    "actor becomes the first backbone admin)"
                )
            raise RuleViolation(
                f"actor {name!r} is not registered {self._where}: a backbone admin registers "
                f"it with `collective actor add {name} --org ORG --role ROLE`"
            )
        if not self.roles:
            raise RuleViolation(
                f"{name} holds no role {self._where}: a backbone admin grants one with "
                f"`collective actor grant {name} --role ROLE`"
            )
        if not self.roles & RECORDING_ROLES:
            raise RuleViolation(
                f"{name} is {_roles(self.roles)}{self._in}: auditors and funders read, they "
                "record nothing"
            )

    def _check_key(self, key: SigningKey) -> None:
        registered = [a.vkey for a in self.actors if a.vkey]
        if not registered:
            raise RuleViolation(
                f"{self.name} has no key registered {self._where}: a backbone admin registers "
                f"one with `collective actor key {self.name} --vkey VKEY`"
            )
        from ledger.signatures import parse_vkey

        mine = key.verifier
        if not any(parse_vkey(v).public_key == mine.public_key for v in registered):
            raise RuleViolation(
                f"the key {mine} is not the key registered for {self.name} {self._where} "
                f"({', '.join(str(parse_vkey(v)) for v in registered)})"
            )

    def admit(self, aggregates: Iterable[Any]) -> None:
        """Check every pending event of ``aggregates``; say for whom it was recorded; sign it.

        A refusal names the command's own event rather than one it adds on the side (a
        register's number, a dictionary's listing), whatever order they come in.
        """
        lists = [aggregate.pending_events for aggregate in aggregates]
        refusals = [r for pending in lists for r in map(self._refusal, pending) if r is not None]
        if refusals:
            raise sorted(refusals, key=lambda refusal: refusal[0])[0][1]
        for pending in lists:
            pending[:] = [self._complete(event) for event in pending]

    def _refusal(self, event: Any) -> tuple[bool, RuleViolation] | None:
        """Why ``event`` may not be recorded by this actor (and whether it is a side event)."""
        rule = rule_for(event.TOPIC)
        refusal = self.refusal(event.TOPIC, getattr(event, "org", None))
        return None if refusal is None else (rule.side, refusal)

    def refusal(self, topic: str, org: str | None) -> RuleViolation | None:
        """Why this actor may not record an event of ``topic`` (for ``org``), or ``None``."""
        rule = rule_for(topic)
        if not self.roles & rule.roles:
            return RuleViolation(
                f"{self.name} may not {rule.what}{self._in}: that needs "
                f"{' or '.join(sorted(rule.roles))} (it is {_roles(self.roles)})"
            )
        if rule.own_organisation and org != self.organisation and not self.roles & BACKBONE_ROLES:
            return RuleViolation(
                f"{self.name} reports for {self.organisation} only: it may not {rule.what} of {org}"
            )
        return None

    def on_behalf_of(self, topic: str, org: str | None) -> str | None:
        """The organisation an event is recorded for, when it is not the actor's own."""
        if rule_for(topic).own_organisation and org != self.organisation:
            return org
        return None

    def _complete(self, event: Any) -> Any:
        """``event`` with the organisation it was recorded for, and signed with the key."""
        if self.on_behalf_of(event.TOPIC, getattr(event, "org", None)) is not None:
            meta = event.meta.model_copy(update={"on_behalf_of": event.org})
            event = event.model_copy(update={"meta": meta})
        if self.key is not None:
            from ledger.signatures import sign_event

            event = sign_event(event, self.key)
        return event
