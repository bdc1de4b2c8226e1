"""Mutually reinforcing activities: given events, when a command, then events (or an error)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from conftest import REFUSED_BEFORE_SAVING, Cli, ok, refused

from domain.activity import Activity, Commitment, Resources, Revision
from domain.base import Envelope
from domain.collective import Collective, Settings
from domain.errors import AlreadyExists, NotFound, RuleViolation
from domain.organisation import Profile
from domain.periods import Calendar
from domain.values import Money, Term
from domain.vocabulary import ActivityProgress, ActivityState, OrgType, Role
from ledger.application import Context, LedgerApplication

ON_TRACK, AT_RISK, LATE = ActivityProgress


def meta(on: date = date(2024, 6, 1), reason: str | None = None) -> Envelope:
    return Envelope(actor="meera", effective=on, collective="saamuhika-shakti", reason=reason)


def given_a_collective() -> Collective:
    """Saamuhika Shakti (India's fiscal year) with Hasiru Dala and Sattva as members."""
    settings = Settings(slug="saamuhika-shakti", name="SS", calendar=Calendar.INDIA)
    collective = Collective.initialise(settings, meta(date(2020, 1, 1)))
    collective.join("hasiru-dala", Role.IMPLEMENTING, meta(date(2020, 1, 15)))
    collective.join("sattva", Role.BACKBONE, meta(date(2024, 1, 1)))
    collective.collect_events()
    return collective


def commitment(slug: str = "enrol-drive", org: str = "hasiru-dala", **plan: object) -> Commitment:
    fields: dict[str, object] = {"title": "ಶಾಲಾ ದಾಖಲಾತಿ ಅಭಿಯಾನ", "serves": ("SS-O2", "SS-EDU-01")}
    depends_on = plan.pop("depends_on", ())
    return Commitment.model_validate(
        {"activity": slug, "org": org, "plan": fields | plan, "depends_on": depends_on}
    )


def given_an_activity(**plan: object) -> Activity:
    activity = Activity.commit(given_a_collective(), commitment(**plan), [], meta())
    activity.collect_events()
    return activity


# -- committing --------------------------------------------------------------------------------


def test_a_member_commits_to_an_activity_for_a_period_of_its_calendar() -> None:
    collective = given_a_collective()
    resources = {"text": "4 field staff", "money": {"amount": "1200000.50", "currency": "inr"}}
    activity = Activity.commit(
        collective,
        commitment(term={"period": "fy2024-25"}, resources=resources),
        [],
        meta(),
    )
    [event] = activity.collect_events()
    assert isinstance(event, Activity.Committed)
    assert (event.activity, event.org, event.depends_on) == ("enrol-drive", "hasiru-dala", ())
    assert event.plan.serves == ("SS-O2", "SS-EDU-01")
    assert event.plan.term == Term(
        start=date(2024, 4, 1), end=date(2025, 3, 31), period="FY2024-25"
    )
    assert event.plan.resources == Resources(
        text="4 field staff", money=Money(amount=Decimal("1200000.50"), currency="INR")
    )
    assert event.subject() == "activity:enrol-drive"
    assert event.summary() == "hasiru-dala commits to ಶಾಲಾ ದಾಖಲಾತಿ ಅಭಿಯಾನ (serves SS-O2, SS-EDU-01)"
    assert activity.state is ActivityState.ACTIVE and activity.progress is None


def test_an_organisation_that_is_not_a_current_member_cannot_commit() -> None:
    collective = given_a_collective()
    with pytest.raises(NotFound, match="care-india is not a member of saamuhika-shakti"):
        Activity.commit(collective, commitment(org="care-india"), [], meta())
    collective.leave("sattva", meta(reason="handover"))
    with pytest.raises(NotFound, match="sattva is not a member of saamuhika-shakti"):
        Activity.commit(collective, commitment(org="sattva"), [], meta())


def test_an_activity_can_depend_on_another_but_not_on_a_dropped_one() -> None:
    collective = given_a_collective()
    camps = Activity.commit(collective, commitment("id-camps", org="sattva"), [], meta())
    enrol = Activity.commit(collective, commitment(depends_on=("id-camps",)), [camps], meta())
    assert enrol.depends_on == ("id-camps",)
    camps.drop(meta(reason="no venue"))
    with pytest.raises(
        RuleViolation, match="school-kits cannot depend on id-camps: it was dropped"
    ):
        Activity.commit(
            collective, commitment("school-kits", depends_on=("id-camps",)), [camps], meta()
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"plan": {"title": "x", "serves": ()}}, "an activity must serve at least one outcome"),
        (
            {"plan": {"title": "x", "serves": ("SS O1",)}},
            "outcome or indicator 'SS O1' is not a code: use letters, digits and hyphens",
        ),
        (
            {"plan": {"title": "x", "serves": ("SS-O1", "ss-o1")}},
            "outcome or indicator SS-O1 is named twice",
        ),
        ({"plan": {"title": "  ", "serves": ("SS-O1",)}}, "the title of an activity cannot be"),
        ({"depends_on": ("enrol-drive",)}, "activity enrol-drive cannot depend on itself"),
        ({"depends_on": ("a", "a")}, "dependency a is named twice"),
        ({"org": "Hasiru Dala"}, "organisation 'Hasiru Dala' is not a valid slug"),
        (
            {
                "plan": {
                    "title": "x",
                    "serves": ("SS-O1",),
                    "term": {"start": "2025-01-01", "end": "2024-01-01"},
                }
            },
            "the end date 2024-01-01 is before the start date 2025-01-01",
        ),
        (
            {
                "plan": {
                    "title": "x",
                    "serves": ("SS-O1",),
                    "resources": {"text": "staff", "money": {"amount": 0.5, "currency": "INR"}},
                }
            },
            "amount 0.5 must be an exact decimal, not a float",
        ),
    ],
)
def test_the_shape_of_a_commitment_is_checked(change: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "activity": "enrol-drive",
        "org": "hasiru-dala",
        "plan": {"title": "x", "serves": ("SS-O1",)},
    }
    with pytest.raises(ValueError, match=message):
        Commitment.model_validate(fields | change)


