"""Training fees reported by employers and agencies (川人社发〔2016〕20号 七(三): HR departments keep statistics of
participants, hours and funding by region and industry). The organisation's administrator reports, for a year, what
it spent on its staff's continuing education and how many attended; the statistics sum the reports of the
organisations in a scope by their region and industry (lms/stats/queries.employer_funding)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, clock
from ..accounts.models import Person
from ..errors import Conflict, InvalidFields, NotAllowed
from .models import MEMBER_KINDS, FeeReport, Organisation
from .scope import own_org, require_write

FIRST_YEAR = 2000
MAX_AMOUNT = Decimal("10000000000")   # the column's NUMERIC(12, 2)
MAX_TRAINED = 10_000_000


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")) or not 0 <= value < MAX_AMOUNT:
        return None
    return value.quantize(Decimal("0.01"))


def report_fees(s: Session, actor: Person, *, year: str, amount: str, trained: str, note: str = "",
                ip: str | None = None) -> FeeReport:
    """Record (or correct) the actor's organisation's fees for a year; every problem is said at once."""
    require_write(s, actor)
    org = own_org(s, actor)
    if org.kind not in MEMBER_KINDS or not org.may_act:
        raise NotAllowed("只有已审核通过的用人单位（或人事代理机构）可以报告培训经费")
    problems: dict[str, str] = {}
    this_year = clock.study_year()
    year_value = int(year) if year.strip().isdigit() else None
    if year_value is None or not FIRST_YEAR <= year_value <= this_year:
        problems["year"] = f"年度应为 {FIRST_YEAR} 至 {this_year} 年"
    amount_value = _amount(amount)
    if amount_value is None:
        problems["amount"] = "培训经费应为不小于 0 的金额（元，最多两位小数）"
    trained_value = int(trained) if trained.strip().isdigit() else None
    if trained_value is None or trained_value > MAX_TRAINED:
        problems["trained"] = "参训人次应为不小于 0 的整数"
    note = note.strip()
    if len(note) > 200:
        problems["note"] = "说明最多 200 字"
    if problems:
        raise InvalidFields(problems)
    assert year_value is not None and amount_value is not None and trained_value is not None
    report = s.scalar(select(FeeReport).where(FeeReport.org_id == org.id, FeeReport.year == year_value)
                      .with_for_update())
    before = None if report is None else (str(report.amount), report.trained)
    values = {"amount": amount_value, "trained": trained_value, "note": note or None, "reported_by_id": actor.id,
              "reported_at": clock.now()}
    if report is None:
        report = FeeReport(org_id=org.id, year=year_value, **values)
        try:
            with s.begin_nested():   # another administrator's first report of the year may land first
                s.add(report)
        except IntegrityError as exc:
            raise Conflict("本年度的培训经费刚刚已由本单位其他管理员报告，请刷新页面查看后再更正") from exc
    else:
        for key, value in values.items():
            setattr(report, key, value)
        s.flush()
    audit.record(s, actor, "org.fees.report" if before is None else "org.fees.correct", report, ip=ip,
                 year=year_value, amount=str(amount_value), trained=trained_value,
                 **({} if before is None else {"was_amount": before[0], "was_trained": before[1]}))
    return report


def reports_of(s: Session, org: Organisation) -> list[FeeReport]:
    return list(s.scalars(select(FeeReport).where(FeeReport.org_id == org.id).order_by(FeeReport.year.desc())))
