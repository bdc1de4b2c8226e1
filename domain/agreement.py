"""Agreements: the charter, memoranda of understanding, data-sharing and funding agreements.

An agreement is drafted with its parties (member organisations) and its terms, signed by each
party, and comes into force with the last signature (its own event). Amended terms need every
party to sign again; until then the earlier terms stay in force. A terminated agreement takes
nothing more.
"""

from datetime import date
from uuid import UUID

from pydantic import Field, field_validator

from domain.base import Aggregate, Created, Envelope, Event, Value, aggregate_id, check_slug, topic
from domain.errors import RuleViolation
from domain.vocabulary import AgreementKind

__all__ = ["Agreement", "AgreementDraft", "Signature", "check_terms"]


def check_terms(text: str) -> str:
    """The terms without surrounding blank space; empty terms are refused."""
    if not text.strip():
        raise ValueError("the terms of an agreement cannot be empty")
    return text.strip()


class AgreementDraft(Value):
    """An agreement as it is first put to its parties."""

    slug: str
    kind: AgreementKind
    parties: tuple[str, ...]
    terms: str = Field(max_length=200000)

    @field_validator("slug")
    @classmethod
    def _slug(cls, v: str) -> str:
        return check_slug(v, "agreement")

    @field_validator("parties")
    @classmethod
    def _parties(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for party in v:
            check_slug(party, "party")
            if v.count(party) > 1:
                raise ValueError(f"{party} is named twice as a party")
        if len(v) < 2:
            raise ValueError("an agreement needs at least two parties (use --party for each)")
        return v

    @field_validator("terms")
    @classmethod
    def _terms(cls, v: str) -> str:
        return check_terms(v)


class Signature(Value):
    """A party's signature on one version of the terms."""

    party: str
    signatory: str
    signed: date
    terms_version: int


class Agreement(Aggregate):
    """One agreement of a collective, from draft to termination."""

    TOPIC = topic("Agreement")

    class Drafted(Created):
        TOPIC = topic("Agreement.Drafted")
        agreement: str
        kind: AgreementKind
        parties: tuple[str, ...]
        terms: str

        def apply(self, aggregate: "Agreement") -> None:
            aggregate.slug = self.agreement
            aggregate.kind = self.kind
            aggregate.parties = self.parties
            aggregate.terms = [self.terms]

        def subject(self) -> str:
            return f"agreement:{self.agreement}"

        def summary(self) -> str:
            return f"{self.kind} drafted between {', '.join(self.parties)}"

    class Signed(Event):
        TOPIC = topic("Agreement.Signed")
        agreement: str
        party: str
        signatory: str
        terms_version: int

        def apply(self, aggregate: "Agreement") -> None:
            aggregate.signatures.append(
                Signature(
                    party=self.party,
                    signatory=self.signatory,
                    signed=self.meta.effective,
                    terms_version=self.terms_version,
                )
            )

        def subject(self) -> str:
            return f"agreement:{self.agreement}"

        def summary(self) -> str:
            return (
                f"signed for {self.party} by {self.signatory} (terms version {self.terms_version})"
            )

    class EnteredIntoForce(Event):
        TOPIC = topic("Agreement.EnteredIntoForce")
        agreement: str
        terms_version: int

        def apply(self, aggregate: "Agreement") -> None:
            aggregate.in_force = self.terms_version

        def subject(self) -> str:
            return f"agreement:{self.agreement}"

        def summary(self) -> str:
            return f"in force (terms version {self.terms_version}), signed by every party"

    class Amended(Event):
        TOPIC = topic("Agreement.Amended")
        agreement: str
        terms_version: int
        terms: str

        def apply(self, aggregate: "Agreement") -> None:
            aggregate.terms.append(self.terms)

        def subject(self) -> str:
            return f"agreement:{self.agreement}"

        def summary(self) -> str:
            return f"terms amended to version {self.terms_version}: {self.meta.reason}"

    class Terminated(Event):
        TOPIC = topic("Agreement.Terminated")
        agreement: str

        def apply(self, aggregate: "Agreement") -> None:
            aggregate.terminated = self.meta.effective

        def subject(self) -> str:
            return f"agreement:{self.agreement}"

        def summary(self) -> str:
            return f"terminated: {self.meta.reason}"

    def __init__(self) -> None:
        self.slug = ""
        self.kind: AgreementKind
        self.parties: tuple[str, ...] = ()
        self.terms: list[str] = []
        self.signatures: list[Signature] = []
        self.in_force: int | None = None
        self.terminated: date | None = None

    @staticmethod
    def id_for(collective: str, slug: str) -> UUID:
        return aggregate_id("agreement", collective, slug)

    @classmethod
    def draft(cls, collective: str, draft: "AgreementDraft", meta: Envelope) -> "Agreement":
        return cls._create(
            cls.Drafted,
            id=cls.id_for(collective, draft.slug),
            agreement=draft.slug,
            kind=draft.kind,
            parties=draft.parties,
            terms=draft.terms,
            meta=meta,
        )

    @property
    def terms_version(self) -> int:
        """The version of the latest terms (1 until the first amendment)."""
        return len(self.terms)

    @property
    def status(self) -> str:
        if self.terminated is not None:
            return "terminated"
        if self.in_force == self.terms_version:
            return "in force"
        if self.in_force is None:
            return "awaiting signatures"
        return "amended, awaiting signatures"

    def signed(self, version: "int | None" = None) -> "dict[str, Signature]":
        """The signatures on ``version`` of the terms (the latest when ``None``), by party."""
        wanted = self.terms_version if version is None else version
        return {s.party: s for s in self.signatures if s.terms_version == wanted}

    def _check_open(self) -> None:
        if self.terminated is not None:
            raise RuleViolation(
                f"agreement {self.slug} was terminated on {self.terminated} "
                "and takes no more changes"
            )

    def sign(self, party: str, signatory: str, meta: Envelope) -> None:
        """Record a party's signature; the last one brings the terms into force."""
        self._check_open()
        if party not in self.parties:
            raise RuleViolation(
                f"{party} is not a party to {self.slug} (parties: {', '.join(self.parties)})"
            )
        if party in self.signed():
            again = f" version {self.terms_version} of" if self.terms_version > 1 else ""
            raise RuleViolation(f"{party} has already signed{again} {self.slug}")
        if not signatory.strip():
            raise RuleViolation("say who signed for the party (use --signatory NAME)")
        self._trigger(
            self.Signed,
            meta,
            agreement=self.slug,
            party=party,
            signatory=signatory.strip(),
            terms_version=self.terms_version,
        )
        if set(self.signed()) == set(self.parties):
            self._trigger(
                self.EnteredIntoForce, meta, agreement=self.slug, terms_version=self.terms_version
            )

    def amend(self, terms: str, meta: Envelope) -> None:
        """New terms; every party signs again before they are in force."""
        self._check_open()
        if not meta.reason:
            raise RuleViolation(f"a reason is required to amend {self.slug} (use --reason)")
        terms = check_terms(terms)
        if terms == self.terms[-1]:
            raise RuleViolation(
                f"the new terms of {self.slug} are identical to version {self.terms_version}: "
                "nothing to amend"
            )
        self._trigger(
            self.Amended,
            meta,
            agreement=self.slug,
            terms_version=self.terms_version + 1,
            terms=terms,
        )

    def terminate(self, meta: Envelope) -> None:
        self._check_open()
        if not meta.reason:
            raise RuleViolation(f"a reason is required to terminate {self.slug} (use --reason)")
        self._trigger(self.Terminated, meta, agreement=self.slug)
