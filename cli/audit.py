"""Auditing: ``keys``, ``checkpoint``, ``verify``, ``proof`` and ``audit``.

Key files are created with owner-only permissions and never overwritten; every file a command
writes goes to a temporary name first and is renamed when complete. ``proof verify`` and
``audit verify`` need no database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cli.common import InputError, context, json_option, ledger_part, report
from cli.output import echo, print_json, say

if TYPE_CHECKING:
    from ledger.signednote import SigningKey, VerifierKey
    from ledger.verify import Report

__all__ = ["audit", "checkpoint", "keys", "proof", "verify"]

F = TypeVar("F", bound=Callable[..., Any])

_TRUSTED_HELP = (
    "A verifier key you trust (NAME+KEYID+KEY, or a file holding such lines), obtained from "
    "the backbone out of band; repeatable."
)


# -- files --------------------------------------------------------------------------------------


def _read_bytes(path: str, what: str) -> bytes:
    from pathlib import Path

    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {what} {path}: {e.strerror or e}") from None


def _write(path: str, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to a temporary name beside ``path``, then rename it to ``path``.

    A ``private`` file (a key) is created with mode 0o600 and never replaces an existing file.
    """
    import os
    import uuid
    from pathlib import Path

    target = Path(path)
    if private and target.exists():
        raise InputError(f"{path} already exists: a key file is never overwritten")
    if not (target.parent if str(target.parent) else Path()).is_dir():
        raise InputError(f"cannot write {path}: the folder {target.parent} does not exist")
    temporary = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if private:
            os.link(temporary, target)  # fails if the file appeared meanwhile: never overwrite
            temporary.unlink()
        else:
            temporary.replace(target)
    except FileExistsError:
        temporary.unlink(missing_ok=True)
        raise InputError(f"{path} already exists: a key file is never overwritten") from None
    except OSError as e:
        temporary.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {e.strerror or e}") from None


def _signing_key(path: str) -> SigningKey:
    from ledger.signednote import NoteError, SigningKey

    text = _read_bytes(path, "the key file").decode("utf-8", "replace")
    try:
        return SigningKey.parse(text)
    except NoteError as e:
        raise InputError(f"{path} holds no signing key: {e}") from None


def _trusted(values: tuple[str, ...]) -> list[VerifierKey]:
    """Verifier keys given on the command line, each as text or as a file holding them."""
    from pathlib import Path

    from ledger.signednote import NoteError, VerifierKey

    found: list[VerifierKey] = []
    for value in values:
        lines = [value]
        if "+" not in value and Path(value).is_file():
            text = _read_bytes(value, "the verifier key file").decode("utf-8", "replace")
            lines = [line for line in text.splitlines() if line.strip()]
        for line in lines:
            try:
                found.append(VerifierKey.parse(line))
            except NoteError as e:
                raise InputError(f"--trusted-key {line.strip()[:60]!r}: {e}") from None
    return found


def _checkpoint_files(paths: tuple[str, ...]) -> list[tuple[str, bytes]]:
    return [(path, _read_bytes(path, "the checkpoint")) for path in paths]


def _exit_failed() -> None:
    click.get_current_context().exit(1)


# -- keys ---------------------------------------------------------------------------------------


@click.group()
def keys() -> None:
    """Ed25519 signing keys for checkpoints (C2SP signed-note keys).

    \b
    Example:
      collective keys generate collective-ledger/saamuhika-shakti --out backbone.key
    """


@keys.command("generate")
@click.argument("name")
@click.option("--out", required=True, metavar="FILE", help="The new key file (mode 0600).")
def keys_generate(name: str, out: str) -> None:
    """Create a signing key called NAME in a new file and print its verifier key.

    The file holds the private key (PRIVATE+KEY+NAME+KEYID+KEY, readable by you only): keep it
    safe and never put it in the ledger. The printed line (NAME+KEYID+KEY) is the verifier key:
    give it to partners, funders and auditors so they can check checkpoints and receipts. Name
    the key after the log's origin (see `collective checkpoint`) where you can.

    \b
    Example:
      collective keys generate collective-ledger/saamuhika-shakti --out backbone.key
    """
    from ledger.signednote import NoteError, SigningKey

    try:
        key = SigningKey.generate(name)
    except NoteError as e:
        raise InputError(str(e)) from None
    _write(out, (key.text + "\n").encode(), private=True)
    echo(key.verifier.vkey)
    say(f"Signing key written to {out} (readable by you only); the verifier key is above.")


@keys.command("verifier")
@click.argument("file")
def keys_verifier(file: str) -> None:
    """Print the verifier key of the signing key in FILE.

    \b
    Example:
      collective keys verifier backbone.key
    """
    echo(_signing_key(file).verifier.vkey)


