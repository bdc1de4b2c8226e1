"""Receipts (C2SP tlog-proof): one event proven with the verifier key alone."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import orjson
import pytest
from audit_steps import audited, record_orgs
from conftest import Cli, ok, refused
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.collective import Settings
from domain.organisation import Profile
from domain.vocabulary import OrgType
from ledger.application import Context, open_ledger
from ledger.checkpoints import AuditCommands
from ledger.receipts import verify_receipt
from ledger.signednote import NoteError, SigningKey

KEY = SigningKey.generate("collective-ledger/ss")
OTHER = SigningKey.generate("collective-ledger/ss")  # same name, another key


def _receipts() -> list[bytes]:
    """Receipts for every event of a small ledger under one checkpoint (built once)."""
    app = open_ledger(":memory:", create=True, kind=AuditCommands)
    try:
        ctx = Context(actor="meera")
        app.init_collective(Settings(slug="ss", name="SS"), ctx)
        for i in range(6):
            app.add_organisation(Profile(slug=f"o-{i}", name=f"ಸಂಸ್ಥೆ {i}", type=OrgType.FUNDER), ctx)
        size = app.issue_checkpoint(KEY, ctx).checkpoint.size
        return [app.receipt(p).encoded.encode() for p in range(1, size + 1)]
    finally:
        app.close()


RECEIPTS = _receipts()


def test_every_receipt_verifies_and_names_its_event() -> None:
    for n, data in enumerate(RECEIPTS):
        found = verify_receipt(data, [KEY.verifier])
        assert found.index == n and found.leaf.position == n + 1
        assert found.checkpoint.size == len(RECEIPTS)
        assert found.signed_by == (str(KEY.verifier),)


def test_a_receipt_verifies_with_an_independent_implementation() -> None:
    """The receipt read with nothing but the C2SP and RFC 9162 texts, hashlib and Ed25519."""
    text = RECEIPTS[4].decode()
    head, checkpoint = text.split("\n\n", 1)
    lines = head.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    leaf = base64.b64decode(lines[1].removeprefix("extra "))
    index = int(lines[2].removeprefix("index "))
    path = [base64.b64decode(h) for h in lines[3:]]
    body, signatures = checkpoint.rsplit("\n\n", 1)
    body += "\n"
    name, signature = signatures.removeprefix("\u2014 ").split(" ")
    raw = base64.b64decode(signature)
    vkey = KEY.verifier.vkey.split("+", 2)
    public = base64.b64decode(vkey[2])[1:]
    assert name == vkey[0] and raw[:4].hex() == vkey[1]
    Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], body.encode())
    origin, size_text, root_b64 = body.splitlines()
    size = int(size_text)

    def sha(data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    # RFC 9162, 2.1.3.2
    fn, sn, r = index, size - 1, sha(b"\x00" + leaf)
    for p in path:
        if fn & 1 or fn == sn:
            r = sha(b"\x01" + p + r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = sha(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0 and r == base64.b64decode(root_b64)
    assert origin == "collective-ledger/ss"


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_any_flipped_bit_in_a_receipt_is_rejected(data: st.DataObject) -> None:
    receipt = bytearray(data.draw(st.sampled_from(RECEIPTS)))
    bit = data.draw(st.integers(0, len(receipt) * 8 - 1))
    receipt[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(NoteError):
        verify_receipt(bytes(receipt), [KEY.verifier])


def test_every_single_bit_flip_of_one_receipt_is_rejected() -> None:
    receipt = RECEIPTS[5]
    for bit in range(len(receipt) * 8):
        flipped = bytearray(receipt)
        flipped[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(NoteError):
            verify_receipt(bytes(flipped), [KEY.verifier])


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(RECEIPTS))
def test_a_wrong_key_is_rejected(receipt: bytes) -> None:
    with pytest.raises(NoteError, match="not signed by a trusted key"):
        verify_receipt(receipt, [OTHER.verifier])
    with pytest.raises(NoteError, match="not signed by a trusted key"):
        verify_receipt(receipt, [SigningKey.generate("someone-else").verifier])


def test_a_receipt_without_its_leaf_is_rejected() -> None:
    text = RECEIPTS[0].decode().split("\n")
    del text[1]
    with pytest.raises(NoteError, match="carries no leaf"):
        verify_receipt("\n".join(text), [KEY.verifier])


# -- the command line --------------------------------------------------------------------------


def test_proof_and_proof_verify(ss_cli: Cli, tmp_path: Path) -> None:
    kept = audited(ss_cli, tmp_path)
    out = tmp_path / "r.tlog-proof"
    ok(ss_cli("proof", "3", "--out", str(out)))
    assert out.read_text(encoding="utf-8").startswith("c2sp.org/tlog-proof@v1\nextra ")
    result = ok(ss_cli("proof", "verify", str(out), "--trusted-key", kept.vkey))
    assert result.stdout.startswith("OK: position 3 (")
    assert f"is in collective-ledger/saamuhika-shakti at tree size {kept.size}, signed by " in (
        result.stdout
    )
    as_json = orjson.loads(
        ok(ss_cli("proof", "verify", str(out), "--trusted-key", kept.vkey, "--json")).stdout
    )
    assert as_json["ok"] is True and as_json["position"] == 3 and as_json["leaf_index"] == 2


def test_proof_verify_needs_no_database(ss_cli: Cli, tmp_path: Path) -> None:
    kept = audited(ss_cli, tmp_path)
    out = tmp_path / "r.tlog-proof"
    ok(ss_cli("proof", "2", "--out", str(out)))
    ss_cli.remove()
    ok(ss_cli("proof", "verify", str(out), "--trusted-key", kept.vkey))


def test_proof_verify_names_why_a_receipt_fails(ss_cli: Cli, tmp_path: Path) -> None:
    kept = audited(ss_cli, tmp_path)
    out = tmp_path / "r.tlog-proof"
    ok(ss_cli("proof", "2", "--out", str(out)))
    text = out.read_text(encoding="utf-8").replace("index 1", "index 2")
    out.write_text(text, encoding="utf-8")
    result = ss_cli("proof", "verify", str(out), "--trusted-key", kept.vkey)
    assert result.exit_code == 1
    assert result.stdout == (
        f"receipt {out} does not verify: the inclusion proof does not lead to the checkpoint's "
        "root\n"
    )
    other = tmp_path / "other.key"
    vkey = ok(ss_cli("keys", "generate", "someone", "--out", str(other))).stdout.strip()
    result = ss_cli("proof", "verify", str(out), "--trusted-key", vkey)
    assert result.exit_code == 1 and "not signed by a trusted key" in result.stdout


def test_proof_refusals(ss_cli: Cli, tmp_path: Path) -> None:
    refused(
        ss_cli("proof", "2", "--out", str(tmp_path / "r")),
        "the ledger has signed no checkpoint yet: sign one with `collective checkpoint --key FILE`",
    )
    kept = audited(ss_cli, tmp_path)
    record_orgs(ss_cli, 1, start=70)
    last = ss_cli.events()
    refused(
        ss_cli("proof", str(last), "--out", str(tmp_path / "r")),
        f"the last checkpoint covers the first {kept.size} events, not position {last}: sign a "
        "new one with `collective checkpoint --key FILE`",
    )
    refused(
        ss_cli("proof", "9999", "--out", str(tmp_path / "r")),
        "log position '9999' not found: see `collective log`",
    )
    assert ss_cli("proof", "0", "--out", str(tmp_path / "r")).exit_code == 2
    assert not (tmp_path / "r").exists()
