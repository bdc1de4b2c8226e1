"""`collective export dhis2-json|dhis2-csv|dhis2-map`: DHIS2 data value sets by code, with the
mapping from the ledger's codes kept in the ledger itself."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, ok, refused

from domain.base import Envelope
from domain.dhis2 import Dhis2Mapping, MappingKind, default_code, normal_key, split_cell_key
from domain.errors import RuleViolation
from projections.exports.dhis2 import CSV_COLUMNS, JSON_FIELDS

SS = ("--collective", "saamuhika-shakti")
OP = ("--collective", "oporajita")
# INTEROP.md, "DHIS2 data value sets"
INTEROP_JSON = [
    "dataElement",
    "period",
    "orgUnit",
    "categoryOptionCombo",
    "attributeOptionCombo",
    "value",
    "storedBy",
    "comment",
    "followup",
]
INTEROP_CSV = [
    "dataelement",
    "period",
    "orgunit",
    "catoptcombo",
    "attroptcombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
]
DHIS2_PERIOD = re.compile(r"^(?:\d{6}|\d{4}Q[1-4]|\d{4}|\d{4}April|\d{4}July)$")
COMMENT = re.compile(r"^value:[A-Z0-9-]+/[a-z0-9-]+/[A-Z0-9-]+ position \d+$")


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Cli:
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_file, copy)
    return Cli(copy)


def _json(cli: Cli, out: Path, *more: str, collective: tuple[str, str] = SS) -> list[Any]:
    ok(cli(*collective, "export", "dhis2-json", "--out", str(out), *more))
    values: list[Any] = json.loads(out.read_text(encoding="utf-8"))["dataValues"]
    return values


def _find(values: list[dict[str, Any]], comment_start: str, coc: str) -> dict[str, Any]:
    [found] = [
        v
        for v in values
        if v["comment"].startswith(comment_start + " ") and v["categoryOptionCombo"] == coc
    ]
    return found


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "demo.db" and p.suffix != ".db")


# -- the format -------------------------------------------------------------------------------


def test_json_has_the_fields_interop_names_for_every_value_of_the_demo(
    demo: Cli, tmp_path: Path
) -> None:
    assert list(JSON_FIELDS) == INTEROP_JSON
    values = _json(demo, tmp_path / "ss.json")
    assert len(values) == 1026
    for value in values:
        assert list(value) == INTEROP_JSON
        assert all(isinstance(value[k], str) for k in INTEROP_JSON if k != "followup")
        assert isinstance(value["followup"], bool)
        assert DHIS2_PERIOD.match(value["period"]), value
        assert COMMENT.match(value["comment"]), value
        assert value["storedBy"] in {"meera", "ravi"}
        assert value["attributeOptionCombo"] == "default"
    # codes people use, never UUIDs
    text = (tmp_path / "ss.json").read_text(encoding="utf-8")
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", text)


def test_json_values_are_the_effective_values_with_their_history(demo: Cli, tmp_path: Path) -> None:
    values = _json(demo, tmp_path / "ss.json")
    corrected = _find(values, "value:SS-EDU-01/hasiru-dala/2021Q1", "FEMALE_6-14")
    assert corrected["value"] == "118" and corrected["period"] == "2021Q1"
    assert corrected["orgUnit"] == "HASIRU-DALA" and corrected["dataElement"] == "SS-EDU-01"
    queried = [v for v in values if v["comment"].startswith("value:SS-INC-01/udhyam/2026Q3 ")]
    assert queried and all(v["followup"] for v in queried)
    assert sum(v["followup"] for v in values) == len(queried)
    retracted = [
        v
        for v in values
        if v["comment"].startswith("value:SS-SOC-01/sparsha-trust/2026Q3 ")
        and v["categoryOptionCombo"] == "MALE_60-PLUS"
    ]
    assert retracted == []
    # after the split of the age band, new cells have new codes; old ones keep theirs
    cocs = {v["categoryOptionCombo"] for v in values if v["dataElement"] == "SS-EDU-01"}
    assert {"FEMALE_6-14", "FEMALE_6-10", "FEMALE_11-14", "MALE_3-5"} <= cocs
    # India's fiscal year is DHIS2's April year
    wash = [v for v in values if v["dataElement"] == "SS-WASH-01"]
    assert {v["period"] for v in wash} == {f"{y}April" for y in range(2021, 2026)}


def test_bangladesh_fiscal_years_are_july_years(demo: Cli, tmp_path: Path) -> None:
    values = _json(demo, tmp_path / "op.json", collective=OP)
    income = [v for v in values if v["dataElement"] == "OP-INC-01"]
    assert {v["period"] for v in income} == {"2022July", "2023July", "2024July"}
    assert {v["storedBy"] for v in values} <= {"nasrin", "farhana"}


def test_csv_is_positional_with_the_interop_columns_and_the_same_values(
    demo: Cli, tmp_path: Path
) -> None:
    assert list(CSV_COLUMNS) == INTEROP_CSV
    values = _json(demo, tmp_path / "ss.json")
    ok(demo(*SS, "export", "dhis2-csv", "--out", str(tmp_path / "ss.csv")))
    raw = (tmp_path / "ss.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # DHIS2, not Excel: no byte-order mark
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert rows[0] == INTEROP_CSV
    assert len(rows) == len(values) + 1
    for row, value in zip(rows[1:], values, strict=True):
        assert len(row) == 10
        by_column = dict(zip(INTEROP_CSV, row, strict=True))
        assert by_column["dataelement"] == value["dataElement"]
        assert by_column["catoptcombo"] == value["categoryOptionCombo"]
        assert by_column["value"] == value["value"]
        assert by_column["comment"] == value["comment"]
        assert by_column["followup"] == ("true" if value["followup"] else "false")
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", by_column["lastupdated"])


def test_the_same_as_of_gives_the_same_bytes_and_an_earlier_one_the_values_then(
    demo: Cli, tmp_path: Path
) -> None:
    log = json.loads(ok(demo(*SS, "log", "--all", "--json")).stdout)
    correction = next(e for e in log if e["event"] == "Report.ValueCorrected")
    before = next(e for e in log if e["position"] == correction["position"] - 1)["recorded_at"]
    for fmt in ("dhis2-json", "dhis2-csv"):
        one, two = tmp_path / f"1-{fmt}", tmp_path / f"2-{fmt}"
        ok(demo(*SS, "export", fmt, "--out", str(one), "--as-of", before))
        ok(demo(*SS, "export", fmt, "--out", str(two), "--as-of", before))
        assert one.read_bytes() == two.read_bytes()
    then = json.loads((tmp_path / "1-dhis2-json").read_text(encoding="utf-8"))["dataValues"]
    girls = _find(then, "value:SS-EDU-01/hasiru-dala/2021Q1", "FEMALE_6-14")
    assert girls["value"] != "118"
    assert all(int(v["comment"].rpartition(" ")[2]) < correction["position"] for v in then)


def test_text_values_keep_their_script(ss_cli: Cli, tmp_path: Path) -> None:
    ok(
        ss_cli(
            "indicator", "define", "SS-VOICE-01", "--name", "What families say",
            "--unit", "qualitative", "--direction", "up", "--cadence", "quarterly",
        )
    )  # fmt: skip
    said = 'ಮಕ್ಕಳು ಶಾಲೆಗೆ ಹೋಗುತ್ತಾರೆ, "ಸಂಜೆ" ತರಗತಿ'
    ok(
        ss_cli(
            "value", "submit", "SS-VOICE-01", "--org", "hasiru-dala", "--period", "2024Q1",
            "--value", said,
        )
    )  # fmt: skip
    [value] = _json(ss_cli, tmp_path / "v.json", collective=("--collective", "saamuhika-shakti"))
    assert value["value"] == said and value["categoryOptionCombo"] == "default"
    ok(ss_cli("export", "dhis2-csv", "--out", str(tmp_path / "v.csv")))
    rows = list(csv.reader(io.StringIO((tmp_path / "v.csv").read_text(encoding="utf-8"))))
    assert rows[1][5] == said


# -- the mapping ------------------------------------------------------------------------------


def test_codes_set_in_the_ledger_replace_the_defaults(demo: Cli, tmp_path: Path) -> None:
    for args in (
        ("data-element", "SS-FIN-01", "KA_FIN_BANK_PCT"),
        ("org-unit", "hasiru-dala", "KA_BLR_HD"),
        ("attribute-option-combo", "hasiru-dala", "PARTNER_HD"),
        ("category-option-combo", "SS-FIN-01/sex=female", "SEX_F"),
        ("category-option-combo", "ss-fin-01/ sex=male", "SEX_M"),
    ):
        ok(demo(*SS, "export", "dhis2-map", "set", *args))
    values = _json(demo, tmp_path / "ss.json")
    fin = [v for v in values if v["comment"].startswith("value:SS-FIN-01/hasiru-dala/")]
    assert {v["dataElement"] for v in fin} == {"KA_FIN_BANK_PCT"}
    assert {v["orgUnit"] for v in fin} == {"KA_BLR_HD"}
    assert {v["attributeOptionCombo"] for v in fin} == {"PARTNER_HD"}
    assert {v["categoryOptionCombo"] for v in fin} == {"SEX_F", "SEX_M"}
    shown = json.loads(ok(demo(*SS, "export", "dhis2-map", "show", "--json")).stdout)
    row = {(r["kind"], r["key"]): (r["code"], r["source"]) for r in shown}
    assert row["category-option-combo", "SS-FIN-01/sex=male"] == ("SEX_M", "set")
    assert row["data-element", "SS-EDU-01"] == ("SS-EDU-01", "default")
    assert row["org-unit", "udhyam"] == ("UDHYAM", "default")
    assert row["category-option-combo", "SS-EDU-01/age=6-14,sex=female"] == (
        "FEMALE_6-14",
        "default",
    )
    trace = json.loads(
        ok(demo(*SS, "log", "--all", "--json", "--type", "Dhis2Mapping.MappingSet")).stdout
    )
    assert [e["actor"] for e in trace][-5:] == ["meera"] * 5


def test_a_mapping_that_misses_a_cell_is_refused_and_writes_nothing(
    demo: Cli, tmp_path: Path
) -> None:
    ok(demo(*SS, "export", "dhis2-map", "set", "category-option-combo", "SS-FIN-01/sex=male", "M"))
    out = tmp_path / "exports" / "ss.json"
    message = (
        "the DHIS2 mapping misses the category option combo of SS-FIN-01/sex=female: map it "
        "with `collective export dhis2-map set category-option-combo SS-FIN-01/sex=female CODE`"
    )
    refused(demo(*SS, "export", "dhis2-json", "--out", str(out)), message)
    refused(demo(*SS, "export", "dhis2-csv", "--out", str(out)), message)
    assert not out.exists() and list(out.parent.iterdir()) == []
    shown = json.loads(ok(demo(*SS, "export", "dhis2-map", "show", "--json")).stdout)
    assert {"kind": "category-option-combo", "key": "SS-FIN-01/sex=female", "code": "",
            "source": "missing"} in shown  # fmt: skip
    # clearing the one mapped cell makes the indicator fall back to its defaults
    ok(demo(*SS, "export", "dhis2-map", "clear", "category-option-combo", "SS-FIN-01/sex=male"))
    values = _json(demo, out)
    assert {v["categoryOptionCombo"] for v in values if v["dataElement"] == "SS-FIN-01"} == {
        "FEMALE",
        "MALE",
    }


def test_strict_refuses_any_code_not_set_in_the_ledger(demo: Cli, tmp_path: Path) -> None:
    out = tmp_path / "ss.csv"
    refused(
        demo(*SS, "export", "dhis2-csv", "--out", str(out), "--strict"),
        "the DHIS2 mapping misses the data element of SS-EDU-01: map it with "
        "`collective export dhis2-map set data-element SS-EDU-01 CODE`",
    )
    assert not out.exists()


def test_two_values_mapped_onto_one_data_value_are_refused(demo: Cli, tmp_path: Path) -> None:
    for org in ("hasiru-dala", "sambhav-foundation"):
        ok(demo(*SS, "export", "dhis2-map", "set", "org-unit", org, "KA_BLR"))
    result = demo(*SS, "export", "dhis2-json", "--out", str(tmp_path / "x.json"))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: two values map to the same DHIS2 data value ")
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["data-element", "SS-NOPE-01", "X"],
            "indicator 'SS-NOPE-01' not found: define it first with `collective indicator define`",
        ),
        (
            ["org-unit", "nobody", "X"],
            "organisation 'nobody' not found: register it first with `collective org add`",
        ),
        (
            ["category-option-combo", "SS-FIN-01/sex=other", "X"],
            "sex=other is not a category of SS-FIN-01 (sex has female, male)",
        ),
        (
            ["category-option-combo", "SS-FIN-01", "X"],
            "category option combo key 'SS-FIN-01' is not CODE/CELL: use, for example, "
            "SS-EDU-01/age=6-14,sex=female or SS-EDU-01/total",
        ),
        (
            ["data-element", "SS-FIN-01", "X" * 51],
            f"DHIS2 code {'X' * 51!r} is not valid: use 1 to 50 characters without control "
            "characters (for example SS_EDU_ENROLLED)",
        ),
    ],
)
def test_a_mapping_of_something_the_ledger_does_not_know_is_refused(
    demo: Cli, args: list[str], message: str
) -> None:
    events = demo.events()
    refused(demo(*SS, "export", "dhis2-map", "set", *args), message)
    assert demo.events() == events


def test_setting_the_same_code_twice_or_clearing_nothing_is_refused(demo: Cli) -> None:
    ok(demo(*SS, "export", "dhis2-map", "set", "data-element", "SS-EDU-01", "EDU"))
    refused(
        demo(*SS, "export", "dhis2-map", "set", "data-element", "ss-edu-01", "EDU"),
        "data-element SS-EDU-01 already maps to DHIS2 code EDU",
    )
    refused(
        demo(*SS, "export", "dhis2-map", "clear", "org-unit", "hasiru-dala"),
        "org-unit hasiru-dala has no DHIS2 code set (it maps to its default already)",
    )
    # an old cell (before the age band was split) can still be mapped
    ok(
        demo(
            *SS, "export", "dhis2-map", "set", "category-option-combo",
            "SS-EDU-01/sex=female,age=6-14", "F_6_14",
        )
    )  # fmt: skip


def test_an_export_without_indicators_names_what_is_missing(ss_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    refused(
        ss_cli("export", "dhis2-json", "--out", str(out)),
        "saamuhika-shakti has no indicators to export: define one with "
        "`collective indicator define`",
    )
    assert _leftovers(tmp_path) == []


def test_an_unwritable_path_is_one_line(demo: Cli, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    out = tmp_path / "a-file" / "values.json"
    refused(
        demo(*SS, "export", "dhis2-json", "--out", str(out)),
        f"cannot write {out}: {tmp_path / 'a-file'} is not a folder",
    )


# -- the domain -------------------------------------------------------------------------------


def _meta() -> Envelope:
    return Envelope(actor="meera", effective=date(2026, 10, 1), collective="saamuhika-shakti")


def test_default_codes() -> None:
    assert default_code(MappingKind.DATA_ELEMENT, "SS-EDU-01") == "SS-EDU-01"
    assert default_code(MappingKind.ORG_UNIT, "hasiru-dala") == "HASIRU-DALA"
    assert default_code(MappingKind.ATTRIBUTE_OPTION_COMBO, "hasiru-dala") == "default"
    key = "SS-EDU-01/age=6-14,sex=female"
    assert default_code(MappingKind.CATEGORY_OPTION_COMBO, key, ("sex", "age")) == "FEMALE_6-14"
    assert default_code(MappingKind.CATEGORY_OPTION_COMBO, key) == "6-14_FEMALE"
    assert default_code(MappingKind.CATEGORY_OPTION_COMBO, "SS-EDU-01/total") == "default"
    assert normal_key(MappingKind.CATEGORY_OPTION_COMBO, "ss-edu-01/sex=male, age=3-5") == (
        "SS-EDU-01/age=3-5,sex=male"
    )
    assert split_cell_key("SS-EDU-01/total") == ("SS-EDU-01", ())


def test_a_mapping_is_set_changed_and_cleared() -> None:
    mapping = Dhis2Mapping.open("saamuhika-shakti", _meta())
    mapping.set(MappingKind.ORG_UNIT, "hasiru-dala", "HD", _meta())
    mapping.set(MappingKind.ORG_UNIT, "hasiru-dala", " HD2 ", _meta())
    assert mapping.codes == {("org-unit", "hasiru-dala"): "HD2"}
    with pytest.raises(RuleViolation, match="already maps to DHIS2 code HD2"):
        mapping.set(MappingKind.ORG_UNIT, "hasiru-dala", "HD2", _meta())
    mapping.clear(MappingKind.ORG_UNIT, "hasiru-dala", _meta())
    assert mapping.codes == {}
    events = [type(e).__name__ for e in mapping.collect_events()]
    assert events == ["Opened", "MappingSet", "MappingSet", "MappingCleared"]


def test_every_command_in_the_export_docs_works_on_the_demo(
    demo: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    docs = Path(__file__).resolve().parents[1] / "docs" / "exports-dhis2-iati.md"
    lines = [
        line
        for block in re.findall(r"```sh\n(.+?)\n```", docs.read_text(encoding="utf-8"), re.S)
        for line in block.splitlines()
    ]
    env = dict(line.removeprefix("export ").split("=", 1) for line in lines if "=" in line[:30]
               and line.startswith("export "))  # fmt: skip
    commands = [line for line in lines if line.startswith("collective ")]
    assert len(commands) >= 10
    monkeypatch.chdir(tmp_path)
    for command in commands:
        ok(demo(*shlex.split(command)[1:], **env))


def test_an_export_as_of_an_earlier_moment_uses_the_mapping_of_then(
    demo: Cli, tmp_path: Path
) -> None:
    ok(demo(*SS, "export", "dhis2-map", "set", "org-unit", "udhyam", "KA_UDHYAM"))
    log = json.loads(ok(demo(*SS, "log", "--json", "--type", "Dhis2Mapping.MappingSet")).stdout)
    then = log[-1]["recorded_at"]
    ok(demo(*SS, "export", "dhis2-map", "set", "org-unit", "udhyam", "KA_UDHYAM_2"))
    ok(demo(*SS, "export", "dhis2-map", "clear", "org-unit", "udhyam"))
    now = _json(demo, tmp_path / "now.json")
    earlier = _json(demo, tmp_path / "then.json", "--as-of", then)
    assert {v["orgUnit"] for v in now if "/udhyam/" in v["comment"]} == {"UDHYAM"}
    assert {v["orgUnit"] for v in earlier if "/udhyam/" in v["comment"]} == {"KA_UDHYAM"}


def test_small_counts_are_withheld_as_in_the_tables_export(demo: Cli, tmp_path: Path) -> None:
    everything = _json(demo, tmp_path / "all.json", "--threshold", "0", collective=OP)
    result = ok(demo(*OP, "export", "dhis2-json", "--out", str(tmp_path / "op.json")))
    kept = json.loads((tmp_path / "op.json").read_text(encoding="utf-8"))["dataValues"]
    withheld = len(everything) - len(kept)
    assert withheld > 0
    # Oporajita set its own threshold, 15, in the demo.
    assert f"({len(kept)} data values; {withheld} withheld: counts below 15" in result.stderr

    def positions(values: list[dict[str, Any]]) -> set[int]:
        return {int(v["comment"].rpartition(" ")[2]) for v in values}

    ok(demo(*OP, "export", "csv", "--out", str(tmp_path / "tables")))
    with (tmp_path / "tables" / "values.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    in_tables = {int(r["changed_position"]) for r in rows if r["suppressed"] == "True"}
    assert positions(everything) - positions(kept) == in_tables
