"""Steps shared by the agenda, agreement and backbone tests: a collective and its decisions."""

from __future__ import annotations

from datetime import date

from conftest import Cli, ok

from domain.base import Envelope
from domain.collective import Settings
from domain.governance import Charter, Proposal
from domain.organisation import Profile
from domain.vocabulary import DecisionRule, OrgType, Role, Stance
from ledger.application import Context, LedgerApplication

SS = "saamuhika-shakti"


def meta(on: date = date(2020, 2, 1), reason: str | None = None) -> Envelope:
    return Envelope(actor="meera", effective=on, collective=SS, reason=reason)


def given_members(app: LedgerApplication, ctx: Context, *orgs: str) -> None:
    """Saamuhika Shakti, with ``orgs`` as members and a steering committee where they sit."""
    app.init_collective(Settings(slug=SS, name="ಸಾಮೂಹಿಕ ಶಕ್ತಿ Saamuhika Shakti"), ctx)
    app.add_body(Charter(slug="steering", name="Steering", rule=DecisionRule.CONSENT), ctx)
    for org in orgs:
        app.add_organisation(Profile(slug=org, name=org.title(), type=OrgType.IMPLEMENTING), ctx)
        app.join(org, Role.IMPLEMENTING, ctx)
        app.seat("steering", org, org == "hasiru-dala", ctx)


def decided(app: LedgerApplication, ctx: Context, title: str, outcome: str = "passed") -> str:
    """A decision of the steering committee that ``outcome`` (passed, rejected or open)."""
    _, ref = app.propose("steering", Proposal(title=title, rationale="agreed in the room"), ctx)
    member = next(iter(app.body(SS, "steering").seats))
    if outcome == "open":
        return ref
    stance = Stance.CONSENT if outcome == "passed" else Stance.OBJECT
    app.take_position(ref, member, stance, Context(actor="meera", reason="not yet"))
    app.close_decision(ref, ctx)
    return ref


def cli_decided(cli: Cli, title: str, outcome: str = "passed") -> str:
    """The same through the command line, for a ledger made by the ``ss_cli`` fixture."""
    if "steering" not in ok(cli("log", "--type", "Body.Established", "--json")).stdout:
        ok(cli("body", "add", "steering", "--name", "Steering", "--rule", "consent"))
        ok(cli("body", "seat", "steering", "hasiru-dala", "--community"))
    args = ["decision", "propose", "--body", "steering", "--title", title, "--rationale", "why"]
    ref = ok(cli(*args)).stdout.strip()
    if outcome == "open":
        return ref
    if outcome == "passed":
        ok(cli("decision", "consent", ref, "--member", "hasiru-dala"))
    else:
        ok(cli("decision", "object", ref, "--member", "hasiru-dala", "--reason", "not yet"))
    ok(cli("decision", "close", ref))
    return ref
