"""The same ledger on SQLite and on PostgreSQL gives the same answers, byte for byte: every read
command (its JSON, now and as of an earlier moment) and every export file.

The PostgreSQL ledger holds the demo's events, stored in order through its own recorder
(conftest's ``pg_demo_template``), so the two ledgers hold the same events at the same positions
with the same recorded times: any difference comes from the store (its SQL, its ordering, its
types), which is what this module is here to catch.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import Result
from conftest import Cli, ok

pytestmark = pytest.mark.postgres

READS = (
    ("status",),
    ("log",),
    ("progress",),
    ("completeness",),
    ("alignment", "--all"),
    ("decisions",),
    ("communication",),
)
EQUITY = {"saamuhika-shakti": ("SS-EDU-01", "sex"), "oporajita": ("OP-SKL-01", "district")}
EXPORTS = (
    "csv",
    "jsonl",
    "xlsx",
    "parquet",
    "datapackage",
    "dhis2-json",
    "dhis2-csv",
    "iati",
)
LATER = "2099-12-31"  # after every event: the whole ledger, with a fixed date on the exports


def _answer(result: Result, folder: Path) -> tuple[int, str, str]:
    """What a person sees, with the store's own output folder taken out of the messages."""
    where = str(folder)
    out, err = result.stdout.replace(where, "OUT"), result.stderr.replace(where, "OUT")
    return result.exit_code, out, err


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize("collective", ["saamuhika-shakti", "oporajita"])
def test_every_read_and_export_is_the_same_on_both_stores(
    collective: str, demo_cli: Cli, demo_file: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_file, copy)
    stores = {"sqlite": Cli(copy), "postgres": demo_cli}
    assert demo_cli.kind == "postgres"
    log = json.loads(ok(stores["sqlite"]("--collective", collective, "log", "--json")).stdout)
    earlier = log[len(log) // 2]["recorded_at"]  # as the ledger stood half-way through
    code, dimension = EQUITY[collective]
    commands: list[tuple[str, ...]] = []
    register = ok(stores["sqlite"]("--collective", collective, "decisions", "--json")).stdout
    decisions = [d["decision"] for d in json.loads(register)]
    assert decisions  # the demo's collectives decide things
    reads = (*READS, ("equity", code, "--by", dimension), ("progress", code))
    for read in (*reads, ("export", "dhis2-map", "show")):
        commands += [(*read, "--json"), (*read, "--json", "--as-of", earlier)]
    # without --as-of: some were tabled after half-way
    commands += [("decision", "show", ref, "--json") for ref in decisions[:3]]
    answers: dict[str, list[object]] = {}
    for kind, cli in stores.items():
        out = tmp_path / kind
        out.mkdir()
        seen: list[object] = []
        for command in commands:
            seen.append((command, _answer(cli("--collective", collective, *command), out)))
        for export in EXPORTS:
            target = out / export
            done = cli("--collective", collective, "export", export, "--out", str(target),
                       "--as-of", LATER)  # fmt: skip
            seen.append((export, _answer(done, out), _files(out)))
        answers[kind] = seen
    failed = [a[0] for a in answers["sqlite"] if a[1][0] != 0]  # type: ignore[index]
    assert failed == [], failed
    for on_sqlite, on_postgres in zip(answers["sqlite"], answers["postgres"], strict=True):
        assert on_postgres == on_sqlite, on_sqlite[0]
