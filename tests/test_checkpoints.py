"""Keys and checkpoints: signing the tree head, keeping it, refusing to contradict it."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_steps import audited, record_orgs, tampering
from conftest import Cli, ok, refused

from domain.audit import AuditLog
from domain.collective import Settings
from domain.errors import RuleViolation
from domain.organisation import Profile
from domain.vocabulary import OrgType
from ledger.application import Context, open_ledger
from ledger.auditlog import leaf_bytes
from ledger.checkpoints import AuditCommands
from ledger.merkle import leaf_hash, root, verify_consistency, verify_inclusion
from ledger.signednote import Checkpoint, SigningKey, VerifierKey

KEY = SigningKey.generate("collective-ledger/ss")


def _orgs(app: AuditCommands, ctx: Context, start: int, n: int) -> None:
    for i in range(start, start + n):
        app.add_organisation(Profile(slug=f"o-{i}", name=f"O {i}", type=OrgType.FUNDER), ctx)


@pytest.fixture
def audit_app(empty_store: str) -> Iterator[AuditCommands]:
    app = open_ledger(empty_store, create=True, kind=AuditCommands)
    app.init_collective(Settings(slug="ss", name="SS"), Context(actor="meera"))
    yield app
    app.close()


def _all_leaf_hashes(app: AuditCommands) -> list[bytes]:
    events = app.recorder.select_notifications(None, 100_000)
    return [
        leaf_hash(leaf_bytes(e.id, e.originator_id, e.originator_version, e.topic, e.state))
        for e in events
    ]


def test_a_checkpoint_signs_the_tree_head_and_is_kept(audit_app: AuditCommands) -> None:
    ctx = Context(actor="meera")
    _orgs(audit_app, ctx, 0, 5)
    size = audit_app.event_count()
    issued = audit_app.issue_checkpoint(KEY, ctx)
    head = issued.checkpoint
    checkpoint, _ = Checkpoint.open(head.note, [KEY.verifier])
    assert (checkpoint.origin, checkpoint.size) == ("collective-ledger/ss", size)
    assert checkpoint.root == root(_all_leaf_hashes(audit_app)[:size])
    assert head.signer == str(KEY.verifier)
    assert issued.receipt.positions == (size + 1, size + 2)  # the audit log starts, then issues
    log = audit_app.audit_log()
    assert log is not None and log.last == head and log.issued == 1
    assert audit_app.read_meta()["origin"] == "collective-ledger/ss"


def test_the_origin_is_fixed_at_first_use(audit_app: AuditCommands) -> None:
    ctx = Context(actor="meera")
    audit_app.issue_checkpoint(KEY, ctx)
    audit_app.init_collective(Settings(slug="aa", name="AA"), ctx)
    assert audit_app.origin() == "collective-ledger/ss"
    second = audit_app.issue_checkpoint(KEY, ctx).checkpoint
    assert second.origin == "collective-ledger/ss"


def test_a_ledger_without_a_collective_gets_a_random_origin(empty_store: str) -> None:
    app = open_ledger(empty_store, create=True, kind=AuditCommands)
    try:
        origin = app.origin()
        assert origin.startswith("collective-ledger/") and len(origin) == 18 + 32
        assert app.origin() == origin
    finally:
        app.close()


def test_later_checkpoints_are_consistent_with_earlier_ones(audit_app: AuditCommands) -> None:
    ctx = Context(actor="meera")
    first = audit_app.issue_checkpoint(KEY, ctx).checkpoint
    _orgs(audit_app, ctx, 0, 7)
    second = audit_app.issue_checkpoint(KEY, ctx).checkpoint
    proof = audit_app.consistency_proof(first.size, second.size)
    old = Checkpoint.open(first.note, [KEY.verifier])[0]
    new = Checkpoint.open(second.note, [KEY.verifier])[0]
    assert verify_consistency(old.size, new.size, old.root, new.root, proof)
    leaves = _all_leaf_hashes(audit_app)
    path = audit_app.inclusion_proof(3, new.size)
    assert verify_inclusion(leaves[3], 3, new.size, path, new.root)


def test_the_ledger_refuses_to_sign_a_tree_that_contradicts_its_last_checkpoint(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    app = open_ledger(str(path), create=True, kind=AuditCommands)
    ctx = Context(actor="meera")
    app.init_collective(Settings(slug="ss", name="SS"), ctx)
    _orgs(app, ctx, 0, 4)
    app.issue_checkpoint(KEY, ctx)
    app.close()
    with tampering(path) as conn:  # someone rewrites a stored hash (a small tree: a leaf's)
        conn.execute("UPDATE ledger_leaves SET hash = zeroblob(32) WHERE leaf = 0")
    app = open_ledger(str(path), kind=AuditCommands)
    try:
        with pytest.raises(RuleViolation) as refusal:
            app.issue_checkpoint(KEY, ctx)
        assert str(refusal.value).startswith(
            "the log is not consistent with the last checkpoint (size "
        )
        assert app.audit_log().issued == 1  # type: ignore[union-attr]
    finally:
        app.close()


def test_the_ledger_refuses_to_sign_a_smaller_tree(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    app = open_ledger(str(path), create=True, kind=AuditCommands)
    ctx = Context(actor="meera")
    app.init_collective(Settings(slug="ss", name="SS"), ctx)
    _orgs(app, ctx, 0, 4)
    size = app.issue_checkpoint(KEY, ctx).checkpoint.size
    app.close()
    with tampering(path) as conn:
        conn.execute("DELETE FROM ledger_leaves WHERE leaf >= ?", (size - 1,))
    app = open_ledger(str(path), kind=AuditCommands)
    try:
        with pytest.raises(RuleViolation) as refusal:
            app.issue_checkpoint(KEY, ctx)
        assert str(refusal.value) == (
            f"the log holds {size - 1} events, fewer than the {size} of the last checkpoint: "
            "run `collective verify`"
        )
    finally:
        app.close()


def test_a_retried_checkpoint_returns_the_first_one(audit_app: AuditCommands) -> None:
    ctx = Context(actor="meera", request_id="cp-1")
    first = audit_app.issue_checkpoint(KEY, ctx)
    again = audit_app.issue_checkpoint(KEY, ctx)
    assert again.receipt.already_recorded and again.checkpoint == first.checkpoint
    assert audit_app.audit_log().issued == 1  # type: ignore[union-attr]


def test_checkpoint_events_are_stored_topics() -> None:
    assert AuditLog.CheckpointIssued.TOPIC == "collective-ledger:AuditLog.CheckpointIssued"


# -- the command line --------------------------------------------------------------------------


def test_keys_generate_writes_a_private_file_and_prints_the_verifier_key(
    cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "k.key"
    result = ok(cli("keys", "generate", "collective-ledger/ss", "--out", str(out)))
    vkey = VerifierKey.parse(result.stdout.strip())
    key = SigningKey.parse(out.read_text(encoding="utf-8"))
    assert key.verifier == vkey and vkey.name == "collective-ledger/ss"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert ok(cli("keys", "verifier", str(out))).stdout.strip() == vkey.vkey
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
    refused(
        cli("keys", "generate", "other", "--out", str(out)),
        f"{out} already exists: a key file is never overwritten",
    )
    assert SigningKey.parse(out.read_text(encoding="utf-8")) == key


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("two words", "key name 'two words' must not contain spaces, '+' or control characters"),
        ("a+b", "key name 'a+b' must not contain spaces, '+' or control characters"),
    ],
)
def test_keys_generate_refuses_bad_names(cli: Cli, tmp_path: Path, name: str, message: str) -> None:
    refused(cli("keys", "generate", name, "--out", str(tmp_path / "k")), message)
    assert not (tmp_path / "k").exists()


def test_keys_generate_into_a_missing_folder(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "no" / "k.key"
    refused(
        cli("keys", "generate", "n", "--out", str(out)),
        f"cannot write {out}: the folder {out.parent} does not exist",
    )


def test_checkpoint_prints_and_writes_the_signed_checkpoint(ss_cli: Cli, tmp_path: Path) -> None:
    kept = audited(ss_cli, tmp_path)
    text = kept.checkpoint.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "collective-ledger/saamuhika-shakti"
    assert lines[3] == "" and lines[4].startswith("\u2014 collective-ledger/saamuhika-shakti ")
    Checkpoint.open(text, [VerifierKey.parse(kept.vkey)])
    record_orgs(ss_cli, 1, start=50)
    again = ok(ss_cli("checkpoint", "--key", str(kept.key)))
    assert again.stdout.splitlines()[1] == str(ss_cli.events() - 1)
    assert "Checkpoint of" in again.stderr and "signed by collective-ledger/" in again.stderr


def test_checkpoint_needs_an_actor_and_a_readable_key(ss_cli: Cli, tmp_path: Path) -> None:
    kept = audited(ss_cli, tmp_path)
    refused(
        ss_cli("checkpoint", "--key", str(kept.key), actor=None),
        "say who is recording: give --actor NAME or set COLLECTIVE_ACTOR",
    )
    refused(
        ss_cli("checkpoint", "--key", str(tmp_path / "missing.key")),
        f"cannot read the key file {tmp_path / 'missing.key'}: No such file or directory",
    )
    vkey_file = tmp_path / "public.vkey"
    vkey_file.write_text(kept.vkey, encoding="utf-8")
    refused(
        ss_cli("checkpoint", "--key", str(vkey_file)),
        f"{vkey_file} holds no signing key: a signing key has the form PRIVATE+KEY+NAME+KEYID+KEY",
    )


@pytest.mark.postgres
def test_checkpoints_on_postgresql(pg_url: str) -> None:
    app = open_ledger(pg_url, create=True, kind=AuditCommands)
    try:
        ctx = Context(actor="meera")
        app.init_collective(Settings(slug="ss", name="SS"), ctx)
        first = app.issue_checkpoint(KEY, ctx).checkpoint
        _orgs(app, ctx, 0, 3)
        second = app.issue_checkpoint(KEY, ctx).checkpoint
        assert second.size == app.event_count() - 1
        new = Checkpoint.open(second.note, [KEY.verifier])[0]
        assert new.root == root(_all_leaf_hashes(app)[: new.size])
        proof = app.consistency_proof(first.size, second.size)
        old = Checkpoint.open(first.note, [KEY.verifier])[0]
        assert verify_consistency(old.size, new.size, old.root, new.root, proof)
        receipt = app.receipt(3)
        assert receipt.index == 2 and receipt.checkpoint == second.note
    finally:
        app.close()
