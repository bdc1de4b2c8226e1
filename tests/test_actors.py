"""Actors and roles: who may record what, for whom, and commands signed with the actor's key."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import REFUSED_BEFORE_SAVING, Cli, ok, refused
from measurement_steps import SEX, SS, define, given_a_collective, passed_decision

from domain.actor import Actor, ActorRole, ActorRoster
from domain.base import Envelope
from domain.errors import AlreadyExists, NotFound, RuleViolation
from domain.governance import Charter, Proposal
from domain.organisation import Profile
from domain.reporting import ReportKey, Submission, ValueKey
from domain.vocabulary import BackboneFunction, DecisionRule, OrgType, ReviewAction, Unit
from ledger.application import Context, LedgerApplication, open_ledger
from ledger.permissions import RULES, rule_for
from ledger.signatures import check_signatures, sign_event, signed_form
from ledger.signednote import SigningKey

ADMIN = ActorRole.BACKBONE_ADMIN
STAFF = ActorRole.BACKBONE_STAFF
PARTNER = ActorRole.PARTNER_REPORTER
STORED = Path(__file__).with_name("stored_topics.txt")


def signing_key(name: str, n: int = 1) -> SigningKey:
    return SigningKey(name, hashlib.sha256(f"test key {name} {n}".encode()).digest())


def as_(actor: str, reason: str | None = None, key: SigningKey | None = None) -> Context:
    return Context(actor=actor, on=date(2024, 7, 10), reason=reason, key=key)


def value(org: str = "hasiru-dala", amount: str = "12", sex: str = "female") -> Submission:
    return Submission(
        code="SS-EDU-01", org=org, period="2024Q1", cell=(("sex", sex),), value=amount
    )


def stored(app: LedgerApplication) -> list[tuple[int, Any, int, str, bytes]]:
    """Every event as stored, in log order, as the checks read them."""
    return [
        (n.id, n.originator_id, n.originator_version, n.topic, n.state)
        for n in app.recorder.select_notifications(None, 100_000)
    ]


def last_event(app: LedgerApplication) -> Any:
    [found] = app.recorder.select_notifications(app.event_count(), 1)
    return app.mapper.to_domain_event(found)


# -- the aggregate: given events, when a command, then events or a refusal ---------------------


def _meta(reason: str | None = None) -> Envelope:
    return Envelope(actor="meera", effective=date(2024, 7, 10), collective=SS, reason=reason)


def given_an_actor(*roles: ActorRole, organisation: str | None = "hasiru-dala") -> Actor:
    actor = Actor.register(SS, "priya", organisation, roles, None, _meta())
    actor.collect_events()
    return actor


def test_an_actor_is_registered_with_its_organisation_roles_and_key() -> None:
    actor = Actor.register(SS, "ravi", "sattva", (STAFF, STAFF), "ravi+1+AA", _meta())
    [event] = actor.collect_events()
    assert isinstance(event, Actor.Registered)
    assert (event.collective, event.name, event.organisation) == (SS, "ravi", "sattva")
    assert (event.roles, event.vkey) == ((STAFF,), "ravi+1+AA")
    assert actor.id == Actor.id_for(SS, "ravi")
    assert event.subject() == "actor:ravi"


@pytest.mark.parametrize(
    ("name", "organisation", "roles", "message"),
    [
        ("priya", "hasiru-dala", (), "give priya at least one role (use --role)"),
        (
            "priya",
            None,
            (PARTNER,),
            "a partner reporter reports for its organisation: give priya one",
        ),
        (
            "two words",
            "hasiru-dala",
            (STAFF,),
            "actor 'two words' is not valid: use a name without spaces",
        ),
    ],
)
def test_registering_refuses(
    name: str, organisation: str | None, roles: tuple[ActorRole, ...], message: str
) -> None:
    with pytest.raises((RuleViolation, ValueError)) as refusal:
        Actor.register(SS, name, organisation, roles, None, _meta())
    assert str(refusal.value) == message


def test_a_role_is_granted_then_revoked_with_a_reason() -> None:
    actor = given_an_actor(PARTNER)
    actor.grant(STAFF, _meta())
    actor.revoke(PARTNER, _meta("now backbone staff"))
    granted, revoked = actor.collect_events()
    assert isinstance(granted, Actor.RoleGranted) and granted.role is STAFF
    assert isinstance(revoked, Actor.RoleRevoked) and revoked.role is PARTNER
    assert actor.roles == {STAFF}
    assert revoked.summary() == "priya no longer partner-reporter: now backbone staff"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a.grant(PARTNER, _meta()), "priya is partner-reporter already"),
        (
            lambda a: a.revoke(STAFF, _meta("x")),
            "priya is not backbone-staff (it is partner-reporter)",
        ),
        (
            lambda a: a.revoke(PARTNER, _meta()),
            "a reason is required when revoking partner-reporter from priya (use --reason)",
        ),
        (lambda a: a.revoke_key(_meta("lost")), "priya has no key registered"),
    ],
)
def test_role_and_key_changes_refuse(change: Callable[[Actor], None], message: str) -> None:
    actor = given_an_actor(PARTNER)
    with pytest.raises(RuleViolation) as refusal:
        change(actor)
    assert str(refusal.value) == message
    assert actor.collect_events() == []


def test_a_partner_reporter_role_needs_an_organisation() -> None:
    actor = given_an_actor(STAFF, organisation=None)
    with pytest.raises(RuleViolation, match="belongs to no organisation"):
        actor.grant(PARTNER, _meta())


def test_a_key_is_revoked_before_another_is_registered_and_never_comes_back() -> None:
    old, new = signing_key("priya", 1).verifier.vkey, signing_key("priya", 2).verifier.vkey
    actor = given_an_actor(PARTNER)
    actor.register_key(old, _meta())
    with pytest.raises(RuleViolation, match="has a key registered already: revoke it first"):
        actor.register_key(new, _meta())
    with pytest.raises(RuleViolation, match="a reason is required when revoking the key"):
        actor.revoke_key(_meta())
    actor.revoke_key(_meta("laptop stolen"))
    with pytest.raises(RuleViolation, match="this key of priya was revoked"):
        actor.register_key(old, _meta())
    actor.register_key(new, _meta())
    kinds = [type(e).__name__ for e in actor.collect_events()]
    assert kinds == ["KeyRegistered", "KeyRevoked", "KeyRegistered"]
    assert (actor.vkey, actor.revoked_keys) == (new, [old])


# -- the application: init, and who may record what ---------------------------------------------


def test_whoever_sets_a_collective_up_is_its_first_backbone_admin(app: LedgerApplication) -> None:
    from domain.collective import Settings

    receipt = app.init_collective(Settings(slug=SS, name="SS"), as_("meera"))
    # one save, so one transaction: the collective and its first admin, or neither
    assert receipt.positions == (1, 2, 3, 4, 5, 6)
    first = [n.topic.rpartition(":")[2] for n in app.recorder.select_notifications(None, 6)]
    assert first == [
        "Collective.Initialised",
        "Directory.Opened",
        "Directory.CollectiveListed",
        "Actor.Registered",
        "ActorRoster.Opened",
        "ActorRoster.Listed",
    ]
    [meera] = app.actors(SS)
    assert (meera.name, meera.roles, meera.organisation) == ("meera", {ADMIN}, None)
    with pytest.raises(AlreadyExists):  # a second init adds neither a collective nor an admin
        app.init_collective(Settings(slug=SS, name="SS"), as_("ravi"))
    assert app.event_count() == 6


@pytest.fixture
def ss(app: LedgerApplication) -> LedgerApplication:
    """Saamuhika Shakti with two members, an indicator, a passed decision, and four actors:
    ravi (backbone staff of Sattva, with a key), priya (partner reporter of Hasiru Dala),
    anil (auditor) and fatima (funder)."""
    given_a_collective(app, "hasiru-dala", "udhyam")
    app.add_organisation(Profile(slug="sattva", name="Sattva", type=OrgType.BACKBONE), as_("meera"))
    define(app, "SS-EDU-01", Unit.COUNT, SEX)
    passed_decision(app)
    admin = as_("meera")
    app.register_actor("ravi", "sattva", [STAFF], signing_key("ravi").verifier.vkey, admin)
    app.register_actor("priya", "hasiru-dala", [PARTNER], None, admin)
    app.register_actor("anil", "udhyam", [ActorRole.AUDITOR], None, admin)
    app.register_actor("fatima", "udhyam", [ActorRole.FUNDER], None, admin)
    return app


def _submit(org: str) -> Callable[[LedgerApplication, Context], Any]:
    return lambda app, ctx: app.submit_value(value(org, sex="male"), ctx)


def _define(app: LedgerApplication, ctx: Context) -> Any:
    from domain.measurement import Definition
    from domain.periods import Cadence
    from domain.vocabulary import Direction

    definition = Definition(
        name="Girls enrolled", unit=Unit.COUNT, direction=Direction.UP, cadence=Cadence.QUARTERLY
    )
    return app.define_indicator("SS-EDU-02", definition, ctx)


def _key(org: str) -> ValueKey:
    return ValueKey(code="SS-EDU-01", org=org, period="2024Q1", cell=(("sex", "female"),))


COMMANDS: dict[str, Callable[[LedgerApplication, Context], Any]] = {
    "submit own": _submit("hasiru-dala"),
    "submit other": _submit("udhyam"),
    "correct own": lambda app, ctx: app.correct_value(value("hasiru-dala", "13"), ctx),
    "correct other": lambda app, ctx: app.correct_value(value("udhyam", "13"), ctx),
    "retract own": lambda app, ctx: app.retract_value(_key("hasiru-dala"), ctx),
    "retract other": lambda app, ctx: app.retract_value(_key("udhyam"), ctx),
    "review": lambda app, ctx: app.review_value(
        ReportKey(code="SS-EDU-01", org="udhyam", period="2024Q1"), ReviewAction.APPROVE, ctx
    ),
    "define": _define,
    "propose": lambda app, ctx: app.propose("steering", Proposal(title="T", rationale="R"), ctx),
    "body": lambda app, ctx: app.add_body(
        Charter(slug="circle", name="Circle", rule=DecisionRule.CONSENT), ctx
    ),
    "appoint": lambda app, ctx: app.appoint_backbone(
        "udhyam", "steering-1", list(BackboneFunction), ctx
    ),
    "join": lambda app, ctx: app.join("sattva", None, ctx),
    "org add": lambda app, ctx: app.add_organisation(
        Profile(slug="caif", name="CAIF", type=OrgType.FUNDER), ctx
    ),
    "actor add": lambda app, ctx: app.register_actor("lata", "udhyam", [PARTNER], None, ctx),
    "grant": lambda app, ctx: app.grant_role("priya", ActorRole.AUDITOR, ctx),
}

OWN = "priya reports for hasiru-dala only: it may not record values of udhyam"
NOT_REGISTERED = (
    "actor 'nobody' is not registered {}: a backbone admin registers it with "
    "`collective actor add nobody --org ORG --role ROLE`"
)


def may_not(who: str, what: str, needs: str, has: str, where: str = f" in {SS}") -> str:
    return f"{who} may not {what}{where}: that needs {needs} (it is {has})"


def reads(who: str, role: str, where: str = f" in {SS}") -> str:
    return f"{who} is {role}{where}: auditors and funders read, they record nothing"


BACKBONE = "backbone-admin or backbone-staff"


def partner_may_not(what: str) -> str:
    return may_not("priya", what, BACKBONE, "partner-reporter")


ACTORS = "register actors, their roles and keys"
ORGS = "register organisations"
RULINGS: list[tuple[str, str, str | None]] = [
    ("priya", "submit own", None),
    ("priya", "submit other", OWN),
    ("priya", "correct own", None),
    ("priya", "correct other", OWN),
    ("priya", "retract own", None),
    ("priya", "retract other", OWN),
    ("priya", "review", partner_may_not("review values")),
    ("priya", "define", partner_may_not("define or revise indicators")),
    ("priya", "propose", partner_may_not("record decisions")),
    ("priya", "body", partner_may_not("record bodies and their seats")),
    ("priya", "appoint", partner_may_not("appoint the backbone")),
    ("priya", "join", partner_may_not("record who joins, changes role or leaves")),
    ("priya", "org add", may_not("priya", ORGS, "backbone-admin", "partner-reporter", "")),
    ("ravi", "submit other", None),
    ("ravi", "correct other", None),
    ("ravi", "retract other", None),
    ("ravi", "review", None),
    ("ravi", "define", None),
    ("ravi", "propose", None),
    ("ravi", "appoint", None),
    ("ravi", "org add", may_not("ravi", ORGS, "backbone-admin", "backbone-staff", "")),
    ("ravi", "actor add", may_not("ravi", ACTORS, "backbone-admin", "backbone-staff")),
    ("ravi", "grant", may_not("ravi", ACTORS, "backbone-admin", "backbone-staff")),
    ("meera", "submit other", None),
    ("meera", "org add", None),
    ("meera", "actor add", None),
    ("meera", "grant", None),
    ("anil", "submit other", reads("anil", "auditor")),
    ("anil", "propose", reads("anil", "auditor")),
    ("fatima", "submit own", reads("fatima", "funder")),
    ("fatima", "org add", reads("fatima", "funder", "")),
    ("nobody", "submit own", NOT_REGISTERED.format(f"in {SS}")),
    ("nobody", "org add", NOT_REGISTERED.format("in any collective of this ledger")),
]  # fmt: skip


@REFUSED_BEFORE_SAVING
@pytest.mark.parametrize(("actor", "command", "refusal"), RULINGS)
def test_who_may_record_what(
    ss: LedgerApplication, actor: str, command: str, refusal: str | None
) -> None:
    # given a value of each organisation (for the corrections, retractions and reviews)
    ss.submit_value(value("hasiru-dala"), as_("ravi"))
    ss.submit_value(value("udhyam"), as_("ravi"))
    before = ss.event_count()
    ctx = as_(actor, reason="checked again")
    if refusal is None:
        COMMANDS[command](ss, ctx)
        assert ss.event_count() > before
        return
    with pytest.raises(RuleViolation) as refused_with:
        COMMANDS[command](ss, ctx)
    assert str(refused_with.value) == refusal
    assert ss.event_count() == before


def test_a_partner_records_its_own_values_and_staff_record_on_behalf_of_others(
    ss: LedgerApplication,
) -> None:
    ss.submit_value(value("hasiru-dala"), as_("priya"))
    own = last_event(ss)
    assert (own.meta.actor, own.meta.on_behalf_of, own.org) == ("priya", None, "hasiru-dala")
    ss.submit_value(value("udhyam"), as_("ravi"))
    imported = last_event(ss)
    assert (imported.meta.actor, imported.meta.on_behalf_of) == ("ravi", "udhyam")
    opened = ss.mapper.to_domain_event(ss.recorder.select_notifications(ss.event_count() - 1, 1)[0])
    assert type(opened).__name__ == "Opened" and opened.meta.on_behalf_of == "udhyam"


def test_on_behalf_of_is_left_out_when_staff_report_their_own_organisation(
    ss: LedgerApplication,
) -> None:
    ss.join("sattva", None, as_("meera"))
    ss.submit_value(value("sattva"), as_("ravi"))
    assert last_event(ss).meta.on_behalf_of is None


def test_a_revoked_role_records_nothing_more(ss: LedgerApplication) -> None:
    ss.revoke_role("priya", PARTNER, as_("meera", "left Hasiru Dala"))
    with pytest.raises(RuleViolation) as refusal:
        ss.submit_value(value("hasiru-dala"), as_("priya"))
    assert str(refusal.value) == (
        f"priya holds no role in {SS}: a backbone admin grants one with "
        "`collective actor grant priya --role ROLE`"
    )


def test_the_last_backbone_admin_keeps_the_role(ss: LedgerApplication) -> None:
    with pytest.raises(RuleViolation) as refusal:
        ss.revoke_role("meera", ADMIN, as_("meera", "moving on"))
    assert str(refusal.value) == (
        f"meera is the last backbone admin of {SS}: grant the role to someone else first"
    )
    ss.grant_role("ravi", ADMIN, as_("meera"))
    ss.revoke_role("meera", ADMIN, as_("ravi", "moving on"))
    assert {a.name: a.roles for a in ss.actors(SS)}["meera"] == set()


def test_actors_are_per_collective(ss: LedgerApplication) -> None:
    from domain.collective import Settings

    ss.init_collective(Settings(slug="oporajita", name="Oporajita"), as_("nasrin"))
    with pytest.raises(RuleViolation, match="actor 'nasrin' is not registered in saamuhika-shakti"):
        ss.submit_value(value("udhyam"), Context(actor="nasrin", collective=SS))
    assert [a.name for a in ss.actors("oporajita")] == ["nasrin"]


def test_registering_names_existing_organisations_and_actors_once(ss: LedgerApplication) -> None:
    before = ss.event_count()
    with pytest.raises(AlreadyExists, match="actor 'priya' already exists"):
        ss.register_actor("priya", "udhyam", [PARTNER], None, as_("meera"))
    with pytest.raises(NotFound, match="organisation 'nowhere' not found"):
        ss.register_actor("lata", "nowhere", [PARTNER], None, as_("meera"))
    with pytest.raises(ValueError, match="a verifier key has the form NAME\\+KEYID\\+KEY"):
        ss.register_actor("lata", "udhyam", [PARTNER], "not a key", as_("meera"))
    assert ss.event_count() == before


def test_every_stored_topic_has_a_permission_rule() -> None:
    topics = [
        line.strip()
        for line in STORED.read_text().splitlines()
        if "." in line.partition(":")[2] and not line.startswith("#")
    ]
    for topic in topics:
        assert rule_for(topic).roles, topic
    assert rule_for("collective-ledger:Report.ValueSubmitted").own_organisation
    assert not rule_for("collective-ledger:Report.ValueReviewed").own_organisation
    assert all(rule.roles <= set(ActorRole) for rule in RULES.values())
    assert Actor.TOPIC in {f"collective-ledger:{name}" for name in RULES}
    assert ActorRoster.TOPIC in {f"collective-ledger:{name}" for name in RULES}


# -- signed commands ------------------------------------------------------------------------------


def test_a_signed_command_signs_each_of_its_events(ss: LedgerApplication) -> None:
    before = ss.event_count()
    receipt = ss.submit_value(value("udhyam"), as_("ravi", key=signing_key("ravi")))
    assert len(receipt.positions) == 2
    events = stored(ss)
    for _, aggregate, version, topic, state in events[before:]:
        meta = json.loads(state)["meta"]
        assert meta["signature"] and meta["actor"] == "ravi"
        raw = base64.b64decode(meta["signature"])
        key = signing_key("ravi").verifier
        assert int.from_bytes(raw[:4], "big") == key.key_id
        assert key.verify(signed_form(aggregate, version, topic, json.loads(state)), raw[4:])
    assert list(check_signatures(events)) == []


def test_the_signed_form_is_canonical_json_without_the_signature() -> None:
    state = {"meta": {"signature": "x", "actor": "ravi"}, "value": "12", "b": [1, None]}
    form = signed_form("6f2b1f7e-8d0a-5c3e-9a41-2f6c7d9e0b13", 3, "t", state)
    assert form == (
        b'{"aggregate":"6f2b1f7e-8d0a-5c3e-9a41-2f6c7d9e0b13","event":{"b":[1,null],'
        b'"meta":{"actor":"ravi"},"value":"12"},"topic":"t","version":3}'
    )
    assert signed_form("6f2b1f7e8d0a5c3e9a412f6c7d9e0b13", 3, "t", state) == form


@pytest.mark.parametrize(
    ("actor", "key", "message"),
    [
        (
            "ravi",
            signing_key("ravi", 2),
            f"the key {signing_key('ravi', 2).verifier} is not the key registered for ravi in {SS} "
            f"({signing_key('ravi').verifier})",
        ),
        (
            "priya",
            signing_key("priya"),
            f"priya has no key registered in {SS}: a backbone admin registers one with "
            "`collective actor key priya --vkey VKEY`",
        ),
    ],
)
def test_signing_needs_the_key_registered_for_the_actor(
    ss: LedgerApplication, actor: str, key: SigningKey, message: str
) -> None:
    before = ss.event_count()
    with pytest.raises(RuleViolation) as refusal:
        ss.submit_value(value("hasiru-dala"), as_(actor, key=key))
    assert str(refusal.value) == message
    assert ss.event_count() == before


def test_a_store_wide_record_is_signed_with_a_key_of_the_actor(ss: LedgerApplication) -> None:
    ss.register_key("meera", signing_key("meera").verifier.vkey, as_("meera"))
    ss.add_organisation(
        Profile(slug="caif", name="CAIF", type=OrgType.FUNDER),
        as_("meera", key=signing_key("meera")),
    )
    assert last_event(ss).meta.signature
    assert list(check_signatures(stored(ss))) == []


def test_init_cannot_be_signed_before_a_key_is_registered(app: LedgerApplication) -> None:
    from domain.collective import Settings

    with pytest.raises(RuleViolation, match="meera has no key registered in ss yet"):
        app.init_collective(Settings(slug="ss", name="SS"), as_("meera", key=signing_key("meera")))
    assert app.event_count() == 0


# -- tamper evidence: a forged actor signature, a value recorded by a revoked key ------------------


@pytest.fixture
def ledger_file(tmp_path: Path) -> Iterator[tuple[Path, LedgerApplication]]:
    path = tmp_path / "ledger.db"
    app = open_ledger(str(path), create=True)
    given_a_collective(app, "hasiru-dala", "udhyam")
    define(app, "SS-EDU-01", Unit.COUNT, SEX)
    app.add_organisation(Profile(slug="sattva", name="Sattva", type=OrgType.BACKBONE), as_("meera"))
    app.register_actor("ravi", "sattva", [STAFF], signing_key("ravi").verifier.vkey, as_("meera"))
    yield path, app
    app.close()


def tamper(path: Path, position: int, change: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite the stored event at ``position`` directly in the database file."""
    with sqlite3.connect(path) as db:
        [(state,)] = db.execute("SELECT state FROM stored_events WHERE rowid = ?", (position,))
        found = json.loads(state)
        change(found)
        db.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?",
            (json.dumps(found, ensure_ascii=False, separators=(",", ":")).encode(), position),
        )


