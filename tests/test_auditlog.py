"""The audit log: one leaf per event, in commit order, in the same transaction as the event."""

from __future__ import annotations

from typing import Any

import pytest

from domain.collective import Settings
from domain.errors import AlreadyExists
from domain.organisation import Profile
from domain.vocabulary import OrgType
from ledger.application import Context, LedgerApplication, open_ledger
from ledger.auditlog import leaf_bytes, stored_fetch, subtree_root
from ledger.merkle import leaf_hash, root
from projections.engine import ViewDB


def _stored(app: LedgerApplication) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """Leaf hashes recomputed from the events, and the stored leaves."""
    events = app.recorder.select_notifications(None, 100_000)
    expected = [
        leaf_hash(leaf_bytes(e.id, e.originator_id, e.originator_version, e.topic, e.state))
        for e in events
    ]
    db = ViewDB(app)  # the store's own SQL dialect and schema
    rows = db.query(f"SELECT leaf, position, hash FROM {db.table('ledger_leaves')} ORDER BY leaf")
    stored = [(r["leaf"], r["position"], bytes(r["hash"])) for r in rows]
    return expected, stored


def _fetcher(app: LedgerApplication, cursor: Any) -> Any:
    db = ViewDB(app)
    tree, leaves = db.table("ledger_tree"), db.table("ledger_leaves")

    def node(level: int, index: int) -> bytes | None:
        cursor.execute(
            db.sql(f"SELECT hash FROM {tree} WHERE level = ? AND node = ?"), (level, index)
        )
        row = cursor.fetchone()
        return None if row is None else bytes(row["hash"])

    def leaf_hashes(start: int, end: int) -> list[bytes]:
        cursor.execute(
            db.sql(f"SELECT hash FROM {leaves} WHERE leaf >= ? AND leaf < ? ORDER BY leaf"),
            (start, end),
        )
        return [bytes(row["hash"]) for row in cursor.fetchall()]

    return stored_fetch(node, leaf_hashes)


def _record_some(app: LedgerApplication, n: int) -> None:
    ctx = Context(actor="meera")
    app.init_collective(Settings(slug="ss", name="SS"), ctx)
    for i in range(n):
        app.add_organisation(
            Profile(slug=f"org-{i}", name=f"ಸಂಸ್ಥೆ {i}", type=OrgType.IMPLEMENTING), ctx
        )


def test_every_event_has_its_leaf_in_commit_order(app: LedgerApplication) -> None:
    _record_some(app, 20)
    expected, stored = _stored(app)
    assert [s[0] for s in stored] == list(range(len(expected)))
    assert [s[1] for s in stored] == list(range(1, len(expected) + 1))
    assert [s[2] for s in stored] == expected


def test_stored_subtrees_give_the_root_of_any_size(app: LedgerApplication) -> None:
    _record_some(app, 37)
    expected, _ = _stored(app)
    with app.factory.datastore.transaction(commit=False) as cursor:
        fetch = _fetcher(app, cursor)
        for size in range(1, len(expected) + 1):
            assert subtree_root(fetch, 0, size) == root(expected[:size])


def test_a_refused_save_leaves_no_leaf_behind(app: LedgerApplication) -> None:
    _record_some(app, 3)
    _, before = _stored(app)
    with pytest.raises(AlreadyExists):
        app.add_organisation(
            Profile(slug="org-1", name="again", type=OrgType.FUNDER), Context(actor="meera")
        )
    _, after = _stored(app)
    assert after == before


@pytest.mark.postgres
def test_leaves_on_postgresql(pg_url: str) -> None:
    app = open_ledger(pg_url, create=True)
    try:
        _record_some(app, 9)
        events = app.recorder.select_notifications(None, 1000)
        expected = [
            leaf_hash(leaf_bytes(e.id, e.originator_id, e.originator_version, e.topic, e.state))
            for e in events
        ]
        with app.factory.datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT leaf, position, hash FROM ledger_leaves ORDER BY leaf")
            rows = cursor.fetchall()
        assert [r["position"] for r in rows] == [e.id for e in events]
        assert [bytes(r["hash"]) for r in rows] == expected
    finally:
        app.close()
