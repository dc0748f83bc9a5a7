"""Reading a policy's plain facts (in force, requirements, sector rules) into typed values when it loads."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from .loading import PolicyError
from .model import CATEGORIES, AnnualRequirement, Requirement, SectorRule

__all__ = ["annual_requirement", "categories_of", "in_force", "sector_rule"]


def in_force(policy_id: str, document: str, raw: Any) -> tuple[date | None, str]:
    """The first day the document is in force (None: not stated) and the article or words that say so."""
    if raw is None:
        raise PolicyError(f"{policy_id}: in_force is required (from: YYYY-MM-DD or null, rule)")
    start = raw.get("from")
    if isinstance(start, str):
        try:
            start = date.fromisoformat(start)
        except ValueError:
            raise PolicyError(f"{policy_id}: in_force.from {start!r} is not a date") from None
    if start is not None and not isinstance(start, date):
        raise PolicyError(f"{policy_id}: in_force.from must be a date or null")
    rule = raw.get("rule")
    return start, f"{document} {rule}" if rule else f"{document}（未载明施行日期）"


def annual_requirement(
    policy_id: str, unit: str, minutes_per_hour: Decimal, per_hour_rule: str | None, requirements: tuple[Requirement, ...]
) -> AnnualRequirement:
    """The requirements as statistics count them: total, professional, public (which categories), the unit."""
    total = professional = public = None
    public_categories: tuple[str, ...] = ()
    everything = set(CATEGORIES)
    for req in requirements:
        cats = set(req.categories)
        if cats == everything:
            total = req
        elif cats == {"professional"}:
            professional = req
        elif "professional" not in cats:
            public, public_categories = req, tuple(c for c in CATEGORIES if c in cats)
        else:
            raise PolicyError(f"{policy_id}: requirement {req.label} mixes professional and public categories")
    if total is None or professional is None:
        raise PolicyError(f"{policy_id}: a total and a professional requirement are required")
    return AnnualRequirement(
        policy_id,
        unit,
        minutes_per_hour,
        per_hour_rule,
        total.minimum,
        professional.minimum,
        public.minimum if public else None,
        public_categories,
        tuple(dict.fromkeys(r.rule for r in (total, professional, public) if r is not None)),
    )


def categories_of(spec: Mapping[str, Any]) -> frozenset[str]:
    """The categories a conversion spec can credit."""
    if spec.get("category") is not None:
        return frozenset({str(spec["category"])})
    subjects = set(spec.get("subjects") or CATEGORIES) | set(spec.get("by_subject") or {})
    return frozenset(subjects)


def sector_rule(policy_id: str, raw: Any) -> SectorRule:
    if not isinstance(raw, Mapping) or raw.get("scope") not in ("professional", "all") or not raw.get("text"):
        raise PolicyError(f"{policy_id}: sector_rules entries need scope (professional or all), text and rule")
    industries = raw.get("industries") or []
    if not isinstance(industries, list) or not all(isinstance(i, str) and i for i in industries):
        raise PolicyError(f"{policy_id}: sector_rules industries must be a list of names")
    return SectorRule(tuple(industries), str(raw["scope"]), str(raw["text"]), f"{raw['_document']} {raw['rule']}")
