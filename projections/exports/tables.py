"""The tables every tabular export writes (CSV, JSON Lines, XLSX, Parquet, Data Package).

Each :class:`Table` names its columns with a type and constraints (the Data Package's Table
Schema is made from them) and yields its rows, read from the projections as of the export's
position, in a stable order. Rows are tuples in column order holding ``str``, ``int``, ``bool`` or
``None``: numbers are their exact plain decimal text (``412``, ``54.50``, never through a float)
and dates their ISO text, so each writer converts them once, to its own types.

Identifiers are the codes people use (indicator code, organisation slug, period code, decision
id); people appear only by the identifiers the ledger gives them (community seats such as
``wp-rep-1``); the actors who recorded events are not exported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from domain.periods import Cadence
from domain.vocabulary import (
    ActivityProgress,
    ActivityState,
    Aggregation,
    Direction,
    OrgType,
    Outcome,
    Role,
    Stance,
    Unit,
    ValueStatus,
)
from projections.exports.measures import Measures

if TYPE_CHECKING:
    from domain.measurement import Definition, Version
    from projections.exports import ExportRequest

__all__ = ["TABLES", "Column", "ForeignKey", "Source", "Table", "number_text"]

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    """``string``, ``integer``, ``number`` (exact decimal text), ``date`` or ``boolean``."""
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    table: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    rows: Callable[[Source], Iterable[Row]]
    foreign_keys: tuple[ForeignKey, ...] = field(default=())
    csv: Callable[[Source], Iterable[str]] | None = None
    """The rows as CSV text (lines ending ``\\r\\n``), where a table makes them quicker than
    the csv module: the same bytes."""


class Source:
    """What the tables read: the views as of the export's position, and the threshold."""

    def __init__(self, request: ExportRequest, threshold: int) -> None:
        from domain.errors import RuleViolation
        from projections.clock import settings_at
        from projections.measurement import indicator_views

        self.views = request.views
        self.db = request.views.db
        self.collective = request.collective
        self.at = request.at
        self.threshold = threshold
        self.calendar, _ = settings_at(self.views, self.collective, self.at)
        self.indicators = indicator_views(self.views, self.collective, self.at)
        if not self.indicators:
            raise RuleViolation(
                f"{self.collective} has no indicators to export"
                f"{' at that time' if self.at is not None else ''}: define one first with "
                "`collective indicator define`"
            )
        self.measures = Measures(self, {i.code: i for i in self.indicators})

    def query(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Rows of the collective's views visible at the export's position (``{visible}`` and
        ``{table}`` placeholders; ``?`` marks parameters after the collective)."""
        return self.db.query(sql, [self.collective, *params])

    def visible(self, alias: str = "") -> str:
        return self.db.visible(self.at, alias)

    def table(self, name: str) -> str:
        return str(self.db.table(name))


def number_text(number: Decimal | None) -> str | None:
    """A decimal as exact plain text (no exponent): ``1000``, ``54.50``."""
    return None if number is None else format(number, "f")


def _number(text: str | None) -> int:
    """``steering-12`` or ``fb-12`` -> 12, so that ids sort as they were issued."""
    digits = (text or "")[len((text or "").rstrip("0123456789")) :]
    return int(digits) if digits else 0


def _s(name: str, description: str, required: bool = False, enum: Iterable[str] = ()) -> Column:
    return Column(name, "string", description, required, tuple(enum))


def _values(kind: Any) -> tuple[str, ...]:
    return tuple(str(v.value) for v in kind)


# organisations ---------------------------------------------------------------------------------


def _organisations(src: Source) -> Iterator[Row]:
    members = {
        r["org"]: r
        for r in src.query(
            f"SELECT org, role, joined, left_on FROM {src.table('view_members')} "
            f"WHERE collective = ? AND {src.visible()}"
        )
    }
    referenced = set(members) | src.measures.organisations()
    referenced |= {str(r["org"]) for r in _activity_rows(src)}
    referenced |= {org for f in _flows(src) for org in (f.funder, f.recipient)}
    names = {
        r["org"]: r
        for r in src.db.query(
            f"SELECT org, name, type FROM {src.table('view_organisations')} WHERE {src.visible()}"
        )
    }
    for org in sorted(referenced):
        member = members.get(org, {})
        profile = names.get(org, {})
        yield (
            org,
            profile.get("name"),
            profile.get("type"),
            member.get("role"),
            member.get("joined"),
            member.get("left_on"),
        )


ORGANISATIONS = Table(
    "organisations",
    "Organisations",
    "Every organisation that is or was a member of the collective, with its role, and every "
    "organisation the other tables name (a funder that is not a member has no role).",
    (
        _s("organisation", "The organisation's slug.", required=True),
        _s("name", "Its name.", required=True),
        _s("type", "What kind of organisation it is.", required=True, enum=_values(OrgType)),
        _s(
            "role", "The part it plays in the collective (empty: not a member).", enum=_values(Role)
        ),
        Column("joined", "date", "When it joined the collective."),
        Column("left", "date", "When it left (empty: still a member)."),
    ),
    ("organisation",),
    _organisations,
)


# indicators and their versions -----------------------------------------------------------------


def _dimensions(definition: Definition) -> str:
    return "; ".join(f"{d.name}={','.join(d.categories)}" for d in definition.dimensions)


def _definition(definition: Definition) -> Row:
    baseline = definition.baseline
    return (
        definition.name,
        definition.unit.value,
        definition.currency,
        definition.direction.value,
        definition.cadence.value,
        definition.aggregation.value,
        _dimensions(definition) or None,
        " ".join(definition.sdg) or None,
        None if baseline is None else baseline.period,
        None if baseline is None else number_text(baseline.value),
        None if baseline is None else baseline.text,
        definition.definition or None,
        definition.source or None,
        definition.method or None,
    )


_DEFINITION = (
    _s("name", "What the indicator counts or measures.", required=True),
    _s("unit", "Its unit.", required=True, enum=_values(Unit)),
    _s("currency", "The ISO 4217 currency of a currency indicator."),
    _s("direction", "Which way is better.", required=True, enum=_values(Direction)),
    _s("cadence", "How often it is reported.", required=True, enum=_values(Cadence)),
    _s("aggregation", "How partners' values add up.", required=True, enum=_values(Aggregation)),
    _s("dimensions", "Its disaggregation: NAME=CATEGORY,CATEGORY; NAME=..."),
    _s("sdg", "UN SDG indicator numbers it reports on (space-separated)."),
    _s("baseline_period", "The period of its baseline."),
    Column("baseline_value", "number", "The baseline (a number)."),
    _s("baseline_text", "The baseline of a qualitative indicator."),
    _s("definition", "The definition in words."),
    _s("source", "Where the data come from."),
    _s("method", "How it is measured."),
)


def _indicators(src: Source) -> Iterator[Row]:
    for indicator in sorted(src.indicators, key=lambda i: i.code):
        yield (
            indicator.code,
            *_definition(indicator.current),
            indicator.versions[-1].number,
            "retired" if indicator.retired else "active",
            indicator.retired,
            None if indicator.retired_on is None else indicator.retired_on.isoformat(),
        )


INDICATORS = Table(
    "indicators",
    "Indicators",
    "The indicator dictionary: each indicator's current definition.",
    (
        _s("indicator", "The indicator's code.", required=True),
        *_DEFINITION,
        Column("version", "integer", "The number of its current version.", required=True),
        _s("status", "Whether it is still reported.", required=True, enum=("active", "retired")),
        _s("retired_by", "The decision that retired it."),
        Column("retired_on", "date", "When it was retired."),
    ),
    ("indicator",),
    _indicators,
)


def _mapping(version: Version) -> str | None:
    lines = [f"{m.dimension}:{m.old}={'+'.join(m.new)}" for m in version.mapping]
    return "; ".join(lines) or None


def _versions(src: Source) -> Iterator[Row]:
    for indicator in sorted(src.indicators, key=lambda i: i.code):
        for version in indicator.versions:
            yield (
                indicator.code,
                version.number,
                *_definition(version.definition),
                version.decision,
                _mapping(version),
            )


INDICATOR_VERSIONS = Table(
    "indicator_versions",
    "Indicator versions",
    "Every version of every indicator's definition, with the decision that authorised a "
    "revision and where the old categories went (the category mapping).",
    (
        _s("indicator", "The indicator's code.", required=True),
        Column("version", "integer", "The version number (1 is the first definition).", True),
        *_DEFINITION,
        _s("decision", "The decision that authorised this revision (empty for version 1)."),
        _s("mapping", "Old categories to new ones: DIMENSION:OLD=NEW+NEW; ..."),
    ),
    ("indicator", "version"),
    _versions,
    (ForeignKey(("indicator",), "indicators", ("indicator",)),),
)


# targets ---------------------------------------------------------------------------------------


def _targets(src: Source) -> Iterator[Row]:
    from domain.periods import parse_period
    from projections.exports.measures import cell_text
    from projections.measurement import target_views

    found = []
    for t in target_views(src.views, src.collective, src.at):
        period = parse_period(t.period, src.calendar)
        found.append(((t.code, period, cell_text(t.cell)), t, period))
    for (code, period, cell), t, _ in sorted(found, key=lambda x: x[0]):
        yield (
            code,
            t.period,
            period.start.isoformat(),
            period.end.isoformat(),
            cell,
            number_text(t.value),
            t.text,
        )


_PERIOD = (
    _s("period", "The reporting period's code (2024Q1, FY2024-25, 2024-03).", required=True),
    Column("period_start", "date", "Its first day.", required=True),
    Column("period_end", "date", "Its last day.", required=True),
)
_CELL = _s(
    "cell",
    "The disaggregation cell: DIMENSION=CATEGORY pairs joined by commas, or total.",
    required=True,
)

TARGETS = Table(
    "targets",
    "Targets",
    "The targets set for each indicator, period and cell.",
    (
        _s("indicator", "The indicator's code.", required=True),
        *_PERIOD,
        _CELL,
        Column("value", "number", "The target."),
        _s("text", "The target of a qualitative indicator."),
    ),
    ("indicator", "period", "cell"),
    _targets,
    (ForeignKey(("indicator",), "indicators", ("indicator",)),),
)


# values and progress (read in pages: see projections/exports/measures.py) ---------------------

_SUPPRESSED = Column(
    "suppressed",
    "boolean",
    "True when the value is withheld: a count below the small-cell threshold, or one from "
    "which such a count could be worked out.",
    required=True,
)

VALUES = Table(
    "values",
    "Reported values",
    "The effective value of every cell each organisation reported, per indicator and period "
    "(corrections applied, retractions left out), with the log positions of the events "
    "behind it (`collective log`, `collective proof POSITION`).",
    (
        _s("indicator", "The indicator's code.", required=True),
        _s("organisation", "The reporting organisation's slug.", required=True),
        *_PERIOD,
        _CELL,
        Column("version", "integer", "The definition version it was reported under.", True),
        Column("value", "number", "The value (empty when suppressed or qualitative)."),
        _s("text", "The value of a qualitative indicator."),
        _s("status", "Where it stands in review.", required=True, enum=_values(ValueStatus)),
        _SUPPRESSED,
        Column("submitted_position", "integer", "Log position of its submission.", True),
        Column("changed_position", "integer", "Log position of its last change.", True),
        _s("trace", "The reference for `collective trace`.", required=True),
    ),
    ("indicator", "organisation", "period", "cell"),
    lambda src: src.measures.values(),
    (
        ForeignKey(("indicator",), "indicators", ("indicator",)),
        ForeignKey(("indicator", "version"), "indicator_versions", ("indicator", "version")),
        ForeignKey(("organisation",), "organisations", ("organisation",)),
    ),
    lambda src: src.measures.csv_lines(),
)

PROGRESS = Table(
    "progress",
    "Progress",
    "The collective's figure per indicator and period (the organisations' values combined by "
    "the indicator's aggregation rule), against its target and baseline.",
    (
        _s("indicator", "The indicator's code.", required=True),
        *_PERIOD,
        Column("value", "number", "The collective's figure (empty when suppressed)."),
        _s("text", "The figure of a qualitative indicator."),
        Column("organisations", "integer", "How many organisations reported.", required=True),
        Column("target", "number", "The target of the period, or of the period enclosing it."),
        _s("target_text", "The target of a qualitative indicator."),
        _s("target_period", "The period the target was set for."),
        Column("baseline", "number", "The indicator's baseline."),
        _s("baseline_text", "The baseline of a qualitative indicator."),
        _s("baseline_period", "The period of the baseline."),
        Column(
            "percent_of_target",
            "number",
            "value / target x 100 (target / value x 100 when lower is better), to two places.",
        ),
        _SUPPRESSED,
    ),
    ("indicator", "period"),
    lambda src: src.measures.progress(),
    (ForeignKey(("indicator",), "indicators", ("indicator",)),),
)


# activities ------------------------------------------------------------------------------------


def _activity_rows(src: Source) -> list[dict[str, Any]]:
    rows = src.query(
        "SELECT activity, org, title, serves, starts, ends, depends_on, state, progress, "
        f"progress_on, committed_on, closed_on FROM {src.table('view_activities')} "
        f"WHERE collective = ? AND {src.visible()}"
    )
    return sorted(rows, key=lambda r: (str(r["org"]), str(r["activity"])))


def _activities(src: Source) -> Iterator[Row]:
    for r in _activity_rows(src):
        yield (
            r["activity"],
            r["org"],
            r["title"],
            r["serves"],
            r["starts"],
            r["ends"],
            r["depends_on"] or None,
            r["state"],
            r["progress"],
            r["progress_on"],
            r["committed_on"],
            r["closed_on"],
        )


ACTIVITIES = Table(
    "activities",
    "Activities",
    "The activities partners committed to, the outcomes and indicators each serves, and where "
    "each stands.",
    (
        _s("activity", "The activity's slug.", required=True),
        _s("organisation", "The organisation that committed to it.", required=True),
        _s("title", "What it is.", required=True),
        _s("serves", "The outcome and indicator codes it serves (space-separated).", True),
        Column("start", "date", "When it starts."),
        Column("end", "date", "When it ends."),
        _s("depends_on", "The activities it depends on (space-separated slugs)."),
        _s("state", "Where it stands.", required=True, enum=_values(ActivityState)),
        _s("progress", "Its latest progress report.", enum=_values(ActivityProgress)),
        Column("progress_on", "date", "When that progress was reported."),
        Column("committed_on", "date", "When it was committed to.", required=True),
        Column("closed_on", "date", "When it was completed or dropped."),
    ),
    ("activity",),
    _activities,
    (ForeignKey(("organisation",), "organisations", ("organisation",)),),
)


# decisions and positions -----------------------------------------------------------------------


def _register(src: Source) -> list[dict[str, Any]]:
    from projections.decision_register import decision_register

    return decision_register(src.views, src.collective, src.at)


def _decisions(src: Source) -> Iterator[Row]:
    for d in _register(src):
        yield (
            d["decision"],
            d["body"],
            d["body_name"],
            d["title"],
            d["rationale"],
            " ".join(d["affects"]) or None,
            d["outcome"],
            d["proposed_on"],
            d["closed_on"],
            d["community_took_part"],
        )


DECISIONS = Table(
    "decisions",
    "Decisions",
    "The register of decisions: each proposal, its body, its outcome and whether community "
    "seats took part.",
    (
        _s("decision", "The decision's id (body-number).", required=True),
        _s("body", "The body that decided.", required=True),
        _s("body_name", "The body's name."),
        _s("title", "What was proposed.", required=True),
        _s("rationale", "Why.", required=True),
        _s("affects", "What it changes (space-separated references)."),
        _s("outcome", "Where it stands.", required=True, enum=_values(Outcome)),
        Column("proposed_on", "date", "When it was proposed.", required=True),
        Column("closed_on", "date", "When it was closed or withdrawn."),
        Column("community_took_part", "boolean", "Whether a community seat took a position.", True),
    ),
    ("decision",),
    _decisions,
)


def _positions(src: Source) -> Iterator[Row]:
    from projections.decision_register import counted_positions

    counted = counted_positions(src.views, src.collective, src.at)
    for d in _register(src):
        for p in counted.get(d["decision"], []):
            yield (
                d["decision"],
                p["member"],
                p["stance"],
                p["community"],
                p["reason"],
                p["taken_on"],
            )


POSITIONS = Table(
    "positions",
    "Positions",
    "The positions that count on each decision: for a closed decision those counted when it "
    "closed, for an open one those of the members seated. Community representatives appear "
    "by their seat identifiers only.",
    (
        _s("decision", "The decision's id.", required=True),
        _s("member", "The member: an organisation slug or a community seat id.", required=True),
        _s("stance", "The position taken.", required=True, enum=_values(Stance)),
        Column("community", "boolean", "Whether it was taken on a community seat.", True),
        _s("reason", "The reason given (an objection needs one)."),
        Column("taken_on", "date", "When.", required=True),
    ),
    ("decision", "member"),
    _positions,
    (ForeignKey(("decision",), "decisions", ("decision",)),),
)


# meetings and attendance -----------------------------------------------------------------------


def _meeting_rows(src: Source) -> list[dict[str, Any]]:
    rows = src.query(
        f"SELECT meeting, body, held_on, decisions, minutes FROM {src.table('view_meetings')} "
        f"WHERE collective = ? AND {src.visible()}"
    )
    return sorted(rows, key=lambda r: (str(r["held_on"]), _number(r["meeting"]), r["meeting"]))


def _attendance_rows(src: Source) -> list[dict[str, Any]]:
    return src.query(
        f"SELECT meeting, member, seated, community FROM {src.table('view_attendance')} "
        f"WHERE collective = ? AND {src.visible()}"
    )


def _meetings(src: Source) -> Iterator[Row]:
    attended: dict[str, list[bool]] = {}
    for r in _attendance_rows(src):
        attended.setdefault(str(r["meeting"]), []).append(bool(r["community"]))
    for r in _meeting_rows(src):
        present = attended.get(str(r["meeting"]), [])
        yield (
            r["meeting"],
            r["body"],
            r["held_on"],
            r["decisions"] or None,
            len(present),
            sum(present),
            r["minutes"],
        )


MEETINGS = Table(
    "meetings",
    "Meetings",
    "Meetings of the governance bodies: when, the decisions taken, how many attended.",
    (
        _s("meeting", "The meeting's id.", required=True),
        _s("body", "The body that met.", required=True),
        Column("held_on", "date", "When.", required=True),
        _s("decisions", "The decisions taken (space-separated ids)."),
        Column("attendees", "integer", "How many members attended.", required=True),
        Column("community_attendees", "integer", "How many on community seats.", required=True),
        _s("minutes", "Where the minutes are (a URL or document id)."),
    ),
    ("meeting",),
    _meetings,
)


def _attendance(src: Source) -> Iterator[Row]:
    order = {r["meeting"]: n for n, r in enumerate(_meeting_rows(src))}
    rows = _attendance_rows(src)
    rows.sort(key=lambda r: (order.get(r["meeting"], len(order)), str(r["member"])))
    for r in rows:
        yield (r["meeting"], r["member"], bool(r["seated"]), bool(r["community"]))


ATTENDANCE = Table(
    "attendance",
    "Attendance",
    "Who attended each meeting: organisations by slug, community representatives by their "
    "seat identifiers only.",
    (
        _s("meeting", "The meeting's id.", required=True),
        _s("member", "The member: an organisation slug or a community seat id.", required=True),
        Column("seated", "boolean", "Whether the member holds a seat on the body.", True),
        Column("community", "boolean", "Whether it attended on a community seat.", True),
    ),
    ("meeting", "member"),
    _attendance,
    (ForeignKey(("meeting",), "meetings", ("meeting",)),),
)


# funding ---------------------------------------------------------------------------------------


def _flows(src: Source) -> list[Any]:
    from projections.funding_iati import funding_flows

    return funding_flows(src.views, src.collective, src.at)


def _funding(src: Source) -> Iterator[Row]:
    counts: dict[str, int] = {}
    for flow in _flows(src):
        number = counts.get(flow.funding, 0) if flow.kind == "disbursement" else 0
        if flow.kind == "disbursement":
            number = counts[flow.funding] = number + 1
        yield (
            flow.funding,
            number,
            flow.kind,
            flow.on.isoformat(),
            flow.funder,
            flow.recipient,
            number_text(flow.amount),
            flow.currency,
            flow.position,
        )


FUNDING = Table(
    "funding",
    "Funding",
    "Funding commitments and the disbursements against them, in the order they happened. "
    "Amounts are exact decimals in the commitment's currency.",
    (
        _s("funding", "The commitment's id.", required=True),
        Column(
            "transaction",
            "integer",
            "0 for the commitment, then 1, 2... for each disbursement against it.",
            required=True,
        ),
        _s("type", "A commitment or a disbursement.", True, ("commitment", "disbursement")),
        Column("date", "date", "When it was committed or disbursed.", required=True),
        _s("funder", "The funding organisation's slug.", required=True),
        _s("recipient", "The receiving organisation's slug.", required=True),
        Column("amount", "number", "The amount.", required=True),
        _s("currency", "ISO 4217 currency code.", required=True),
        Column("position", "integer", "Log position of the event.", required=True),
    ),
    ("funding", "transaction"),
    _funding,
    (
        ForeignKey(("funder",), "organisations", ("organisation",)),
        ForeignKey(("recipient",), "organisations", ("organisation",)),
    ),
)

TABLES: tuple[Table, ...] = (
    ORGANISATIONS,
    INDICATORS,
    INDICATOR_VERSIONS,
    TARGETS,
    VALUES,
    PROGRESS,
    ACTIVITIES,
    DECISIONS,
    POSITIONS,
    MEETINGS,
    ATTENDANCE,
    FUNDING,
)
"""Every table, in the order they are written (a table before those that refer to it)."""
