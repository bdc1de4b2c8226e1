"""`collective export csv|jsonl|xlsx|parquet|datapackage`: the demo ledger's tables, for
spreadsheets, BI tools and data portals, deterministic, private, and never half written."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, ok, refused
from export_attack import Published, recovered

from projections.exports.tables import TABLES

SS = "saamuhika-shakti"
OP = "oporajita"
AS_OF = "2099-12-31"  # after every event of the demo: the whole ledger, with a fixed stamp
NAMES = [t.name for t in TABLES]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
ACTORS = ("meera", "ravi", "nasrin", "farhana")


@pytest.fixture(scope="module")
def store(demo_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo ledger for this module (exports only read it)."""
    copy = tmp_path_factory.mktemp("export") / "demo.db"
    shutil.copyfile(demo_file, copy)
    return copy


@pytest.fixture(scope="module")
def out(store: Path) -> Path:
    """Every tabular format, exported once for each collective of the demo."""
    cli = Cli(store)
    folder = store.parent / "out"
    for collective in (SS, OP):
        for kind in ("csv", "jsonl", "parquet", "datapackage"):
            target = folder / collective / kind
            ok(
                cli(
                    "--collective",
                    collective,
                    "export",
                    kind,
                    "--out",
                    str(target),
                    "--as-of",
                    AS_OF,
                )
            )
        book = folder / collective / "tables.xlsx"
        ok(cli("--collective", collective, "export", "xlsx", "--out", str(book), "--as-of", AS_OF))
    return folder


def _csv(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# What the files hold ---------------------------------------------------------------------------


def test_csv_is_one_file_per_table_utf8_with_a_bom_a_header_and_iso_dates(out: Path) -> None:
    folder = out / SS / "csv"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.csv" for n in NAMES)
    for table in TABLES:
        raw = (folder / f"{table.name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), table.name
        header = raw[3:].split(b"\r\n", 1)[0].decode()
        assert header == ",".join(c.name for c in table.columns)
    values = _csv(folder / "values.csv")
    assert values and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v["period_start"]) for v in values)
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", v["value"]) for v in values if v["value"])
    decisions = (folder / "decisions.csv").read_text(encoding="utf-8-sig")
    assert "ಮಾರ್ಗದರ್ಶಿ ಸಮಿತಿ" in decisions  # Kannada survives
    bengali = "".join(p.read_text(encoding="utf-8-sig") for p in (out / OP / "csv").iterdir())
    assert re.search("[\u0980-\u09ff]", bengali)  # and Bengali


def test_values_are_the_effective_cells_with_the_events_behind_them(out: Path, store: Path) -> None:
    import sqlite3

    rows = _csv(out / SS / "csv" / "values.csv")
    with sqlite3.connect(store) as db:
        effective = db.execute(
            "SELECT COUNT(*) FROM view_measure_values WHERE collective = ? AND valid_to IS NULL "
            "AND status <> 'retracted'",
            [SS],
        ).fetchone()[0]
        corrected = db.execute(
            "SELECT code, org, period, value, submitted_at, changed_at FROM view_measure_values "
            "WHERE collective = ? AND valid_to IS NULL AND status = 'corrected' LIMIT 1",
            [SS],
        ).fetchone()
    assert len(rows) == effective
    assert not any(r["status"] == "retracted" for r in rows)
    code, org, period, value, first, last = corrected
    found = [
        r
        for r in rows
        if (r["indicator"], r["organisation"], r["period"]) == (code, org, period)
        and r["status"] == "corrected"
    ]
    assert found[0]["value"] == value
    assert (int(found[0]["submitted_position"]), int(found[0]["changed_position"])) == (first, last)
    assert int(first) < int(last)
    assert found[0]["trace"] == f"value:{code}/{org}/{period}"
    keys = [(r["indicator"], r["organisation"], r["period"], r["cell"]) for r in rows]
    assert len(set(keys)) == len(keys)


def test_progress_is_what_collective_progress_says(out: Path, store: Path) -> None:
    from ledger.application import open_ledger
    from projections.progress import progress
    from projections.registry import Views

    for collective in (SS, OP):
        rows = _csv(out / collective / "csv" / "progress.csv")
        app = open_ledger(str(store))
        try:
            expected = progress(Views(app), collective, None)
        finally:
            app.close()
        keys = [(r["indicator"], r["period"]) for r in rows]
        assert keys == sorted(keys, key=lambda k: (k[0], _start(rows, k)))
        by_key = {(e["indicator"], e["period"]): e for e in expected}
        assert set(keys) == set(by_key) and len(keys) == len(by_key)
        for row in rows:
            want = by_key[row["indicator"], row["period"]]
            if row["suppressed"] == "True":
                assert row["value"] == "" and row["percent_of_target"] == ""
                continue
            shown = row["value"] or row["text"]
            assert _same(shown, want["value"]), (row, want)
            assert _same(row["target"] or row["target_text"] or None, want["target"])
            assert _same(row["percent_of_target"] or None, want["percent_of_target"])
            assert int(row["organisations"]) == want["organisations"]


