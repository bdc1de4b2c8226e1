"""The closed vocabularies of the domain, as plain enums.

Kept apart from the aggregates (and free of heavy imports) so that the command line can offer them
as choices without loading the whole domain.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DecisionRule", "OrgType", "Outcome", "Role", "Stance"]


class OrgType(StrEnum):
    """What kind of organisation it is."""

    FUNDER = "funder"
    BACKBONE = "backbone"
    IMPLEMENTING = "implementing"
    GOVERNMENT = "government"
    COMMUNITY = "community"
    LEARNING = "learning"


class Role(StrEnum):
    """The part an organisation plays in a collective."""

    FUNDER = "funder"
    BACKBONE = "backbone"
    IMPLEMENTING = "implementing"
    GOVERNMENT = "government"
    COMMUNITY = "community"
    LEARNING = "learning"


class DecisionRule(StrEnum):
    """How a governance body decides."""

    CONSENT = "consent"
    """Passes unless a member objects, with a reason (and at least one member consents)."""
    CONSENSUS = "consensus"
    """Passes only when every seated member consents."""
    MAJORITY = "majority"
    """Passes when a quorum took part and more consent than object."""
    DELEGATED = "delegated"
    """Delegated to the backbone: passes when a backbone seat consents."""


class Stance(StrEnum):
    """A member's position on a proposed decision."""

    CONSENT = "consent"
    OBJECT = "object"
    STAND_ASIDE = "stand-aside"


class Outcome(StrEnum):
    """Where a decision stands."""

    OPEN = "open"
    PASSED = "passed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
