"""Unknown kinds raise NotCovered; missing or invalid fields raise ValueError naming the field."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from rules import Activity, NotCovered, available_policies, load_policy


@pytest.mark.parametrize(
    ("policy_id", "kind"),
    [
        pytest.param("zhejiang-2016", "competition", id="zhejiang states no rule for competitions"),
        pytest.param("sichuan-2016", "patent", id="sichuan states no rule for patents"),
        pytest.param("tonglu-2018", "practice", id="tonglu drops zhejiang's practice activities"),
        pytest.param("wenzhou-2020", "foreign_language_exam", id="wenzhou states no rule for language exams"),
        pytest.param("weihai-2022", "self_study", id="weihai states no rule for self-study notes"),
        pytest.param("weihai-2022", "astrology", id="a kind no policy knows"),
    ],
)
def test_a_kind_the_policy_does_not_cover_raises_not_covered_naming_policy_and_kind(
    policy_id: str, kind: str
) -> None:
    policy = load_policy(policy_id)
    with pytest.raises(NotCovered) as info:
        policy.credit(Activity(kind=kind, year=2025))
    message = str(info.value)
    assert policy_id in message and repr(kind) in message and policy.document in message
    assert (info.value.policy_id, info.value.kind) == (policy_id, kind)


def test_evaluate_raises_not_covered_for_an_uncovered_kind_of_the_year() -> None:
    with pytest.raises(NotCovered, match="competition"):
        load_policy("zhejiang-2016").evaluate([Activity(kind="competition", year=2025, level="city")], 2025)


def test_evaluate_skips_uncovered_kinds_of_other_years() -> None:
    report = load_policy("zhejiang-2016").evaluate(
        [Activity(kind="competition", year=2024, level="city")], 2025
    )
    assert report.total == 0


def test_not_covered_is_a_lookup_error() -> None:
    assert issubclass(NotCovered, LookupError)


@pytest.mark.parametrize(
    ("policy_id", "kind", "fields", "field"),
    [
        pytest.param("weihai-2022", "training", {"days": 1}, "hours", id="weihai training needs hours"),
        pytest.param(
            "weihai-2022",
            "training",
            {"hours": 6},
            "days",
            id="weihai training needs days or dates for the daily cap",
        ),
        pytest.param(
            "weihai-2022", "training", {"hours": 6, "days": 0}, "days", id="zero days cannot carry hours"
        ),
        pytest.param(
            "weihai-2022", "foreign_language_exam", {}, "grade", id="weihai language exam needs a grade"
        ),
        pytest.param("weihai-2022", "computer_exam", {}, "modules", id="computer exam needs modules"),
        pytest.param(
            "weihai-2022", "aid_dispatch", {}, "months", id="weihai aid needs the months of the year"
        ),
        pytest.param("weihai-2022", "competition", {}, "level", id="competition needs a level"),
        pytest.param(
            "weihai-2022", "platform_course", {"hours": 2}, "subject", id="platform course needs a subject"
        ),
        pytest.param(
            "weihai-2022", "transfer_in", {"subject": "professional"}, "hours", id="transfer needs hours"
        ),
        pytest.param(
            "weihai-2022", "self_study_exam", {}, "count", id="self-taught exam needs a course count"
        ),
        pytest.param(
            "sichuan-2016", "study_minutes", {"subject": "professional"}, "minutes", id="minutes are needed"
        ),
        pytest.param("sichuan-2016", "paper", {}, "characters", id="sichuan papers need a character count"),
        pytest.param("tonglu-2018", "degree_education", {}, "related", id="tonglu degree needs related"),
        pytest.param("tonglu-2018", "paper", {}, "journal", id="tonglu paper needs a journal"),
        pytest.param("tonglu-2018", "patent", {}, "patent", id="tonglu patent needs its type"),
        pytest.param(
            "tonglu-2018", "training", {"subject": "professional"}, "days", id="tonglu training needs days"
        ),
        pytest.param("tonglu-2018", "research_project", {}, "level", id="tonglu project needs a level"),
        pytest.param(
            "wenzhou-2020",
            "study_minutes",
            {"minutes": 60, "subject": "general_public"},
            "subject",
            id="wenzhou 第六条: public study minutes are not registered without the exam",
        ),
    ],
)
def test_a_missing_or_unusable_field_raises_value_error_naming_it(
    policy_id: str, kind: str, fields: dict[str, Any], field: str
) -> None:
    policy = load_policy(policy_id)
    with pytest.raises(ValueError, match=f"'{field}'") as info:
        policy.credit(Activity(kind=kind, year=2025, **fields))
    assert policy_id in str(info.value) and kind in str(info.value)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"grade": "D"}, "grade", id="grade must be A B or C"),
        pytest.param({"level": "galactic"}, "level", id="level must be a known level"),
        pytest.param({"subject": "sports"}, "subject", id="subject must be a category"),
        pytest.param({"journal": "blog"}, "journal", id="journal must be core ordinary or supplement"),
        pytest.param({"patent": "software"}, "patent", id="patent must be invention utility or design"),
        pytest.param({"hours": -1}, "hours", id="hours cannot be negative"),
        pytest.param({"hours": "many"}, "hours", id="hours must be a number"),
        pytest.param({"hours": True}, "hours", id="a bool is not a number of hours"),
        pytest.param({"months": 13}, "months", id="months is at most 12"),
        pytest.param({"months": 0}, "months", id="months is at least 1"),
        pytest.param({"modules": 1.5}, "modules", id="modules is a whole number"),
        pytest.param({"start": "2025-13-01"}, "start", id="dates must be valid"),
        pytest.param({"start": "2025-03-02", "end": "2025-03-01"}, "end", id="end cannot precede start"),
        pytest.param({"first_author": "yes"}, "first_author", id="first_author is a bool"),
        pytest.param({"related": 1}, "related", id="related is a bool"),
        pytest.param({"year": "last"}, "year", id="year is an integer"),
    ],
)
def test_an_invalid_field_is_rejected_when_the_activity_is_built(fields: dict[str, Any], field: str) -> None:
    fields.setdefault("year", 2025)
    with pytest.raises(ValueError, match=f"'{field}'"):
        Activity(kind="training", **fields)


def test_activities_normalise_numbers_and_dates() -> None:
    activity = Activity(kind="training", year=2025, hours="7.5", days=2, start="2025-01-02", item_id=7)
    assert str(activity.hours) == "7.5" and str(activity.days) == "2"
    assert activity.start is not None and activity.start.isoformat() == "2025-01-02"
    assert activity.item_id == "7"


def test_activities_are_frozen_and_hashable() -> None:
    activity = Activity(kind="paper", year=2025)
    with pytest.raises(AttributeError):
        activity.year = 2024  # type: ignore[misc]
    assert hash(activity) == hash(Activity(kind="paper", year=2025))


def test_from_mapping_rejects_unknown_fields_by_name() -> None:
    with pytest.raises(ValueError, match="'colour'"):
        Activity.from_mapping({"kind": "paper", "year": 2025, "colour": "red"})


def test_an_unknown_policy_lists_the_available_ones() -> None:
    with pytest.raises(KeyError, match="weihai-2022"):
        load_policy("atlantis-2030")


def test_five_policies_are_available() -> None:
    assert available_policies() == [
        "sichuan-2016",
        "tonglu-2018",
        "weihai-2022",
        "wenzhou-2020",
        "zhejiang-2016",
    ]


# An activity's refusals to the letter, and the boundaries of its numbers. Written after `make mutate` showed the
# messages and bounds unguarded (the tests above check the field's name only).


@pytest.mark.parametrize(("fields", "message"), [
    pytest.param({"kind": ""}, "Activity field 'kind' must be a non-empty string, got ''", id="empty kind"),
    pytest.param({"kind": 5}, "Activity field 'kind' must be a non-empty string, got 5", id="kind not text"),
    pytest.param({"year": 1899}, "Activity field 'year' must be >= 1900, got 1899", id="year before 1900"),
    pytest.param({"hours": D(-1)}, "Activity field 'hours' must be a finite number >= 0, got Decimal('-1')",
                 id="negative hours as a decimal"),
    pytest.param({"hours": [4]}, "Activity field 'hours' must be a number, got list", id="hours a list"),
    pytest.param({"start": "2025-03-02", "end": "2025-03-01"}, "Activity field 'end' must not be before 'start'",
                 id="end before start"),
    pytest.param({"reason": "holiday"},
                 "Activity field 'reason' must be one of ['abroad', 'maternity', 'other', 'sick'], got 'holiday'",
                 id="unknown reason"),
    pytest.param({"item_id": ""}, "Activity field 'item_id' must be a non-empty string, got ''", id="empty item"),
    pytest.param({"item_id": True}, "Activity field 'item_id' must be a non-empty string, got True",
                 id="item a boolean"),
    pytest.param({"item_id": ["x"]}, "Activity field 'item_id' must be a non-empty string, got ['x']",
                 id="item a list"),
])
def test_an_activity_is_refused_with_the_exact_message(fields: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {"kind": "paper", "year": 2025, **fields}
    with pytest.raises(ValueError) as refused:
        Activity(**values)
    assert str(refused.value) == message


def test_the_first_year_an_activity_may_have_is_1900() -> None:
    assert Activity(kind="paper", year=1900).year == 1900


def test_counts_may_be_zero_and_given_as_digits() -> None:
    activity = Activity(kind="self_study", year=2025, characters=0, modules="4")  # type: ignore[arg-type]
    assert (activity.characters, activity.modules) == (0, 4)


def test_an_item_given_as_a_number_becomes_its_text() -> None:
    assert Activity(kind="paper", year=2025, item_id=7).item_id == "7"  # type: ignore[arg-type]


@pytest.mark.parametrize(("data", "default_year", "message"), [
    pytest.param(["paper"], None, "an activity must be an object, got list", id="not an object"),
    pytest.param({"year": 2025}, None, "Activity field 'kind' is required", id="no kind"),
    pytest.param({"kind": "paper"}, None, "Activity field 'year' is required", id="no year"),
])
def test_an_activity_read_from_data_is_refused_with_the_exact_message(
    data: Any, default_year: int | None, message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        Activity.from_mapping(data, default_year)
    assert str(refused.value) == message