def _flip_signature(state: dict[str, Any]) -> None:
    import base64

    raw = bytearray(base64.b64decode(state["meta"]["signature"]))
    raw[10] ^= 0x01
    state["meta"]["signature"] = base64.b64encode(bytes(raw)).decode()


def test_a_forged_signature_is_found_at_its_position(
    ledger_file: tuple[Path, LedgerApplication],
) -> None:
    path, app = ledger_file
    receipt = app.submit_value(value("udhyam"), as_("ravi", key=signing_key("ravi")))
    position = receipt.positions[-1]
    tamper(path, position, _flip_signature)
    [(at, problem)] = check_signatures(stored(app))
    assert at == position
    assert problem.startswith("Report.ValueSubmitted of ")
    assert problem.endswith(
        f"signed by ravi: the signature does not verify with {signing_key('ravi').verifier} "
        "(forged or altered)"
    )


def test_a_signed_value_rewritten_under_its_signature_is_found(
    ledger_file: tuple[Path, LedgerApplication],
) -> None:
    path, app = ledger_file
    receipt = app.submit_value(value("udhyam"), as_("ravi", key=signing_key("ravi")))
    tamper(path, receipt.positions[-1], lambda state: state.update(value="120"))
    assert [p for p, _ in check_signatures(stored(app))] == [receipt.positions[-1]]


