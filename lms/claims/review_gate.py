"""Claims still open hold back the year's certificate (威人社字〔2022〕2号 三: 登记并经审核认定后，可打印电子证书).

A claim waiting at a step (pending) or returned for correction has not passed review; an approved or rejected one
has been decided. Registered with the hours bank when the claims package is imported (lms/claims/__init__.py).
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..hours.review import IN_REVIEW
from .models import OPEN_STATUSES, HourClaim


def open_claims(s: Session, person_id: int, year: int) -> int:
    """How many of the person-year's claims are still under review (pending or returned)."""
    return int(s.scalar(select(func.count()).select_from(HourClaim).where(
        HourClaim.person_id == person_id, HourClaim.year == year, HourClaim.status.in_(OPEN_STATUSES))) or 0)


if open_claims not in IN_REVIEW:
    IN_REVIEW.append(open_claims)
