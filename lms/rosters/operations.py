"""Programmes of training organisers and their attendee rosters: filing, approval, the row-by-row check of a roster
and the registration of its hours, exactly once per person and programme (温人社发〔2020〕125号 第十三、十四条).

Who sees a programme is decided by the organisation scope (lms/orgs/scope.py): the organiser sees its own, an HR
bureau those of the organisers in its territory, an industry authority those of its industry in its city.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, select, update
from sqlalchemy.orm import Session

from rules import NotCovered, load_policy

from .. import audit, clock
from ..accounts.idcard import id_number_problem
from ..accounts.models import Person
from ..catalogue.models import CATEGORIES
from ..db import chunked, inline_in
from ..errors import Conflict, InvalidFields, InvalidInput, NotAllowed, NotFound
from ..hours.models import HoursEntry
from ..hours.operations import register_hours_many
from ..orgs.models import Organisation
from ..orgs.scope import Scope, require_write, scope_of
from ..regions import INDUSTRIES, policy_of
from ..spreadsheets import ImportProblems, read_table
from .models import Programme, RosterRow, RosterUpload

# 温人社发〔2020〕125号 第十三条 (programmes filed in advance) and 第十四条 (attendee lists, registration in bulk).
ROSTER_RULE = "温人社发〔2020〕125号 第十三、十四条"
SOURCE = "roster"
NAME_COLUMN, ID_COLUMN, DAYS_COLUMN, HOURS_COLUMN = "姓名", "身份证号码", "参加天数", "学时"
COLUMNS = (NAME_COLUMN, ID_COLUMN, DAYS_COLUMN, HOURS_COLUMN)
MAX_ROSTER_BYTES = 10 * 1024 * 1024


# ---- who sees and decides ------------------------------------------------------------------------------------

def programme_clause(scope: Scope) -> ColumnElement[bool]:
    """The programmes a scope covers, as a WHERE clause on Programme."""
    if scope.org_kind == "organiser" and scope.org_id is not None:
        return Programme.org_id == scope.org_id
    if scope.territorial:
        organisers = select(Organisation.id).where(Organisation.kind == "organiser",
                                                   Organisation.region_code.in_(sorted(scope.regions)))
        inside = Programme.org_id.in_(organisers)
        return and_(inside, Programme.industry == scope.industry) if scope.industry else inside
    return false()


def visible_programme(s: Session, actor: Person, programme_id: int) -> Programme:
    """The programme with this id if actor's scope covers it; 404 otherwise."""
    found = s.scalar(select(Programme).where(Programme.id == programme_id, programme_clause(scope_of(s, actor))))
    if found is None:
        raise NotFound()
    return found


def visible_upload(s: Session, actor: Person, upload_id: int) -> tuple[RosterUpload, Programme]:
    """The roster upload with this id and its programme if actor's scope covers the programme; 404 otherwise."""
    upload = s.get(RosterUpload, upload_id)
    if upload is None:
        raise NotFound()
    return upload, visible_programme(s, actor, upload.programme_id)


def is_competent(scope: Scope, programme: Programme) -> bool:
    """Whether the scope is the competent bureau or authority for the programme (it lies in its territory, and in
    its industry for an authority), and may act."""
    return (scope.writable and scope.territorial and scope.org_id is not None
            and programme.org.region_code in scope.regions
            and (scope.industry is None or programme.industry == scope.industry))


def _competent(s: Session, actor: Person, programme: Programme) -> Scope:
    scope = require_write(s, actor)
    if not is_competent(scope, programme):
        raise NotAllowed("只有培训项目所在地的人社局或行业主管部门才能审批")
    return scope


# ---- policy --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DailyCap:
    hours: Decimal
    rule: str


def daily_cap(region_code: str, on: date, hours_per_day: Decimal) -> DailyCap:
    """The most hours a day of the programme may credit: its filed hours a day, within the policy's per-day budget
    for training where the policy has one (威 二(二)1(1): 8 a day)."""
    cap = DailyCap(hours_per_day, "培训项目报备的每天学时")
    policy_id = policy_of(region_code, on)
    if policy_id is None:
        return cap
    try:
        limits = load_policy(policy_id).limits("training")
    except NotCovered:
        return cap
    for limit in limits:
        if limit.per == "day" and limit.limit < cap.hours:
            cap = DailyCap(limit.limit, limit.rule)
    return cap


