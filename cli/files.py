"""Reading the files a command is given (``--file``): UTF-8 text, and TOML or JSON documents.

Every problem with a file ends as one line that names the file (an :class:`InputError`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cli.common import InputError

__all__ = ["read_document", "read_text", "validation_message"]


def read_text(path: str, what: str) -> str:
    """The text of the file at ``path``, read as UTF-8 (a byte-order mark is dropped)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {what} {path!r}: {e.strerror or e}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{what} {path!r} is not UTF-8 text") from None


def read_document(path: str, what: str) -> dict[str, Any]:
    """The table of keys in a ``.toml`` or ``.json`` file."""
    import json
    import tomllib

    suffix = Path(path).suffix.lower()
    if suffix not in (".toml", ".json"):
        raise InputError(f"{what} {path!r} must be a .toml or a .json file")
    text = read_text(path, what)
    try:
        data = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as e:
        kind = "TOML" if suffix == ".toml" else "JSON"
        raise InputError(f"{what} {path!r} is not valid {kind}: {e}") from None
    if not isinstance(data, dict):
        raise InputError(f"{what} {path!r} must hold a table of keys, not a list or a value")
    return data


def validation_message(error: Any) -> str:
    """The first problem a pydantic ``ValidationError`` found, as ``field: message``."""
    first = error.errors()[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    field = ".".join(str(part) for part in first["loc"])
    return f"{field}: {message}" if field else message
