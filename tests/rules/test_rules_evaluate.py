"""Whole-year evaluations: yearly and shared caps, the same-item rule, requirements, inheritance."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from rules import Activity, Compliance, load_policy

GP, IP, PR = "general_public", "industry_public", "professional"
D = Decimal
Make = Callable[..., Activity]


def evaluate(policy_id: str, activities: list[Activity], year: int = 2025) -> Compliance:
    return load_policy(policy_id).evaluate(activities, year)


def a(kind: str, **fields: Any) -> Activity:
    fields.setdefault("year", 2025)
    return Activity(kind=kind, **fields)


# (policy, activities, category, credited after caps, article)
CAP_CASES: list[Any] = [
    pytest.param(
        "sichuan-2016",
        [a("self_study", characters=30000, subject=PR), a("paper", characters=15000)],
        PR,
        "50",
        id="sichuan 二(二): self-study and publications together are capped at 50 a year",
    ),
    pytest.param(
        "sichuan-2016",
        [a("book", characters=20000), a("paper", characters=20000), a("training", hours=10, subject=PR)],
        PR,
        "60",
        id="sichuan 二(二): the 50 cap leaves other professional hours untouched",
    ),
    pytest.param(
        "weihai-2022",
        [a("computer_exam", modules=7)],
        GP,
        "30",
        id="weihai 二(一)3: computer exam hours are capped at 30 a year",
    ),
    pytest.param(
        "weihai-2022",
        [a("computer_exam", modules=4), a("computer_exam", modules=4)],
        GP,
        "30",
        id="weihai 二(一)3: the computer exam cap is shared by several exams",
    ),
    pytest.param(
        "weihai-2022",
        [a("self_study_exam", count=5)],
        PR,
        "40",
        id="weihai 二(二)3(1): self-taught exam hours are capped at 40 a year",
    ),
    pytest.param(
        "weihai-2022",
        [a("paper"), a("book"), a("patent"), a("research_project")],
        PR,
        "30",
        id="weihai 二(二)4: research results, patents, papers and books share a cap of 30",
    ),
    pytest.param(
        "weihai-2022",
        [a("degree_education"), a("degree_education")],
        PR,
        "40",
        id="weihai 二(二)3(2): degree education earns 40 a year however many records",
    ),
    pytest.param(
        "weihai-2022",
        [a("aid_dispatch", months=12), a("aid_dispatch", months=6)],
        PR,
        "60",
        id="weihai 二(二)2(2): aid earns at most 60 professional hours a year",
    ),
    pytest.param(
        "weihai-2022",
        [a("aid_dispatch", months=12), a("aid_dispatch", months=6)],
        GP,
        "30",
        id="weihai 二(二)2(2): aid earns at most 30 public hours a year",
    ),
    pytest.param(
        "weihai-2022",
        [a("training", hours=6, start="2025-03-02"), a("conference", hours=6, start="2025-03-02")],
        PR,
        "8",
        id="weihai 二(二)1(1): a training and a conference on the same day share 8 hours",
    ),
    pytest.param(
        "weihai-2022",
        [a("training", hours=8, start="2025-03-02"), a("expert_service", hours=8, start="2025-03-02")],
        PR,
        "16",
        id="weihai 二(二)1(1) and 二(二)2(1) are separate clauses: training and expert service on one day earn 8 each",
    ),
    pytest.param(
        "weihai-2022",
        [a("expert_service", hours=6, start="2025-03-02"), a("expert_service", hours=6, start="2025-03-02")],
        PR,
        "8",
        id="weihai 二(二)2(1): two expert services on the same day share 8 hours",
    ),
    pytest.param(
        "weihai-2022",
        [a("training", hours=6, start="2025-03-02"), a("conference", hours=6, start="2025-03-03")],
        PR,
        "12",
        id="weihai 二(二)1(1): activities on different days each get their own 8 hours",
    ),
    pytest.param(
        "weihai-2022",
        [
            a("training", hours=16, start="2025-03-02", end="2025-03-03"),
            a("conference", hours=5, start="2025-03-03"),
        ],
        PR,
        "16",
        id="weihai 二(二)1(1): a two-day training fills both days so a conference on day two earns nothing",
    ),
    pytest.param(
        "weihai-2022",
        [a("transfer_in", hours=50, subject=PR), a("paper"), a("book"), a("patent")],
        PR,
        "80",
        id="weihai 三: transferred hours are outside the caps",
    ),
    pytest.param(
        "wenzhou-2020",
        [a("platform_course", hours=6, subject=GP), a("platform_course", hours=6, subject=GP)],
        GP,
        "18",
        id="wenzhou 第八条 第十条: one general public course a year, so at most 18 hours",
    ),
    pytest.param(
        "tonglu-2018",
        [a("degree_education", related=True), a("degree_education", related=True)],
        PR,
        "90",
        id="tonglu 第十一条(二): a related degree earns 90 a year at most",
    ),
    pytest.param(
        "tonglu-2018",
        [a("degree_education", related=False), a("degree_education", related=False)],
        GP,
        "30",
        id="tonglu 第十一条(二): an unrelated degree earns 30 a year at most",
    ),
    pytest.param(
        "tonglu-2018",
        [a("computer_exam", modules=4), a("computer_exam", modules=4)],
        GP,
        "48",
        id="tonglu 第十一条(五): computer exam credits have no yearly cap",
    ),
]


@pytest.mark.parametrize(("policy_id", "activities", "category", "expected"), CAP_CASES)
def test_yearly_and_shared_caps_limit_the_credited_amount(
    policy_id: str, activities: list[Activity], category: str, expected: str
) -> None:
    assert evaluate(policy_id, activities).totals[category] == D(expected)


def test_a_line_trimmed_by_a_cap_says_so_and_keeps_the_claimed_amount() -> None:
    report = evaluate("weihai-2022", [a("computer_exam", modules=4), a("computer_exam", modules=4)])
    first, second = report.lines
    assert first.hours == D(20) and first.capped_from is None
    assert second.hours == D(10) and second.capped_from == D(20)
    assert "超出计算机应用能力考试每年30学时上限（威人社字〔2022〕2号 二(一)3）" in second.explanation
    assert second.explanation.endswith("核减为10学时")


def test_a_credit_fully_absorbed_by_a_cap_stays_as_a_zero_line() -> None:
    report = evaluate(
        "sichuan-2016", [a("self_study", characters=50000, subject=PR), a("paper", characters=1000)]
    )
    assert [line.hours for line in report.lines] == [D(50), D(0)]
    assert "自学和发表出版作品每年50学时上限" in report.lines[1].explanation


def test_a_day_already_full_is_named_in_the_trimmed_line() -> None:
    report = evaluate(
        "weihai-2022",
        [a("training", hours=8, start="2025-06-01"), a("conference", hours=3, start="2025-06-01")],
    )
    assert report.lines[1].hours == 0
    assert "2025-06-01当日培训进修类合计已达8学时/天上限（威人社字〔2022〕2号 二(二)1(1)）" in report.lines[1].explanation


def test_weihai_counts_the_same_item_once() -> None:
    # 威人社字〔2022〕2号 二(二)4 “同一…不重复计算”
    report = evaluate(
        "weihai-2022", [a("paper", item_id="doi:1"), a("paper", item_id="doi:1"), a("book", item_id="b")]
    )
    assert report.totals[PR] == D(20)
    assert len(report.lines) == 2
    assert len(report.skipped) == 1 and "不重复计算（威人社字〔2022〕2号 二(二)4）" in report.skipped[0]


def test_tonglu_counts_the_same_result_once_at_its_highest_credit() -> None:
    # 桐人社发〔2018〕26号 第十一条(十): a paper (25) and the patent from the same result (90) -> 90 once
    report = evaluate(
        "tonglu-2018",
        [a("paper", journal="core", item_id="R1"), a("patent", patent="invention", item_id="R1")],
    )
    assert report.totals[PR] == D(90)
    assert [line.rule for line in report.lines] == ["桐人社发〔2018〕26号 第十一条(九)"]
    assert "核心期刊" not in report.lines[0].explanation
    assert "按最高学分计入" in report.skipped[0]


def test_tonglu_keeps_the_highest_credit_whatever_the_order() -> None:
    report = evaluate(
        "tonglu-2018",
        [
            a("patent", patent="invention", item_id="R1"),
            a("paper", journal="core", first_author=True, item_id="R1"),
        ],
    )
    assert report.totals[PR] == D(90)


def test_activities_without_an_item_id_are_never_treated_as_duplicates() -> None:
    report = evaluate("tonglu-2018", [a("paper", journal="core"), a("paper", journal="core")])
    assert report.totals[PR] == D(50)


def test_activities_of_other_years_are_ignored() -> None:
    report = evaluate(
        "weihai-2022", [a("paper", year=2024), a("computer_exam", modules=6, year=2026), a("book")]
    )
    assert report.total == D(10)
    assert len(report.lines) == 1


def test_caps_are_per_year_so_last_years_results_do_not_use_this_years_cap() -> None:
    policy = load_policy("weihai-2022")
    activities = [a("paper", year=2024), a("paper", year=2024), a("paper", year=2024), a("paper"), a("paper")]
    assert policy.evaluate(activities, 2024).totals[PR] == D(30)
    assert policy.evaluate(activities, 2025).totals[PR] == D(20)


def test_a_complete_weihai_year_meets_every_requirement() -> None:
    report = evaluate(
        "weihai-2022",
        [
            a("foreign_language_exam", grade="A"),
            a("training", hours=24, days=3),
            a("transfer_in", hours=40, subject=PR),
        ],
    )
    assert report.complete
    assert report.total == D(94)
    assert [(r.label, r.credited, r.short) for r in report.requirements] == [
        ("年度总学时", D(94), D(0)),
        ("公需科目（一般公需与行业公需合计）", D(30), D(0)),
        ("专业科目", D(64), D(0)),
    ]
    assert all(r.met for r in report.requirements)


def test_a_year_short_in_one_category_is_incomplete_and_says_by_how_much() -> None:
    report = evaluate(
        "weihai-2022", [a("foreign_language_exam", grade="C"), a("transfer_in", hours=80, subject=PR)]
    )
    assert report.total == D(90)
    assert not report.complete
    public = report.requirements[1]
    assert (public.categories, public.minimum, public.credited, public.short) == (
        (GP, IP),
        D(30),
        D(10),
        D(20),
    )
    assert public.rule == "威人社字〔2022〕2号 二"


def test_an_empty_year_is_short_of_everything() -> None:
    report = evaluate("zhejiang-2016", [])
    assert report.total == 0 and not report.complete and report.lines == ()
    assert [r.short for r in report.requirements] == [D(90), D(60), D(18)]


def test_zhejiang_counts_industry_public_towards_the_public_eighteen() -> None:
    # 浙人社发〔2016〕63号 第八条: 行业公需和一般公需科目不少于18学时
    activities = [a("platform_course", hours=18, subject=IP), a("training", hours=72, subject=PR)]
    report = evaluate("zhejiang-2016", activities)
    assert report.complete


def test_wenzhou_inherits_zhejiangs_rules_but_requires_eighteen_general_public_hours() -> None:
    # 温人社发〔2020〕125号 第六条: 一般公需科目不少于18学时 (industry public does not count)
    activities = [
        a("conference", hours=18, subject=IP),
        a("platform_course", hours=18, subject=IP),
        a("training", hours=72, subject=PR),
    ]
    report = evaluate("wenzhou-2020", activities)
    assert report.lines[0].rule == "浙人社发〔2016〕63号 第九条(三)"  # conference inherited from the province
    assert not report.complete
    general = next(r for r in report.requirements if r.categories == (GP,))
    assert (general.short, general.rule) == (D(18), "温人社发〔2020〕125号 第六条")
    activities.append(a("platform_course", hours=2, subject=GP))
    assert evaluate("wenzhou-2020", activities).complete


def test_sichuan_has_no_public_minimum() -> None:
    report = evaluate("sichuan-2016", [a("training", hours=90, subject=PR)])
    assert report.complete
    assert [r.minimum for r in report.requirements] == [D(90), D(60)]


def test_tonglu_reports_in_credits() -> None:
    report = evaluate("tonglu-2018", [a("degree_education", related=True), a("foreign_language_exam")])
    assert report.unit == "学分" and report.complete and report.total == D(114)


def test_totals_always_list_the_three_categories() -> None:
    report = evaluate("tonglu-2018", [a("foreign_language_exam")])
    assert dict(report.totals) == {GP: D(24), IP: D(0), PR: D(0)}


def test_the_report_knows_its_policy_and_year() -> None:
    report = evaluate("sichuan-2016", [], year=2024)
    assert (report.policy, report.year, report.unit) == ("sichuan-2016", 2024, "学时")


def test_evaluate_accepts_any_iterable_of_activities() -> None:
    report = load_policy("weihai-2022").evaluate((x for x in [a("paper"), a("book")]), 2025)
    assert report.total == D(20)


def test_tonglu_11_10_a_result_credited_in_an_earlier_year_earns_only_its_higher_credit_now() -> None:
    # 桐人社发〔2018〕26号 第十一条(十) is not limited to a year: a paper (25) last year, its patent (90) now -> 65 more
    report = load_policy("tonglu-2018").evaluate(
        [a("patent", patent="invention", item_id="R1")], 2025, earlier={"R1": D(25)}
    )
    assert report.totals[PR] == D(65)
    assert report.lines[0].capped_from == D(90)
    assert "同一成果往年已计入25学分，按最高学分补计65学分（桐人社发〔2018〕26号 第十一条(十)）" in report.lines[0].explanation


def test_weihai_2_2_4_a_result_credited_in_an_earlier_year_is_not_counted_again() -> None:
    report = load_policy("weihai-2022").evaluate(
        [a("paper", item_id="doi:1"), a("book", item_id="b")], 2025, earlier={"doi:1": D(10)}
    )
    assert report.totals[PR] == D(10)
    assert report.skipped == (
        "论文（item_id=doi:1，10学时）：同一成果往年已计入10学时，不重复计算（威人社字〔2022〕2号 二(二)4）",
    )


def test_earlier_items_change_nothing_where_no_same_item_rule_is_stated() -> None:
    report = load_policy("wenzhou-2020").evaluate([a("paper", hours=6, item_id="x")], 2025, earlier={"x": D(6)})
    assert report.totals[PR] == D(6) and not report.skipped