# -- checkpoint ---------------------------------------------------------------------------------


@click.command()
@click.option("--key", "key_file", required=True, metavar="FILE", help="The signing key file.")
@click.option("--out", default=None, metavar="FILE", help="Also write the checkpoint here.")
def checkpoint(key_file: str, out: str | None) -> None:
    """Sign the current tree head (a C2SP tlog-checkpoint) and keep it in the ledger.

    Prints the signed checkpoint: its origin (this ledger's name, fixed at the first checkpoint),
    the number of events, the root hash, and the signature line. Give it to partners, funders and
    auditors: whoever keeps it can later prove that history was not rewritten. The ledger
    refuses to sign a tree that does not extend the last checkpoint it signed.

    \b
    Example:
      collective --actor meera checkpoint --key backbone.key --out 2024-06.checkpoint
    """
    from ledger.checkpoints import AuditCommands

    key = _signing_key(key_file)
    recording = context()
    with ledger_part(AuditCommands) as app:
        issued = app.issue_checkpoint(key, recording)
    head = issued.checkpoint
    if out:
        _write(out, head.note.encode())
    echo(head.note.rstrip("\n"))
    report(issued.receipt, f"Checkpoint of {head.size} events signed by {head.signer}")
    if key.name != head.origin:
        say(f"(The key's name differs from the log's origin {head.origin}; that is allowed.)")


# -- verify -------------------------------------------------------------------------------------


def _verify_options(*, required: bool) -> Callable[[F], F]:
    def decorate(f: F) -> F:
        f = json_option(f)
        f = click.option(
            "--trusted-key",
            "trusted",
            multiple=True,
            required=required,
            metavar="VKEY",
            help=_TRUSTED_HELP,
        )(f)
        return click.option(
            "--checkpoint",
            "checkpoints",
            multiple=True,
            required=required,
            metavar="FILE",
            help="A signed checkpoint you kept (repeatable): the log must extend it.",
        )(f)

    return decorate


@click.command()
@_verify_options(required=False)
def verify(checkpoints: tuple[str, ...], trusted: tuple[str, ...], as_json: bool) -> None:
    """Recompute every leaf and the tree from the stored events and check them.

    Checks that the stored leaves match the events, that every aggregate's versions run 1, 2,
    3..., and that every checkpoint held in the ledger, and each one given with --checkpoint,
    is signed by a --trusted-key and agrees with the recomputed tree. Prints one line per
    problem, naming the log position; exits 1 if anything does not verify, 0 otherwise.

    \b
    Example:
      collective verify
      collective verify --checkpoint 2024-06.checkpoint --trusted-key "$BACKBONE_VKEY"
    """
    from ledger.sources import open_source
    from ledger.verify import verify as run

    keys_given = _trusted(trusted)
    given = _checkpoint_files(checkpoints)
    store = click.get_current_context().find_root().obj.store
    with open_source(store) as source:
        found = run(source, checkpoints=given, trusted=keys_given)
    _show(found, as_json)


def _show(found: Report, as_json: bool) -> None:
    if as_json:
        print_json(found.as_json())
    else:
        for problem in found.problems:
            echo(str(problem))
        if found.omitted:
            echo(f"... and {found.omitted} more problems")
        for held in found.checkpoints:
            echo(_checkpoint_line(held))
        echo(_summary(found))
    if not found.ok:
        _exit_failed()


def _checkpoint_line(result: Any) -> str:
    if result.size is None:
        return f"{result.label}: unreadable"
    signers = ", ".join(result.signed_by) or "nobody"
    signature = {
        "trusted": f"signed by {signers}",
        "refused": "NOT signed by a trusted key",
        "not checked": f"signed by {signers} (signature not checked: give --trusted-key)",
    }[result.signature]
    state = {True: "consistent", False: "NOT consistent", None: "not compared"}[result.consistent]
    return f"{result.label}: {result.size} events, {signature}; {state}"


def _summary(found: Report) -> str:
    import base64

    root = base64.b64encode(found.root).decode()
    if found.ok:
        where = f" (positions up to {found.last_position})" if found.events else ""
        return f"OK: {found.events} events verify{where}; tree size {found.events}, root {root}"
    count = len(found.problems) + found.omitted
    return f"FAILED: {count} problem{'s' * (count != 1)} in {found.events} events"


# -- proof --------------------------------------------------------------------------------------


