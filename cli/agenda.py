"""The common agenda: ``collective agenda adopt|amend|show|versions|diff``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cli.common import (
    as_of_option,
    as_of_time,
    context,
    json_option,
    ledger,
    on_option,
    reason_option,
    report,
)
from cli.output import echo, print_json, print_table, say

if TYPE_CHECKING:
    from domain.agenda import AgendaText
    from projections.registry import Views

T = TypeVar("T")

__all__ = ["agenda"]


@click.group()
def agenda() -> None:
    """The common agenda: the shared problem, vision and outcomes, changed only by decision.

    Every version stays readable, and any two can be compared.

    \b
    Example:
      collective --actor meera agenda adopt --file agenda.toml --decision steering-1
      collective agenda versions
      collective agenda diff 1 2
    """


_file_option = click.option(
    "--file",
    "path",
    required=True,
    metavar="FILE",
    help="The agenda: a .toml (or .json) file in UTF-8.",
)
_decision_option = click.option(
    "--decision", "decision", required=True, metavar="ID", help="The decision that adopted it."
)


@agenda.command("adopt")
@_file_option
@_decision_option
@on_option
@reason_option()
def adopt(path: str, decision: str, on: str | None, reason: str | None) -> None:
    """Adopt the common agenda (version 1) on the authority of a decision that passed.

    The agenda file is TOML (or JSON with the same keys) in UTF-8: the problem, the vision,
    the shared outcomes (a code and a title each), and optionally strategies and equity
    commitments. Text in any script is kept as written.

    \b
    problem = "Informal waste pickers are excluded from social security."
    vision = "Every waste-picker family lives with dignity and security."
    strategies = ["Enrol families in entitlement schemes"]
    equity_commitments = ["Community representatives hold seats on every body"]
    [[outcomes]]
    code = "SS-O1"
    title = "ಸಾಮಾಜಿಕ ಭದ್ರತೆ Social security and entitlements"
    [[outcomes]]
    code = "SS-O2"
    title = "Children's education"

    \b
    Example:
      collective --actor meera agenda adopt --file agenda.toml --decision steering-1 \\
          --on 2020-02-01
    """
    text = _read_agenda(path)
    recording = context(on, reason)
    with ledger() as app:
        report(app.adopt_agenda(text, decision, recording), "Adopted the common agenda")


@agenda.command("amend")
@_file_option
@_decision_option
@on_option
@reason_option()
def amend(path: str, decision: str, on: str | None, reason: str | None) -> None:
    """Adopt a new version of the common agenda on the authority of a decision that passed.

    The file holds the whole new version, in the format `collective agenda adopt --help`
    shows; an amendment identical to the current version is refused.

    \b
    Example:
      collective --actor meera agenda amend --file agenda-phase2.toml --decision steering-9 \\
          --on 2025-01-15
    """
    text = _read_agenda(path)
    recording = context(on, reason)
    with ledger() as app:
        receipt = app.amend_agenda(text, decision, recording)
        version = app.agenda(app.collective(recording.collective).slug).current.version
        report(receipt, f"Adopted version {version} of the common agenda")


@agenda.command("show")
@click.option(
    "--version", "number", type=int, default=None, help="Which version; default: the current one."
)
@as_of_option
@json_option
def show(number: int | None, as_of: str | None, as_json: bool) -> None:
    """Show a version of the common agenda (the current one unless --version is given).

    With --as-of, the agenda as the ledger held it then (its current version at that time).

    \b
    Example:
      collective agenda show
      collective agenda show --version 1 --json
      collective agenda show --as-of 2021-12-31
    """
    from projections.agenda import agenda_version

    slug, found = _read(as_of, lambda views, slug, at: agenda_version(views, slug, at, number))
    if as_json:
        print_json({"collective": slug, **found.model_dump(mode="json")})
        return
    text = found.text
    echo(
        f"Common agenda of {slug}, version {found.version} "
        f"(adopted {found.adopted} by decision {found.decision})"
    )
    _section("Problem", [text.problem])
    _section("Vision", [text.vision])
    _section("Shared outcomes", [f"{o.code}  {o.title}" for o in text.outcomes])
    _section("Strategies", text.strategies)
    _section("Equity commitments", text.equity_commitments)


@agenda.command("versions")
@as_of_option
@json_option
def versions(as_of: str | None, as_json: bool) -> None:
    """List every version of the common agenda, with the decision that adopted it.

    \b
    Example:
      collective agenda versions --json
      collective agenda versions --as-of 2024-12-31
    """
    from projections.agenda import agenda_versions

    _, adopted = _read(as_of, agenda_versions)
    rows: list[dict[str, Any]] = [
        {
            "version": v.version,
            "adopted": v.adopted.isoformat(),
            "decision": v.decision,
            "recorded_at": v.recorded_at.isoformat(),
            "outcomes": [o.code for o in v.text.outcomes],
        }
        for v in adopted
    ]
    if as_json:
        print_json(rows)
        return
    print_table(
        ["version", "adopted", "decision", "shared outcomes", "recorded at"],
        [
            (r["version"], r["adopted"], r["decision"], ", ".join(r["outcomes"]), r["recorded_at"])
            for r in rows
        ],
    )


@agenda.command("diff")
@click.argument("old", type=int, metavar="N")
@click.argument("new", type=int, metavar="M")
@as_of_option
@json_option
def diff(old: int, new: int, as_of: str | None, as_json: bool) -> None:
    """Compare version N of the common agenda with version M.

    Shows which fields changed, and which shared outcomes, strategies and equity
    commitments were added, removed or (for outcomes) retitled.

    \b
    Example:
      collective agenda diff 1 2
      collective agenda diff 1 2 --json
      collective agenda diff 1 2 --as-of 2025-12-31
    """
    from projections.agenda import agenda_diff

    _, found = _read(as_of, lambda views, slug, at: agenda_diff(views, slug, at, old, new))
    if as_json:
        print_json(found.model_dump(mode="json"))
        return
    rows: list[tuple[str, str]] = [("changed", field) for field in found.changed]
    rows += [("outcome added", f"{o.code}  {o.title}") for o in found.outcomes_added]
    rows += [("outcome removed", f"{o.code}  {o.title}") for o in found.outcomes_removed]
    rows += [
        ("outcome retitled", f"{c.code}  {c.before} -> {c.after}") for c in found.outcomes_changed
    ]
    rows += [("strategy added", s) for s in found.strategies_added]
    rows += [("strategy removed", s) for s in found.strategies_removed]
    rows += [("equity commitment added", e) for e in found.equity_commitments_added]
    rows += [("equity commitment removed", e) for e in found.equity_commitments_removed]
    if not rows:
        echo(f"Versions {old} and {new} of the common agenda are the same.")
        return
    print_table(["change", "what"], rows, title=f"Common agenda, version {old} -> {new}")


def _read_agenda(path: str) -> AgendaText:
    from pydantic import ValidationError

    from cli.common import InputError
    from cli.files import read_document, validation_message
    from domain.agenda import AgendaText

    data = read_document(path, "agenda file")
    try:
        return AgendaText.model_validate(data)
    except ValidationError as e:
        raise InputError(f"agenda file {path!r}: {validation_message(e)}") from None


def _read(as_of: str | None, query: Callable[[Views, str, int | None], T]) -> tuple[str, T]:
    """Catch the views up, then answer ``query`` for the collective at ``--as-of`` (or now)."""
    from projections.registry import Views

    obj = click.get_current_context().find_root().obj
    with ledger() as app:
        moment = as_of_time(app, as_of)
        views = Views(app, notice=say)
        views.refresh()
        at = views.position(moment)
        slug = app.collective(obj.collective).slug
        return slug, query(views, slug, at)


def _section(title: str, lines: Sequence[str]) -> None:
    if not lines:
        return
    echo("")
    echo(title)
    for line in lines:
        echo("  " + line.replace("\n", "\n  "))