def policy_day_limit(region_code: str, on: date) -> DailyCap | None:
    """The policy's per-day budget for training in a region, or None where the policy sets none."""
    found = daily_cap(region_code, on, Decimal(24))
    return found if found.hours < 24 else None


# ---- programmes ----------------------------------------------------------------------------------------------

def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def file_programme(s: Session, actor: Person, *, title: str, category: str, industry: str, starts_on: date | None,
                   ends_on: date | None, hours_per_day: str, venue: str, fee: str, capacity: str,
                   approval_document: str, ip: str | None = None) -> Programme:
    """File a programme in advance with the competent bureau (温 第十三条); every problem is reported at once."""
    scope = require_write(s, actor)
    org = s.get(Organisation, scope.org_id) if scope.org_kind == "organiser" else None
    if org is None:
        raise NotAllowed("只有施教机构可以报备培训项目")
    if not org.may_act:
        raise Conflict("本机构尚未通过审核或已停用，不能报备培训项目")
    problems: dict[str, str] = {}
    title, venue, approval_document = title.strip(), venue.strip(), approval_document.strip()
    if not 2 <= len(title) <= 200:
        problems["title"] = "请填写项目名称（2–200 字）"
    if category not in CATEGORIES:
        problems["category"] = "请选择科目类别"
    if industry and industry not in INDUSTRIES:
        problems["industry"] = "行业不在行业列表中"
    if starts_on is None:
        problems["starts_on"] = "请填写开始日期"
    if ends_on is None:
        problems["ends_on"] = "请填写结束日期"
    elif starts_on is not None and ends_on < starts_on:
        problems["ends_on"] = "结束日期不能早于开始日期"
    elif starts_on is not None and (ends_on - starts_on).days > 365:
        problems["ends_on"] = "培训时间不能超过一年"
    per_day = _decimal(hours_per_day)
    if per_day is None or not Decimal("0.5") <= per_day <= 24 or per_day * 2 != int(per_day * 2):
        problems["hours_per_day"] = "每天学时应为 0.5 至 24 之间、以 0.5 为单位的数"
    elif starts_on is not None:
        limit = policy_day_limit(org.region_code, starts_on)
        if limit is not None and per_day > limit.hours:
            problems["hours_per_day"] = f"每天学时不能超过 {limit.hours:g}（{limit.rule}）"
    if not 2 <= len(venue) <= 200:
        problems["venue"] = "请填写培训地点"
    fee_value = _decimal(fee or "0")
    if fee_value is None or not 0 <= fee_value < Decimal("100000000"):
        problems["fee"] = "收费标准应为不小于 0 的金额（元）"
    seats = int(capacity) if str(capacity).strip().isdigit() else 0
    if not 1 <= seats <= 100000:
        problems["capacity"] = "计划人数应为 1 至 100000 的整数"
    if not 2 <= len(approval_document) <= 100:
        problems["approval_document"] = "请填写批准文件（文号）"
    if problems:
        raise InvalidFields(problems)
    assert starts_on is not None and ends_on is not None and per_day is not None and fee_value is not None
    programme = Programme(org_id=org.id, title=title, category=category, industry=industry or None,
                          starts_on=starts_on, ends_on=ends_on, hours_per_day=per_day, venue=venue, fee=fee_value,
                          capacity=seats, approval_document=approval_document, status="filed",
                          filed_by_id=actor.id, created_at=clock.now())
    s.add(programme)
    s.flush()
    audit.record(s, actor, "programme.file", programme, ip=ip, title=title, starts_on=str(starts_on),
                 ends_on=str(ends_on))
    return programme


