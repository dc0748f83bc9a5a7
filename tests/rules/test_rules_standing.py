"""Claim deadlines (桐人社发〔2018〕26号 第十三条) and multi-year consequences."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rules import Activity, Compliance, Standing, available_policies, load_policy
from rules.model import StandingConsequence
from rules.standing import judge_standing, title_period

GP, IP, PR = "general_public", "industry_public", "professional"

# Activity sets that complete a year under each policy; an empty list leaves it incomplete.
COMPLETE = {
    "zhejiang-2016": [
        ("platform_course", {"hours": 18, "subject": GP}),
        ("training", {"hours": 72, "subject": PR}),
    ],
    "wenzhou-2020": [("platform_course", {"hours": 3, "subject": GP}), ("training", {"hours": 72})],
    "sichuan-2016": [("training", {"hours": 90, "subject": PR})],
    "weihai-2022": [("foreign_language_exam", {"grade": "A"}), ("transfer_in", {"hours": 60, "subject": PR})],
    "tonglu-2018": [("degree_education", {"related": True}), ("foreign_language_exam", {})],
}


def year(policy_id: str, y: int, complete: bool) -> Compliance:
    items = COMPLETE[policy_id] if complete else []
    report = load_policy(policy_id).evaluate([Activity(kind=k, year=y, **f) for k, f in items], y)  # type: ignore[arg-type]
    assert report.complete is complete
    return report


@pytest.mark.parametrize(
    ("end", "deadline"),
    [
        pytest.param(
            date(2025, 3, 1), date(2025, 4, 30), id="tonglu 第十三条: claims close 60 days after the end"
        ),
        pytest.param(
            date(2025, 10, 15), date(2025, 12, 14), id="tonglu 第十三条: an October activity gets its 60 days"
        ),
        pytest.param(
            date(2025, 10, 31),
            date(2025, 12, 30),
            id="tonglu 第十三条: 60 days after 31 October is 30 December",
        ),
        pytest.param(
            date(2025, 11, 15),
            date(2025, 12, 30),
            id="tonglu 第十三条: claims running into December close on 30 December",
        ),
        pytest.param(
            date(2025, 12, 10), date(2025, 12, 30), id="tonglu 第十三条: December claims close on 30 December"
        ),
        pytest.param(
            date(2025, 12, 31),
            date(2025, 12, 30),
            id="tonglu 第十三条: an activity ending 31 December is already past the cutoff",
        ),
        pytest.param(date(2024, 2, 29), date(2024, 4, 29), id="tonglu 第十三条: leap years count real days"),
    ],
)
def test_tonglu_claims_close_sixty_days_after_the_activity_or_on_30_december(
    end: date, deadline: date
) -> None:
    assert load_policy("tonglu-2018").claim_deadline(end) == deadline


@pytest.mark.parametrize("policy_id", ["zhejiang-2016", "wenzhou-2020", "sichuan-2016", "weihai-2022"])
def test_policies_that_state_no_claim_deadline_return_none(policy_id: str) -> None:
    assert load_policy(policy_id).claim_deadline(date(2025, 12, 10)) is None


@pytest.mark.parametrize("policy_id", available_policies())
def test_three_complete_years_leave_every_door_open(policy_id: str) -> None:
    standing = load_policy(policy_id).standing([year(policy_id, y, True) for y in (2023, 2024, 2025)])
    assert (standing.year, standing.may_be_excellent, standing.at_most_basically_competent) == (
        2025,
        True,
        False,
    )
    assert standing.may_apply_for_title and standing.reasons == ()


def test_tonglu_an_incomplete_year_cannot_be_rated_excellent() -> None:
    standing = load_policy("tonglu-2018").standing(
        [year("tonglu-2018", 2024, True), year("tonglu-2018", 2025, False)]
    )
    assert not standing.may_be_excellent and not standing.at_most_basically_competent
    assert any("不得评为优秀（桐人社发〔2018〕26号 第十四条）" in r for r in standing.reasons)


def test_tonglu_two_incomplete_years_in_a_row_make_the_second_basically_competent_or_lower() -> None:
    standing = load_policy("tonglu-2018").standing(
        [year("tonglu-2018", 2024, False), year("tonglu-2018", 2025, False)]
    )
    assert standing.at_most_basically_competent and not standing.may_be_excellent
    assert any("基本合格及以下（桐人社发〔2018〕26号 第十四条）" in r for r in standing.reasons)


def test_tonglu_incomplete_years_with_a_gap_between_are_not_consecutive() -> None:
    reports = [year("tonglu-2018", 2023, False), year("tonglu-2018", 2025, False)]
    assert not load_policy("tonglu-2018").standing(reports).at_most_basically_competent


def test_tonglu_an_incomplete_year_within_three_blocks_title_recommendation() -> None:
    reports = [
        year("tonglu-2018", 2023, False),
        year("tonglu-2018", 2024, True),
        year("tonglu-2018", 2025, True),
    ]
    standing = load_policy("tonglu-2018").standing(reports)
    assert standing.may_be_excellent and not standing.may_apply_for_title
    assert any(
        "2023年度未完成学分要求，不得推荐职称评审和晋升岗位等级（桐人社发〔2018〕26号 第十五条）" in r
        for r in standing.reasons
    )


def test_tonglu_an_incomplete_year_older_than_three_years_does_not_block_title() -> None:
    reports = [year("tonglu-2018", y, y != 2022) for y in (2022, 2023, 2024, 2025)]
    assert load_policy("tonglu-2018").standing(reports).may_apply_for_title


def test_missing_years_in_the_window_are_reported_not_assumed() -> None:
    standing = load_policy("tonglu-2018").standing([year("tonglu-2018", 2025, True)])
    assert standing.may_apply_for_title
    assert any("2023、2024年度没有报告" in r for r in standing.reasons)


def test_zhejiang_16_states_no_period_so_an_earlier_incomplete_year_does_not_block_by_default() -> None:
    # 浙人社发〔2016〕63号 第十六条 names no period: no invented three-year window; by default the latest year.
    reports = [year("zhejiang-2016", 2024, False), year("zhejiang-2016", 2025, True)]
    standing = load_policy("zhejiang-2016").standing(reports)
    assert standing.may_be_excellent and standing.may_apply_for_title
    assert standing.title_years == (2025,)


def test_zhejiang_16_an_incomplete_year_the_title_application_covers_blocks_it() -> None:
    reports = [year("zhejiang-2016", 2024, False), year("zhejiang-2016", 2025, True)]
    standing = load_policy("zhejiang-2016").standing(reports, title_years=[2025, 2024])
    assert standing.may_be_excellent and not standing.may_apply_for_title
    assert standing.title_years == (2024, 2025)
    assert standing.reasons == (
        "职称申报所涉年度（2024、2025）中2024年度未完成学时要求，取消其专业技术职务任职资格的申报资格"
        "（浙人社发〔2016〕63号 第十六条）",
    )


def test_zhejiang_16_a_chosen_year_without_a_report_is_named_not_assumed() -> None:
    standing = load_policy("wenzhou-2020").standing([year("wenzhou-2020", 2025, True)], title_years=[2023, 2025])
    assert standing.may_apply_for_title
    assert any("2023年度没有报告，未纳入判断（浙人社发〔2016〕63号 第十六条）" in r for r in standing.reasons)


@pytest.mark.parametrize(
    ("policy_id", "period"),
    [
        pytest.param("zhejiang-2016", "application", id="zhejiang 第十六条: the years of the application"),
        pytest.param("wenzhou-2020", "application", id="wenzhou inherits 浙 第十六条"),
        pytest.param("tonglu-2018", 3, id="tonglu 第十五条: 近三年"),
        pytest.param("sichuan-2016", None, id="sichuan 四 bars no title"),
        pytest.param("weihai-2022", None, id="weihai states no consequence"),
    ],
)
def test_each_policy_says_which_years_its_title_consequence_judges(policy_id: str, period: object) -> None:
    assert load_policy(policy_id).title_period == period


@pytest.mark.parametrize("policy_id", ["tonglu-2018", "weihai-2022"])
def test_title_years_cannot_be_chosen_where_the_document_fixes_or_states_no_period(policy_id: str) -> None:
    with pytest.raises(ValueError, match="title_years"):
        load_policy(policy_id).standing([year(policy_id, 2025, False)], title_years=[2025])


def test_title_years_must_name_years() -> None:
    with pytest.raises(ValueError, match="title_years"):
        load_policy("zhejiang-2016").standing([year("zhejiang-2016", 2025, False)], title_years=[])


def test_wenzhou_inherits_the_provincial_title_consequence() -> None:
    standing = load_policy("wenzhou-2020").standing([year("wenzhou-2020", 2025, False)])
    assert not standing.may_apply_for_title and standing.may_be_excellent


def test_sichuan_an_incomplete_year_cannot_be_rated_excellent_but_title_is_not_barred() -> None:
    standing = load_policy("sichuan-2016").standing([year("sichuan-2016", 2025, False)])
    assert not standing.may_be_excellent and standing.may_apply_for_title
    assert any("川人社发〔2016〕20号 四" in r and "无正当理由" in r for r in standing.reasons)


def test_weihai_invents_no_consequence_for_an_incomplete_year() -> None:
    standing = load_policy("weihai-2022").standing(
        [year("weihai-2022", 2024, False), year("weihai-2022", 2025, False)]
    )
    assert (
        standing.may_be_excellent
        and standing.may_apply_for_title
        and not standing.at_most_basically_competent
    )
    assert standing.reasons == (
        "2025年度未完成学时要求；威人社字〔2022〕2号未规定对年度考核或职称申报的具体后果",
    )


def test_the_latest_year_is_judged_whatever_the_order_of_reports() -> None:
    reports = [year("tonglu-2018", 2025, True), year("tonglu-2018", 2024, False)]
    standing = load_policy("tonglu-2018").standing(reports)
    assert standing.year == 2025 and standing.may_be_excellent and not standing.may_apply_for_title


def test_standing_rejects_reports_of_another_policy_or_none() -> None:
    with pytest.raises(ValueError, match="reports"):
        load_policy("tonglu-2018").standing([year("weihai-2022", 2025, True)])
    with pytest.raises(ValueError, match="reports"):
        load_policy("tonglu-2018").standing([])
    with pytest.raises(ValueError, match="reports"):
        load_policy("tonglu-2018").standing([year("tonglu-2018", 2025, True)] * 2)


# Standing to the letter: the whole verdict (booleans that are booleans, the years judged, each reason with its article)
# and the exact refusals of a malformed request or policy. Written after `make mutate` showed the verdict's fields and
# messages unguarded (the tests above read them as truthy or look for fragments).

TONGLU = "桐人社发〔2018〕26号"
EXCELLENT = StandingConsequence("excellent", "当年度考核等次不得评为优秀", f"{TONGLU} 第十四条")
TITLE = StandingConsequence("title", "不得推荐职称评审和晋升岗位等级", f"{TONGLU} 第十五条")


def test_tonglu_14_15_three_incomplete_years_the_whole_verdict() -> None:
    """桐 第十四条: not excellent, and the second of two incomplete years at most 基本合格; 第十五条: 近三年 blocks."""
    standing = load_policy("tonglu-2018").standing([year("tonglu-2018", y, False) for y in (2023, 2024, 2025)])
    assert standing == Standing(
        "tonglu-2018", 2025, False, True, False,
        (
            f"2025年度未完成学分要求，当年度考核等次不得评为优秀（{TONGLU} 第十四条）",
            f"2024、2025年度连续未完成学分要求，2025年度考核等次确定为基本合格及以下（{TONGLU} 第十四条）",
            f"近3年（2023–2025）中2023、2024、2025年度未完成学分要求，不得推荐职称评审和晋升岗位等级（{TONGLU} 第十五条）",
        ),
        (2023, 2024, 2025),
        (
            EXCELLENT,
            StandingConsequence(
                "basically_competent", "连续两个年度未完成学分要求，未完成的第二个年度考核等次确定为基本合格及以下",
                f"{TONGLU} 第十四条",
            ),
            TITLE,
        ),
    )
    assert standing.may_be_excellent is False and standing.may_apply_for_title is False


def test_tonglu_14_an_incomplete_year_after_a_complete_one_the_whole_verdict() -> None:
    standing = load_policy("tonglu-2018").standing([year("tonglu-2018", y, y == 2024) for y in (2023, 2024, 2025)])
    assert standing == Standing(
        "tonglu-2018", 2025, False, False, False,
        (
            f"2025年度未完成学分要求，当年度考核等次不得评为优秀（{TONGLU} 第十四条）",
            f"近3年（2023–2025）中2023、2025年度未完成学分要求，不得推荐职称评审和晋升岗位等级（{TONGLU} 第十五条）",
        ),
        (2023, 2024, 2025),
        (EXCELLENT, TITLE),
    )
    assert standing.may_be_excellent is False and standing.at_most_basically_competent is False


def test_a_policy_without_a_title_consequence_judges_no_title_years() -> None:
    standing = load_policy("weihai-2022").standing([year("weihai-2022", 2025, False)])
    assert standing.title_years == () and standing.may_apply_for_title is True and standing.may_be_excellent is True


def test_a_consequence_stated_alone_is_not_reported_as_none_stated() -> None:
    """Only where a document states no consequence at all does the verdict say so (威人社字〔2022〕2号)."""
    consecutive = {"consecutive_incomplete": {"text": "基本合格", "rule": "第一条", "_document": "某文"}}
    reports = [year("weihai-2022", 2024, False), year("weihai-2022", 2025, False)]
    standing = judge_standing("weihai-2022", "某文", "学时", consecutive, reports)
    assert standing.reasons == ("2024、2025年度连续未完成学时要求，2025年度考核等次确定为基本合格及以下（某文 第一条）",)
    assert standing.at_most_basically_competent is True and standing.may_be_excellent is False


@pytest.mark.parametrize(("policy_id", "message"), [
    pytest.param("tonglu-2018", f"'title_years' cannot be chosen under tonglu-2018: 按{TONGLU} 第十五条的期限判断",
                 id="tonglu 第十五条 fixes 近三年"),
    pytest.param("weihai-2022", "'title_years' cannot be chosen under weihai-2022: 未规定职称申报的后果",
                 id="weihai states no title consequence"),
])
def test_title_years_are_refused_where_the_document_decides_them(policy_id: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        load_policy(policy_id).standing([year(policy_id, 2025, False)], title_years=[2025])
    assert str(refused.value) == message


@pytest.mark.parametrize("chosen", [[], ["2025"], [2025, True]], ids=["none", "text", "a boolean"])
def test_title_years_must_be_years(chosen: list[Any]) -> None:
    with pytest.raises(ValueError) as refused:
        load_policy("zhejiang-2016").standing([year("zhejiang-2016", 2025, False)], title_years=chosen)
    assert str(refused.value) == f"'title_years' must be a non-empty list of years, got {chosen!r}"


def test_standing_without_reports_is_refused_saying_so() -> None:
    with pytest.raises(ValueError) as refused:
        load_policy("tonglu-2018").standing([])
    assert str(refused.value) == "Standing needs at least one report in 'reports'"


@pytest.mark.parametrize("years", [1, 3, "application"])
def test_a_title_period_is_a_positive_number_of_years_or_the_application(years: object) -> None:
    assert title_period({"title_if_incomplete": {"years": years}}) == years


@pytest.mark.parametrize("years", [0, -1, True, "3", None], ids=["zero", "negative", "a boolean", "text", "none"])
def test_a_title_period_that_is_not_a_number_of_years_is_refused(years: object) -> None:
    with pytest.raises(ValueError) as refused:
        title_period({"title_if_incomplete": {"years": years}})
    assert str(refused.value) == (
        f"title_if_incomplete.years must be a positive integer or 'application', got {years!r}"
    )
