"""C2SP signed notes, Ed25519 keys, transparency-log checkpoints and proofs, as plain text.

Four small formats from https://c2sp.org, all readable by other implementations (Go's
``golang.org/x/mod/sumdb/note``, Sigstore, the transparency-dev tools):

* **signed-note**: a text ending in a newline, a blank line, then one or more signature lines
  ``— NAME BASE64(key id || signature)``. The key id is the first 4 bytes of
  ``SHA-256(name || 0x0A || 0x01 || public key)`` (0x01: Ed25519).
* **keys**: a verifier key ``NAME+KEYID+BASE64(0x01 || public key)`` (the vkey form) and a signing
  key ``PRIVATE+KEY+NAME+KEYID+BASE64(0x01 || seed)`` (the Go note package's form).
* **tlog-checkpoint**: a note whose text is the log's origin, tree size and base64 root hash, one
  a line, then optional extension lines.
* **tlog-proof**: ``c2sp.org/tlog-proof@v1``, an optional ``extra`` line, ``index N``, the inclusion
  proof hashes one a line, a blank line, then the signed checkpoint verbatim.

Parsing is strict (valid UTF-8, no control characters but newlines, canonical base64, decimal
numbers without leading zeros), so that a single changed bit anywhere is refused rather than read
differently. Errors are :class:`NoteError` with a one-line message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "ALGORITHM_ED25519",
    "PROOF_HEADER",
    "Checkpoint",
    "Note",
    "NoteError",
    "Signature",
    "SigningKey",
    "TlogProof",
    "VerifierKey",
    "b64decode",
    "check_key_name",
    "key_id",
    "open_note",
    "sign_note",
]

ALGORITHM_ED25519 = 0x01
PROOF_HEADER = "c2sp.org/tlog-proof@v1"
_DASH = "\u2014 "
_MAX_SIGNATURES = 100
_HASH_SIZE = 32
_DECIMAL = re.compile(r"^(0|[1-9][0-9]{0,18})$")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class NoteError(ValueError):
    """A note, key, checkpoint or proof that is malformed or does not verify (one line)."""


def b64decode(text: str, what: str, size: int | None = None) -> bytes:
    """Strict standard base64: the text must be the canonical encoding of what it decodes to."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise NoteError(f"{what} is not valid base64") from None
    if base64.b64encode(data).decode("ascii") != text:
        raise NoteError(f"{what} is not canonical base64")
    if size is not None and len(data) != size:
        raise NoteError(f"{what} has {len(data)} bytes, not {size}")
    return data


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _decimal(text: str, what: str) -> int:
    if not _DECIMAL.match(text):
        raise NoteError(f"{what} {text[:30]!r} is not a decimal number without leading zeros")
    return int(text)


def check_key_name(name: str) -> str:
    """A key name as signed-note allows it: not empty, no spaces, no ``+``, no control chars."""
    if not name:
        raise NoteError("a key name must not be empty")
    if "+" in name or any(c.isspace() for c in name) or _CONTROL.search(name):
        raise NoteError(f"key name {name!r} must not contain spaces, '+' or control characters")
    return name