def decide_programme(s: Session, actor: Person, programme: Programme, approve: bool, reason: str = "",
                     ip: str | None = None) -> None:
    """Approve a filed programme, or reject it with a reason; the approving organisation registers its hours."""
    scope = _competent(s, actor, programme)
    reason = reason.strip()
    if not approve and not 2 <= len(reason) <= 200:
        raise InvalidInput("请填写不予批准的原因（2–200 字）")
    values: dict[str, Any] = {"status": "approved" if approve else "rejected", "decided_by_id": actor.id,
                              "decided_at": clock.now(), "decision_reason": None if approve else reason,
                              "approved_by_org_id": scope.org_id if approve else None}
    done = s.execute(update(Programme).where(Programme.id == programme.id, Programme.status == "filed")
                     .values(**values).execution_options(synchronize_session=False)).rowcount
    if not done:
        raise Conflict("该培训项目已经审批过")
    s.refresh(programme)
    audit.record(s, actor, "programme.approve" if approve else "programme.reject", programme, ip=ip,
                 reason=reason or None)


def public_programmes() -> ColumnElement[bool]:
    """Approved programmes, listed publicly (温 第十三条)."""
    return Programme.status == "approved"


# ---- rosters -------------------------------------------------------------------------------------------------

@dataclass
class CheckedRow:
    line: int
    name: str
    id_number: str
    days: int | None
    hours: Decimal | None
    status: str
    reason: str | None
    person_id: int | None


def _persons(s: Session, id_numbers: list[str]) -> dict[str, tuple[int, str]]:
    """Registered practitioners by ID number: (id, name)."""
    out: dict[str, tuple[int, str]] = {}
    for chunk in chunked(id_numbers):
        for pid, idn, name in s.execute(select(Person.id, Person.id_number, Person.name).where(
                Person.role == "practitioner", inline_in(Person.id_number, chunk))):
            out[idn] = (pid, name)
    return out


def check_rows(s: Session, programme: Programme, rows: list[tuple[int, dict[str, str]]]) -> list[CheckedRow]:
    """Check every row of a roster: the ID number's check digit (GB 11643), no duplicate, the name of the
    registered person, the days within the programme's dates and the hours within the daily cap."""
    if rows and (NAME_COLUMN not in rows[0][1] or ID_COLUMN not in rows[0][1]
                 or (DAYS_COLUMN not in rows[0][1] and HOURS_COLUMN not in rows[0][1])):
        raise ImportProblems([f"表头应为：{'、'.join(COLUMNS)}（参加天数和学时至少填一项）"])
    cap = daily_cap(programme.org.region_code, programme.starts_on, programme.hours_per_day)
    period = f"{programme.starts_on:%Y-%m-%d} 至 {programme.ends_on:%Y-%m-%d}，共 {programme.days} 天"
    wanted = [r.get(ID_COLUMN, "").strip().upper() for _, r in rows]
    known = _persons(s, sorted({i for i in wanted if len(i) == 18}))
    seen: dict[str, int] = {}
    out: list[CheckedRow] = []
    for line, row in rows:
        name = row.get(NAME_COLUMN, "").strip()[:50]
        idn = row.get(ID_COLUMN, "").strip().upper()[:40]
        days_text, hours_text = row.get(DAYS_COLUMN, "").strip(), row.get(HOURS_COLUMN, "").strip()
        problems: list[str] = []
        if not name:
            problems.append("姓名为空")
        idn_problem = id_number_problem(idn)
        if idn_problem:
            problems.append(idn_problem)
        elif idn in seen:
            problems.append(f"与第 {seen[idn]} 行的身份证号码重复")
        days: int | None = None
        if days_text:
            days = int(days_text) if days_text.isdigit() else None
            if days is None or not 1 <= days <= programme.days:
                problems.append(f"参加天数应为 1 至 {programme.days} 的整数（培训日期 {period}）")
                days = None
        hours: Decimal | None = None
        if hours_text:
            hours = _decimal(hours_text)
            if hours is None or hours <= 0 or hours != hours.quantize(Decimal("0.01")):
                problems.append("学时应为大于 0 的数（至多两位小数）")
                hours = None
        elif days is not None:
            hours = cap.hours * days
        elif not days_text:
            problems.append("参加天数和学时至少填写一项")
        if hours is not None:
            limit = cap.hours * (days or programme.days)
            if hours > limit:
                problems.append(f"学时 {hours:g} 超过上限 {limit:g}（每天不超过 {cap.hours:g} 学时，{cap.rule}；"
                                f"{days or programme.days} 天）")
        person = known.get(idn)
        if person is not None and name and person[1] != name:
            problems.append("姓名与该身份证号码注册的姓名不一致")
        if not idn_problem and idn not in seen:
            seen[idn] = line
        if problems:
            out.append(CheckedRow(line, name, idn, days, hours, "refused", "；".join(problems)[:300], None))
        elif person is None:
            out.append(CheckedRow(line, name, idn, days, hours, "waiting", None, None))
        else:
            out.append(CheckedRow(line, name, idn, days, hours, "ok", None, person[0]))
    return out