def test_a_period_and_dates_that_disagree_are_refused() -> None:
    collective = given_a_collective()
    term = {"period": "2024Q2", "start": "2024-05-01"}
    with pytest.raises(ValueError, match=r"give either a period \(2024Q2\) or dates, not both"):
        Activity.commit(collective, commitment(term=term), [], meta())
    with pytest.raises(ValueError, match="'2024Q9' is not a reporting period"):
        Activity.commit(collective, commitment(term={"period": "2024Q9"}), [], meta())


# -- progress, revision, completion, dropping ---------------------------------------------------


def test_progress_updates_are_kept_in_order_with_their_dates() -> None:
    activity = given_an_activity()
    activity.report_progress(ON_TRACK, None, meta(date(2024, 7, 1)))
    activity.report_progress(AT_RISK, "ಮಳೆಯಿಂದ ಶಿಬಿರ ರದ್ದು", meta(date(2024, 8, 1)))
    _, second = activity.collect_events()
    assert isinstance(second, Activity.ProgressReported)
    assert second.summary() == "at-risk: ಮಳೆಯಿಂದ ಶಿಬಿರ ರದ್ದು"
    assert [(u.on, u.status) for u in activity.updates] == [
        (date(2024, 7, 1), ON_TRACK),
        (date(2024, 8, 1), AT_RISK),
    ]
    assert activity.progress is AT_RISK


def test_a_revision_needs_a_reason_and_records_what_changed() -> None:
    activity = given_an_activity()
    revision = Revision(serves=("SS-O2",), term=Term(period="FY2025-26"))
    with pytest.raises(RuleViolation, match="a reason is required to revise enrol-drive"):
        activity.revise(revision, Calendar.INDIA, meta())
    activity.revise(revision, Calendar.INDIA, meta(reason="started late after the floods"))
    [event] = activity.collect_events()
    assert isinstance(event, Activity.Revised)
    assert event.changed == ("serves", "term")
    assert event.summary() == "revised (serves, term): started late after the floods"
    assert activity.plan.serves == ("SS-O2",)
    assert activity.plan.term == Term(
        start=date(2025, 4, 1), end=date(2026, 3, 31), period="FY2025-26"
    )
    assert activity.plan.title == "ಶಾಲಾ ದಾಖಲಾತಿ ಅಭಿಯಾನ" and activity.revisions == 1


def test_a_revision_must_change_something() -> None:
    activity = given_an_activity()
    with pytest.raises(RuleViolation, match="say what to revise in enrol-drive"):
        activity.revise(Revision(), Calendar.INDIA, meta(reason="r"))
    same = Revision(title="ಶಾಲಾ ದಾಖಲಾತಿ ಅಭಿಯಾನ")
    with pytest.raises(RuleViolation, match="the revision changes nothing in enrol-drive"):
        activity.revise(same, Calendar.INDIA, meta(reason="r"))
    with pytest.raises(ValueError, match="an activity must serve at least one"):
        activity.revise(Revision(serves=()), Calendar.INDIA, meta(reason="r"))
    assert activity.collect_events() == []


