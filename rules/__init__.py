"""学时通 rules engine: the five continuing-education policies as data.

Pure Python (no Flask, no database).  Typical use::

    from rules import load_policy, Activity
    policy = load_policy("weihai-2022")
    report = policy.evaluate(activities, year=2025)

Claims as data: ``claim_kinds(policy)``, ``review_chain(policy)``, ``hours_for_claim(policy, kind, facts)``,
``credit_in_year(policy, activity, credited)``; policies in force: ``policy_for(region, on)``.
"""

from .claims import ClaimError, claim_kind, claim_kinds, credit_in_year, hours_for_claim, review_chain
from .in_force import PolicyNotInForce, policy_for, policy_for_year, regions
from .model import (
    CATEGORIES,
    CATEGORY_LABELS,
    KINDS,
    Activity,
    AnnualRequirement,
    Compliance,
    Credit,
    NotCovered,
    Requirement,
    RequirementResult,
    Standing,
    StandingConsequence,
)
from .policy import Policy, PolicyError, available_policies, load_policy

__all__ = [
    "CATEGORIES",
    "CATEGORY_LABELS",
    "KINDS",
    "Activity",
    "AnnualRequirement",
    "ClaimError",
    "Compliance",
    "Credit",
    "NotCovered",
    "Policy",
    "PolicyError",
    "PolicyNotInForce",
    "Requirement",
    "RequirementResult",
    "Standing",
    "StandingConsequence",
    "available_policies",
    "claim_kind",
    "claim_kinds",
    "credit_in_year",
    "hours_for_claim",
    "load_policy",
    "policy_for",
    "policy_for_year",
    "regions",
    "review_chain",
]