class _ProofGroup(click.Group):
    """``proof POSITION --out FILE`` makes a receipt; ``proof verify FILE`` checks one."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "proof", _make_proof, args
        return super().resolve_command(ctx, args)


@click.group(
    cls=_ProofGroup,
    subcommand_metavar="POSITION --out FILE | verify FILE --trusted-key VKEY",
)
def proof() -> None:
    """Receipts: prove that one event is in the signed log (C2SP tlog-proof).

    `collective proof POSITION --out FILE` writes a receipt for the event at that log position
    (as `collective log` shows it): its leaf (position, aggregate, version, topic and the hash
    of its stored bytes), the inclusion proof, and the last checkpoint the ledger signed.
    `collective proof verify FILE --trusted-key VKEY` checks a receipt with nothing but the
    verifier key (no database).

    \b
    Example:
      collective proof 57 --out value-57.tlog-proof
      collective proof verify value-57.tlog-proof --trusted-key "$BACKBONE_VKEY"
    """


@click.command("proof")
@click.argument("position", type=click.IntRange(min=1))
@click.option("--out", required=True, metavar="FILE", help="Where to write the receipt.")
def _make_proof(position: int, out: str) -> None:
    """Write a receipt (C2SP tlog-proof) for the event at log POSITION.

    \b
    Example:
      collective proof 57 --out value-57.tlog-proof
    """
    from ledger.checkpoints import AuditCommands

    with ledger_part(AuditCommands) as app:
        made = app.receipt(position)
    _write(out, made.encoded.encode())
    say(f"Receipt for position {position} (leaf {made.index}) written to {out}.")


@proof.command("verify")
@click.argument("file")
@click.option(
    "--trusted-key", "trusted", multiple=True, required=True, metavar="VKEY", help=_TRUSTED_HELP
)
@json_option
def proof_verify(file: str, trusted: tuple[str, ...], as_json: bool) -> None:
    """Check a receipt: its checkpoint's signature, and that its leaf is in that tree.

    Needs no database. Exits 1, with one line saying why, if the receipt does not verify.

    \b
    Example:
      collective proof verify value-57.tlog-proof --trusted-key "$BACKBONE_VKEY"
    """
    from ledger.receipts import verify_receipt
    from ledger.signednote import NoteError

    keys_given = _trusted(trusted)
    data = _read_bytes(file, "the receipt")
    try:
        found = verify_receipt(data, keys_given)
    except NoteError as e:
        if as_json:
            print_json({"ok": False, "problem": str(e)})
        else:
            echo(f"receipt {file} does not verify: {e}")
        _exit_failed()
        return
    if as_json:
        print_json({"ok": True, **found.as_json()})
        return
    leaf = found.leaf
    echo(
        f"OK: position {leaf.position} ({leaf.topic.removeprefix('collective-ledger:')} of "
        f"{leaf.aggregate_id} version {leaf.version}, stored bytes sha256 {leaf.state_sha256}) "
        f"is in {found.checkpoint.origin} at tree size {found.checkpoint.size}, signed by "
        f"{', '.join(found.signed_by)}"
    )


# -- audit --------------------------------------------------------------------------------------


@click.group()
def audit() -> None:
    """Offline audit: write a bundle of the log, verify a bundle without a database.

    \b
    Example:
      collective audit bundle --out audit-2024
      collective audit verify audit-2024 --checkpoint 2024-06.checkpoint \\
          --trusted-key "$BACKBONE_VKEY"
    """


@audit.command("bundle")
@click.option("--out", required=True, metavar="DIR", help="A new folder for the bundle.")
def audit_bundle(out: str) -> None:
    """Write the events (as stored), the leaves and the checkpoints into a new folder.

    The folder also holds a README.txt telling the auditor how to check it.

    \b
    Example:
      collective audit bundle --out audit-2024
    """
    from pathlib import Path

    from ledger.bundle import write_bundle
    from ledger.sources import open_source

    store = click.get_current_context().find_root().obj.store
    with open_source(store) as source:
        summary = write_bundle(source, Path(out))
    say(
        f"Wrote {summary.events} events, {summary.leaves} leaves and {summary.checkpoints} "
        f"checkpoints to {out}."
    )


@audit.command("verify")
@click.argument("folder", metavar="DIR")
@_verify_options(required=True)
def audit_verify(
    folder: str, checkpoints: tuple[str, ...], trusted: tuple[str, ...], as_json: bool
) -> None:
    """Verify a bundle written by `collective audit bundle`, with no database.

    Runs the same checks as `collective verify`, on the bundle's files. Exits 1 if anything
    does not verify, with one line per problem naming the log position.

    \b
    Example:
      collective audit verify audit-2024 --checkpoint 2024-06.checkpoint \\
          --trusted-key "$BACKBONE_VKEY"
    """
    from ledger.sources import BundleSource
    from ledger.verify import verify as run

    keys_given = _trusted(trusted)
    given = _checkpoint_files(checkpoints)
    with BundleSource(folder) as source:
        found = run(source, checkpoints=given, trusted=keys_given)
    _show(found, as_json)
