"""What a conversion refuses and how it explains itself, to the letter, and the shapes of conversion a policy file may
use beyond what the five files use today (a per-unit count in fractions, a split without months, reasons). Written
after `make mutate` showed the compiler's messages and these shapes unguarded."""
from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from rules import Activity, Policy, PolicyError, load_policy
from rules.loading import resolve

WEIHAI = "威人社字〔2022〕2号"


@pytest.mark.parametrize(("policy_id", "fields", "message"), [
    pytest.param("weihai-2022", {"kind": "training", "hours": 8, "days": 0},
                 f"Activity field 'days' must be > 0 for kind 'training' under policy weihai-2022 ({WEIHAI} 二(二)1(1))",
                 id="zero days"),
    pytest.param("weihai-2022", {"kind": "training", "hours": 8},
                 f"Activity field 'days' (or 'start'/'end') is required for kind 'training' under policy weihai-2022 ({WEIHAI} 二(二)1(1))",
                 id="no days nor dates"),
    pytest.param("weihai-2022", {"kind": "computer_exam"},
                 f"Activity field 'modules' is required for kind 'computer_exam' under policy weihai-2022 ({WEIHAI} 二(一)3)",
                 id="no modules"),
    pytest.param("weihai-2022", {"kind": "leave", "months": 7},
                 f"Activity field 'reason' must be one of ['abroad', 'maternity', 'other', 'sick'] for kind 'leave' under policy weihai-2022 ({WEIHAI} 二(三))",
                 id="leave without a reason"),
    pytest.param("weihai-2022", {"kind": "leave", "reason": "sick"},
                 f"Activity field 'months' is required for kind 'leave' under policy weihai-2022 ({WEIHAI} 二(三))",
                 id="leave without months"),
    pytest.param("weihai-2022", {"kind": "leave", "reason": "abroad", "months": 6},
                 f"Activity field 'months' must be at least 7 for reason 'abroad' for kind 'leave' under policy weihai-2022 ({WEIHAI} 二(三))",
                 id="威 二(三) abroad six months"),
    pytest.param("weihai-2022", {"kind": "aid_dispatch"},
                 f"Activity field 'months' is required for kind 'aid_dispatch' under policy weihai-2022 ({WEIHAI} 二(二)2(2))",
                 id="aid without months"),
])
def test_a_conversion_refuses_a_missing_or_unusable_fact_naming_field_kind_policy_and_article(
    policy_id: str, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        load_policy(policy_id).credit(Activity(year=2025, **fields))
    assert str(refused.value) == message


@pytest.mark.parametrize(("policy_id", "fields", "lines"), [
    pytest.param("sichuan-2016", {"kind": "self_study", "characters": 2500, "subject": "professional"},
                 [("2", "经本单位认可的有考核的自学成果：2500字，每1000字1学时（不足1000字的部分不计），认定2学时，计入专业科目")],
                 id="川 二(二) whole thousands only"),
    pytest.param("sichuan-2016", {"kind": "self_study", "characters": 3000, "subject": "professional"},
                 [("3", "经本单位认可的有考核的自学成果：3000字，每1000字1学时，认定3学时，计入专业科目")],
                 id="川 二(二) whole thousands, nothing left over"),
    pytest.param("tonglu-2018", {"kind": "book", "characters": 25000},
                 [("30", "出版著作（译作）：25000字，每10000字15学分（不足10000字的部分不计），认定30学分，计入专业科目")],
                 id="桐 第十一条 books per 10,000 characters"),
    pytest.param("weihai-2022", {"kind": "self_study_exam", "count": 2},
                 [("20", "自学考试：2门（科）×10学时=20学时，计入专业科目")], id="威 self-taught exams per course"),
    pytest.param("weihai-2022", {"kind": "computer_exam", "modules": 2},
                 [("10", "全国专业技术人员计算机应用能力考试：2个模块×5学时=10学时，计入一般公需科目")],
                 id="威 computer modules"),
    pytest.param("weihai-2022", {"kind": "aid_dispatch", "months": 12},
                 [("30", "援派、支教、支农、支医、扶贫：全年一般公需科目30学时"),
                  ("60", "援派、支教、支农、支医、扶贫：全年专业科目60学时")], id="威 二(二)2(2) a whole year"),
    pytest.param("weihai-2022", {"kind": "aid_dispatch", "months": 6},
                 [("15", "援派、支教、支农、支医、扶贫：6个月，一般公需科目年定额30学时×6/12=15学时"),
                  ("30", "援派、支教、支农、支医、扶贫：6个月，专业科目年定额60学时×6/12=30学时")],
                 id="威 二(二)2(2) half a year"),
    pytest.param("weihai-2022", {"kind": "leave", "reason": "other", "months": 1},
                 [("2.5", "公派境外、病假、产假等按在岗时间折算：1个月，一般公需科目年定额30学时×1/12=2.5学时"),
                  ("5", "公派境外、病假、产假等按在岗时间折算：1个月，专业科目年定额60学时×1/12=5学时")],
                 id="威 二(三) other reasons from one month"),
])
def test_a_conversion_explains_its_arithmetic(policy_id: str, fields: dict[str, Any], lines: list[tuple[str, str]]) -> None:
    credits = load_policy(policy_id).credit(Activity(year=2025, **fields))
    assert [(c.hours, c.explanation) for c in credits] == [(D(h), text) for h, text in lines]


def sichuan_with(change: dict[str, Any], kind: str = "self_study") -> Policy:
    data = resolve("sichuan-2016")
    spec = {k: v for k, v in data["conversions"][kind].items() if v is not None}
    spec.update(change)
    data["conversions"][kind] = {k: v for k, v in spec.items() if v is not None}
    return Policy(data)


def test_a_per_unit_count_counts_whole_units_unless_the_file_says_otherwise() -> None:
    study = Activity(kind="self_study", year=2025, characters=2500, subject="professional")
    (line,) = sichuan_with({"whole_units": None}).credit(study)
    assert line.hours == D(2) and "（不足1000字的部分不计）" in line.explanation
    (line,) = sichuan_with({"whole_units": False}).credit(study)
    assert line.hours == D("2.5")
    assert line.explanation == "经本单位认可的有考核的自学成果：2500字，每1000字1学时，认定2.5学时，计入专业科目"


def weihai_with(kind: str, change: dict[str, Any]) -> Policy:
    data = resolve("weihai-2022")
    spec = dict(data["conversions"][kind])
    spec.update(change)
    data["conversions"][kind] = {k: v for k, v in spec.items() if v is not None}
    return Policy(data)


def test_a_split_without_months_credits_the_whole_year() -> None:
    policy = weihai_with("aid_dispatch", {"prorate_field": None})
    credits = policy.credit(Activity(kind="aid_dispatch", year=2025))
    assert [c.hours for c in credits] == [D(30), D(60)]


def test_reasons_only_in_the_file_are_accepted() -> None:
    policy = weihai_with("leave", {"reasons": {"sick": {"min_months": 7}}})
    with pytest.raises(ValueError) as refused:
        policy.credit(Activity(kind="leave", year=2025, reason="other", months=8))
    assert str(refused.value) == (
        f"Activity field 'reason' must be one of ['sick'] for kind 'leave' under policy weihai-2022 ({WEIHAI} 二(三))"
    )


@pytest.mark.parametrize("change", [
    pytest.param({"reasons": {"holiday": {}}}, id="an unknown reason"),
    pytest.param({"prorate_field": None}, id="reasons without months"),
    pytest.param({"reasons": ["sick"]}, id="reasons not a mapping"),
])
def test_malformed_reasons_are_refused_naming_what_they_must_be(change: dict[str, Any]) -> None:
    with pytest.raises(PolicyError) as refused:
        weihai_with("leave", change)
    assert str(refused.value) == (
        "weihai-2022: leave.reasons must map ['abroad', 'maternity', 'other', 'sick'] and prorate by months"
    )


def tonglu_with(kind: str, change: Any) -> Policy:
    data = resolve("tonglu-2018")
    spec = {**data["conversions"][kind]}
    spec["table"] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in spec["table"].items()}
    if "bonus" in spec:
        spec["bonus"] = dict(spec["bonus"])
    change(spec)
    data["conversions"][kind] = spec
    return Policy(data)


