"""The language of shared measurement: definitions, dimensions, cells, and how cells move between
versions.

An indicator (``domain.indicator``) is defined once per collective and then *revised*: each revision
is a new version of its :class:`Definition`, authorised by a decision, with an explicit mapping
from the old disaggregation categories to the new ones (an age band ``6-14`` split into ``6-10``
and ``11-14``, two bands merged into one). Values reported under an old version stay as they were
recorded (``domain.reporting``); :func:`map_cell` reads them under the current version without
inventing a split: an old ``age=6-14`` is read as the merged group ``age=6-10+11-14``.

A *cell* is where a value sits in the disaggregation: a sorted tuple of ``(dimension, category)``
pairs, any subset of the indicator's dimensions (the empty cell is the total).

Names of dimensions and categories cannot contain ``= , : +``: the command line uses them as
separators (``--dimension age=6-10,11-14``, ``--cell age=6-10``, ``--map age:6-14=6-10+11-14``).
"""

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from itertools import product
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from domain.base import Value
from domain.errors import RuleViolation
from domain.periods import Cadence
from domain.values import CODE_PATTERN
from domain.vocabulary import Aggregation, Direction, Unit

__all__ = [
    "DEFAULT_AGGREGATION",
    "MAX_PLACES",
    "Baseline",
    "CategoryMap",
    "Cell",
    "Definition",
    "Dimension",
    "Group",
    "Revision",
    "Target",
    "Version",
    "cell_label",
    "cells_of",
    "check_code",
    "check_sdg",
    "complete_mapping",
    "group_label",
    "map_cell",
    "normal_cell",
    "parse_cell",
    "parse_dimension",
    "parse_map",
    "read_measure",
    "show_measure",
]

Cell = tuple[tuple[str, str], ...]
"""Where a value sits: sorted ``(dimension, category)`` pairs; ``()`` is the total."""
Group = tuple[tuple[str, tuple[str, ...]], ...]
"""A cell read under a later version: each dimension with one category, or several merged."""

DEFAULT_AGGREGATION = {
    Unit.COUNT: Aggregation.SUM,
    Unit.PERCENT: Aggregation.MEAN,
    Unit.CURRENCY: Aggregation.SUM,
    Unit.RATIO: Aggregation.MEAN,
    Unit.QUALITATIVE: Aggregation.LATEST,
}

_CODE = re.compile(CODE_PATTERN)
_SDG = re.compile(r"^(?:1[0-7]|[1-9])\.(?:[1-9][0-9]?|[a-z])\.[1-9][0-9]?$")
_SEPARATORS = "=,:+"
_GROUPED = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})*,\d{3})(?:\.\d+)?$")
r"""A number with thousands separators, in Western (123,456,789) or Indian (12,34,56,789) grouping.
``\d`` takes any script's digits (Bengali ৪১২ is 412, as ``Decimal`` reads it). Any other comma,
such as a decimal comma (``12,5``), stays and is refused as not a number."""
_MAX_WHOLE_DIGITS = 15
MAX_PLACES = 6
"""Values may have up to this many decimal places."""


# Checking and reading what people type ---------------------------------------------------------


def check_code(text: str) -> str:
    """An indicator code, upper-cased: letters, digits and hyphens (``SS-EDU-01``)."""
    code = text.strip().upper()
    if not _CODE.match(code) or len(code) > 40:
        raise ValueError(
            f"indicator code {text!r} is not valid: use letters, digits and hyphens "
            "(for example SS-EDU-01)"
        )
    return code


def check_sdg(text: str) -> str:
    """An SDG indicator number: goal 1-17, target a number or a letter, indicator a number."""
    code = text.strip().lower()
    if not _SDG.match(code):
        raise ValueError(
            f"SDG indicator {text!r} is not valid: use GOAL.TARGET.INDICATOR with a goal from 1 "
            "to 17, a target number or letter and an indicator number (for example 5.5.2 or 5.b.1)"
        )
    return code


def _check_name(text: str, what: str, of: str = "") -> str:
    name = text.strip()
    if not name:
        raise ValueError(f"{what}{of} cannot be empty")
    if any(c in name for c in _SEPARATORS):
        raise ValueError(
            f"{what} {name!r}{of} cannot contain = , : or + (they separate names on the command "
            "line; write 60+ as 60-plus, for example)"
        )
    return name


