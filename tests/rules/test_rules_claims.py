"""Claims as data: each region's claim kinds, evidence and review chain, and the hours one claim would earn."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from rules import Activity, Policy, available_policies, load_policy
from rules.claims import (
    ClaimError,
    ClaimKind,
    claim_kind,
    claim_kinds,
    credit_in_year,
    hours_for_claim,
    parse_claims,
    review_chain,
)
from rules.loading import PolicyError, resolve


def kinds(policy_id: str) -> dict[str, ClaimKind]:
    return {k.id: k for k in claim_kinds(load_policy(policy_id))}


def test_wenzhou_12_offers_its_types_1_to_8_each_citing_its_item() -> None:
    # 温人社发〔2020〕125号 第十二条 1–8 (type 9 is left to the provincial 细则 and has no rule here); the transfer of
    # hours from another region (issue 12 item 6) is the platform's reading of 第二条, not a type of 第十二条
    cited = {k.rule for k in kinds("wenzhou-2020").values() if k.id != "transfer_in"}
    assert cited == {f"温人社发〔2020〕125号 第十二条{n}" for n in range(1, 9)}
    rules = load_policy("wenzhou-2020").claims
    assert rules is not None and rules.route == "个人中心—学时认证—新增认证"
    assert any("第十二条9" in text for text in rules.not_claimable)


@pytest.mark.parametrize(
    ("policy_id", "kind", "rule", "evidence"),
    [
        pytest.param("wenzhou-2020", "qualification_exam", "第十二条1", "考试合格证书", id="wenzhou 第十二条1 exam certificate"),
        pytest.param("wenzhou-2020", "advanced_seminar", "第十二条2", "高级研修班证书", id="wenzhou 第十二条2 seminar certificate"),
        pytest.param("wenzhou-2020", "paper", "第十二条7", "公开发行的刊物封面", id="wenzhou 第十二条7 journal cover"),
        pytest.param("wenzhou-2020", "degree_education", "第十二条8", "课程分配学习进度表", id="wenzhou 第十二条8 study plan"),
        pytest.param("weihai-2022", "foreign_language_exam", "二(一)2", "考试成绩通知书", id="weihai 二(一)2 score notice"),
        pytest.param("weihai-2022", "expert_service", "二(二)2(1)", "受邀函或通知", id="weihai 二(二)2(1) invitation"),
        pytest.param("weihai-2022", "aid_dispatch", "二(二)2(2)", "组织援派文件", id="weihai 二(二)2(2) dispatch order"),
        pytest.param("weihai-2022", "transfer_in", "三", "调出地继续教育管理部门出具的继续教育学时证明", id="weihai 三 transfer certificate"),
        pytest.param("tonglu-2018", "patent", "第十一条(九)", "培训佐证材料", id="tonglu 第十三条2 evidence for every kind"),
        pytest.param("sichuan-2016", "self_study", "二(二)", "本单位认可和考核的证明", id="sichuan 二(二) self-study approved by the employer"),
        pytest.param("sichuan-2016", "practice", "二(二)", "相关学习证明", id="sichuan 二(二) practice activities are claimable"),
        pytest.param("zhejiang-2016", "practice", "第九条(六)", "实践活动的有效证明", id="zhejiang 第九条(六) practice"),
    ],
)
def test_each_claim_kind_cites_its_article_and_names_the_evidence_its_text_asks_for(
    policy_id: str, kind: str, rule: str, evidence: str
) -> None:
    claim = kinds(policy_id)[kind]
    assert claim.rule == f"{load_policy(policy_id).document} {rule}"
    assert evidence in claim.evidence


def test_a_region_offers_only_what_its_document_counts() -> None:
    assert "competition" in kinds("weihai-2022") and "competition" not in kinds("tonglu-2018")
    assert "self_study" in kinds("sichuan-2016") and "self_study" not in kinds("wenzhou-2020")
    # Wenzhou 第十二条 has no 实践活动 type: the provincial kind is not inherited
    assert "practice" not in load_policy("wenzhou-2020").kinds and "practice" not in load_policy("tonglu-2018").kinds


def test_wenzhou_12_the_practitioner_files_and_the_city_industry_authority_approves() -> None:
    chain = review_chain(load_policy("wenzhou-2020"))
    assert chain.filed_by == ("practitioner",)
    assert [(s.acts, s.level) for s in chain.steps] == [(("industry_authority",), "city")]
    assert chain.credit == "on_approval" and chain.rule == "温人社发〔2020〕125号 第十二条"


def test_tonglu_13_the_employer_files_authority_checks_and_archives_county_hr_approves_and_it_credits_itself() -> None:
    chain = review_chain(load_policy("tonglu-2018"))
    assert chain.filed_by == ("employer",)
    assert [(s.acts, s.duty) for s in chain.steps] == [
        (("industry_authority",), "核对佐证材料并存档"),
        (("hr_bureau",), "网上审核"),
    ]
    assert chain.credit == "automatic"
    assert all(s.rule == "桐人社发〔2018〕26号 第十三条2" for s in chain.steps)


def test_weihai_3_declaration_employer_authority_hr_and_freelancers_through_an_agency() -> None:
    policy = load_policy("weihai-2022")
    chain = review_chain(policy)
    assert chain.filed_by == ("practitioner",)
    assert [s.acts for s in chain.steps] == [("employer",), ("industry_authority",), ("hr_bureau",)]
    assert [s.duty for s in chain.steps] == ["审核", "审查", "审验"]
    freelance = review_chain(policy, freelancer=True)
    assert freelance.steps[0].acts == ("personnel_agency", "community_office")
    assert freelance.rule == "威人社字〔2022〕2号 三"


@pytest.mark.parametrize("policy_id", ["zhejiang-2016", "sichuan-2016"])
def test_zhejiang_and_sichuan_employer_then_industry_authority(policy_id: str) -> None:
    chain = review_chain(load_policy(policy_id))
    assert "employer" in chain.steps[0].acts and chain.steps[-1].acts == ("industry_authority",)
    # no separate freelancer chain: the default one applies
    assert review_chain(load_policy(policy_id), freelancer=True) is chain


def test_the_form_asks_for_what_the_hour_rule_reads() -> None:
    tonglu_paper = {f.name: f for f in claim_kind(load_policy("tonglu-2018"), "paper").fields}
    assert [c for c, _ in tonglu_paper["journal"].choices] == ["core", "ordinary", "supplement"]
    assert tonglu_paper["journal"].required and not tonglu_paper["first_author"].required
    assert tonglu_paper["item_id"].required  # 第十一条(十) same result once: the item must be named
    wenzhou_paper = {f.name: f for f in claim_kind(load_policy("wenzhou-2020"), "paper").fields}
    assert wenzhou_paper["hours"].label == "认定数额（学时）" and not wenzhou_paper["item_id"].required
    degree = {f.name: f for f in claim_kind(load_policy("tonglu-2018"), "degree_education").fields}
    assert degree["related"].required and "subject" not in degree  # the table fixes the category
    transfer = {f.name: f for f in claim_kind(load_policy("weihai-2022"), "transfer_in").fields}
    assert transfer["subject"].required and transfer["hours"].required
    assert transfer["item_id"].required and transfer["item_id"].label == "调出地学时证明编号"


def test_weihai_3_transfers_have_a_chain_of_their_own_verified_by_two_hr_clerks() -> None:
    weihai = load_policy("weihai-2022")
    chain = review_chain(weihai, kind="transfer_in")
    assert chain.id == "transfer_in" and chain.four_eyes and chain.filed_by == ("practitioner",)
    assert [s.acts for s in chain.steps] == [("hr_bureau",), ("hr_bureau",)]
    # Every other kind, and a freelancer's transfer too, keeps the chains it had.
    assert review_chain(weihai, kind="paper").id == "default" and review_chain(weihai).id == "default"
    assert review_chain(weihai, freelancer=True, kind="transfer_in").id == "transfer_in"
    assert review_chain(weihai, freelancer=True).id == "freelancer"



@pytest.mark.parametrize(("policy_id", "rule", "hours_rule", "silent"), [
    ("wenzhou-2020", "温人社发〔2020〕125号 第二条", "浙人社发〔2016〕63号 第十三条、第八条", True),
    ("zhejiang-2016", "浙人社发〔2016〕63号 第十三条", "浙人社发〔2016〕63号 第十三条、第八条", True),
    ("tonglu-2018", "桐人社发〔2018〕26号 第七条", "桐人社发〔2018〕26号 第七条", True),
    ("weihai-2022", "威人社字〔2022〕2号 三", "威人社字〔2022〕2号 三", False),
    ("sichuan-2016", "川人社发〔2016〕20号 二(二)", "川人社发〔2016〕20号 二(二)、二(三)", True),
])
def test_every_region_merges_transferred_hours_through_two_hr_clerks_citing_its_article_or_saying_it_is_a_reading(
        policy_id: str, rule: str, hours_rule: str, silent: bool) -> None:
    policy = load_policy(policy_id)
    kind = kinds(policy_id)["transfer_in"]
    assert (kind.rule, kind.hours_rule) == (rule, hours_rule)
    assert "调出地继续教育管理部门出具的继续教育学时证明" in kind.evidence
    fields = {f.name: f for f in kind.fields}
    assert fields["item_id"].required and fields["item_id"].label == "调出地学时证明编号"
    assert fields["hours"].label == f"认定数额（{policy.unit}）" and fields["subject"].required
    # Where the document is silent, the policy says that the kind is the platform's reading.
    assert ("平台的读法" in (kind.note or "")) is silent
    chain = review_chain(policy, kind="transfer_in")
    assert chain.id == "transfer_in" and chain.four_eyes and chain.filed_by == ("practitioner",)
    assert [s.acts for s in chain.steps] == [("hr_bureau",), ("hr_bureau",)]
    assert review_chain(policy, kind="paper" if "paper" in kinds(policy_id) else "training").id == "default"
    got = hours_for_claim(policy, "transfer_in", {"start": "2025-03-01", "subject": "professional", "hours": "24",
                                                  "item_id": "外省-2025-001"})
    assert got.hours == 24 and got.explanation[0].endswith(f"（{hours_rule}）")
    assert got.deadline is None  # no deadline binds a transfer, not even Tonglu's 60 days (第十三条2: 项目结束后)


def test_tonglu_13_the_county_bureau_verifies_a_transfer_and_its_60_days_bind_only_activities() -> None:
    tonglu = load_policy("tonglu-2018")
    assert {s.level for s in review_chain(tonglu, kind="transfer_in").steps} == {"county"}
    training = hours_for_claim(tonglu, "training", {"start": "2025-03-01", "days": "1", "subject": "professional"})
    assert training.deadline is not None and training.deadline.last_day.isoformat() == "2025-04-30"


def test_tonglu_11_8_a_core_journal_paper_by_its_first_author_earns_35_credits_explained() -> None:
    got = hours_for_claim(
        load_policy("tonglu-2018"),
        "paper",
        {"start": "2025-05-10", "journal": "core", "first_author": "on", "item_id": "doi:10.1/x"},
    )
    assert got.hours == D(35) and got.unit == "学分"
    assert got.explanation == (
        "发表论文（译文）（核心期刊）：25学分+第一作者10学分=35学分，计入专业科目（桐人社发〔2018〕26号 第十一条(八)2）",
    )
    assert got.activity.year == 2025


def test_weihai_2_2_1_1_a_training_is_cut_to_8_hours_a_day_with_the_daily_budget_named() -> None:
    got = hours_for_claim(
        load_policy("weihai-2022"), "training", {"start": "2025-03-01", "end": "2025-03-02", "hours": "20"}
    )
    assert got.hours == D(16) and got.credits[0].capped_from == D(20)
    assert [limit.per for limit in got.limits] == ["day"]
    assert "每天累计不超过8学时（威人社字〔2022〕2号 二(二)1(1)）" in got.limits[0].text


def test_weihai_2_2_4_a_paper_says_it_shares_the_yearly_30_with_other_results() -> None:
    got = hours_for_claim(load_policy("weihai-2022"), "paper", {"start": "2025-03-01", "item_id": "ISSN 1000-0001 题名"})
    assert got.hours == D(10)
    (limit,) = got.limits
    assert (limit.per, limit.limit, limit.rule) == ("year", D(30), "威人社字〔2022〕2号 二(二)4")
    assert "著作、译著" in limit.text


def test_sichuan_2_2_self_study_counts_whole_thousands_and_shows_the_50_hour_cap() -> None:
    got = hours_for_claim(
        load_policy("sichuan-2016"), "self_study", {"start": "2025-04-01", "characters": "2500", "subject": "professional"}
    )
    assert got.hours == D(2)
    assert got.limits[0].limit == D(50) and got.limits[0].rule == "川人社发〔2016〕20号 二(二)"


def test_tonglu_13_the_form_gets_the_deadline_in_the_documents_words() -> None:
    got = hours_for_claim(load_policy("tonglu-2018"), "training", {"start": "2025-03-01", "subject": "professional"})
    assert got.deadline is not None and got.deadline.last_day == date(2025, 4, 30)
    assert got.deadline.rule == "桐人社发〔2018〕26号 第十三条2"
    assert got.deadline.text == "学分申报须在项目结束后60天之内完成，12月份的学分申报截止日期为12月30日"
    assert not got.deadline.closed_before_end
    assert hours_for_claim(load_policy("weihai-2022"), "paper", {"start": "2025-03-01", "item_id": "x"}).deadline is None


def test_tonglu_13_an_activity_ending_31_december_is_flagged_closed_before_it_ended() -> None:
    # Today's reading (issue 12: kept): December's claims close on 30 December.
    got = hours_for_claim(load_policy("tonglu-2018"), "conference", {"start": "2025-12-31"})
    assert got.deadline is not None and got.deadline.last_day == date(2025, 12, 30)
    assert got.deadline.closed_before_end


@pytest.mark.parametrize(
    ("policy_id", "kind", "facts", "field", "message"),
    [
        pytest.param("tonglu-2018", "paper", {"start": "2025-05-10", "item_id": "x"}, "journal", "请填写刊物类别", id="a required fact is missing"),
        pytest.param("tonglu-2018", "paper", {"start": "2025-05-10", "journal": "gold", "item_id": "x"}, "journal", "刊物类别须为以下之一：核心期刊、一般期刊、增刊或内部刊物", id="a choice outside the list"),
        pytest.param("wenzhou-2020", "paper", {"start": "2025-05-10", "hours": "0"}, "hours", "认定数额（学时）须为大于0、至多两位小数的数字", id="zero hours"),
        pytest.param("wenzhou-2020", "paper", {"start": "2025-05-10", "hours": "1.005"}, "hours", "认定数额（学时）须为大于0、至多两位小数的数字", id="three decimals"),
        pytest.param("wenzhou-2020", "paper", {"start": "2025-05-10", "hours": "NaN"}, "hours", "认定数额（学时）须为大于0、至多两位小数的数字", id="not a finite number"),
        pytest.param("wenzhou-2020", "training", {"start": "2025-05-10", "end": "2025-05-09", "hours": "4"}, "end", "结束日期不能早于开始日期", id="reversed dates"),
        pytest.param("wenzhou-2020", "training", {"start": "2025-12-30", "end": "2026-01-02", "hours": "4"}, "end", "一项活动须在同一学习年度（1月1日至12月31日）内开始和结束，跨年度的请分年度申报", id="across two study years"),
        pytest.param("wenzhou-2020", "training", {"start": "2025-02-30", "hours": "4"}, "start", "开始日期不是有效日期（格式如 2025-03-01）", id="no such date"),
        pytest.param("wenzhou-2020", "training", {"start": "2025-05-10", "hours": "4", "grade": "A"}, "grade", "“培训班、研修班、进修班”不需要填写“grade”", id="a fact the kind does not take"),
        pytest.param("tonglu-2018", "degree_education", {"start": "2025-05-10"}, "related", "请填写与本专业相关", id="tonglu 第十一条(二) related is asked, never assumed"),
        pytest.param("weihai-2022", "paper", {"start": "2025-05-10"}, "item_id", "请填写成果标识（DOI、ISSN+题名、专利号或标准号等）", id="weihai 二(二)4 the item must be named"),
        pytest.param("weihai-2022", "paper", {"start": "2025-05-10", "item_id": "a\x00b"}, "item_id", "成果标识（DOI、ISSN+题名、专利号或标准号等）须为1–200个字符的文字", id="control characters in a text"),
    ],
)
def test_bad_facts_are_refused_naming_the_field_in_chinese(
    policy_id: str, kind: str, facts: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ClaimError) as caught:
        hours_for_claim(load_policy(policy_id), kind, facts)
    assert (caught.value.field, caught.value.message) == (field, message)


def test_an_activity_that_has_not_ended_yet_cannot_be_claimed() -> None:
    policy = load_policy("wenzhou-2020")
    facts = {"start": "2025-05-10", "end": "2025-05-11", "hours": "4"}
    assert hours_for_claim(policy, "training", facts, today=date(2025, 5, 11)).hours == D(4)
    with pytest.raises(ClaimError, match="活动尚未结束"):
        hours_for_claim(policy, "training", facts, today=date(2025, 5, 10))


def test_an_unknown_claim_kind_is_a_clear_refusal() -> None:
    with pytest.raises(ClaimError, match="没有“astrology”这类学时申报"):
        hours_for_claim(load_policy("weihai-2022"), "astrology", {"start": "2025-01-01"})


SAMPLE = {
    "decimal": "6",
    "int": "3",
    "text": "ISBN 978-7-000",
    "bool": "是",
}


@pytest.mark.parametrize("policy_id", available_policies())
def test_every_claim_kind_of_every_policy_computes_hours_from_its_own_fields(policy_id: str) -> None:
    policy = load_policy(policy_id)
    for claim in claim_kinds(policy):
        facts: dict[str, Any] = {"start": "2025-06-02"}
        for field in claim.fields:
            if field.required and field.name != "start":
                sample = "25000" if field.name == "characters" else SAMPLE.get(field.type, "")
                facts[field.name] = field.choices[-1][0] if field.choices else sample
        got = hours_for_claim(policy, claim.id, facts)
        assert got.hours > 0, claim.id
        assert got.explanation and all(line.endswith("）") for line in got.explanation)
        assert claim.hours_rule.split(" ")[0] in {load_policy(p).document for p in policy.lineage}


def test_a_claim_kind_without_an_hour_rule_or_evidence_does_not_load() -> None:
    policy = load_policy("weihai-2022")
    chain = {"id": "d", "label": "x", "filed_by": ["practitioner"], "rule": "三", "credit": "on_approval",
             "steps": [{"acts": ["employer"], "duty": "审核", "rule": "三"}]}
    specs = {"paper": {"method": "fixed", "amount": 10, "rule": "二(二)4", "_document": policy.document}}
    with pytest.raises(PolicyError, match="needs a conversion for 'self_study'"):
        parse_claims(policy, {"rule": "三", "chains": [chain], "kinds": [
            {"id": "s", "label": "s", "activity": "self_study", "rule": "三", "evidence": ["x"]}]}, specs, True)
    with pytest.raises(PolicyError, match="names no evidence"):
        parse_claims(policy, {"rule": "三", "chains": [chain], "kinds": [
            {"id": "p", "label": "p", "activity": "paper", "rule": "三"}]}, specs, True)
    with pytest.raises(PolicyError, match="acts in"):
        bad = {**chain, "steps": [{"acts": ["mayor"], "duty": "审核", "rule": "三"}]}
        parse_claims(policy, {"rule": "三", "chains": [bad], "kinds": [
            {"id": "p", "label": "p", "activity": "paper", "rule": "三", "evidence": ["x"]}]}, specs, True)


def test_an_approved_claim_adds_only_what_the_years_cap_leaves() -> None:
    # 威人社字〔2022〕2号 二(二)4: results and papers at most 30 a year — the fourth paper adds nothing
    policy = load_policy("weihai-2022")
    earlier_papers = [Activity(kind="paper", year=2025, item_id=f"p{i}") for i in range(3)]
    fourth = hours_for_claim(policy, "paper", {"start": "2025-09-01", "item_id": "p4"}).activity
    assert credit_in_year(policy, fourth, earlier_papers[:2]).hours == D(10)
    got = credit_in_year(policy, fourth, earlier_papers)
    assert got.hours == D(0) and got.by_category["professional"] == D(0)
    assert "超出科研成果和论文著作每年30学时上限（威人社字〔2022〕2号 二(二)4）" in got.lines[0].explanation


def test_tonglu_11_10_a_patent_from_a_result_already_credited_as_a_paper_adds_the_difference() -> None:
    policy = load_policy("tonglu-2018")
    paper = Activity(kind="paper", year=2025, journal="core", item_id="R")
    patent = hours_for_claim(policy, "patent", {"start": "2025-03-01", "patent": "invention", "item_id": "R"}).activity
    got = credit_in_year(policy, patent, [paper])
    assert got.hours == D(65)  # 90 at the highest credit, 25 of it already in the bank
    assert got.lines[0].hours == D(90) and "同一成果已按最高学分计入" in got.skipped[0]
    assert credit_in_year(policy, paper, [patent]).hours == D(0)


def test_a_claim_in_the_year_uses_the_separate_weihai_daily_budgets() -> None:
    policy = load_policy("weihai-2022")
    training = Activity(kind="training", year=2025, hours=8, start="2025-03-02")
    expert = hours_for_claim(policy, "expert_service", {"start": "2025-03-02", "hours": "8"}).activity
    assert credit_in_year(policy, expert, [training]).hours == D(8)  # 二(二)2(1) is its own 8 hours


def test_weihai_2_3_eight_months_posted_abroad_count_their_share_of_the_years_requirement() -> None:
    # 威人社字〔2022〕2号 二(三): “经本人所在单位批准……可按实际在岗时间折算并认定学时”
    policy = load_policy("weihai-2022")
    claim = claim_kind(policy, "leave")
    assert "本人所在单位的批准" in claim.evidence and claim.rule == "威人社字〔2022〕2号 二(三)"
    got = hours_for_claim(policy, "leave", {"start": "2025-01-05", "end": "2025-09-30", "reason": "abroad", "months": "8"})
    assert [(c.category, c.hours) for c in got.credits] == [("general_public", D(20)), ("professional", D(40))]
    maternity = hours_for_claim(policy, "leave", {"start": "2025-03-01", "reason": "maternity", "months": "5"})
    assert maternity.hours == D("37.50")


def test_weihai_2_3_abroad_or_sick_leave_needs_more_than_six_months() -> None:
    with pytest.raises(ClaimError) as caught:
        hours_for_claim(load_policy("weihai-2022"), "leave", {"start": "2025-01-05", "reason": "sick", "months": "6"})
    assert caught.value.field == "months"
    assert caught.value.message == (
        "“因受伤、患重病年度内请病假超过6个月”须年度内不在岗至少7个整月（威人社字〔2022〕2号 二(三)），所填为6个月"
    )
    with pytest.raises(ValueError, match="months"):
        load_policy("weihai-2022").credit(Activity(kind="leave", year=2025, reason="abroad", months=6))


def test_weihai_2_3_leave_never_counts_more_than_a_whole_year() -> None:
    policy = load_policy("weihai-2022")
    leaves = [Activity(kind="leave", year=2025, reason="maternity", months=m) for m in (8, 8)]
    report = policy.evaluate(leaves, 2025)
    assert (report.totals["general_public"], report.totals["professional"]) == (D(30), D(60))
    assert "leave" not in load_policy("tonglu-2018").kinds  # only Weihai states it


# The claim refusals and results to the letter. Written after `make mutate` showed them unguarded (the tests above
# match fragments of a message, or read a result's numbers only).


def test_a_policy_that_states_no_claims_refuses_every_claim_saying_so() -> None:
    data = resolve("weihai-2022")
    data["claims"] = None
    with pytest.raises(ClaimError) as refused:
        claim_kinds(Policy(data))
    assert (refused.value.field, refused.value.message) == (None, "威人社字〔2022〕2号未规定学时申报（认证）")


def test_an_unknown_claim_kind_names_the_kind_field() -> None:
    with pytest.raises(ClaimError) as refused:
        claim_kind(load_policy("weihai-2022"), "astrology")
    assert (refused.value.field, refused.value.message) == ("kind", "威人社字〔2022〕2号没有“astrology”这类学时申报")


def test_a_claim_kind_may_be_given_as_itself_or_by_its_id() -> None:
    policy = load_policy("weihai-2022")
    facts = {"start": "2025-03-01", "item_id": "doi:9"}
    kind = claim_kind(policy, "paper")
    got = hours_for_claim(policy, kind, facts)
    assert got == hours_for_claim(policy, "paper", facts) and got.kind is kind


def test_facts_that_are_not_a_mapping_are_refused_as_malformed() -> None:
    with pytest.raises(ClaimError) as refused:
        hours_for_claim(load_policy("weihai-2022"), "paper", ["start", "2025-03-01"])  # type: ignore[arg-type]
    assert (refused.value.field, refused.value.message) == (None, "申报内容格式不正确")


def test_tonglu_11_7_an_unanswered_first_author_earns_no_bonus() -> None:
    """桐人社发〔2018〕26号 第十一条(七): the first author's extra credit only when the claim says so."""
    policy = load_policy("tonglu-2018")
    got = hours_for_claim(policy, "paper", {"start": "2025-03-01", "journal": "core", "item_id": "R"})
    assert got.activity.first_author is False and got.hours == D(25)
    facts = {"start": "2025-03-01", "journal": "core", "item_id": "R", "first_author": "是"}
    assert hours_for_claim(policy, "paper", facts).hours == D(35)