def test_tonglu_11_9_a_patent_needs_its_kind() -> None:
    with pytest.raises(ValueError) as refused:
        load_policy("tonglu-2018").credit(Activity(kind="patent", year=2025))
    assert str(refused.value) == (
        "Activity field 'patent' is required for kind 'patent' under policy tonglu-2018 (桐人社发〔2018〕26号 第十一条(九))"
    )


def test_a_value_the_table_does_not_list_is_refused_listing_those_it_does() -> None:
    policy = weihai_with("competition", {"table": {"national": 30, "provincial": 20, "city": 10, "district": 5}})
    with pytest.raises(ValueError) as refused:
        policy.credit(Activity(kind="competition", year=2025, level="county"))
    assert str(refused.value) == (
        "Activity field 'level' must be one of ['city', 'district', 'national', 'provincial'], got 'county', for kind"
        f" 'competition' under policy weihai-2022 ({WEIHAI} 二(二)1(3))"
    )


def test_a_bonus_is_granted_only_through_the_yes_or_no_the_file_names() -> None:
    policy = tonglu_with("paper", lambda s: s.pop("bonus_field"))
    (line,) = policy.credit(Activity(kind="paper", year=2025, journal="core", first_author=True))
    assert (line.hours, line.explanation) == (D(25), "发表论文（译文）（核心期刊）：25学分，计入专业科目")


