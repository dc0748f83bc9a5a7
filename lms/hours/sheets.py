"""Printed registration sheets (学时登记情况表, 浙人社发〔2016〕63号 第十五条) and what their verification shows."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import clock
from ..accounts.models import Person
from .certificates import new_code
from .issuer import issuing_bureau
from .models import HoursEntry, HoursSheet
from .standing import sheet_standing, standing_lines
from .summary import year_summary


def fingerprint(policy_id: str, entries: Sequence[HoursEntry], standing: Sequence[str] = ()) -> str:
    """A digest of the data a sheet prints from: the policy that measures the year, every registration in it and
    the standing it prints (which reads earlier years too).

    Whatever else a sheet comes to print from the database (sanctions) belongs in here too, so that the
    verification page can say whether it changed.
    """
    rows = sorted([e.id, e.category, str(e.hours)] for e in entries)
    payload = json.dumps({"policy": policy_id, "entries": rows, "standing": list(standing)}, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def issue_sheet(s: Session, person: Person, year: int) -> tuple[HoursSheet, dict[str, Any]]:
    """Record the sheet about to be printed (or find the one printed from the same data) and return it with the data.

    Printing the same data again gives the same sheet and code; a registration made since gives a new one.
    """
    summary = year_summary(s, person, year)
    summary["standing"] = standing_lines(sheet_standing(s, person, year)) + _sanctions(s, person)
    digest = fingerprint(summary["policy"].id, summary["entries"], summary["standing"])
    query = select(HoursSheet).where(HoursSheet.person_id == person.id, HoursSheet.year == year,
                                     HoursSheet.fingerprint == digest)
    existing = s.scalar(query)
    if existing is not None:
        return existing, summary
    got = summary["totals"]
    sheet = HoursSheet(person_id=person.id, year=year, code=new_code(), fingerprint=digest,
                       policy=summary["policy"].id, issuer=issuing_bureau(s, person, year),
                       total_hours=summary["total"], general_public=got["general_public"],
                       industry_public=got["industry_public"], professional=got["professional"],
                       complete=summary["complete"], issued_at=clock.now())
    s.add(sheet)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError:  # the same data printed at the same moment by another request: that sheet it is
        existing = s.scalar(query)
        if existing is None:
            raise
        return existing, summary
    return sheet, summary


def sheet_changed(s: Session, sheet: HoursSheet, person: Person) -> bool:
    """Whether the year's registrations (or the policy measuring them, or the standing) differ from the sheet's."""
    summary = year_summary(s, person, sheet.year)
    standing = standing_lines(sheet_standing(s, person, sheet.year)) + _sanctions(s, person)
    return fingerprint(summary["policy"].id, summary["entries"], standing) != sheet.fingerprint


def _sanctions(s: Session, person: Person) -> list[str]:
    """The sanctions recorded on the person (温 第十五条, 浙 第十六条), printed with the standing: what a title
    application reads; part of the fingerprint through it."""
    from ..claims.findings import sanction_lines
    return sanction_lines(s, person.id)


def sheet_hours(sheet: HoursSheet) -> dict[str, Any]:
    return {"general_public": sheet.general_public, "industry_public": sheet.industry_public,
            "professional": sheet.professional}
