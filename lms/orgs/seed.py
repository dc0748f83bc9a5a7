"""Seed the region tree and one HR bureau per region (idempotent: run by migration 0007 and after create_all)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, text

from ..regions import REGIONS, policy_region
from .models import LEVEL_KIND

SEEDED_AT = datetime(2026, 11, 30)


def _rules_region(code: str) -> str | None:
    """The rules' region whose document covers this region (its policy in force is asked of rules by date)."""
    found = policy_region(code)
    return found.own_policy if found else None


def seed(conn: Connection) -> None:
    """Insert missing regions (parents first) and their HR bureaus; existing rows are left as they are."""
    have = {c for (c,) in conn.execute(text("SELECT code FROM region"))}
    for r in REGIONS.values():  # the tree lists parents before children
        if r.code not in have:
            conn.execute(text("INSERT INTO region (code, name, level, parent_code, policy) "
                              "VALUES (:c, :n, :l, :p, :pol)"),
                         {"c": r.code, "n": r.name, "l": r.level, "p": r.parent, "pol": _rules_region(r.code)})
    bureaus = {c for (c,) in conn.execute(text(
        "SELECT region_code FROM organisation WHERE kind IN ('province_hr','city_hr','county_hr')"))}
    for r in REGIONS.values():
        if r.code not in bureaus:
            conn.execute(text("INSERT INTO organisation (kind, name, region_code, status, disabled, created_at) "
                              "VALUES (:k, :n, :c, 'approved', :f, :t)"),
                         {"k": LEVEL_KIND[r.level], "n": r.bureau, "c": r.code, "f": False, "t": SEEDED_AT})
