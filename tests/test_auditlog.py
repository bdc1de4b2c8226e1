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


def test_the_right_edge_of_the_tree_in_one_query_on_postgresql(pg_url: str) -> None:
    """What a save reads under the table lock: the size, the leaves of the last unfinished block
    of 16 and the kept subtrees on the right edge, each as the leaves give it."""
    app = open_ledger(pg_url, create=True)
    try:
        _record_some(app, 37)  # 43 events (6 to set up): 101011 in binary
        expected, stored = _stored(app)
        assert [h for _, _, h in stored] == expected
        size = len(expected)
        assert size == 43
        with app.factory.datastore.transaction(commit=False) as cursor:
            found = app.recorder._right_edge(cursor)  # type: ignore[attr-defined]
        # the last block of 16 starts at leaf 32; of the kept levels (16 leaves and up) only
        # level 5 has an odd count (43 >> 5 = 1): its node 0, over leaves 0-31
        near = {leaf: expected[leaf] for leaf in range(32, 43)}
        assert found == (43, near, {(5, 0): root(expected[:32])})
    finally:
        app.close()


def test_a_subtree_missing_from_the_right_edge_refuses_the_save(app: LedgerApplication) -> None:
    """63 leaves: the 64th completes the tree of 64 and needs the kept subtree over leaves 0-31;
    deleted, the save is refused and nothing is written, neither the event nor its leaf."""
    _record_some(app, 57)  # 63 events (6 to set up)
    assert len(_stored(app)[1]) == 63
    db = ViewDB(app)
    with app.factory.datastore.transaction(commit=True) as cursor:
        cursor.execute(f"DELETE FROM {db.table('ledger_tree')} WHERE level = 5 AND node = 0")
    with pytest.raises(RuntimeError, match="missing subtree 5/0"):
        app.add_organisation(
            Profile(slug="one-more", name="One more", type=OrgType.FUNDER), Context(actor="meera")
        )
    assert len(_stored(app)[1]) == 63
    assert len(app.recorder.select_notifications(None, 1000)) == 63
