"""Helpers for the benchmark scripts: timing subprocesses against a baseline in the same run."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

BIN = Path(sys.executable).parent
COLLECTIVE = str(BIN / "collective")


def environment(**extra: str) -> dict[str, str]:
    """The environment for timed commands: bytecode caching on, as on an installed system.

    (This workplace sets PYTHONDONTWRITEBYTECODE, which makes every start compile every module
    from source; ``pip install`` byte-compiles an installed package, so people never pay that.)
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def warm(command: Sequence[str], env: dict[str, str] | None = None) -> None:
    """Run once untimed, so that bytecode caches exist before timing."""
    subprocess.run(command, check=False, capture_output=True, env=env)


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
