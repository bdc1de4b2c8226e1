"""`collective trace`: every event behind a thing, with the decisions that authorised them."""

from __future__ import annotations

import json

import pytest
from conftest import Cli, ok, refused


@pytest.fixture
def demo(demo_cli: Cli) -> Cli:
    """A private copy of the demo, on each kind of store."""
    return demo_cli


def _trace(cli: Cli, ref: str, *more: str) -> dict[str, object]:
    result = ok(cli("--collective", "saamuhika-shakti", "trace", ref, "--json", *more))
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_a_value_traces_to_its_submission_and_correction(demo: Cli) -> None:
    found = _trace(demo, "value:SS-EDU-01/hasiru-dala/2021Q1")
    events = found["events"]
    assert isinstance(events, list)
    names = [e["event"] for e in events]
    assert names[0] == "Report.Opened"
    assert "Report.ValueCorrected" in names
    correction = next(e for e in events if e["event"] == "Report.ValueCorrected")
    assert correction["reason"] == "siblings were counted twice"
    assert correction["effective"] == "2021-05-02"
    assert "corrected from" in correction["summary"] and "to 118" in correction["summary"]
    positions = [e["position"] for e in events]
    assert positions == sorted(positions)


def test_an_indicator_traces_to_the_decision_that_revised_it(demo: Cli) -> None:
    found = _trace(demo, "indicator:SS-EDU-01")
    events = found["events"]
    assert isinstance(events, list)
    revised = next(e for e in events if e["event"] == "Indicator.Revised")
    assert revised["authorised_by"] == ["measurement-1"]
    [decision] = found["decisions"]  # type: ignore[misc]
    assert decision["outcome"] == "passed" and decision["body"] == "measurement"
    stances = {
        p["member"]: (p["stance"], p["reason"], p["community"]) for p in decision["positions"]
    }
    assert stances["sambhav-foundation"] == ("object", "more work for field staff", False)
    assert stances["wp-rep-1"] == ("consent", None, True)


def test_the_agenda_traces_to_its_versions_and_their_decisions(demo: Cli) -> None:
    found = _trace(demo, "agenda")
    assert [e["event"] for e in found["events"]] == [  # type: ignore[attr-defined]
        "Agenda.Adopted",
        "Agenda.AmendmentAdopted",
    ]
    assert [d["decision"] for d in found["decisions"]] == [  # type: ignore[attr-defined]
        "steering-1",
        "steering-3",
    ]


def test_as_of_shows_the_trace_as_it_stood(demo: Cli) -> None:
    everything = _trace(demo, "value:SS-EDU-01/hasiru-dala/2021Q1")["events"]
    assert isinstance(everything, list)
    correction = next(e for e in everything if e["event"] == "Report.ValueCorrected")
    before = [e for e in everything if e["position"] < correction["position"]][-1]
    earlier = _trace(
        demo,
        "value:SS-EDU-01/hasiru-dala/2021Q1",
        "--as-of",
        before["recorded_at"].replace("Z", "+00:00"),
    )["events"]
    assert isinstance(earlier, list)
    assert "Report.ValueCorrected" not in [e["event"] for e in earlier]


def test_an_unknown_reference_is_one_line(demo: Cli) -> None:
    refused(
        demo("--collective", "saamuhika-shakti", "trace", "indicator:NOPE-01"),
        "reference 'indicator:NOPE-01' not found: nothing recorded under it; use "
        "indicator:CODE, value:CODE/ORG/PERIOD, agenda, agreement:SLUG, activity:SLUG, "
        "decision:ID, org:SLUG, body:SLUG, backbone, funding:ID, feedback:ID, "
        "period:PERIOD",
    )
