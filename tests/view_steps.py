"""Steps shared by the read-model tests: rows of a view, rebuild against catch-up, the CLI clock."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from conftest import Cli, ok

from ledger.application import LedgerApplication
from projections import engine
from projections.engine import Projection
from projections.registry import PROJECTIONS, Views


def rows(views: Views, projection: Projection) -> dict[str, list[dict[str, Any]]]:
    """Every row of the projection's tables (temporal columns included), in a stable order."""
    found = {}
    for table in projection.tables:
        got = views.db.query(f"SELECT * FROM {views.db.table(table)}")
        found[table] = sorted(got, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return found


def stepwise_equals_rebuild(app: LedgerApplication, *projections: Projection) -> Views:
    """Catch every view up in pages of 7 events, then rebuild ``projections``: same rows."""
    views = Views(app)
    engine.ensure_tables(views.db, PROJECTIONS.values())
    while engine.catch_up(views.db, list(PROJECTIONS.values()), page=7):
        pass
    stepwise = {p.name: rows(views, p) for p in projections}
    assert views.rebuild([p.name for p in projections]) == app.event_count()
    assert {p.name: rows(views, p) for p in projections} == stepwise
    for p in projections:
        assert all(stepwise[p.name].values()), f"every table of {p.name} has rows in the demo"
    return views


def last_recorded(cli: Cli) -> str:
    """The recorded time of the latest event, as `collective log --json` prints it."""
    entries = json.loads(ok(cli("log", "--all", "--json")).stdout)
    return str(entries[-1]["recorded_at"])


def demo_cli(demo_file: Path, tmp_path: Path) -> Cli:
    """The command line on a private copy of the demo ledger."""
    copy = tmp_path / "demo-cli.db"
    shutil.copyfile(demo_file, copy)
    return Cli(copy)


def timeless(found: Any) -> Any:
    """``found`` without what depends on the clock (today's date and days counted to it)."""
    if isinstance(found, dict):
        return {
            k: timeless(v)
            for k, v in found.items()
            if k not in ("today", "days_past_end", "days_waiting")
        }
    if isinstance(found, list):
        return [timeless(v) for v in found]
    return found
