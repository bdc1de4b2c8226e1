"""How much the `collective` command adds to a bare Python start.

Prints, in one run, the median wall time of `python -c pass`, `collective --help`, and one
recording command (`org add`) on a ledger of 10,000 events, with the overhead of each over the
bare interpreter. Targets (issue 2): --help adds at most 100 ms, a recording command at most 200 ms.

    .venv/bin/python bench/cli_startup.py
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import COLLECTIVE, environment, ms, wall, warm

from domain.base import Envelope
from domain.collective import Settings
from domain.organisation import Organisation, Profile
from domain.vocabulary import OrgType
from ledger.application import Context, open_ledger

EVENTS = 10_000


def build(path: Path) -> None:
    app = open_ledger(str(path), create=True)
    app.init_collective(Settings(slug="bench", name="Bench"), Context(actor="bench"))
    meta = Envelope(actor="bench", effective=date(2024, 1, 1))
    batch = []
    for n in range(EVENTS - app.event_count()):
        profile = Profile(slug=f"org-{n}", name=f"Organisation {n}", type=OrgType.IMPLEMENTING)
        batch.append(Organisation.register(profile, meta))
        if len(batch) == 1000:
            app.save(*batch)
            batch = []
    app.save(*batch)
    assert app.event_count() == EVENTS
    app.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "bench.db"
        build(store)
        env = environment(COLLECTIVE_STORE=str(store), COLLECTIVE_ACTOR="bench")
        warm([COLLECTIVE, "org", "add", "warm-up", "--name", "W", "--type", "funder"], env=env)
        bare = wall([sys.executable, "-c", "pass"], env=env)
        helped = wall([COLLECTIVE, "--help"], env=env)
        counter = iter(range(10**6))

        def record() -> list[str]:
            return [
                COLLECTIVE,
                "org",
                "add",
                f"new-{next(counter)}",
                "--name",
                "New",
                "--type",
                "funder",
            ]

        recorded = []
        for _ in range(7):
            recorded.append(wall(record(), repeat=1, env=env))
        recorded.sort()
        record_median = recorded[len(recorded) // 2]
    print(f"python -c pass             {ms(bare)}")
    print(
        f"collective --help          {ms(helped)}   (+{ms(helped - bare).strip()}, target +100 ms)"
    )
    print(
        f"collective org add         {ms(record_median)}   "
        f"(+{ms(record_median - bare).strip()}, target +200 ms; ledger of {EVENTS:,} events)"
    )


if __name__ == "__main__":
    main()
