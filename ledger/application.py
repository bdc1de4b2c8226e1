"""The ledger application: commands in, events out.

One application class, made of one part per area of the domain (each a small module in
``ledger/``), opened from a store by :func:`open_ledger`.
"""

from __future__ import annotations

from ledger.activities import ActivityCommands
from ledger.agenda import AgendaCommands
from ledger.communication import CommunicationCommands
from ledger.core import APPLICATION_NAME, Context, LedgerCore, Receipt, check_actor
from ledger.funding import FundingCommands
from ledger.governance import GovernanceCommands
from ledger.measurement import MeasurementCommands
from ledger.store import LEDGER_FORMAT, SCHEMA_VERSION, Store, StoreError

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
    ActivityCommands,
    CommunicationCommands,
    FundingCommands,
    MeasurementCommands,
    GovernanceCommands,
    LedgerCore,
):
    """The whole ledger: every area's commands on one event store."""


def open_ledger(text: str, *, create: bool = False) -> LedgerApplication:
    """Open the ledger in the store ``text`` (create its tables when ``create``)."""
    store = Store.parse(text)
    if create:
        store.check_can_create()
    else:
        store.check_is_ledger()
    try:
        app = LedgerApplication(store, create=create)
    except Exception as e:  # the drivers raise many kinds; the person needs one line
        raise StoreError(f"cannot open the store {store}: {_first_line(e)}") from e
    if store.kind != "sqlite":
        _check_or_mark(app, create=create)
    elif create:
        app.write_meta(format=LEDGER_FORMAT, schema=SCHEMA_VERSION)
    return app


def _check_or_mark(app: LedgerApplication, *, create: bool) -> None:
    if create:
        app.write_meta(format=LEDGER_FORMAT, schema=SCHEMA_VERSION)
        return
    try:
        meta = app.read_meta()
    except Exception as e:
        raise StoreError(
            f"{app.store} holds no collective ledger (run `collective init`): {_first_line(e)}"
        ) from e
    if meta.get("format") != LEDGER_FORMAT:
        raise StoreError(f"{app.store} holds no collective ledger (run `collective init`)")


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
