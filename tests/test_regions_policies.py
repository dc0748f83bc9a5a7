"""The app's regions and the rules' regions agree: each region with a document of its own is a rules region, and
every region follows the policy in force today of its own document or the nearest one above it."""

from __future__ import annotations

from datetime import date

from lms import clock
from lms.regions import REGIONS, policy_of, policy_region
from rules import load_policy, policy_for, regions


def test_every_region_with_its_own_document_is_a_rules_region() -> None:
    assert {r.own_policy for r in REGIONS.values() if r.own_policy} == set(regions())


def test_every_app_region_uses_the_policy_the_rules_say_is_in_force() -> None:
    today = clock.china_today()
    for code in REGIONS:
        owner = policy_region(code)
        if owner is None:  # 山东省 itself has no document here; Weihai below it has
            assert policy_of(code) is None
            continue
        assert owner.own_policy is not None
        assert policy_of(code) == policy_for(owner.own_policy, today).id, code
        assert load_policy(policy_of(code) or "").region == owner.own_policy


def test_a_county_follows_its_city_and_tonglu_its_own_document() -> None:
    assert policy_of("wenzhou-lucheng") == policy_of("wenzhou")
    assert policy_of("hangzhou") == policy_of("zhejiang")
    assert policy_of("tonglu") != policy_of("hangzhou")


def test_before_a_local_document_was_in_force_the_provincial_one_applies() -> None:
    """rules.policy_for falls back to the provincial policy before a local one is in force."""
    before = date(2018, 1, 1)  # 浙人社发〔2016〕63号 in force, 温人社发〔2020〕125号 not yet
    assert policy_of("wenzhou-lucheng", before) == policy_for("wenzhou", before).id == policy_of("zhejiang", before)
    assert policy_of("wenzhou", date(2000, 1, 1)) is None  # before any document we hold
