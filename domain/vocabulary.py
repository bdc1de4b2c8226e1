"""The closed vocabularies of the domain, as plain enums.

Kept apart from the aggregates (and free of heavy imports) so that the command line can offer them
as choices without loading the whole domain.
"""

from enum import StrEnum

__all__ = [
    "ActivityProgress",
    "ActivityState",
    "Aggregation",
    "AgreementKind",
    "BackboneFunction",
    "DecisionRule",
    "Direction",
    "OrgType",
    "Outcome",
    "ReviewAction",
    "Role",
    "Stance",
    "Unit",
    "ValueStatus",
]


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


class AgreementKind(StrEnum):
    """What kind of agreement the parties sign."""

    CHARTER = "charter"
    MOU = "mou"
    """A memorandum of understanding."""
    DATA_SHARING = "data-sharing"
    FUNDING = "funding"


class BackboneFunction(StrEnum):
    """The six functions a backbone organisation takes on (Turner et al., 2012)."""

    GUIDE_VISION_AND_STRATEGY = "guide-vision-and-strategy"
    SUPPORT_ALIGNED_ACTIVITIES = "support-aligned-activities"
    ESTABLISH_SHARED_MEASUREMENT = "establish-shared-measurement"
    BUILD_PUBLIC_WILL = "build-public-will"
    ADVANCE_POLICY = "advance-policy"
    MOBILISE_FUNDING = "mobilise-funding"


class ActivityProgress(StrEnum):
    """How a committed activity is going, as its organisation reports it."""

    ON_TRACK = "on-track"
    AT_RISK = "at-risk"
    LATE = "late"


class ActivityState(StrEnum):
    """Where a committed activity stands."""

    ACTIVE = "active"
    COMPLETED = "completed"
    DROPPED = "dropped"


class Unit(StrEnum):
    """What an indicator's values count or measure."""

    COUNT = "count"
    """A whole number of 0 or more (people, households, applications)."""
    PERCENT = "percent"
    """A number from 0 to 100."""
    CURRENCY = "currency"
    """An amount of money in the indicator's ISO 4217 currency."""
    RATIO = "ratio"
    """Any number (a rate, an index, a change)."""
    QUALITATIVE = "qualitative"
    """Text: a rating, a story, an observation."""


class Direction(StrEnum):
    """Which way is better for an indicator."""

    UP = "up"
    DOWN = "down"


class Aggregation(StrEnum):
    """How the values of several partners add up to the collective's figure."""

    SUM = "sum"
    MEAN = "mean"
    MEDIAN = "median"
    LATEST = "latest"


class ReviewAction(StrEnum):
    """A reviewer's position on reported values."""

    APPROVE = "approve"
    QUERY = "query"
    RETURN = "return"


class ValueStatus(StrEnum):
    """Where a reported value stands."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    QUERIED = "queried"
    RETURNED = "returned"
    CORRECTED = "corrected"
    RETRACTED = "retracted"
