"""The closed vocabularies of the domain, as plain enums.

Kept apart from the aggregates (and free of heavy imports) so that the command line can offer them
as choices without loading the whole domain.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["OrgType", "Role"]


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
