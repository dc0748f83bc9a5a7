"""A policy's plain facts read when it loads (rules.facts): which categories a conversion can credit (what the
platform's courses are checked against), the annual requirement as statistics count it, and the sector rules
that prevail over the document. Written after `make mutate`'s first whole run (2026-12-01) showed these reached
only through the five policy files, none of which is malformed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from rules.facts import annual_requirement, categories_of, in_force, sector_rule
from rules.loading import PolicyError
from rules.model import Requirement, SectorRule

ALL = frozenset({"general_public", "industry_public", "professional"})


@pytest.mark.parametrize(("spec", "categories"), [
    pytest.param({"category": "professional", "subjects": ["general_public"]}, {"professional"}, id="a fixed category"),
    pytest.param({"category": None}, ALL, id="no category: every category"),
    pytest.param({}, ALL, id="nothing said: every category"),
    pytest.param({"subjects": ["professional"]}, {"professional"}, id="温 第十二条 minutes for professional only"),
    pytest.param({"subjects": ["professional"], "by_subject": {"general_public": {"method": "fixed"}}},
                 {"professional", "general_public"}, id="a subject of its own counts as well"),
])
def test_a_conversion_credits_its_category_or_its_subjects(spec: dict[str, Any], categories: set[str]) -> None:
    assert categories_of(spec) == frozenset(categories)


def requirement(categories: tuple[str, ...], minimum: int, rule: str) -> Requirement:
    return Requirement(categories, D(minimum), "、".join(categories), rule)


TOTAL = requirement(("general_public", "industry_public", "professional"), 90, "d 第五条")
PROFESSIONAL = requirement(("professional",), 60, "d 第六条")
PUBLIC = requirement(("industry_public", "general_public"), 30, "d 第五条")


def test_the_annual_requirement_counts_total_professional_and_public_each_once_with_its_articles() -> None:
    got = annual_requirement("p", "学分", D(60), None, (PUBLIC, TOTAL, PROFESSIONAL))
    assert (got.policy, got.unit, got.total, got.professional, got.public) == ("p", "学分", D(90), D(60), D(30))
    assert got.public_categories == ("general_public", "industry_public")  # in the categories' order
    assert got.rules == ("d 第五条", "d 第六条")  # each article once
    no_public = annual_requirement("p", "学时", D(45), "d 二(二)", (TOTAL, PROFESSIONAL))
    assert (no_public.public, no_public.public_categories, no_public.minutes_per_hour_rule) == (None, (), "d 二(二)")


def test_a_requirement_mixing_professional_and_public_categories_is_refused() -> None:
    mixed = Requirement(("general_public", "professional"), D(70), "公需和专业", "d 第五条")
    with pytest.raises(PolicyError) as refused:
        annual_requirement("p", "学时", D(60), None, (TOTAL, PROFESSIONAL, mixed))
    assert str(refused.value) == "p: requirement 公需和专业 mixes professional and public categories"


@pytest.mark.parametrize("requirements", [(TOTAL,), (PROFESSIONAL, PUBLIC), ()], ids=["no professional", "no total", "none"])
def test_statistics_need_a_total_and_a_professional_requirement(requirements: tuple[Requirement, ...]) -> None:
    with pytest.raises(PolicyError) as refused:
        annual_requirement("p", "学时", D(60), None, requirements)
    assert str(refused.value) == "p: a total and a professional requirement are required"


def test_weihai_2_a_sector_rule_names_its_industries_scope_text_and_article() -> None:
    raw = {"industries": ["教育", "卫生"], "scope": "professional", "text": "专业科目按行业规定", "rule": "二",
           "_document": "威人社字〔2022〕2号"}
    assert sector_rule("p", raw) == SectorRule(("教育", "卫生"), "professional", "专业科目按行业规定", "威人社字〔2022〕2号 二")
    anyone = sector_rule("p", {"scope": "all", "text": "按行业规定", "rule": "二", "_document": "d"})
    assert anyone.industries == ()


@pytest.mark.parametrize("raw", [
    pytest.param(["教育"], id="not a mapping"),
    pytest.param({"scope": "public", "text": "x", "rule": "二"}, id="an unknown scope"),
    pytest.param({"text": "x", "rule": "二"}, id="no scope"),
    pytest.param({"scope": "all", "text": "", "rule": "二"}, id="no text"),
])
def test_a_sector_rule_needs_its_scope_and_text(raw: Any) -> None:
    with pytest.raises(PolicyError) as refused:
        sector_rule("p", raw)
    assert str(refused.value) == "p: sector_rules entries need scope (professional or all), text and rule"


@pytest.mark.parametrize("industries", ["教育", ["教育", ""], ["教育", 3]], ids=["a text", "an empty name", "a number"])
def test_a_sector_rules_industries_are_a_list_of_names(industries: Any) -> None:
    raw = {"industries": industries, "scope": "all", "text": "x", "rule": "二", "_document": "d"}
    with pytest.raises(PolicyError) as refused:
        sector_rule("p", raw)
    assert str(refused.value) == "p: sector_rules industries must be a list of names"


def test_the_day_a_document_comes_into_force_is_read_from_its_date_and_article() -> None:
    assert in_force("p", "威人社字〔2022〕2号", {"from": "2022-03-01", "rule": "五"}) == (date(2022, 3, 1), "威人社字〔2022〕2号 五")
    assert in_force("p", "d", {"from": date(2022, 3, 1)}) == (date(2022, 3, 1), "d（未载明施行日期）")
    assert in_force("p", "d", {"from": None}) == (None, "d（未载明施行日期）")


@pytest.mark.parametrize(("raw", "message"), [
    pytest.param(None, "p: in_force is required (from: YYYY-MM-DD or null, rule)", id="not stated"),
    pytest.param({"from": "2022-02-30"}, "p: in_force.from '2022-02-30' is not a date", id="no such day"),
    pytest.param({"from": "明年"}, "p: in_force.from '明年' is not a date", id="words"),
    pytest.param({"from": 2022}, "p: in_force.from must be a date or null", id="a year alone"),
])
def test_a_day_in_force_that_is_no_date_is_refused(raw: Any, message: str) -> None:
    with pytest.raises(PolicyError) as refused:
        in_force("p", "d", raw)
    assert str(refused.value) == message
