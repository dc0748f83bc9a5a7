"""Bulk import of employers by an HR bureau (XLSX or CSV): every row checked, all or nothing, idempotent.

A row whose code is already registered with the same name and county is left as it is, so importing the same file
again changes nothing; a file with any refused row imports nothing, and the refused rows with their reasons can be
downloaded as a report.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, clock
from ..accounts.models import Person
from ..regions import INDUSTRIES, REGIONS
from ..spreadsheets import ImportProblems, _pick, read_table
from .models import Organisation
from .operations import employer_problems
from .scope import require_write

COLUMNS = ("统一社会信用代码", "单位名称", "所在县（市、区）", "所属行业", "联系人", "联系电话")
TEMPLATE_EXAMPLE = ("91330302MA2ABCDE11", "温州示例科技有限公司", "鹿城区", "工程技术", "王联系", "0577-88001234")


@dataclass(frozen=True)
class Refused:
    line: int
    uscc: str
    name: str
    reason: str


class EmployerImportRefused(ImportProblems):
    """The file was not imported; refused lists every bad row."""

    def __init__(self, refused: list[Refused]) -> None:
        super().__init__([f"第 {r.line} 行：{r.reason}" for r in refused])
        self.refused = refused


def _region_code(text: str, allowed: frozenset[str]) -> str | None:
    """A county given by its code, its full name or its short name (鹿城区), within the importer's territory."""
    text = text.strip()
    for code in allowed:
        r = REGIONS[code]
        if r.level == "county" and text in (code, r.name, r.name.removeprefix(REGIONS[r.parent or ""].name)):
            return code
    return None


def import_employers(s: Session, actor: Person, filename: str, stream: IO[bytes],
                     ip: str | None = None) -> tuple[int, int]:
    """Import employers (approved, since the bureau itself enters them); returns (added, unchanged)."""
    scope = require_write(s, actor)
    rows = read_table(filename, stream)
    refused: list[Refused] = []
    seen: dict[str, int] = {}
    to_add: list[Organisation] = []
    unchanged = 0
    for line, row in rows:
        uscc = _pick(row, "统一社会信用代码").strip().upper()
        name = _pick(row, "单位名称").strip()
        county = _pick(row, "所在县（市、区）", "所在县(市、区)", "所在地区")
        industry = _pick(row, "所属行业").strip() or "其他"
        phone = _pick(row, "联系电话").strip()
        code = _region_code(county, scope.regions)
        problems = employer_problems(uscc=uscc, name=name, region_code=code or "", industry=industry,
                                     contact_phone=phone)
        if code is None:
            problems["region_code"] = f"“{county or '（空）'}”不是本局管辖的县（市、区）"
        if industry not in INDUSTRIES:
            problems["industry"] = f"行业“{industry}”不在行业列表中"
        if uscc in seen and "uscc" not in problems:
            problems["uscc"] = f"与第 {seen[uscc]} 行的统一社会信用代码重复"
        existing = s.scalar(select(Organisation).where(Organisation.uscc == uscc)) if "uscc" not in problems else None
        if existing is not None and not problems:
            if (existing.name, existing.region_code) == (name, code):
                unchanged += 1
                seen[uscc] = line
                continue
            problems["uscc"] = f"该代码已登记为“{existing.name}”（{REGIONS[existing.region_code].name}）"
        if problems:
            refused.append(Refused(line, uscc, name, "；".join(problems.values())))
            continue
        seen[uscc] = line
        to_add.append(Organisation(kind="employer", uscc=uscc, name=name, region_code=code or "", industry=industry,
                                   contact_name=_pick(row, "联系人").strip() or None, contact_phone=phone,
                                   status="approved", decided_by_id=actor.id, decided_at=clock.now(),
                                   created_at=clock.now()))
    if refused:
        raise EmployerImportRefused(refused)
    s.add_all(to_add)
    s.flush()
    if to_add:
        audit.record(s, actor, "org.import", ("Organisation", actor.org_id), ip=ip, file=filename,
                     added=len(to_add), unchanged=unchanged, uscc=[o.uscc for o in to_add])
    return len(to_add), unchanged
