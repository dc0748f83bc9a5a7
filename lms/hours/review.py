"""Registrations still under review, which hold back a year's certificate (威人社字〔2022〕2号 三: "在服务平台登记并经
审核认定后，可打印电子证书").

The hours bank does not know the domains whose registrations pass through a review; each of them (lms/claims)
adds a function here that says how many of a person-year's registrations it still has under review, as the bureau's
pages take sections from other domains (lms/admin/sections.py).
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

# (session, person id, year) -> how many registrations of that person-year are still under review
IN_REVIEW: list[Callable[[Session, int, int], int]] = []


def in_review(s: Session, person_id: int, year: int) -> int:
    """How many of the person-year's registrations have not finished their review."""
    return sum(count(s, person_id, year) for count in IN_REVIEW)
