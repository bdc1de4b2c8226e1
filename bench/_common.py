"""Helpers for the benchmark scripts: timing subprocesses against a baseline in the same run."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

BIN = Path(sys.executable).parent
COLLECTIVE = str(BIN / "collective")


def wall(command: Sequence[str], repeat: int = 7, env: dict[str, str] | None = None) -> float:
    """The median wall time of running ``command`` ``repeat`` times, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"
