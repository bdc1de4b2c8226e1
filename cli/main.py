"""The ``collective`` command: global options, error handling, and the list of commands.

Command modules import only click at the top; the ledger and its domain are imported when a
command runs, so ``collective --help`` stays quick.
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from typing import Any

import click

from cli.output import fail


def _skip_pydantic_plugin_discovery() -> None:
    """The ledger uses no pydantic plugins, but pydantic looks for them (through
    ``importlib.metadata``, about 30 ms to import) the first time it builds a validator, which is
    a sixth of a short command's run. Unless someone asked for plugins, hand pydantic an empty
    list without the search. (``pydantic.plugin._loader.get_plugins`` is what pydantic calls;
    if that ever changes, pydantic imports its own module and only the 30 ms come back.)"""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] != "__all__":
        return
    name = "pydantic.plugin._loader"
    if name not in sys.modules:
        loader = types.ModuleType(name)
        loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
        sys.modules[name] = loader


_skip_pydantic_plugin_discovery()

__all__ = ["Collective", "main"]

# name -> (module, attribute, one-line help). Loaded when first used.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("cli.setup", "init", "Create a ledger (if needed) and set up a collective in it."),
    "demo": ("cli.setup", "demo", "Build the demonstration ledger (two programmes, 2020 on)."),
    "org": ("cli.org", "org", "Register organisations; record who joins and leaves."),
    "status": ("cli.reading", "status", "The collective at a glance."),
    "body": ("cli.governance", "body", "Governance bodies, their seats and decision rules."),
    "decision": ("cli.governance", "decision", "Propose decisions, record positions, close."),
    "indicator": ("cli.measurement", "indicator", "Indicators: define, revise, set targets."),
    "value": ("cli.measurement", "value", "Values partners report: submit, correct, review."),
    "import": ("cli.imports", "import_group", "Partner spreadsheets in; templates out."),
    "period": ("cli.measurement", "period", "Close a reporting period under a decision."),
    "activity": ("cli.activities", "activity", "Activities partners commit to; progress, end."),
    "meeting": ("cli.communication", "meeting", "Meetings of bodies: attendance and decisions."),
    "announce": ("cli.communication", "announce", "Record an announcement."),
    "feedback": ("cli.communication", "feedback", "Community feedback and closing the loop."),
    "funding": ("cli.funding", "funding", "Funding commitments and disbursements."),
    "learning": ("cli.communication", "learning", "Learning and the decisions it led to."),
    "agenda": ("cli.agenda", "agenda", "The common agenda: adopt, amend, read, compare versions."),
    "agreement": ("cli.agreement", "agreement", "Charters, MoUs, data-sharing and funding."),
    "backbone": ("cli.backbone", "backbone", "Appoint or hand over the backbone organisation."),
    "log": ("cli.reading", "log", "The event history: who recorded what, when."),
    "actor": ("cli.actor", "actor", "Who may record: actors, their roles and signing keys."),
    "verify": ("cli.audit", "verify", "Recompute the audit log from the events; check it."),
    "checkpoint": ("cli.audit", "checkpoint", "Sign the current tree head (C2SP checkpoint)."),
    "keys": ("cli.audit", "keys", "Ed25519 signing keys for checkpoints."),
    "proof": ("cli.audit", "proof", "Receipts: prove one event is in the signed log."),
    "audit": ("cli.audit", "audit", "Offline audit: bundle the log; verify a bundle."),
    "export": ("cli.export", "export", "Files for spreadsheets, BI tools, DHIS2 and IATI."),
    "progress": ("cli.measurement_reports", "progress", "Indicator values against targets."),
    "equity": ("cli.measurement_reports", "equity", "Gaps between groups of a dimension."),
    "completeness": ("cli.measurement_reports", "completeness", "Who reported what; late."),
    "alignment": ("cli.reports", "alignment", "Activities by partner and outcome; gaps; overdue."),
    "decisions": ("cli.reports", "decisions", "The register of decisions; positions counted."),
    "communication": ("cli.reports", "communication", "Meetings, attendance, feedback, news."),
    "trace": ("cli.reading", "trace", "Every event and decision behind an indicator, value..."),
    "projections": ("cli.projections", "projections", "Read models: status, rebuild, follow."),
    "migrate": ("cli.migrate", "migrate", "Copy a SQLite ledger into PostgreSQL, keeping all."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when they run or show their help."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module, attribute, _ = self.lazy[cmd_name]
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy[name][2]) for name in sorted(self.lazy)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except Exception as error:
            message = _user_message(error)
            if message is None:
                raise
            fail(message)


def _user_message(error: Exception) -> str | None:
    """The one-line message for an error the person can act on, or ``None`` for a bug."""
    from domain.errors import DomainError
    from ledger.store import StoreError

    if isinstance(error, DomainError | StoreError):
        return str(error)
    from ledger.faults import describe

    if (fault := describe(error)) is not None:  # a lock timeout, a server gone away
        return fault
    try:
        from pydantic import ValidationError
    except ImportError:  # pragma: no cover
        return None
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "value_error":  # our own validators name the thing themselves
            return message
        field = ".".join(str(part) for part in first["loc"])
        return f"{field}: {message}" if field else message
    if isinstance(error, ValueError):  # periods, slugs and other values read from the command
        return str(error)
    return None


class Collective:
    """What the global options say, handed to every command as ``ctx.obj``."""

    def __init__(
        self,
        store: str,
        actor: str | None,
        collective: str | None,
        request_id: str | None,
        sign_with: str | None = None,
    ) -> None:
        self.store = store
        self.actor = actor
        self.collective = collective
        self.request_id = request_id
        self.sign_with = sign_with


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    envvar="COLLECTIVE_STORE",
    default="collective.db",
    show_default=True,
    help="The ledger: a SQLite file path or a postgresql:// URL. [env: COLLECTIVE_STORE]",
)
@click.option(
    "--actor",
    envvar="COLLECTIVE_ACTOR",
    default=None,
    help="Who is recording (needed by every recording command). [env: COLLECTIVE_ACTOR]",
)
@click.option(
    "--collective",
    "collective",
    envvar="COLLECTIVE_SLUG",
    default=None,
    help="Which collective, when the ledger holds several. [env: COLLECTIVE_SLUG]",
)
@click.option(
    "--request-id",
    envvar="COLLECTIVE_REQUEST_ID",
    default=None,
    help="An id for this command; running it again with the same id records nothing "
    "new. [env: COLLECTIVE_REQUEST_ID]",
)
@click.option(
    "--sign-with",
    envvar="COLLECTIVE_SIGN_WITH",
    default=None,
    metavar="FILE",
    help="Sign what a recording command records with the actor's key in FILE (the key "
    "registered for the actor). [env: COLLECTIVE_SIGN_WITH]",
)
@click.version_option(package_name="collective-ledger", prog_name="collective")
@click.pass_context
def main(
    ctx: click.Context,
    store: str,
    actor: str | None,
    collective: str | None,
    request_id: str | None,
    sign_with: str | None,
) -> None:
    """collective: an event-sourced ledger for Collective Impact initiatives.

    Every agreement, indicator value, activity and agenda change is recorded as an event
    that is never changed or deleted; reports rebuild the present (or any past moment) from them.

    \b
    Example:
      collective --actor meera init saamuhika-shakti --name "Saamuhika Shakti" \\
          --calendar india --timezone Asia/Kolkata --currency INR
      collective --actor meera org add hasiru-dala --name "Hasiru Dala" --type implementing
      collective log
    """
    ctx.obj = Collective(store, actor, collective, request_id, sign_with)
