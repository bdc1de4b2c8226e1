"""Many writers on one PostgreSQL ledger: eight processes recording at once.

(a) Values for different organisations: every one recorded exactly once, none lost.
(b) The same value cell from eight processes: every version of the report is written once; the
    processes that lose a race are told so in one line and converge when they run the command
    again; nothing is lost.
(c) An import of a partner's file (`collective import values`) while seven processes record
    single values: the import's events are one block in the log, the others' before and after
    it, and every value is there once.

Each writer is a process of its own that opens the ledger with the application (or runs the
command line in-process) and waits on its stdin until every writer is ready, so that all of them
really write at once. Afterwards the events are counted one by one and the audit log verified.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import everything_verifies
from following import CODE, ROOT, SLUG, census, set_up

from domain.reporting import Report, ReportKey
from ledger.application import open_ledger
from projections.registry import Views

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WRITERS = 8
ORGS = tuple(f"partner-{n}" for n in range(WRITERS))
CONFLICT = "someone recorded a change to the same record at the same time: run the command again"

# Records COUNT values for ORG, one command each (with a request id), through the application.
DIFFERENT_ORGANISATIONS = """
import json, sys
from datetime import date
from domain.reporting import Submission
from ledger.application import Context
from ledger.measurement import MeasurementCommands
from ledger.opening import open_ledger

store, org, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
cells = [(), (("sex", "female"),), (("sex", "male"),), (("age", "15-24"),), (("age", "25-49"),)]
app = open_ledger(store, kind=MeasurementCommands)
app.collective("oporajita")
print("ready", flush=True)
sys.stdin.readline()
positions = []
for n in range(count):
    quarter, cell = divmod(n, len(cells))
    period = f"{2001 + quarter // 4}Q{quarter % 4 + 1}"
    entry = Submission(code="OP-WAGE-01", org=org, period=period, cell=cells[cell], value=str(n))
    ctx = Context(actor="meera", on=date(2024, 1, 1), request_id=f"{org}/{n}")
    positions.extend(app.submit_value(entry, ctx).positions)
app.close()
print(json.dumps({"org": org, "positions": positions}), flush=True)
"""

# Submits the same cell through the command line, holding its save until told (so that every
# writer has loaded the report first), submits again if it lost, then records CORRECTIONS
# corrections of that cell through the application, running each again while it conflicts.
SAME_CELL = """
import json, sys
from domain.errors import Conflict
from domain.reporting import Submission
from ledger.application import Context
from ledger.core import LedgerCore
from ledger.measurement import MeasurementCommands
from ledger.opening import open_ledger

store, me, corrections = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
save = LedgerCore.save
held = [True]

def held_save(self, *aggregates, **kwargs):
    if held[0]:
        held[0] = False
        print("loaded", flush=True)
        sys.stdin.readline()
    return save(self, *aggregates, **kwargs)

LedgerCore.save = held_save
from cli.main import main

def cli(*args):
    sys.stderr.write("--- command\\n")
    try:
        main(["--store", store, "--actor", "meera", *args])
    except SystemExit as e:
        return e.code
    return 0

key = ["OP-WAGE-01", "--org", "karmojibi-nari", "--period", "2024Q1", "--cell", "sex=female"]
first = cli("value", "submit", *key, "--value", str(100 + me))
again = cli("value", "submit", *key, "--value", str(100 + me)) if first else None
app = open_ledger(store, kind=MeasurementCommands)
conflicts = 0
for n in range(corrections):
    value = str(1000 * (me + 1) + n)
    entry = Submission(
        code="OP-WAGE-01", org="karmojibi-nari", period="2024Q1", cell=(("sex", "female"),),
        value=value,
    )
    while True:
        try:
            app.correct_value(entry, Context(actor="meera", reason=f"writer {me}, {n}"))
            break
        except Conflict as e:
            assert str(e).startswith("someone recorded a change"), e
            conflicts += 1
app.close()
print(json.dumps({"first": first, "again": again, "conflicts": conflicts}), flush=True)
"""


# Records values for ORG, one command each, until told to stop (a line on stdin).
UNTIL_STOPPED = """
import json, select, sys
from datetime import date
from domain.reporting import Submission
from ledger.application import Context
from ledger.measurement import MeasurementCommands
from ledger.opening import open_ledger

