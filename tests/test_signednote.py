"""C2SP signed notes, keys, checkpoints and tlog-proofs, checked against the Go note package."""

from __future__ import annotations

import pytest

from ledger.merkle import leaf_hash
from ledger.signednote import (
    Checkpoint,
    Note,
    NoteError,
    SigningKey,
    TlogProof,
    VerifierKey,
    key_id,
    open_note,
    sign_note,
)

# The example key, note and signatures of golang.org/x/mod/sumdb/note (note_test.go).
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdng"
    "otpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWL"
    "ox33WWd1RvMc+QQ=\n"
)


def test_the_go_signing_key_gives_its_verifier_key_and_signature() -> None:
    key = SigningKey.parse(PETER_SKEY)
    assert key.text == PETER_SKEY
    assert key.verifier.vkey == PETER_VKEY
    assert key.key_id == 0xC74F20A3 == key_id("PeterNeumann", key.verifier.public_key)
    assert sign_note(TEXT, key) == TEXT + "\n" + PETER_SIG


def test_open_checks_known_keys_and_ignores_unknown_ones() -> None:
    peter, enoch = VerifierKey.parse(PETER_VKEY), VerifierKey.parse(ENOCH_VKEY)
    both = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    note, signed = open_note(both, [peter])
    assert note.text == TEXT and signed == [peter]
    assert open_note(both, [peter, enoch])[1] == [peter, enoch]
    with pytest.raises(NoteError, match=r"^not signed by a trusted key \(signed by "):
        open_note(both, [])
    forged = TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(NoteError, match="signature by PeterNeumann\\+c74f20a3 does not verify"):
        open_note(forged, [peter])


@pytest.mark.parametrize(
    "message",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + "\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZ"
        "SNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG * 101,
    ],
)
def test_malformed_notes_are_refused(message: str) -> None:
    with pytest.raises(NoteError):
        open_note(message, [VerifierKey.parse(PETER_VKEY)])


def test_a_note_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(NoteError, match="not valid UTF-8"):
        Note.parse(b"\xff" + (TEXT + "\n" + PETER_SIG).encode())


def test_every_one_byte_change_of_a_verifier_key_is_refused() -> None:
    data = bytearray(PETER_VKEY.encode())
    for i in range(len(data)):
        data[i] += 1
        with pytest.raises(NoteError):
            VerifierKey.parse(data.decode("latin-1"))
        data[i] -= 1
    for i in range(len(PETER_VKEY)):
        for j in range(i + 1, len(PETER_VKEY) + 1):
            if (i, j) != (0, len(PETER_VKEY)):
                with pytest.raises(NoteError):
                    VerifierKey.parse(PETER_VKEY[i:j])


def test_every_one_byte_change_of_a_signing_key_is_refused() -> None:
    data = bytearray(PETER_SKEY.encode())
    for i in range(len(data)):
        data[i] += 1
        with pytest.raises(NoteError):
            SigningKey.parse(data.decode("latin-1"))
        data[i] -= 1


@pytest.mark.parametrize("name", ["", "a b", "a+b", "tab\there"])
def test_key_names_follow_the_signed_note_rules(name: str) -> None:
    with pytest.raises(NoteError):
        SigningKey.generate(name)


def test_a_generated_key_round_trips_and_signs() -> None:
    key = SigningKey.generate("collective-ledger/ಸಮೂಹ")
    again = SigningKey.parse(key.text)
    assert again == key
    assert VerifierKey.parse(key.verifier.vkey) == key.verifier
    note = sign_note("hello\n", key)
    assert open_note(note, [key.verifier])[0].text == "hello\n"
    secret = key.text.split("+", 4)[-1]
    assert secret not in repr(key) and repr(key.seed) not in repr(key)


def test_checkpoint_text_and_parsing() -> None:
    root = leaf_hash(b"x")
    checkpoint = Checkpoint("example.com/log", 7, root)
    assert checkpoint.text == f"example.com/log\n7\n{checkpoint.root_b64}\n"
    assert Checkpoint.parse(checkpoint.text) == checkpoint
    assert Checkpoint.parse(checkpoint.text + "ext\n").extensions == ("ext",)
    for bad in (
        "example.com/log\n7\n",
        "example.com/log\n07\n" + checkpoint.root_b64 + "\n",
        "example.com/log\n-7\n" + checkpoint.root_b64 + "\n",
        "example.com/log\n7\n" + checkpoint.root_b64[:-2] + "\n",
        "example.com/log\n7\n" + checkpoint.root_b64 + "\n\n",
        "example.com/log\n7\n" + checkpoint.root_b64,
    ):
        with pytest.raises(NoteError):
            Checkpoint.parse(bad)


def test_base64_must_be_canonical() -> None:
    root_b64 = Checkpoint("o", 1, bytes(32)).root_b64  # "AAAA...A="
    assert root_b64.endswith("A=")
    with pytest.raises(NoteError, match="not canonical"):
        Checkpoint.parse(f"o\n1\n{root_b64[:-2]}B=\n")


def test_tlog_proof_round_trip_and_layout() -> None:
    key = SigningKey.parse(PETER_SKEY)
    note = sign_note(Checkpoint("example.com/log", 3, leaf_hash(b"r")).text, key)
    proof = TlogProof(2, (leaf_hash(b"a"), leaf_hash(b"b")), note, extra=b"leaf")
    text = proof.encoded
    lines = text.split("\n")
    assert lines[:3] == ["c2sp.org/tlog-proof@v1", "extra bGVhZg==", "index 2"]
    assert lines[5] == "" and text.endswith(note)
    assert TlogProof.parse(text) == proof
    assert TlogProof.parse(TlogProof(0, (), note).encoded) == TlogProof(0, (), note)
    for bad in (
        text.replace("index 2", "index 02"),
        text.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"),
        text.replace("extra bGVhZg==", "extra bGVhZg"),
        text.replace("\n\n", "\n", 1),
    ):
        with pytest.raises(NoteError):
            TlogProof.parse(bad)
