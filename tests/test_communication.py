"""Meetings, announcements, community feedback and learning records, as specifications."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import REFUSED_BEFORE_SAVING, Cli, ok, refused

from domain.base import Envelope
from domain.collective import Collective, Settings
from domain.communication import Announcement, Attendee, Feedback, Meeting, Notice, Voice
from domain.errors import Conflict, NotFound, RuleViolation
from domain.governance import Body, Charter, Decision, Proposal
from domain.learning import Insight, Learning
from domain.organisation import Profile
from domain.register import Register
from domain.vocabulary import DecisionRule, OrgType, Role
from ledger.application import Context, LedgerApplication

SS = "saamuhika-shakti"


def meta(on: date = date(2020, 4, 2), reason: str | None = None) -> Envelope:
    return Envelope(actor="meera", effective=on, collective=SS, reason=reason)


def given_a_collective() -> Collective:
    collective = Collective.initialise(Settings(slug=SS, name="SS"), meta(date(2020, 1, 1)))
    collective.join("hasiru-dala", Role.IMPLEMENTING, meta())
    collective.join("sattva", Role.BACKBONE, meta())
    collective.join("care-india", Role.IMPLEMENTING, meta())
    collective.collect_events()
    return collective


def given_a_body(slug: str = "steering") -> Body:
    """A body with a community seat (a waste pickers' representative) and a partner's seat."""
    body = Body.establish(SS, Charter(slug=slug, name=slug, rule=DecisionRule.CONSENT), meta())
    body.seat("wp-rep-1", True, meta())
    body.seat("sattva", False, meta())
    body.collect_events()
    return body


def given_a_decision(body: Body) -> Decision:
    decision = Decision.propose(SS, body, Proposal(title="COVID", rationale="lockdown"), meta())
    decision.collect_events()
    return decision


def register(name: str, prefix: str, kind: str | None = None) -> Register:
    opened = Register.open(SS, name, kind or name, prefix, meta())
    opened.collect_events()
    return opened


# -- meetings ----------------------------------------------------------------------------------


def test_a_meeting_flags_each_attendee_from_the_body_seats() -> None:
    body = given_a_body()
    decision = given_a_decision(body)
    meetings = register("meetings/steering", "steering-m", "meeting")
    meeting = Meeting.hold(
        given_a_collective(),
        meetings,
        body,
        ["wp-rep-1", "sattva", "hasiru-dala"],
        [decision],
        "https://example.org/minutes/2020-04-02",
        meta(),
    )
    [issued] = meetings.collect_events()
    [held] = meeting.collect_events()
    assert isinstance(held, Meeting.Held) and held.meeting == "steering-m1"
    assert issued.subject() == held.subject() == "meeting:steering-m1"
    assert held.attendees == (
        Attendee(member="wp-rep-1", seated=True, community=True),
        Attendee(member="sattva", seated=True, community=False),
        Attendee(member="hasiru-dala", seated=False, community=False),
    )
    assert held.decisions == ("steering-1",)
    assert held.summary() == "steering met: 3 attended (1 on community seats), decisions steering-1"
    assert meeting.held_on == date(2020, 4, 2)


def test_meetings_are_numbered_per_body() -> None:
    collective, body = given_a_collective(), given_a_body()
    meetings = register("meetings/steering", "steering-m", "meeting")
    refs = [
        Meeting.hold(collective, meetings, body, ["sattva"], [], None, meta()).ref for _ in range(3)
    ]
    assert refs == ["steering-m1", "steering-m2", "steering-m3"]


@pytest.mark.parametrize(
    ("attended", "message"),
    [
        (["nobody"], "nobody attended but is neither a member of saamuhika-shakti nor seated"),
        ([], r"say who attended the meeting \(use --attended MEMBER\)"),
        (["sattva", "sattva"], "attendee sattva is named twice"),
    ],
)
def test_only_members_and_seat_holders_attend(attended: list[str], message: str) -> None:
    meetings = register("meetings/steering", "steering-m", "meeting")
    with pytest.raises((RuleViolation, ValueError), match=message):
        Meeting.hold(given_a_collective(), meetings, given_a_body(), attended, [], None, meta())
    assert meetings.collect_events() == []


def test_a_meeting_takes_only_decisions_put_to_its_own_body() -> None:
    other = given_a_decision(given_a_body("finance"))
    meetings = register("meetings/steering", "steering-m", "meeting")
    with pytest.raises(
        RuleViolation, match="decision finance-1 was put to finance, not to steering"
    ):
        Meeting.hold(
            given_a_collective(), meetings, given_a_body(), ["sattva"], [other], None, meta()
        )
    assert meetings.collect_events() == []


def test_minutes_are_a_url_or_a_document_id() -> None:
    collective, body = given_a_collective(), given_a_body()
    meetings = register("meetings/steering", "steering-m", "meeting")
    held = Meeting.hold(collective, meetings, body, ["sattva"], [], "drive:minutes-2020-04", meta())
    assert held.minutes == "drive:minutes-2020-04"
    with pytest.raises(ValueError, match="the minutes 'minutes of April' is not a URL"):
        Meeting.hold(collective, meetings, body, ["sattva"], [], "minutes of April", meta())


# -- announcements and feedback ----------------------------------------------------------------


def test_an_announcement_gets_an_id_and_says_to_whom() -> None:
    notice = Notice(title="ಹೊಸ ಸಹಾಯವಾಣಿ", text="The helpline opens on 1 May", audience="community")
    made = Announcement.make(SS, register("announcements", "an-", "announcement"), notice, meta())
    [event] = made.collect_events()
    assert made.ref == "an-1" and event.subject() == "announcement:an-1"
    assert event.summary() == "announced (to community): ಹೊಸ ಸಹಾಯವಾಣಿ"
    with pytest.raises(ValueError, match="the text of an announcement cannot be empty"):
        Notice(title="T", text=" ")


def given_feedback() -> Feedback:
    voice = Voice(source="গাজীরচর নারী শ্রমিক", text="প্রশিক্ষণের সময় শিশু যত্ন দরকার", channel="survey")
    feedback = Feedback.receive(SS, register("feedback", "fb-"), voice, meta(date(2021, 6, 10)))
    feedback.collect_events()
    return feedback


def test_the_first_response_closes_the_loop_and_later_ones_are_kept() -> None:
    feedback = given_feedback()
    assert feedback.ref == "fb-1" and feedback.loop_closed_on is None
    feedback.respond("Crèche added to the training hall", meta(date(2021, 7, 1)))
    feedback.respond("Crèche now open on Saturdays too", meta(date(2021, 9, 1)))
    first, further = feedback.collect_events()
    assert isinstance(first, Feedback.Responded) and first.closes_loop
    assert isinstance(further, Feedback.Responded) and not further.closes_loop
    assert first.summary() == "loop closed: Crèche added to the training hall"
    assert further.summary() == "further response: Crèche now open on Saturdays too"
    assert feedback.loop_closed_on == date(2021, 7, 1)


def test_a_response_cannot_come_before_the_feedback_or_be_empty() -> None:
    feedback = given_feedback()
    with pytest.raises(RuleViolation, match="would come before feedback fb-1 was received"):
        feedback.respond("early", meta(date(2021, 6, 9)))
    with pytest.raises(ValueError, match="the response cannot be empty"):
        feedback.respond("   ", meta(date(2021, 7, 1)))
    assert feedback.collect_events() == []


def test_feedback_names_its_group_and_says_something() -> None:
    with pytest.raises(ValueError, match="the group the feedback came from cannot be empty"):
        Voice(source=" ", text="t")
    with pytest.raises(ValueError, match="the text of the feedback cannot be empty"):
        Voice(source="vinobha-nagar", text="")


# -- learning ----------------------------------------------------------------------------------


def test_a_learning_record_names_indicators_and_the_decisions_it_led_to() -> None:
    body = given_a_body()
    first, second = given_a_decision(body), given_a_decision(body)
    insight = Insight(title="End of phase 1", insight="ಬ್ಯಾಂಕ್ ಖಾತೆ", indicators=("ss-inc-01",))
    learning = Learning.record(SS, register("learning", "lr-"), insight, [first, second], meta())
    [event] = learning.collect_events()
    assert isinstance(event, Learning.Recorded) and event.learning == "lr-1"
    assert event.insight.indicators == ("SS-INC-01",)
    assert event.summary() == "learnt: End of phase 1 (led to steering-1, steering-2)"
    with pytest.raises(ValueError, match="decision steering-1 is named twice"):
        Learning.record(SS, register("learning", "lr-"), insight, [first, first], meta())
    with pytest.raises(ValueError, match="indicator 'SS EDU' is not a code"):
        Insight(title="t", insight="i", indicators=("SS EDU",))


# -- the application ---------------------------------------------------------------------------


@pytest.fixture
def ss(app: LedgerApplication, ctx: Context) -> LedgerApplication:
    app.init_collective(Settings(slug=SS, name="SS"), ctx)
    app.add_organisation(Profile(slug="sattva", name="Sattva", type=OrgType.BACKBONE), ctx)
    app.join("sattva", None, ctx)
    app.add_body(Charter(slug="steering", name="Steering", rule=DecisionRule.CONSENT), ctx)
    app.seat("steering", "wp-rep-1", True, ctx)
    return app


def test_a_meeting_is_recorded_with_its_register_in_one_save(
    ss: LedgerApplication, ctx: Context
) -> None:
    _, decision = ss.propose("steering", Proposal(title="T", rationale="R"), ctx)
    before = ss.event_count()
    receipt, ref = ss.record_meeting("steering", ["wp-rep-1", "sattva"], [decision], None, ctx)
    assert ref == "steering-m1" and len(receipt.positions) == 3  # opened, issued, held
    assert ss.event_count() == before + 3
    assert ss.record_meeting("steering", ["sattva"], [], None, ctx)[1] == "steering-m2"
    assert ss.meeting(SS, "steering-m1").attendees[0].community is True


def test_unknown_bodies_decisions_and_feedback_are_named(
    ss: LedgerApplication, ctx: Context
) -> None:
    before = ss.event_count()
    with pytest.raises(NotFound, match="body 'finance' not found"):
        ss.record_meeting("finance", ["sattva"], [], None, ctx)
    with pytest.raises(NotFound, match="decision 'steering-9' not found"):
        ss.record_meeting("steering", ["sattva"], ["steering-9"], None, ctx)
    with pytest.raises(NotFound, match="feedback 'fb-1' not found"):
        ss.respond_to_feedback("fb-1", "answer", ctx)
    with pytest.raises(NotFound, match="decision 'steering-9' not found"):
        ss.record_learning(Insight(title="t", insight="i"), ["steering-9"], ctx)
    assert ss.event_count() == before


def test_a_retried_request_prints_the_same_id_and_records_once(ss: LedgerApplication) -> None:
    retry = Context(actor="meera", request_id="fb-form-17")
    voice = Voice(source="vinobha-nagar", text="water points broken")
    first = ss.record_feedback(voice, retry)
    before = ss.event_count()
    again = ss.record_feedback(voice, retry)
    assert again[1] == first[1] == "fb-1" and again[0].already_recorded
    assert ss.event_count() == before


def test_two_records_numbered_at_the_same_moment_cannot_share_an_id(
    ss: LedgerApplication, ctx: Context
) -> None:
    ss.record_feedback(Voice(source="g", text="first"), ctx)
    env = ss._envelope(ctx, collective=SS)
    mine, theirs = (ss._register(SS, "feedback", "feedback", "fb-", env) for _ in range(2))
    voice = Voice(source="g", text="t")
    ss._save(env, mine, Feedback.receive(SS, mine, voice, env))
    with pytest.raises(Conflict, match="run the command again"):
        ss._save(env, theirs, Feedback.receive(SS, theirs, voice, env))
    assert [f.ref for f in ss.all_feedback(SS)] == ["fb-1", "fb-2"]


# -- the command line ----------------------------------------------------------------------------


@pytest.fixture
def gov(ss_cli: Cli) -> Cli:
    ok(ss_cli("org", "add", "sattva", "--name", "Sattva", "--type", "backbone"))
    ok(ss_cli("org", "join", "sattva"))
    ok(ss_cli("body", "add", "steering", "--name", "Steering", "--rule", "consent"))
    ok(ss_cli("body", "seat", "steering", "wp-rep-1", "--community"))
    ok(ss_cli("body", "seat", "steering", "sattva"))
    ok(ss_cli("decision", "propose", "--body", "steering", "--title", "T", "--rationale", "R"))
    return ss_cli


def test_a_meeting_at_the_command_line(gov: Cli) -> None:
    recorded = ok(
        gov(
            "meeting", "record", "--body", "steering", "--on", "2020-04-02",
            "--attended", "wp-rep-1,sattva", "--attended", "hasiru-dala",
            "--decision", "steering-1", "--minutes", "https://example.org/m/1",
        )
    )  # fmt: skip
    assert recorded.stdout.strip() == "steering-m1"
    shown = json.loads(ok(gov("meeting", "show", "steering-m1", "--json")).stdout)
    assert shown["held_on"] == "2020-04-02" and shown["decisions"] == ["steering-1"]
    assert [(a["member"], a["community"]) for a in shown["attendees"]] == [
        ("wp-rep-1", True),
        ("sattva", False),
        ("hasiru-dala", False),
    ]
    table = ok(gov("meeting", "show", "steering-m1")).stdout
    assert "community seat" in table and "https://example.org/m/1" in table


def test_announcements_at_the_command_line(gov: Cli) -> None:
    made = ok(gov("announce", "--title", "ಸಹಾಯವಾಣಿ", "--text", "Opens 1 May", "--audience", "all"))
    assert made.stdout.strip() == "an-1"
    assert ok(gov("announce", "--title", "Second", "--text", "t")).stdout.strip() == "an-2"


def test_feedback_and_closing_the_loop_at_the_command_line(gov: Cli) -> None:
    first = ok(
        gov("feedback", "record", "--from", "গাজীরচর নারী শ্রমিক", "--text", "শিশু যত্ন",
            "--channel", "survey", "--on", "2021-06-10")
    )  # fmt: skip
    assert first.stdout.strip() == "fb-1"
    assert (
        ok(gov("feedback", "record", "--from", "vinobha-nagar", "--text", "t")).stdout.strip()
        == "fb-2"
    )
    ok(gov("feedback", "respond", "fb-1", "--text", "Crèche added", "--on", "2021-07-01"))
    ok(gov("feedback", "respond", "fb-1", "--text", "Open Saturdays too", "--on", "2021-09-01"))
    shown = json.loads(ok(gov("feedback", "show", "fb-1", "--json")).stdout)
    assert shown["source"] == "গাজীরচর নারী শ্রমিক" and shown["loop_closed_on"] == "2021-07-01"
    assert [r["closes_loop"] for r in shown["responses"]] == [True, False]
    still_open = json.loads(ok(gov("feedback", "list", "--open", "--json")).stdout)
    assert [f["feedback"] for f in still_open] == ["fb-2"]
    assert len(json.loads(ok(gov("feedback", "list", "--json")).stdout)) == 2
    assert "the loop is open" in ok(gov("feedback", "show", "fb-2")).stdout


def test_learning_at_the_command_line(gov: Cli) -> None:
    recorded = ok(
        gov("learning", "record", "--title", "End of phase 1", "--insight", "ಬ್ಯಾಂಕ್ ಖಾತೆ",
            "--indicator", "SS-INC-01,SS-FIN-01", "--decision", "steering-1")
    )  # fmt: skip
    assert recorded.stdout.strip() == "lr-1"
    shown = json.loads(ok(gov("learning", "show", "lr-1", "--json")).stdout)
    assert shown["indicators"] == ["SS-INC-01", "SS-FIN-01"]
    assert shown["decisions"] == ["steering-1"] and shown["insight"] == "ಬ್ಯಾಂಕ್ ಖಾತೆ"


@REFUSED_BEFORE_SAVING
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["meeting", "record", "--body", "finance", "--attended", "sattva"],
            "body 'finance' not found: set it up first with `collective body add`",
        ),
        (
            [
                "meeting",
                "record",
                "--body",
                "steering",
                "--attended",
                "sattva",
                "--decision",
                "steering-9",
            ],
            "decision 'steering-9' not found",
        ),
        (
            ["meeting", "record", "--body", "steering", "--attended", "care-india"],
            "care-india attended but is neither a member of saamuhika-shakti "
            "nor seated on steering",
        ),
        (
            [
                "meeting",
                "record",
                "--body",
                "steering",
                "--attended",
                "sattva",
                "--minutes",
                "the minutes",
            ],
            "the minutes 'the minutes' is not a URL or a document id (use https://... or an id "
            "without spaces)",
        ),
        (["meeting", "show", "steering-m9"], "meeting 'steering-m9' not found"),
        (
            ["announce", "--title", " ", "--text", "t"],
            "the title of an announcement cannot be empty",
        ),
        (
            ["feedback", "record", "--from", "g", "--text", "  "],
            "the text of the feedback cannot be empty",
        ),
        (["feedback", "respond", "fb-9", "--text", "t"], "feedback 'fb-9' not found"),
        (
            ["learning", "record", "--title", "t", "--insight", "i", "--decision", "steering-9"],
            "decision 'steering-9' not found",
        ),
        (
            ["learning", "record", "--title", "t", "--insight", "i", "--indicator", "SS EDU"],
            "indicator 'SS EDU' is not a code: use letters, digits and hyphens "
            "(for example SS-O1 or SS-EDU-01)",
        ),
    ],
)
def test_communication_refusals_are_one_line_and_write_nothing(
    gov: Cli, args: list[str], message: str
) -> None:
    before = gov.events()
    refused(gov(*args), message)
    assert gov.events() == before
