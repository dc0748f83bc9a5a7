"""The claim form of each conversion shape (rules.claims._fields): which facts a claim asks for, in the form's order,
under which Chinese label, which are required and what a choice offers, so that what the claimant fills in is
exactly what the hour rule reads. Written after `make mutate` showed 38 changes to these forms that no test
noticed (a label, a required flag, a choice list, a field left out)."""

from __future__ import annotations

from typing import Any

import pytest

from rules import available_policies, load_policy
from rules.claims import ClaimField, claim_kind, claim_kinds
from rules.claims import _fields as form_fields
from rules.loading import PolicyError

Row = tuple[str, str, str, bool, tuple[tuple[str, str], ...]]

DATES: list[Row] = [("start", "开始日期", "date", True, ()), ("end", "结束日期", "date", False, ())]
ALL_SUBJECTS = (("general_public", "一般公需科目"), ("industry_public", "行业公需科目"), ("professional", "专业科目"))
SUBJECT: Row = ("subject", "科目类别", "choice", True, ALL_SUBJECTS)
ITEM_LABEL = "成果标识（DOI、ISSN+题名、专利号或标准号等）"


def rows(fields: tuple[ClaimField, ...]) -> list[Row]:
    return [(f.name, f.label, f.type, f.required, f.choices) for f in fields]


def form(policy_id: str, kind: str) -> list[Row]:
    return rows(claim_kind(load_policy(policy_id), kind).fields)


def shape(spec: dict[str, Any], kind: str = "training", same_item: bool = False, policy_id: str = "weihai-2022") -> list[Row]:
    """The form a conversion of this shape would give (the policy only lends its id and unit)."""
    return rows(form_fields(load_policy(policy_id), kind, spec, same_item))


@pytest.mark.parametrize("policy_id", [p for p in available_policies() if load_policy(p).claims is not None])
def test_every_form_asks_the_start_date_first_and_the_end_date_only_when_it_differs(policy_id: str) -> None:
    # the study year is the year the activity ended; a one-day activity ends the day it starts (hours_for_claim)
    for kind in claim_kinds(load_policy(policy_id)):
        assert rows(kind.fields)[:2] == DATES, kind.id


def test_an_amount_certified_in_hours_is_asked_in_the_policys_own_unit() -> None:
    # 温人社发〔2020〕125号 第十二条7: the hours a paper earns are certified, not computed; Wenzhou has no same-item
    # rule, so the paper's identifier is asked but not required
    assert form("wenzhou-2020", "paper") == [*DATES, ("hours", "认定数额（学时）", "decimal", True, ()),
                                             ("item_id", ITEM_LABEL, "text", False, ())]
    # 桐人社发〔2018〕26号 第一条 counts 学分: the transfer's amount is asked in 学分, its category left to the claimant
    assert form("tonglu-2018", "transfer_in") == [*DATES, SUBJECT, ("hours", "认定数额（学分）", "decimal", True, ()),
                                                  ("item_id", "调出地学时证明编号", "text", True, ())]


def test_a_conversion_that_leaves_the_category_open_asks_the_subject_among_every_category() -> None:
    # 浙人社发〔2016〕63号 第九条(二): a training may be of any category
    assert form("zhejiang-2016", "training") == [*DATES, SUBJECT, ("hours", "认定数额（学时）", "decimal", True, ())]
    # a conversion restricted to some subjects offers those alone, in the policy's order, by their Chinese names
    assert shape({"method": "hours", "subjects": ["professional", "industry_public"]}) == [
        *DATES, ("subject", "科目类别", "choice", True, (("professional", "专业科目"), ("industry_public", "行业公需科目"))),
        ("hours", "认定数额（学时）", "decimal", True, ())]


def test_a_conversion_with_a_daily_budget_asks_the_days_as_well_but_does_not_require_them() -> None:
    # 威人社字〔2022〕2号 二(二)1(1): at most 8 hours a day; without days the activity is one day long
    assert form("weihai-2022", "training") == [*DATES, ("hours", "认定数额（学时）", "decimal", True, ()),
                                               ("days", "天数", "decimal", False, ())]
    assert shape({"method": "hours", "category": "professional"}) == [
        *DATES, ("hours", "认定数额（学时）", "decimal", True, ())]


def test_a_conversion_by_days_asks_the_days_without_requiring_them() -> None:
    # 桐人社发〔2018〕26号 第十一条(一): 8 credits a day; a one-day training needs no count of days
    assert form("tonglu-2018", "training") == [*DATES, SUBJECT, ("days", "天数", "decimal", False, ())]
    assert form("tonglu-2018", "conference") == [*DATES, ("days", "天数", "decimal", False, ())]


def test_a_conversion_by_recorded_minutes_asks_the_minutes() -> None:
    assert shape({"method": "minutes", "category": "professional"}) == [
        *DATES, ("minutes", "学习分钟数", "decimal", True, ())]


@pytest.mark.parametrize(("policy_id", "kind", "row"), [
    pytest.param("tonglu-2018", "qualification_exam", ("count", "合格科目（课程）数", "int", True, ()), id="tonglu 第十一条(四) subjects passed"),
    pytest.param("tonglu-2018", "computer_exam", ("modules", "合格模块数", "int", True, ()), id="tonglu 第十一条(五) modules passed"),
    pytest.param("weihai-2022", "self_study_exam", ("count", "合格科目（课程）数", "int", True, ()), id="weihai 二(二)3(1) subjects passed"),
])
def test_a_conversion_per_unit_asks_its_count_and_requires_it(policy_id: str, kind: str, row: Row) -> None:
    assert form(policy_id, kind) == [*DATES, row]


