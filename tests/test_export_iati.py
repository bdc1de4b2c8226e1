"""`collective export iati`: the collective as an IATI 2.03 activity, valid against the schema."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED, Cli, ok, refused

SS = ("--collective", "saamuhika-shakti")
OP = ("--collective", "oporajita")
SCHEMAS = SHARED / "data" / "iati-2.03"
LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# INTEROP.md, "IATI Activity Standard 2.03": the children used here, in schema order
ORDER = [
    "iati-identifier",
    "reporting-org",
    "title",
    "description",
    "participating-org",
    "activity-status",
    "activity-date",
    "recipient-country",
    "sector",
    "transaction",
    "result",
]


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Cli:
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_file, copy)
    return Cli(copy)


def _export(cli: Cli, out: Path, *more: str, collective: tuple[str, ...] = SS) -> Any:
    from lxml import etree

    ok(cli(*collective, "export", "iati", "--out", str(out), *more))
    return etree.parse(str(out))


def _activity(tree: Any) -> Any:
    [activity] = tree.getroot().findall("iati-activity")
    return activity


def _schema() -> Any:
    if not (SCHEMAS / "iati-activities-schema.xsd").exists():
        pytest.skip(f"the IATI 2.03 schemas are not in {SCHEMAS}")
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(SCHEMAS / "iati-activities-schema.xsd")))


@pytest.mark.parametrize("collective", [SS, OP])
def test_the_demo_activities_are_valid_iati_2_03(
    demo: Cli, tmp_path: Path, collective: tuple[str, str]
) -> None:
    schema = _schema()
    tree = _export(demo, tmp_path / "activity.xml", collective=collective)
    assert schema.validate(tree), schema.error_log
    children = [child.tag for child in _activity(tree)]
    assert children == sorted(children, key=ORDER.index)
    assert tree.getroot().get("version") == "2.03"


def test_the_activity_says_who_what_where_and_when(demo: Cli, tmp_path: Path) -> None:
    activity = _activity(_export(demo, tmp_path / "ss.xml"))
    assert activity.get("default-currency") == "INR" and activity.get(LANG) == "en"
    assert activity.findtext("iati-identifier") == "sattva-saamuhika-shakti"
    reporting = activity.find("reporting-org")
    assert reporting.get("ref") == "sattva" and reporting.findtext("narrative")
    assert activity.findtext("title/narrative") == "Saamuhika Shakti (ಸಾಮೂಹಿಕ ಶಕ್ತಿ)"
    descriptions = {d.get("type"): d.findtext("narrative") for d in activity.findall("description")}
    assert "22,500 informal waste pickers" in descriptions["1"]
    assert "SS-O5 Public perception of waste pickers" in descriptions["2"]
    roles = {p.get("ref"): p.get("role") for p in activity.findall("participating-org")}
    assert roles["hm-foundation"] == "1"
    assert roles["sattva"] == "2" and roles["nudge-institute"] == "2"
    assert roles["hasiru-dala"] == "4" and roles["care-india"] == "4"
    assert activity.find("activity-status").get("code") == "2"
    started = activity.find("activity-date")
    assert (started.get("type"), started.get("iso-date")) == ("2", "2020-01-10")
    assert activity.find("recipient-country").get("code") == "IN"


def test_transactions_come_from_funding_exactly(demo: Cli, tmp_path: Path) -> None:
    activity = _activity(_export(demo, tmp_path / "ss.xml"))
    transactions = activity.findall("transaction")
    assert len(transactions) == 3 + 3 + 2 + 2  # commitments and disbursements
    rows = [
        (
            t.get("ref"),
            t.find("transaction-type").get("code"),
            t.find("transaction-date").get("iso-date"),
            t.findtext("value"),
            t.find("value").get("currency"),
            t.find("provider-org").get("ref"),
            t.find("receiver-org").get("ref"),
        )
        for t in transactions
    ]
    assert ("fc-2", "2", "2020-04-04", "12500000.50", "INR", "hm-foundation", "hasiru-dala") in rows
    assert ("fc-2", "3", "2021-04-10", "7500000.50", "INR", "hm-foundation", "hasiru-dala") in rows
    # the backbone reports its own funding as incoming
    sattva = [r[1] for r in rows if r[6] == "sattva"]
    assert sattva == ["11", "1", "1"]
    assert [r[2] for r in rows] == sorted(r[2] for r in rows)
    for t in transactions:
        assert t.find("value").get("value-date") == t.find("transaction-date").get("iso-date")


def test_a_funder_can_publish_with_its_iati_identifier(demo: Cli, tmp_path: Path) -> None:
    activity = _activity(
        _export(
            demo,
            tmp_path / "ss.xml",
            "--reporting-org",
            "hm-foundation",
            "--org-ref",
            "hm-foundation=XX-DEMO-HMF",
        )
    )
    assert activity.findtext("iati-identifier") == "XX-DEMO-HMF-saamuhika-shakti"
    assert activity.find("reporting-org").get("ref") == "XX-DEMO-HMF"
    assert activity.find("reporting-org").get("type") == "60"
    codes = {t.find("transaction-type").get("code") for t in activity.findall("transaction")}
    assert codes == {"2", "3"}
    providers = {t.find("provider-org").get("ref") for t in activity.findall("transaction")}
    assert providers == {"XX-DEMO-HMF"}


def _indicator(activity: Any, code: str) -> Any:
    [found] = [
        i
        for i in activity.iter("indicator")
        if (i.findtext("title/narrative") or "").startswith(f"{code}: ")
    ]
    return found


def test_results_carry_measure_sdg_baseline_targets_and_actuals(demo: Cli, tmp_path: Path) -> None:
    activity = _activity(_export(demo, tmp_path / "ss.xml"))
    assert len(activity.findall("result")) == 5
    assert {r.get("type") for r in activity.findall("result")} == {"2"}
    edu = _indicator(activity, "SS-EDU-01")
    assert (edu.get("measure"), edu.get("ascending")) == ("1", "1")
    reference = edu.find("reference")
    assert (reference.get("vocabulary"), reference.get("code")) == ("9", "4.2.2")
    baseline = edu.find("baseline")
    assert (baseline.get("year"), baseline.get("iso-date"), baseline.get("value")) == (
        "2019",
        "2019-04-01",
        "310",
    )
    periods = {
        (p.find("period-start").get("iso-date"), p.find("period-end").get("iso-date")): p
        for p in edu.findall("period")
    }
    quarter = periods["2024-01-01", "2024-03-31"]
    actuals = quarter.findall("actual")
    total = [a for a in actuals if a.find("dimension") is None]
    by_sex = {
        a.find("dimension").get("value"): a.get("value")
        for a in actuals
        if a.find("dimension") is not None and a.find("dimension").get("name") == "sex"
    }
    assert len(total) == 1 and set(by_sex) == {"female", "male"}
    assert int(total[0].get("value")) == sum(int(v) for v in by_sex.values())
    ages = {
        a.find("dimension").get("value")
        for a in actuals
        if a.find("dimension") is not None and a.find("dimension").get("name") == "age"
    }
    assert ages == {"3-5", "6-10+11-14", "15-18"}  # reported before the split
    fy = periods["2025-04-01", "2026-03-31"]
    assert [t.get("value") for t in fy.findall("target")] == ["3900"]
    fin = _indicator(activity, "SS-FIN-01")
    assert (fin.get("measure"), fin.get("ascending")) == ("2", "1")


def test_qualitative_indicators_are_measure_5_with_their_text(ss_cli: Cli, tmp_path: Path) -> None:
    _schema()
    _a_small_collective(ss_cli, tmp_path)
    ok(
        ss_cli(
            "indicator", "define", "SS-VOICE-01", "--name", "What families say",
            "--unit", "qualitative", "--direction", "up", "--cadence", "quarterly",
        )
    )  # fmt: skip
    said = "ಮಕ್ಕಳು ಶಾಲೆಗೆ ಹೋಗುತ್ತಾರೆ"
    ok(
        ss_cli(
            "value", "submit", "SS-VOICE-01", "--org", "hasiru-dala", "--period", "2024Q1",
            "--value", said,
        )
    )  # fmt: skip
    tree = _export(ss_cli, tmp_path / "a.xml", collective=())
    assert _schema().validate(tree), _schema().error_log
    voice = _indicator(_activity(tree), "SS-VOICE-01")
    assert voice.get("measure") == "5" and voice.get("ascending") is None
    [actual] = voice.findall("period/actual")
    assert actual.get("value") is None and actual.findtext("comment/narrative") == said


def _a_small_collective(cli: Cli, folder: Path) -> None:
    """Saamuhika Shakti with an agenda and a backbone (ss_cli has Hasiru Dala only)."""
    agenda = folder / "agenda.toml"
    agenda.write_text(
        'problem = "Waste pickers lack social security."\nvision = "Dignity."\n'
        '[[outcomes]]\ncode = "SS-O1"\ntitle = "Social security"\n',
        encoding="utf-8",
    )
    ok(cli("body", "add", "steering", "--name", "Steering", "--rule", "consent"))
    ok(cli("body", "seat", "steering", "hasiru-dala"))
    ok(cli("decision", "propose", "--body", "steering", "--title", "Start", "--rationale", "R"))
    ok(cli("decision", "consent", "steering-1", "--member", "hasiru-dala"))
    ok(cli("decision", "close", "steering-1"))
    ok(cli("agenda", "adopt", "--file", str(agenda), "--decision", "steering-1"))
    ok(cli("backbone", "appoint", "hasiru-dala", "--decision", "steering-1"))


def test_the_same_as_of_gives_the_same_bytes(demo: Cli, tmp_path: Path) -> None:
    log = json.loads(ok(demo(*OP, "log", "--json")).stdout)
    moment = log[-1]["recorded_at"]
    one, two = tmp_path / "1.xml", tmp_path / "2.xml"
    _export(demo, one, "--as-of", moment, collective=OP)
    _export(demo, two, "--as-of", moment, collective=OP)
    assert one.read_bytes() == two.read_bytes()
    assert one.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert "অপরাজিতা".encode() in one.read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--reporting-org", "nobody"],
            "organisation 'nobody' not found: check --reporting-org",
        ),
        (["--country", "India"], "--country 'India' is not an ISO 3166-1 alpha-2 code (IN, BD)"),
        (
            ["--org-ref", "hm-foundation"],
            "--org-ref 'hm-foundation' is not SLUG=REF (for example hm-foundation=XX-DEMO-HMF)",
        ),
        (
            ["--org-ref", "nobody=XM-1"],
            "organisation 'nobody' not found: check the slug given to --org-ref",
        ),
    ],
)
def test_bad_options_are_one_line_and_write_nothing(
    demo: Cli, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "out" / "activity.xml"
    refused(demo(*SS, "export", "iati", "--out", str(out), *args), message)
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def test_what_a_small_collective_misses_is_named(ss_cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "a.xml"
    refused(
        ss_cli("export", "iati", "--out", str(out)),
        "saamuhika-shakti has no backbone to report as: give --reporting-org ORG",
    )
    refused(
        ss_cli("export", "iati", "--out", str(out), "--reporting-org", "hasiru-dala"),
        "common agenda 'saamuhika-shakti' not found: adopt one first with `collective agenda "
        "adopt`",
    )
    _a_small_collective(ss_cli, tmp_path)
    refused(
        ss_cli("export", "iati", "--out", str(out)),
        "saamuhika-shakti has no indicators to export: define one with "
        "`collective indicator define`",
    )
    assert not out.exists()


def test_a_gregorian_collective_names_its_country(cli: Cli, tmp_path: Path) -> None:
    ok(cli("init", "demo-city", "--name", "Demo City", "--on", "2024-01-01"))
    out = tmp_path / "a.xml"
    refused(
        cli("export", "iati", "--out", str(out), "--reporting-org", "x"),
        "the recipient country of demo-city is not known from its gregorian calendar: "
        "give --country CODE",
    )
    refused(
        cli("export", "iati", "--out", str(out), "--reporting-org", "x", "--country", "ke"),
        "organisation 'x' not found: check --reporting-org",
    )
    assert not out.exists()


def test_no_withheld_count_can_be_worked_out_from_dhis2_and_iati_together(app: Any) -> None:
    """Two organisations report age x sex counts, one of them small. DHIS2 gets the cells it may
    have; IATI the collective's totals by sex and by age. An attacker holding both files cannot
    work out any withheld cell."""
    from xml.etree.ElementTree import Element

    from export_attack import Published, recovered
    from measurement_steps import AGE, SEX, SS, define, given_a_collective, submit, views_of

    from domain.periods import Calendar
    from domain.vocabulary import Unit
    from projections.exports.dhis2 import data_values
    from projections.exports.iati_results import result
    from projections.measurement import indicator_views, reported_values, target_views

    given_a_collective(app, "hasiru-dala", "sambhav")
    define(app, "SS-EDU-01", Unit.COUNT, SEX, AGE)
    truth = {
        ("hasiru-dala", "female", "3-5"): 3,
        ("hasiru-dala", "female", "6-14"): 21,
        ("hasiru-dala", "female", "15-18"): 17,
        ("hasiru-dala", "male", "3-5"): 15,
        ("hasiru-dala", "male", "6-14"): 25,
        ("hasiru-dala", "male", "15-18"): 11,
        ("sambhav", "female", "3-5"): 12,
        ("sambhav", "female", "6-14"): 30,
        ("sambhav", "female", "15-18"): 14,
        ("sambhav", "male", "3-5"): 19,
        ("sambhav", "male", "6-14"): 18,
        ("sambhav", "male", "15-18"): 16,
    }
    for (org, sex, age), value in truth.items():
        submit(app, "SS-EDU-01", org, "2024Q1", str(value), sex=sex, age=age)
    views = views_of(app)
    found = data_values(views, SS, None, threshold=10)
    dhis2 = list(found.values)
    assert found.withheld >= 2 and len(dhis2) == len(truth) - found.withheld
    published = []
    for value in dhis2:
        org = value.comment.split("/")[1]
        sex, age = value.category_option_combo.lower().split("_")
        published.append(Published(frozenset([(org, sex, age)]), int(value.value)))
    withheld = [frozenset([leaf]) for leaf in truth]
    withheld = [w for w in withheld if not any(p.leaves == w for p in published)]
    assert frozenset([("hasiru-dala", "female", "3-5")]) in withheld

    [indicator] = indicator_views(views, SS, None)
    parent = Element("activity")
    reported = reported_values(views, SS, None)
    result(parent, indicator, reported, target_views(views, SS, None), Calendar.INDIA, 10)
    for actual in parent.iter("actual"):
        if actual.get("value") is None:
            continue
        dimension = actual.find("dimension")
        if dimension is None:
            leaves = frozenset(truth)
        else:
            at = {"sex": 1, "age": 2}[str(dimension.get("name"))]
            leaves = frozenset(k for k in truth if k[at] == dimension.get("value"))
        published.append(Published(leaves, int(str(actual.get("value")))))
    assert len(published) > len(dhis2)  # IATI added the collective's figures
    assert recovered(truth, published, withheld) == []


def test_small_counts_are_marked_withheld_not_dropped(demo: Cli, tmp_path: Path) -> None:
    from projections.exports.iati_results import SUPPRESSED

    activity = _activity(_export(demo, tmp_path / "op.xml", collective=OP))
    withheld = [a for a in activity.iter("actual") if a.findtext("comment/narrative") == SUPPRESSED]
    assert withheld and all(a.get("value") is None for a in withheld)
    everything = _activity(_export(demo, tmp_path / "all.xml", "--threshold", "0", collective=OP))
    assert not [a for a in everything.iter("actual") if a.get("value") is None]
    assert len(list(everything.iter("actual"))) == len(list(activity.iter("actual")))
