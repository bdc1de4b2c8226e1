"""Opening a ledger from the text people type after ``--store``."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, overload

from ledger.store import LEDGER_FORMAT, SCHEMA_VERSION, Store, StoreError

if TYPE_CHECKING:
    from ledger.application import LedgerApplication
    from ledger.core import LedgerCore

__all__ = ["open_ledger"]

L = TypeVar("L", bound="LedgerCore")


@overload
def open_ledger(text: str, *, create: bool = False, kind: None = None) -> LedgerApplication: ...


@overload
def open_ledger(text: str, *, create: bool = False, kind: type[L]) -> L: ...


def open_ledger(
    text: str, *, create: bool = False, kind: type[L] | None = None
) -> LedgerApplication | L:
    """Open the ledger in the store ``text`` (create its tables when ``create``).

    ``kind`` is the application class to open it with: the whole :class:`LedgerApplication` by
    default, or one area of it (``MeasurementCommands``) for a command that only records there,
    which starts quicker because it loads only that part of the domain. Every kind shares the
    application's name, tables and events.
    """
    store = Store.parse(text)
    if create:
        store.check_can_create()
    else:
        store.check_is_ledger()
    if kind is None:
        from ledger.application import LedgerApplication

        kind = LedgerApplication  # type: ignore[assignment]
    assert kind is not None
    try:
        app = kind(store, create=create)
    except Exception as e:  # the drivers raise many kinds; the person needs one line
        raise StoreError(f"cannot open the store {store}: {_first_line(e)}") from e
    if store.kind != "sqlite":
        try:
            _check_or_mark(app, create=create)
        except BaseException:
            app.close()  # its connection pool would outlive the refusal
            raise
    elif create:
        app.write_meta(format=LEDGER_FORMAT, schema=SCHEMA_VERSION)
    return app


def _check_or_mark(app: LedgerCore, *, create: bool) -> None:
    if create:
        app.write_meta(format=LEDGER_FORMAT, schema=SCHEMA_VERSION)
        return
    try:
        meta = app.read_meta()
    except Exception as e:
        cause = e.__cause__ or e
        if getattr(cause, "sqlstate", None) == "42P01":  # undefined_table: no ledger tables
            raise StoreError(
                f"no ledger at {app.store}: create one with `collective init` or point --store "
                "at one"
            ) from e
        raise StoreError(f"cannot read the ledger at {app.store}: {_first_line(e)}") from e
    if meta.get("format") != LEDGER_FORMAT:
        raise StoreError(f"{app.store} holds no collective ledger (run `collective init`)")
    if meta.get("schema") != SCHEMA_VERSION:  # as Store.check_is_ledger does for a file
        raise StoreError(
            f"{app.store} is a ledger of schema {meta.get('schema')}; this version reads schema "
            f"{SCHEMA_VERSION}"
        )


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
