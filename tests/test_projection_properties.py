"""Properties of the projections, for random sequences of commands (hypothesis):

(a) rebuilding from scratch gives the same rows as catching up after every command;
(b) catching up twice changes nothing;
(c) the rows visible "as of" position T equal a rebuild from only the events up to T, and so do
    the answers read from them (the register of decisions, meetings and attendance), which also
    look at seats as they were (members leave their seats, meetings are held in between).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from eventsourcing.persistence import StoredEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.collective import Settings
from domain.errors import DomainError
from domain.governance import Charter, Proposal
from domain.measurement import Definition, Dimension
from domain.organisation import Profile
from domain.periods import Cadence, Calendar
from domain.reporting import ReportKey, Submission, ValueKey
from domain.vocabulary import DecisionRule, Direction, OrgType, ReviewAction, Role, Stance, Unit
from ledger.application import Context, LedgerApplication, open_ledger
from projections.engine import ViewDB
from projections.registry import PROJECTIONS, Views

SS = "ss"
ORGS = ("alpha", "beta", "gamma")
PERIODS = ("2024Q1", "2024Q2", "2024Q3")
CELLS = ((), (("sex", "female"),), (("sex", "male"),))
TEMPORAL = ("valid_from", "valid_to")


def _ctx(step: int, reason: str | None = None) -> Context:
    return Context(
        actor="meera", collective=SS, on=date(2024, 1, 1) + timedelta(days=step), reason=reason
    )


def _given(app: LedgerApplication) -> None:
    start = _ctx(0)
    app.init_collective(Settings(slug=SS, name="ಸಮೂಹ", calendar=Calendar.INDIA), start)
    app.add_body(Charter(slug="steering", name="Steering", rule=DecisionRule.CONSENT), start)
    for org in ORGS:
        app.add_organisation(Profile(slug=org, name=org, type=OrgType.IMPLEMENTING), start)
        app.join(org, Role.IMPLEMENTING, start)
        app.seat("steering", org, org == "alpha", start)
    app.propose("steering", Proposal(title="First", rationale="R"), start)
    app.define_indicator(
        "SS-EDU-01",
        Definition(
            name="Enrolled",
            unit=Unit.COUNT,
            direction=Direction.UP,
            cadence=Cadence.QUARTERLY,
            dimensions=(Dimension(name="sex", categories=("female", "male")),),
        ),
        start,
    )


commands = st.lists(
    st.one_of(
        st.tuples(st.just("join"), st.sampled_from(ORGS)),
        st.tuples(st.just("leave"), st.sampled_from(ORGS)),
        st.tuples(st.just("seat"), st.sampled_from(ORGS)),
        st.tuples(st.just("unseat"), st.sampled_from(ORGS)),
        st.tuples(st.just("meet"), st.sampled_from(ORGS)),
        st.tuples(st.just("propose"), st.just("")),
        st.tuples(st.just("consent"), st.sampled_from(ORGS)),
        st.tuples(st.just("object"), st.sampled_from(ORGS)),
        st.tuples(st.just("close"), st.just("")),
        st.tuples(
            st.just("submit"),
            st.tuples(
                st.sampled_from(ORGS),
                st.sampled_from(PERIODS),
                st.sampled_from(CELLS),
                st.integers(0, 500),
            ),
        ),
        st.tuples(
            st.just("correct"),
            st.tuples(
                st.sampled_from(ORGS),
                st.sampled_from(PERIODS),
                st.sampled_from(CELLS),
                st.integers(0, 500),
            ),
        ),
        st.tuples(
            st.just("retract"),
            st.tuples(st.sampled_from(ORGS), st.sampled_from(PERIODS), st.sampled_from(CELLS)),
        ),
        st.tuples(
            st.just("review"),
            st.tuples(
                st.sampled_from(ORGS), st.sampled_from(PERIODS), st.sampled_from(list(ReviewAction))
            ),
        ),
    ),
    min_size=1,
    max_size=30,
)


def _run(app: LedgerApplication, step: int, command: tuple[str, Any]) -> None:
    kind, arg = command
    ctx = _ctx(step)
    decision = f"steering-{app.body(SS, 'steering').tabled}"
    try:
        if kind == "join":
            app.join(arg, Role.IMPLEMENTING, ctx)
        elif kind == "leave":
            app.leave(arg, _ctx(step, "moved on"))
        elif kind == "seat":
            app.seat("steering", arg, arg == "alpha", ctx)
        elif kind == "unseat":
            app.unseat("steering", arg, _ctx(step, "term ended"))
        elif kind == "meet":
            app.record_meeting("steering", [arg], [], None, ctx)
        elif kind == "propose":
            app.propose("steering", Proposal(title="T", rationale="R"), ctx)
        elif kind in ("consent", "object"):
            stance = Stance.CONSENT if kind == "consent" else Stance.OBJECT
            app.take_position(decision, arg, stance, _ctx(step, "not yet"))
        elif kind == "close":
            app.close_decision(decision, ctx)
        elif kind in ("submit", "correct"):
            org, period, cell, value = arg
            entry = Submission(
                code="SS-EDU-01", org=org, period=period, cell=cell, value=str(value)
            )
            if kind == "submit":
                app.submit_value(entry, ctx)
            else:
                app.correct_value(entry, _ctx(step, "recounted"))
        elif kind == "retract":
            org, period, cell = arg
            app.retract_value(
                ValueKey(code="SS-EDU-01", org=org, period=period, cell=cell),
                _ctx(step, "withdrawn"),
            )
        elif kind == "review":
            org, period, action = arg
            app.review_value(
                ReportKey(code="SS-EDU-01", org=org, period=period),
                action,
                ctx,
                comment="please check",
            )
    except DomainError:
        pass  # a refused command writes nothing; the sequence goes on


def _rows(views: Views, at: int | None = None, *, strip: bool = False) -> dict[str, list[str]]:
    """Every view's rows (visible at ``at``), as sorted JSON texts."""
    found: dict[str, list[str]] = {}
    for projection in PROJECTIONS.values():
        for table in projection.tables:
            where = "" if at is None and not strip else f" WHERE {views.db.visible(at)}"
            rows = views.db.query(f"SELECT * FROM {views.db.table(table)}{where}")
            if strip:
                rows = [{k: v for k, v in r.items() if k not in TEMPORAL} for r in rows]
            found[table] = sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)
    return found


