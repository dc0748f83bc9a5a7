"""Exchange operations: a year's registrations out of the hours bank (浙人社发〔2016〕63号 第十四条: a separate
registration system imports its data into the provincial one periodically), and another region's in (威人社字〔2022〕
2号 三: staff transferred in bring their hours, which are merged).

Out: the registrations of the persons in the bureau's scope (lms/orgs/scope.py), streamed from the database into
a file row by row. Each record carries a `record_id` that names it for good: `<EXCHANGE_SYSTEM_ID>:<entry id>` for
a registration made here, the original id for one that came in by exchange, so a record passed on keeps its id.
The page only asks for an export (request_export: pending); the scheduler's leader writes it (run_pending_exports,
lms/exchange/jobs.py): a city's year took 25 s as CSV and about 4 minutes as XLSX, longer than a request may last.
A run claims each export with a conditional UPDATE (pending, or running under a claim older than the stale time:
its run died) and marks it ready or failed under that claim; the command line writes synchronously.

In: all or nothing. The checksum must match the file, and every row must verify — a person registered here and
within the bureau's scope with the same name, an ID number whose GB 11643 check character is right, a known
category, hours a finite decimal with at most two places, no record twice in the file — or nothing is written and
every problem is listed. A record already imported with the same content is skipped, so importing the same file
twice adds nothing: hours_entry's unique (source_type, source_ref) with source_ref = record_id is the guard.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from .. import audit, clock
from ..accounts.idcard import id_number_problem
from ..accounts.models import Person
from ..catalogue.models import CATEGORIES
from ..db import chunked, inline_in
from ..errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from ..exports import EXCEL_MAX_ROWS
from ..filestore import file_store
from ..hours.models import HoursEntry
from ..hours.operations import register_hours_many
from ..orgs.scope import own_org, person_clause, require_write, scope_of
from ..spreadsheets import ImportProblems
from .formats import EXTENSIONS, checksum_line, checksum_of, read_records, write_records
from .models import FORMATS, ExchangeExport

SOURCE_TYPE = "exchange"
MAX_HOURS = Decimal("9999.99")  # hours_entry.hours is NUMERIC(6, 2)
IMPORT_RULE = "威人社字〔2022〕2号 三（外地调入人员学时合并）；浙人社发〔2016〕63号 第十四条（数据交换）"


def system_id() -> str:
    """This system's name in the record ids it gives (EXCHANGE_SYSTEM_ID)."""
    return str(current_app.config["EXCHANGE_SYSTEM_ID"])


def _since_utc(since: date | None) -> datetime | None:
    """The first instant of a China calendar day, as the naive UTC the bank stores."""
    return None if since is None else datetime.combine(since, time()) - clock.CHINA


def check_request(year: int, since: date | None, fmt: str) -> None:
    if fmt not in FORMATS:
        raise InvalidInput("导出格式应为 CSV、XLSX 或 JSON Lines")
    if not 2000 <= year <= clock.study_year():
        raise InvalidInput("年度无效")
    if since is not None and since > clock.china_today():
        raise InvalidInput("“自某日起”不能是将来的日期")


def records(s: Session, actor: Person, year: int, since: date | None = None) -> Iterator[tuple[Any, ...]]:
    """The year's registrations of the persons in actor's scope (on or after `since`, China time), oldest first, as
    exchange records; fetched in batches (a server-side cursor on PostgreSQL), never all at once."""
    own = system_id()
    q = (select(HoursEntry.id, HoursEntry.source_type, HoursEntry.source_ref, HoursEntry.year, Person.name,
                Person.id_number, HoursEntry.category, HoursEntry.hours, HoursEntry.title, HoursEntry.rule,
                HoursEntry.registered_by_org, HoursEntry.registered_at)
         .join(Person, Person.id == HoursEntry.person_id)
         .where(HoursEntry.year == year, person_clause(scope_of(s, actor)))
         .order_by(HoursEntry.id))
    start = _since_utc(since)
    if start is not None:
        q = q.where(HoursEntry.registered_at >= start)
    for (entry_id, source_type, source_ref, y, name, id_number, category, hours, title, rule, org,
         at) in s.execute(q.execution_options(yield_per=2000)):
        record_id = source_ref if source_type == SOURCE_TYPE else f"{own}:{entry_id}"
        yield (record_id, y, name, id_number, category, Decimal(hours).quantize(Decimal("0.01")), source_type,
               title, rule or "", org, at.strftime("%Y-%m-%dT%H:%M:%SZ"))


