"""Signed commands: an actor's Ed25519 signature on every event it records, and their check.

A command run with ``--sign-with FILE`` signs each of its events with the actor's key (the Go
note / C2SP form ``PRIVATE+KEY+NAME+KEYID+BASE64(0x01 || seed)``, read by
:mod:`ledger.signednote`). The signature covers the RFC 8785 canonical JSON of::

    {"aggregate": "<uuid>", "version": N, "topic": "<stored topic>", "event": {...}}

where ``event`` is the event's stored JSON without ``meta.signature`` itself; it is stored in the
event's envelope as ``base64(key id || signature)``, the key id as in signed-note signature lines.
Because it covers the stored JSON (dates, decimals and enums as stored), it verifies from the
events alone, with nothing but the actors' verifier keys recorded in the ledger.

:func:`check_signatures` reads the events in log order, follows each actor's keys as they were
registered and revoked, and checks every signature against the key that actor had at that
position: a forged or altered event, or one signed with a key revoked before it, is a problem.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

if TYPE_CHECKING:
    from ledger.signednote import SigningKey, VerifierKey
    from ledger.verify import Problem, Record

__all__ = [
    "SIGNATURE_FIELD",
    "SignatureCheck",
    "Stored",
    "check_signatures",
    "load_signing_key",
    "parse_vkey",
    "sign_event",
    "signed_form",
]

SIGNATURE_FIELD = "signature"
"""The envelope field (``meta.signature``) that holds an event's signature."""

_ACTOR_TOPIC = "collective-ledger:Actor."
_KEY_TOPICS = frozenset(
    f"{_ACTOR_TOPIC}{kind}" for kind in ("Registered", "KeyRegistered", "KeyRevoked")
)
"""The events that change an actor's key (``domain.actor.Actor``)."""
_SIGNED = b'"signature":"'
"""In the stored JSON of a signed event only (orjson writes no spaces)."""
E = TypeVar("E")


Stored = tuple[int, UUID | str, int, str, bytes | Mapping[str, Any]]
"""An event as stored: (log position, aggregate id, version, topic, state). The state is the
stored JSON, as bytes or already decoded, never upcast (a signature covers the event as signed).
"""


def parse_vkey(text: str) -> VerifierKey:
    """A verifier key ``NAME+KEYID+BASE64(0x01 || public key)``; ``ValueError`` if it is not."""
    from ledger.signednote import VerifierKey

    return VerifierKey.parse(text)


def load_signing_key(path: str) -> SigningKey:
    """The signing key in the file ``path``; a one-line ``ValueError`` if it cannot be read."""
    from ledger.signednote import NoteError, SigningKey

    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a signing key: it is not text") from None
    except OSError as e:
        raise ValueError(f"cannot read the signing key {path}: {e.strerror or e}") from None
    try:
        return SigningKey.parse(text)
    except NoteError as e:
        raise ValueError(f"{path} is not a signing key: {e}") from None


def signed_form(
    originator_id: UUID | str, version: int, topic: str, state: Mapping[str, Any]
) -> bytes:
    """The bytes a signature covers: RFC 8785 canonical JSON of the event and where it belongs."""
    import rfc8785

    event = dict(state)
    meta = dict(event.get("meta") or {})
    meta.pop(SIGNATURE_FIELD, None)
    event["meta"] = meta
    whole: dict[str, Any] = {
        "aggregate": str(UUID(str(originator_id))),
        "version": version,
        "topic": topic,
        "event": event,
    }
    return rfc8785.dumps(whole)


def sign_event(event: E, key: SigningKey) -> E:
    """A copy of ``event`` whose envelope carries ``key``'s signature of it."""
    import orjson
    from eventsourcing.utils import get_topic

    from ledger.mapper import encode_state

    found: Any = event
    state = orjson.loads(encode_state(found))
    data = signed_form(found.originator_id, found.originator_version, get_topic(type(found)), state)
    signature = key.sign(data.decode("utf-8"))
    value = base64.b64encode(signature.key_id.to_bytes(4, "big") + signature.signature).decode()
    meta = found.meta.model_copy(update={SIGNATURE_FIELD: value})
    signed: E = found.model_copy(update={"meta": meta})
    return signed


# -- checking ---------------------------------------------------------------------------------


@dataclass
class _Keys:
    """One actor's keys in one collective, as registered so far in the log."""

    current: VerifierKey | None = None
    revoked: list[tuple[VerifierKey, int]] = field(default_factory=list)
    """Each key revoked, with the position of its revocation."""


