"""Where a ledger lives: a SQLite file (the default), ``:memory:`` (tests) or a PostgreSQL URL.

A *store* is the text people type after ``--store``. This module turns it into the settings the
event-sourcing library reads, and refuses, in one line, a path that cannot hold a ledger.
Tables are created by ``init`` only; every other command opens an existing ledger.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["LEDGER_FORMAT", "SCHEMA_VERSION", "Store", "StoreError"]

LEDGER_FORMAT = "collective-ledger"
SCHEMA_VERSION = "1"


class StoreError(Exception):
    """The store cannot be opened or created. One line, for the terminal."""


@dataclass(frozen=True)
class Store:
    """A parsed ``--store`` value."""

    kind: Literal["sqlite", "memory", "postgres"]
    location: str

    @classmethod
    def parse(cls, text: str) -> Store:
        text = text.strip()
        if not text:
            raise StoreError("the store is empty: give a file path or a postgresql:// URL")
        if text == ":memory:":
            return cls("memory", f"file:ledger-{uuid.uuid4().hex}?mode=memory&cache=shared")
        if text.startswith(("postgresql://", "postgres://")):
            return cls("postgres", text)
        if "://" in text:
            raise StoreError(
                f"unknown kind of store {text.split('://')[0]!r}: use a file path "
                "or a postgresql:// URL"
            )
        return cls("sqlite", text)

    def __str__(self) -> str:
        if self.kind == "postgres":  # never the user or password
            parts = urlsplit(self.location)
            host = parts.hostname or "localhost"
            schema = parse_qs(parts.query).get("schema", [""])[0]
            where = f"?schema={schema}" if schema and schema != "public" else ""
            return f"postgresql://{host}:{parts.port or 5432}{parts.path}{where}"
        return ":memory:" if self.kind == "memory" else self.location

    def settings(self, *, create: bool) -> dict[str, str]:
        """The library's environment for this store (``CREATE_TABLE`` only when creating)."""
        if self.kind == "postgres":
            return self._postgres_settings(create=create)
        if self.kind == "memory":
            create = True
        lock_timeout = os.environ.get("COLLECTIVE_LOCK_TIMEOUT", "5")
        return {
            "PERSISTENCE_MODULE": "ledger.sqlite:LedgerSQLiteFactory",
            "SQLITE_DBNAME": self.location,
            "SQLITE_LOCK_TIMEOUT": lock_timeout,
            "CREATE_TABLE": "y" if create else "n",
        }

    def _postgres_settings(self, *, create: bool) -> dict[str, str]:
        parts = urlsplit(self.location)
        query = parse_qs(parts.query)
        dbname = parts.path.lstrip("/")
        if not dbname:
            raise StoreError(f"the PostgreSQL URL {self} names no database")
        return {
            "PERSISTENCE_MODULE": "ledger.postgres:LedgerPostgresFactory",
            "POSTGRES_DBNAME": unquote(dbname),
            "POSTGRES_HOST": parts.hostname or "localhost",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_SCHEMA": query.get("schema", ["public"])[0],
            "POSTGRES_LOCK_TIMEOUT": os.environ.get("COLLECTIVE_LOCK_TIMEOUT", "5"),
            "POSTGRES_CONNECT_TIMEOUT": "5",
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": "4",
            "CREATE_TABLE": "y" if create else "n",
        }

    def check_can_create(self) -> None:
        """Refuse, in one line, a file path that cannot become a ledger."""
        if self.kind != "sqlite":
            return
        path = Path(self.location)
        folder = path.parent if str(path.parent) else Path()
        if path.exists():
            if path.is_dir():
                raise StoreError(f"{path} is a folder, not a ledger file")
            if path.stat().st_size and self.ledger_format() is None:
                raise StoreError(f"{path} already exists and is not a collective ledger")
            if not os.access(path, os.W_OK):
                raise StoreError(f"cannot write {path}: permission denied")
            return
        if not folder.is_dir():
            raise StoreError(f"cannot create {path}: the folder {folder} does not exist")
        if not os.access(folder, os.W_OK):
            raise StoreError(f"cannot create {path}: the folder {folder} is not writable")

    def check_is_ledger(self) -> None:
        """Refuse, in one line, a file path that does not hold a ledger."""
        if self.kind != "sqlite":
            return
        path = Path(self.location)
        if not path.exists():
            raise StoreError(
                f"no ledger at {path}: create one with `collective init` or point --store at one"
            )
        if path.is_dir():
            raise StoreError(f"{path} is a folder, not a ledger file")
        found = self.ledger_format()
        if found is None:
            raise StoreError(f"{path} is not a collective ledger")
        if found[1] != SCHEMA_VERSION:
            raise StoreError(
                f"{path} is a ledger of schema {found[1]}; this version reads schema "
                f"{SCHEMA_VERSION}"
            )

    def ledger_format(self) -> tuple[str, str] | None:
        """The (format, schema) a SQLite file declares, or ``None`` if it is not a ledger."""
        uri = Path(self.location).resolve().as_uri() + "?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True)
        except sqlite3.Error:
            return None
        try:
            rows = dict(conn.execute("SELECT key, value FROM ledger_meta").fetchall())
        except sqlite3.Error:
            return None
        finally:
            conn.close()
        if rows.get("format") != LEDGER_FORMAT:
            return None
        return rows["format"], rows.get("schema", "")