def read_measure(
    unit: Unit, raw: str, what: str = "value", of: str = ""
) -> tuple[Decimal | None, str | None]:
    """Read ``raw`` for an indicator of ``unit``: ``(number, None)`` or ``(None, text)``.

    ``what`` and ``of`` name it in a refusal: "value '-3' for SS-EDU-01 is not a count".
    """
    text = raw.strip()
    if unit is Unit.QUALITATIVE:
        if not text:
            raise RuleViolation(f"{what}{of} cannot be empty")
        return None, text
    if "," in text and _GROUPED.match(text):
        text = text.replace(",", "")  # 1,23,456 (Indian grouping) or 123,456: the same number
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise RuleViolation(f"{what} {raw!r}{of} is not a number (the unit is {unit})")
    if number.adjusted() >= _MAX_WHOLE_DIGITS:
        raise RuleViolation(f"{what} {text}{of} is too large")
    if -int(number.as_tuple().exponent) > MAX_PLACES:
        raise RuleViolation(f"{what} {text}{of} has more than {MAX_PLACES} decimal places")
    _check_number(unit, number, f"{what} {text}{of}")
    number = Decimal(format(number, "f"))  # 1E+3 is stored as 1000
    return (Decimal(int(number)) if unit is Unit.COUNT else number), None


def _check_number(unit: Unit, number: Decimal, what: str) -> None:
    if unit is Unit.COUNT and (number < 0 or number != number.to_integral_value()):
        raise RuleViolation(f"{what} is not a count: use a whole number of 0 or more")
    if unit is Unit.PERCENT and not 0 <= number <= 100:
        raise RuleViolation(f"{what} is not a percentage: use a number from 0 to 100")


def _check_measure(unit: Unit, value: "Decimal | None", text: "str | None", what: str) -> None:
    if unit is Unit.QUALITATIVE:
        if value is not None or not (text or "").strip():
            raise ValueError(f"a qualitative {what} is text")
    elif value is None or text is not None:
        raise ValueError(f"a {unit} {what} is a number")
    else:
        _check_number(unit, value, f"{what} {value}")


def show_measure(value: "Decimal | None", text: "str | None") -> str:
    """A value as people read it."""
    return (text or "") if value is None else str(value)


def normal_cell(cell: Iterable[Sequence[str]]) -> Cell:
    """``cell`` as stored: sorted pairs, each dimension named once."""
    pairs: dict[str, str] = {}
    for dimension, category in cell:
        if dimension in pairs:
            raise ValueError(f"the cell names {dimension} twice")
        pairs[dimension] = category
    return tuple(sorted(pairs.items()))


def parse_cell(texts: Iterable[str]) -> Cell:
    """A cell from ``NAME=CATEGORY`` texts, as typed after ``--cell``."""
    pairs = []
    for text in texts:
        name, sep, category = text.partition("=")
        if not sep or not name.strip() or not category.strip():
            raise ValueError(f"cell {text!r} is not NAME=CATEGORY (for example sex=female)")
        pairs.append((name.strip(), category.strip()))
    return normal_cell(pairs)


def parse_dimension(text: str) -> "Dimension":
    """A dimension from ``NAME=CAT,CAT``, as typed after ``--dimension``."""
    name, sep, rest = text.partition("=")
    if not sep or not rest.strip():
        raise ValueError(
            f"dimension {text!r} is not NAME=CATEGORY,CATEGORY (for example sex=female,male)"
        )
    return Dimension(name=name, categories=tuple(rest.split(",")))


def parse_map(text: str, dimensions: Sequence["Dimension"] = ()) -> "CategoryMap":
    """One line of a revision's mapping: ``DIMENSION:OLD=NEW+NEW`` (``age:6-14=6-10+11-14``),
    or ``OLD=NEW+NEW`` when ``OLD`` is a category of exactly one of ``dimensions``."""
    head, sep, new = text.partition("=")
    dimension, colon, old = head.partition(":")
    if sep and not colon and head.strip():
        old = head
        owners = [d.name for d in dimensions if old.strip() in d.categories]
        if len(owners) == 1:
            dimension, colon = owners[0], ":"
    if not sep or not colon or not dimension.strip() or not old.strip() or not new.strip():
        raise ValueError(
            f"mapping {text!r} is not DIMENSION:OLD=NEW+NEW (for example age:6-14=6-10+11-14)"
        )
    return CategoryMap(dimension=dimension, old=old, new=tuple(new.split("+")))