def export_filename(org_name: str, year: int, since: date | None, fmt: str) -> str:
    part = f"-since-{since.isoformat()}" if since else ""
    return f"学时登记-{org_name}-{year}{part}{EXTENSIONS[fmt]}"


def write_export(s: Session, actor: Person, out: IO[bytes], *, year: int, since: date | None, fmt: str,
                 sheet_rows: int = EXCEL_MAX_ROWS) -> int:
    """Write the export to a binary file; returns the number of records."""
    check_request(year, since, fmt)
    return write_records(fmt, out, records(s, actor, year, since), sheet_rows=sheet_rows)


def request_export(s: Session, actor: Person, *, year: int, since: date | None, fmt: str,
                   ip: str | None = None) -> ExchangeExport:
    """Record an export asked for, pending: the scheduler writes it (run_pending_exports); a request that could
    never be written (a read-only account, a year to come) is refused here, at once."""
    require_write(s, actor)
    check_request(year, since, fmt)
    org = own_org(s, actor)
    export = ExchangeExport(org_id=org.id, made_by_id=actor.id, year=year, since=since, fmt=fmt, state="pending",
                            attempts=0, filename=export_filename(org.name, year, since, fmt), created_at=clock.now())
    s.add(export)
    s.flush()
    audit.record(s, actor, "exchange.request", export, ip=ip, year=year, since=since, fmt=fmt)
    return export


# ---- the scheduler's part: writing what was asked for ------------------------------------------------------------

def _due(stale_before: datetime) -> ColumnElement[bool]:
    """Exports a run may take: pending, or claimed by a run that has not finished since stale_before (it died)."""
    return or_(ExchangeExport.state == "pending",
               and_(ExchangeExport.state == "running", ExchangeExport.claimed_at < stale_before))


def _set(s: Session, export_id: int, *where: ColumnElement[bool], **values: Any) -> bool:
    """A conditional UPDATE of one export, committed; True if it changed the row (the guard between runs)."""
    done = s.execute(update(ExchangeExport).where(ExchangeExport.id == export_id, *where).values(**values)
                     .execution_options(synchronize_session=False))
    s.commit()
    return bool(getattr(done, "rowcount", 0))


def claim_export(s: Session, export_id: int, *, stale_seconds: int, max_attempts: int) -> int | None:
    """Take an export for this run: returns the run's attempt number, or None if another run has it, it is done, or
    it has now been given up (a run died with it max_attempts times: failed, saying so)."""
    now = clock.now()
    due = _due(now - timedelta(seconds=stale_seconds))
    if _set(s, export_id, due, ExchangeExport.attempts >= max_attempts, state="failed", finished_at=now,
            error=f"生成 {max_attempts} 次均未完成（生成过程中断），请重新申请；仍不成功请联系系统管理员"):
        _audit_failed(s, export_id)
        return None
    if not _set(s, export_id, due, ExchangeExport.attempts < max_attempts, state="running", claimed_at=now,
                attempts=ExchangeExport.attempts + 1):
        return None
    attempt = s.scalar(select(ExchangeExport.attempts).where(ExchangeExport.id == export_id))
    s.rollback()
    return attempt


