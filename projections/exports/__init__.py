"""Exports: files for other tools, made from the projections (never from the raw events).

Every export is deterministic: the same ledger and options give the same bytes, apart from a
generated-at stamp that ``--as-of`` fixes. Files are written under a temporary name and renamed
when complete, so a failed export leaves nothing behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from projections.registry import Views

__all__ = ["ExportRequest", "written_dir", "written_file"]


@dataclass(frozen=True)
class ExportRequest:
    """What every exporter is given."""

    views: Views
    collective: str
    at: int | None
    """The log position to export as of (``None``: now)."""
    generated_at: datetime
    """The stamp written into the files: the ``--as-of`` time, or now."""
    out: Path
    options: dict[str, Any] = field(default_factory=dict)


@contextmanager
def written_file(path: Path) -> Iterator[Path]:
    """Write to a temporary file beside ``path``; rename it to ``path`` only on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    Path(temporary).chmod(0o666 & ~_umask())  # mkstemp makes it owner-only; exports are shared
    try:
        yield Path(temporary)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextmanager
def written_dir(path: Path) -> Iterator[Path]:
    """Fill a temporary folder beside ``path``; it replaces ``path`` only on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    temporary.chmod(0o777 & ~_umask())
    try:
        yield temporary
        if path.exists():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        Path(temporary).replace(path)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