def sign_as_if_by_the_ledger(app: LedgerApplication, actor: str, key: SigningKey) -> int:
    """What someone with write access and an old key could do: store a value signed with it,
    past the ledger's own checks. Returns its position."""
    from domain.reporting import Report

    report = app._get(Report, Report.id_for(SS, "SS-EDU-01", "udhyam", "2024Q1"))
    assert report is not None
    indicator = app.indicator(SS, "SS-EDU-01")
    env = app._envelope(Context(actor=actor, reason="recount"), collective=SS)
    report.correct(indicator, value("udhyam", "99"), None, env)
    pending = report.pending_events
    pending[:] = [sign_event(event, key) for event in pending]
    return app._save(env, report).positions[-1]


def test_a_value_recorded_with_a_revoked_key_is_found(
    ledger_file: tuple[Path, LedgerApplication],
) -> None:
    _, app = ledger_file
    app.submit_value(value("udhyam"), as_("ravi", key=signing_key("ravi")))
    revoked_at = app.revoke_key("ravi", as_("meera", "laptop stolen")).positions[-1]
    with pytest.raises(RuleViolation, match="ravi has no key registered"):
        app.correct_value(value("udhyam", "99"), as_("ravi", "recount", key=signing_key("ravi")))
    position = sign_as_if_by_the_ledger(app, "ravi", signing_key("ravi"))
    [(at, problem)] = check_signatures(stored(app))
    assert at == position
    assert problem.endswith(
        f"signed by ravi with the key {signing_key('ravi').verifier}, revoked at position "
        f"{revoked_at}"
    )