def test_an_activity_not_ended_yet_is_refused_on_its_end_date() -> None:
    facts = {"start": "2025-05-10", "end": "2025-05-11", "hours": "4"}
    with pytest.raises(ClaimError) as refused:
        hours_for_claim(load_policy("wenzhou-2020"), "training", facts, today=date(2025, 5, 10))
    assert (refused.value.field, refused.value.message) == (
        "end", "活动尚未结束（结束日期 2025-05-11 晚于今天），结束后才能申报"
    )


def test_weihai_2_3_sick_leave_of_exactly_seven_months_is_claimable_six_is_not() -> None:
    """威人社字〔2022〕2号 二(三): 病假“超过6个月”, i.e. at least 7 whole months."""
    policy = load_policy("weihai-2022")
    got = hours_for_claim(policy, "leave", {"start": "2025-01-05", "reason": "sick", "months": "7"})
    assert got.activity.months == 7 and got.hours > 0
    with pytest.raises(ClaimError) as refused:
        hours_for_claim(policy, "leave", {"start": "2025-01-05", "reason": "sick", "months": "6"})
    assert refused.value.field == "months"


def test_a_one_day_activity_ends_the_day_it_starts() -> None:
    got = hours_for_claim(load_policy("weihai-2022"), "paper", {"start": "2025-03-01", "item_id": "doi:9"})
    assert got.activity.start == got.activity.end == date(2025, 3, 1)