def _audit_failed(s: Session, export_id: int) -> None:
    export = s.get(ExchangeExport, export_id, populate_existing=True)
    assert export is not None
    audit.record(s, s.get(Person, export.made_by_id), "exchange.export_failed", export, ip=None, year=export.year,
                 since=export.since, fmt=export.fmt, reason=export.error)
    s.commit()


def write_claimed(s: Session, export_id: int, attempt: int, *, max_attempts: int, work_dir: Path | None = None,
                  sheet_rows: int = EXCEL_MAX_ROWS) -> str:
    """Write an export this run claimed (attempt) into the exchange store and mark it ready; a refusal the request
    cannot get past (the account can no longer export, …) marks it failed with the reason. Returns the state.

    Each change is a conditional UPDATE on (state 'running', this attempt): a run that was taken for dead and
    replaced never overwrites what its successor did. An unexpected error puts it back to pending for the next run
    (failed after max_attempts), and is raised for the scheduler to record."""
    export = s.get(ExchangeExport, export_id)
    assert export is not None
    actor = s.get(Person, export.made_by_id)
    assert actor is not None
    mine = (ExchangeExport.state == "running", ExchangeExport.attempts == attempt)
    try:
        require_write(s, actor)
        if not actor.active:
            raise NotAllowed("申请导出的账号已停用")
        with tempfile.TemporaryDirectory(prefix=f"export-{export_id}-", dir=work_dir) as folder:
            path = Path(folder) / f"export{EXTENSIONS[export.fmt]}"
            with open(path, "wb") as out:
                rows = write_export(s, actor, out, year=export.year, since=export.since, fmt=export.fmt,
                                    sheet_rows=sheet_rows)
            key = file_store("exchange").put_file(path, EXTENSIONS[export.fmt])
    except DomainError as exc:
        s.rollback()
        if _set(s, export_id, *mine, state="failed", finished_at=clock.now(), error=f"无法生成：{exc.message}"[:300]):
            _audit_failed(s, export_id)
        return "failed"
    except Exception as exc:
        s.rollback()
        reason = f"生成时出错（{type(exc).__name__}），已尝试 {attempt} 次，请重新申请；仍不成功请联系系统管理员"
        if attempt >= max_attempts:
            if _set(s, export_id, *mine, state="failed", finished_at=clock.now(), error=reason[:300]):
                _audit_failed(s, export_id)
        else:
            _set(s, export_id, *mine, state="pending")
        raise
    s.rollback()  # the long read is over; what follows is short
    if _set(s, export_id, *mine, state="ready", rows=rows, key=key, finished_at=clock.now(), error=None):
        export = s.get(ExchangeExport, export_id, populate_existing=True)
        assert export is not None
        audit.record(s, actor, "exchange.export", export, ip=None, year=export.year, since=export.since,
                     fmt=export.fmt, rows=rows, sha256=export.sha256, attempt=attempt)
        s.commit()
        return "ready"
    return "superseded"


def run_pending_exports(factory: Callable[[], Session], *, stale_seconds: int, max_attempts: int, work_dir: Path,
                        sheet_rows: int = EXCEL_MAX_ROWS) -> list[tuple[int, str]]:
    """Write every export waiting, oldest first, each claimed before it is written; [(export id, state)].

    Files are written in work_dir, emptied first: what is there was left by a run that died (the scheduler's runs
    never overlap, and work_dir is this app's own)."""
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True, exist_ok=True)
    with factory() as s:
        waiting = list(s.scalars(select(ExchangeExport.id).where(
            _due(clock.now() - timedelta(seconds=stale_seconds))).order_by(ExchangeExport.id)))
    done: list[tuple[int, str]] = []
    for export_id in waiting:
        with factory() as s:
            attempt = claim_export(s, export_id, stale_seconds=stale_seconds, max_attempts=max_attempts)
            if attempt is not None:
                done.append((export_id, write_claimed(s, export_id, attempt, max_attempts=max_attempts,
                                                      work_dir=work_dir, sheet_rows=sheet_rows)))
    return done


