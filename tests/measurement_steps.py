"""Steps shared by the progress, equity and completeness tests: a collective, its indicators, and
values reported, corrected, retracted and reviewed through the application."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.collective import Settings
from domain.errors import NotFound
from domain.governance import Charter, Proposal
from domain.measurement import Baseline, CategoryMap, Definition, Dimension, Revision
from domain.organisation import Profile
from domain.periods import Cadence, Calendar
from domain.reporting import ReportKey, Submission, ValueKey
from domain.vocabulary import DecisionRule, Direction, OrgType, ReviewAction, Stance, Unit
from ledger.application import Context, LedgerApplication
from projections.registry import Views

SS = "saamuhika-shakti"
ORGS = ("hasiru-dala", "sambhav", "sparsha")
SEX = Dimension(name="sex", categories=("female", "male"))
AGE = Dimension(name="age", categories=("3-5", "6-14", "15-18"))
AGE_SPLIT = Dimension(name="age", categories=("3-5", "6-10", "11-14", "15-18"))


def ctx(on: date = date(2024, 7, 10), reason: str | None = None) -> Context:
    return Context(actor="meera", on=on, reason=reason)


def given_a_collective(app: LedgerApplication, *orgs: str) -> None:
    """Saamuhika Shakti (India's fiscal year, Asia/Kolkata) with ``orgs`` (default: three)."""
    start = ctx(date(2020, 1, 10))
    settings = Settings(
        slug=SS, name="Saamuhika Shakti", calendar=Calendar.INDIA, timezone="Asia/Kolkata"
    )
    app.init_collective(settings, start)
    for org in orgs or ORGS:
        app.add_organisation(Profile(slug=org, name=org.title(), type=OrgType.IMPLEMENTING), start)
        app.join(org, None, start)


def define(
    app: LedgerApplication,
    code: str,
    unit: Unit = Unit.COUNT,
    *dimensions: Dimension,
    direction: Direction = Direction.UP,
    cadence: Cadence = Cadence.QUARTERLY,
    baseline: str | None = None,
    **fields: Any,
) -> None:
    definition = Definition(
        name=f"indicator {code}",
        unit=unit,
        direction=direction,
        cadence=cadence,
        dimensions=dimensions,
        baseline=None if baseline is None else Baseline(period="FY2019-20", value=baseline),
        **fields,
    )
    app.define_indicator(code, definition, ctx(date(2020, 2, 1)))


def submit(
    app: LedgerApplication, code: str, org: str, period: str, value: str, **cell: str
) -> None:
    submission = Submission(
        code=code, org=org, period=period, cell=tuple(cell.items()), value=value
    )
    app.submit_value(submission, ctx())


def correct(
    app: LedgerApplication, code: str, org: str, period: str, value: str, **cell: str
) -> None:
    submission = Submission(
        code=code, org=org, period=period, cell=tuple(cell.items()), value=value
    )
    app.correct_value(submission, ctx(reason="counted twice"))


def retract(app: LedgerApplication, code: str, org: str, period: str, **cell: str) -> None:
    key = ValueKey(code=code, org=org, period=period, cell=tuple(cell.items()))
    app.retract_value(key, ctx(reason="not verified"))


def review(
    app: LedgerApplication,
    code: str,
    org: str,
    period: str,
    action: ReviewAction,
    comment: str | None = None,
) -> None:
    key = ReportKey(code=code, org=org, period=period)
    app.review_value(key, action, ctx(), comment=comment)


def passed_decision(app: LedgerApplication, title: str = "Split the 6-14 age band") -> str:
    """A decision of a steering committee where hasiru-dala sits, passed by consent."""
    try:
        app.body(SS, "steering")
    except NotFound:
        app.add_body(Charter(slug="steering", name="Steering", rule=DecisionRule.CONSENT), ctx())
        app.seat("steering", "hasiru-dala", True, ctx())
    _, ref = app.propose("steering", Proposal(title=title, rationale="RTE bands"), ctx())
    app.take_position(ref, "hasiru-dala", Stance.CONSENT, ctx())
    app.close_decision(ref, ctx())
    return str(ref)


def split_the_age_band(app: LedgerApplication, code: str) -> None:
    """Revise ``code``: age 6-14 becomes 6-10 and 11-14."""
    revision = Revision(
        dimensions=(SEX, AGE_SPLIT),
        mapping=(CategoryMap(dimension="age", old="6-14", new=("6-10", "11-14")),),
    )
    app.revise_indicator(code, revision, passed_decision(app), ctx(reason="RTE bands"))


def views_of(app: LedgerApplication) -> Views:
    views = Views(app)
    views.refresh()
    return views


def figures(rows: list[dict[str, Any]], *keys: str) -> list[tuple[Any, ...]]:
    """The chosen columns of each row, as tuples (for exact comparisons)."""
    return [tuple(row[k] for k in keys) for row in rows]