def upload_roster(s: Session, actor: Person, programme: Programme, filename: str, data: bytes,
                  ip: str | None = None) -> RosterUpload:
    """Check an attendee roster row by row and keep it for the approving organisation to confirm (温 第十四条).

    Refused rows are kept with their reasons (the organiser downloads them); nothing is registered until the
    approving organisation confirms the roster.
    """
    scope = require_write(s, actor)
    if scope.org_kind != "organiser" or programme.org_id != scope.org_id:
        raise NotFound()
    if programme.status != "approved":
        raise Conflict("培训项目尚未批准，不能上传人员名单")
    if clock.china_today() < programme.starts_on:
        raise Conflict(f"培训 {programme.starts_on:%Y-%m-%d} 才开始，培训开始后才能上传人员名单")
    if len(data) > MAX_ROSTER_BYTES:
        raise InvalidInput(f"文件超过 {MAX_ROSTER_BYTES // 1024 // 1024} MB，请分批上传")
    rows = read_table(filename, io.BytesIO(data))
    checked = check_rows(s, programme, rows)
    refused = sum(1 for r in checked if r.status == "refused")
    upload = RosterUpload(programme_id=programme.id, filename=filename[-200:] or "roster",
                          sha256=hashlib.sha256(data).hexdigest(), status="checked", rows_total=len(checked),
                          rows_refused=refused, uploaded_by_id=actor.id, uploaded_at=clock.now())
    s.add(upload)
    s.flush()
    s.execute(RosterRow.__table__.insert(), [
        {"upload_id": upload.id, "line": r.line, "name": r.name, "id_number": r.id_number, "days": r.days,
         "hours": r.hours, "status": r.status, "reason": r.reason, "person_id": r.person_id} for r in checked])
    audit.record(s, actor, "roster.upload", upload, ip=ip, programme=programme.id, file=upload.filename,
                 rows=len(checked), refused=refused)
    return upload


def credited_hours(s: Session, programme_id: int, person_ids: list[int] | None = None) -> dict[int, Decimal]:
    """Hours already registered from a programme's rosters, per person."""
    q = (select(HoursEntry.person_id, func.sum(HoursEntry.hours))
         .where(HoursEntry.source_type == SOURCE, HoursEntry.source_ref.like(f"{programme_id}:%"))
         .group_by(HoursEntry.person_id))
    if person_ids is not None and len(person_ids) <= 1000:
        q = q.where(HoursEntry.person_id.in_(person_ids))
    return {pid: Decimal(total) for pid, total in s.execute(q)}


def _entry(programme: Programme, person_id: int, hours: Decimal, already: Decimal,
           upload_id: int) -> dict[str, Any] | None:
    """The hours entry that brings what the programme registered for a person to a row's hours, or None.

    The first registration's source is (programme, person): unique in hours_entry, so a person is registered once
    per programme however often a roster is confirmed; a corrected roster adds an entry of the difference, one per
    upload (append-only bank: a correction is a new entry, never an edit)."""
    delta = hours - already
    if delta == 0:
        return None
    ref = f"{programme.id}:{person_id}" if already == 0 else f"{programme.id}:{person_id}:{upload_id}"
    return {"person_id": person_id, "year": programme.ends_on.year, "category": programme.category, "hours": delta,
            "source_type": SOURCE, "source_ref": ref, "title": f"{programme.title}（{programme.org.name}）",
            "note": "更正名单，登记差额" if already else ""}


