"""The consequences a standing lists, each once with its document's words and article (for a short list in the app)."""

from __future__ import annotations

from rules import StandingConsequence, load_policy
from tests.rules.test_rules_standing import year


def test_tonglu_two_incomplete_years_list_each_consequence_with_its_article() -> None:
    reports = [year("tonglu-2018", y, y == 2023) for y in (2023, 2024, 2025)]
    standing = load_policy("tonglu-2018").standing(reports)
    assert standing.consequences == (
        StandingConsequence("excellent", "当年度考核等次不得评为优秀", "桐人社发〔2018〕26号 第十四条"),
        StandingConsequence(
            "basically_competent",
            "连续两个年度未完成学分要求，未完成的第二个年度考核等次确定为基本合格及以下",
            "桐人社发〔2018〕26号 第十四条",
        ),
        StandingConsequence("title", "不得推荐职称评审和晋升岗位等级", "桐人社发〔2018〕26号 第十五条"),
    )


def test_a_complete_year_lists_no_consequence() -> None:
    reports = [year("tonglu-2018", y, y != 2023) for y in (2023, 2024, 2025)]
    standing = load_policy("tonglu-2018").standing(reports)
    assert [c.kind for c in standing.consequences] == ["title"]


def test_wenzhou_lists_the_provincial_title_consequence_for_the_chosen_years_only() -> None:
    reports = [year("wenzhou-2020", 2024, False), year("wenzhou-2020", 2025, True)]
    policy = load_policy("wenzhou-2020")
    assert policy.standing(reports).consequences == ()
    assert policy.standing(reports, title_years=[2024, 2025]).consequences == (
        StandingConsequence("title", "取消其专业技术职务任职资格的申报资格", "浙人社发〔2016〕63号 第十六条"),
    )


def test_sichuan_lists_the_scope_of_its_excellent_rule() -> None:
    standing = load_policy("sichuan-2016").standing([year("sichuan-2016", 2025, False)])
    (only,) = standing.consequences
    assert only.kind == "excellent" and "无正当理由" in only.text and only.rule == "川人社发〔2016〕20号 四"


def test_weihai_lists_none() -> None:
    reports = [year("weihai-2022", 2024, False), year("weihai-2022", 2025, False)]
    assert load_policy("weihai-2022").standing(reports).consequences == ()