def visible_export(s: Session, actor: Person, export_id: int) -> ExchangeExport:
    """An export of the actor's organisation or of one within its territory; 404 otherwise."""
    from ..orgs.models import Organisation
    from ..orgs.scope import org_clause
    found = s.scalar(select(ExchangeExport).join(Organisation, Organisation.id == ExchangeExport.org_id)
                     .where(ExchangeExport.id == export_id, org_clause(scope_of(s, actor))))
    if found is None:
        raise NotFound()
    return found


def exports_seen(s: Session, actor: Person, limit: int = 50) -> list[ExchangeExport]:
    from ..orgs.models import Organisation
    from ..orgs.scope import org_clause
    return list(s.scalars(select(ExchangeExport).join(Organisation, Organisation.id == ExchangeExport.org_id)
                          .where(org_clause(scope_of(s, actor))).order_by(ExchangeExport.id.desc()).limit(limit)))


def ready_export(s: Session, actor: Person, export_id: int) -> ExchangeExport:
    """visible_export, once written: one still waiting or failed is refused (409) saying so."""
    export = visible_export(s, actor, export_id)
    if export.state in ("pending", "running"):
        raise Conflict("该导出文件尚在生成中，请稍后刷新页面，待状态为“已完成”后再下载")
    if export.state != "ready":
        raise Conflict(f"该导出文件生成失败，没有可下载的文件：{export.error}")
    return export


def checksum_text(export: ExchangeExport) -> str:
    return checksum_line(export.sha256, export.filename)


# ---- import ----------------------------------------------------------------------------------------------------

