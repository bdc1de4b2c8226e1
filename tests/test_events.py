"""Events as stored: explicit stable topics, faithful JSON, and upcasting of old versions."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar
from uuid import uuid4

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic, resolve_topic
from hypothesis import given
from hypothesis import strategies as st

import domain
from domain.base import Aggregate, Created, Envelope, Event, Value, topic
from ledger.application import LedgerApplication

DOMAIN_MODULES = [
    importlib.import_module(f"domain.{m.name}") for m in pkgutil.iter_modules(domain.__path__)
]

# Stored topics are public API. The list in stored_topics.txt only grows: an entry removed or
# renamed there means events already in someone's ledger would no longer load.
STORED_TOPICS = [
    line.strip()
    for line in (Path(__file__).with_name("stored_topics.txt")).read_text().splitlines()
    if line.strip() and not line.startswith("#")
]


def _domain_classes() -> list[type[Any]]:
    found: list[type[Any]] = []
    for module in DOMAIN_MODULES:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, Aggregate)
                and cls is not Aggregate
                and cls.__module__ == module.__name__
            ):
                found.append(cls)
                found += [
                    v
                    for k, v in vars(cls).items()
                    if isinstance(v, type) and issubclass(v, Event) and k != "Event"
                ]
    return found


def test_every_aggregate_and_event_class_declares_its_own_topic() -> None:
    classes = _domain_classes()
    assert len(classes) >= 10
    for cls in classes:
        # The library re-declares nested event classes as subclasses of the same name.
        own = [k for k in cls.__mro__ if k.__qualname__ == cls.__qualname__]
        assert any("TOPIC" in vars(k) for k in own), f"{cls.__qualname__} has no explicit TOPIC"
        assert cls.TOPIC.startswith("collective-ledger:")
        assert get_topic(cls) == cls.TOPIC


def test_every_stored_topic_still_resolves_to_its_class() -> None:
    for stored in STORED_TOPICS:
        cls = resolve_topic(stored)
        assert get_topic(cls) == stored
    current = {cls.TOPIC for cls in _domain_classes()}
    assert set(STORED_TOPICS) <= current
    missing = current - set(STORED_TOPICS)
    assert not missing, f"add the new topics to tests/stored_topics.txt: {sorted(missing)}"


# -- a test aggregate carrying every kind of field the domain stores ---------------------------


class Shade(StrEnum):
    SAFFRON = "saffron"
    GREEN = "green"


class Cell(Value):
    dimension: str
    category: str


class Sample(Aggregate):
    TOPIC = topic("tests.Sample")

    class Made(Created):
        TOPIC = topic("tests.Sample.Made")
        amount: Decimal
        day: date
        moment: datetime
        shade: Shade
        cells: tuple[Cell, ...]
        labels: tuple[str, ...]
        text: str
        maybe: int | None = None

    def __init__(self) -> None:
        self.made: Sample.Made | None = None


def _meta() -> Envelope:
    return Envelope(
        actor="meera",
        effective=date(2024, 3, 31),
        collective="saamuhika-shakti",
        reason="প্রথম রিপোর্ট",
        request_id="r-1",
    )


def test_every_field_type_round_trips_through_the_store(app: LedgerApplication) -> None:
    kolkata = timezone(timedelta(hours=5, minutes=30))
    sample = Sample._create(
        Sample.Made,
        id=uuid4(),
        meta=_meta(),
        amount=Decimal("1234567.8900"),
        day=date(2024, 2, 29),
        moment=datetime(2024, 3, 31, 23, 59, 59, 999999, tzinfo=kolkata),
        shade=Shade.GREEN,
        cells=(Cell(dimension="ಲಿಂಗ", category="ಮಹಿಳೆ"), Cell(dimension="বয়স", category="১৫-১৮")),
        labels=("ಕಸ ಆಯುವವರು", "নারী শ্রমিক"),
        text="ಸಾಮೂಹಿಕ ಶಕ್ತಿ / অপরাজিতা",
    )
    [original] = sample.collect_events()
    app.save(original)
    [stored] = app.recorder.select_events(original.originator_id)
    loaded = app.mapper.to_domain_event(stored)
    assert loaded == original
    assert type(loaded.amount) is Decimal and str(loaded.amount) == "1234567.8900"
    assert loaded.moment.utcoffset() == timedelta(hours=5, minutes=30)
    assert type(loaded.shade) is Shade
    assert type(loaded.cells) is tuple and type(loaded.cells[0]) is Cell
    assert loaded.meta.reason == "প্রথম রিপোর্ট"
    # Compact UTF-8 JSON: no spaces after separators, scripts not escaped.
    assert b'": ' not in stored.state
    assert "ಸಾಮೂಹಿಕ".encode() in stored.state


@given(
    amount=st.decimals(
        allow_nan=False, allow_infinity=False, places=4, min_value=-(10**12), max_value=10**12
    ),
    day=st.dates(),
    moment=st.datetimes(timezones=st.just(UTC)),
    text=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))),
)
def test_round_trip_property(amount: Decimal, day: date, moment: datetime, text: str) -> None:
    from ledger.mapper import PydanticMapper

    sample = Sample._create(
        Sample.Made,
        id=uuid4(),
        meta=_meta(),
        amount=amount,
        day=day,
        moment=moment,
        shade=Shade.SAFFRON,
        cells=(),
        labels=(text,),
        text=text,
    )
    [event] = sample.collect_events()
    mapper = PydanticMapper(transcoder=None)  # type: ignore[arg-type]
    assert mapper.to_domain_event(mapper.to_stored_event(event)) == event


# -- schema evolution -------------------------------------------------------------------------


class Tally(Aggregate):
    """Version 2 of an event whose version 1 had only `count`."""

    TOPIC = topic("tests.Tally")

    class Counted(Created):
        TOPIC = topic("tests.Tally.Counted")
        class_version: ClassVar[int] = 2
        count: int
        unit: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["unit"] = "households"

        def apply(self, aggregate: Tally) -> None:
            aggregate.count = self.count
            aggregate.unit = self.unit

    def __init__(self) -> None:
        self.count = 0
        self.unit = ""


def test_an_event_stored_at_version_1_loads_through_the_upcaster(app: LedgerApplication) -> None:
    aggregate_id = uuid4()
    version_1 = {
        "timestamp": "2021-06-30T10:00:00+00:00",
        "originator_topic": Tally.TOPIC,
        "meta": _meta().model_dump(mode="json"),
        "count": 412,
    }  # as version 1 wrote it: no `unit`, no `class_version`
    app.recorder.insert_events(
        [StoredEvent(aggregate_id, 1, Tally.Counted.TOPIC, orjson.dumps(version_1))]
    )
    tally = app.repository.get(aggregate_id)
    assert (tally.count, tally.unit) == (412, "households")


def test_a_new_event_is_stored_with_its_class_version(app: LedgerApplication) -> None:
    tally = Tally._create(Tally.Counted, id=uuid4(), meta=_meta(), count=3, unit="children")
    app.save(tally)
    [stored] = app.recorder.select_events(tally.id)
    assert orjson.loads(stored.state)["class_version"] == 2
    assert app.repository.get(tally.id).unit == "children"