def test_a_new_key_signs_after_the_old_one_was_revoked(
    ledger_file: tuple[Path, LedgerApplication],
) -> None:
    _, app = ledger_file
    app.submit_value(value("udhyam"), as_("ravi", key=signing_key("ravi")))
    app.revoke_key("ravi", as_("meera", "rotated"))
    app.register_key("ravi", signing_key("ravi", 2).verifier.vkey, as_("meera"))
    app.correct_value(value("udhyam", "13"), as_("ravi", "recount", key=signing_key("ravi", 2)))
    assert list(check_signatures(stored(app))) == []


def test_a_signature_by_an_actor_who_never_had_a_key_is_found(
    ledger_file: tuple[Path, LedgerApplication],
) -> None:
    _, app = ledger_file
    app.submit_value(value("udhyam"), as_("ravi"))
    position = sign_as_if_by_the_ledger(app, "meera", signing_key("meera"))
    [(at, problem)] = check_signatures(stored(app))
    assert at == position
    assert problem.endswith(
        f"signed by meera, who had no key registered in {SS}: the signature does not verify"
    )


# -- the command line -----------------------------------------------------------------------------


@pytest.fixture
def actors_cli(ss_cli: Cli, tmp_path: Path) -> Cli:
    """Saamuhika Shakti on the command line, with an indicator and ravi (staff, with a key)."""
    (tmp_path / "ravi.key").write_text(signing_key("ravi").text + "\n", encoding="utf-8")
    ok(ss_cli("org", "add", "udhyam", "--name", "Udhyam", "--type", "implementing"))
    ok(ss_cli("org", "join", "udhyam"))
    ok(ss_cli("org", "add", "sattva", "--name", "Sattva", "--type", "backbone"))
    ok(
        ss_cli(
            "indicator", "define", "SS-EDU-01", "--name", "Enrolled", "--unit", "count",
            "--direction", "up", "--cadence", "quarterly", "--dimension", "sex=female,male",
        )
    )  # fmt: skip
    vkey = signing_key("ravi").verifier.vkey
    ok(ss_cli("actor", "add", "ravi", "--org", "sattva", "--role", "backbone-staff", "--key", vkey))
    return ss_cli


