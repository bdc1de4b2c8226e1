"""Reporting periods: the codes people type, fiscal calendars, cadences and DHIS2 period ids."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.periods import (
    Cadence,
    Calendar,
    Period,
    PeriodError,
    PeriodKind,
    check_cadence,
    contains,
    dhis2_code,
    fiscal_quarter_code,
    fits_cadence,
    next_period,
    parse_period,
    period_containing,
    periods_between,
)

GR, IN, BD = Calendar.GREGORIAN, Calendar.INDIA, Calendar.BANGLADESH
MONTHLY, QUARTERLY, YEARLY = Cadence.MONTHLY, Cadence.QUARTERLY, Cadence.YEARLY
GREGORIAN_FORMS = "use 2024-03 (month), 2024Q1 (quarter) or 2024 (year)"
FISCAL_FORMS = "use 2024-03 (month), 2024Q1 (quarter), 2024 (year) or FY2024-25 (fiscal year)"

properties = settings(database=None, deadline=None)
days = st.dates(min_value=date(1901, 1, 1), max_value=date(2199, 12, 31))
cadences = st.sampled_from(Cadence)
calendars = st.sampled_from(Calendar)
ONE_DAY = timedelta(days=1)


def p(code: str, calendar: Calendar = GR) -> Period:
    return parse_period(code, calendar)


# Reading the codes people type ------------------------------------------------------------------

FORMS = [
    # text, calendar, canonical code, kind, first day, last day
    ("2024-03", GR, "2024-03", PeriodKind.MONTH, date(2024, 3, 1), date(2024, 3, 31)),
    ("2024-02", GR, "2024-02", PeriodKind.MONTH, date(2024, 2, 1), date(2024, 2, 29)),
    ("2023-02", IN, "2023-02", PeriodKind.MONTH, date(2023, 2, 1), date(2023, 2, 28)),
    ("2024Q1", GR, "2024Q1", PeriodKind.QUARTER, date(2024, 1, 1), date(2024, 3, 31)),
    ("2024Q4", BD, "2024Q4", PeriodKind.QUARTER, date(2024, 10, 1), date(2024, 12, 31)),
    ("2024", GR, "2024", PeriodKind.YEAR, date(2024, 1, 1), date(2024, 12, 31)),
    ("2024", IN, "2024", PeriodKind.YEAR, date(2024, 1, 1), date(2024, 12, 31)),
    ("FY2024-25", IN, "FY2024-25", PeriodKind.FISCAL_YEAR, date(2024, 4, 1), date(2025, 3, 31)),
    ("FY2024-25", BD, "FY2024-25", PeriodKind.FISCAL_YEAR, date(2024, 7, 1), date(2025, 6, 30)),
    ("FY1999-00", IN, "FY1999-00", PeriodKind.FISCAL_YEAR, date(1999, 4, 1), date(2000, 3, 31)),
    ("FY2024-25Q1", IN, "2024Q2", PeriodKind.QUARTER, date(2024, 4, 1), date(2024, 6, 30)),
    ("FY2024-25Q4", IN, "2025Q1", PeriodKind.QUARTER, date(2025, 1, 1), date(2025, 3, 31)),
    ("FY2024-25Q1", BD, "2024Q3", PeriodKind.QUARTER, date(2024, 7, 1), date(2024, 9, 30)),
    ("FY2024-25Q4", BD, "2025Q2", PeriodKind.QUARTER, date(2025, 4, 1), date(2025, 6, 30)),
]


@pytest.mark.parametrize(("text", "calendar", "code", "kind", "start", "end"), FORMS)
def test_each_form_reads_as_its_dates(
    text: str, calendar: Calendar, code: str, kind: PeriodKind, start: date, end: date
) -> None:
    # Given a code as typed, when it is read in the collective's calendar
    period = parse_period(text, calendar)
    # Then it names the expected days, under its canonical code
    assert (period.code, period.kind, period.start, period.end) == (code, kind, start, end)


@pytest.mark.parametrize(("text", "calendar", "code", "kind", "start", "end"), FORMS)
def test_the_canonical_code_reads_back_as_the_same_period(
    text: str, calendar: Calendar, code: str, kind: PeriodKind, start: date, end: date
) -> None:
    # Given a period stored in a JSON event as its code
    period = parse_period(text, calendar)
    stored = json.loads(json.dumps({"period": period.code}))["period"]
    # When the event is read back, then the code gives the same period
    assert parse_period(stored, calendar) == period
    assert str(period) == code


@pytest.mark.parametrize(
    ("text", "calendar", "code"),
    [
        (" 2024q1\t", GR, "2024Q1"),
        ("2024-3", GR, "2024-03"),
        (" fy2024-25 ", IN, "FY2024-25"),
        ("fy2024-2025", BD, "FY2024-25"),
        ("  fy2024-25q1", IN, "2024Q2"),
    ],
)
def test_lowercase_spaces_and_long_forms_normalise(
    text: str, calendar: Calendar, code: str
) -> None:
    # Given a code typed loosely, when it is read, then it has the canonical code
    assert parse_period(text, calendar).code == code


@pytest.mark.parametrize(("calendar", "same"), [(IN, "2024Q2"), (BD, "2024Q3")])
def test_a_fiscal_quarter_and_its_calendar_quarter_are_one_period(
    calendar: Calendar, same: str
) -> None:
    # Given the first fiscal quarter of FY2024-25 and the calendar quarter with the same days
    fiscal, plain = parse_period("FY2024-25Q1", calendar), parse_period(same, calendar)
    # Then they are equal values: one key in a dict, one canonical code
    assert fiscal == plain
    assert {fiscal: 1, plain: 2} == {plain: 2}
    assert fiscal_quarter_code(plain, calendar) == "FY2024-25Q1"


def test_a_calendar_string_as_stored_in_settings_is_accepted() -> None:
    # Given the calendar as stored in an event ("india"), when a fiscal year is read
    period = parse_period("FY2024-25", "india")  # type: ignore[arg-type]
    # Then it is India's fiscal year
    assert period.start == date(2024, 4, 1)


# Refusals ---------------------------------------------------------------------------------------

REFUSALS = [
    # text, calendar, reason after the accepted forms ("" for text that is no period at all)
    ("2024Q5", IN, "; quarter must be 1 to 4"),
    ("2024Q0", GR, "; quarter must be 1 to 4"),
    ("FY2024-25Q5", BD, "; quarter must be 1 to 4"),
    ("FY2024-25Q0", IN, "; quarter must be 1 to 4"),
    ("2024-13", GR, "; month must be 01 to 12"),
    ("2024-00", BD, "; month must be 01 to 12"),
    ("FY2024-26", IN, "; a fiscal year starting in 2024 is FY2024-25"),
    ("FY2024-2026", BD, "; a fiscal year starting in 2024 is FY2024-25"),
    ("FY2024-24", IN, "; a fiscal year starting in 2024 is FY2024-25"),
    ("FY2024-25", GR, "; the gregorian calendar has no fiscal years"),
    ("fy2024-25q1", GR, "; the gregorian calendar has no fiscal years"),
    ("1899", GR, "; year 1899 is outside 1900 to 2200"),
    ("2201", IN, "; year 2201 is outside 1900 to 2200"),
    ("2201-01", GR, "; year 2201 is outside 1900 to 2200"),
    ("1899Q4", BD, "; year 1899 is outside 1900 to 2200"),
    ("FY1899-00", IN, "; year 1899 is outside 1900 to 2200"),
    ("", GR, ""),
    ("   ", IN, ""),
    ("March 2024", GR, ""),
    ("2024/03", GR, ""),
    ("2024-03-01", IN, ""),
    ("Q1 2024", GR, ""),
    ("FY24-25", IN, ""),
    ("২০২৪", BD, ""),
]


@pytest.mark.parametrize(("text", "calendar", "reason"), REFUSALS)
def test_each_refusal_quotes_the_input_and_shows_the_accepted_forms(
    text: str, calendar: Calendar, reason: str
) -> None:
    # Given a code that is no reporting period, when it is read
    with pytest.raises(PeriodError) as refused:
        parse_period(text, calendar)
    # Then the one-line message quotes it, lists the forms of this calendar and says why
    forms = GREGORIAN_FORMS if calendar == GR else FISCAL_FORMS
    assert str(refused.value) == f"{text!r} is not a reporting period: {forms}{reason}"
    assert isinstance(refused.value, ValueError)


def test_the_message_for_quarter_five_starts_as_documented() -> None:
    with pytest.raises(PeriodError, match=r"^'2024Q5' is not a reporting period: use 2024-03 "):
        parse_period("2024Q5", BD)


def test_a_period_cannot_end_before_it_starts() -> None:
    with pytest.raises(PeriodError, match=r"^period 2024-03 ends on 2024-02-01, before it starts"):
        Period(PeriodKind.MONTH, date(2024, 3, 1), date(2024, 2, 1), "2024-03")


# Value object -----------------------------------------------------------------------------------


def test_periods_are_ordered_by_start_then_length_and_hashable() -> None:
    # Given periods that start on the same day and one later
    year, quarter, month, later = p("2024"), p("2024Q1"), p("2024-01"), p("2024-02")
    # When sorted (duplicates removed through a set), then by start date, shorter first
    assert sorted({year, later, quarter, month, p("2024-01")}) == [month, quarter, year, later]
    assert later > year


def test_a_period_is_immutable() -> None:
    with pytest.raises(AttributeError):
        p("2024").code = "2025"  # type: ignore[misc]


def test_periods_do_not_compare_with_other_types() -> None:
    with pytest.raises(TypeError):
        _ = p("2024") < "2025"


def test_calendars_know_the_first_month_of_their_fiscal_year() -> None:
    assert [c.first_month for c in (GR, IN, BD)] == [1, 4, 7]


# Fiscal boundaries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "calendar", "code"),
    [
        (date(2025, 3, 31), IN, "FY2024-25"),
        (date(2025, 4, 1), IN, "FY2025-26"),
        (date(2025, 6, 30), BD, "FY2024-25"),
        (date(2025, 7, 1), BD, "FY2025-26"),
        (date(2024, 5, 10), IN, "FY2024-25"),
        (date(2024, 5, 10), BD, "FY2023-24"),
        (date(2024, 12, 31), GR, "2024"),
        (date(2025, 1, 1), GR, "2025"),
    ],
)
def test_the_yearly_period_containing_a_day_turns_at_the_fiscal_boundary(
    day: date, calendar: Calendar, code: str
) -> None:
    # Given a day on either side of a fiscal year boundary, when its yearly period is asked
    period = period_containing(day, YEARLY, calendar)
    # Then it is the fiscal year of the calendar
    assert period == parse_period(code, calendar)


@pytest.mark.parametrize(
    ("cadence", "code"), [(MONTHLY, "2024-05"), (QUARTERLY, "2024Q2"), (YEARLY, "FY2024-25")]
)
def test_the_period_containing_a_day_follows_the_cadence(cadence: Cadence, code: str) -> None:
    assert period_containing(date(2024, 5, 10), cadence, IN).code == code


# Cadences ---------------------------------------------------------------------------------------

FITS = [
    ("2024-03", GR, MONTHLY, True),
    ("2024-03", IN, MONTHLY, True),
    ("2024Q1", GR, MONTHLY, False),
    ("2024Q1", GR, QUARTERLY, True),
    ("2024-03", GR, QUARTERLY, False),
    ("2024", GR, QUARTERLY, False),
    ("2024Q2", IN, QUARTERLY, True),
    ("FY2024-25Q1", IN, QUARTERLY, True),
    ("FY2024-25Q3", BD, QUARTERLY, True),
    ("FY2024-25", IN, QUARTERLY, False),
    ("2024", GR, YEARLY, True),
    ("2024Q1", GR, YEARLY, False),
    ("2024", IN, YEARLY, False),
    ("2024", BD, YEARLY, False),
    ("FY2024-25", IN, YEARLY, True),
    ("FY2024-25", BD, YEARLY, True),
    ("2024-03", BD, YEARLY, False),
]


@pytest.mark.parametrize(("code", "calendar", "cadence", "fits"), FITS)
def test_fits_cadence(code: str, calendar: Calendar, cadence: Cadence, fits: bool) -> None:
    # Given a period read in a calendar, when checked against a cadence, then it fits or not
    period = parse_period(code, calendar)
    assert fits_cadence(period, cadence, calendar) is fits
    if fits:
        check_cadence(period, cadence, calendar)
    else:
        expected = rf"^{re.escape(period.code)} \(.*\) does not fit a {cadence} indicator in"
        with pytest.raises(PeriodError, match=expected):
            check_cadence(period, cadence, calendar)


def test_a_fiscal_year_of_another_calendar_does_not_fit() -> None:
    # Given India's FY2024-25, when a Bangladesh yearly indicator is given it, then it is refused
    india = p("FY2024-25", IN)
    assert not fits_cadence(india, YEARLY, BD)
    with pytest.raises(PeriodError, match=r"\(July to June\) such as FY2024-25$"):
        check_cadence(india, YEARLY, BD)


@pytest.mark.parametrize(
    ("code", "calendar", "cadence", "message"),
    [
        (
            "2024",
            IN,
            YEARLY,
            "2024 (2024-01-01 to 2024-12-31) does not fit a yearly indicator in the india"
            " calendar: use fiscal years (April to March) such as FY2024-25",
        ),
        (
            "2024Q1",
            GR,
            YEARLY,
            "2024Q1 (2024-01-01 to 2024-03-31) does not fit a yearly indicator in the gregorian"
            " calendar: use calendar years such as 2024",
        ),
        (
            "2024-03",
            BD,
            QUARTERLY,
            "2024-03 (2024-03-01 to 2024-03-31) does not fit a quarterly indicator in the"
            " bangladesh calendar: use quarters such as 2024Q2 or FY2024-25Q1",
        ),
        (
            "2024-03",
            GR,
            QUARTERLY,
            "2024-03 (2024-03-01 to 2024-03-31) does not fit a quarterly indicator in the"
            " gregorian calendar: use quarters such as 2024Q1",
        ),
        (
            "2024Q1",
            GR,
            MONTHLY,
            "2024Q1 (2024-01-01 to 2024-03-31) does not fit a monthly indicator in the"
            " gregorian calendar: use months such as 2024-03",
        ),
    ],
)
def test_check_cadence_explains_what_the_indicator_takes(
    code: str, calendar: Calendar, cadence: Cadence, message: str
) -> None:
    with pytest.raises(PeriodError) as refused:
        check_cadence(parse_period(code, calendar), cadence, calendar)
    assert str(refused.value) == message


# Sequences --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "calendar", "following"),
    [
        ("2024-12", GR, "2025-01"),
        ("2024Q4", GR, "2025Q1"),
        ("2024", GR, "2025"),
        ("FY2024-25Q4", IN, "FY2025-26Q1"),
        ("FY2024-25", IN, "FY2025-26"),
        ("FY2024-25", BD, "FY2025-26"),
        ("FY1999-00", BD, "FY2000-01"),
    ],
)
def test_next_period(code: str, calendar: Calendar, following: str) -> None:
    assert next_period(p(code, calendar)) == p(following, calendar)


def test_there_is_no_period_after_the_last_supported_year() -> None:
    with pytest.raises(PeriodError, match=r"^year 2201 is outside 1900 to 2200$"):
        next_period(p("2200"))


def test_periods_between_lists_both_ends_and_everything_in_between() -> None:
    # Given the first and last quarters of India's FY2024-25
    first, last = p("FY2024-25Q1", IN), p("FY2024-25Q4", IN)
    # When the quarters between them are listed
    quarters = periods_between(first, last)
    # Then they are the four quarters of the fiscal year, in order
    assert [q.code for q in quarters] == ["2024Q2", "2024Q3", "2024Q4", "2025Q1"]
    assert all(contains(p("FY2024-25", IN), q) for q in quarters)
    assert periods_between(first, first) == [first]
    assert [m.code for m in periods_between(p("2024-11"), p("2025-02"))] == [
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
    ]


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (p("2025-01"), p("2024-11"), "cannot list periods from 2025-01 to 2024-11: the last one"),
        (p("2024-01"), p("2024Q2"), "cannot list periods from 2024-01 to 2024Q2: both ends must"),
        (p("FY2024-25", IN), p("FY2025-26", BD), "cannot list periods from FY2024-25 to FY2025-26"),
    ],
)
def test_periods_between_refuses_reversed_or_mixed_ends(
    first: Period, last: Period, message: str
) -> None:
    with pytest.raises(PeriodError) as refused:
        periods_between(first, last)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize(
    ("outer", "inner", "inside"),
    [
        (p("FY2024-25", IN), p("2024Q2"), True),
        (p("FY2024-25", IN), p("2025Q1"), True),
        (p("FY2024-25", IN), p("2024Q1"), False),
        (p("FY2024-25", IN), p("2025Q2"), False),
        (p("FY2024-25", IN), p("2024-04"), True),
        (p("FY2024-25", IN), p("2024-03"), False),
        (p("FY2024-25", BD), p("2024Q3"), True),
        (p("FY2024-25", BD), p("2024Q2"), False),
        (p("2024"), p("2024-12"), True),
        (p("2024Q1"), p("2024Q1"), True),
        (p("2024-03"), p("2024Q1"), False),
    ],
)
def test_contains(outer: Period, inner: Period, inside: bool) -> None:
    assert contains(outer, inner) is inside


# DHIS2 and fiscal labels ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "calendar", "dhis2"),
    [
        ("2024-03", GR, "202403"),
        ("2024-11", IN, "202411"),
        ("2024Q1", GR, "2024Q1"),
        ("2024", GR, "2024"),
        ("FY2024-25", IN, "2024April"),
        ("FY2024-25", BD, "2024July"),
        ("FY2024-25Q1", IN, "2024Q2"),
        ("FY2024-25Q1", BD, "2024Q3"),
    ],
)
def test_dhis2_codes(code: str, calendar: Calendar, dhis2: str) -> None:
    assert dhis2_code(parse_period(code, calendar), calendar) == dhis2


def test_dhis2_refuses_a_fiscal_year_of_another_calendar() -> None:
    with pytest.raises(PeriodError, match=r"^FY2024-25 is not a fiscal year of the bangladesh"):
        dhis2_code(p("FY2024-25", IN), BD)


@pytest.mark.parametrize(
    ("code", "calendar", "label"),
    [("2025Q1", IN, "FY2024-25Q4"), ("2025Q1", BD, "FY2024-25Q3"), ("2025Q2", BD, "FY2024-25Q4")],
)
def test_fiscal_quarter_labels(code: str, calendar: Calendar, label: str) -> None:
    assert fiscal_quarter_code(p(code, calendar), calendar) == label


@pytest.mark.parametrize(("code", "calendar"), [("2024Q1", GR), ("2024-03", IN)])
def test_no_fiscal_quarter_label_outside_fiscal_quarters(code: str, calendar: Calendar) -> None:
    with pytest.raises(PeriodError, match=rf"^{code} has no fiscal quarter label"):
        fiscal_quarter_code(p(code, calendar), calendar)


# Properties -------------------------------------------------------------------------------------


@properties
@given(day=days, cadence=cadences, calendar=calendars)
def test_the_period_containing_a_day_contains_it_and_fits(
    day: date, cadence: Cadence, calendar: Calendar
) -> None:
    period = period_containing(day, cadence, calendar)
    assert period.start <= day <= period.end
    assert fits_cadence(period, cadence, calendar)
    check_cadence(period, cadence, calendar)


@properties
@given(day=days, cadence=cadences, calendar=calendars)
def test_every_code_reads_back_as_the_same_period(
    day: date, cadence: Cadence, calendar: Calendar
) -> None:
    period = period_containing(day, cadence, calendar)
    assert parse_period(period.code, calendar) == period
    assert parse_period(f"  {period.code.lower()} ", calendar) == period


@properties
@given(day=days, cadence=cadences, calendar=calendars)
def test_consecutive_periods_meet_without_gap_or_overlap(
    day: date, cadence: Cadence, calendar: Calendar
) -> None:
    period = period_containing(day, cadence, calendar)
    following = next_period(period)
    assert following.start == period.end + ONE_DAY
    assert following.kind == period.kind
    assert following > period
    assert period_containing(following.start, cadence, calendar) == following


@properties
@given(picked=st.lists(days, min_size=3, max_size=3), cadence=cadences, calendar=calendars)
def test_periods_between_covers_the_range_exactly(
    picked: list[date], cadence: Cadence, calendar: Calendar
) -> None:
    low, middle, high = sorted(picked)
    first = period_containing(low, cadence, calendar)
    last = period_containing(high, cadence, calendar)
    periods = periods_between(first, last)
    assert (periods[0], periods[-1]) == (first, last)
    assert all(b.start == a.end + ONE_DAY for a, b in pairwise(periods))
    assert period_containing(middle, cadence, calendar) in periods


@properties
@given(day=days, calendar=calendars)
def test_months_nest_in_quarters_and_quarters_in_years(day: date, calendar: Calendar) -> None:
    month, quarter, year = (period_containing(day, c, calendar) for c in Cadence)
    assert contains(quarter, month)
    assert contains(year, quarter)
    assert not contains(month, quarter)


@properties
@given(day=days, calendar=st.sampled_from([IN, BD]))
def test_fiscal_quarter_labels_read_back(day: date, calendar: Calendar) -> None:
    quarter = period_containing(day, QUARTERLY, calendar)
    assert parse_period(fiscal_quarter_code(quarter, calendar), calendar) == quarter


@properties
@given(
    text=st.from_regex(r"\A *(FY|fy)?[0-9]{4}(-[0-9]{1,4})?([Qq][0-9]{1,2})? *\Z")
    | st.text(max_size=16),
    calendar=calendars,
)
def test_any_text_reads_as_a_period_or_a_one_line_refusal(text: str, calendar: Calendar) -> None:
    try:
        period = parse_period(text, calendar)
    except PeriodError as refused:
        message = str(refused)
        assert message.startswith(f"{text!r} is not a reporting period: use 2024-03 (month)")
        assert len(message.splitlines()) == 1
    else:
        assert parse_period(period.code, calendar) == period
