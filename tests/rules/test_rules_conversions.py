"""Every conversion rule of the five documents, one table row per rule (article in the id)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from rules import Activity, load_policy

GP, IP, PR = "general_public", "industry_public", "professional"
ZJ, WZ, SC, WH, TL = (
    "浙人社发〔2016〕63号",
    "温人社发〔2020〕125号",
    "川人社发〔2016〕20号",
    "威人社字〔2022〕2号",
    "桐人社发〔2018〕26号",
)

# (policy, kind, fields, expected [(hours, category)], rule cited)
CASES: list[Any] = [
    # 浙人社发〔2016〕63号
    pytest.param(
        "zhejiang-2016",
        "platform_course",
        {"hours": 6, "subject": GP},
        [("6", GP)],
        f"{ZJ} 第十条、第九条(五)",
        id="zhejiang 第十条: a passed public course earns its registered hours",
    ),
    pytest.param(
        "zhejiang-2016",
        "study_minutes",
        {"minutes": 90, "subject": PR},
        [("1.5", PR)],
        f"{ZJ} 第九条(五)",
        id="zhejiang 第九条(五): 90 recorded minutes are 1.5 hours at 60 minutes per hour",
    ),
    pytest.param(
        "zhejiang-2016",
        "training",
        {"hours": 12, "subject": IP},
        [("12", IP)],
        f"{ZJ} 第九条(二)",
        id="zhejiang 第九条(二): a training class earns its registered hours in its subject",
    ),
    pytest.param(
        "zhejiang-2016",
        "conference",
        {"hours": 4},
        [("4", PR)],
        f"{ZJ} 第九条(三)",
        id="zhejiang 第九条(三): an academic conference earns professional hours",
    ),
    # 温人社发〔2020〕125号 (extends 浙人社发〔2016〕63号)
    pytest.param(
        "wenzhou-2020",
        "platform_course",
        {"hours": 3, "subject": GP},
        [("18", GP)],
        f"{WZ} 第十条",
        id="wenzhou 第十条: passing the general public exam registers 18 hours whatever the course length",
    ),
    pytest.param(
        "wenzhou-2020",
        "platform_course",
        {"hours": 6, "subject": IP},
        [("6", IP)],
        f"{WZ} 第十一条",
        id="wenzhou 第十一条: an industry public course earns its registered hours",
    ),
    pytest.param(
        "wenzhou-2020",
        "platform_course",
        {"hours": 5, "subject": PR},
        [("5", PR)],
        f"{WZ} 第十二条",
        id="wenzhou 第十二条: a professional online course earns its registered hours",
    ),
    pytest.param(
        "wenzhou-2020",
        "study_minutes",
        {"minutes": 120, "subject": PR},
        [("2", PR)],
        f"{WZ} 第十二条",
        id="wenzhou 第十二条: recorded professional study minutes convert at 60 per hour",
    ),
    pytest.param(
        "wenzhou-2020",
        "training",
        {"hours": 10, "subject": GP},
        [("10", PR)],
        f"{WZ} 第十二条2、3、4",
        id="wenzhou 第十二条2-4: training is registered as professional hours",
    ),
    pytest.param(
        "wenzhou-2020",
        "conference",
        {"hours": 4},
        [("4", PR)],
        f"{ZJ} 第九条(三)",
        id="wenzhou inherits the conference rule of zhejiang 第九条(三)",
    ),
    pytest.param(
        "wenzhou-2020",
        "qualification_exam",
        {"hours": 10},
        [("10", PR)],
        f"{WZ} 第十二条1",
        id="wenzhou 第十二条1: a passed qualification exam earns its registered professional hours",
    ),
    pytest.param(
        "wenzhou-2020",
        "expert_service",
        {"hours": 8},
        [("8", PR)],
        f"{WZ} 第十二条5",
        id="wenzhou 第十二条5: expert service earns its registered hours",
    ),
    pytest.param(
        "wenzhou-2020",
        "aid_dispatch",
        {"hours": 20},
        [("20", PR)],
        f"{WZ} 第十二条5",
        id="wenzhou 第十二条5: counterpart aid earns its registered hours",
    ),
    pytest.param(
        "wenzhou-2020",
        "research_project",
        {"hours": 10},
        [("10", PR)],
        f"{WZ} 第十二条6",
        id="wenzhou 第十二条6: a research project earns its registered hours",
    ),
    pytest.param(
        "wenzhou-2020",
        "patent",
        {"hours": 12},
        [("12", PR)],
        f"{WZ} 第十二条6",
        id="wenzhou 第十二条6: a patent earns its registered hours",
    ),
    pytest.param(
        "wenzhou-2020",
        "paper",
        {"hours": 5},
        [("5", PR)],
        f"{WZ} 第十二条7",
        id="wenzhou 第十二条7: a paper earns its registered hours",
    ),
    pytest.param(
        "wenzhou-2020",
        "book",
        {"hours": 20},
        [("20", PR)],
        f"{WZ} 第十二条7",
        id="wenzhou 第十二条7: a book earns its registered hours",
    ),
    pytest.param(
        "wenzhou-2020",
        "degree_education",
        {"hours": 40},
        [("40", PR)],
        f"{WZ} 第十二条8",
        id="wenzhou 第十二条8: in-service degree education earns its registered hours",
    ),
    # 川人社发〔2016〕20号 二(二)
    pytest.param(
        "sichuan-2016",
        "study_minutes",
        {"minutes": 90, "subject": PR},
        [("2", PR)],
        f"{SC} 二(二)",
        id="sichuan 二(二): 90 minutes are 2 hours because an hour is 45 minutes",
    ),
    pytest.param(
        "sichuan-2016",
        "study_minutes",
        {"minutes": 100, "subject": GP},
        [("2.22", GP)],
        f"{SC} 二(二)",
        id="sichuan 二(二): 100 minutes round half up to 2.22 hours",
    ),
    pytest.param(
        "sichuan-2016",
        "platform_course",
        {"hours": 4, "subject": GP},
        [("4", GP)],
        f"{SC} 二(二)",
        id="sichuan 二(二): a distance course earns its hours",
    ),
    pytest.param(
        "sichuan-2016",
        "training",
        {"hours": 16, "subject": IP},
        [("16", IP)],
        f"{SC} 二(二)",
        id="sichuan 二(二): training counts the actual study hours",
    ),
    pytest.param(
        "sichuan-2016",
        "conference",
        {"hours": 6},
        [("6", PR)],
        f"{SC} 二(二)",
        id="sichuan 二(二): an academic conference counts its actual hours",
    ),
    pytest.param(
        "sichuan-2016",
        "training_abroad",
        {"hours": 40},
        [("40", PR)],
        f"{SC} 二(二)",
        id="sichuan 二(二): training abroad counts its actual hours",
    ),
    pytest.param(
        "sichuan-2016",
        "degree_education",
        {"hours": 120},
        [("120", PR)],
        f"{SC} 二(二)",
        id="sichuan 二(二): degree education counts its actual hours",
    ),
    pytest.param(
        "sichuan-2016",
        "self_study",
        {"characters": 2500, "subject": PR},
        [("2", PR)],
        f"{SC} 二(二)",
        id="sichuan 二(二): self-study results earn 1 hour per full 1000 characters",
    ),
    pytest.param(
        "sichuan-2016",
        "paper",
        {"characters": 3000},
        [("6", PR)],
        f"{SC} 二(二)",
        id="sichuan 二(二): a published paper earns 2 hours per 1000 characters",
    ),
    pytest.param(
        "sichuan-2016",
        "book",
        {"characters": 10500},
        [("20", PR)],
        f"{SC} 二(二)",
        id="sichuan 二(二): a published book earns 2 hours per full 1000 characters",
    ),
    # 威人社字〔2022〕2号 二
    pytest.param(
        "weihai-2022",
        "platform_course",
        {"hours": 5, "subject": GP},
        [("5", GP)],
        f"{WH} 二(一)1",
        id="weihai 二(一)1: a passed public platform course earns its hours",
    ),
    pytest.param(
        "weihai-2022",
        "platform_course",
        {"hours": 3, "subject": PR},
        [("3", PR)],
        f"{WH} 二(二)1(2)",
        id="weihai 二(二)1(2): a professional platform course earns the recorded hours",
    ),
    pytest.param(
        "weihai-2022",
        "study_minutes",
        {"minutes": 150, "subject": PR},
        [("2.5", PR)],
        f"{WH} 二(二)1(2)",
        id="weihai 二(二)1(2): recorded online study minutes convert at 60 per hour",
    ),
    pytest.param(
        "weihai-2022",
        "foreign_language_exam",
        {"grade": "A"},
        [("30", GP)],
        f"{WH} 二(一)2",
        id="weihai 二(一)2: title foreign-language exam grade A earns 30 public hours",
    ),
    pytest.param(
        "weihai-2022",
        "foreign_language_exam",
        {"grade": "B"},
        [("20", GP)],
        f"{WH} 二(一)2",
        id="weihai 二(一)2: grade B earns 20 public hours",
    ),
    pytest.param(
        "weihai-2022",
        "foreign_language_exam",
        {"grade": "C"},
        [("10", GP)],
        f"{WH} 二(一)2",
        id="weihai 二(一)2: grade C earns 10 public hours",
    ),
    pytest.param(
        "weihai-2022",
        "computer_exam",
        {"modules": 3},
        [("15", GP)],
        f"{WH} 二(一)3",
        id="weihai 二(一)3: each computer exam module earns 5 public hours",
    ),
    pytest.param(
        "weihai-2022",
        "training",
        {"hours": 6, "days": 1},
        [("6", PR)],
        f"{WH} 二(二)1(1)",
        id="weihai 二(二)1(1): training earns its actual hours",
    ),
    pytest.param(
        "weihai-2022",
        "training",
        {"hours": 20, "days": 2},
        [("16", PR)],
        f"{WH} 二(二)1(1)",
        id="weihai 二(二)1(1): training earns at most 8 hours per day",
    ),
    pytest.param(
        "weihai-2022",
        "training",
        {"hours": 30, "start": "2025-05-06", "end": "2025-05-08"},
        [("24", PR)],
        f"{WH} 二(二)1(1)",
        id="weihai 二(二)1(1): the day count comes from start and end dates",
    ),
    pytest.param(
        "weihai-2022",
        "conference",
        {"hours": 10, "days": 1},
        [("8", PR)],
        f"{WH} 二(二)1(1)",
        id="weihai 二(二)1(1): a one-day conference earns at most 8 hours",
    ),
    pytest.param(
        "weihai-2022",
        "training_abroad",
        {"hours": 40, "days": 5},
        [("40", PR)],
        f"{WH} 二(二)1(1)",
        id="weihai 二(二)1(1): study abroad earns actual hours within 8 per day",
    ),
    pytest.param(
        "weihai-2022",
        "competition",
        {"level": "national"},
        [("30", PR)],
        f"{WH} 二(二)1(3)",
        id="weihai 二(二)1(3): a national competition earns 30 hours",
    ),
    pytest.param(
        "weihai-2022",
        "competition",
        {"level": "provincial"},
        [("20", PR)],
        f"{WH} 二(二)1(3)",
        id="weihai 二(二)1(3): a provincial competition earns 20 hours",
    ),
    pytest.param(
        "weihai-2022",
        "competition",
        {"level": "city"},
        [("10", PR)],
        f"{WH} 二(二)1(3)",
        id="weihai 二(二)1(3): a city competition earns 10 hours",
    ),
    pytest.param(
        "weihai-2022",
        "competition",
        {"level": "district"},
        [("5", PR)],
        f"{WH} 二(二)1(3)",
        id="weihai 二(二)1(3): a district (区市) competition earns 5 hours",
    ),
    pytest.param(
        "weihai-2022",
        "competition",
        {"level": "county"},
        [("5", PR)],
        f"{WH} 二(二)1(3)",
        id="weihai 二(二)1(3): a county-level city (区市) competition earns 5 hours",
    ),
    pytest.param(
        "weihai-2022",
        "expert_service",
        {"hours": 9, "days": 1},
        [("8", PR)],
        f"{WH} 二(二)2(1)",
        id="weihai 二(二)2(1): expert service earns at most 8 hours per day",
    ),
    pytest.param(
        "weihai-2022",
        "expert_service",
        {"hours": 5, "days": 1},
        [("5", PR)],
        f"{WH} 二(二)2(1)",
        id="weihai 二(二)2(1): expert service earns its actual hours",
    ),
    pytest.param(
        "weihai-2022",
        "aid_dispatch",
        {"months": 12},
        [("30", GP), ("60", PR)],
        f"{WH} 二(二)2(2)",
        id="weihai 二(二)2(2): a full year of aid earns 30 public and 60 professional hours",
    ),
    pytest.param(
        "weihai-2022",
        "aid_dispatch",
        {"months": 6},
        [("15", GP), ("30", PR)],
        f"{WH} 二(二)2(2)",
        id="weihai 二(二)2(2): six months of aid earn half",
    ),
    pytest.param(
        "weihai-2022",
        "aid_dispatch",
        {"months": 1},
        [("2.5", GP), ("5", PR)],
        f"{WH} 二(二)2(2)",
        id="weihai 二(二)2(2): one month of aid earns one twelfth",
    ),
    pytest.param(
        "weihai-2022",
        "aid_dispatch",
        {"months": 7},
        [("17.5", GP), ("35", PR)],
        f"{WH} 二(二)2(2)",
        id="weihai 二(二)2(2): seven months of aid are prorated by month",
    ),
    pytest.param(
        "weihai-2022",
        "self_study_exam",
        {"count": 3},
        [("30", PR)],
        f"{WH} 二(二)3(1)",
        id="weihai 二(二)3(1): each passed self-taught exam course earns 10 hours",
    ),
    pytest.param(
        "weihai-2022",
        "degree_education",
        {},
        [("40", PR)],
        f"{WH} 二(二)3(2)",
        id="weihai 二(二)3(2): a year of in-service degree education earns 40 hours",
    ),
    pytest.param(
        "weihai-2022",
        "qualification_exam",
        {},
        [("16", PR)],
        f"{WH} 二(二)3(3)",
        id="weihai 二(二)3(3): a passed qualification exam earns 16 hours",
    ),
    pytest.param(
        "weihai-2022",
        "research_project",
        {},
        [("10", PR)],
        f"{WH} 二(二)4",
        id="weihai 二(二)4: a research result earns 10 hours",
    ),
    pytest.param(
        "weihai-2022",
        "patent",
        {"patent": "invention"},
        [("10", PR)],
        f"{WH} 二(二)4",
        id="weihai 二(二)4: a patent or standard earns 10 hours",
    ),
    pytest.param(
        "weihai-2022", "paper", {}, [("10", PR)], f"{WH} 二(二)4", id="weihai 二(二)4: a paper earns 10 hours"
    ),
    pytest.param(
        "weihai-2022", "book", {}, [("10", PR)], f"{WH} 二(二)4", id="weihai 二(二)4: a book earns 10 hours"
    ),
    pytest.param(
        "weihai-2022",
        "transfer_in",
        {"hours": 25, "subject": IP},
        [("25", IP)],
        f"{WH} 三",
        id="weihai 三: hours transferred in are credited as certified in their subject",
    ),
    # 桐人社发〔2018〕26号 (credits; extends 浙人社发〔2016〕63号)
    pytest.param(
        "tonglu-2018",
        "platform_course",
        {"hours": 3, "subject": PR},
        [("3", PR)],
        f"{TL} 第八条",
        id="tonglu 第八条: an online course earns the credits set for it",
    ),
    pytest.param(
        "tonglu-2018",
        "study_minutes",
        {"minutes": 120, "subject": GP},
        [("2", GP)],
        f"{ZJ} 第九条(五)",
        id="tonglu inherits zhejiang 第九条(五) for recorded study minutes",
    ),
    pytest.param(
        "tonglu-2018",
        "training",
        {"days": 2, "subject": GP},
        [("16", GP)],
        f"{TL} 第十一条(一)",
        id="tonglu 第十一条(一): one day of face-to-face training is 8 credits in its subject",
    ),
    pytest.param(
        "tonglu-2018",
        "training",
        {"start": "2025-04-01", "end": "2025-04-03", "subject": PR},
        [("24", PR)],
        f"{TL} 第十一条(一)",
        id="tonglu 第十一条(一): training days come from start and end dates",
    ),
    pytest.param(
        "tonglu-2018",
        "training",
        {"days": "0.5", "subject": IP},
        [("4", IP)],
        f"{TL} 第十一条(一)",
        id="tonglu 第十一条(一): half a day of training is 4 credits",
    ),
    pytest.param(
        "tonglu-2018",
        "degree_education",
        {"related": True},
        [("90", PR)],
        f"{TL} 第十一条(二)",
        id="tonglu 第十一条(二): a related degree earns 90 professional credits a year",
    ),
    pytest.param(
        "tonglu-2018",
        "degree_education",
        {"related": False},
        [("30", GP)],
        f"{TL} 第十一条(二)",
        id="tonglu 第十一条(二): an unrelated degree earns 30 general public credits a year",
    ),
    pytest.param(
        "tonglu-2018",
        "training_abroad",
        {"days": 5},
        [("40", PR)],
        f"{TL} 第十一条(三)",
        id="tonglu 第十一条(三): training abroad is 8 professional credits per day",
    ),
    pytest.param(
        "tonglu-2018",
        "qualification_exam",
        {"count": 2},
        [("72", PR)],
        f"{TL} 第十一条(四)",
        id="tonglu 第十一条(四): each passed qualification subject is 36 credits",
    ),
    pytest.param(
        "tonglu-2018",
        "computer_exam",
        {"modules": 3},
        [("18", GP)],
        f"{TL} 第十一条(五)",
        id="tonglu 第十一条(五): each computer exam module is 6 general public credits",
    ),
    pytest.param(
        "tonglu-2018",
        "foreign_language_exam",
        {},
        [("24", GP)],
        f"{TL} 第十一条(五)",
        id="tonglu 第十一条(五): the title foreign-language exam is 24 general public credits",
    ),
    pytest.param(
        "tonglu-2018",
        "conference",
        {"days": 2},
        [("16", PR)],
        f"{TL} 第十一条(六)",
        id="tonglu 第十一条(六): an academic conference is 8 credits per day",
    ),
    pytest.param(
        "tonglu-2018",
        "research_project",
        {"level": "national"},
        [("90", PR)],
        f"{TL} 第十一条(七)",
        id="tonglu 第十一条(七): a national project is 90 credits",
    ),
    pytest.param(
        "tonglu-2018",
        "research_project",
        {"level": "provincial"},
        [("70", PR)],
        f"{TL} 第十一条(七)",
        id="tonglu 第十一条(七): a provincial or ministerial project is 70 credits",
    ),
    pytest.param(
        "tonglu-2018",
        "research_project",
        {"level": "city"},
        [("50", PR)],
        f"{TL} 第十一条(七)",
        id="tonglu 第十一条(七): a city or bureau project is 50 credits",
    ),
    pytest.param(
        "tonglu-2018",
        "research_project",
        {"level": "county"},
        [("30", PR)],
        f"{TL} 第十一条(七)",
        id="tonglu 第十一条(七): a county project is 30 credits",
    ),
    pytest.param(
        "tonglu-2018",
        "book",
        {"characters": 25000},
        [("30", PR)],
        f"{TL} 第十一条(八)1",
        id="tonglu 第十一条(八)1: a book is 15 credits per full 10000 characters",
    ),
    pytest.param(
        "tonglu-2018",
        "paper",
        {"journal": "core"},
        [("25", PR)],
        f"{TL} 第十一条(八)2",
        id="tonglu 第十一条(八)2: a core journal paper is 25 credits",
    ),
    pytest.param(
        "tonglu-2018",
        "paper",
        {"journal": "core", "first_author": True},
        [("35", PR)],
        f"{TL} 第十一条(八)2",
        id="tonglu 第十一条(八)2: the first author of a core paper gets 10 more",
    ),
    pytest.param(
        "tonglu-2018",
        "paper",
        {"journal": "ordinary"},
        [("15", PR)],
        f"{TL} 第十一条(八)2",
        id="tonglu 第十一条(八)2: an ordinary journal paper is 15 credits",
    ),
    pytest.param(
        "tonglu-2018",
        "paper",
        {"journal": "ordinary", "first_author": True},
        [("20", PR)],
        f"{TL} 第十一条(八)2",
        id="tonglu 第十一条(八)2: the first author of an ordinary paper gets 5 more",
    ),
    pytest.param(
        "tonglu-2018",
        "paper",
        {"journal": "supplement"},
        [("10", PR)],
        f"{TL} 第十一条(八)2",
        id="tonglu 第十一条(八)2: a supplement or internal journal paper is 10 credits",
    ),
    pytest.param(
        "tonglu-2018",
        "paper",
        {"journal": "supplement", "first_author": True},
        [("15", PR)],
        f"{TL} 第十一条(八)2",
        id="tonglu 第十一条(八)2: the first author of a supplement paper gets 5 more",
    ),
    pytest.param(
        "tonglu-2018",
        "patent",
        {"patent": "invention"},
        [("90", PR)],
        f"{TL} 第十一条(九)",
        id="tonglu 第十一条(九): an invention patent is 90 credits",
    ),
    pytest.param(
        "tonglu-2018",
        "patent",
        {"patent": "utility"},
        [("50", PR)],
        f"{TL} 第十一条(九)",
        id="tonglu 第十一条(九): a utility model patent is 50 credits",
    ),
    pytest.param(
        "tonglu-2018",
        "patent",
        {"patent": "design"},
        [("20", PR)],
        f"{TL} 第十一条(九)",
        id="tonglu 第十一条(九): a design patent is 20 credits",
    ),
]


@pytest.mark.parametrize(("policy_id", "kind", "fields", "expected", "rule"), CASES)
def test_an_activity_converts_as_its_article_says(
    policy_id: str, kind: str, fields: dict[str, Any], expected: list[tuple[str, str]], rule: str
) -> None:
    credits = load_policy(policy_id).credit(Activity(kind=kind, year=2025, **fields))
    assert [(c.hours, c.category) for c in credits] == [(Decimal(h), cat) for h, cat in expected]
    for credit in credits:
        assert isinstance(credit.hours, Decimal)
        assert credit.rule == rule
        assert credit.explanation and "\n" not in credit.explanation


def test_a_credit_cut_by_the_daily_limit_remembers_what_was_claimed() -> None:
    (credit,) = load_policy("weihai-2022").credit(Activity(kind="training", year=2025, hours=20, days=2))
    assert credit.capped_from == Decimal(20)
    assert "每天不超过8学时" in credit.explanation


def test_an_explanation_is_one_chinese_line_naming_the_amount_and_category() -> None:
    (credit,) = load_policy("weihai-2022").credit(
        Activity(kind="foreign_language_exam", year=2025, grade="B")
    )
    assert credit.explanation == "全国职称外语考试（B级）：20学时，计入一般公需科目"


def test_tonglu_explanations_speak_of_credits_not_hours() -> None:
    (credit,) = load_policy("tonglu-2018").credit(Activity(kind="conference", year=2025, days=1))
    assert "8学分" in credit.explanation


def test_single_activity_credit_ignores_yearly_caps() -> None:
    (credit,) = load_policy("weihai-2022").credit(Activity(kind="computer_exam", year=2025, modules=7))
    assert credit.hours == Decimal(35)


def test_results_with_fractions_are_rounded_to_two_places_half_up() -> None:
    # 川人社发〔2016〕20号 二(二): 1 minute / 45 = 0.0222… -> 0.02; 61 minutes at 60/h (浙) = 1.01666… -> 1.02
    (sc,) = load_policy("sichuan-2016").credit(
        Activity(kind="study_minutes", year=2025, minutes=1, subject=PR)
    )
    (zj,) = load_policy("zhejiang-2016").credit(
        Activity(kind="study_minutes", year=2025, minutes=61, subject=PR)
    )
    assert (sc.hours, zj.hours) == (Decimal("0.02"), Decimal("1.02"))
    (half,) = load_policy("zhejiang-2016").credit(
        Activity(kind="study_minutes", year=2025, minutes=3, subject=PR)
    )
    assert half.hours == Decimal("0.05")  # 0.05 exactly; 0.3 minutes would be 0.005 -> 0.01 (half up)
    (tiny,) = load_policy("zhejiang-2016").credit(
        Activity(kind="study_minutes", year=2025, minutes=Decimal("0.3"), subject=PR)
    )
    assert tiny.hours == Decimal("0.01")
