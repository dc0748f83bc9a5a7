"""The hours bank measured against the practitioner's regional policy (rules/policies)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from rules import Policy, load_policy

from .. import clock
from ..accounts.models import Person
from ..regions import REGIONS, Region, policy_of
from .operations import entries, totals

CENT = Decimal("0.01")


def summary_policy(person: Person, year: int) -> tuple[Region, Policy]:
    """The person's region and the policy that measures their year: the one in force at the end of that year (today
    for this year; 温 第十七条 etc. date each document)."""
    region = REGIONS.get(person.region) or REGIONS["wenzhou"]
    return region, load_policy(policy_of(region.code, min(date(year, 12, 31), clock.china_today())) or "wenzhou-2020")


def year_summary(s: Session, person: Person, year: int) -> dict[str, Any]:
    """This year's registered hours per category against each requirement of the person's policy."""
    return measure(person, year, totals(s, person.id, year)) | {"entries": entries(s, person.id, year)}


def measure(person: Person, year: int, got: dict[str, Decimal]) -> dict[str, Any]:
    """A year's hours per category (got) against each requirement of the person's policy: year_summary without its
    list of entries, which lists of many persons measure from totals of their own (lms/orgs/staff.py)."""
    region, policy = summary_policy(person, year)
    total = sum(got.values(), Decimal("0"))
    bars = []
    for req in policy.requirements:
        cats = tuple(req.categories)
        credited = total if not cats else sum((got.get(c, Decimal("0")) for c in cats), Decimal("0"))
        minimum = Decimal(req.minimum).quantize(CENT)
        credited = credited.quantize(CENT)
        bars.append({"label": req.label, "minimum": minimum, "credited": credited, "rule": req.rule,
                     "short": max(Decimal("0"), minimum - credited).quantize(CENT),
                     "percent": int(min(Decimal(100), credited * 100 / minimum)) if minimum else 100})
    return {"policy": policy, "region": region, "totals": {k: v.quantize(CENT) for k, v in got.items()},
            "total": total.quantize(CENT), "bars": bars,
            "complete": all(b["short"] == 0 for b in bars), "unit": getattr(policy, "unit", "学时")}
