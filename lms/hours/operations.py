"""The hours bank (学时银行): registrations per person and study year, each source at most once."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit, clock
from ..accounts.models import Person
from ..catalogue.models import CATEGORIES
from ..db import dialect_insert
from ..errors import InvalidInput
from .models import HoursEntry


def register_hours(s: Session, *, person_id: int, year: int, category: str, hours: Decimal, source_type: str,
                   source_ref: str, title: str, org: str, registered_by: Person | None = None,
                   rule: str | None = None, note: str = "", ip: str | None = None) -> HoursEntry | None:
    """Write hours to the bank exactly once per (source_type, source_ref).

    Returns the new entry, or None when that source was already registered (by this call's
    twin in another request, job or server): INSERT ... ON CONFLICT DO NOTHING makes the
    database the judge, so double submits and races leave one entry.
    """
    if category not in CATEGORIES:
        raise InvalidInput("学时类别无效")
    if hours == 0:
        raise InvalidInput("学时不能为 0")
    ins = dialect_insert(s)(HoursEntry)
    stmt = ins.values(person_id=person_id, year=year, category=category, hours=hours, source_type=source_type,
                      source_ref=source_ref, title=title[:200], rule=rule, note=note,
                      registered_by_id=registered_by.id if registered_by else None, registered_by_org=org,
                      registered_at=clock.now()).on_conflict_do_nothing(
        index_elements=[HoursEntry.source_type, HoursEntry.source_ref]).returning(HoursEntry.id)
    new_id = s.execute(stmt).scalar()
    if new_id is None:
        return None
    audit.record(s, registered_by, "hours.register", ("HoursEntry", new_id), ip=ip, person_id=person_id,
                 year=year, category=category, hours=str(hours), source=f"{source_type}:{source_ref}")
    return s.get(HoursEntry, new_id)


def register_hours_many(s: Session, rows: list[dict[str, Any]], *, org: str, registered_by: Person | None = None,
                        rule: str | None = None, ip: str | None = None) -> list[int]:
    """register_hours for many sources at once (a training roster of thousands of attendees): the same checks and
    the same ON CONFLICT DO NOTHING on (source_type, source_ref), one statement per thousand rows, one audit entry
    per new entry. Each row gives person_id, year, category, hours, source_type, source_ref, title and note (and may
    give its own rule and registered_by_org: an exchange file's records name the body that registered each).
    Returns the ids of the entries written (a source already registered writes nothing)."""
    for r in rows:
        if r["category"] not in CATEGORIES:
            raise InvalidInput("学时类别无效")
        if r["hours"] == 0:
            raise InvalidInput("学时不能为 0")
    ins = dialect_insert(s)
    now = clock.now()
    written: list[int] = []
    for start in range(0, len(rows), 1000):
        chunk = [{**r, "title": str(r["title"])[:200], "rule": r.get("rule", rule),
                  "registered_by_org": r.get("registered_by_org", org), "registered_at": now,
                  "registered_by_id": registered_by.id if registered_by else None, "note": r.get("note", "")}
                 for r in rows[start:start + 1000]]
        # One compiled statement, its rows batched by the driver (insertmanyvalues), RETURNING what was new.
        table = HoursEntry.__table__
        stmt = ins(table).on_conflict_do_nothing(index_elements=[table.c.source_type, table.c.source_ref]).returning(
            table.c.id, table.c.person_id, table.c.year, table.c.category, table.c.hours, table.c.source_type,
            table.c.source_ref)
        new = s.execute(stmt, chunk).all()
        audit.record_many(s, registered_by, "hours.register", [
            (("HoursEntry", new_id), {"person_id": person_id, "year": year, "category": category,
                                      "hours": str(hours), "source": f"{source_type}:{source_ref}"})
            for new_id, person_id, year, category, hours, source_type, source_ref in new], ip=ip)
        written += [row[0] for row in new]
    return written


def totals(s: Session, person_id: int, year: int) -> dict[str, Decimal]:
    """Registered hours per category for one person and year."""
    rows = s.execute(select(HoursEntry.category, func.sum(HoursEntry.hours))
                     .where(HoursEntry.person_id == person_id, HoursEntry.year == year)
                     .group_by(HoursEntry.category)).all()
    out = {c: Decimal("0") for c in CATEGORIES}
    for cat, total in rows:
        out[cat] = Decimal(total)
    return out


def entries(s: Session, person_id: int, year: int | None = None) -> list[HoursEntry]:
    q = select(HoursEntry).where(HoursEntry.person_id == person_id)
    if year is not None:
        q = q.where(HoursEntry.year == year)
    return list(s.scalars(q.order_by(HoursEntry.year.desc(), HoursEntry.registered_at)))


def years_of(s: Session, person_id: int) -> list[int]:
    return [y for (y,) in s.execute(select(HoursEntry.year).where(HoursEntry.person_id == person_id)
                                    .distinct().order_by(HoursEntry.year.desc()))]
