"""Platform courses per region (the data behind C1 and C4 of coverage.md) and the forged-evidence sanction."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from rules import NotCovered, load_policy
from rules.courses import parse_course_rules
from rules.loading import PolicyError

GP, IP, PR = "general_public", "industry_public", "professional"


def test_wenzhou_10_a_passed_general_public_course_registers_18_hours_whatever_its_length() -> None:
    policy = load_policy("wenzhou-2020")
    for hours in ("12", "18.5", "40"):
        (credit,) = policy.course_credit(GP, 2025, course_hours=D(hours))
        assert (credit.hours, credit.category, credit.rule) == (D(18), GP, "温人社发〔2020〕125号 第十条")


def test_wenzhou_8_one_general_public_course_a_year_never_one_studied_before_after_an_exam() -> None:
    rule = load_policy("wenzhou-2020").course_rule(GP)
    assert (rule.completion, rule.per_year, rule.never_again) == ("exam", 1, True)
    assert (rule.registered_by, rule.level) == ("hr_bureau", "city")
    assert rule.rule == "温人社发〔2020〕125号 第八条、第十条"
    assert rule.limit_rule == "温人社发〔2020〕125号 第八条"


def test_wenzhou_11_industry_public_courses_are_registered_by_the_city_industry_authority() -> None:
    rule = load_policy("wenzhou-2020").course_rule(IP)
    assert (rule.completion, rule.registered_by, rule.level) == ("exam", "industry_authority", "city")


@pytest.mark.parametrize("category", [GP, IP, PR])
def test_tonglu_8_a_course_credits_its_set_credits_on_completion_without_an_exam(category: str) -> None:
    policy = load_policy("tonglu-2018")
    rule = policy.course_rule(category)
    assert (rule.completion, rule.hours, rule.registered_by) == ("study", "course", "system")
    (credit,) = policy.course_credit(category, 2025, course_hours=D(12))
    assert (credit.hours, credit.rule) == (D(12), "桐人社发〔2018〕26号 第八条")


def test_weihai_2_1_1_public_courses_need_the_exam_but_have_no_one_course_limit() -> None:
    policy = load_policy("weihai-2022")
    rule = policy.course_rule(GP)
    assert (rule.completion, rule.per_year, rule.never_again) == ("exam", None, False)
    (credit,) = policy.course_credit(GP, 2025, course_hours=D(12))
    assert (credit.hours, credit.rule) == (D(12), "威人社字〔2022〕2号 二(一)1")


def test_weihai_2_2_1_2_professional_courses_count_the_recorded_time() -> None:
    policy = load_policy("weihai-2022")
    assert policy.course_rule(PR).hours == "recorded"
    (credit,) = policy.course_credit(PR, 2025, course_hours=D(20), minutes=D(540))
    assert (credit.hours, credit.rule) == (D(9), "威人社字〔2022〕2号 二(二)1(2)")


def test_sichuan_2_2_a_course_counts_its_recorded_time_in_45_minute_hours() -> None:
    policy = load_policy("sichuan-2016")
    rule = policy.course_rule(GP)
    assert (rule.completion, rule.hours) == ("study", "recorded")
    (credit,) = policy.course_credit(GP, 2025, course_hours=D(18), minutes=D(540))
    assert credit.hours == D(12)  # 540 min / 45, not the course's 18 nor 540 / 60


@pytest.mark.parametrize("policy_id", ["zhejiang-2016", "wenzhou-2020", "tonglu-2018", "weihai-2022", "sichuan-2016"])
def test_every_policy_says_how_each_category_of_course_earns_hours(policy_id: str) -> None:
    policy = load_policy(policy_id)
    for category in (GP, IP, PR):
        rule = policy.course_rule(category)
        assert rule.rule.split(" ")[0] in {load_policy(p).document for p in policy.lineage}


def test_the_hours_the_rule_counts_must_be_given() -> None:
    with pytest.raises(ValueError, match="minutes"):
        load_policy("sichuan-2016").course_credit(GP, 2025, course_hours=D(18))
    with pytest.raises(ValueError, match="course_hours"):
        load_policy("tonglu-2018").course_credit(GP, 2025, minutes=D(600))
    with pytest.raises(NotCovered):
        load_policy("tonglu-2018").course_rule("astrology")


def test_a_course_rule_without_the_conversion_it_needs_does_not_load() -> None:
    spec = {"completion": "study", "hours": "recorded", "registered_by": "system", "rule": "x", "_document": "d"}
    with pytest.raises(PolicyError, match="needs a study_minutes rule"):
        parse_course_rules("p", {GP: spec}, {"platform_course": frozenset({GP})})
    with pytest.raises(PolicyError, match="completion in"):
        parse_course_rules("p", {GP: {**spec, "completion": "maybe"}}, {"study_minutes": frozenset({GP})})


@pytest.mark.parametrize(
    ("policy_id", "sanction"),
    [
        pytest.param("wenzhou-2020", ("在学时认定登记中伪造、提供虚假材料的，取消其职称申报资格", "温人社发〔2020〕125号 第十五条"), id="wenzhou 第十五条"),
        pytest.param("zhejiang-2016", ("在学时登记中弄虚作假的，取消其专业技术职务任职资格的申报资格", "浙人社发〔2016〕63号 第十六条"), id="zhejiang 第十六条"),
        pytest.param("tonglu-2018", ("在学时登记中弄虚作假的，取消其专业技术职务任职资格的申报资格", "浙人社发〔2016〕63号 第十六条"), id="tonglu inherits 浙 第十六条"),
        pytest.param("weihai-2022", None, id="weihai states none"),
        pytest.param("sichuan-2016", None, id="sichuan states none"),
    ],
)
def test_forged_evidence_carries_the_sanction_its_document_states(policy_id: str, sanction: object) -> None:
    assert load_policy(policy_id).forgery_sanction == sanction


@pytest.mark.parametrize(
    ("policy_id", "categories"),
    [
        pytest.param("wenzhou-2020", (GP, IP), id="wenzhou: public subjects only (第十二条 professional by the authorities)"),
        pytest.param("zhejiang-2016", (GP, IP, PR), id="zhejiang"),
        pytest.param("tonglu-2018", (GP, IP, PR), id="tonglu"),
        pytest.param("weihai-2022", (GP, IP, PR), id="weihai"),
        pytest.param("sichuan-2016", (GP, IP, PR), id="sichuan"),
    ],
)
def test_each_policy_says_which_categories_are_studied_on_the_platform(policy_id: str, categories: tuple[str, ...]) -> None:
    assert load_policy(policy_id).platform_categories == categories


def test_a_course_rule_with_an_unknown_level_or_a_non_boolean_on_platform_does_not_load() -> None:
    spec = {"completion": "study", "hours": "course", "registered_by": "system", "rule": "x", "_document": "d"}
    covered = {"platform_course": frozenset({GP})}
    assert parse_course_rules("p", {GP: {**spec, "level": "county"}}, covered)[GP].level == "county"
    with pytest.raises(PolicyError, match="level in"):
        parse_course_rules("p", {GP: {**spec, "level": "province"}}, covered)
    with pytest.raises(PolicyError, match="on_platform"):
        parse_course_rules("p", {GP: {**spec, "on_platform": "no"}}, covered)
    assert parse_course_rules("p", {GP: spec}, covered)[GP].on_platform is True


def test_who_files_a_course_an_authority_adds_is_the_documents() -> None:
    from rules.courses import parse_course_filing
    filing = load_policy("tonglu-2018").course_filing
    assert filing is not None and (filing.levels, filing.rule) == (("county", "city"), "桐人社发〔2018〕26号 第九条")
    wenzhou = load_policy("wenzhou-2020").course_filing
    assert wenzhou is not None and wenzhou.levels == ("city",)
    assert load_policy("weihai-2022").course_filing is None
    with pytest.raises(PolicyError, match="course_filing"):
        parse_course_filing("p", {"levels": ["province"], "rule": "x", "_document": "d"})
    with pytest.raises(PolicyError, match="course_filing"):
        parse_course_filing("p", {"levels": ["city", "city"], "rule": "x", "_document": "d"})


@pytest.mark.parametrize("levels", [[], None, "city", ["city", "city"], ["province"]],
                         ids=["nobody", "missing", "a text", "a level twice", "a level that files no course"])
def test_a_course_filing_names_at_least_one_level_once_each(levels: object) -> None:
    # 桐人社发〔2018〕26号 第九条: the county, then the city files; an empty list would let a course be filed by no one
    from rules.courses import parse_course_filing

    with pytest.raises(PolicyError) as refused:
        parse_course_filing("p", {"levels": levels, "rule": "第九条", "_document": "d"})
    assert str(refused.value) == "p: course_filing needs levels (a list of ['city', 'county']) and a rule"


def test_wenzhou_8_10_the_general_public_course_rule_is_read_whole() -> None:
    # 温人社发〔2020〕125号 第八条 one course a year, never again; 第十条 the city's bureau registers after the exam
    from rules.courses import CourseRule

    rule = load_policy("wenzhou-2020").course_rule(GP)
    assert rule == CourseRule(
        GP, "exam", "course", 1, True, "hr_bureau", "city", "温人社发〔2020〕125号 第八条、第十条",
        rule.note, "温人社发〔2020〕125号 第八条", True)
    assert rule.note is not None and rule.note.startswith("第八条：每年自主报名选择“一门”学习课程")


COURSE_KEYS = "['completion', 'hours', 'level', 'limit_rule', 'never_again', 'note', 'on_platform', 'per_year', 'registered_by', 'rule']"
COURSE = {"completion": "study", "hours": "course", "registered_by": "system", "rule": "x", "_document": "d"}


@pytest.mark.parametrize(("category", "spec"), [
    pytest.param("leisure", COURSE, id="a category the platform does not know"),
    pytest.param(GP, "study", id="not a mapping"),
    pytest.param(GP, {**COURSE, "credits": 3}, id="a key the platform does not read"),
])
def test_a_course_rule_is_a_category_with_known_keys(category: str, spec: object) -> None:
    with pytest.raises(PolicyError) as refused:
        parse_course_rules("p", {category: spec}, {"platform_course": frozenset({GP})})
    assert str(refused.value) == f"p: platform_courses.{category}: a category with keys {COURSE_KEYS}"


@pytest.mark.parametrize("change", [{"completion": "attend"}, {"hours": "credits"}, {"registered_by": "mayor"}],
                         ids=["completion", "hours", "registered_by"])
def test_a_course_rule_says_when_hours_count_which_hours_and_who_registers_them(change: dict[str, str]) -> None:
    with pytest.raises(PolicyError) as refused:
        parse_course_rules("p", {GP: {**COURSE, **change}}, {"platform_course": frozenset({GP})})
    assert str(refused.value) == (
        "p: platform_courses.general_public: completion in ['exam', 'study'], hours in ['course', 'recorded'], "
        "registered_by in ['hr_bureau', 'industry_authority', 'organiser', 'system']")


@pytest.mark.parametrize("per_year", [0, -1, True, "1", 1.5], ids=["zero", "negative", "yes", "a text", "a fraction"])
def test_at_most_so_many_courses_a_year_is_a_positive_whole_number(per_year: object) -> None:
    # 温人社发〔2020〕125号 第八条: one course a year
    with pytest.raises(PolicyError) as refused:
        parse_course_rules("p", {GP: {**COURSE, "per_year": per_year}}, {"platform_course": frozenset({GP})})
    assert str(refused.value) == "p: platform_courses.general_public: per_year must be a positive integer"
    assert parse_course_rules("p", {GP: {**COURSE, "per_year": 1}}, {"platform_course": frozenset({GP})})[GP].per_year == 1
