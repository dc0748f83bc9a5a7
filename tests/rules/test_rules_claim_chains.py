"""A policy's review chains (rules.claims._chain): a well-formed chain is read exactly as the document says — who
files, which organisation at which level acts at each step, each step citing its article, how the hours are
credited — and a malformed one stops the policy from loading with a message that names the chain and what it
lacks. A chain the platform misreads would send claims to the wrong reviewer; one that loads half-read would let a
claim be approved by fewer steps than the document asks. Written after `make mutate` showed 34 changes to these
refusals that no test noticed (any PolicyError was enough before)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from rules import Policy, load_policy
from rules.claims import ReviewChain, ReviewStep, review_chain
from rules.loading import PolicyError, resolve

WEIHAI = "威人社字〔2022〕2号"
ORGS = "['community_office', 'employer', 'hr_bureau', 'industry_authority', 'organiser', 'personnel_agency', 'practitioner']"
LEVELS = "['city', 'county', 'province']"


def weihai_with(change: Callable[[list[dict[str, Any]]], None]) -> dict[str, Any]:
    """Weihai's policy data with its chains (default, freelancer, transfer_in) changed."""
    data = copy.deepcopy(resolve("weihai-2022"))
    chains = data["claims"]["chains"]
    change(chains)
    return data


def refusal(change: Callable[[list[dict[str, Any]]], None]) -> str:
    data = weihai_with(change)
    with pytest.raises(PolicyError) as refused:
        Policy(data)
    return str(refused.value)


def set_default(**fields: Any) -> Callable[[list[dict[str, Any]]], None]:
    def change(chains: list[dict[str, Any]]) -> None:
        for key, value in fields.items():
            if value is None:
                chains[0].pop(key, None)
            else:
                chains[0][key] = value
    return change


def set_first_step(**fields: Any) -> Callable[[list[dict[str, Any]]], None]:
    def change(chains: list[dict[str, Any]]) -> None:
        chains[0]["steps"][0].update(fields)
    return change


def test_weihai_3_each_chain_is_read_whole_every_step_citing_its_article() -> None:
    # 威人社字〔2022〕2号 三: 个人申报、单位审核、主管部门审查、人社部门审验 (四 for the last); freelancers through an
    # agency or a community office; transfers verified by two HR clerks
    policy = load_policy("weihai-2022")
    assert review_chain(policy) == ReviewChain(
        "default", "个人申报，单位审核，主管部门审查，人社部门审验", ("practitioner",),
        (ReviewStep(("employer",), None, "审核", f"{WEIHAI} 三"),
         ReviewStep(("industry_authority",), None, "审查", f"{WEIHAI} 三"),
         ReviewStep(("hr_bureau",), None, "审验", f"{WEIHAI} 三、四")),
        "on_approval", f"{WEIHAI} 三", None, None, (), False)
    freelance = review_chain(policy, freelancer=True)
    assert (freelance.id, freelance.applies_to, freelance.kinds, freelance.four_eyes) == ("freelancer", "freelancer", (), False)
    assert [s.label for s in freelance.steps] == ["人事（劳动）代理机构或社区、乡镇（街道）人力资源社会保障服务机构审核、登记"]
    transfer = review_chain(policy, kind="transfer_in")
    assert (transfer.id, transfer.kinds, transfer.four_eyes, len(transfer.steps)) == ("transfer_in", ("transfer_in",), True, 2)


def test_tonglu_13_a_chain_keeps_its_levels_its_note_and_its_automatic_credit() -> None:
    # 桐人社发〔2018〕26号 第十三条: the county's authority archives, the county's HR bureau approves, and the system
    # credits the hours itself
    chain = review_chain(load_policy("tonglu-2018"))
    assert [(s.level, s.label) for s in chain.steps] == [
        ("county", "县级行业主管部门核对佐证材料并存档"), ("county", "县级人力资源社会保障部门网上审核")]
    assert chain.credit == "automatic" and chain.note is not None and chain.note.startswith("第十三条1：")


