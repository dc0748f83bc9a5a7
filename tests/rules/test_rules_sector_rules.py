"""Where an industry's own rules prevail over a region's document, each with its article."""

from __future__ import annotations

import pytest

from rules import load_policy


@pytest.mark.parametrize(
    ("policy_id", "industry", "rules"),
    [
        pytest.param("weihai-2022", "卫生健康", ["威人社字〔2022〕2号 二", "威人社字〔2022〕2号 二"], id="威 二: 卫生 professional rules prevail"),
        pytest.param("weihai-2022", "工程技术", ["威人社字〔2022〕2号 二"], id="威 二: any authority's existing rules only"),
        pytest.param("tonglu-2018", "经济", ["浙人社发〔2016〕63号 第九条", "浙人社发〔2016〕63号 第二条", "桐人社发〔2018〕26号 第十条"], id="桐 第十条 names 经济"),
        pytest.param("tonglu-2018", "会计", ["浙人社发〔2016〕63号 第九条", "浙人社发〔2016〕63号 第二条"], id="桐 names no 会计: only the province's"),
        pytest.param("sichuan-2016", "教育", ["川人社发〔2016〕20号 二(二)"] * 3, id="川 二(二): teacher training by national law"),
        pytest.param("wenzhou-2020", "会计", ["浙人社发〔2016〕63号 第九条", "浙人社发〔2016〕63号 第二条", "温人社发〔2020〕125号 第十二条"], id="温 第十二条 adds to the province's"),
    ],
)
def test_a_persons_industry_finds_the_sector_rules_that_prevail(policy_id: str, industry: str, rules: list[str]) -> None:
    found = load_policy(policy_id).sector_rules_for(industry)
    assert [r.rule for r in found] == rules
    assert all(r.text and r.scope in ("professional", "all") for r in found)


def test_weihai_2_names_education_health_accounting_archives_for_professional_subjects() -> None:
    (named,) = [r for r in load_policy("weihai-2022").sector_rules if r.industries]
    assert named.industries == ("教育", "卫生", "会计", "档案") and named.scope == "professional"
    assert named.text == "教育、卫生、会计、档案等行业主管部门对其领域专业科目另有规定的，从其规定"
