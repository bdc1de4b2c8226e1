"""Collectives and membership, as specifications: given events, when a command, then events."""

from __future__ import annotations

from datetime import date

import pytest

from domain.base import Envelope
from domain.collective import Collective, Settings
from domain.errors import NotFound, RuleViolation
from domain.periods import Calendar
from domain.vocabulary import Role


def meta(on: date = date(2020, 1, 15), reason: str | None = None) -> Envelope:
    return Envelope(actor="meera", effective=on, collective="saamuhika-shakti", reason=reason)


def given_a_collective() -> Collective:
    settings = Settings(
        slug="saamuhika-shakti",
        name="Saamuhika Shakti",
        calendar=Calendar.INDIA,
        timezone="Asia/Kolkata",
        currency="inr",
    )
    collective = Collective.initialise(settings, meta(date(2020, 1, 1)))
    collective.collect_events()
    return collective


def test_an_organisation_joins_with_a_role_and_an_effective_date() -> None:
    collective = given_a_collective()
    collective.join("hasiru-dala", Role.IMPLEMENTING, meta(date(2020, 1, 15)))
    [event] = collective.collect_events()
    assert isinstance(event, Collective.MemberJoined)
    assert (event.org, event.role, event.meta.effective) == (
        "hasiru-dala",
        Role.IMPLEMENTING,
        date(2020, 1, 15),
    )
    assert collective.member("hasiru-dala").joined == date(2020, 1, 15)
    assert collective.settings.currency == "INR"


def test_a_member_cannot_join_twice() -> None:
    collective = given_a_collective()
    collective.join("hasiru-dala", Role.IMPLEMENTING, meta())
    collective.collect_events()
    with pytest.raises(RuleViolation, match="hasiru-dala is already a member of saamuhika-shakti"):
        collective.join("hasiru-dala", Role.FUNDER, meta())
    assert collective.collect_events() == []


def test_leaving_needs_a_reason_and_can_be_followed_by_rejoining() -> None:
    collective = given_a_collective()
    collective.join("care-india", Role.IMPLEMENTING, meta(date(2020, 1, 15)))
    with pytest.raises(RuleViolation, match="a reason is required when care-india leaves"):
        collective.leave("care-india", meta(date(2023, 12, 31)))
    collective.leave("care-india", meta(date(2023, 12, 31), reason="end of phase 1"))
    assert collective.members["care-india"].left == date(2023, 12, 31)
    assert [m.org for m in collective.current_members()] == []
    collective.join("care-india", Role.LEARNING, meta(date(2025, 1, 1)))
    assert collective.member("care-india").role is Role.LEARNING
    kinds = [type(e).__name__ for e in collective.collect_events()]
    assert kinds == ["MemberJoined", "MemberLeft", "MemberJoined"]


def test_role_changes_only_for_current_members_and_only_to_another_role() -> None:
    collective = given_a_collective()
    with pytest.raises(NotFound, match="sattva is not a member of saamuhika-shakti"):
        collective.change_role("sattva", Role.BACKBONE, meta())
    collective.join("sattva", Role.IMPLEMENTING, meta())
    with pytest.raises(
        RuleViolation, match="already takes part in saamuhika-shakti as implementing"
    ):
        collective.change_role("sattva", Role.IMPLEMENTING, meta())
    collective.change_role("sattva", Role.BACKBONE, meta(date(2024, 1, 1)))
    assert collective.member("sattva").role is Role.BACKBONE


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", "Saamuhika Shakti", "is not a valid slug"),
        ("timezone", "Asia/Bengaluru", "unknown time zone 'Asia/Bengaluru'"),
        ("currency", "RUPEE", "is not an ISO 4217 code"),
        ("name", "   ", "cannot be empty"),
    ],
)
def test_settings_refuse_bad_values(field: str, value: str, message: str) -> None:
    values = {"slug": "ss", "name": "SS", "timezone": "UTC", "currency": "INR", field: value}
    with pytest.raises(ValueError, match=message):
        Settings(**values)
