"""Shared measurement, as specifications: given events, when a command, then events or an error.

Indicators with versioned definitions, targets and retirement; values reported per partner, period
and cell, corrected, retracted and reviewed, never overwritten; closed periods; and old values read
under a revised definition without inventing a split.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain.base import Envelope
from domain.collective import Collective, Settings
from domain.errors import AlreadyExists, NotFound, RuleViolation
from domain.indicator import Indicator
from domain.measurement import (
    Baseline,
    CategoryMap,
    Definition,
    Dimension,
    Revision,
    cells_of,
    check_code,
    group_label,
    map_cell,
    parse_cell,
    parse_dimension,
    parse_map,
    read_measure,
)
from domain.periods import Cadence, Calendar, PeriodError, parse_period
from domain.reporting import Report, ReportingPeriod, ReportKey, Submission, ValueKey
from domain.reporting import enclosing_periods as enclosing
from domain.vocabulary import Aggregation, Direction, ReviewAction, Role, Unit, ValueStatus
from ledger.application import Context, LedgerApplication

SS = "saamuhika-shakti"
INDIA = Calendar.INDIA
SEX = Dimension(name="sex", categories=("female", "male"))
AGE = Dimension(name="age", categories=("3-5", "6-14", "15-18"))
AGE_SPLIT = Dimension(name="age", categories=("3-5", "6-10", "11-14", "15-18"))
EDU = Definition(
    name="Children of waste-picker families enrolled",
    unit=Unit.COUNT,
    direction=Direction.UP,
    cadence=Cadence.QUARTERLY,
    dimensions=(SEX, AGE),
    sdg=("4.2.2",),
)
GIRLS_6_14 = (("age", "6-14"), ("sex", "female"))
SPLIT = CategoryMap(dimension="age", old="6-14", new=("6-10", "11-14"))


def meta(on: date = date(2024, 7, 10), reason: str | None = None) -> Envelope:
    return Envelope(actor="meera", effective=on, collective=SS, reason=reason)


def given_a_collective(*members: str) -> Collective:
    settings = Settings(slug=SS, name="Saamuhika Shakti", calendar=INDIA, currency="INR")
    collective = Collective.initialise(settings, meta(date(2020, 1, 10)))
    for org in members or ("hasiru-dala",):
        collective.join(org, Role.IMPLEMENTING, meta(date(2020, 1, 15)))
    collective.collect_events()
    return collective


def given_an_indicator(definition: Definition = EDU, code: str = "SS-EDU-01") -> Indicator:
    indicator = Indicator.define(SS, INDIA, code, definition, meta(date(2020, 2, 1)))
    indicator.collect_events()
    return indicator


def given_a_report(
    indicator: Indicator, org: str = "hasiru-dala", period: str = "2024Q2"
) -> Report:
    report = Report.open(SS, indicator.code, org, parse_period(period, INDIA), meta())
    report.collect_events()
    return report


def submission(value: str = "412", cell: Any = GIRLS_6_14, **fields: Any) -> Submission:
    key = {"code": "SS-EDU-01", "org": "hasiru-dala", "period": "2024Q2"}
    return Submission(**{**key, **fields}, cell=cell, value=value)


def given_a_submitted_value(indicator: Indicator, value: str = "412") -> Report:
    report = given_a_report(indicator)
    report.submit(given_a_collective(), indicator, submission(value), None, meta())
    report.collect_events()
    return report


def revised(
    indicator: Indicator, *mapping: CategoryMap, dimensions: Any = (SEX, AGE_SPLIT)
) -> None:
    indicator.revise(
        Revision(dimensions=dimensions, mapping=mapping), "steering-3", meta(date(2024, 6, 1))
    )
    indicator.collect_events()


# -- defining indicators --------------------------------------------------------------------------


def test_an_indicator_is_defined_as_version_1_of_its_definition() -> None:
    baseline = Baseline(period="fy2019-20", value=Decimal(312))
    indicator = Indicator.define(
        SS, INDIA, "ss-edu-01", EDU.model_copy(update={"baseline": baseline}), meta()
    )
    [event] = indicator.collect_events()
    assert isinstance(event, Indicator.Defined)
    assert event.code == "SS-EDU-01" and event.subject() == "indicator:SS-EDU-01"
    assert event.definition.baseline == Baseline(period="FY2019-20", value=Decimal(312))
    assert event.definition.aggregation is Aggregation.SUM  # the default for counts
    assert indicator.current_version == 1 and indicator.current == event.definition
    assert "count, quarterly, up is better" in event.summary()


def test_a_money_indicator_needs_its_currency() -> None:
    income = EDU.model_copy(update={"unit": Unit.CURRENCY, "dimensions": ()})
    with pytest.raises(RuleViolation, match="SS-INC-01 counts money: give its currency"):
        Indicator.define(SS, INDIA, "SS-INC-01", income, meta())


@pytest.mark.parametrize("code", ["5.5.2", "5.b.1", "17.19.2", "1.3.1", "8.10.2"])
def test_sdg_indicators_of_the_right_shape_are_accepted(code: str) -> None:
    assert Definition.model_validate(_fields(sdg=[code.upper()])).sdg == (code,)


def _fields(**changes: Any) -> dict[str, Any]:
    return {**EDU.model_dump(), "aggregation": None, **changes}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sdg": ["18.1.1"]}, "SDG indicator '18.1.1' is not valid"),
        ({"sdg": ["0.1.1"]}, "SDG indicator '0.1.1' is not valid"),
        ({"sdg": ["5.5"]}, "SDG indicator '5.5' is not valid"),
        ({"sdg": ["5.bb.1"]}, "SDG indicator '5.bb.1' is not valid"),
        ({"sdg": ["5.5.b"]}, "SDG indicator '5.5.b' is not valid"),
        ({"dimensions": [SEX, SEX]}, "dimension sex is given twice"),
        ({"currency": "INR"}, "a currency goes with the unit currency, not count"),
        ({"currency": "RUPEE", "unit": "currency"}, "currency 'RUPEE' is not an ISO 4217 code"),
        (
            {"unit": "qualitative", "aggregation": "sum"},
            "qualitative values can only be aggregated as latest",
        ),
        ({"name": "  "}, "the name of an indicator cannot be empty"),
    ],
)
def test_a_definition_refuses_bad_shapes(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Definition.model_validate(_fields(**changes))


def test_a_baseline_must_fit_the_unit() -> None:
    with pytest.raises(RuleViolation, match="baseline 150 is not a percentage"):
        Definition.model_validate(
            _fields(unit="percent", baseline={"period": "2019", "value": "150"})
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("age=60+", "category '60\\+' of age cannot contain = , : or \\+"),
        ("age=3-5,3-5", "category 3-5 is listed twice in age"),
        ("age=3-5,,6-14", "category of age cannot be empty"),
        ("age", "dimension 'age' is not NAME=CATEGORY,CATEGORY"),
        ("age:x=3-5", "dimension 'age:x' cannot contain"),
    ],
)
def test_dimensions_are_read_from_name_and_categories(text: str, message: str) -> None:
    assert parse_dimension("ವಯಸ್ಸು=೩-೫, ೬-೧೪") == Dimension(name="ವಯಸ್ಸು", categories=("೩-೫", "೬-೧೪"))
    with pytest.raises(ValueError, match=message):
        parse_dimension(text)


def test_indicator_codes_are_upper_cased_and_checked() -> None:
    assert check_code(" ss-edu-01 ") == "SS-EDU-01"
    with pytest.raises(ValueError, match="indicator code 'SS EDU' is not valid"):
        check_code("SS EDU")


@pytest.mark.parametrize(
    ("unit", "raw", "expected"),
    [
        (Unit.COUNT, "412", (Decimal(412), None)),
        (Unit.COUNT, "12.0", (Decimal(12), None)),
        (Unit.COUNT, "1E+3", (Decimal(1000), None)),
        (Unit.COUNT, "1,416", (Decimal(1416), None)),  # thousands separators, as typed
        (Unit.COUNT, "1,23,456", (Decimal(123456), None)),  # Indian grouping
        (Unit.CURRENCY, "12,34,567.50", (Decimal("1234567.50"), None)),
        (Unit.COUNT, "১,২৩,৪৫৬", (Decimal(123456), None)),  # Bengali digits
        (Unit.PERCENT, "100", (Decimal(100), None)),
        (Unit.PERCENT, "0", (Decimal(0), None)),
        (Unit.CURRENCY, "-1500.50", (Decimal("-1500.50"), None)),
        (Unit.RATIO, "0.13", (Decimal("0.13"), None)),
        (Unit.QUALITATIVE, " ভালো অগ্রগতি ", (None, "ভালো অগ্রগতি")),
    ],
)
def test_values_are_read_by_the_unit(
    unit: Unit, raw: str, expected: tuple[Decimal | None, str | None]
) -> None:
    assert read_measure(unit, raw) == expected


@pytest.mark.parametrize(
    ("unit", "raw", "message"),
    [
        (Unit.COUNT, "-3", "value -3 is not a count: use a whole number of 0 or more"),
        (Unit.COUNT, "2.5", "value 2.5 is not a count"),
        (Unit.COUNT, "twelve", "value 'twelve' is not a number \\(the unit is count\\)"),
        (Unit.COUNT, "12,5", "value '12,5' is not a number"),  # a decimal comma: not read
        (Unit.COUNT, "1,4160", "value '1,4160' is not a number"),  # no grouping of 4 digits
        (Unit.COUNT, "1,23,4567", "value '1,23,4567' is not a number"),
        (Unit.PERCENT, "100.5", "value 100.5 is not a percentage: use a number from 0 to 100"),
        (Unit.PERCENT, "-1", "value -1 is not a percentage"),
        (Unit.RATIO, "NaN", "value 'NaN' is not a number"),
        (Unit.CURRENCY, "1e20", "value 1e20 is too large"),
        (Unit.RATIO, "0.1234567", "value 0.1234567 has more than 6 decimal places"),
        (Unit.QUALITATIVE, "  ", "value cannot be empty"),
    ],
)
def test_values_that_do_not_fit_the_unit_are_refused(unit: Unit, raw: str, message: str) -> None:
    with pytest.raises(RuleViolation, match=message):
        read_measure(unit, raw)


# -- revisions and the mapping of old cells ------------------------------------------------------


def test_a_revision_is_a_new_version_with_a_complete_mapping() -> None:
    indicator = given_an_indicator()
    indicator.revise(
        Revision(dimensions=(SEX, AGE_SPLIT), mapping=(SPLIT,)),
        "steering-3",
        meta(reason="RTE age bands"),
    )
    [event] = indicator.collect_events()
    assert isinstance(event, Indicator.Revised)
    assert (event.version, event.decision) == (2, "steering-3")
    assert event.mapping == (
        CategoryMap(dimension="sex", old="female", new=("female",)),
        CategoryMap(dimension="sex", old="male", new=("male",)),
        CategoryMap(dimension="age", old="3-5", new=("3-5",)),
        SPLIT,
        CategoryMap(dimension="age", old="15-18", new=("15-18",)),
    )
    assert event.summary() == (
        "revised to version 2 under decision steering-3 (age 6-14 -> 6-10+11-14)"
    )
    assert indicator.current.dimensions == (SEX, AGE_SPLIT)
    assert indicator.versions[0].definition == EDU  # the old version stays readable


def test_an_old_value_is_read_under_the_new_version_without_inventing_a_split() -> None:
    indicator = given_an_indicator()
    revised(indicator, SPLIT)
    group = indicator.read_cell(1, GIRLS_6_14)
    assert group == (("age", ("6-10", "11-14")), ("sex", ("female",)))
    assert group_label(group) == "age=6-10+11-14, sex=female"
    assert cells_of(group) == (
        (("age", "6-10"), ("sex", "female")),
        (("age", "11-14"), ("sex", "female")),
    )
    # A category kept under its name maps to itself; a cell of the current version is unchanged.
    assert indicator.read_cell(1, (("age", "3-5"),)) == (("age", ("3-5",)),)
    assert indicator.read_cell(2, (("age", "6-10"),)) == (("age", ("6-10",)),)
    assert group_label(indicator.read_cell(1, ())) == "total"


def test_merged_categories_map_to_the_one_they_became() -> None:
    indicator = given_an_indicator()
    revised(
        indicator,
        CategoryMap(dimension="age", old="3-5", new=("3-14",)),
        CategoryMap(dimension="age", old="6-14", new=("3-14",)),
        dimensions=(SEX, Dimension(name="age", categories=("3-14", "15-18"))),
    )
    assert indicator.read_cell(1, (("age", "3-5"),)) == (("age", ("3-14",)),)
    assert indicator.read_cell(1, (("age", "6-14"),)) == (("age", ("3-14",)),)


def test_mappings_compose_over_several_revisions() -> None:
    indicator = given_an_indicator()
    revised(indicator, SPLIT)
    revised(
        indicator,
        CategoryMap(dimension="age", old="11-14", new=("11-18",)),
        CategoryMap(dimension="age", old="15-18", new=("11-18",)),
        dimensions=(SEX, Dimension(name="age", categories=("3-5", "6-10", "11-18"))),
    )
    assert indicator.current_version == 3
    assert map_cell(indicator.versions, 1, (("age", "6-14"),)) == (("age", ("6-10", "11-18")),)
    assert map_cell(indicator.versions, 2, (("age", "15-18"),)) == (("age", ("11-18",)),)
    assert map_cell(indicator.versions, 1, (("age", "15-18"),)) == (("age", ("11-18",)),)
    with pytest.raises(RuleViolation, match="there is no version 4"):
        map_cell(indicator.versions, 4, ())


def test_a_dropped_dimension_leaves_the_cell_and_an_added_one_is_not_invented() -> None:
    indicator = given_an_indicator()
    locality = Dimension(name="locality", categories=("Vinobha Nagar", "Kunthigrama"))
    revised(indicator, dimensions=(AGE, locality))
    assert indicator.read_cell(1, GIRLS_6_14) == (("age", ("6-14",)),)


@pytest.mark.parametrize(
    ("mapping", "dimensions", "message"),
    [
        ((), (SEX, AGE_SPLIT), "age=6-14 of SS-EDU-01 has no place in the revision: say where"),
        (
            (CategoryMap(dimension="age", old="6-14", new=("6-11",)),),
            (SEX, AGE_SPLIT),
            "age=6-11 is not a category of the revised SS-EDU-01",
        ),
        (
            (SPLIT, CategoryMap(dimension="age", old="0-2", new=("3-5",))),
            (SEX, AGE_SPLIT),
            "age=0-2 is not a category of SS-EDU-01",
        ),
        (
            (SPLIT, CategoryMap(dimension="age", old="6-14", new=("6-10",))),
            (SEX, AGE_SPLIT),
            "age=6-14 is mapped twice",
        ),
        (
            (CategoryMap(dimension="caste", old="sc", new=("sc",)),),
            (SEX, AGE),
            "SS-EDU-01 has no dimension 'caste'",
        ),
        (
            (CategoryMap(dimension="sex", old="male", new=("female",)),),
            (AGE,),
            "the revision drops the dimension sex of SS-EDU-01",
        ),
        ((), (SEX, AGE), "the revision changes nothing in SS-EDU-01"),
    ],
)
def test_a_revision_refuses_a_mapping_that_loses_or_invents_categories(
    mapping: tuple[CategoryMap, ...], dimensions: tuple[Dimension, ...], message: str
) -> None:
    indicator = given_an_indicator()
    with pytest.raises(RuleViolation, match=message):
        indicator.revise(Revision(dimensions=dimensions, mapping=mapping), "steering-3", meta())
    assert indicator.collect_events() == []


def test_a_revision_needs_a_decision_and_may_change_only_the_texts() -> None:
    indicator = given_an_indicator()
    with pytest.raises(RuleViolation, match="a revision of SS-EDU-01 needs the decision"):
        indicator.revise(Revision(method="school registers"), "", meta())
    indicator.revise(Revision(method="ಶಾಲಾ ದಾಖಲೆಗಳು"), "steering-3", meta())
    [event] = indicator.collect_events()
    assert event.definition.method == "ಶಾಲಾ ದಾಖಲೆಗಳು" and event.definition.dimensions == (SEX, AGE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("age:6-14=6-10+11-14", SPLIT),
        (" age : 6-14 = 6-10 + 11-14 ", SPLIT),
        ("age:3-5=3-14", CategoryMap(dimension="age", old="3-5", new=("3-14",))),
    ],
)
def test_a_mapping_is_read_as_dimension_old_new(text: str, expected: CategoryMap) -> None:
    assert parse_map(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("age=6-14:6-10+11-14", "is not DIMENSION:OLD=NEW\\+NEW"),
        ("6-14=6-10+11-14", "is not DIMENSION:OLD=NEW\\+NEW"),
        ("age:6-14=", "is not DIMENSION:OLD=NEW\\+NEW"),
        ("age:6-14=6-10+6-10", "a mapping names a category twice"),
        ("age:6-14=6-10++11-14", "a name in a mapping cannot be empty"),
    ],
)
def test_a_mapping_that_cannot_be_read_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_map(text)


# -- targets and retirement -----------------------------------------------------------------------


def test_a_target_is_set_and_revising_it_needs_a_reason() -> None:
    indicator = given_an_indicator()
    fy = parse_period("FY2024-25", INDIA)
    indicator.set_target(fy, (("sex", "female"),), "1200", meta())
    with pytest.raises(RuleViolation, match="is already 1200"):
        indicator.set_target(fy, (("sex", "female"),), "1200.0", meta(reason="again"))
    with pytest.raises(
        RuleViolation,
        match="SS-EDU-01 already has a target of 1200 for FY2024-25, sex=female: revising it "
        "needs a reason",
    ):
        indicator.set_target(fy, (("sex", "female"),), "1100", meta())
    indicator.set_target(fy, (("sex", "female"),), "1100", meta(reason="ಕಡಿಮೆ ಕುಟುಂಬಗಳು"))
    first, second = indicator.collect_events()
    assert type(first) is Indicator.TargetSet and type(second) is Indicator.TargetRevised
    assert (second.previous_value, second.value) == (Decimal(1200), Decimal(1100))
    assert indicator.targets["FY2024-25", (("sex", "female"),)].value == Decimal(1100)
    assert second.summary().endswith("revised from 1200 to 1100: ಕಡಿಮೆ ಕುಟುಂಬಗಳು")


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        ((("caste", "sc"),), "10", "SS-EDU-01 has no dimension 'caste'"),
        ((("age", "0-2"),), "10", "age=0-2 is not a category of SS-EDU-01"),
        ((), "-10", "target -10 for SS-EDU-01 is not a count"),
    ],
)
def test_a_target_must_fit_the_indicator(cell: Any, value: str, message: str) -> None:
    indicator = given_an_indicator()
    with pytest.raises(RuleViolation, match=message):
        indicator.set_target(parse_period("2024", INDIA), cell, value, meta())


def test_a_retired_indicator_takes_no_more_changes() -> None:
    indicator = given_an_indicator()
    indicator.retire("steering-9", meta())
    [event] = indicator.collect_events()
    assert event.summary() == "retired under decision steering-9"
    message = "indicator SS-EDU-01 was retired under decision steering-9 and takes no more changes"
    with pytest.raises(RuleViolation, match=message):
        indicator.retire("steering-10", meta())
    with pytest.raises(RuleViolation, match=message):
        indicator.set_target(parse_period("2025", INDIA), (), "10", meta())
    with pytest.raises(RuleViolation, match=message):
        indicator.revise(Revision(method="x"), "steering-10", meta())


# -- values ---------------------------------------------------------------------------------------


def test_a_member_submits_a_value_for_a_cell() -> None:
    indicator = given_an_indicator()
    report = given_a_report(indicator)
    report.submit(
        given_a_collective(),
        indicator,
        submission(
            "412",
            cell=(("sex", "female"), ("age", "6-14")),
            note="ಶಾಲಾ ದಾಖಲಾತಿ ಅಭಿಯಾನ",
            evidence="https://example.org/enrolment.xlsx",
        ),
        None,
        meta(),
    )
    [event] = report.collect_events()
    assert isinstance(event, Report.ValueSubmitted)
    assert (event.code, event.org, event.period, event.version) == (
        "SS-EDU-01",
        "hasiru-dala",
        "2024Q2",
        1,
    )
    assert event.cell == GIRLS_6_14  # sorted by dimension
    assert (event.value, event.text) == (Decimal(412), None)
    assert event.evidence == "https://example.org/enrolment.xlsx"
    assert event.subject() == "value:SS-EDU-01/hasiru-dala/2024Q2"
    assert report.entries[GIRLS_6_14].status is ValueStatus.SUBMITTED


def test_a_qualitative_indicator_takes_text() -> None:
    story = EDU.model_copy(
        update={"unit": Unit.QUALITATIVE, "aggregation": Aggregation.LATEST, "dimensions": ()}
    )
    indicator = given_an_indicator(story)
    report = given_a_report(indicator)
    report.submit(
        given_a_collective(), indicator, submission("নারীরা নেতৃত্ব দিচ্ছেন", cell=()), None, meta()
    )
    [event] = report.collect_events()
    assert (event.value, event.text) == (None, "নারীরা নেতৃত্ব দিচ্ছেন")


@pytest.mark.parametrize(
    ("value", "cell", "message"),
    [
        (
            "412",
            (("caste", "sc"),),
            "SS-EDU-01 has no dimension 'caste' \\(its dimensions: sex, age\\)",
        ),
        (
            "412",
            (("age", "0-2"),),
            "age=0-2 is not a category of SS-EDU-01 \\(age has 3-5, 6-14, 15-18\\)",
        ),
        ("twelve", (), "value 'twelve' for SS-EDU-01 is not a number \\(the unit is count\\)"),
        ("-3", (), "value -3 for SS-EDU-01 is not a count: use a whole number of 0 or more"),
    ],
)
def test_a_value_outside_the_definition_is_refused(value: str, cell: Any, message: str) -> None:
    indicator = given_an_indicator()
    report = given_a_report(indicator)
    with pytest.raises(RuleViolation, match=message):
        report.submit(given_a_collective(), indicator, submission(value, cell), None, meta())
    assert report.collect_events() == []


def test_a_percentage_above_100_is_refused() -> None:
    indicator = given_an_indicator(EDU.model_copy(update={"unit": Unit.PERCENT}))
    report = given_a_report(indicator)
    with pytest.raises(RuleViolation, match=r"value 100\.1 for SS-EDU-01 is not a percentage"):
        report.submit(given_a_collective(), indicator, submission("100.1"), None, meta())


def test_only_a_current_member_reports() -> None:
    indicator = given_an_indicator()
    report = given_a_report(indicator, org="sattva")
    with pytest.raises(NotFound, match="sattva is not a member of saamuhika-shakti"):
        report.submit(given_a_collective(), indicator, submission(org="sattva"), None, meta())
    collective = given_a_collective("sattva")
    collective.leave("sattva", meta(reason="phase 1 ended"))
    with pytest.raises(NotFound, match="sattva is not a member of saamuhika-shakti"):
        report.submit(collective, indicator, submission(org="sattva"), None, meta())


def test_a_second_submission_for_a_cell_is_refused_and_points_to_correct() -> None:
    indicator = given_an_indicator()
    report = given_a_submitted_value(indicator)
    with pytest.raises(
        RuleViolation,
        match="SS-EDU-01/hasiru-dala/2024Q2 already has a value for age=6-14, sex=female "
        "\\(412\\): to change it use `collective value correct`",
    ):
        report.submit(given_a_collective(), indicator, submission("398"), None, meta())
    assert report.collect_events() == []


def test_a_retired_indicator_refuses_values() -> None:
    indicator = given_an_indicator()
    report = given_a_submitted_value(indicator)
    indicator.retire("steering-9", meta())
    with pytest.raises(RuleViolation, match="was retired under decision steering-9 and takes no"):
        report.submit(given_a_collective(), indicator, submission(cell=()), None, meta())
    with pytest.raises(RuleViolation, match="takes no new values"):
        report.correct(indicator, submission("398"), None, meta(reason="recount"))


@pytest.mark.parametrize(
    ("cadence", "code", "fits"),
    [
        (Cadence.QUARTERLY, "2024Q2", True),
        (Cadence.QUARTERLY, "FY2024-25Q1", True),
        (Cadence.QUARTERLY, "2024-03", False),
        (Cadence.QUARTERLY, "FY2024-25", False),
        (Cadence.MONTHLY, "2024-03", True),
        (Cadence.MONTHLY, "2024Q1", False),
        (Cadence.YEARLY, "FY2024-25", True),
        (Cadence.YEARLY, "2024", False),
    ],
)
def test_a_value_needs_a_period_that_fits_the_cadence(
    cadence: Cadence, code: str, fits: bool
) -> None:
    indicator = given_an_indicator(EDU.model_copy(update={"cadence": cadence}))
    if fits:
        assert indicator.period(code, INDIA) == parse_period(code, INDIA)
        return
    with pytest.raises(PeriodError, match=f"does not fit a {cadence} indicator in the india"):
        indicator.period(code, INDIA)


def test_a_correction_supersedes_the_value_and_says_why() -> None:
    indicator = given_an_indicator()
    report = given_a_submitted_value(indicator)
    with pytest.raises(
        RuleViolation, match="a correction of SS-EDU-01/hasiru-dala/2024Q2 needs a reason"
    ):
        report.correct(indicator, submission("398"), None, meta())
    with pytest.raises(RuleViolation, match="for age=6-14, sex=female is already 412"):
        report.correct(indicator, submission("412"), None, meta(reason="checked"))
    with pytest.raises(NotFound, match="value 'SS-EDU-01/hasiru-dala/2024Q2 total' not found"):
        report.correct(indicator, submission("398", cell=()), None, meta(reason="x"))
    report.correct(indicator, submission("398"), None, meta(reason="duplicates removed"))
    [event] = report.collect_events()
    assert isinstance(event, Report.ValueCorrected)
    assert (event.previous_value, event.value) == (Decimal(412), Decimal(398))
    assert event.summary() == "age=6-14, sex=female: corrected from 412 to 398: duplicates removed"
    assert report.entries[GIRLS_6_14].status is ValueStatus.CORRECTED


def test_a_value_from_before_a_revision_is_corrected_under_its_own_version() -> None:
    indicator = given_an_indicator()
    report = given_a_submitted_value(indicator)
    revised(indicator, SPLIT)
    report.correct(indicator, submission("398"), None, meta(reason="recount"))
    [event] = report.collect_events()
    assert event.version == 1 and event.cell == GIRLS_6_14
    with pytest.raises(RuleViolation, match="age=6-14 is not a category of SS-EDU-01"):
        report.submit(
            given_a_collective(), indicator, submission(cell=(("age", "6-14"),)), None, meta()
        )


def test_a_retraction_needs_a_reason_and_keeps_the_value_in_the_history() -> None:
    indicator = given_an_indicator()
    report = given_a_submitted_value(indicator)
    with pytest.raises(
        RuleViolation, match="a retraction of SS-EDU-01/hasiru-dala/2024Q2 needs a reason"
    ):
        report.retract(GIRLS_6_14, None, None, meta())
    report.retract(GIRLS_6_14, None, None, meta(reason="wrong indicator"))
    assert report.entries[GIRLS_6_14].status is ValueStatus.RETRACTED
    assert report.entries[GIRLS_6_14].value == Decimal(412)
    with pytest.raises(RuleViolation, match="is already retracted"):
        report.retract(GIRLS_6_14, None, None, meta(reason="again"))
    with pytest.raises(RuleViolation, match="use `collective value correct`"):
        report.submit(given_a_collective(), indicator, submission("398"), None, meta())
    report.correct(indicator, submission("412"), None, meta(reason="it was the right one"))
    assert [type(e).__name__ for e in report.collect_events()] == [
        "ValueRetracted",
        "ValueCorrected",
    ]
    assert report.entries[GIRLS_6_14].status is ValueStatus.CORRECTED


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (ReviewAction.QUERY, "a query needs a comment saying why \\(use --comment\\)"),
        (ReviewAction.RETURN, "returning a value needs a comment saying why \\(use --comment\\)"),
    ],
)
def test_a_query_or_a_return_needs_a_comment(action: ReviewAction, message: str) -> None:
    report = given_a_submitted_value(given_an_indicator())
    with pytest.raises(RuleViolation, match=message):
        report.review(action, None, "  ", meta())
    report.review(action, None, "ಮೂಲ ದಾಖಲೆ ಕಳುಹಿಸಿ", meta())
    [event] = report.collect_events()
    assert event.cells == (GIRLS_6_14,) and event.comment == "ಮೂಲ ದಾಖಲೆ ಕಳುಹಿಸಿ"
    assert report.entries[GIRLS_6_14].comment == "ಮೂಲ ದಾಖಲೆ ಕಳುಹಿಸಿ"


def test_a_review_covers_every_live_value_of_the_report_and_never_erases() -> None:
    indicator = given_an_indicator()
    report = given_a_submitted_value(indicator)
    collective = given_a_collective()
    report.submit(collective, indicator, submission("120", cell=(("sex", "male"),)), None, meta())
    report.submit(collective, indicator, submission("5", cell=()), None, meta())
    report.retract((), None, None, meta(reason="a total is computed, not reported"))
    report.review(ReviewAction.RETURN, (("sex", "male"),), "male count is girls", meta())
    report.review(ReviewAction.APPROVE, None, None, meta())
    *_, approved = report.collect_events()
    assert approved.cells == (GIRLS_6_14, (("sex", "male"),))
    assert {c: e.status for c, e in report.entries.items()} == {
        GIRLS_6_14: ValueStatus.APPROVED,
        (("sex", "male"),): ValueStatus.APPROVED,
        (): ValueStatus.RETRACTED,
    }
    with pytest.raises(RuleViolation, match=r"^SS-EDU-01/hasiru-dala/2024Q2 is already approved$"):
        report.review(ReviewAction.APPROVE, None, None, meta())
    with pytest.raises(RuleViolation, match="for total was retracted"):
        report.review(ReviewAction.APPROVE, (), None, meta())
    report.review(ReviewAction.QUERY, GIRLS_6_14, "late evidence", meta())  # after approval too
    assert report.entries[GIRLS_6_14].status is ValueStatus.QUERIED


def test_an_empty_report_has_nothing_to_review() -> None:
    report = given_a_report(given_an_indicator())
    with pytest.raises(RuleViolation, match="has no values to review"):
        report.review(ReviewAction.APPROVE, None, None, meta())


def test_a_closed_period_takes_values_only_under_a_decision() -> None:
    indicator = given_an_indicator()
    closure = ReportingPeriod.close(SS, parse_period("FY2024-25", INDIA), "steering-5", meta())
    report = given_a_report(indicator)
    with pytest.raises(
        RuleViolation,
        match="period FY2024-25 was closed under decision steering-5: a value for 2024Q2 now "
        "needs a passed decision \\(use --decision\\)",
    ):
        report.submit(given_a_collective(), indicator, submission(), closure, meta())
    late = submission(decision="steering-6")
    report.submit(given_a_collective(), indicator, late, closure, meta())
    with pytest.raises(RuleViolation, match="period FY2024-25 was closed"):
        report.correct(indicator, submission("398"), closure, meta(reason="recount"))
    with pytest.raises(RuleViolation, match="period FY2024-25 was closed"):
        report.retract(GIRLS_6_14, closure, None, meta(reason="recount"))
    [event] = report.collect_events()
    assert event.decision == "steering-6"
    assert event.summary() == "age=6-14, sex=female: 412 submitted under decision steering-6"


def test_a_closure_covers_the_periods_inside_it() -> None:
    codes = [p.code for p in enclosing(parse_period("2024-03", INDIA), INDIA)]
    assert codes == ["FY2023-24", "2024Q1", "2024", "2024-03"]  # ordered by start, then end
    gregorian = [p.code for p in enclosing(parse_period("2024Q1", "gregorian"), Calendar.GREGORIAN)]
    assert sorted(gregorian) == ["2024", "2024Q1"]
    bangladesh = enclosing(parse_period("FY2024-25", "bangladesh"), Calendar.BANGLADESH)
    assert [p.code for p in bangladesh] == ["FY2024-25"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"evidence": "my folder"}, "evidence 'my folder' is not a link"),
        ({"org": "Hasiru Dala"}, "organisation 'Hasiru Dala' is not a valid slug"),
        ({"code": "SS EDU"}, "indicator code 'SS EDU' is not valid"),
        ({"cell": (("age", "3-5"), ("age", "6-14"))}, "the cell names age twice"),
    ],
)
def test_a_submission_refuses_bad_shapes(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        submission(**fields)


def test_cells_are_read_from_name_equals_category() -> None:
    assert parse_cell(["sex=female", " age = 6-14 "]) == GIRLS_6_14
    with pytest.raises(ValueError, match="cell 'female' is not NAME=CATEGORY"):
        parse_cell(["female"])
    with pytest.raises(ValueError, match="the cell names sex twice"):
        parse_cell(["sex=female", "sex=male"])


# -- the application ------------------------------------------------------------------------------


def _decision(app: LedgerApplication, ctx: Context, *, passed: bool = True) -> str:
    from domain.governance import Charter, Proposal
    from domain.vocabulary import DecisionRule, Stance

    if not app._get(Collective, Collective.id_for(SS)):
        app.init_collective(Settings(slug=SS, name="Saamuhika Shakti", calendar=INDIA), ctx)
        from domain.organisation import Profile
        from domain.vocabulary import OrgType

        for org in ("hasiru-dala", "sattva"):
            app.add_organisation(Profile(slug=org, name=org, type=OrgType.IMPLEMENTING), ctx)
            app.join(org, None, ctx)
        app.add_body(Charter(slug="steering", name="Steering", rule=DecisionRule.CONSENT), ctx)
        app.seat("steering", "hasiru-dala", True, ctx)
    _, ref = app.propose("steering", Proposal(title="measurement", rationale="why"), ctx)
    if passed:
        app.take_position(ref, "hasiru-dala", Stance.CONSENT, ctx)
        app.close_decision(ref, ctx)
    return ref


def _reason(text: str) -> Context:
    return Context(actor="meera", reason=text)


def test_the_story_of_an_indicator_and_its_values(app: LedgerApplication, ctx: Context) -> None:
    decision = _decision(app, ctx)
    app.define_indicator("ss-edu-01", EDU, ctx)
    app.submit_value(submission(period="fy2024-25q1"), ctx)  # India's FY Q1 is 2024Q2
    app.submit_value(submission("97", org="sattva", cell=(("sex", "male"),)), ctx)
    app.correct_value(submission("398"), _reason("duplicates removed"))
    app.review_value(
        ReportKey(code="SS-EDU-01", org="hasiru-dala", period="2024Q2"), ReviewAction.APPROVE, ctx
    )
    app.revise_indicator(
        "SS-EDU-01", Revision(dimensions=(SEX, AGE_SPLIT), mapping=(SPLIT,)), decision, ctx
    )
    indicator, report = app.report(ReportKey(code="SS-EDU-01", org="hasiru-dala", period="2024Q2"))
    entry = report.entries[GIRLS_6_14]
    assert (entry.value, entry.status, entry.version) == (Decimal(398), ValueStatus.APPROVED, 1)
    assert (
        group_label(indicator.read_cell(entry.version, GIRLS_6_14)) == "age=6-10+11-14, sex=female"
    )
    assert [i.code for i in app.indicators(SS)] == ["SS-EDU-01"]


def test_a_second_definition_of_a_code_is_refused_by_the_store(
    app: LedgerApplication, ctx: Context
) -> None:
    _decision(app, ctx)
    app.define_indicator("SS-EDU-01", EDU, ctx)
    before = app.event_count()
    with pytest.raises(AlreadyExists, match="indicator 'SS-EDU-01' already exists"):
        app.define_indicator("ss-edu-01", EDU.model_copy(update={"name": "other"}), ctx)
    assert app.event_count() == before
    assert app.indicator(SS, "SS-EDU-01").current.name == EDU.name


def test_a_money_indicator_takes_the_collectives_currency(
    app: LedgerApplication, ctx: Context
) -> None:
    _decision(app, ctx)
    income = EDU.model_copy(update={"unit": Unit.CURRENCY, "dimensions": (), "name": "Income"})
    app.define_indicator("SS-INC-01", income, ctx)
    app.define_indicator("SS-INC-02", income.model_copy(update={"currency": "EUR"}), ctx)
    assert app.indicator(SS, "SS-INC-01").current.currency == "USD"  # the collective's default
    assert [i.current.currency for i in app.indicators(SS)] == ["USD", "EUR"]


def test_authority_comes_from_a_passed_decision(app: LedgerApplication, ctx: Context) -> None:
    passed = _decision(app, ctx)
    still_open = _decision(app, ctx, passed=False)
    app.define_indicator("SS-EDU-01", EDU, ctx)
    before = app.event_count()
    revision = Revision(dimensions=(SEX, AGE_SPLIT), mapping=(SPLIT,))
    message = f"decision {still_open} has not passed \\(it is open\\)"
    with pytest.raises(RuleViolation, match=message):
        app.revise_indicator("SS-EDU-01", revision, still_open, ctx)
    with pytest.raises(RuleViolation, match=message):
        app.retire_indicator("SS-EDU-01", still_open, ctx)
    with pytest.raises(RuleViolation, match=message):
        app.close_period("2024Q2", still_open, ctx)
    with pytest.raises(NotFound, match="decision 'steering-9' not found"):
        app.close_period("2024Q2", "steering-9", ctx)
    assert app.event_count() == before
    app.close_period("FY2024-25", passed, ctx)
    with pytest.raises(
        RuleViolation, match=f"period FY2024-25 is already closed \\(decision {passed}\\)"
    ):
        app.close_period("fy2024-25", passed, ctx)
    with pytest.raises(RuleViolation, match="period FY2024-25 was closed"):
        app.submit_value(submission(), ctx)
    with pytest.raises(RuleViolation, match=message):
        app.submit_value(submission(decision=still_open), ctx)
    assert app.event_count() == before + 1
    app.submit_value(submission(decision=passed), ctx)
    app.retire_indicator("SS-EDU-01", passed, ctx)
    assert app.indicator(SS, "SS-EDU-01").retired == passed


def test_values_name_what_is_missing(app: LedgerApplication, ctx: Context) -> None:
    _decision(app, ctx)
    with pytest.raises(NotFound, match="indicator 'SS-EDU-01' not found: define it first"):
        app.submit_value(submission(), ctx)
    app.define_indicator("SS-EDU-01", EDU, ctx)
    key = ValueKey(code="SS-EDU-01", org="hasiru-dala", period="2024Q2")
    with pytest.raises(NotFound, match="value 'SS-EDU-01/hasiru-dala/2024Q2' not found: nothing"):
        app.retract_value(key, _reason("x"))
    with pytest.raises(NotFound, match="value 'SS-EDU-01/hasiru-dala/2024Q2' not found"):
        app.correct_value(submission(), _reason("x"))
    with pytest.raises(NotFound, match="value 'SS-EDU-01/hasiru-dala/2024Q2' not found"):
        app.review_value(key, ReviewAction.APPROVE, ctx)


def test_two_partners_reporting_at_once_do_not_conflict(
    app: LedgerApplication, ctx: Context
) -> None:
    """Each report is its own small aggregate: both were loaded before either was saved."""
    _decision(app, ctx)
    app.define_indicator("SS-EDU-01", EDU, ctx)
    collective, indicator = app.collective(), app.indicator(SS, "SS-EDU-01")
    period = parse_period("2024Q2", INDIA)
    env = app._envelope(ctx, collective=SS)
    reports = []
    for org in ("hasiru-dala", "sattva"):
        report = Report.open(SS, "SS-EDU-01", org, period, env)
        report.submit(collective, indicator, submission(org=org), None, env)
        reports.append(report)
    for report in reports:
        app._save(env, report)
    assert app.report(ReportKey(code="SS-EDU-01", org="sattva", period="2024Q2"))[1].entries


def test_a_retried_submission_with_a_request_id_records_once(
    app: LedgerApplication, ctx: Context
) -> None:
    _decision(app, ctx)
    app.define_indicator("SS-EDU-01", EDU, ctx)
    retry = Context(actor="meera", request_id="import-2024Q2-row-3")
    first = app.submit_value(submission(), retry)
    again = app.submit_value(submission(), retry)
    assert again.already_recorded and again.positions == first.positions


def test_a_mapping_may_leave_out_the_dimension_when_the_old_category_says_it() -> None:
    """CLI.md's form ``--map OLD=NEW+NEW``: the dimension comes from the old category."""
    assert parse_map("6-14=6-10+11-14", (SEX, AGE)) == SPLIT
    assert parse_map("age:6-14=6-10+11-14", (SEX, AGE)) == SPLIT
    with pytest.raises(ValueError, match="is not DIMENSION:OLD=NEW"):
        parse_map("6-14=6-10+11-14")  # no dimensions known: cannot tell
    both = Dimension(name="band", categories=("6-14",))
    with pytest.raises(ValueError, match="is not DIMENSION:OLD=NEW"):
        parse_map("6-14=6-10+11-14", (AGE, both))  # two dimensions have it