class _Signatures:
    """Follows every actor's keys through the log and checks each signed event on the way."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], _Keys] = {}

    def see(self, event: Stored) -> str | None:
        """The problem with the signature of ``event``, if any; then follow key changes."""
        position, _, _, topic, raw = event
        is_key = topic in _KEY_TOPICS
        if not is_key and isinstance(raw, bytes) and _SIGNED not in raw:
            return None  # the common case, decided without decoding the event
        state = _state(raw)
        if state is None:
            return None  # an unreadable event is for the checks of the stored bytes to report
        meta = state.get("meta") or {}
        problem = self._check(event, state, meta) if meta.get(SIGNATURE_FIELD) else None
        if is_key:
            self._follow(position, topic, state, meta)
        return problem

    def _follow(
        self, position: int, topic: str, state: Mapping[str, Any], meta: Mapping[str, Any]
    ) -> None:
        kind = topic.removeprefix(_ACTOR_TOPIC)
        collective = str(state.get("collective") or meta.get("collective") or "")
        keys = self.keys.setdefault((collective, str(state.get("name") or "")), _Keys())
        vkey = state.get("vkey")
        if kind in ("Registered", "KeyRegistered") and vkey:
            keys.current = _vkey(str(vkey))
        elif kind == "KeyRevoked" and keys.current is not None:
            keys.revoked.append((keys.current, position))
            keys.current = None

    def _held(self, actor: str, collective: str | None) -> list[_Keys]:
        """The actor's keys in ``collective``, or in every collective for a store-wide event."""
        return [
            keys
            for (where, name), keys in self.keys.items()
            if name == actor and (collective is None or where == collective)
        ]

    def _check(
        self, event: Stored, state: Mapping[str, Any], meta: Mapping[str, Any]
    ) -> str | None:
        _, aggregate, version, topic, _ = event
        actor = str(meta.get("actor"))
        collective = meta.get("collective")
        what = f"{_describe(aggregate, version, topic)} signed by {actor}"
        try:
            raw = base64.b64decode(str(meta[SIGNATURE_FIELD]), validate=True)
        except binascii.Error:
            return f"{what}: the signature is not base64"
        key_id, signature = int.from_bytes(raw[:4], "big"), raw[4:]
        data = signed_form(aggregate, version, topic, state)
        held = self._held(actor, collective)
        current = [k.current for k in held if k.current is not None]
        if any(key.key_id == key_id and key.verify(data, signature) for key in current):
            return None
        for keys in held:
            for key, revoked_at in keys.revoked:
                if key.key_id == key_id and key.verify(data, signature):
                    return f"{what} with the key {key}, revoked at position {revoked_at}"
        if not current:
            where = f" in {collective}" if collective else ""
            return f"{what}, who had no key registered{where}: the signature does not verify"
        keys_text = ", ".join(str(k) for k in current)
        return f"{what}: the signature does not verify with {keys_text} (forged or altered)"


def _describe(aggregate: UUID | str, version: int, topic: str) -> str:
    try:
        ident = str(UUID(str(aggregate)))
    except ValueError:
        ident = repr(aggregate)
    return f"{topic.removeprefix('collective-ledger:')} of {ident} version {version}"


def _vkey(text: str) -> VerifierKey | None:
    try:
        return parse_vkey(text)
    except ValueError:
        return None


def _state(state: bytes | Mapping[str, Any]) -> Mapping[str, Any] | None:
    if isinstance(state, Mapping):
        return state
    import orjson

    try:
        found = orjson.loads(state)
    except orjson.JSONDecodeError:
        return None
    return found if isinstance(found, dict) else None


def check_signatures(events: Iterable[Stored]) -> Iterator[tuple[int, str]]:
    """Check every signed event against its actor's key at that position, in log order.

    Yields ``(position, problem)`` for a signature that does not verify (a forged or altered
    event), one made with a key revoked before that position, or one by an actor who had no key
    then. Unsigned events are not problems: signing is optional.
    """
    signatures = _Signatures()
    for event in events:
        problem = signatures.see(event)
        if problem is not None:
            yield event[0], problem


class SignatureCheck:
    """:func:`check_signatures` as one of ``collective verify``'s checks (``ledger.verify``)."""

    def __init__(self) -> None:
        self.signatures = _Signatures()

    def see(self, record: Record) -> Sequence[Problem]:
        if _SIGNED not in record.state and record.topic not in _KEY_TOPICS:
            return ()  # most events: decided here, at the cost of one search of the bytes
        event = (record.position, record.aggregate_id, record.version, record.topic, record.state)
        problem = self.signatures.see(event)
        if problem is None:
            return ()
        from ledger.verify import Problem

        return (
            Problem("actor-signature", f"position {record.position}: {problem}", record.position),
        )

    def finish(self) -> Sequence[Problem]:
        return ()