def key_id(name: str, public_key: bytes) -> int:
    """The 32-bit key id: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key)."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALGORITHM_ED25519]) + public_key)
    return int.from_bytes(digest.digest()[:4], "big")


def _check_text(text: str, what: str) -> None:
    if _CONTROL.search(text):
        raise NoteError(f"{what} contains a control character")


# -- keys -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifierKey:
    """A public key with its name: checks signatures."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """The C2SP verifier key text: ``NAME+KEYID+BASE64(0x01 || public key)``."""
        data = _b64(bytes([ALGORITHM_ED25519]) + self.public_key)
        return f"{self.name}+{self.key_id:08x}+{data}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        text = text.strip()
        parts = text.split("+", 2)
        if len(parts) != 3:
            raise NoteError("a verifier key has the form NAME+KEYID+KEY (three parts)")
        name, hex_id, data = parts
        check_key_name(name)
        raw = _key_material(data, "the verifier key")
        found = cls(name, raw)
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id) or int(hex_id, 16) != found.key_id:
            raise NoteError(f"the verifier key {name} has a key id that does not match its key")
        try:
            Ed25519PublicKey.from_public_bytes(raw)
        except ValueError:
            raise NoteError(f"the verifier key {name} is not an Ed25519 public key") from None
        return found

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except (InvalidSignature, ValueError):
            return False
        return True

    def __str__(self) -> str:
        return f"{self.name}+{self.key_id:08x}"


def _key_material(data: str, what: str) -> bytes:
    raw = b64decode(data, what)
    if len(raw) != 33 or raw[0] != ALGORITHM_ED25519:
        raise NoteError(f"{what} is not an Ed25519 key (algorithm 0x01 and 32 bytes)")
    return raw[1:]


@dataclass(frozen=True)
class SigningKey:
    """A private Ed25519 key with its name: signs notes. Never stored in the ledger."""

    name: str
    seed: bytes

    @classmethod
    def generate(cls, name: str) -> SigningKey:
        check_key_name(name)
        private = Ed25519PrivateKey.generate()
        from cryptography.hazmat.primitives import serialization

        seed = private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return cls(name, seed)

    @classmethod
    def parse(cls, text: str) -> SigningKey:
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("a signing key has the form PRIVATE+KEY+NAME+KEYID+KEY")
        name, hex_id, data = parts[2:]
        check_key_name(name)
        found = cls(name, _key_material(data, "the signing key"))
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id) or int(hex_id, 16) != found.key_id:
            raise NoteError(f"the signing key {name} has a key id that does not match its key")
        return found

    @property
    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def verifier(self) -> VerifierKey:
        from cryptography.hazmat.primitives import serialization

        public = self._private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return VerifierKey(self.name, public)

    @property
    def key_id(self) -> int:
        return self.verifier.key_id

    @property
    def text(self) -> str:
        """``PRIVATE+KEY+NAME+KEYID+BASE64(0x01 || seed)``."""
        data = _b64(bytes([ALGORITHM_ED25519]) + self.seed)
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{data}"

    def sign(self, text: str) -> Signature:
        return Signature(self.name, self.key_id, self._private.sign(text.encode()))

    def __repr__(self) -> str:  # never print the seed by accident
        return f"SigningKey({self.name!r}, key id {self.key_id:08x})"


# -- notes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: int
    signature: bytes

    @property
    def line(self) -> str:
        data = _b64(self.key_id.to_bytes(4, "big") + self.signature)
        return f"{_DASH}{self.name} {data}\n"

    @property
    def key(self) -> str:
        return f"{self.name}+{self.key_id:08x}"


@dataclass(frozen=True)
class Note:
    """A note's text (ending in a newline) and its signatures, verified or not."""

    text: str
    signatures: tuple[Signature, ...]

    @property
    def encoded(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)

    @classmethod
    def parse(cls, data: str | bytes) -> Note:
        """Read a signed note without checking its signatures (strictly, as Go's note.Open)."""
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                raise NoteError("the note is not valid UTF-8") from None
        _check_text(data, "the note")
        split = data.rfind("\n\n")
        if split < 0:
            raise NoteError("the note has no blank line before its signatures")
        text, block = data[: split + 1], data[split + 2 :]
        if not block.endswith("\n"):
            raise NoteError("the note's last signature line does not end in a newline")
        lines = block[:-1].split("\n")
        if len(lines) > _MAX_SIGNATURES:
            raise NoteError(f"the note has more than {_MAX_SIGNATURES} signatures")
        return cls(text, tuple(_signature(line) for line in lines))


def _signature(line: str) -> Signature:
    if not line.startswith(_DASH):
        raise NoteError("a signature line must start with an em dash and a space")
    name, _, data = line[len(_DASH) :].partition(" ")
    check_key_name(name)
    raw = b64decode(data, f"the signature of {name}")
    if len(raw) < 5:
        raise NoteError(f"the signature of {name} is too short")
    return Signature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def sign_note(text: str, *keys: SigningKey) -> str:
    """The signed note of ``text`` (which must end in a newline) by each of ``keys``."""
    if not text.endswith("\n"):
        raise NoteError("a note's text must end in a newline")
    _check_text(text, "the note's text")
    return Note(text, tuple(key.sign(text) for key in keys)).encoded