SUBMIT = ["value", "submit", "SS-EDU-01", "--period", "2024Q1", "--value", "7"]
SUBMIT += ["--cell", "sex=female"]


def test_cli_actor_commands_and_list(actors_cli: Cli) -> None:
    cli = actors_cli
    result = ok(cli("actor", "add", "priya", "--org", "hasiru-dala", "--role", "partner-reporter"))
    assert "priya registered as partner-reporter (log positions" in result.stderr
    ok(cli("actor", "grant", "priya", "--role", "auditor"))
    ok(cli("actor", "revoke", "priya", "--role", "auditor", "--reason", "not needed"))
    ok(cli("actor", "revoke-key", "ravi", "--reason", "laptop stolen"))
    ok(cli("actor", "key", "ravi", "--vkey", signing_key("ravi", 2).verifier.vkey))
    listed = json.loads(ok(cli("actor", "list", "--json")).stdout)
    assert listed["collective"] == "saamuhika-shakti"
    assert [(a["name"], a["organisation"], a["roles"]) for a in listed["actors"]] == [
        ("meera", None, ["backbone-admin"]),
        ("ravi", "sattva", ["backbone-staff"]),
        ("priya", "hasiru-dala", ["partner-reporter"]),
    ]
    ravi = listed["actors"][1]
    assert ravi["vkey"] == signing_key("ravi", 2).verifier.vkey
    assert ravi["revoked_keys"] == [signing_key("ravi").verifier.vkey]
    table = ok(cli("actor", "list")).stdout
    assert str(signing_key("ravi", 2).verifier) in table and "partner-reporter" in table
    entries = json.loads(ok(cli("log", "--json")).stdout)
    assert [e["summary"] for e in entries[-2:]] == [
        f"key {signing_key('ravi').verifier} of ravi revoked: laptop stolen",
        f"key {signing_key('ravi', 2).verifier} registered for ravi",
    ]


