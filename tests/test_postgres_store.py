"""The same ledger on PostgreSQL: created by init, refused where there is none, idempotent."""

from __future__ import annotations

import pytest

from domain.collective import Settings
from domain.errors import AlreadyExists
from domain.organisation import Profile
from domain.vocabulary import OrgType
from ledger.application import Context, open_ledger
from ledger.store import StoreError

pytestmark = pytest.mark.postgres


def test_a_ledger_lives_in_postgresql(pg_url: str) -> None:
    ctx = Context(actor="meera")
    app = open_ledger(pg_url, create=True)
    app.init_collective(Settings(slug="oporajita", name="অপরাজিতা", timezone="Asia/Dhaka"), ctx)
    app.add_organisation(
        Profile(slug="care-bd", name="CARE Bangladesh", type=OrgType.IMPLEMENTING),
        Context(actor="meera", request_id="r-1"),
    )
    with pytest.raises(AlreadyExists):
        app.add_organisation(Profile(slug="care-bd", name="CARE", type=OrgType.IMPLEMENTING), ctx)
    again = app.add_organisation(
        Profile(slug="care-bd", name="CARE Bangladesh", type=OrgType.IMPLEMENTING),
        Context(actor="meera", request_id="r-1"),
    )
    assert again.already_recorded
    app.close()
    reopened = open_ledger(pg_url)
    assert reopened.collective().settings.name == "অপরাজিতা"
    assert reopened.event_count() == 7  # 3 set the collective up, 3 its first admin, 1 the org
    reopened.close()


def test_a_database_without_ledger_tables_is_refused(pg_url: str) -> None:
    with pytest.raises(StoreError, match=r"^no ledger at postgresql://.*: create one with"):
        open_ledger(pg_url)


def test_an_unreachable_server_is_one_line() -> None:
    with pytest.raises(
        StoreError,
        match=r"^cannot open the store postgresql://127\.0\.0\.1:1/x: connection to server at "
        r'"127\.0\.0\.1", port 1 failed: Connection refused',
    ):
        open_ledger("postgresql://postgres@127.0.0.1:1/x")


def test_ledgers_in_two_schemas_of_one_database_are_apart(pg_url: str) -> None:
    """What the suite relies on (a fresh schema per test): nothing of one ledger shows in the
    other, neither events, nor request ids, nor the audit log, nor the views."""
    import psycopg

    from ledger.checkpoints import AuditCommands
    from projections.registry import Views

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA one")
        conn.execute('CREATE SCHEMA "ಎರಡು"')
    ctx = Context(actor="meera", request_id="same-request")
    ledgers = []
    for schema, orgs in (("one", 3), ("ಎರಡು", 1)):
        app = open_ledger(f"{pg_url}?schema={schema}", create=True, kind=AuditCommands)
        ledgers.append(app)
        app.init_collective(Settings(slug="oporajita", name=schema), Context(actor="meera"))
        for i in range(orgs):
            org = Profile(slug=f"org-{i}", name=f"O {i}", type=OrgType.FUNDER)
            app.add_organisation(org, ctx if i == 0 else Context(actor="meera"))
    try:
        one, two = ledgers
        assert (one.event_count(), two.event_count()) == (9, 7)
        assert one.collective().settings.name == "one"
        assert two.collective().settings.name == "ಎರಡು"
        assert one.tree_head()[0] == 9 and two.tree_head()[0] == 7
        assert one.tree_head()[1] != two.tree_head()[1]
        assert Views(one).refresh() == 9 and Views(two).refresh() == 7
        db = Views(two).db
        assert len(db.query(f"SELECT * FROM {db.table('view_log')}")) == 7
    finally:
        for app in ledgers:
            app.close()
    tables: dict[str, set[str]] = {}
    with psycopg.connect(pg_url) as conn:
        for schema in ("public", "one", "ಎರಡು"):
            found = conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                [schema],
            ).fetchall()
            tables[schema] = {row[0] for row in found}
    assert tables["public"] == set(), "nothing in the database's default schema"
    assert tables["one"] == tables["ಎರಡು"]
    assert {"collectiveledger_events", "ledger_leaves", "view_log"} <= tables["one"]


def test_a_ledger_of_another_schema_version_is_refused(pg_url: str) -> None:
    """As a SQLite file of another schema is (tests/test_store.py)."""
    import psycopg

    open_ledger(pg_url, create=True).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE ledger_meta SET value = '0' WHERE key = 'schema'")
    with pytest.raises(StoreError, match=r"is a ledger of schema 0; this version reads schema 1$"):
        open_ledger(pg_url)
