"""Evaluation to the letter: Weihai's shared daily budgets (威人社字〔2022〕2号 二(二)1(1): 不超过8学时/天, shared by the
activities of one day), the same-item rule across kinds and years (二(二)4; 桐人社发〔2018〕26号 第十一条(十)), totals,
deadlines and refusals. Written after `make mutate` showed these paths unguarded."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from rules import Activity, NotCovered, Policy, load_policy
from rules.claims import credit_in_year
from rules.loading import resolve

WEIHAI = "威人社字〔2022〕2号"
TRAINING = "培训班、研（进）修班、专题讲座、岗位培训"


def training(hours: int | str, start: str, end: str | None = None, **more: Any) -> Activity:
    return Activity(kind="training", year=2025, hours=hours, start=start, end=end or start, **more)


def weihai(*activities: Activity, earlier: dict[str, D] | None = None) -> Any:
    return load_policy("weihai-2022").evaluate(list(activities), 2025, earlier)


def test_weihai_2_2_1_1_a_training_over_four_days_is_spread_and_not_cut() -> None:
    report = weihai(training(30, "2025-03-02", "2025-03-05"))
    (line,) = report.lines
    assert (line.hours, line.capped_from) == (D(30), None)
    assert line.explanation == f"{TRAINING}：4天30学时，计入专业科目"


def test_weihai_2_2_1_1_half_an_hour_left_on_a_day_is_still_credited() -> None:
    report = weihai(training("7.5", "2025-03-02"), training(2, "2025-03-02"))
    assert [line.hours for line in report.lines] == [D("7.5"), D("0.5")]


def test_weihai_2_2_1_1_three_trainings_on_one_day_share_its_8_hours() -> None:
    report = weihai(training(4, "2025-03-02"), training(3, "2025-03-02"), training(4, "2025-03-02"))
    assert [line.hours for line in report.lines] == [D(4), D(3), D(1)]


def test_weihai_2_2_1_1_a_full_day_does_not_stop_the_next_days_from_counting() -> None:
    report = weihai(training(8, "2025-03-02"), training(8, "2025-03-02", "2025-03-03"))
    assert [line.hours for line in report.lines] == [D(8), D(8)]
    assert report.lines[1].explanation == f"{TRAINING}：2天8学时，计入专业科目"


@pytest.mark.parametrize(("days", "shown"), [
    (3, "2025-03-02、2025-03-03、2025-03-04"),
    (4, "2025-03-02、2025-03-03、2025-03-04等"),
])
def test_weihai_2_2_1_1_the_full_days_are_named_three_at_most(days: int, shown: str) -> None:
    end = f"2025-03-0{1 + days}"
    report = weihai(training(8 * days, "2025-03-02", end), training(8, "2025-03-02", end))
    assert report.lines[1].hours == D(0)
    assert report.lines[1].explanation == (
        f"{TRAINING}：{days}天8学时，计入专业科目；{shown}当日培训进修类合计已达8学时/天上限（{WEIHAI} 二(二)1(1)），核减为0学时"
    )


def test_weihai_2_2_1_1_a_line_cut_twice_remembers_what_was_claimed() -> None:
    report = weihai(training(8, "2025-03-02"), training(20, "2025-03-02", "2025-03-03", days=2))
    assert (report.lines[1].hours, report.lines[1].capped_from) == (D(8), D(20))


def test_weihai_2_2_4_the_same_item_counts_at_its_highest_whole_credit_across_kinds() -> None:
    """An aid year (30 public + 60 professional) and a degree under one item: the 90 stand, the 40 do not."""
    report = weihai(
        Activity(kind="aid_dispatch", year=2025, months=12, item_id="A"),
        Activity(kind="degree_education", year=2025, item_id="A"),
    )
    assert [(line.hours, line.category) for line in report.lines] == [(D(30), "general_public"), (D(60), "professional")]
    assert report.skipped == (f"在职学历（学位）教育（item_id=A，40学时）：同一成果已按最高学时计入，不重复计算（{WEIHAI} 二(二)4）",)


def test_weihai_2_2_4_a_higher_credit_replaces_the_lower_one_named_in_the_skipped_list() -> None:
    report = weihai(Activity(kind="paper", year=2025, item_id="A"), Activity(kind="degree_education", year=2025, item_id="A"))
    assert [line.hours for line in report.lines] == [D(40)]
    assert report.skipped == (f"论文（item_id=A，10学时）：同一成果已按最高学时计入，不重复计算（{WEIHAI} 二(二)4）",)


def test_weihai_2_2_4_an_item_credited_before_tops_up_each_of_its_lines_in_turn() -> None:
    report = weihai(Activity(kind="aid_dispatch", year=2025, months=12, item_id="A"), earlier={"A": D(40)})
    assert [(line.hours, line.capped_from, line.rule) for line in report.lines] == [
        (D(0), D(30), f"{WEIHAI} 二(二)2(2)"), (D(50), D(60), f"{WEIHAI} 二(二)2(2)"),
    ]


def test_tonglu_11_10_items_after_one_without_an_earlier_credit_are_still_topped_up() -> None:
    report = load_policy("tonglu-2018").evaluate([
        Activity(kind="book", year=2025, characters=10000),
        Activity(kind="patent", year=2025, patent="invention", item_id="R"),
    ], 2025, earlier={"R": D(25)})
    assert [line.hours for line in report.lines] == [D(15), D(65)]


def test_tonglu_11_10_items_after_one_fully_credited_before_are_still_topped_up() -> None:
    report = load_policy("tonglu-2018").evaluate([
        Activity(kind="paper", year=2025, journal="core", item_id="P"),
        Activity(kind="patent", year=2025, patent="invention", item_id="R"),
    ], 2025, earlier={"P": D(25), "R": D(25)})
    assert [line.hours for line in report.lines] == [D(65)]
    assert len(report.skipped) == 1 and report.skipped[0].startswith("发表论文（译文）（item_id=P，25学分）：同一成果往年已计入25学分")


def test_tonglu_11_10_a_replaced_duplicate_is_passed_over_when_topping_up() -> None:
    report = load_policy("tonglu-2018").evaluate([
        Activity(kind="paper", year=2025, journal="ordinary", item_id="R"),
        Activity(kind="patent", year=2025, patent="invention", item_id="R"),
    ], 2025, earlier={"R": D(25)})
    assert [line.hours for line in report.lines] == [D(65)]


def test_tonglu_11_10_an_approval_weighs_earlier_years_on_both_sides() -> None:
    policy = load_policy("tonglu-2018")
    paper = Activity(kind="paper", year=2025, journal="core", item_id="R")
    patent = Activity(kind="patent", year=2025, patent="invention", item_id="R")
    assert credit_in_year(policy, patent, [paper], {"R": D(25)}).hours == D(65)


def test_an_activity_already_among_the_credited_is_counted_once() -> None:
    policy = load_policy("weihai-2022")
    paper = Activity(kind="paper", year=2025, item_id="A")
    assert credit_in_year(policy, paper, [paper]).hours == D(10)


def test_the_total_adds_the_industry_public_hours() -> None:
    report = load_policy("zhejiang-2016").evaluate([
        Activity(kind="platform_course", year=2025, hours=6, subject="industry_public"),
        Activity(kind="platform_course", year=2025, hours=10, subject="professional"),
    ], 2025)
    assert report.totals["industry_public"] == D(6) and report.total == D(16)


def test_totals_judged_without_some_categories_count_them_as_zero() -> None:
    results, complete = load_policy("weihai-2022").judge_totals({"general_public": D(30)})
    assert not complete
    assert [(r.credited, r.short) for r in results] == [(D(30), D(60)), (D(30), D(0)), (D(0), D(60))]


@pytest.mark.parametrize(("minutes", "hours"), [(0, D(0)), (D("0.5"), D("0.01")), (90, D(2))])
def test_sichuan_2_2_minutes_become_hours_of_45_minutes_from_zero(minutes: Any, hours: D) -> None:
    assert load_policy("sichuan-2016").hours_from_minutes(minutes) == hours


def test_a_claim_deadline_needs_a_date() -> None:
    with pytest.raises(ValueError) as refused:
        load_policy("tonglu-2018").claim_deadline("2025-01-01")  # type: ignore[arg-type]
    assert str(refused.value) == "'activity_end' must be a date, got '2025-01-01'"


def test_tonglu_13_an_activity_ending_on_30_december_is_not_closed_before_it_ended() -> None:
    deadline = load_policy("tonglu-2018").claim_deadline_explained(date(2025, 12, 30))
    assert deadline is not None and deadline.last_day == date(2025, 12, 30) and deadline.closed_before_end is False


def test_an_uncovered_kind_is_refused_naming_the_policy_and_its_document() -> None:
    with pytest.raises(NotCovered) as refused:
        load_policy("zhejiang-2016").evaluate([Activity(kind="competition", year=2025, level="city")], 2025)
    assert str(refused.value) == (
        "policy zhejiang-2016 (浙人社发〔2016〕63号) does not cover activity kind 'competition': "
        "政策 zhejiang-2016（浙人社发〔2016〕63号）未规定“competition”类活动的学时认定"
    )


def test_a_course_category_the_policy_does_not_state_is_refused_naming_it() -> None:
    with pytest.raises(NotCovered) as refused:
        load_policy("weihai-2022").course_rule("leisure")
    assert (refused.value.policy_id, refused.value.kind) == ("weihai-2022", "platform_course/leisure")
    assert str(refused.value) == (
        f"policy weihai-2022 ({WEIHAI}) does not cover activity kind 'platform_course/leisure': "
        f"政策 weihai-2022（{WEIHAI}）未规定“platform_course/leisure”类活动的学时认定"
    )


def test_weihai_each_kind_lists_the_caps_that_may_trim_it_in_the_documents_words() -> None:
    """威人社字〔2022〕2号 二(一)3, 二(二)1(1), 二(二)2(2), 二(二)4: the caps a claim form shows, shared ones named."""
    from rules.claims import Limit

    policy = load_policy("weihai-2022")
    assert policy.limits("paper") == (Limit(
        "科研成果和论文著作", D(30), "year", f"{WEIHAI} 二(二)4",
        f"科研成果和论文著作（与科研成果（奖励、课题结题）、专利或行业标准、著作、译著合计）每年累计不超过30学时（{WEIHAI} 二(二)4）"),)
    assert policy.limits("computer_exam") == (Limit(
        "计算机应用能力考试", D(30), "year", f"{WEIHAI} 二(一)3", f"计算机应用能力考试每年累计不超过30学时（{WEIHAI} 二(一)3）"),)
    assert policy.limits("training") == (Limit(
        "培训进修类", D(8), "day", f"{WEIHAI} 二(二)1(1)",
        f"培训进修类（与学术会议、访问学者、出国（境）学习合计）每天累计不超过8学时（{WEIHAI} 二(二)1(1)）"),)
    # 二(二)2(1): the expert's 8 hours a day are a budget of their own, shared with no other kind
    assert policy.limits("expert_service") == (Limit(
        "专家服务类", D(8), "day", f"{WEIHAI} 二(二)2(1)", f"专家服务类每天累计不超过8学时（{WEIHAI} 二(二)2(1)）"),)
    assert policy.limits("aid_dispatch") == (
        Limit("援派（公需科目）", D(30), "year", f"{WEIHAI} 二(二)2(2)", f"援派（公需科目）每年累计不超过30学时（{WEIHAI} 二(二)2(2)）"),
        Limit("援派（专业科目）", D(60), "year", f"{WEIHAI} 二(二)2(2)", f"援派（专业科目）每年累计不超过60学时（{WEIHAI} 二(二)2(2)）"),
    )


def test_the_hour_rule_of_a_kind_the_policy_does_not_state_is_refused_naming_both() -> None:
    with pytest.raises(NotCovered) as refused:
        load_policy("zhejiang-2016").hours_rule("competition")
    assert (refused.value.policy_id, refused.value.kind) == ("zhejiang-2016", "competition")
    assert str(refused.value).startswith("policy zhejiang-2016 (浙人社发〔2016〕63号) does not cover activity kind 'competition'")


def test_a_cap_not_shared_with_another_kind_names_no_partner() -> None:
    from rules.claims import limit_text

    assert limit_text("计算机应用能力考试", D(30), "year", "学时", "威 二(一)3") == "计算机应用能力考试每年累计不超过30学时（威 二(一)3）"


def test_a_kind_lists_each_cap_that_may_trim_it_once_though_its_lines_share_one() -> None:
    """A line that shares a cap with another line of the same kind and has one of its own: both caps are shown, the
    shared one once (a claim form that left a cap out would promise hours the year cannot give)."""
    from rules.claims import Limit

    data = resolve("weihai-2022")
    public, professional = data["conversions"]["aid_dispatch"]["outputs"]
    outputs = [{**public, "caps": ["aid_public"]}, {**professional, "caps": ["aid_public", "aid_professional"]}]
    data["conversions"]["aid_dispatch"] = {**data["conversions"]["aid_dispatch"], "outputs": outputs}
    assert Policy(data).limits("aid_dispatch") == (
        Limit("援派（公需科目）", D(30), "year", f"{WEIHAI} 二(二)2(2)", f"援派（公需科目）每年累计不超过30学时（{WEIHAI} 二(二)2(2)）"),
        Limit("援派（专业科目）", D(60), "year", f"{WEIHAI} 二(二)2(2)", f"援派（专业科目）每年累计不超过60学时（{WEIHAI} 二(二)2(2)）"),
    )