def test_cli_actor_list_as_of_an_earlier_moment(actors_cli: Cli) -> None:
    cli = actors_cli
    entries = json.loads(ok(cli("log", "--json")).stdout)
    ok(cli("actor", "add", "priya", "--org", "hasiru-dala", "--role", "partner-reporter"))
    earlier = json.loads(
        ok(cli("actor", "list", "--as-of", entries[-1]["recorded_at"], "--json")).stdout
    )
    assert [a["name"] for a in earlier["actors"]] == ["meera", "ravi"]


@REFUSED_BEFORE_SAVING
@pytest.mark.parametrize(
    ("args", "actor", "message"),
    [
        (
            ["actor", "add", "lata", "--org", "udhyam", "--role", "auditor"],
            "ravi",
            "ravi may not register actors, their roles and keys in saamuhika-shakti: that needs "
            "backbone-admin (it is backbone-staff)",
        ),
        (
            ["actor", "add", "lata", "--org", "nowhere", "--role", "auditor"],
            "meera",
            "organisation 'nowhere' not found: register it first with `collective org add`",
        ),
        (
            ["actor", "add", "ravi", "--org", "udhyam", "--role", "auditor"],
            "meera",
            "actor 'ravi' already exists",
        ),
        (
            ["actor", "grant", "ravi", "--role", "backbone-staff"],
            "meera",
            "ravi is backbone-staff already",
        ),
        (
            ["actor", "grant", "lata", "--role", "auditor"],
            "meera",
            "actor 'lata' not found: register it first with `collective actor add lata ...`",
        ),
        (
            ["actor", "revoke", "meera", "--role", "backbone-admin", "--reason", "leaving"],
            "meera",
            "meera is the last backbone admin of saamuhika-shakti: grant the role to someone "
            "else first",
        ),
        (
            ["actor", "key", "ravi", "--vkey", "ravi+00000000+AAAA"],
            "meera",
            "the verifier key is not an Ed25519 key (algorithm 0x01 and 32 bytes)",
        ),
        (
            ["actor", "key", "ravi", "--vkey", signing_key("ravi", 2).verifier.vkey],
            "meera",
            "ravi has a key registered already: revoke it first with "
            "`collective actor revoke-key ravi`",
        ),
        (
            ["actor", "revoke-key", "meera", "--reason", "lost"],
            "meera",
            "meera has no key registered",
        ),
        (
            [*SUBMIT, "--org", "udhyam"],
            "stranger",
            "actor 'stranger' is not registered in saamuhika-shakti: a backbone admin registers "
            "it with `collective actor add stranger --org ORG --role ROLE`",
        ),
        (
            ["--sign-with", "missing.key", *SUBMIT, "--org", "udhyam"],
            "ravi",
            "cannot read the signing key missing.key: No such file or directory",
        ),
    ],
)
def test_cli_refusals_are_one_line_and_write_nothing(
    actors_cli: Cli, args: list[str], actor: str, message: str
) -> None:
    before = actors_cli.events()
    refused(actors_cli(*args, actor=actor), message)
    assert actors_cli.events() == before