def test_a_chain_that_is_not_a_mapping_or_has_a_key_the_platform_does_not_read_is_refused_listing_the_keys() -> None:
    expected = ("weihai-2022: claims.chains entries take "
                "['applies_to', 'credit', 'filed_by', 'four_eyes', 'id', 'kinds', 'label', 'note', 'rule', 'steps']")
    assert refusal(lambda chains: chains.append("default")) == expected
    assert refusal(set_default(approver="hr_bureau")) == expected  # an unread key would be a rule silently ignored


@pytest.mark.parametrize("acts", ["employer", ["employer", ""], [7]], ids=["text", "empty text", "number"])
def test_who_acts_at_a_step_must_be_a_list_of_texts(acts: Any) -> None:
    assert refusal(set_first_step(acts=acts)) == "weihai-2022: chain step acts must be a list of texts"


@pytest.mark.parametrize("step", [
    pytest.param({"acts": ["mayor"]}, id="an organisation the platform does not know"),
    pytest.param({"acts": ["employer", "mayor"]}, id="one of several unknown"),
    pytest.param({"acts": []}, id="nobody"),
    pytest.param({"acts": None}, id="acts missing"),
    pytest.param({"level": "town"}, id="a level the platform does not know"),
])
def test_a_step_needs_known_organisations_and_a_known_level_or_none(step: dict[str, Any]) -> None:
    got = refusal(set_first_step(**step))
    bad = {"acts": ["employer"], "duty": "审核", "rule": "三", **step}
    assert got == f"weihai-2022: chain step {bad!r}: acts in {ORGS}, level in {LEVELS}"


@pytest.mark.parametrize("level", ["province", "city", "county"])
def test_a_step_may_name_any_known_level(level: str) -> None:
    policy = Policy(weihai_with(set_first_step(level=level)))
    step = review_chain(policy).steps[0]
    assert step.level == level and step.label == {"province": "省级", "city": "市级", "county": "县级"}[level] + "用人单位审核"


@pytest.mark.parametrize(("change", "chain_id"), [
    pytest.param(lambda chains: chains[2].update(four_eyes="yes"), "transfer_in", id="four_eyes not true or false"),
    pytest.param(lambda chains: chains[2].update(steps=chains[2]["steps"][:1]), "transfer_in", id="four eyes on one step"),
    pytest.param(lambda chains: chains[0].update(four_eyes=1), "default", id="four_eyes a number"),
])
def test_four_eyes_is_true_or_false_and_needs_two_steps(
    change: Callable[[list[dict[str, Any]]], None], chain_id: str
) -> None:
    # issue 12: two different accounts act at the steps, so there must be two steps to act at
    assert refusal(change) == f"weihai-2022: chain {chain_id!r}: four_eyes (true/false) needs at least two steps"


def test_four_eyes_over_exactly_two_steps_loads_and_false_over_one_step_loads() -> None:
    policy = Policy(weihai_with(lambda chains: chains[1].update(four_eyes=False)))
    assert review_chain(policy, freelancer=True).four_eyes is False
    assert review_chain(policy, kind="transfer_in").four_eyes is True


@pytest.mark.parametrize("change", [
    pytest.param(set_default(filed_by=[]), id="nobody files"),
    pytest.param(set_default(filed_by=["practitioner", "mayor"]), id="an unknown filer"),
    pytest.param(set_default(filed_by=None), id="filed_by missing"),
    pytest.param(set_default(steps=[]), id="no steps"),
    pytest.param(set_default(steps=None), id="steps missing"),
    pytest.param(set_default(credit="later"), id="an unknown credit mode"),
    pytest.param(set_default(credit=None), id="credit missing"),
])
def test_a_chain_needs_who_files_its_steps_and_how_it_credits(change: Callable[[list[dict[str, Any]]], None]) -> None:
    assert refusal(change) == (
        "weihai-2022: chain 'default' needs filed_by, steps and credit in ['automatic', 'on_approval']")


@pytest.mark.parametrize("kinds", ["transfer_in", ["transfer_in", ""]], ids=["text", "empty text"])
def test_the_kinds_a_chain_reviews_must_be_a_list_of_texts(kinds: Any) -> None:
    assert refusal(lambda chains: chains[2].update(kinds=kinds)) == "weihai-2022: chain transfer_in.kinds must be a list of texts"
