"""The projection mechanism: catch-up, rebuild, crash safety, schema changes, time travel."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Cli, ok, refused

from ledger.application import Context, LedgerApplication, open_ledger
from ledger.store import StoreError
from projections import bulk, engine
from projections.engine import EventRecord, Writer
from projections.registry import PROJECTIONS, Views


def _rows(views: Views) -> dict[str, list[dict[str, Any]]]:
    """Every row of every view, in a stable order."""
    found = {}
    for projection in PROJECTIONS.values():
        for table in projection.tables:
            rows = views.db.query(f"SELECT * FROM {views.db.table(table)}")
            found[table] = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return found


@pytest.fixture
def demo(demo_app: LedgerApplication) -> LedgerApplication:
    return demo_app


def test_catching_up_step_by_step_equals_a_rebuild(demo: LedgerApplication) -> None:
    views = Views(demo)
    engine.ensure_tables(views.db, PROJECTIONS.values())
    while engine.catch_up(views.db, list(PROJECTIONS.values()), page=7):
        pass  # pages of 7 events
    stepwise = _rows(views)
    assert views.rebuild([]) == demo.event_count()
    assert _rows(views) == stepwise
    assert stepwise["view_members"], "the demo has members"


_BULK_PAIRS = {
    ("log", "Report.Opened"),
    ("log", "Report.ValueSubmitted"),
    ("measurement", "Report.ValueSubmitted"),
}


@pytest.mark.sqlite_only("the bulk path of a rebuild is SQLite's")
def test_a_rebuild_staged_in_small_slices_equals_catching_up_step_by_step(
    demo: LedgerApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rebuild takes the bulk events' fields out in slices of the log: slices of 7
    positions cut through reports and pages, and give the rows a catch-up gives."""
    views = Views(demo)
    assert views.refresh() == demo.event_count()
    stepwise = _rows(views)
    monkeypatch.setattr(bulk, "BULK_SLICE", 7)
    done: list[tuple[set[tuple[str, str]], int, int]] = []
    here = bulk.project_here

    def project_here(db: Any, cursor: Any, staging: bulk.Staging, start: int, stop: int) -> None:
        done.append((staging.done, start, stop))
        here(db, cursor, staging, start, stop)

    monkeypatch.setattr(bulk, "project_here", project_here)
    assert views.rebuild([]) == demo.event_count()
    assert done == [(_BULK_PAIRS, 0, demo.event_count())]
    assert _rows(views) == stepwise