def cell_label(cell: Cell) -> str:
    """``age=6-14, sex=female``; ``total`` for the empty cell."""
    return ", ".join(f"{d}={c}" for d, c in cell) or "total"


# Value objects ---------------------------------------------------------------------------------


class Dimension(Value):
    """A disaggregation dimension and its categories, in the order people list them."""

    name: str
    categories: tuple[str, ...]

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _check_name(v, "dimension")

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        name = info.data.get("name", "the dimension")
        if not v:
            raise ValueError(f"dimension {name} needs at least one category")
        categories = tuple(_check_name(c, "category", f" of {name}") for c in v)
        for category in categories:
            if categories.count(category) > 1:
                raise ValueError(f"category {category} is listed twice in {name}")
        return categories


class Baseline(Value):
    """Where the indicator started: a value and the period (or year) it was measured in."""

    period: str
    value: Decimal | None = None
    text: str | None = None


class Definition(Value):
    """What an indicator means, in one version."""

    name: str = Field(max_length=300)
    unit: Unit
    direction: Direction
    cadence: Cadence
    aggregation: Aggregation = Aggregation.SUM
    """How partners' values add up; when left out, the default for the unit."""
    currency: str | None = None
    definition: str = Field(default="", max_length=4000)
    source: str = Field(default="", max_length=2000)
    method: str = Field(default="", max_length=4000)
    dimensions: tuple[Dimension, ...] = ()
    sdg: tuple[str, ...] = ()
    baseline: Baseline | None = None

    @model_validator(mode="before")
    @classmethod
    def _default_aggregation(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("aggregation") is None:
            try:
                unit = Unit(str(data.get("unit")))
            except ValueError:
                return data
            return {**data, "aggregation": DEFAULT_AGGREGATION[unit]}
        return data

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the name of an indicator cannot be empty")
        return v.strip()

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: "str | None") -> "str | None":
        if v is not None and (len(v) != 3 or not v.isascii() or not v.isalpha()):
            raise ValueError(f"currency {v!r} is not an ISO 4217 code (for example INR, BDT, USD)")
        return None if v is None else v.upper()

    @field_validator("sdg")
    @classmethod
    def _sdg(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(check_sdg(code) for code in v))

    @model_validator(mode="after")
    def _consistent(self) -> "Definition":
        if self.currency is not None and self.unit is not Unit.CURRENCY:
            raise ValueError(f"a currency goes with the unit currency, not {self.unit}")
        if self.unit is Unit.QUALITATIVE and self.aggregation is not Aggregation.LATEST:
            raise ValueError("qualitative values can only be aggregated as latest")
        names = [d.name for d in self.dimensions]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"dimension {name} is given twice")
        if self.baseline is not None:
            _check_measure(self.unit, self.baseline.value, self.baseline.text, "baseline")
        return self

    @property
    def unit_label(self) -> str:
        return f"{self.currency}" if self.unit is Unit.CURRENCY else str(self.unit)

    def dimension(self, name: str, code: str) -> "Dimension":
        for dimension in self.dimensions:
            if dimension.name == name:
                return dimension
        known = ", ".join(d.name for d in self.dimensions) or "none"
        raise RuleViolation(f"{code} has no dimension {name!r} (its dimensions: {known})")

    def check_cell(self, cell: Cell, code: str) -> None:
        """Refuse a cell outside this definition's dimensions and categories."""
        for name, category in cell:
            dimension = self.dimension(name, code)
            if category not in dimension.categories:
                raise RuleViolation(
                    f"{name}={category} is not a category of {code} "
                    f"({name} has {', '.join(dimension.categories)})"
                )


