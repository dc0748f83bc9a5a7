"""Policies in force from a date (issue 14 item 5), and what statistics read from a policy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from rules import PolicyNotInForce, load_policy, policy_for, policy_for_year, regions


@pytest.mark.parametrize(
    ("policy_id", "region", "start", "rule"),
    [
        pytest.param("zhejiang-2016", "zhejiang", date(2016, 8, 1), "浙人社发〔2016〕63号 第十八条", id="浙 第十八条 from 1 August 2016"),
        pytest.param("wenzhou-2020", "wenzhou", date(2020, 11, 27), "温人社发〔2020〕125号 第十七条", id="温 第十七条 from the day of issue"),
        pytest.param("tonglu-2018", "tonglu", date(2018, 3, 29), "桐人社发〔2018〕26号 第二十条", id="桐 第二十条 from publication"),
        pytest.param("weihai-2022", "weihai", date(2022, 4, 8), "威人社字〔2022〕2号 文末（2022年4月8日印发）", id="威 issued 8 April 2022"),
        pytest.param("sichuan-2016", "sichuan", None, "川人社发〔2016〕20号（未载明施行日期）", id="川 states no date"),
    ],
)
def test_each_policy_says_its_region_and_the_day_it_came_into_force(
    policy_id: str, region: str, start: date | None, rule: str
) -> None:
    policy = load_policy(policy_id)
    assert (policy.region, policy.in_force_from, policy.in_force_rule) == (region, start, rule)


def test_region_and_in_force_are_never_inherited() -> None:
    assert load_policy("zhejiang-2016").region == "zhejiang"
    assert load_policy("wenzhou-2020").region == "wenzhou"  # it extends zhejiang-2016 but is its own document
    assert load_policy("tonglu-2018").in_force_from == date(2018, 3, 29)


@pytest.mark.parametrize(
    ("region", "on", "policy_id"),
    [
        pytest.param("zhejiang", date(2016, 8, 1), "zhejiang-2016", id="浙 第十八条: in force on 1 August 2016"),
        pytest.param("wenzhou", date(2020, 11, 26), "zhejiang-2016", id="wenzhou the day before 温 第十七条: the province's rules"),
        pytest.param("wenzhou", date(2020, 11, 27), "wenzhou-2020", id="wenzhou from the day of issue"),
        pytest.param("tonglu", date(2018, 3, 28), "zhejiang-2016", id="tonglu before 桐 第二十条: the province's rules"),
        pytest.param("tonglu", date(2018, 3, 29), "tonglu-2018", id="tonglu from publication"),
        pytest.param("weihai", date(2022, 4, 8), "weihai-2022", id="weihai from the day of issue"),
        pytest.param("sichuan", date(2000, 1, 1), "sichuan-2016", id="sichuan: no date stated, no lower bound"),
    ],
)
def test_a_region_on_a_date_is_governed_by_the_policy_then_in_force(region: str, on: date, policy_id: str) -> None:
    assert policy_for(region, on).id == policy_id


@pytest.mark.parametrize(
    ("region", "on"),
    [
        pytest.param("zhejiang", date(2016, 7, 31), id="the day before 浙 第十八条"),
        pytest.param("wenzhou", date(2016, 7, 31), id="wenzhou before the province's rules"),
        pytest.param("weihai", date(2022, 4, 7), id="weihai before its notice (earlier standards not encoded)"),
    ],
)
def test_no_policy_in_force_is_a_clear_refusal(region: str, on: date) -> None:
    with pytest.raises(PolicyNotInForce) as caught:
        policy_for(region, on)
    assert caught.value.message == f"{on.isoformat()} 时该地区（{region}）没有已施行的继续教育学时政策"
    assert caught.value.code == "no_policy_in_force"


@pytest.mark.parametrize(
    ("region", "year", "policy_id"),
    [
        pytest.param("wenzhou", 2020, "wenzhou-2020", id="2020 closes under 温人社发〔2020〕125号"),
        pytest.param("wenzhou", 2019, "zhejiang-2016", id="2019 is judged under the province's rules"),
        pytest.param("tonglu", 2017, "zhejiang-2016", id="tonglu 2017 before 桐 第二十条"),
        pytest.param("zhejiang", 2016, "zhejiang-2016", id="2016 closes after 浙 第十八条"),
    ],
)
def test_a_study_year_is_judged_under_the_policy_in_force_on_31_december(region: str, year: int, policy_id: str) -> None:
    assert policy_for_year(region, year).id == policy_id


def test_unknown_regions_and_non_dates_are_errors() -> None:
    assert regions() == ("sichuan", "tonglu", "weihai", "wenzhou", "zhejiang")
    with pytest.raises(KeyError, match="mars"):
        policy_for("mars", date(2025, 1, 1))
    with pytest.raises(ValueError, match="'on'"):
        policy_for("wenzhou", "2025-01-01")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("policy_id", "unit", "per_hour", "per_hour_rule", "public", "public_categories"),
    [
        pytest.param("zhejiang-2016", "学时", 60, None, 18, ("general_public", "industry_public"), id="浙 第八条 public = industry + general ≥ 18"),
        pytest.param("wenzhou-2020", "学时", 60, None, 18, ("general_public",), id="温 第六条 general public ≥ 18"),
        pytest.param("weihai-2022", "学时", 60, None, 30, ("general_public", "industry_public"), id="威 二 public ≥ 30"),
        pytest.param("tonglu-2018", "学分", 60, None, 18, ("general_public", "industry_public"), id="桐 第七条 in 学分"),
        pytest.param("sichuan-2016", "学时", 45, "川人社发〔2016〕20号 二(二)", None, (), id="川 二(二) 45-minute hour, no public minimum"),
    ],
)
def test_statistics_read_each_policys_annual_requirement(
    policy_id: str,
    unit: str,
    per_hour: int,
    per_hour_rule: str | None,
    public: int | None,
    public_categories: tuple[str, ...],
) -> None:
    req = load_policy(policy_id).annual_requirement
    assert (req.total, req.professional) == (D(90), D(60))
    assert (req.unit, req.minutes_per_hour, req.minutes_per_hour_rule) == (unit, D(per_hour), per_hour_rule)
    assert (req.public, req.public_categories) == (None if public is None else D(public), public_categories)
    assert req.rules and all(r.startswith(load_policy(policy_id).document) for r in req.rules)


def test_summed_totals_are_judged_without_activities() -> None:
    weihai = load_policy("weihai-2022")
    results, complete = weihai.judge_totals({"general_public": D(20), "industry_public": D(10), "professional": D(60)})
    assert complete and [r.credited for r in results] == [D(90), D(30), D(60)]
    results, complete = load_policy("sichuan-2016").judge_totals({"professional": D("89.99")})
    assert not complete and results[0].short == D("0.01") and results[1].met


def test_sichuan_2_2_counts_45_minutes_as_an_hour() -> None:
    assert load_policy("sichuan-2016").hours_from_minutes(45) == D(1)
    assert load_policy("sichuan-2016").hours_from_minutes(100) == D("2.22")
    assert load_policy("zhejiang-2016").hours_from_minutes(90) == D("1.5")
    with pytest.raises(ValueError, match="minutes"):
        load_policy("sichuan-2016").hours_from_minutes(-1)


# Written after `make mutate` showed these unguarded: the first day of the province's rules, and what the refusal
# carries (the region and the date, for the page that says so).


def test_a_region_before_its_own_document_is_governed_by_the_province_from_its_first_day() -> None:
    """浙人社发〔2016〕63号 第十八条: in force from 1 August 2016, for Wenzhou too before 温人社发〔2020〕125号."""
    assert policy_for("wenzhou", date(2016, 8, 1)).id == "zhejiang-2016"


def test_the_refusal_carries_the_region_and_the_date() -> None:
    with pytest.raises(PolicyNotInForce) as caught:
        policy_for("weihai", date(2022, 4, 7))
    assert (caught.value.region, caught.value.on) == ("weihai", date(2022, 4, 7))
    assert caught.value.args == ("2022-04-07 时该地区（weihai）没有已施行的继续教育学时政策",)


def test_an_unknown_region_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(KeyError) as caught:
        policy_for("atlantis", date(2025, 1, 1))
    assert caught.value.args[0] == "unknown region 'atlantis'; known: sichuan, tonglu, weihai, wenzhou, zhejiang"