def test_a_table_value_without_a_bonus_earns_its_amount_for_a_first_author_too() -> None:
    policy = tonglu_with("paper", lambda s: s["bonus"].pop("supplement"))
    (line,) = policy.credit(Activity(kind="paper", year=2025, journal="supplement", first_author=True))
    assert (line.hours, line.explanation) == (D(10), "发表论文（译文）（增刊或内部刊物）：10学分，计入专业科目")


def test_a_table_entry_without_its_own_words_is_named_by_its_value() -> None:
    policy = tonglu_with("degree_education", lambda s: s["table"][True].pop("text"))
    (line,) = policy.credit(Activity(kind="degree_education", year=2025, related=True))
    assert line.explanation == "学历（学位）教育（True）：90学分，计入专业科目"


def test_a_table_entry_without_a_category_takes_the_conversions() -> None:
    def change(spec: dict[str, Any]) -> None:
        spec["table"][True].pop("category")
        spec["category"] = "general_public"

    (line,) = tonglu_with("degree_education", change).credit(Activity(kind="degree_education", year=2025, related=True))
    assert line.category == "general_public"


def test_a_table_entry_with_no_category_anywhere_is_refused() -> None:
    with pytest.raises(PolicyError) as refused:
        tonglu_with("degree_education", lambda s: s["table"][True].pop("category"))
    assert str(refused.value) == "tonglu-2018: degree_education.table needs a category"


def test_tonglu_11_2_a_degree_is_named_in_the_files_words() -> None:
    (line,) = load_policy("tonglu-2018").credit(Activity(kind="degree_education", year=2025, related=True))
    assert line.explanation == "学历（学位）教育（专业相关）：90学分，计入专业科目"


def test_a_cap_named_on_a_whole_table_limits_every_value() -> None:
    """A table's own caps (here Weihai's computer-exam cap of 30 a year put on the language exams)."""
    policy = weihai_with("foreign_language_exam", {"caps": ["computer_exam"]})
    report = policy.evaluate([
        Activity(kind="foreign_language_exam", year=2025, grade="A"),
        Activity(kind="foreign_language_exam", year=2025, grade="B"),
    ], 2025)
    assert [line.hours for line in report.lines] == [D(30), D(0)]


def test_caps_named_on_table_entries_prevail_over_the_tables_own() -> None:
    """桐人社发〔2018〕26号 第十一条(二): a related degree's 90 a year stand beside an unrelated one's 30."""
    policy = tonglu_with("degree_education", lambda s: s.update(caps=["degree_unrelated"]))
    (line,) = policy.evaluate([Activity(kind="degree_education", year=2025, related=True)], 2025).lines
    assert line.hours == D(90)


def test_a_table_over_a_field_without_value_names_shows_the_value() -> None:
    policy = weihai_with("self_study_exam", {"method": "table", "table": {1: 10, 2: 15}, "rate": None,
                                             "unit_size": None, "whole_units": None, "category": "professional"})
    (line,) = policy.credit(Activity(kind="self_study_exam", year=2025, count=2))
    assert line.explanation == "自学考试（2）：15学时，计入专业科目"


@pytest.mark.parametrize(("change", "message"), [
    pytest.param(lambda s: s.update(caps=["nope"]), "weihai-2022: conversion foreign_language_exam names unknown cap 'nope'",
                 id="a table's unknown cap"),
    pytest.param(lambda s: s["table"].update(A="lots"), "foreign_language_exam.table: expected a number, got 'lots'",
                 id="a table amount that is no number"),
])
def test_a_malformed_table_is_refused_naming_the_conversion(change: Any, message: str) -> None:
    data = resolve("weihai-2022")
    spec = {**data["conversions"]["foreign_language_exam"]}
    spec["table"] = dict(spec["table"])
    change(spec)
    data["conversions"]["foreign_language_exam"] = spec
    with pytest.raises(PolicyError) as refused:
        Policy(data)
    assert str(refused.value) == message


@pytest.mark.parametrize(("change", "message"), [
    pytest.param(lambda s: s["table"][True].update(caps=["nope"]),
                 "tonglu-2018: conversion degree_education names unknown cap 'nope'", id="an entry's unknown cap"),
    pytest.param(lambda s: s["table"][True].update(amount="lots"),
                 "degree_education.table: expected a number, got 'lots'", id="an entry amount that is no number"),
])
def test_a_malformed_table_entry_is_refused_naming_the_conversion(change: Any, message: str) -> None:
    with pytest.raises(PolicyError) as refused:
        tonglu_with("degree_education", change)
    assert str(refused.value) == message


def test_a_bonus_that_is_no_number_is_refused() -> None:
    with pytest.raises(PolicyError) as refused:
        tonglu_with("paper", lambda s: s["bonus"].update(core="lots"))
    assert str(refused.value) == "paper.bonus: expected a number, got 'lots'"
