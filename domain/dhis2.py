"""How the ledger's codes become DHIS2 codes: a mapping kept in the ledger as configuration.

DHIS2 imports data values by code (``idScheme=CODE``): a data element, a period, an org unit, a
category option combo (the disaggregation cell) and an attribute option combo. The ledger has a
sensible default for each (:func:`default_code`); a collective records its own codes where the
DHIS2 instance it reports to uses others, one :class:`Dhis2Mapping` per collective:

- ``data-element``: an indicator code (``SS-EDU-01``); default: the code itself;
- ``org-unit``: an organisation slug (``hasiru-dala``); default: the slug upper-cased;
- ``category-option-combo``: an indicator's cell (``SS-EDU-01/age=6-14,sex=female``, or
  ``SS-EDU-01/total``); default: the cell's categories upper-cased in the indicator's dimension
  order (``FEMALE_6-14``), ``default`` for the total;
- ``attribute-option-combo``: an organisation slug; default: ``default``.

A mapping can be cleared: the key then maps to its default again.
"""

import re
from collections.abc import Sequence
from enum import StrEnum
from uuid import UUID

from domain.base import Aggregate, Created, Envelope, Event, aggregate_id, check_slug, topic
from domain.errors import RuleViolation
from domain.measurement import Cell, check_code, parse_cell

__all__ = [
    "DEFAULT",
    "Dhis2Mapping",
    "MappingKind",
    "cell_key",
    "check_dhis2_code",
    "default_code",
    "normal_key",
    "split_cell_key",
]

DEFAULT = "default"
"""DHIS2's own code for the default category (and attribute) option combo."""

_DHIS2_CODE = re.compile(r"^[^\x00-\x1f\x7f]{1,50}$")
TOTAL = "total"


class MappingKind(StrEnum):
    """What a mapping gives a DHIS2 code to."""

    DATA_ELEMENT = "data-element"
    ORG_UNIT = "org-unit"
    CATEGORY_OPTION_COMBO = "category-option-combo"
    ATTRIBUTE_OPTION_COMBO = "attribute-option-combo"


def check_dhis2_code(text: str) -> str:
    """A DHIS2 code: 1 to 50 characters, no control characters, no surrounding spaces."""
    code = text.strip()
    if not _DHIS2_CODE.match(code):
        raise ValueError(
            f"DHIS2 code {text!r} is not valid: use 1 to 50 characters without control "
            "characters (for example SS_EDU_ENROLLED)"
        )
    return code


def cell_key(code: str, cell: Cell) -> str:
    """The key of an indicator's cell: ``SS-EDU-01/age=6-14,sex=female``, ``SS-EDU-01/total``."""
    return f"{code}/{','.join(f'{d}={c}' for d, c in cell) or TOTAL}"


def split_cell_key(key: str) -> tuple[str, Cell]:
    """The indicator code and the cell of a category option combo key, as typed."""
    code, slash, cell = key.partition("/")
    if not slash or not cell.strip():
        raise ValueError(
            f"category option combo key {key!r} is not CODE/CELL: use, for example, "
            "SS-EDU-01/age=6-14,sex=female or SS-EDU-01/total"
        )
    if cell.strip() == TOTAL:
        return check_code(code), ()
    return check_code(code), parse_cell(part for part in cell.split(",") if part.strip())


def normal_key(kind: MappingKind, key: str) -> str:
    """``key`` as stored for ``kind``: an indicator code, a slug, or a cell key in order."""
    kind = MappingKind(kind)
    if kind is MappingKind.DATA_ELEMENT:
        return check_code(key)
    if kind is MappingKind.CATEGORY_OPTION_COMBO:
        return cell_key(*split_cell_key(key))
    return check_slug(key.strip(), "organisation")


def default_code(kind: MappingKind, key: str, dimensions: Sequence[str] = ()) -> str:
    """The code a key maps to when no mapping is set.

    ``dimensions`` orders a cell's categories (the indicator's dimensions, in its order); a
    dimension it does not name comes after those it names.
    """
    kind = MappingKind(kind)
    if kind is MappingKind.DATA_ELEMENT:
        return key
    if kind is MappingKind.ORG_UNIT:
        return key.upper()
    if kind is MappingKind.ATTRIBUTE_OPTION_COMBO:
        return DEFAULT
    _, cell = split_cell_key(key)
    if not cell:
        return DEFAULT
    order = {name: n for n, name in enumerate(dimensions)}
    ordered = sorted(cell, key=lambda pair: (order.get(pair[0], len(order)), pair[0]))
    return "_".join(category.upper() for _, category in ordered)


class Dhis2Mapping(Aggregate):
    """A collective's DHIS2 codes for its indicators, organisations and cells."""

    TOPIC = topic("Dhis2Mapping")

    class Opened(Created):
        TOPIC = topic("Dhis2Mapping.Opened")
        collective: str

        def apply(self, aggregate: "Dhis2Mapping") -> None:
            aggregate.collective = self.collective

        def subject(self) -> str:
            return f"dhis2-map:{self.collective}"

        def summary(self) -> str:
            return "DHIS2 mapping opened"

    class MappingSet(Event):
        TOPIC = topic("Dhis2Mapping.MappingSet")
        kind: MappingKind
        key: str
        code: str

        def apply(self, aggregate: "Dhis2Mapping") -> None:
            aggregate.codes[self.kind, self.key] = self.code

        def subject(self) -> str:
            return f"dhis2-map:{self.kind}/{self.key}"

        def summary(self) -> str:
            return f"{self.kind} {self.key} maps to DHIS2 code {self.code}"

    class MappingCleared(Event):
        TOPIC = topic("Dhis2Mapping.MappingCleared")
        kind: MappingKind
        key: str

        def apply(self, aggregate: "Dhis2Mapping") -> None:
            aggregate.codes.pop((self.kind, self.key), None)

        def subject(self) -> str:
            return f"dhis2-map:{self.kind}/{self.key}"

        def summary(self) -> str:
            return f"{self.kind} {self.key} maps to its default DHIS2 code again"

    def __init__(self) -> None:
        self.collective = ""
        self.codes: dict[tuple[str, str], str] = {}

    @staticmethod
    def id_for(collective: str) -> UUID:
        return aggregate_id("dhis2-mapping", collective)

    @classmethod
    def open(cls, collective: str, meta: Envelope) -> "Dhis2Mapping":
        return cls._create(cls.Opened, id=cls.id_for(collective), collective=collective, meta=meta)

    def set(self, kind: MappingKind, key: str, code: str, meta: Envelope) -> None:
        """Map ``key`` (already checked against the ledger) to the DHIS2 ``code``."""
        kind, key, code = MappingKind(kind), normal_key(kind, key), check_dhis2_code(code)
        if self.codes.get((kind, key)) == code:
            raise RuleViolation(f"{kind} {key} already maps to DHIS2 code {code}")
        self._trigger(self.MappingSet, meta, kind=kind, key=key, code=code)

    def clear(self, kind: MappingKind, key: str, meta: Envelope) -> None:
        """Let ``key`` map to its default code again."""
        kind, key = MappingKind(kind), normal_key(kind, key)
        if (kind, key) not in self.codes:
            raise RuleViolation(
                f"{kind} {key} has no DHIS2 code set (it maps to its default already)"
            )
        self._trigger(self.MappingCleared, meta, kind=kind, key=key)