def parse_hours(text: str) -> Decimal | None:
    """Hours as a finite, non-zero decimal with at most two places within the bank's range, else None."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value == 0 or abs(value) > MAX_HOURS:
        return None
    if value != value.quantize(Decimal("0.01")):  # 1.005 is refused, 1.50 and 1.500 are 1.50
        return None
    return value.quantize(Decimal("0.01"))


def verify_records(s: Session, actor: Person, rows: list[tuple[int, dict[str, str]]]) -> tuple[list[dict[str, Any]],
                                                                                               int, list[str]]:
    """Every row checked: (the new registrations, how many were here already, every problem by line)."""
    scope = scope_of(s, actor)
    problems: list[str] = []
    seen: dict[str, int] = {}
    good: list[tuple[int, dict[str, str], Decimal, int]] = []
    numbers = sorted({n for _l, r in rows if not id_number_problem(n := r.get("id_number", "").strip().upper())})
    people = {p.id_number: p for chunk in chunked(numbers) for p in s.scalars(select(Person).where(
        inline_in(Person.id_number, chunk), person_clause(scope)))}
    this_year = clock.study_year()
    for line, r in rows:
        where = f"第 {line} 行"
        bad: list[str] = []
        record_id = r.get("record_id", "").strip()
        if not record_id or len(record_id) > 80:
            bad.append("记录编号为空或超过 80 个字符")
        elif record_id in seen:
            bad.append(f"记录编号 {record_id} 与第 {seen[record_id]} 行重复")
        else:
            seen[record_id] = line
        number = r.get("id_number", "").strip().upper()
        problem = id_number_problem(number)
        person = people.get(number)
        if problem:
            bad.append(problem)
        elif person is None:
            bad.append(f"身份证号码 {number[:4]}…{number[-4:]} 的人员未在本系统注册或不在本局管辖范围，"
                       "请先为其注册并确认单位后再导入")
        elif person.name != r.get("name", "").strip():
            bad.append(f"姓名“{r.get('name', '')}”与本系统登记的姓名不一致")
        year_text = r.get("year", "").strip()
        year = int(year_text) if year_text.isdigit() else 0
        if not 2000 <= year <= this_year:
            bad.append(f"年度“{year_text}”无效")
        if r.get("category", "").strip() not in CATEGORIES:
            bad.append(f"学时类别“{r.get('category', '')}”无效（应为 {'、'.join(CATEGORIES)}）")
        hours = parse_hours(r.get("hours", ""))
        if hours is None:
            bad.append(f"学时“{r.get('hours', '')}”无效：应为不为 0 的数，最多两位小数")
        if not r.get("registered_by", "").strip():
            bad.append("登记机构为空")
        if bad:
            problems.append(f"{where}：" + "；".join(bad))
        elif person is not None and hours is not None:
            good.append((line, r, hours, person.id))
    if problems:
        return [], 0, problems
    # Records already here: the same content is skipped (the same file twice adds nothing), other content refused.
    refs = [r["record_id"].strip() for _l, r, _h, _p in good]
    here = {}
    for chunk in chunked(refs):  # the references are only looked up, never written into a statement's text
        for ref, pid, y, cat, h in s.execute(
                select(HoursEntry.source_ref, HoursEntry.person_id, HoursEntry.year, HoursEntry.category,
                       HoursEntry.hours).where(HoursEntry.source_type == SOURCE_TYPE, HoursEntry.source_ref.in_(chunk))):
            here[ref] = (pid, y, cat, Decimal(h))
    own = system_id() + ":"
    new: list[dict[str, Any]] = []
    skipped = 0
    for line, r, hours, person_id in good:
        ref = r["record_id"].strip()
        content = (person_id, int(r["year"]), r["category"].strip(), hours)
        if ref.startswith(own):
            entry = s.get(HoursEntry, int(ref[len(own):])) if ref[len(own):].isdigit() else None
            if entry is None or (entry.person_id, entry.year, entry.category, Decimal(entry.hours)) != content:
                problems.append(f"第 {line} 行：记录编号 {ref} 属于本系统，但本系统没有内容相同的这条登记")
            else:
                skipped += 1
            continue
        if ref in here:
            if here[ref] != content:
                problems.append(f"第 {line} 行：记录编号 {ref} 已经导入过，但内容与本次不同（人员、年度、类别或学时）")
            else:
                skipped += 1
            continue
        new.append({"person_id": person_id, "year": content[1], "category": content[2], "hours": hours,
                    "source_type": SOURCE_TYPE, "source_ref": ref, "title": r.get("title", "").strip() or "转入学时",
                    "rule": (r.get("article", "").strip() or IMPORT_RULE)[:120],
                    "registered_by_org": r["registered_by"].strip()[:100],
                    "note": f"数据交换导入：原来源 {r.get('source', '')}，原登记时间 {r.get('registered_at', '')}"})
    return (new, skipped, problems) if not problems else ([], 0, problems)


def import_registrations(s: Session, actor: Person, *, filename: str, data: bytes, checksum: bytes,
                         ip: str | None = None) -> tuple[int, int]:
    """Import an exchange file whose checksum file verifies, all or nothing; returns (added, already here).

    Raises ImportProblems listing every problem (nothing written) when the checksum or any row does not verify."""
    require_write(s, actor)
    org = own_org(s, actor)
    stated = checksum_of(checksum)
    actual = hashlib.sha256(data).hexdigest()
    if stated != actual:
        raise ImportProblems([f"校验值不符：校验文件写的是 {stated[:12]}…，文件实际是 {actual[:12]}…；"
                              "文件可能不完整或被改动，请重新获取文件和校验文件"])
    rows = read_records(filename, data)
    new, skipped, problems = verify_records(s, actor, rows)
    if problems:
        raise ImportProblems(problems)
    added = register_hours_many(s, new, org=org.name, registered_by=actor, ip=ip) if new else []
    audit.record(s, actor, "exchange.import", ("Organisation", org.id), ip=ip, filename=filename[:120],
                 sha256=actual, rows=len(rows), added=len(added), already=skipped + len(new) - len(added))
    return len(added), skipped + len(new) - len(added)
