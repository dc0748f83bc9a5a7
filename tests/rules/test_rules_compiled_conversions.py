"""How the compiler reads each conversion (rules.compiling.Compiler.compile, compile_one, daily_index): recorded
minutes and days explained to the letter, a subject outside those the rule counts refused naming them, a rule by
subject keeping the conversion's name, caps and daily budget, and the daily budget a conversion names checked.
Written after `make mutate`'s first whole run (2026-12-01) showed these unguarded: its loading and compiling mutants
had never been reached before."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from rules import Activity, Credit, Policy, PolicyError, load_policy
from rules.loading import resolve

WEIHAI = "威人社字〔2022〕2号"
ZHEJIANG = "浙人社发〔2016〕63号"
TONGLU = "桐人社发〔2018〕26号"
WENZHOU = "温人社发〔2020〕125号"


def changed(policy_id: str, change: Callable[[dict[str, Any]], None]) -> Policy:
    data = copy.deepcopy(resolve(policy_id))
    change(data)
    return Policy(data)


def refusal(policy_id: str, change: Callable[[dict[str, Any]], None]) -> str:
    with pytest.raises(PolicyError) as refused:
        changed(policy_id, change)
    return str(refused.value)


def credit(policy: Policy, **fields: Any) -> list[Credit]:
    return policy.credit(Activity(year=2025, **fields))


def test_zhejiang_9_5_recorded_minutes_count_by_the_hour_the_document_sets() -> None:
    # 浙人社发〔2016〕63号 第九条(五): the platform's record, 60 minutes an hour
    assert credit(load_policy("zhejiang-2016"), kind="study_minutes", minutes=90, subject="professional") == [Credit(
        D("1.50"), "professional", f"{ZHEJIANG} 第九条(五)", "网络学习记录时长：90分钟÷60分钟/学时=1.5学时，计入专业科目")]
    # 川人社发〔2016〕20号 二(二): 45 minutes make an hour
    assert credit(load_policy("sichuan-2016"), kind="study_minutes", minutes=90, subject="professional") == [Credit(
        D("2.00"), "professional", "川人社发〔2016〕20号 二(二)", "远程教育记录时长：90分钟÷45分钟/学时=2学时，计入专业科目")]


def test_tonglu_11_1_a_training_counts_8_credits_a_day_explained() -> None:
    assert credit(load_policy("tonglu-2018"), kind="training", days=3, subject="professional") == [Credit(
        D("24.00"), "professional", f"{TONGLU} 第十一条(一)", "面授培训：3天×8学分/天=24学分，计入专业科目")]


@pytest.mark.parametrize(("policy_id", "fields", "message"), [
    pytest.param("zhejiang-2016", {"kind": "study_minutes", "subject": "professional"},
                 f"Activity field 'minutes' is required for kind 'study_minutes' under policy zhejiang-2016 ({ZHEJIANG} 第九条(五))",
                 id="minutes missing"),
    pytest.param("tonglu-2018", {"kind": "training", "subject": "professional"},
                 f"Activity field 'days' (or 'start'/'end') is required for kind 'training' under policy tonglu-2018 ({TONGLU} 第十一条(一))",
                 id="days missing"),
    pytest.param("zhejiang-2016", {"kind": "training", "hours": 8},
                 f"Activity field 'subject' is required for kind 'training' under policy zhejiang-2016 ({ZHEJIANG} 第九条(二))",
                 id="subject missing"),
    pytest.param("wenzhou-2020", {"kind": "study_minutes", "minutes": 60, "subject": "general_public"},
                 "Activity field 'subject' must be one of ['professional'] (只认定专业科目) for kind 'study_minutes' "
                 f"under policy wenzhou-2020 ({WENZHOU} 第十二条)", id="温 第十二条 minutes count for professional only"),
])
def test_a_conversion_refuses_a_fact_it_lacks_naming_the_field_and_its_article(
    policy_id: str, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        credit(load_policy(policy_id), **fields)
    assert str(refused.value) == message


def test_a_subject_outside_several_counted_is_refused_naming_each_by_its_chinese_name() -> None:
    policy = changed("zhejiang-2016", lambda d: d["conversions"]["training"].update(subjects=["general_public", "industry_public"]))
    with pytest.raises(ValueError) as refused:
        credit(policy, kind="training", hours=8, subject="professional")
    assert str(refused.value) == (
        "Activity field 'subject' must be one of ['general_public', 'industry_public'] (只认定一般公需科目、行业公需科目) "
        f"for kind 'training' under policy zhejiang-2016 ({ZHEJIANG} 第九条(二))")


def test_a_rate_that_is_no_number_stops_the_policy_naming_the_conversion_and_its_field() -> None:
    assert refusal("tonglu-2018", lambda d: d["conversions"]["training"].update(rate="八")) == (
        "training.rate: expected a number, got '八'")


def test_a_conversion_given_without_its_document_or_label_cites_the_policy_and_names_its_kind() -> None:
    # a policy built in code rather than resolved from its files: the conversion is the policy's own
    def bare(d: dict[str, Any]) -> None:
        for key in ("_document", "label"):
            d["conversions"]["study_minutes"].pop(key)
    assert credit(changed("zhejiang-2016", bare), kind="study_minutes", minutes=90, subject="professional") == [Credit(
        D("1.50"), "professional", f"{ZHEJIANG} 第九条(五)", "study_minutes：90分钟÷60分钟/学时=1.5学时，计入专业科目")]


def test_a_conversion_names_a_daily_budget_the_policy_has_or_none() -> None:
    # 威人社字〔2022〕2号 二(二)1(1): training's 8 hours a day; `daily: false` says the conversion has none
    assert refusal("weihai-2022", lambda d: d["conversions"]["training"].update(daily="rest")) == (
        "weihai-2022: conversion training names unknown daily budget 'rest'")
    assert refusal("weihai-2022", lambda d: d["conversions"]["training"].update(daily=True)) == (
        "weihai-2022: conversion training names unknown daily budget True")
    unbudgeted = changed("weihai-2022", lambda d: d["conversions"]["training"].update(daily=False))
    assert unbudgeted.limits("training") == ()
    assert [c.hours for c in credit(unbudgeted, kind="training", hours=12, days=1)] == [D(12)]


@pytest.mark.parametrize(("by_subject", "why"), [
    ({"leisure": {"rule": "二(一)1"}}, "a subject the platform does not know"),
    ({"general_public": {"rule": "二(一)1", "category": "professional"}}, "a subject's rule moving it to another category"),
])
def test_a_rule_by_subject_is_keyed_by_a_subject_and_keeps_it(by_subject: dict[str, Any], why: str) -> None:
    assert refusal("weihai-2022", lambda d: d["conversions"]["platform_course"].update(by_subject=by_subject)) == (
        "weihai-2022: platform_course.by_subject must be keyed by subject, no category"), why


def test_weihai_2_1_1_a_subjects_own_rule_refuses_in_its_own_article_naming_the_conversion() -> None:
    with pytest.raises(ValueError) as refused:
        credit(load_policy("weihai-2022"), kind="platform_course", subject="general_public")
    assert str(refused.value) == (
        f"Activity field 'hours' is required for kind 'platform_course' under policy weihai-2022 ({WEIHAI} 二(一)1)")


def test_a_conversion_with_rules_by_subject_keeps_its_name_and_daily_budget_in_the_caps_it_shares() -> None:
    # a training counted by subject (a subject with an article of its own) still shares training's 8 hours a day
    # and is named in the budget's text of the kinds it shares it with
    def by_subject(d: dict[str, Any]) -> None:
        d["conversions"]["training"]["by_subject"] = {"professional": {"rule": "二(二)1(1)"}}
    policy = changed("weihai-2022", by_subject)
    (day,) = policy.limits("training")
    assert (day.label, day.per, day.limit) == ("培训进修类", "day", D(8))
    (shared,) = policy.limits("conference")
    assert "培训班、研（进）修班、专题讲座、岗位培训" in shared.text


def test_wenzhou_12_certified_hours_are_credited_as_certified_explained() -> None:
    assert credit(load_policy("wenzhou-2020"), kind="training", hours=8) == [Credit(
        D(8), "professional", f"{WENZHOU} 第十二条2、3、4", "培训班、研修班、进修班或本单位专题培训：8学时，计入专业科目")]


@pytest.mark.parametrize(("policy_id", "rule"), [("wenzhou-2020", f"{WENZHOU} 第十二条2、3、4"), ("weihai-2022", f"{WEIHAI} 二(二)1(1)")],
                         ids=["without a daily budget", "with a daily budget"])
def test_certified_hours_missing_are_refused_citing_the_conversions_article(policy_id: str, rule: str) -> None:
    with pytest.raises(ValueError) as refused:
        credit(load_policy(policy_id), kind="training", days=1)
    assert str(refused.value) == f"Activity field 'hours' is required for kind 'training' under policy {policy_id} ({rule})"


def test_weihai_2_2_1_1_a_training_reaching_8_hours_a_day_exactly_is_not_cut() -> None:
    weihai = load_policy("weihai-2022")
    assert credit(weihai, kind="training", hours=16, days=2) == [Credit(
        D(16), "professional", f"{WEIHAI} 二(二)1(1)", "培训班、研（进）修班、专题讲座、岗位培训：2天16学时，计入专业科目")]
    assert credit(weihai, kind="training", hours=20, days=2) == [Credit(
        D(16), "professional", f"{WEIHAI} 二(二)1(1)",
        f"培训班、研（进）修班、专题讲座、岗位培训：申报20学时，每天不超过8学时（{WEIHAI} 二(二)1(1)），2天认定16学时，计入专业科目",
        capped_from=D(20))]


def test_a_conversion_with_a_daily_budget_and_an_open_subject_credits_the_subject_chosen() -> None:
    policy = changed("weihai-2022", lambda d: d["conversions"]["training"].pop("category"))
    assert [(c.hours, c.category) for c in credit(policy, kind="training", hours=8, days=1, subject="industry_public")] == [
        (D(8), "industry_public")]


@pytest.mark.parametrize(("change", "message"), [
    pytest.param(lambda d: d.update(minutes_per_hour="六十"), "minutes_per_hour: expected a number, got '六十'", id="minutes an hour"),
    pytest.param(lambda d: d["requirements"][0].update(minimum="九十"), "minimum: expected a number, got '九十'", id="a minimum"),
    pytest.param(lambda d: d["caps"][0].update(limit="三十"), "limit: expected a number, got '三十'", id="a cap"),
    pytest.param(lambda d: d["daily_caps"][0].update(limit="八"), "daily_caps: expected a number, got '八'", id="a daily budget"),
    pytest.param(lambda d: d["conversions"]["degree_education"].update(amount="四十"),
                 "degree_education.amount: expected a number, got '四十'", id="a fixed amount"),
    pytest.param(lambda d: d["requirements"][0].update(categories=[]), "weihai-2022: requirement categories ()", id="no category"),
    pytest.param(lambda d: d["requirements"][0].update(categories=["professional", "leisure"]),
                 "weihai-2022: requirement categories ('professional', 'leisure')", id="an unknown category"),
    pytest.param(lambda d: d.pop("in_force"), "weihai-2022: in_force is required (from: YYYY-MM-DD or null, rule)",
                 id="no in_force"),
])
def test_a_policy_with_a_malformed_figure_does_not_load_and_says_which(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    assert refusal("weihai-2022", change) == message


def test_sichuan_2_2_a_requirement_keeps_the_note_on_how_it_is_read() -> None:
    total, professional = load_policy("sichuan-2016").requirements
    assert professional.note == "原文“专业科目一般不少于60学时”；“一般”未列例外，按硬性要求校验。"
    assert total.note is not None and total.note.startswith("国家和省行业主管部门规定高于此学时的")
    assert [r.note for r in load_policy("tonglu-2018").requirements] == [None] * len(load_policy("tonglu-2018").requirements)


def test_a_table_or_a_share_of_the_year_keeps_its_name_and_daily_budget_in_the_caps_it_shares() -> None:
    def share(d: dict[str, Any]) -> None:
        competition = d["conversions"]["competition"]  # each level's row names its cap
        competition["table"] = {level: {"amount": amount, "caps": ["outputs"]} for level, amount in competition["table"].items()}
        competition["daily"] = "expert_service"
        leave = d["conversions"]["leave"]
        leave["outputs"] = [{**o, "caps": ["aid_public"] if o["category"] == "general_public" else o.get("caps", [])}
                            for o in leave["outputs"]]
        leave["daily"] = "expert_service"
    policy = changed("weihai-2022", share)
    assert "技能竞赛、技术比武、行业性比赛" in policy.limits("paper")[0].text
    assert [limit.per for limit in policy.limits("competition")] == ["year", "day"]
    assert "公派境外、病假、产假等按在岗时间折算" in policy.limits("aid_dispatch")[0].text
    assert [limit.per for limit in policy.limits("leave")][-1] == "day"


@pytest.mark.parametrize(("change", "message"), [
    pytest.param(lambda d: d["sector_rules"].append({"scope": "public", "text": "x", "rule": "二", "_document": WEIHAI}),
                 "weihai-2022: sector_rules entries need scope (professional or all), text and rule", id="a sector rule"),
    pytest.param(lambda d: d["platform_courses"]["general_public"].update(per_year=0),
                 "weihai-2022: platform_courses.general_public: per_year must be a positive integer", id="a course rule"),
    pytest.param(lambda d: d.update(course_filing={"levels": [], "rule": "一", "_document": WEIHAI}),
                 "weihai-2022: course_filing needs levels (a list of ['city', 'county']) and a rule", id="a course filing"),
])
def test_a_malformed_part_of_a_policy_is_refused_naming_the_policy(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    assert refusal("weihai-2022", change) == message


def test_statistics_know_which_policy_an_annual_requirement_is_of() -> None:
    assert load_policy("sichuan-2016").annual_requirement.policy == "sichuan-2016"


def test_tonglu_13_2_a_deadline_without_a_year_end_cutoff_is_60_days_after_the_end_and_may_lack_words() -> None:
    def plain(d: dict[str, Any]) -> None:
        d["claim_deadline"].pop("year_end_cutoff")
        d["claim_deadline"].pop("text")
    policy = changed("tonglu-2018", plain)
    assert policy.claim_deadline(date(2025, 12, 20)) == date(2026, 2, 18)
    explained = policy.claim_deadline_explained(date(2025, 12, 20))
    assert explained is not None and (explained.text, explained.rule) == ("", f"{TONGLU} 第十三条2")
    # with the cutoff, December closes on the 30th (第十三条2)
    assert load_policy("tonglu-2018").claim_deadline(date(2025, 12, 20)) == date(2025, 12, 30)