class CategoryMap(Value):
    """Where the values of one old category go in the next version: one category or several."""

    dimension: str
    old: str
    new: tuple[str, ...]

    @field_validator("dimension", "old")
    @classmethod
    def _names(cls, v: str) -> str:
        return _check_name(v, "a name in a mapping")

    @field_validator("new")
    @classmethod
    def _new(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        new = tuple(_check_name(c, "a name in a mapping") for c in v)
        if len(set(new)) != len(new):
            raise ValueError(f"a mapping names a category twice ({'+'.join(new)})")
        return new


class Version(Value):
    """One version of an indicator's definition and how the previous version maps onto it."""

    number: int = Field(ge=1)
    definition: Definition
    mapping: tuple[CategoryMap, ...] = ()
    decision: str | None = None


class Revision(Value):
    """What a revision changes: the dimensions (all of them, as they will be) and texts."""

    dimensions: tuple[Dimension, ...] | None = None
    mapping: tuple[CategoryMap, ...] = ()
    name: str | None = None
    definition: str | None = None
    source: str | None = None
    method: str | None = None

    def apply_to(self, old: "Definition") -> "Definition":
        changes = self.model_dump(exclude={"mapping"}, exclude_none=True)
        return Definition.model_validate({**old.model_dump(), **changes})


class Target(Value):
    """A target for one period and cell."""

    period: str
    cell: Cell = ()
    value: Decimal | None = None
    text: str | None = None
    version: int


# Reading old cells under the current version ---------------------------------------------------


def map_cell(versions: "Sequence[Version]", number: int, cell: Cell) -> Group:
    """The cell ``cell`` of version ``number``, read under the last of ``versions``.

    Each revision's mapping is applied in turn. A category that was split maps to the group of
    its new categories (never to one of them: that would invent a split); categories merged
    into one map to it. A dimension dropped by a revision drops out of the cell.
    """
    if not 1 <= number <= len(versions):
        raise RuleViolation(f"there is no version {number} (the last is {len(versions)})")
    groups: dict[str, tuple[str, ...]] = {d: (c,) for d, c in cell}
    for version in versions[number:]:
        steps: dict[str, dict[str, tuple[str, ...]]] = {}
        for line in version.mapping:
            steps.setdefault(line.dimension, {})[line.old] = line.new
        order = {d.name: d.categories for d in version.definition.dimensions}
        groups = {
            d: _in_order(order[d], (steps[d][c] for c in categories))
            for d, categories in groups.items()
            if d in steps
        }
    return tuple(sorted(groups.items()))


def _in_order(order: tuple[str, ...], parts: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    wanted = {c for part in parts for c in part}
    return tuple(c for c in order if c in wanted)


def cells_of(group: Group) -> tuple[Cell, ...]:
    """Every cell of the current version that a group covers (a split gives several)."""
    names = [d for d, _ in group]
    return tuple(tuple(zip(names, combo, strict=True)) for combo in product(*(c for _, c in group)))


def group_label(group: Group) -> str:
    """``age=6-10+11-14, sex=female``; ``total`` for the empty group."""
    return ", ".join(f"{d}={'+'.join(c)}" for d, c in group) or "total"


def complete_mapping(
    code: str, old: "Definition", new: "Definition", given: "Sequence[CategoryMap]"
) -> "tuple[CategoryMap, ...]":
    """The mapping of every category of every kept dimension: ``given``, else the same name."""
    explicit: dict[tuple[str, str], tuple[str, ...]] = {}
    for line in given:
        source = old.dimension(line.dimension, code)
        if line.dimension not in {d.name for d in new.dimensions}:
            raise RuleViolation(
                f"the revision drops the dimension {line.dimension} of {code}: its categories "
                "map to nothing"
            )
        target = new.dimension(line.dimension, code)
        if line.old not in source.categories:
            raise RuleViolation(
                f"{line.dimension}={line.old} is not a category of {code} "
                f"({line.dimension} has {', '.join(source.categories)})"
            )
        for category in line.new:
            if category not in target.categories:
                raise RuleViolation(
                    f"{line.dimension}={category} is not a category of the revised {code} "
                    f"({line.dimension} will have {', '.join(target.categories)})"
                )
        if (line.dimension, line.old) in explicit:
            raise RuleViolation(f"{line.dimension}={line.old} is mapped twice")
        explicit[line.dimension, line.old] = _in_order(target.categories, [line.new])
    mapping = []
    for dimension in old.dimensions:
        if dimension.name not in {d.name for d in new.dimensions}:
            continue
        kept = new.dimension(dimension.name, code).categories
        for category in dimension.categories:
            mapped = explicit.get((dimension.name, category))
            if mapped is None:
                if category not in kept:
                    raise RuleViolation(
                        f"{dimension.name}={category} of {code} has no place in the revision: "
                        f"say where its values go with --map {dimension.name}:{category}=NEW+NEW"
                    )
                mapped = (category,)
            mapping.append(CategoryMap(dimension=dimension.name, old=category, new=mapped))
    return tuple(mapping)