def test_cli_a_partner_reporter_cannot_report_for_another_organisation(actors_cli: Cli) -> None:
    cli = actors_cli
    ok(cli("actor", "add", "priya", "--org", "hasiru-dala", "--role", "partner-reporter"))
    ok(cli(*SUBMIT, "--org", "hasiru-dala", actor="priya"))
    before = cli.events()
    refused(
        cli(*SUBMIT, "--org", "udhyam", actor="priya"),
        "priya reports for hasiru-dala only: it may not record values of udhyam",
    )
    refused(
        cli("org", "join", "sattva", actor="priya"),
        "priya may not record who joins, changes role or leaves in saamuhika-shakti: that needs "
        "backbone-admin or backbone-staff (it is partner-reporter)",
    )
    assert cli.events() == before


@pytest.mark.sqlite_only("forges the signature in the file through sqlite3")
def test_cli_sign_with_signs_and_verify_finds_a_forged_signature(
    actors_cli: Cli, tmp_path: Path
) -> None:
    cli = actors_cli
    key = str(tmp_path / "ravi.key")
    ok(cli("--sign-with", key, *SUBMIT, "--org", "udhyam", actor="ravi"))
    ok(cli(*SUBMIT[:-1], "sex=male", "--org", "udhyam", actor="ravi", COLLECTIVE_SIGN_WITH=key))
    entries = json.loads(ok(cli("log", "--json")).stdout)
    position = entries[-1]["position"]
    assert ok(cli("verify")).stdout.startswith("OK:")
    tamper(cli.store, position, _flip_signature)
    result = cli("verify")
    assert result.exit_code == 1
    assert any(
        line.startswith(f"position {position}: Report.ValueSubmitted of ")
        and line.endswith("signed by ravi: the signature does not verify with "
                          f"{signing_key('ravi').verifier} (forged or altered)")
        for line in result.stdout.splitlines()
    ), result.stdout  # fmt: skip


