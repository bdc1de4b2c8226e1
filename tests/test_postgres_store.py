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
    with pytest.raises(StoreError, match="holds no collective ledger"):
        open_ledger(pg_url)


def test_an_unreachable_server_is_one_line() -> None:
    with pytest.raises(StoreError, match=r"^cannot open the store postgresql://127\.0\.0\.1:1/x"):
        open_ledger("postgresql://postgres@127.0.0.1:1/x")