def _start(rows: list[dict[str, str]], key: tuple[str, str]) -> str:
    return next(r["period_start"] for r in rows if (r["indicator"], r["period"]) == key)


def _same(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a == b
    try:
        return Decimal(a) == Decimal(b)
    except ArithmeticError:
        return a == b


def test_nobody_is_named_and_no_internal_id_leaves_the_ledger(out: Path) -> None:
    for path in (out / SS / "csv").iterdir():
        text = path.read_text(encoding="utf-8-sig")
        assert not UUID.search(text), path.name
        words = set(re.findall(r"[a-z]+", text.lower()))
        assert not words & set(ACTORS), path.name
    members = {r["member"] for r in _csv(out / SS / "csv" / "positions.csv")}
    organisations = {r["organisation"] for r in _csv(out / SS / "csv" / "organisations.csv")}
    assert {m for m in members if m not in organisations} == {"wp-rep-1", "wp-rep-2"}


def test_jsonl_is_an_object_per_line_in_column_order_with_exact_numbers(out: Path) -> None:
    for table in TABLES:
        lines = (out / SS / "jsonl" / f"{table.name}.jsonl").read_text(encoding="utf-8")
        rows = [json.loads(line, parse_float=Decimal) for line in lines.splitlines()]
        assert all(list(row) == [c.name for c in table.columns] for row in rows)
    funding = (out / SS / "jsonl" / "funding.jsonl").read_text(encoding="utf-8")
    assert '"amount":12500000.50,' in funding  # the digits as recorded, not a float's
    text = (out / OP / "jsonl" / "values.jsonl").read_text(encoding="utf-8")
    values = [json.loads(line) for line in text.splitlines()]
    assert any(v["suppressed"] is True and v["value"] is None for v in values)


def _sheet(book: Path, number: int) -> Any:
    from lxml import etree

    with zipfile.ZipFile(book) as z:
        return etree.fromstring(z.read(f"xl/worksheets/sheet{number}.xml"))


def test_xlsx_has_a_sheet_per_table_a_frozen_header_and_typed_cells(out: Path) -> None:
    from lxml import etree

    book = out / SS / "tables.xlsx"
    with zipfile.ZipFile(book) as z:
        workbook = etree.fromstring(z.read("xl/workbook.xml"))
    main = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    sheets = [s.get("name") for s in workbook.findall(".//m:sheet", main)]
    assert sheets == NAMES
    values = _sheet(book, NAMES.index("values") + 1)
    assert values.find(".//m:pane", main).get("state") == "frozen"
    second = values.findall(".//m:row", main)[1]
    cells = {_column(c.get("r")): c for c in second.findall("m:c", main)}
    columns = [c.name for c in TABLES[NAMES.index("values")].columns]

    def kind(name: str) -> str | None:
        found: str | None = cells[columns.index(name)].get("t")
        return found

    assert kind("value") is None  # a number
    assert kind("suppressed") == "b"
    assert kind("submitted_position") is None
    assert kind("indicator") in ("s", "inlineStr", "str")
    start = cells[columns.index("period_start")]
    assert start.get("s") is not None and float(start.find("m:v", main).text) > 40000  # a date


def _column(reference: str) -> int:
    """``K2`` -> 10."""
    number = 0
    for letter in reference.rstrip("0123456789"):
        number = number * 26 + ord(letter) - ord("A") + 1
    return number - 1


def test_parquet_columns_are_typed_and_numbers_exact(out: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(out / SS / "parquet" / "values.parquet")
    assert table.schema.field("value").type == pa.decimal128(38, 6)
    assert table.schema.field("period_start").type == pa.date32()
    assert table.schema.field("suppressed").type == pa.bool_()
    assert table.schema.field("submitted_position").type == pa.int64()
    rows = _csv(out / SS / "csv" / "values.csv")
    assert table.num_rows == len(rows)
    parquet = table.column("value").to_pylist()
    assert [None if v is None else v.normalize() for v in parquet] == [
        Decimal(r["value"]).normalize() if r["value"] else None for r in rows
    ]
    funding = pq.read_table(out / SS / "parquet" / "funding.parquet").to_pylist()
    assert Decimal("12500000.50") in [f["amount"] for f in funding]


def test_the_datapackage_validates_with_frictionless(out: Path) -> None:
    import frictionless

    package = out / SS / "datapackage"
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert descriptor["created"] == "2099-12-31T23:59:59.999999+05:30"  # day end in Asia/Kolkata
    assert {"name", "title", "version", "licenses", "sources"} <= set(descriptor)
    values = next(r for r in descriptor["resources"] if r["name"] == "values")
    assert {"resource": "indicators", "fields": ["indicator"]} in [
        k["reference"] for k in values["schema"]["foreignKeys"]
    ]
    assert not (package / "values.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for collective in (SS, OP):
        report = frictionless.validate(out / collective / "datapackage" / "datapackage.json")
        assert report.valid, report.flatten(["type", "message"])[:5]


def test_frictionless_would_catch_a_broken_package(out: Path, tmp_path: Path) -> None:
    import frictionless

    broken = tmp_path / "broken"
    shutil.copytree(out / SS / "datapackage", broken)
    values = (broken / "values.csv").read_text(encoding="utf-8").splitlines()
    values[1] = values[1].replace(values[1].split(",")[1], "nobody", 1)
    (broken / "values.csv").write_text("\n".join(values) + "\n", encoding="utf-8")
    report = frictionless.validate(broken / "datapackage.json")
    assert not report.valid
    assert "foreign-key" in {e[0] for e in report.flatten(["type"])}


# Deterministic, and as of an earlier moment -----------------------------------------------------


def test_the_same_ledger_and_options_give_the_same_bytes(out: Path, store: Path) -> None:
    cli = Cli(store)
    again = store.parent / "again"
    for kind in ("csv", "jsonl", "parquet", "datapackage"):
        ok(cli("--collective", OP, "export", kind, "--out", str(again / kind), "--as-of", AS_OF))
        assert _files(again / kind) == _files(out / OP / kind), kind
    book = again / "tables.xlsx"
    ok(cli("--collective", OP, "export", "xlsx", "--out", str(book), "--as-of", AS_OF))
    assert book.read_bytes() == (out / OP / "tables.xlsx").read_bytes()


def test_as_of_an_earlier_moment_exports_what_the_ledger_said_then(
    store: Path, tmp_path: Path
) -> None:
    from ledger.application import open_ledger
    from projections.registry import Views

    app = open_ledger(str(store))
    try:
        views = Views(app)
        views.refresh()
        [row] = views.db.query(
            "SELECT MIN(recorded_at) AS t FROM view_log WHERE event = 'Indicator.Revised'"
        )
        before = views.db.query(
            "SELECT MAX(recorded_at) AS t FROM view_log WHERE recorded_at < ?", [row["t"]]
        )[0]["t"]
    finally:
        app.close()
    ok(
        Cli(store)(
            "--collective", SS, "export", "csv", "--out", str(tmp_path / "x"), "--as-of", before
        )
    )
    versions = _csv(tmp_path / "x" / "indicator_versions.csv")
    assert [v["version"] for v in versions if v["indicator"] == "SS-EDU-01"] == ["1"]
    assert not any(r["cell"].startswith("age=6-10") for r in _csv(tmp_path / "x" / "values.csv"))


# Privacy ---------------------------------------------------------------------------------------


def test_small_counts_are_withheld_and_marked_never_dropped(out: Path, store: Path) -> None:
    import sqlite3

    rows = _csv(out / OP / "csv" / "values.csv")
    with sqlite3.connect(store) as db:
        small = db.execute(
            "SELECT v.code, v.org, v.period, v.cell FROM view_measure_values v JOIN "
            "view_measure_indicators i ON i.collective = v.collective AND i.code = v.code AND "
            "i.valid_to IS NULL WHERE v.collective = ? AND v.valid_to IS NULL AND v.status <> "
            "'retracted' AND i.unit = 'count' AND v.cell <> '[]' AND CAST(v.value AS INTEGER) < 10",
            [OP],
        ).fetchall()
    assert small
    withheld = {
        (r["indicator"], r["organisation"], r["period"]) for r in rows if r["suppressed"] == "True"
    }
    for code, org, period, _ in small:
        assert (code, org, period) in withheld
    assert all(r["value"] == "" for r in rows if r["suppressed"] == "True")
    assert len([r for r in rows if r["suppressed"] == "True"]) > len(small)  # complements too


def _groups(
    folder: Path,
) -> Iterator[tuple[tuple[str, str], list[dict[str, str]], dict[str, str]]]:
    """Each count indicator and period of an export: its values and its progress row."""
    counts = {r["indicator"] for r in _csv(folder / "indicators.csv") if r["unit"] == "count"}
    progress = {(r["indicator"], r["period"]): r for r in _csv(folder / "progress.csv")}
    by_group: dict[tuple[str, str], list[dict[str, str]]] = {}
    for r in _csv(folder / "values.csv"):
        if r["indicator"] in counts:
            by_group.setdefault((r["indicator"], r["period"]), []).append(r)
    for key, rows in by_group.items():
        yield key, rows, progress[key]


def test_no_withheld_value_can_be_recovered_from_the_exported_figures(
    out: Path, store: Path
) -> None:
    import sqlite3

    with sqlite3.connect(store) as db:
        truth_rows = db.execute(
            "SELECT code, org, period, cell, value FROM view_measure_values WHERE "
            "collective = ? AND valid_to IS NULL AND status <> 'retracted'",
            [OP],
        ).fetchall()
    truth = {(c, o, p, _cell(cell)): int(Decimal(v)) for c, o, p, cell, v in truth_rows if v}
    checked = 0
    for (code, period), rows, total in _groups(out / OP / "csv"):
        if not any(r["suppressed"] == "True" for r in rows) and total["suppressed"] == "False":
            continue
        widest = {}
        for r in rows:
            widest[r["organisation"]] = max(widest.get(r["organisation"], 0), _size(r["cell"]))
        leaves = {
            (r["organisation"], r["cell"]): truth[code, r["organisation"], period, r["cell"]]
            for r in rows
            if _size(r["cell"]) == widest[r["organisation"]]
        }

        published = [
            Published(_under(leaves, r["organisation"], r["cell"]), int(Decimal(r["value"])))
            for r in rows
            if r["suppressed"] == "False"
        ]
        withheld = [
            _under(leaves, r["organisation"], r["cell"]) for r in rows if r["suppressed"] == "True"
        ]
        if total["suppressed"] == "False":
            published.append(Published(_under(leaves, None, "total"), int(Decimal(total["value"]))))
        else:
            withheld.append(_under(leaves, None, "total"))
        assert recovered(leaves, published, withheld) == [], (code, period)
        checked += 1
    assert checked > 5


def _under(
    leaves: dict[tuple[str, str], int], org: str | None, cell: str
) -> frozenset[tuple[str, str]]:
    """The finest cells a figure adds up: an organisation's (or everyone's) under ``cell``."""
    pairs = set() if cell == "total" else set(cell.split(","))
    return frozenset(
        leaf
        for leaf in leaves
        if (org is None or leaf[0] == org)
        and pairs <= set(() if leaf[1] == "total" else leaf[1].split(","))
    )


def _cell(stored: str) -> str:
    pairs = json.loads(stored)
    return ",".join(f"{d}={c}" for d, c in pairs) or "total"


def _size(cell: str) -> int:
    return 0 if cell == "total" else cell.count(",") + 1


def test_the_threshold_can_be_chosen(out: Path, store: Path, tmp_path: Path) -> None:
    cli = Cli(store)
    for threshold in ("0", "20"):
        target = str(tmp_path / threshold)
        ok(cli("--collective", OP, "export", "csv", "--out", target, "--threshold", threshold))

    def withheld(folder: Path) -> int:
        return sum(r["suppressed"] == "True" for r in _csv(folder / "values.csv"))

    assert withheld(tmp_path / "0") == 0
    assert withheld(tmp_path / "20") > withheld(out / OP / "csv") > 0


# Bad input: one line, nothing left behind ------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_an_output_path_under_a_file_is_refused(store: Path, tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("mine", encoding="utf-8")
    target = tmp_path / "file.txt" / "exports"
    for kind in ("csv", "datapackage", "xlsx"):
        refused(
            Cli(store)("--collective", SS, "export", kind, "--out", str(target)),
            f"cannot write {target}: {tmp_path / 'file.txt'} is a file, not a folder",
        )
    assert _leftovers(tmp_path) == ["file.txt"]


def test_a_folder_with_other_files_is_never_replaced(store: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    refused(
        Cli(store)("--collective", SS, "export", "csv", "--out", str(mine)),
        f"--out {mine} holds other files (notes.txt): give a new or empty folder (an earlier "
        "export of the same kind is replaced)",
    )
    assert _leftovers(mine) == ["notes.txt"]
    refused(
        Cli(store)("--collective", SS, "export", "xlsx", "--out", str(mine)),
        f"--out {mine} is a folder: give a file name for this export",
    )


def test_a_collective_without_indicators_is_refused(ss_cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "exports"
    for kind in ("csv", "jsonl", "xlsx", "parquet", "datapackage"):
        refused(
            ss_cli("export", kind, "--out", str(target / kind)),
            "saamuhika-shakti has no indicators to export: define one first with "
            "`collective indicator define`",
        )
    assert not target.exists()


@pytest.mark.parametrize("kind", ["csv", "jsonl", "xlsx", "parquet", "datapackage"])
def test_a_failure_half_way_leaves_no_partial_file(
    kind: str, store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import projections.exports.measures as measures

    real = measures.Measures.progress

    def failing(self: Any) -> Iterator[tuple[Any, ...]]:
        for n, row in enumerate(real(self)):
            if n == 3:
                raise OSError(28, "No space left on device")
            yield row

    monkeypatch.setattr(measures.Measures, "progress", failing)
    target = tmp_path / ("out.xlsx" if kind == "xlsx" else "out")
    refused(
        Cli(store)("--collective", SS, "export", kind, "--out", str(target)),
        f"cannot write {target}: No space left on device",
    )
    assert _leftovers(tmp_path) == []


# The quick CSV of the values table, and the guide ----------------------------------------------


def test_the_quick_csv_of_values_is_what_the_csv_module_writes(ss_cli: Cli, tmp_path: Path) -> None:
    """Quoting included: a qualitative value with commas, quotes and a line break."""
    from datetime import UTC, datetime

    from ledger.application import open_ledger
    from projections.exports import ExportRequest
    from projections.exports.tables import VALUES, Source
    from projections.exports.tabular import write_table_csv
    from projections.registry import Views

    cli = ss_cli
    define = ["indicator", "define"]
    ok(
        cli(
            *define,
            "SS-EDU-01",
            "--name",
            "Enrolled",
            "--unit",
            "count",
            "--direction",
            "up",
            "--cadence",
            "quarterly",
            "--dimension",
            "sex=female,male",
        )
    )
    ok(
        cli(
            *define,
            "SS-STORY-01",
            "--name",
            "Story",
            "--unit",
            "qualitative",
            "--direction",
            "up",
            "--cadence",
            "quarterly",
        )
    )
    for sex, value in (("female", "4"), ("male", "30")):
        ok(
            cli(
                "value",
                "submit",
                "SS-EDU-01",
                "--org",
                "hasiru-dala",
                "--period",
                "2024Q1",
                "--cell",
                f"sex={sex}",
                "--value",
                value,
            )
        )
    story = 'Good, "very" good\nand more'
    ok(
        cli(
            "value",
            "submit",
            "SS-STORY-01",
            "--org",
            "hasiru-dala",
            "--period",
            "2024Q1",
            "--value",
            story,
        )
    )
    app = open_ledger(str(cli.store))
    try:
        views = Views(app)
        views.refresh()
        request = ExportRequest(views, SS, None, datetime(2025, 1, 1, tzinfo=UTC), tmp_path)
        src = Source(request, 10)
        write_table_csv(src, VALUES, tmp_path / "quick.csv")
        write_table_csv(src, VALUES, tmp_path / "module.csv", fast=False)
    finally:
        app.close()
    quick = (tmp_path / "quick.csv").read_bytes()
    assert quick == (tmp_path / "module.csv").read_bytes()
    rows = _csv(tmp_path / "quick.csv")
    assert [r["text"] for r in rows if r["indicator"] == "SS-STORY-01"] == [story]
    assert [r["suppressed"] for r in rows if r["indicator"] == "SS-EDU-01"] == ["True", "True"]


def test_every_command_in_the_exports_guide_works(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    from click.testing import CliRunner

    from cli.main import main

    guide = (Path(__file__).resolve().parents[1] / "docs" / "exports.md").read_text("utf-8")
    commands = [
        line
        for block in re.findall(r"```sh\n(.+?)\n```", guide, flags=re.S)
        for line in block.splitlines()
        if line.startswith("collective ")
    ]
    assert len(commands) >= 6
    monkeypatch.chdir(tmp_path)
    env = {"COLLECTIVE_STORE": str(store)}
    for command in commands:
        result = CliRunner().invoke(main, shlex.split(command)[1:], env=env)
        assert result.exit_code == 0, (command, result.output)
    for table in TABLES:
        assert f"**{table.name}**" in guide
        for column in table.columns:
            assert f"`{column.name}`" in guide, (table.name, column.name)
