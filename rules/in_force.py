"""Which policy governs a region on a date: policies carry the day they come into force.

Each policy file names its ``region`` and ``in_force.from`` (浙 第十八条: 2016-08-01; 温 第十七条: from issue, 2020-11-27;
桐 第二十条: from publication, 2018-03-29; 威: issued 2022-04-08; 川: no date stated). On a date, a region is governed
by its own policy in force latest; before its first one, by the policy that one ``extends`` (Wenzhou and Tonglu
before their documents: 浙人社发〔2016〕63号). A study year (1 Jan – 31 Dec, 桐 第十四条) is judged under the policy in
force on its last day, when the year's verdict is reached.
"""

from __future__ import annotations

import functools
from datetime import date

from .loading import available_policies
from .policy import Policy, load_policy

__all__ = ["PolicyNotInForce", "policy_for", "policy_for_year", "regions"]


class PolicyNotInForce(LookupError):
    """No encoded policy governs the region on that date."""

    code = "no_policy_in_force"

    def __init__(self, region: str, on: date) -> None:
        self.region = region
        self.on = on
        self.message = f"{on.isoformat()} 时该地区（{region}）没有已施行的继续教育学时政策"
        super().__init__(self.message)


@functools.cache
def _by_region() -> dict[str, tuple[Policy, ...]]:
    out: dict[str, list[Policy]] = {}
    for policy_id in available_policies():
        policy = load_policy(policy_id)
        if policy.region:
            out.setdefault(policy.region, []).append(policy)
    return {
        region: tuple(sorted(policies, key=lambda p: p.in_force_from or date.min))
        for region, policies in out.items()
    }


def regions() -> tuple[str, ...]:
    """The region codes some policy names, sorted."""
    return tuple(sorted(_by_region()))


def policy_for(region: str, on: date) -> Policy:
    """The policy that governs ``region`` on ``on`` (see the module's docstring); unknown region: KeyError."""
    if not isinstance(on, date):
        raise ValueError(f"'on' must be a date, got {on!r}")
    versions = _by_region().get(region)
    if versions is None:
        raise KeyError(f"unknown region {region!r}; known: {', '.join(regions())}")
    for policy in reversed(versions):
        if policy.in_force_from is None or policy.in_force_from <= on:
            return policy
    parent = versions[0].extends
    if parent is not None:
        base = load_policy(parent)
        if base.region is not None and (base.in_force_from is None or base.in_force_from <= on):
            return policy_for(base.region, on)
    raise PolicyNotInForce(region, on)


def policy_for_year(region: str, year: int) -> Policy:
    """The policy a study year is judged under: the one in force on its last day, 31 December."""
    return policy_for(region, date(year, 12, 31))