@pytest.mark.sqlite_only("the bulk path of a rebuild is SQLite's")
def test_a_rebuild_staged_beside_by_a_second_process_equals_catching_up_step_by_step(
    demo: LedgerApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large ledger is staged by a second process, chunk by chunk into files, while the
    rebuild's connection stages the start of the log itself and projects every chunk."""
    views = Views(demo)
    assert views.refresh() == demo.event_count()
    stepwise = _rows(views)
    monkeypatch.setattr(bulk, "PARALLEL_FROM", 0)
    monkeypatch.setattr(bulk, "CHUNKS", 3)
    monkeypatch.setattr(bulk, "BULK_SLICE", 50)
    staged: list[tuple[int, int, str, int]] = []
    stager = bulk._Stager.__init__

    def remember(self: Any, path: str, staging: Any, work: list[Any]) -> None:
        staged.extend(work)
        stager(self, path, staging, work)

    monkeypatch.setattr(bulk._Stager, "__init__", remember)
    assert views.rebuild([]) == demo.event_count()
    here = int(demo.event_count() * bulk.HERE)
    assert [(start, stop) for start, stop, _, _ in staged] == bulk.chunks(
        here, demo.event_count(), 3
    )
    assert [n for *_, n in staged] == [0, 1, 2]
    assert _rows(views) == stepwise


@pytest.mark.sqlite_only("the bulk path of a rebuild is SQLite's")
def test_a_rebuild_whose_staging_process_fails_says_why_and_leaves_the_views_as_they_were(
    demo: LedgerApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    views = Views(demo)
    views.refresh()
    before = _rows(views)
    monkeypatch.setattr(bulk, "PARALLEL_FROM", 0)
    stage = bulk.Staging.stage

    def broken(self: bulk.Staging, table: str, events: str = "stored_events") -> str:
        statement = stage(self, table, events)
        return statement.replace("main.stored_events", "main.no_such_table")

    monkeypatch.setattr(bulk.Staging, "stage", broken)
    with pytest.raises(StoreError, match=r"^staging the log failed: no such table.*the views are"):
        views.rebuild([])
    assert _rows(views) == before
    monkeypatch.setattr(bulk.Staging, "stage", stage)
    assert views.rebuild([]) == demo.event_count()  # on the same connection, nothing attached
    assert _rows(views) == before


@pytest.mark.parametrize(
    ("start", "stop", "count"), [(0, 10, 3), (3, 4, 8), (5, 5, 2), (0, 999, 8)]
)
def test_chunks_cover_the_log_in_order_without_overlap(start: int, stop: int, count: int) -> None:
    spans = bulk.chunks(start, stop, count)
    assert len(spans) <= count
    covered = [p for a, b in spans for p in range(a + 1, b + 1)]
    assert covered == list(range(start + 1, stop + 1))


@pytest.mark.sqlite_only("a second connection to the ledger's file, as another process has")
def test_a_read_command_beside_a_rebuild_finds_the_views_whole(
    demo: LedgerApplication, demo_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process's read command catches up while a rebuild runs: it must find the views
    either as they were or rebuilt, never with the bulk rows in and the positions at 0 (its
    catch-up would project those events a second time)."""
    views = Views(demo)
    views.refresh()
    before = _rows(views)
    other = open_ledger(demo_store)
    real = engine.catch_up
    caught: list[int] = []

    def with_a_reader_beside(*args: Any, **kwargs: Any) -> int:
        caught.append(Views(other).refresh())
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "catch_up", with_a_reader_beside)
    try:
        assert views.rebuild([]) == demo.event_count()
    finally:
        other.close()
    assert caught, "the other reader ran during the rebuild"
    assert _rows(views) == before


@pytest.mark.sqlite_only("the bulk path of a rebuild is SQLite's")
def test_a_rebuild_that_fails_in_its_bulk_path_leaves_the_views_as_they_were(
    demo: LedgerApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    views = Views(demo)
    views.refresh()
    before = _rows(views)
    log = PROJECTIONS["log"]
    good = log.bulk["Report.ValueSubmitted"]
    broken = bulk.Bulk(good.table, good.fields, good.select.replace("e.rowid", "e.nowhere", 1))
    monkeypatch.setitem(log.bulk, "Report.ValueSubmitted", broken)
    with pytest.raises(Exception, match="nowhere"):
        views.rebuild([])
    assert _rows(views) == before
    monkeypatch.setitem(log.bulk, "Report.ValueSubmitted", good)
    assert views.rebuild([]) == demo.event_count()  # on the same connection
    assert _rows(views) == before


def test_catching_up_twice_changes_nothing(demo: LedgerApplication) -> None:
    views = Views(demo)
    assert views.refresh() == demo.event_count()
    before = _rows(views)
    assert views.refresh() == 0
    assert _rows(views) == before


@pytest.mark.sqlite_only("reads SQLite's catalogue of indexes")
def test_the_log_and_the_values_keep_no_index_on_valid_to(demo: LedgerApplication) -> None:
    """The log index is append-only: no row of it is ever closed, and no index on valid_to is
    kept for it (after a catch-up or a rebuild); nor for the values, read through their key;
    a table whose rows close keeps one."""
    views = Views(demo)

    def indexes(table: str) -> set[str]:
        rows = views.db.query(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", [table]
        )
        return {str(r["name"]) for r in rows if not str(r["name"]).startswith("sqlite_")}

    def check() -> None:
        assert indexes("view_log") == {"view_log_recorded", "view_log_subject"}
        assert indexes("view_measure_values") == {"view_measure_values_key"}
        assert "view_members_current" in indexes("view_members")
        closed = views.db.query("SELECT COUNT(*) AS n FROM view_log WHERE valid_to IS NOT NULL")
        assert closed[0]["n"] == 0

    views.refresh()
    check()
    views.rebuild([])
    check()


def test_only_new_events_are_read(demo: LedgerApplication, ctx: Context) -> None:
    views = Views(demo)
    views.refresh()
    demo.leave("udhyam", Context(actor="meera", collective="saamuhika-shakti", reason="done"))
    assert views.refresh() == 1
    assert {r["lag"] for r in views.status()} == {0}


def test_a_crash_in_the_middle_of_a_catch_up_leaves_the_old_position(
    demo: LedgerApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    views = Views(demo)
    engine.ensure_tables(views.db, PROJECTIONS.values())
    roster = PROJECTIONS["roster"]
    original = roster.handlers["Collective.MemberJoined"]
    calls = {"n": 0}

    def crash_on_the_fifth(writer: Writer, record: EventRecord) -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("power cut")
        original(writer, record)

    monkeypatch.setitem(roster.handlers, "Collective.MemberJoined", crash_on_the_fifth)
    with pytest.raises(RuntimeError, match="power cut"):
        engine.catch_up(views.db, list(PROJECTIONS.values()), page=1000)
    assert set(engine.positions(views.db).values()) == {0}
    assert views.db.query("SELECT COUNT(*) AS n FROM view_members")[0]["n"] == 0
    monkeypatch.setitem(roster.handlers, "Collective.MemberJoined", original)
    views.refresh()
    assert set(engine.positions(views.db).values()) == {demo.event_count()}
    fresh = _rows(views)
    views.rebuild([])
    assert _rows(views) == fresh


def test_a_view_stored_at_an_older_schema_is_rebuilt_with_a_message(
    demo: LedgerApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    notices: list[str] = []
    views = Views(demo, notice=notices.append)
    views.refresh()
    with views.db.transaction(commit=True) as cursor:  # as an older version left it
        cursor.execute("UPDATE projection_state SET schema_version = 0 WHERE name = 'roster'")
        cursor.execute("DELETE FROM view_members")
    views.refresh()
    assert notices == ["rebuilding views stored at an older schema: roster"]
    assert views.db.query("SELECT COUNT(*) AS n FROM view_members")[0]["n"] > 0


def test_rows_answer_as_of_an_earlier_position(demo: LedgerApplication) -> None:
    views = Views(demo)
    views.refresh()
    members = views.db.table("view_members")
    left = views.db.query(
        f"SELECT valid_from FROM {members} WHERE org = 'care-india' AND left_on IS NOT NULL"
    )[0]["valid_from"]

    def care_left(at: int) -> list[Any]:
        return [
            r["left_on"]
            for r in views.db.query(
                f"SELECT left_on FROM {members} WHERE org = 'care-india' AND {views.db.visible(at)}"
            )
        ]

    assert care_left(left - 1) == [None]
    assert care_left(left) == ["2023-12-31"]


def test_projection_commands(ss_cli: Cli) -> None:
    ok(ss_cli("log"))
    status = json.loads(ok(ss_cli("projections", "status", "--json")).stdout)
    assert {s["name"] for s in status} == set(PROJECTIONS)
    assert {s["lag"] for s in status} == {0}
    ok(ss_cli("org", "add", "sattva", "--name", "Sattva", "--type", "backbone"))
    status = json.loads(ok(ss_cli("projections", "status", "--json")).stdout)
    assert {s["lag"] for s in status} == {1}
    rebuilt = ok(ss_cli("projections", "rebuild", "log"))
    assert "Rebuilt log from" in rebuilt.stderr
    refused(
        ss_cli("projections", "rebuild", "nope"),
        "projection 'nope' not found: known: " + ", ".join(PROJECTIONS),
    )


def test_an_as_of_before_the_first_event_is_refused(ss_cli: Cli) -> None:
    result = ss_cli("log", "--as-of", "2001-01-01")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: --as-of 2001-01-01T23:59:59.999999+05:30 is before the first event of this ledger"
    )


def test_the_quick_subject_of_every_demo_event_is_the_validated_one(
    demo: LedgerApplication,
) -> None:
    from projections.engine import ViewDB, _decode
    from projections.log import _subject, describe

    rows = ViewDB(demo).events_after(0, 100_000)
    assert len(rows) > 2000
    for row in rows:
        record = _decode(row)
        assert _subject(record) == describe(record)[0], record.name


@pytest.mark.postgres
def test_the_views_live_in_postgresql_too(pg_url: str) -> None:
    """The same catch-up, rebuild and reports on a PostgreSQL store."""
    from ledger.application import open_ledger
    from projections.status import status

    app = open_ledger(pg_url, create=True)
    try:
        build_demo_part(app)
        views = Views(app)
        assert views.refresh() == app.event_count()
        stepwise = _rows(views)
        views.rebuild([])
        assert _rows(views) == stepwise
        glance = status(views, "saamuhika-shakti", None)
        assert [m["org"] for m in glance["members"] if m["left"] is None] == ["hasiru-dala"]
        with views.db.transaction(commit=False) as cursor:
            cursor.execute("SELECT COUNT(*) AS n FROM view_log")
            assert cursor.fetchone()["n"] == app.event_count()
    finally:
        app.close()


def build_demo_part(app: LedgerApplication) -> None:
    from domain.collective import Settings
    from domain.organisation import Profile
    from domain.vocabulary import OrgType

    ctx = Context(actor="meera", collective="saamuhika-shakti")
    app.init_collective(Settings(slug="saamuhika-shakti", name="ಸಾಮೂಹಿಕ ಶಕ್ತಿ"), ctx)
    for slug in ("hasiru-dala", "care-india"):
        app.add_organisation(Profile(slug=slug, name=slug, type=OrgType.IMPLEMENTING), ctx)
        app.join(slug, None, ctx)
    app.leave(
        "care-india", Context(actor="meera", collective="saamuhika-shakti", reason="phase 1 ended")
    )