def test_dropping_needs_a_reason() -> None:
    activity = given_an_activity()
    with pytest.raises(RuleViolation, match=r"a reason is required to drop enrol-drive \(use"):
        activity.drop(meta())
    assert activity.collect_events() == []
    activity.drop(meta(date(2024, 9, 1), reason="funding ended"))
    [event] = activity.collect_events()
    assert isinstance(event, Activity.Dropped) and event.summary() == "dropped: funding ended"
    assert (activity.state, activity.closed_on) == (ActivityState.DROPPED, date(2024, 9, 1))


UPDATES: list[Callable[[Activity], None]] = [
    lambda a: a.report_progress(LATE, None, meta()),
    lambda a: a.revise(Revision(title="new"), Calendar.INDIA, meta(reason="r")),
    lambda a: a.complete(meta()),
    lambda a: a.drop(meta(reason="r")),
]


@pytest.mark.parametrize("update", UPDATES, ids=["progress", "revise", "complete", "drop"])
@pytest.mark.parametrize(
    ("end", "state"),
    [
        (lambda a: a.complete(meta()), "completed"),
        (lambda a: a.drop(meta(reason="no venue")), "dropped"),
    ],
    ids=["completed", "dropped"],
)
def test_a_completed_or_dropped_activity_takes_no_more_updates(
    end: Callable[[Activity], None], state: str, update: Callable[[Activity], None]
) -> None:
    activity = given_an_activity()
    end(activity)
    activity.collect_events()
    with pytest.raises(RuleViolation, match=f"activity enrol-drive is {state} and takes no more"):
        update(activity)
    assert activity.collect_events() == []


# -- the application --------------------------------------------------------------------------


@pytest.fixture
def ss(app: LedgerApplication, ctx: Context) -> LedgerApplication:
    app.init_collective(Settings(slug="saamuhika-shakti", name="SS", calendar=Calendar.INDIA), ctx)
    for slug, kind in (("hasiru-dala", OrgType.IMPLEMENTING), ("sattva", OrgType.BACKBONE)):
        app.add_organisation(Profile(slug=slug, name=slug, type=kind), ctx)
        app.join(slug, None, ctx)
    return app


def test_an_activity_from_commitment_to_completion(ss: LedgerApplication, ctx: Context) -> None:
    ss.commit_activity(commitment("id-camps", org="sattva"), ctx)
    ss.commit_activity(commitment(depends_on=("id-camps",), term={"period": "FY2024-25"}), ctx)
    ss.report_progress("enrol-drive", LATE, "venue", ctx)
    ss.revise_activity("enrol-drive", Revision(title="Enrolment"), Context("meera", reason="r"))
    ss.complete_activity("enrol-drive", Context("meera", on=date(2025, 3, 31)))
    done = ss.activity("saamuhika-shakti", "enrol-drive")
    assert (done.state, done.closed_on, done.progress) == ("completed", date(2025, 3, 31), LATE)
    assert done.plan.title == "Enrolment" and done.depends_on == ("id-camps",)
    assert done.plan.term is not None and done.plan.term.start == date(2024, 4, 1)


def test_an_unknown_dependency_or_a_second_commitment_is_refused(
    ss: LedgerApplication, ctx: Context
) -> None:
    before = ss.event_count()
    with pytest.raises(NotFound, match="activity 'id-camps' not found"):
        ss.commit_activity(commitment(depends_on=("id-camps",)), ctx)
    assert ss.event_count() == before
    ss.commit_activity(commitment(), ctx)
    with pytest.raises(AlreadyExists, match="activity 'enrol-drive' already exists"):
        ss.commit_activity(commitment(org="sattva"), ctx)
    with pytest.raises(NotFound, match="activity 'nothing' not found"):
        ss.report_progress("nothing", ON_TRACK, None, ctx)
    assert ss.event_count() == before + 1


# -- the command line ----------------------------------------------------------------------------


COMMIT = ["activity", "commit", "enrol-drive", "--org", "hasiru-dala", "--title", "Enrolment"]