def confirm_roster(s: Session, actor: Person, upload: RosterUpload, ip: str | None = None) -> int:
    """Confirm a checked roster and register its hours in bulk in the approving organisation's name; returns how
    many entries were written. Rows of persons not yet registered wait for their registration."""
    programme = s.get(Programme, upload.programme_id)
    assert programme is not None
    _competent(s, actor, programme)
    if programme.status != "approved" or programme.approved_by_org_id is None:
        raise Conflict("培训项目尚未批准")
    done = s.execute(update(RosterUpload).where(RosterUpload.id == upload.id, RosterUpload.status == "checked")
                     .values(status="confirmed", confirmed_by_id=actor.id, confirmed_at=clock.now())
                     .execution_options(synchronize_session=False)).rowcount
    if not done:
        raise Conflict("该名单已经确认过")
    approver = s.get(Organisation, programme.approved_by_org_id)
    assert approver is not None
    rows = s.execute(select(RosterRow.id, RosterRow.id_number, RosterRow.name, RosterRow.hours, RosterRow.person_id)
                     .where(RosterRow.upload_id == upload.id, RosterRow.status.in_(("ok", "waiting")))).all()
    # Persons may have registered since the upload: look every row up again.
    known = _persons(s, sorted({r.id_number for r in rows}))
    credited = credited_hours(s, programme.id)
    entries: list[dict[str, Any]] = []
    credited_rows: list[int] = []      # rows whose person was known at the upload: one statement per thousand
    changes: list[dict[str, Any]] = []  # rows whose person registered since, or no longer matches: one by one
    waiting = 0
    for r in rows:
        person = known.get(r.id_number)
        if person is None:
            waiting += 1
        elif person[1] != r.name:
            changes.append({"id": r.id, "status": "refused", "person_id": None,
                            "reason": "姓名与该身份证号码注册的姓名不一致"})
        else:
            assert r.hours is not None
            entry = _entry(programme, person[0], r.hours, credited.get(person[0], Decimal(0)), upload.id)
            if entry is not None:
                entries.append(entry)
            if r.person_id == person[0]:
                credited_rows.append(r.id)
            else:
                changes.append({"id": r.id, "status": "credited", "person_id": person[0], "reason": None})
    written = len(register_hours_many(s, entries, org=approver.name, registered_by=actor, rule=ROSTER_RULE, ip=ip))
    for start in range(0, len(credited_rows), 1000):
        s.execute(update(RosterRow).where(RosterRow.id.in_(credited_rows[start:start + 1000]))
                  .values(status="credited").execution_options(synchronize_session=False))
    if changes:
        s.execute(update(RosterRow), changes)
    s.execute(update(RosterUpload).where(RosterUpload.id == upload.id).values(registered=written)
              .execution_options(synchronize_session=False))
    s.refresh(upload)
    audit.record(s, actor, "roster.confirm", upload, ip=ip, programme=programme.id, registered=written,
                 waiting=waiting)
    return written


def credit_waiting(s: Session, person: Person) -> int:
    """Credit a newly registered person's waiting rows of confirmed rosters (温 第十四条): per programme, the row of
    its latest confirmed roster; returns how many entries were written."""
    if not person.id_number:
        return 0
    rows = s.execute(select(RosterRow, RosterUpload.programme_id)
                     .join(RosterUpload, RosterUpload.id == RosterRow.upload_id)
                     .where(RosterRow.id_number == person.id_number, RosterRow.status == "waiting",
                            RosterUpload.status == "confirmed")
                     .order_by(RosterRow.upload_id.desc())).all()
    written = 0
    done: set[int] = set()
    for row, programme_id in rows:
        if programme_id in done:
            row.status = "credited" if row.name == person.name else row.status
            continue
        done.add(programme_id)
        if row.name != person.name:
            row.status, row.reason = "refused", "注册时填写的姓名与名单不一致"
            continue
        programme = s.get(Programme, programme_id)
        approver = s.get(Organisation, programme.approved_by_org_id) if programme else None
        if programme is None or approver is None or row.hours is None:
            continue
        already = credited_hours(s, programme.id, [person.id]).get(person.id, Decimal(0))
        entry = _entry(programme, person.id, row.hours, already, row.upload_id)
        if entry is not None:
            written += len(register_hours_many(s, [entry], org=approver.name, rule=ROSTER_RULE))
        row.status, row.person_id = "credited", person.id
    s.flush()
    return written