def open_note(data: str | bytes, keys: Sequence[VerifierKey]) -> tuple[Note, list[VerifierKey]]:
    """Parse a signed note and check it against ``keys``; returns it and the keys that signed.

    Signatures by keys not in ``keys`` are ignored (C2SP signed-note); a signature by a known key
    that fails makes the whole note fail; so does a note that no known key signed.
    """
    note = Note.parse(data)
    known = {(k.name, k.key_id): k for k in keys}
    signed: list[VerifierKey] = []
    for sig in note.signatures:
        key = known.get((sig.name, sig.key_id))
        if key is None:
            continue
        if not key.verify(note.text.encode(), sig.signature):
            raise NoteError(f"the signature by {sig.key} does not verify")
        if key not in signed:
            signed.append(key)
    if not signed:
        by = ", ".join(dict.fromkeys(s.key for s in note.signatures))
        raise NoteError(f"not signed by a trusted key (signed by {by})")
    return note, signed


# -- checkpoints and proofs -------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A transparency-log tree head: who (origin), how many leaves, and their root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        lines = [self.origin, str(self.size), _b64(self.root), *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    @property
    def root_b64(self) -> str:
        return _b64(self.root)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a checkpoint body (the note text, not the signatures)."""
        if not text.endswith("\n"):
            raise NoteError("a checkpoint's text must end in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or not all(lines):
            raise NoteError("a checkpoint has an origin, a size and a root hash, one a line")
        _check_text(text, "the checkpoint")
        origin, size, root, *extensions = lines
        return cls(
            origin,
            _decimal(size, "the checkpoint's tree size"),
            b64decode(root, "the checkpoint's root hash", _HASH_SIZE),
            tuple(extensions),
        )

    @classmethod
    def open(cls, data: str | bytes, keys: Sequence[VerifierKey]) -> tuple[Checkpoint, Note]:
        """A signed checkpoint, checked against ``keys`` (see :func:`open_note`)."""
        note, _ = open_note(data, keys)
        return cls.parse(note.text), note


@dataclass(frozen=True)
class TlogProof:
    """A C2SP tlog-proof: an entry's index, its inclusion proof, and the signed checkpoint."""

    index: int
    hashes: tuple[bytes, ...]
    checkpoint: str
    """The signed checkpoint note, verbatim."""
    extra: bytes | None = None

    @property
    def encoded(self) -> str:
        lines = [PROOF_HEADER]
        if self.extra is not None:
            lines.append(f"extra {_b64(self.extra)}")
        lines.append(f"index {self.index}")
        lines += [_b64(h) for h in self.hashes]
        return "\n".join(lines) + "\n\n" + self.checkpoint

    @classmethod
    def parse(cls, data: str | bytes) -> TlogProof:
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8")
            except UnicodeDecodeError:
                raise NoteError("the proof is not valid UTF-8") from None
        head, sep, checkpoint = data.partition("\n\n")
        if not sep:
            raise NoteError("the proof has no blank line before its checkpoint")
        _check_text(head, "the proof")
        lines = head.split("\n")
        if lines[0] != PROOF_HEADER:
            raise NoteError(f"the proof does not start with {PROOF_HEADER}")
        at = 1
        extra = None
        if len(lines) > at and lines[at].startswith("extra "):
            extra = b64decode(lines[at][len("extra ") :], "the proof's extra data")
            at += 1
        if len(lines) <= at or not lines[at].startswith("index "):
            raise NoteError("the proof has no index line")
        index = _decimal(lines[at][len("index ") :], "the proof's index")
        hashes = tuple(
            b64decode(line, f"proof hash {n}", _HASH_SIZE)
            for n, line in enumerate(lines[at + 1 :], 1)
        )
        Note.parse(checkpoint)  # the checkpoint must be a well-formed note on its own
        return cls(index, hashes, checkpoint, extra)


def verifier_keys(texts: Iterable[str]) -> list[VerifierKey]:
    """Parse several verifier keys."""
    return [VerifierKey.parse(t) for t in texts]
