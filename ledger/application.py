"""The ledger application: commands in, events out.

One application class, made of one part per area of the domain (each a small module in
``ledger/``), opened from a store by :func:`open_ledger`.
"""

from __future__ import annotations

from ledger.activities import ActivityCommands
from ledger.actors import ActorCommands
from ledger.agenda import AgendaCommands
from ledger.checkpoints import AuditCommands
from ledger.communication import CommunicationCommands
from ledger.core import APPLICATION_NAME, Context, LedgerCore, Receipt, check_actor
from ledger.dhis2 import Dhis2Commands
from ledger.funding import FundingCommands
from ledger.governance import GovernanceCommands
from ledger.imports.commands import ImportCommands
from ledger.measurement import MeasurementCommands
from ledger.opening import open_ledger

__all__ = [
    "APPLICATION_NAME",
    "Context",
    "LedgerApplication",
    "Receipt",
    "check_actor",
    "open_ledger",
]


class LedgerApplication(
    AgendaCommands,
    AuditCommands,
    ActivityCommands,
    CommunicationCommands,
    FundingCommands,
    Dhis2Commands,
    ImportCommands,
    MeasurementCommands,
    GovernanceCommands,
    ActorCommands,
    LedgerCore,
):
    """The whole ledger: every area's commands on one event store."""
