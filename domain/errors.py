"""Errors that a person can act on. Each message is one line, shown as ``Error: <message>``."""

from __future__ import annotations

__all__ = [
    "AlreadyExists",
    "Conflict",
    "DomainError",
    "NotFound",
    "RuleViolation",
]


class DomainError(Exception):
    """A refused command: bad input or a broken rule. Nothing was written."""


class NotFound(DomainError):
    """The thing a command names does not exist."""

    def __init__(self, kind: str, key: str, hint: str = "") -> None:
        self.kind = kind
        self.key = key
        message = f"{kind} {key!r} not found"
        super().__init__(f"{message}{': ' + hint if hint else ''}")


class AlreadyExists(DomainError):
    """The store refused a second record of the same thing."""

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} already exists")


class RuleViolation(DomainError):
    """A rule of the domain refuses the command (a closed period, a missing reason...)."""


class Conflict(DomainError):
    """Someone else changed the same record at the same time; running the command again helps."""