def test_an_activity_at_the_command_line(ss_cli: Cli) -> None:
    ok(
        ss_cli(
            *COMMIT,
            "--serves",
            "SS-O2,ss-edu-01",
            "--period",
            "FY2024-25",
            "--resources",
            "ನಾಲ್ಕು ಸಿಬ್ಬಂದಿ",
            "--amount",
            "1200000.50",
            "--currency",
            "INR",
            "--description",
            "door to door",
            "--on",
            "2024-04-10",
        )
    )
    ok(ss_cli("activity", "progress", "enrol-drive", "--status", "at-risk", "--note", "rain"))
    ok(
        ss_cli(
            "activity",
            "revise",
            "enrol-drive",
            "--start",
            "2024-06-01",
            "--end",
            "2025-05-31",
            "--reason",
            "late start",
        )
    )
    shown = json.loads(ok(ss_cli("activity", "show", "enrol-drive", "--json")).stdout)
    assert shown["plan"]["serves"] == ["SS-O2", "SS-EDU-01"]
    assert shown["plan"]["term"] == {"start": "2024-06-01", "end": "2025-05-31", "period": None}
    assert shown["plan"]["resources"]["money"] == {"amount": "1200000.50", "currency": "INR"}
    assert (shown["state"], shown["progress"], shown["revisions"]) == ("active", "at-risk", 1)
    assert shown["committed_on"] == "2024-04-10" and list(shown) == sorted(shown)
    ok(ss_cli("activity", "complete", "enrol-drive", "--on", "2025-05-31"))
    table = ok(ss_cli("activity", "show", "enrol-drive")).stdout
    assert "enrol-drive: Enrolment [completed]" in table and "ನಾಲ್ಕು ಸಿಬ್ಬಂದಿ" in table


def test_dropping_at_the_command_line(ss_cli: Cli) -> None:
    ok(ss_cli(*COMMIT, "--serves", "SS-O2"))
    ok(ss_cli("activity", "drop", "enrol-drive", "--reason", "ನಿಧಿ ಮುಗಿಯಿತು"))
    assert (
        json.loads(ok(ss_cli("activity", "show", "enrol-drive", "--json")).stdout)["state"]
        == "dropped"
    )


@REFUSED_BEFORE_SAVING
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["activity", "commit", "x", "--org", "sattva", "--title", "T", "--serves", "SS-O1"],
            "member 'sattva' not found: sattva is not a member of saamuhika-shakti",
        ),
        (
            [*COMMIT, "--serves", "SS-O1", "--depends-on", "id-camps"],
            "activity 'id-camps' not found: record it first with `collective activity commit`",
        ),
        ([*COMMIT, "--serves", "SS-O1"], "activity 'enrol-drive' already exists"),
        (
            [*COMMIT, "--serves", "SS O1"],
            "outcome or indicator 'SS O1' is not a code: use letters, digits and hyphens "
            "(for example SS-O1 or SS-EDU-01)",
        ),
        (
            [*COMMIT, "--serves", "SS-O1", "--period", "2024", "--start", "2024-01-01"],
            "give either --period or --start/--end, not both",
        ),
        (
            [*COMMIT, "--serves", "SS-O1", "--start", "1 June"],
            "start date '1 June' is not a date: use YYYY-MM-DD, for example 2024-03-31",
        ),
        (
            [
                *COMMIT,
                "--serves",
                "SS-O1",
                "--resources",
                "staff",
                "--amount",
                "1,00,000",
                "--currency",
                "INR",
            ],
            "amount '1,00,000' is not a number: use digits and a decimal point, "
            "for example 1500000.50",
        ),
        (
            [*COMMIT, "--serves", "SS-O1", "--amount", "10"],
            "give --amount and --currency together",
        ),
        (
            [*COMMIT, "--serves", "SS-O1", "--amount", "10", "--currency", "INR"],
            "say what the amount is for with --resources",
        ),
        (
            ["activity", "progress", "nothing", "--status", "late"],
            "activity 'nothing' not found: record it first with `collective activity commit`",
        ),
        (
            ["activity", "revise", "enrol-drive", "--title", "New"],
            "a reason is required to revise enrol-drive (use --reason)",
        ),
        (
            ["activity", "revise", "enrol-drive", "--reason", "r"],
            "say what to revise in enrol-drive: a title, description, serves, period or resources",
        ),
        (
            ["activity", "drop", "enrol-drive"],
            "a reason is required to drop enrol-drive (use --reason)",
        ),
    ],
)
def test_activity_refusals_are_one_line_and_write_nothing(
    ss_cli: Cli, args: list[str], message: str
) -> None:
    ok(ss_cli(*COMMIT, "--serves", "SS-O1"))
    before = ss_cli.events()
    refused(ss_cli(*args), message)
    assert ss_cli.events() == before


def test_a_completed_activity_refuses_updates_at_the_command_line(ss_cli: Cli) -> None:
    ok(ss_cli(*COMMIT, "--serves", "SS-O1"))
    ok(ss_cli("activity", "complete", "enrol-drive"))
    before = ss_cli.events()
    refused(
        ss_cli("activity", "progress", "enrol-drive", "--status", "on-track"),
        "activity enrol-drive is completed and takes no more updates",
    )
    refused(
        ss_cli("activity", "drop", "enrol-drive", "--reason", "r"),
        "activity enrol-drive is completed and takes no more updates",
    )
    assert ss_cli.events() == before