def test_cli_verify_finds_a_value_recorded_by_a_revoked_key(actors_cli: Cli) -> None:
    cli = actors_cli
    ok(cli(*SUBMIT, "--org", "udhyam", actor="ravi"))
    ok(cli("actor", "revoke-key", "ravi", "--reason", "laptop stolen"))
    revoked_at = cli.events()
    app = open_ledger(str(cli.store))
    try:
        position = sign_as_if_by_the_ledger(app, "ravi", signing_key("ravi"))
    finally:
        app.close()
    result = cli("verify")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"position {position}: Report.ValueCorrected of ")
    assert lines[0].endswith(
        f"signed by ravi with the key {signing_key('ravi').verifier}, revoked at position "
        f"{revoked_at}"
    )
    assert lines[-1] == f"FAILED: 1 problem in {position} events"


# -- PostgreSQL -----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_roles_and_signatures_on_postgresql(pg_url: str) -> None:
    app = open_ledger(pg_url, create=True)
    try:
        given_a_collective(app, "hasiru-dala", "udhyam")
        define(app, "SS-EDU-01", Unit.COUNT, SEX)
        app.register_actor(
            "priya", "hasiru-dala", [PARTNER], signing_key("priya").verifier.vkey, as_("meera")
        )
        before = app.event_count()
        with pytest.raises(RuleViolation, match="priya reports for hasiru-dala only"):
            app.submit_value(value("udhyam"), as_("priya", key=signing_key("priya")))
        assert app.event_count() == before
        app.submit_value(value("hasiru-dala"), as_("priya", key=signing_key("priya")))
        assert last_event(app).meta.signature
        assert list(check_signatures(stored(app))) == []
        app.revoke_key("priya", as_("meera", "lost"))
        [meera, priya] = app.actors(SS)
        assert (meera.roles, priya.vkey) == ({ADMIN}, None)
    finally:
        app.close()