def test_a_publication_counted_by_characters_asks_the_characters_and_its_identifier() -> None:
    # 桐人社发〔2018〕26号 第十一条(八)1 and 第十一条(十): the same result counts once, so its identifier is required
    assert form("tonglu-2018", "book") == [*DATES, ("characters", "字数", "int", True, ()),
                                           ("item_id", ITEM_LABEL, "text", True, ())]
    # 川人社发〔2016〕20号 二(二): no same-item rule there, the identifier is asked but optional
    assert form("sichuan-2016", "paper") == [*DATES, ("characters", "字数", "int", True, ()),
                                             ("item_id", ITEM_LABEL, "text", False, ())]


def test_a_table_asks_its_key_among_the_tables_rows_in_order_by_their_chinese_names() -> None:
    # 桐人社发〔2018〕26号 第十一条(八)2: the journal decides the credit, being first author adds a bonus (optional:
    # an unanswered bonus question earns no bonus)
    assert form("tonglu-2018", "paper") == [
        *DATES,
        ("journal", "刊物类别", "choice", True, (("core", "核心期刊"), ("ordinary", "一般期刊"), ("supplement", "增刊或内部刊物"))),
        ("first_author", "第一作者", "bool", False, ()),
        ("item_id", ITEM_LABEL, "text", True, ()),
    ]
    # 威人社字〔2022〕2号 二(二)1(3): the table's order, not the label list's (district before county)
    assert form("weihai-2022", "competition") == [*DATES, ("level", "级别", "choice", True, (
        ("national", "国家级"), ("provincial", "省级"), ("city", "市级"), ("district", "区级"), ("county", "县级")))]
    # a row the labels do not know keeps its own text
    assert shape({"method": "table", "field": "grade", "table": {"A": 30, "S": 40}, "category": "general_public"}) == [
        *DATES, ("grade", "等级", "choice", True, (("A", "A级"), ("S", "S")))]


def test_a_yes_or_no_table_asks_the_question_and_requires_an_answer() -> None:
    # 桐人社发〔2018〕26号 第十一条(二): related or not to one's profession decides 90 or 30 credits and the category,
    # so it is asked, never assumed, and no subject is asked (each row fixes its own category)
    assert form("tonglu-2018", "degree_education") == [*DATES, ("related", "与本专业相关", "bool", True, ())]


def test_a_table_whose_rows_do_not_all_fix_a_category_asks_the_subject() -> None:
    table = {"true": {"amount": 90, "category": "professional"}, "false": 30}
    assert shape({"method": "table", "field": "related", "table": table}) == [
        *DATES, SUBJECT, ("related", "与本专业相关", "bool", True, ())]
    assert shape({"method": "table", "field": "related", "table": {}}) == [
        *DATES, ("related", "与本专业相关", "bool", True, ())]


def test_a_share_of_the_year_asks_the_months_and_for_leave_the_reason_first() -> None:
    # 威人社字〔2022〕2号 二(二)2(2): 援派 counts the months of the year spent away; never a subject (the share is of
    # every category's requirement)
    assert form("weihai-2022", "aid_dispatch") == [*DATES, ("months", "本年度月数", "int", True, ())]
    # 二(三): 公派境外、病假、产假 prorate the year; the reason decides the fewest months, so it is asked first
    assert form("weihai-2022", "leave") == [*DATES, ("reason", "情形", "choice", True, (
        ("abroad", "因公派年度内在境外工作超过6个月"), ("sick", "因受伤、患重病年度内请病假超过6个月"),
        ("maternity", "女职工休产假"), ("other", "经省级行业主管部门认定的其他情况"))),
        ("months", "本年度月数", "int", True, ())]
    # a share without anything to prorate asks only the dates
    assert shape({"method": "split"}) == DATES


def test_a_fixed_amount_asks_only_the_dates_and_the_subject_when_open() -> None:
    # 威人社字〔2022〕2号 二(二)3(2): 40 hours for a degree, nothing to fill in but the dates
    assert form("weihai-2022", "degree_education") == DATES
    assert shape({"method": "fixed", "amount": 10}) == [*DATES, SUBJECT]


@pytest.mark.parametrize("same_item", [True, False])
def test_a_research_output_asks_its_identifier_required_exactly_where_the_same_item_counts_once(same_item: bool) -> None:
    # 桐人社发〔2018〕26号 第十一条(十) / 威人社字〔2022〕2号 二(二)4: without the identifier a result could count twice
    spec = {"method": "fixed", "amount": 10, "category": "professional"}
    for kind in ("research_project", "paper", "book", "patent"):
        assert shape(spec, kind, same_item) == [*DATES, ("item_id", ITEM_LABEL, "text", same_item, ())]
    assert shape(spec, "competition", same_item) == DATES


def test_a_claimable_conversion_keeps_one_method_across_its_subjects() -> None:
    # one form for every subject: a subject counted by another method would ask other facts
    spec = {"method": "hours", "by_subject": {"general_public": {"rule": "x"}, "professional": {"method": "fixed"}}}
    with pytest.raises(PolicyError) as refused:
        shape(spec)
    assert str(refused.value) == "weihai-2022: a claimable training must keep one method across subjects"
    # a subject that says nothing of the method keeps the conversion's (威人社字〔2022〕2号's platform courses: by_subject
    # changes only the article)
    same = {"method": "hours", "by_subject": {"general_public": {"method": "hours"}, "industry_public": {"rule": "二(一)1"},
                                              "professional": {}}}
    assert shape(same) == [*DATES, SUBJECT, ("hours", "认定数额（学时）", "decimal", True, ())]
