"""Turning pydantic events into stored bytes and back.

Pydantic gives every field a JSON form that it can read back exactly (``Decimal`` as a string,
dates in ISO 8601, enums as values, tuples as arrays) and orjson writes it as compact UTF-8.
On the way back, the class's upcasters (``upcast_v1_v2`` ...) run before pydantic validates, so an
event stored under an older schema always loads.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import TopicError, get_topic, resolve_topic
from pydantic import BaseModel

__all__ = ["PydanticMapper", "decode_state", "encode_state", "event_class"]

_ENVELOPE_KEYS = ("originator_id", "originator_version")


def encode_state(event: BaseModel) -> bytes:
    """The stored JSON bytes of an event, without its id and version (stored in columns)."""
    state = event.model_dump(mode="json", exclude=set(_ENVELOPE_KEYS))
    class_version = getattr(type(event), "class_version", 1)
    if class_version > 1:
        state["class_version"] = class_version
    return orjson.dumps(state)


def event_class(topic: str) -> Any:
    """The class of a stored topic, importing the domain's modules if it is not loaded yet.

    A command imports only the parts of the domain it changes (so it starts quickly); an event
    of another part is resolved by loading the whole domain once.
    """
    try:
        return resolve_topic(topic)
    except TopicError:
        import importlib
        import pkgutil

        import domain

        for module in pkgutil.iter_modules(domain.__path__):
            importlib.import_module(f"domain.{module.name}")
        return resolve_topic(topic)


def decode_state(cls: type[Any], state: dict[str, Any]) -> dict[str, Any]:
    """Run the upcast chain of ``cls`` on ``state``, in place, and return it."""
    current = getattr(cls, "class_version", 1)
    version = state.pop("class_version", 1)
    while version < current:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
    return state


class PydanticMapper(Mapper[UUID]):
    """The library's mapper, for events that are pydantic models."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        stored = encode_state(domain_event)
        if self.compressor:
            stored = self.compressor.compress(stored)
        if self.cipher:
            stored = self.cipher.encrypt(stored)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=stored,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls = event_class(stored_event.topic)
        data = stored_event.state
        try:
            if self.cipher:
                data = self.cipher.decrypt(data)
            if self.compressor:
                data = self.compressor.decompress(data)
            state = cast(dict[str, Any], orjson.loads(data))
        except Exception as e:
            msg = (
                f"cannot read the stored event {stored_event.topic} of "
                f"{stored_event.originator_id} v{stored_event.originator_version}: {e}"
            )
            raise MapperDeserialisationError(msg) from e
        decode_state(cls, state)
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return cls.model_validate(state)
