"""A policy's ``claims:`` section and its late filing (rules.claims.parse_claims, parse_late_filing), read when the
policy loads: each claim kind keeps the article that makes it claimable, the evidence and the article that asks
for it, and the review chains are checked against the kinds; a malformed section stops the policy from loading
with a message naming what is wrong. Written after `make mutate`'s first whole run (2026-12-01) showed these
unguarded: no test of tests/rules read who may grant a late filing, nor most refusals of a claims section."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from rules import Policy, available_policies, load_policy
from rules.claims import ReviewStep, claim_kind, parse_claims, review_chain
from rules.loading import PolicyError, resolve

TONGLU = "桐人社发〔2018〕26号"
WEIHAI = "威人社字〔2022〕2号"
ZHEJIANG = "浙人社发〔2016〕63号"
ORGS = "['community_office', 'employer', 'hr_bureau', 'industry_authority', 'organiser', 'personnel_agency', 'practitioner']"
LEVELS = "['city', 'county', 'province']"


def changed(policy_id: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(resolve(policy_id))
    change(data)
    return data


def refusal(policy_id: str, change: Callable[[dict[str, Any]], None]) -> str:
    data = changed(policy_id, change)
    with pytest.raises(PolicyError) as refused:
        Policy(data)
    return str(refused.value)


# --------------------------------------------------------------------------- late filing (桐 第十三条)


def late(value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["claim_deadline"]["late_filing"] = value
    return change


def test_tonglu_13_the_county_hr_bureau_may_let_one_claim_be_filed_after_the_60_days() -> None:
    step = load_policy("tonglu-2018").late_filing
    assert step == ReviewStep(("hr_bureau",), "county", "准予逾期申报", f"{TONGLU} 第十三条1、2")
    assert step.label == "县级人力资源社会保障部门准予逾期申报"


def test_where_no_document_lets_a_claim_be_filed_late_no_one_may() -> None:
    for policy_id in available_policies():
        if policy_id != "tonglu-2018":
            assert load_policy(policy_id).late_filing is None, policy_id
    assert Policy(changed("tonglu-2018", lambda d: d["claim_deadline"].pop("late_filing"))).late_filing is None


def test_a_late_filing_cites_the_document_that_sets_the_deadline_and_may_leave_the_level_open() -> None:
    data = changed("tonglu-2018", lambda d: d["claim_deadline"].update(_document=ZHEJIANG))
    assert Policy(data).late_filing == ReviewStep(("hr_bureau",), "county", "准予逾期申报", f"{ZHEJIANG} 第十三条1、2")
    open_level = Policy(changed("tonglu-2018", lambda d: d["claim_deadline"]["late_filing"].pop("level")))
    assert open_level.late_filing is not None and open_level.late_filing.level is None
    assert open_level.late_filing.label == "人力资源社会保障部门准予逾期申报"


def test_who_may_grant_a_late_filing_must_be_a_list_of_texts() -> None:
    assert refusal("tonglu-2018", late({"acts": "hr_bureau", "level": "county", "rule": "第十三条"})) == (
        "tonglu-2018: claim_deadline.late_filing.acts must be a list of texts")


@pytest.mark.parametrize("value", [
    pytest.param("hr_bureau", id="not a mapping"),
    pytest.param({"acts": [], "level": "county", "rule": "第十三条"}, id="nobody"),
    pytest.param({"acts": ["mayor"], "level": "county", "rule": "第十三条"}, id="an unknown organisation"),
    pytest.param({"acts": ["hr_bureau", "mayor"], "rule": "第十三条"}, id="one of two unknown"),
    pytest.param({"acts": ["hr_bureau"], "level": "town", "rule": "第十三条"}, id="an unknown level"),
    pytest.param({"acts": ["hr_bureau"], "level": "county"}, id="no rule"),
    pytest.param({"acts": ["hr_bureau"], "level": "county", "rule": ""}, id="an empty rule"),
])
def test_a_late_filing_needs_known_organisations_a_known_level_or_none_and_its_rule(value: Any) -> None:
    assert refusal("tonglu-2018", late(value)) == (
        f"tonglu-2018: claim_deadline.late_filing needs acts in {ORGS}, a level in {LEVELS} or none, and its rule")


# --------------------------------------------------------------------------- the claims section


def claims(**fields: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["claims"].update(fields)
    return change


def kind(kind_id: str, **fields: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        entry = next(k for k in data["claims"]["kinds"] if k["id"] == kind_id)
        for key, value in fields.items():
            if value is None:
                entry.pop(key, None)
            else:
                entry[key] = value
    return change


def test_tonglu_13_the_section_is_read_whole() -> None:
    rules = load_policy("tonglu-2018").claims
    assert rules is not None
    assert (rules.route, rules.rule) == ("专业技术人员学习新干线—学分申报", f"{TONGLU} 第十二条、第十三条")
    assert rules.evidence_note == "第十三条2只说“对照培训佐证材料”，未按类型列举。"
    assert rules.not_claimable == tuple(resolve("tonglu-2018")["claims"]["not_claimable"]) and rules.not_claimable


def test_weihai_names_what_is_not_claimed_because_the_platform_records_it() -> None:
    rules = load_policy("weihai-2022").claims
    assert rules is not None and rules.evidence_note is None and rules.route is None
    assert rules.not_claimable == ("二(一)1、二(二)1(2)：服务平台及其他远程、网络教育按系统记录学时认定，不经申报。",
                                   "二(一)4：其他公需科目学时按年度继续教育工作通知认定，本通知未列。")


def test_tonglu_13_2_evidence_asked_of_every_kind_cites_13_2_and_a_kinds_own_evidence_its_own_article() -> None:
    # 第十三条2 “对照培训佐证材料” for every kind; a transfer (第七条) brings the former region's certificate instead
    training = claim_kind(load_policy("tonglu-2018"), "training")
    assert (training.evidence, training.evidence_rule) == (("培训佐证材料",), f"{TONGLU} 第十三条2")
    transfer = claim_kind(load_policy("tonglu-2018"), "transfer_in")
    assert (transfer.evidence, transfer.evidence_rule) == (("调出地继续教育管理部门出具的继续教育学时证明",), f"{TONGLU} 第七条")
    assert transfer.deadline is False and training.deadline is True


def test_a_kinds_own_evidence_article_prevails() -> None:
    data = changed("tonglu-2018", kind("training", evidence_rule="第十一条(一)"))
    assert claim_kind(Policy(data), "training").evidence_rule == f"{TONGLU} 第十一条(一)"
    data = changed("weihai-2022", kind("paper", evidence_rule="三"))
    assert claim_kind(Policy(data), "paper").evidence_rule == f"{WEIHAI} 三"
    # without one, and without the section's, the kind's own article asks for its evidence
    assert claim_kind(load_policy("weihai-2022"), "paper").evidence_rule == f"{WEIHAI} 二(二)4"


def test_a_kind_that_names_its_identifier_asks_it_once_under_that_name_and_requires_it() -> None:
    data = changed("weihai-2022", kind("paper", item_label="论文DOI或刊号"))
    fields = [(f.name, f.label, f.required) for f in claim_kind(Policy(data), "paper").fields]
    assert fields == [("start", "开始日期", True), ("end", "结束日期", False), ("item_id", "论文DOI或刊号", True)]


def test_weihai_2_3_the_fewest_months_are_those_of_the_reasons_that_state_them() -> None:
    assert claim_kind(load_policy("weihai-2022"), "leave").min_months == (("abroad", 7), ("sick", 7))
    data = changed("weihai-2022", lambda d: d["conversions"]["leave"]["reasons"].update(maternity=None))
    assert claim_kind(Policy(data), "leave").min_months == (("abroad", 7), ("sick", 7))


def test_the_sections_articles_cite_the_document_that_states_them() -> None:
    data = changed("weihai-2022", claims(_document=ZHEJIANG))
    policy = Policy(data)
    assert policy.claims is not None and policy.claims.rule == f"{ZHEJIANG} 三"
    assert claim_kind(policy, "paper").rule == f"{ZHEJIANG} 二(二)4" and review_chain(policy).rule == f"{ZHEJIANG} 三"
    # a section given without its document (built in code) cites the policy's own
    raw = {k: v for k, v in resolve("weihai-2022")["claims"].items() if k != "_document"}
    parsed = parse_claims(load_policy("weihai-2022"), raw, load_policy("weihai-2022")._specs, True)
    assert parsed is not None and parsed.rule == f"{WEIHAI} 三" and parsed.kinds[0].rule.startswith(f"{WEIHAI} ")


@pytest.mark.parametrize(("change", "message"), [
    pytest.param(lambda d: d.update(claims=["paper"]), "weihai-2022: claims takes ['chains', 'evidence', 'evidence_note', "
                 "'evidence_rule', 'kinds', 'not_claimable', 'route', 'rule']", id="section not a mapping"),
    pytest.param(claims(reviewers=["hr_bureau"]), "weihai-2022: claims takes ['chains', 'evidence', 'evidence_note', "
                 "'evidence_rule', 'kinds', 'not_claimable', 'route', 'rule']", id="an unknown key"),
    pytest.param(claims(evidence="证明"), "weihai-2022: claims.evidence must be a list of texts", id="evidence a text"),
    pytest.param(claims(not_claimable="网络课程"), "weihai-2022: claims.not_claimable must be a list of texts",
                 id="not_claimable a text"),
    pytest.param(lambda d: d["claims"]["kinds"].append("paper"), "weihai-2022: claims.kinds entries take ['activity', "
                 "'deadline', 'evidence', 'evidence_rule', 'id', 'item_label', 'label', 'note', 'rule']", id="kind not a mapping"),
    pytest.param(kind("paper", hours=10), "weihai-2022: claims.kinds entries take ['activity', 'deadline', 'evidence', "
                 "'evidence_rule', 'id', 'item_label', 'label', 'note', 'rule']", id="a kind with an unknown key"),
    pytest.param(kind("paper", evidence="论文"), "weihai-2022: claim paper.evidence must be a list of texts",
                 id="a kind's evidence a text"),
    pytest.param(kind("paper", deadline="no"), "weihai-2022: claim kind 'paper': deadline is true or false",
                 id="deadline not true or false"),
    pytest.param(claims(kinds=[]), "weihai-2022: claims.kinds must be non-empty with unique ids", id="no kinds"),
    pytest.param(lambda d: d["claims"]["kinds"].append(dict(d["claims"]["kinds"][0])),
                 "weihai-2022: claims.kinds must be non-empty with unique ids", id="a kind twice"),
    pytest.param(lambda d: d["claims"]["chains"].append({**d["claims"]["chains"][0], "id": "second"}),
                 "weihai-2022: claims.chains needs exactly one default chain (no applies_to, no kinds)", id="two defaults"),
    pytest.param(lambda d: d["claims"].update(chains=d["claims"]["chains"][1:]),
                 "weihai-2022: claims.chains needs exactly one default chain (no applies_to, no kinds)", id="no default"),
    pytest.param(lambda d: d["claims"]["chains"][2].update(kinds=["transfer_in", "moved_in"]),
                 "weihai-2022: chain 'transfer_in' names unknown claim kinds ['moved_in']", id="a chain for an unknown kind"),
])
def test_a_malformed_claims_section_does_not_load_and_says_what_is_wrong(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    assert refusal("weihai-2022", change) == message