def test_a_fact_the_conversion_itself_refuses_reaches_the_claimant_naming_the_claim_and_its_rule() -> None:
    """The claim kind states 威 二(三)'s seven months; were it not to, the conversion would still refuse six."""
    policy = load_policy("weihai-2022")
    lenient = dataclasses.replace(claim_kind(policy, "leave"), min_months=())
    with pytest.raises(ClaimError) as refused:
        hours_for_claim(policy, lenient, {"start": "2025-01-05", "reason": "sick", "months": "6"})
    assert refused.value.field is None
    assert refused.value.message == (
        f"“{lenient.label}”的申报内容不符合{lenient.hours_rule}：Activity field 'months' must be at least 7 for reason"
        f" 'sick' for kind 'leave' under policy weihai-2022 (威人社字〔2022〕2号 二(三))"
    )


def test_tonglu_11_10_a_result_credited_in_an_earlier_year_adds_only_its_excess_when_approved() -> None:
    """桐人社发〔2018〕26号 第十一条(十): the same result counts once, at its highest credit, across years too."""
    policy = load_policy("tonglu-2018")
    patent = hours_for_claim(policy, "patent", {"start": "2025-03-01", "patent": "invention", "item_id": "R"}).activity
    assert credit_in_year(policy, patent, [], {"R": D(25)}).hours == D(65)
    assert credit_in_year(policy, patent, []).hours == D(90)


