"""An employer's staff with this year's hours against their policy's requirement (桐人社发〔2018〕26号 第十二条), and
what last year's hours mean for their annual review and a title application (桐 第十四条: the employer puts the
credits into the review; lms/hours/standing.py)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..accounts.models import Person
from ..catalogue.models import CATEGORIES
from ..exports import Column
from ..hours.models import HoursEntry
from ..hours.standing import PersonStanding, standings
from ..hours.summary import measure
from .models import Employment


@dataclass(frozen=True)
class StaffRow:
    person: Person
    employment: Employment
    total: Decimal
    required: Decimal
    short: Decimal
    complete: bool
    unit: str
    prior: PersonStanding          # the last completed year's standing

    @property
    def standing(self) -> str:
        return "已达标" if self.complete else f"差 {self.short} {self.unit}"


def staff_rows(s: Session, org_id: int, year: int) -> list[StaffRow]:
    """The organisation's current staff, those still short first, then by name: four queries whatever the number
    of staff (the staff, this year's totals, last year's standings), not four per person."""
    ids = select(Employment.person_id).where(Employment.org_id == org_id, Employment.status == "current")
    staff = s.execute(select(Employment, Person).join(Person, Person.id == Employment.person_id)
                      .where(Employment.org_id == org_id, Employment.status == "current")).tuples().all()
    got: dict[int, dict[str, Decimal]] = {}
    for person_id, category, hours in s.execute(
            select(HoursEntry.person_id, HoursEntry.category, func.sum(HoursEntry.hours))
            .where(HoursEntry.person_id.in_(ids), HoursEntry.year == year)
            .group_by(HoursEntry.person_id, HoursEntry.category)):
        got.setdefault(person_id, {})[category] = Decimal(hours)
    prior = standings(s, [person for _, person in staff], ids, year - 1)
    rows = []
    for employment, person in staff:
        summary = measure(person, year, {c: got.get(person.id, {}).get(c, Decimal("0")) for c in CATEGORIES})
        bars = summary["bars"]
        required = max((b["minimum"] for b in bars), default=Decimal("0"))
        short = max((b["short"] for b in bars), default=Decimal("0"))
        rows.append(StaffRow(person, employment, summary["total"], required, short, summary["complete"],
                             summary["unit"], prior[person.id]))
    return sorted(rows, key=lambda r: (r.complete, -r.short, r.person.name))


STAFF_COLUMNS = [Column("姓名"), Column("身份证号", width=22), Column("手机号", width=14), Column("行业"),
                 Column("入职确认日期", width=14), Column("本年度学时", numeric=True), Column("应修学时", numeric=True),
                 Column("情况", width=14), Column("上年度考核与职称申报", width=40)]


def export_rows(rows: list[StaffRow]) -> list[list[Any]]:
    return [[r.person.name, r.person.masked_id_number, r.person.masked_mobile, r.person.industry or "",
             f"{r.employment.started_on:%Y-%m-%d}" if r.employment.started_on else "", r.total, r.required,
             r.standing, r.prior.short] for r in rows]