store, org, first_year = sys.argv[1], sys.argv[2], int(sys.argv[3])
cells = [(), (("sex", "female"),), (("sex", "male"),), (("age", "15-24"),), (("age", "25-49"),)]
app = open_ledger(store, kind=MeasurementCommands)
app.collective("oporajita")
print("ready", flush=True)
sys.stdin.readline()
positions = []
n = 0
while not select.select([sys.stdin], [], [], 0)[0]:
    quarter, cell = divmod(n, len(cells))
    period = f"{first_year + quarter // 4}Q{quarter % 4 + 1}"
    entry = Submission(code="OP-WAGE-01", org=org, period=period, cell=cells[cell], value=str(n))
    positions.extend(app.submit_value(entry, Context(actor="meera")).positions)
    n += 1
app.close()
print(json.dumps({"org": org, "values": n, "positions": positions}), flush=True)
"""

# Imports FILE through the command line when told to (a line on stdin).
IMPORT = """
import sys
from cli.main import main

print("ready", flush=True)
sys.stdin.readline()
main(["--store", sys.argv[1], "--actor", "meera", "import", "values", "--json", sys.argv[2]])
"""


def _start(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def _all_at_once(
    writers: list[subprocess.Popen[str]], signal: str
) -> list[tuple[dict[str, Any], str]]:
    """Wait until every writer said ``signal``, let them all go, and collect what they say."""
    for writer in writers:
        assert writer.stdout is not None
        line = writer.stdout.readline()
        assert line.strip() == signal, (line, writer.stderr.read() if writer.stderr else "")
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    results = []
    for writer in writers:
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
        results.append((json.loads(out.strip().splitlines()[-1]), err))
    return results


def test_eight_writers_for_different_organisations_lose_nothing(pg_url: str) -> None:
    count = 40
    app = set_up(pg_url, ORGS)
    before = app.event_count()
    app.close()
    writers = [_start(DIFFERENT_ORGANISATIONS, pg_url, org, str(count)) for org in ORGS]
    results = _all_at_once(writers, "ready")
    receipts = [position for result, _ in results for position in result["positions"]]
    assert len(receipts) == len(set(receipts))  # no two commands were given the same position

    events = census(pg_url)
    assert len(events) == before + len(receipts)
    assert sorted(p for p, *_ in events[before:]) == sorted(receipts)
    submitted = [
        (state["org"], state["period"], json.dumps(state["cell"]), state["value"])
        for _, _, _, topic, state in events
        if topic.endswith(":Report.ValueSubmitted")
    ]
    assert len(submitted) == WRITERS * count
    assert len(set(submitted)) == len(submitted)  # each value exactly once
    assert Counter(org for org, *_ in submitted) == dict.fromkeys(ORGS, count)
    opened = [e for e in events if e[3].endswith(":Report.Opened")]
    assert len(opened) == WRITERS * count // 5  # one report a quarter, five cells each
    assert everything_verifies(pg_url) == len(events)

    app = open_ledger(pg_url)
    try:
        views = Views(app)
        views.refresh()
        current = views.db.query(
            "SELECT COUNT(*) AS n FROM view_measure_values WHERE valid_to IS NULL"
        )
    finally:
        app.close()
    assert current == [{"n": WRITERS * count}]


def test_eight_writers_on_one_cell_conflict_in_one_line_and_converge(pg_url: str) -> None:
    corrections = 5
    app = set_up(pg_url)
    app.close()
    writers = [_start(SAME_CELL, pg_url, str(me), str(corrections)) for me in range(WRITERS)]
    results = _all_at_once(writers, "loaded")

    # Exactly one first submission won; every other writer was told in one line...
    firsts = [result["first"] for result, _ in results]
    assert sorted(firsts) == [0] + [1] * (WRITERS - 1)
    winner = firsts.index(0)
    possible = {100 + winner} | {
        1000 * (me + 1) + n for me in range(WRITERS) for n in range(corrections)
    }
    for me, (result, err) in enumerate(results):
        commands = err.split("--- command\n")[1:]
        if me == winner:
            assert result["again"] is None
            assert not commands[0].startswith("Error"), err
            continue
        assert commands[0].strip().splitlines() == [f"Error: {CONFLICT}"]
        # ... and running it again converged: the cell has a value (the winner's, or a
        # correction of it another writer already made), which only a correction may change.
        assert result["again"] == 1
        [line] = commands[1].strip().splitlines()
        found = re.fullmatch(
            rf"Error: {CODE}/karmojibi-nari/2024Q1 already has a value for sex=female "
            r"\((\d+)\): to change it use `collective value correct`",
            line,
        )
        assert found, line
        assert int(found[1]) in possible

    events = census(pg_url)
    report = str(Report.id_for(SLUG, CODE, "karmojibi-nari", "2024Q1")).replace("-", "")
    ours = [e for e in events if e[1].replace("-", "") == report]
    assert [version for _, _, version, _, _ in ours] == list(range(1, len(ours) + 1))
    kinds = Counter(topic.rpartition(".")[2] for _, _, _, topic, _ in ours)
    assert kinds == {"Opened": 1, "ValueSubmitted": 1, "ValueCorrected": WRITERS * corrections}
    corrected = [state["value"] for *_, topic, state in ours if topic.endswith("Corrected")]
    assert sorted(corrected, key=float) == sorted(
        (str(1000 * (me + 1) + n) for me in range(WRITERS) for n in range(corrections)),
        key=float,
    )
    # Each correction supersedes the one before it in the log: none was lost in between.
    chain = [state for *_, topic, state in ours if "Value" in topic]
    for earlier, later in itertools.pairwise(chain):
        assert later["previous_value"] == earlier["value"]
    assert everything_verifies(pg_url) == len(events)

    app = open_ledger(pg_url)
    try:
        key = ReportKey(code=CODE, org="karmojibi-nari", period="2024Q1")
        _, found = app.report(key, SLUG)
        assert str(found.entries[(("sex", "female"),)].value) == chain[-1]["value"]
    finally:
        app.close()


def test_an_import_while_seven_others_record_single_values(pg_url: str, tmp_path: Path) -> None:
    rows = 2_000
    app = set_up(pg_url, ("brac", *ORGS[1:]))
    app.close()
    path = tmp_path / "brac-ব্র্যাক.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        sheet = csv.writer(f)
        sheet.writerow(["indicator", "organisation", "period", "sex", "age", "value"])
        cells = [("", ""), ("female", ""), ("male", ""), ("", "15-24"), ("", "25-49")]
        for n in range(rows):
            quarter, cell = divmod(n, len(cells))
            sex, age = cells[cell]
            period = f"{2001 + quarter // 4}Q{quarter % 4 + 1}"
            sheet.writerow([CODE, "brac", period, sex, age, str(n)])
    # Six writers for other partners, and one for brac itself in later years (other reports).
    singles = [_start(UNTIL_STOPPED, pg_url, org, "2001") for org in ORGS[1:7]]
    singles.append(_start(UNTIL_STOPPED, pg_url, "brac", "2150"))
    importer = _start(IMPORT, pg_url, str(path))
    everyone = [*singles, importer]
    for process in everyone:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
    for process in everyone:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    out, err = importer.communicate(timeout=300)
    assert importer.returncode == 0, err
    imported = json.loads(out[out.index("{") :])
    for process in singles:  # they recorded throughout the import: now they may stop
        assert process.stdin is not None
        process.stdin.write("stop\n")
        process.stdin.flush()
    results = []
    for process in singles:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    first, last = imported["first_position"], imported["last_position"]
    single = sorted(p for r in results for p in r["positions"])
    assert single[0] < first and single[-1] > last  # the import ran while the others recorded
    assert not [p for p in single if first <= p <= last]  # its events are one block in the log

    events = census(pg_url)
    submitted = Counter(
        (state["org"], state["period"], json.dumps(state["cell"]))
        for _, _, _, topic, state in events
        if topic.endswith(":Report.ValueSubmitted")
    )
    assert set(submitted.values()) == {1}  # each value exactly once
    by_org = Counter(org for org, _, _ in submitted)
    recorded = Counter[str]()
    for result in results:
        recorded[result["org"]] += result["values"]
    assert by_org == recorded + Counter({"brac": rows})
    imported_events = [e for e in events if first <= e[0] <= last]
    assert len(imported_events) == imported["events"] == rows + rows // 5  # values and reports
    assert everything_verifies(pg_url) == len(events)