def test_an_approved_claim_says_whether_the_year_is_now_complete() -> None:
    policy = load_policy("tonglu-2018")
    degree = Activity(kind="degree_education", year=2025, related=True)
    language = Activity(kind="foreign_language_exam", year=2025)
    assert credit_in_year(policy, language, [degree]).complete is True
    assert credit_in_year(policy, language, []).complete is False


def test_the_chain_for_everyone_is_found_wherever_the_policy_lists_it() -> None:
    """威人社字〔2022〕2号 三: employees, freelancers and transferred hours each have their chain."""
    data = resolve("weihai-2022")
    data["claims"] = {**data["claims"], "chains": list(reversed(data["claims"]["chains"]))}
    policy = Policy(data)
    assert review_chain(policy) == review_chain(load_policy("weihai-2022"))
    assert review_chain(policy).applies_to is None and not review_chain(policy).kinds


def test_an_unanswered_optional_yes_or_no_is_recorded_as_no() -> None:
    """Whatever fact a policy file makes the optional yes/no of a claim (here ``related`` as a table's bonus field)."""
    data = resolve("tonglu-2018")
    data["conversions"]["paper"] = {**data["conversions"]["paper"], "bonus_field": "related"}
    got = hours_for_claim(Policy(data), "paper", {"start": "2025-03-01", "journal": "core", "item_id": "R"})
    assert got.activity.related is False and got.hours == D(25)


def test_a_claim_whose_conversion_yields_no_line_earns_a_decimal_zero() -> None:
    data = resolve("weihai-2022")
    data["conversions"]["aid_dispatch"] = {**data["conversions"]["aid_dispatch"], "outputs": []}
    got = hours_for_claim(Policy(data), "aid_dispatch", {"start": "2025-03-01", "months": "3"})
    assert got.credits == () and isinstance(got.hours, D) and got.hours == 0


@pytest.mark.parametrize("filed_by", ["employer", ["employer", ""], ["employer", 3]], ids=["text", "empty", "number"])
def test_who_files_must_be_a_list_of_texts(filed_by: Any) -> None:
    data = resolve("weihai-2022")
    chains = [dict(c) for c in data["claims"]["chains"]]
    chains[0]["filed_by"] = filed_by
    data["claims"] = {**data["claims"], "chains": chains}
    with pytest.raises(PolicyError) as refused:
        Policy(data)
    assert str(refused.value) == f"weihai-2022: chain {chains[0]['id']}.filed_by must be a list of texts"