PROPERTY = settings(
    max_examples=20, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY
@given(sequence=commands)
def test_rebuild_equals_step_by_step_catch_up_and_catching_up_twice_changes_nothing(
    sequence: list[tuple[str, Any]],
) -> None:
    app = open_ledger(":memory:", create=True)
    try:
        _given(app)
        views = Views(app)
        views.refresh()
        for step, command in enumerate(sequence, start=1):
            _run(app, step, command)
            views.refresh()
        stepwise = _rows(views)
        assert views.refresh() == 0
        assert _rows(views) == stepwise  # (b)
        views.rebuild([])
        assert _rows(views) == stepwise  # (a)
    finally:
        app.close()


@PROPERTY
@given(sequence=commands, cut=st.floats(0, 1))
def test_as_of_equals_a_rebuild_from_the_events_up_to_then(
    sequence: list[tuple[str, Any]], cut: float
) -> None:
    app = open_ledger(":memory:", create=True)
    partial = open_ledger(":memory:", create=True)
    try:
        _given(app)
        for step, command in enumerate(sequence, start=1):
            _run(app, step, command)
        views = Views(app)
        views.refresh()
        rows = ViewDB(app).events_after(0, 100_000)
        upto = max(1, int(len(rows) * cut))
        partial.recorder.insert_events(
            [
                StoredEvent(
                    originator_id=_uuid(r[1]), originator_version=r[2], topic=r[3], state=r[4]
                )
                for r in rows[:upto]
            ]
        )
        earlier = Views(partial)
        earlier.refresh()
        assert _rows(views, upto, strip=True) == _rows(earlier, None, strip=True)  # (c)
        assert _answers(views, upto) == _answers(earlier, None)
    finally:
        app.close()
        partial.close()


def _answers(views: Views, at: int | None) -> dict[str, Any]:
    """What the register of decisions and the communication report say at ``at``."""
    from domain.errors import NotFound
    from projections.communication import attendance, meetings
    from projections.decision_register import decision_register

    found: dict[str, Any] = {}
    for name, query in (
        ("decisions", decision_register),
        ("meetings", meetings),
        ("attendance", attendance),
    ):
        try:
            found[name] = query(views, SS, at)
        except NotFound as e:  # the collective is not set up yet at ``at``
            found[name] = str(e)
    return found


def _uuid(text: str) -> Any:
    from uuid import UUID

    return UUID(text)
