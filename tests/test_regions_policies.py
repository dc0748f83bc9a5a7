"""The app's regions and the rules' regions agree: each region's policy id is the one in force today."""

from __future__ import annotations

from lms import clock
from lms.regions import REGIONS
from rules import load_policy, policy_for, regions


def test_every_app_region_uses_the_policy_the_rules_say_is_in_force() -> None:
    today = clock.china_today()
    assert set(REGIONS) == set(regions())
    for code, region in REGIONS.items():
        assert policy_for(code, today).id == region.policy, code
        assert load_policy(region.policy).region == code
