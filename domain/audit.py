"""The audit log's own history: the checkpoints the ledger signed, kept in the ledger itself.

A checkpoint is a signed statement "this log, of this origin, had this many leaves with this root"
(C2SP tlog-checkpoint). Keeping each one as an event lets a later verification check every
checkpoint ever issued, and lets the ledger refuse to sign a tree inconsistent with the last one.
The aggregate is store-wide (one per ledger); checking consistency needs the stored tree, so the
application passes the check in as a function (no I/O here).
"""

from collections.abc import Callable

from pydantic import Field

from domain.base import Aggregate, Created, Envelope, Event, Value, aggregate_id, topic
from domain.errors import RuleViolation

__all__ = ["AuditLog", "TreeHead"]


class TreeHead(Value):
    """A checkpoint as the ledger issued it: size, root and the signed note (C2SP text)."""

    origin: str = Field(min_length=1, max_length=200)
    size: int = Field(ge=0)
    root: str
    """The root hash, base64 as in the checkpoint text."""
    signer: str
    """The signing key, ``NAME+KEYID`` (hex)."""
    note: str
    """The whole signed checkpoint, exactly as issued."""


class AuditLog(Aggregate):
    """The ledger's audit log: its origin and the checkpoints it signed, in order."""

    TOPIC = topic("AuditLog")
    ID = aggregate_id("audit-log")

    class Started(Created):
        TOPIC = topic("AuditLog.Started")
        origin: str

        def apply(self, aggregate: "AuditLog") -> None:
            aggregate.origin = self.origin

        def subject(self) -> str:
            return "audit-log"

        def summary(self) -> str:
            return f"audit log {self.origin} started"

    class CheckpointIssued(Event):
        TOPIC = topic("AuditLog.CheckpointIssued")
        checkpoint: TreeHead

        def apply(self, aggregate: "AuditLog") -> None:
            aggregate.last = self.checkpoint
            aggregate.issued += 1

        def subject(self) -> str:
            return "audit-log"

        def summary(self) -> str:
            c = self.checkpoint
            return f"checkpoint of {c.size} events signed by {c.signer} (root {c.root})"

    def __init__(self) -> None:
        self.origin: str
        self.last: TreeHead | None = None
        self.issued = 0

    @classmethod
    def start(cls, origin: str, meta: Envelope) -> "AuditLog":
        return cls._create(cls.Started, id=cls.ID, origin=origin, meta=meta)

    def issue(
        self, head: TreeHead, meta: Envelope, *, consistent: Callable[[int, str], bool]
    ) -> None:
        """Record a signed checkpoint, unless it contradicts the last one issued.

        ``consistent(size, root)`` says whether the current log extends the tree of that size and
        root (a consistency proof, RFC 9162 2.1.4).
        """
        if head.origin != self.origin:
            raise RuleViolation(f"this audit log is {self.origin}, not {head.origin}")
        last = self.last
        if last is not None:
            if head.size < last.size:
                raise RuleViolation(
                    f"the log holds {head.size} events, fewer than the {last.size} of the last "
                    "checkpoint: run `collective verify`"
                )
            if not consistent(last.size, last.root):
                raise RuleViolation(
                    f"the log is not consistent with the last checkpoint (size {last.size}): "
                    "run `collective verify`"
                )
        self._trigger(self.CheckpointIssued, meta, checkpoint=head)
