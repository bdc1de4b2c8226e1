"""The application: duplicates refused by the store, idempotent retries, nothing half-written."""

from __future__ import annotations

import pytest

from domain.collective import Collective, Settings
from domain.errors import AlreadyExists, Conflict, NotFound, RuleViolation
from domain.organisation import Organisation, Profile
from domain.vocabulary import OrgType, Role
from ledger.application import Context, LedgerApplication, open_ledger

SS = Settings(slug="saamuhika-shakti", name="Saamuhika Shakti", timezone="Asia/Kolkata")
HASIRU = Profile(slug="hasiru-dala", name="Hasiru Dala", type=OrgType.IMPLEMENTING)


def test_a_second_init_of_the_same_slug_is_refused_by_the_store(
    app: LedgerApplication, ctx: Context
) -> None:
    app.init_collective(SS, ctx)
    before = app.event_count()
    with pytest.raises(AlreadyExists, match="collective 'saamuhika-shakti' already exists"):
        app.init_collective(SS.model_copy(update={"name": "Another"}), ctx)
    assert app.event_count() == before
    assert app.collective().settings.name == "Saamuhika Shakti"


def test_a_duplicate_is_refused_by_the_store_itself_not_by_a_check(
    app: LedgerApplication, ctx: Context
) -> None:
    """Two writers that both checked "not there yet" cannot both register the same slug."""
    app.init_collective(SS, ctx)  # its actor is a backbone admin, who may register organisations
    app.add_organisation(HASIRU, ctx)
    before = app.event_count()
    duplicate = Organisation.register(HASIRU, app._envelope(ctx, collective=None))
    with pytest.raises(AlreadyExists, match="organisation 'hasiru-dala' already exists"):
        app._save(
            app._envelope(ctx, collective=None),
            duplicate,
            refusal=lambda: AlreadyExists("organisation", "hasiru-dala"),
        )
    assert app.event_count() == before


def test_a_concurrent_change_to_the_same_aggregate_is_a_conflict(
    app: LedgerApplication, ctx: Context
) -> None:
    app.init_collective(SS, ctx)
    app.add_organisation(HASIRU, ctx)
    first, second = app.collective(), app.collective()
    env = app._envelope(ctx, collective="saamuhika-shakti")
    first.join("hasiru-dala", Role.IMPLEMENTING, env)
    second.join("hasiru-dala", Role.IMPLEMENTING, env)
    app._save(env, first)
    with pytest.raises(Conflict, match="run the command again"):
        app._save(env, second)
    assert len(app.collective().members) == 1


def test_a_retried_command_with_the_same_request_id_records_once(
    app: LedgerApplication,
) -> None:
    app.init_collective(SS, Context(actor="meera"))
    retry = Context(actor="meera", request_id="import-2024Q1-row-7")
    first = app.add_organisation(HASIRU, retry)
    again = app.add_organisation(HASIRU, retry)
    assert not first.already_recorded
    assert again.already_recorded and again.positions == first.positions
    assert app.event_count() == first.positions[-1]


def test_a_retry_after_the_state_moved_on_is_still_recognised(app: LedgerApplication) -> None:
    """The retry is recognised before the rules run, so it does not fail as "already a member"."""
    ctx = Context(actor="meera")
    app.init_collective(SS, ctx)
    app.add_organisation(HASIRU, ctx)
    retry = Context(actor="meera", request_id="join-1")
    app.join("hasiru-dala", Role.IMPLEMENTING, retry)
    assert app.join("hasiru-dala", Role.IMPLEMENTING, retry).already_recorded


def test_join_defaults_the_role_to_the_organisation_type(
    app: LedgerApplication, ctx: Context
) -> None:
    app.init_collective(SS, ctx)
    app.add_organisation(HASIRU, ctx)
    app.join("hasiru-dala", None, ctx)
    assert app.collective().member("hasiru-dala").role is Role.IMPLEMENTING


def test_unknown_names_are_named_in_the_refusal(app: LedgerApplication, ctx: Context) -> None:
    with pytest.raises(RuleViolation, match="holds no collective yet"):
        app.collective()
    app.init_collective(SS, ctx)
    with pytest.raises(NotFound, match="collective 'oporajita' not found"):
        app.collective("oporajita")
    with pytest.raises(NotFound, match="organisation 'nobody' not found"):
        app.join("nobody", None, ctx)


def test_several_collectives_need_to_be_told_apart(app: LedgerApplication, ctx: Context) -> None:
    app.init_collective(SS, ctx)
    app.init_collective(Settings(slug="oporajita", name="অপরাজিতা Oporajita"), ctx)
    with pytest.raises(RuleViolation, match=r"several collectives \(saamuhika-shakti, oporajita\)"):
        app.collective()
    assert app.collective("oporajita").settings.name == "অপরাজিতা Oporajita"
    assert isinstance(app.collective("oporajita"), Collective)


def test_events_survive_closing_and_reopening_the_store(empty_store: str, ctx: Context) -> None:
    path = empty_store
    first = open_ledger(path, create=True)
    first.init_collective(SS, ctx)
    first.add_organisation(HASIRU, ctx)
    first.close()
    again = open_ledger(path)
    assert again.event_count() == 7  # 3 set the collective up, 3 its first admin, 1 the org
    assert again.organisation("hasiru-dala").profile == HASIRU
    again.close()


def test_a_recording_command_without_an_actor_is_refused(app: LedgerApplication) -> None:
    with pytest.raises(RuleViolation, match="say who is recording"):
        app.add_organisation(HASIRU, Context(actor=None))
    with pytest.raises(RuleViolation, match="actor 'two words' is not valid"):
        app.add_organisation(HASIRU, Context(actor="two words"))
    assert app.event_count() == 0
