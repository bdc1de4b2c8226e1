"""The small-cell threshold is a setting of each collective, recorded in the ledger."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import Cli, ok, refused

SS = ("--collective", "saamuhika-shakti")


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Cli:
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_file, copy)
    return Cli(copy)


def _values(cli: Cli, folder: Path, *more: str) -> bytes:
    ok(cli(*SS, "export", "csv", "--out", str(folder), *more))
    return (folder / "values.csv").read_bytes()


def test_exports_use_the_collective_threshold_unless_told_otherwise(
    demo: Cli, tmp_path: Path
) -> None:
    before = _values(demo, tmp_path / "before")
    assert before == _values(demo, tmp_path / "ten", "--threshold", "10")
    moment = json.loads(ok(demo(*SS, "log", "--json")).stdout)[-1]["recorded_at"]
    ok(demo(*SS, "export", "threshold", "100", "--reason", "the circle asked"))
    after = _values(demo, tmp_path / "after")
    assert after == _values(demo, tmp_path / "hundred", "--threshold", "100")
    assert after != before
    as_of = _values(demo, tmp_path / "as-of", "--as-of", moment.replace("Z", "+00:00"))
    assert as_of == before
    status = json.loads(ok(demo(*SS, "log", "--type", "ThresholdSet", "--json")).stdout)
    assert status[-1]["summary"] == "small-cell threshold for exports set to 100"


def test_the_same_threshold_again_is_refused(demo: Cli) -> None:
    before = demo.events()
    refused(
        demo(*SS, "export", "threshold", "10"), "the threshold of saamuhika-shakti is 10 already"
    )
    assert demo.events() == before


def test_the_demo_sets_a_stricter_threshold_for_oporajita(demo: Cli, tmp_path: Path) -> None:
    from ledger.application import open_ledger
    from projections.registry import Views
    from projections.roster import threshold

    app = open_ledger(str(demo.store))
    try:
        views = Views(app)
        views.refresh()
        assert threshold(views, "oporajita", None) == 15
        assert threshold(views, "saamuhika-shakti", None) == 10
    finally:
        app.close()
