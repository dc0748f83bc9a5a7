"""The figures of a dashboard, each a table aggregated in SQL within the account's scope (lms/orgs/scope.py).

Persons, requirements, categories and sources come from `stats_cell` (lms/stats/operations.py rebuilds it), claims
from `stats_claim_cell`; exam sessions and training fees, small tables, are counted live. Every table can be narrowed
to a region, an industry or an employer (Slice), and every row of persons leads to the list of the persons behind it
(`people`), read from `stats_person_year` with the same conditions, so a figure and its list always agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, null, or_, select, true
from sqlalchemy.orm import Session

from ..accounts.models import Person
from ..errors import NotFound
from ..exports import Column
from ..orgs.models import FeeReport, Organisation
from ..orgs.scope import Scope, dims_clause, org_clause, person_clause
from ..regions import CATEGORY_NAMES, REGIONS, subtree
from ..rosters.models import Programme, RosterRow, RosterUpload
from .models import SOURCE_NAMES, SOURCES, StatsArea, StatsCell, StatsClaimCell, StatsPersonYear, StatsRefresh
from .operations import CATEGORY_COLUMNS, CLAIMS

NONE = "-"  # an industry or employer not filled in, in URLs
TOP_EMPLOYERS = 30
YEARS_BACK = 5
CENT = Decimal("0.01")
MEASURES = {
    "persons": "专业技术人员", "participants": "参加学习（有学时登记）", "complete": "达到年度要求",
    "short": "未达到年度要求", "professional_ok": "专业科目达到要求", "public_ok": "公需科目达到要求",
    **{f"cat_{c}": f"有{n}学时" for c, n in CATEGORY_NAMES.items()},
    **{f"src_{s}": f"有{n}学时" for s, n in SOURCE_NAMES.items()},
}


@dataclass(frozen=True)
class Slice:
    """A dashboard narrowed to a region (and the regions below it), an industry (NONE: not filled in) or an
    employer (0: no confirmed employer)."""

    region: str | None = None
    industry: str | None = None
    employer_id: int | None = None

    def args(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.region:
            out["region"] = self.region
        if self.industry:
            out["industry"] = self.industry
        if self.employer_id is not None:
            out["employer"] = self.employer_id
        return out


@dataclass
class Table:
    """One figure: its rows (also its export), the drill-down of each row, and its chart."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    drill: list[dict[str, Any] | None] = field(default_factory=list)   # people-list arguments of each row
    narrow: list[dict[str, Any] | None] = field(default_factory=list)  # dashboard arguments of each row
    chart: dict[str, Any] | None = None
    note: str = ""


def _dims(scope: Scope, region: Any, industry: Any, employer: Any, sl: Slice) -> ColumnElement[bool]:
    conds = [dims_clause(scope, region, industry, employer)]
    if sl.region:
        conds.append(region.in_(sorted(subtree(sl.region))))
    if sl.industry:
        conds.append(industry.is_(None) if sl.industry == NONE else industry == sl.industry)
    if sl.employer_id is not None:
        conds.append(employer.is_(None) if sl.employer_id == 0 else employer == sl.employer_id)
    return and_(*conds)


def cell_clause(scope: Scope, sl: Slice, table: Any = StatsCell) -> ColumnElement[bool]:
    employer = table.employer_id if table is StatsCell else null()
    return _dims(scope, table.region, table.industry, employer, sl)


def summary_table(scope: Scope, sl: Slice) -> Any:
    """Where a dashboard's figures are summed from: the areas (region × industry) unless it counts by employer."""
    return StatsArea if sl.employer_id is None and scope.members_org is None else StatsCell


def person_year_clause(scope: Scope, sl: Slice) -> ColumnElement[bool]:
    return _dims(scope, StatsPersonYear.region, StatsPersonYear.industry, StatsPersonYear.employer_id, sl)


def refreshed_at(s: Session, year: int) -> datetime | None:
    return s.scalar(select(StatsRefresh.refreshed_at).where(StatsRefresh.year == year))


def _q(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _rate(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


_COUNTS = ("persons", "participants", "complete", "professional_ok", "public_ok")


def _sums(table: Any = StatsCell, sources: bool = True) -> list[Any]:
    """Sums of the cells' counts and hours (by category; by source too unless a grouped table needs none)."""
    return [func.coalesce(func.sum(getattr(table, c)), 0).label(c) for c in
            (*_COUNTS, *CATEGORY_COLUMNS, *((f"src_{x}" for x in SOURCES) if sources else ()))]


def totals(s: Session, scope: Scope, year: int, sl: Slice) -> dict[str, Any]:
    """The scope's sums for a year (persons, requirement counts, hours by category and source)."""
    src = summary_table(scope, sl)
    row = s.execute(select(*_sums(src)).where(src.year == year, cell_clause(scope, sl, src))).one()._asdict()
    return {k: int(v) if k in _COUNTS else _q(v) for k, v in row.items()}


GROUP_COLUMNS = [Column("人数", numeric=True), Column("参加学习", numeric=True), Column("达到要求", numeric=True),
                 Column("达标率"), Column("专业科目达标", numeric=True), Column("公需科目达标", numeric=True),
                 Column("登记学时", numeric=True)]


def _group_row(r: Any) -> list[Any]:
    hours = _q(r.general_public) + _q(r.industry_public) + _q(r.professional)
    return [int(r.persons), int(r.participants), int(r.complete), _rate(int(r.complete), int(r.persons)),
            int(r.professional_ok), int(r.public_ok), hours]


def _bar(names: list[str], rows: list[list[Any]], horizontal: bool = True) -> dict[str, Any]:
    cat = {"type": "category", "data": names, "axisLabel": {"width": 90, "overflow": "truncate"}}
    val = {"type": "value", "minInterval": 1}
    return {"tooltip": {"trigger": "axis"}, "legend": {"top": 0},
            "grid": {"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": True},
            "xAxis": val if horizontal else cat, "yAxis": {**cat, "inverse": True} if horizontal else val,
            "series": [{"name": "人数", "type": "bar", "data": [r[0] for r in rows]},
                       {"name": "达到要求", "type": "bar", "data": [r[2] for r in rows]}]}


def _pie(pairs: list[tuple[str, Decimal]]) -> dict[str, Any]:
    return {"tooltip": {"trigger": "item"}, "legend": {"top": 0, "type": "scroll"},
            "series": [{"type": "pie", "radius": ["35%", "65%"], "top": 30,
                        "data": [{"name": n, "value": float(v)} for n, v in pairs]}]}


def overview(t: dict[str, Any]) -> Table:
    table = Table("overview", "人数与达标情况", [Column("指标", width=24), Column("人数", numeric=True),
                                                 Column("占比")])
    for measure, value in (("persons", t["persons"]), ("participants", t["participants"]),
                           ("complete", t["complete"]), ("short", t["persons"] - t["complete"]),
                           ("professional_ok", t["professional_ok"]), ("public_ok", t["public_ok"])):
        table.rows.append([MEASURES[measure], value, _rate(value, t["persons"])])
        table.drill.append({"measure": measure})
        table.narrow.append(None)
    return table


def categories(t: dict[str, Any]) -> Table:
    table = Table("categories", "按科目登记学时", [Column("科目", width=16), Column("学时", numeric=True)])
    for c in CATEGORY_COLUMNS:
        table.rows.append([CATEGORY_NAMES[c], t[c]])
        table.drill.append({"measure": f"cat_{c}"})
        table.narrow.append(None)
    table.chart = _pie([(r[0], r[1]) for r in table.rows])
    return table


def sources(t: dict[str, Any]) -> Table:
    table = Table("sources", "按来源登记学时", [Column("来源", width=18), Column("学时", numeric=True)])
    for x in SOURCES:
        table.rows.append([SOURCE_NAMES[x], t[f"src_{x}"]])
        table.drill.append({"measure": f"src_{x}"})
        table.narrow.append(None)
    table.chart = _pie([(r[0], r[1]) for r in table.rows])
    return table


def _grouped(s: Session, scope: Scope, year: int, sl: Slice, key: str, limit: int | None = None) -> list[Any]:
    src = StatsCell if key == "employer_id" else summary_table(scope, sl)
    col = getattr(src, key)
    q = (select(col.label("k"), *_sums(src, sources=False)).where(src.year == year, cell_clause(scope, sl, src))
         .group_by(col).order_by(func.sum(src.persons).desc(), col))
    return list(s.execute(q.limit(limit) if limit else q))


def by_region(s: Session, scope: Scope, year: int, sl: Slice) -> Table:
    table = Table("regions", "按地区", [Column("地区", width=24), *GROUP_COLUMNS])
    for r in _grouped(s, scope, year, sl, "region"):
        region = REGIONS.get(r.k)
        table.rows.append([region.short_name if region else r.k, *_group_row(r)])
        table.drill.append({"region": r.k})
        table.narrow.append({"region": r.k})
    table.chart = _bar([r[0] for r in table.rows], [r[1:] for r in table.rows]) if table.rows else None
    return table


def by_industry(s: Session, scope: Scope, year: int, sl: Slice) -> Table:
    table = Table("industries", "按行业", [Column("行业", width=16), *GROUP_COLUMNS])
    for r in _grouped(s, scope, year, sl, "industry"):
        table.rows.append([r.k or "未填写", *_group_row(r)])
        table.drill.append({"industry": r.k or NONE})
        table.narrow.append({"industry": r.k or NONE})
    table.chart = _bar([r[0] for r in table.rows], [r[1:] for r in table.rows]) if table.rows else None
    return table


def by_employer(s: Session, scope: Scope, year: int, sl: Slice) -> Table:
    table = Table("employers", "按单位", [Column("单位", width=30), *GROUP_COLUMNS],
                  note=f"人数最多的 {TOP_EMPLOYERS} 个单位；导出 Excel 含全部单位")
    return _employer_rows(s, scope, year, sl, table, TOP_EMPLOYERS)


def _employer_rows(s: Session, scope: Scope, year: int, sl: Slice, table: Table, limit: int | None) -> Table:
    grouped = _grouped(s, scope, year, sl, "employer_id", limit)
    names = dict(s.execute(select(Organisation.id, Organisation.name)
                           .where(Organisation.id.in_([r.k for r in grouped if r.k is not None]))).tuples().all())
    for r in grouped:
        table.rows.append([names.get(r.k, "未确认单位") if r.k is not None else "未确认单位", *_group_row(r)])
        table.drill.append({"employer": r.k or 0})
        table.narrow.append({"employer": r.k or 0})
    return table


def all_employers(s: Session, scope: Scope, year: int, sl: Slice) -> Table:
    return _employer_rows(s, scope, year, sl, Table("employers", "按单位", [Column("单位", width=30),
                                                                             *GROUP_COLUMNS]), None)


def by_year(s: Session, scope: Scope, year: int, sl: Slice) -> Table:
    table = Table("years", "历年对比", [Column("年度"), *GROUP_COLUMNS])
    src = summary_table(scope, sl)
    for r in s.execute(select(src.year.label("k"), *_sums(src, sources=False))
                       .where(src.year.between(year - YEARS_BACK + 1, year), cell_clause(scope, sl, src))
                       .group_by(src.year).order_by(src.year)):
        table.rows.append([f"{r.k} 年", *_group_row(r)])
        table.drill.append(None)
        table.narrow.append(None)
    if table.rows:
        table.chart = {"tooltip": {"trigger": "axis"}, "legend": {"top": 0},
                       "grid": {"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": True},
                       "xAxis": {"type": "category", "data": [r[0] for r in table.rows]},
                       "yAxis": {"type": "value", "minInterval": 1},
                       "series": [{"name": "人数", "type": "line", "data": [r[1] for r in table.rows]},
                                  {"name": "达到要求", "type": "line", "data": [r[3] for r in table.rows]}]}
    return table


AGE_COLUMNS = ("up_to_7", "up_to_30", "up_to_90", "over_90")
AGE_NAMES = ("7 天内", "8–30 天", "31–90 天", "90 天以上")


def claims(s: Session, scope: Scope, sl: Slice) -> Table:
    c = StatsClaimCell
    table = Table("claims", "待处理的学时认证（按环节与等待时间）",
                  [Column("环节", width=18), Column("件数", numeric=True),
                   *[Column(n, numeric=True) for n in AGE_NAMES], Column("最早一件等待自", width=20)])
    rows = s.execute(select(c.status, c.step, func.sum(c.waiting).label("waiting"),
                            *[func.sum(getattr(c, a)).label(a) for a in AGE_COLUMNS],
                            func.min(c.oldest).label("oldest"))
                     .where(_dims(scope, c.region, c.industry, c.employer_id, sl))
                     .group_by(c.status, c.step).order_by(c.status, c.step))
    for r in rows:
        label = "退回待修改" if r.status == "returned" else f"待第 {r.step + 1} 级审核"
        table.rows.append([label, int(r.waiting), *[int(getattr(r, a)) for a in AGE_COLUMNS], r.oldest])
        table.drill.append({"measure": "claims", "status": r.status, "step": r.step})
        table.narrow.append(None)
    if table.rows:
        table.chart = {"tooltip": {"trigger": "axis"}, "legend": {"top": 0},
                       "grid": {"left": 8, "right": 16, "top": 56, "bottom": 8, "containLabel": True},
                       "xAxis": {"type": "value", "minInterval": 1},
                       "yAxis": {"type": "category", "inverse": True, "data": [r[0] for r in table.rows]},
                       "series": [{"name": n, "type": "bar", "stack": "age", "data": [r[2 + i] for r in table.rows]}
                                  for i, n in enumerate(AGE_NAMES)]}
    return table


def exams(s: Session, scope: Scope, year: int, sl: Slice) -> Table:
    """Sessions of the plans the scope's bureaus run (fill), and the papers of the scope's persons (pass rate)."""
    table = Table("exams", "考试场次与合格率", [Column("考试计划", width=24), Column("场次", numeric=True),
                                                 Column("座位", numeric=True), Column("已约", numeric=True),
                                                 Column("满座率"), Column("交卷", numeric=True),
                                                 Column("合格", numeric=True), Column("合格率")])
    try:
        from exams.models import ExamPlan, ExamSession
    except ImportError:  # an installation without the exams package has no sessions
        return table
    live = ExamSession.cancelled_at.is_(None)
    fill = dict((r.plan_id, r) for r in s.execute(
        select(ExamSession.plan_id, func.count().label("n"), func.sum(ExamSession.seats).label("seats"),
               func.sum(ExamSession.taken).label("taken"))
        .join(ExamPlan, ExamPlan.id == ExamSession.plan_id)
        .join(Organisation, Organisation.id == ExamPlan.owner_org_id)
        .where(ExamPlan.year == year, live, org_clause(scope)).group_by(ExamSession.plan_id)))
    papers = exam_papers_query(scope, year, sl).subquery()
    passed = dict((r.plan_id, r) for r in s.execute(
        select(papers.c.plan_id, func.count().label("n"),
               func.coalesce(func.sum(case((papers.c.passed == true(), 1), else_=0)), 0).label("passed"))
        .group_by(papers.c.plan_id)))
    plans = s.execute(select(ExamPlan.id, ExamPlan.title).where(ExamPlan.id.in_(set(fill) | set(passed)))
                      .order_by(ExamPlan.id)).all()
    for plan_id, title in plans:
        f, p = fill.get(plan_id), passed.get(plan_id)
        seats, taken = int(f.seats) if f else 0, int(f.taken) if f else 0
        n, ok = int(p.n) if p else 0, int(p.passed) if p else 0
        table.rows.append([title, int(f.n) if f else 0, seats, taken, _rate(taken, seats), n, ok, _rate(ok, n)])
        table.drill.append({"measure": "exam", "plan": plan_id} if n else None)
        table.narrow.append(None)
    return table


def exam_papers_query(scope: Scope, year: int, sl: Slice, plan_id: int | None = None,
                      passed: bool = False) -> Select[Any]:
    """The papers behind the exams table's 交卷 (passed: 合格) figures: submitted by the scope's persons of the
    year, in a plan (or every plan), with who sat them; the table counts this very query."""
    from exams.models import Booking, ExamPaper, ExamSession
    p = StatsPersonYear
    q = (select(ExamPaper, Booking.plan_id, Person.name.label("person_name"),
                Person.id_number.label("person_id_number"), p.region, p.industry,
                Organisation.name.label("employer_name"), ExamSession.starts_at)
         .join(Booking, Booking.id == ExamPaper.booking_id)
         .join(ExamSession, ExamSession.id == ExamPaper.session_id)
         .join(p, and_(p.person_id == ExamPaper.person_id, p.year == year))
         .join(Person, Person.id == ExamPaper.person_id)
         .outerjoin(Organisation, Organisation.id == p.employer_id)
         .where(ExamPaper.status == "submitted", person_year_clause(scope, sl)))
    if plan_id is not None:
        q = q.where(Booking.plan_id == plan_id)
    if passed:
        q = q.where(ExamPaper.passed == true())
    return q.order_by(ExamSession.starts_at, ExamPaper.id)


def funding(s: Session, scope: Scope, year: int, sl: Slice) -> Table:
    """Training fees reported by organisers' programmes (川人社发〔2016〕20号 七(三)): each attendee of the scope
    listed on an approved programme of the year at the programme's fee, by the attendee's region and the
    programme's industry."""
    table = Table("funding", "培训经费（施教机构报备的培训费）",
                  [Column("地区", width=20), Column("行业", width=14), Column("培训项目", numeric=True),
                   Column("参训人次", numeric=True), Column("培训费（元）", numeric=True)])
    attended = fees_query(scope, year, sl).subquery()
    rows = s.execute(
        select(attended.c.region, attended.c.programme_industry,
               func.count(func.distinct(attended.c.programme_id)).label("programmes"),
               func.count().label("attendees"), func.coalesce(func.sum(attended.c.fee), 0).label("fees"))
        .group_by(attended.c.region, attended.c.programme_industry)
        .order_by(attended.c.region, attended.c.programme_industry))
    for r in rows:
        region = REGIONS.get(r.region)
        table.rows.append([region.short_name if region else r.region, r.programme_industry or "未填写",
                           int(r.programmes), int(r.attendees), _q(r.fees)])
        table.drill.append({"measure": "fees", "fee_region": r.region, "fee_industry": r.programme_industry or NONE})
        table.narrow.append(None)
    return table


def _fee_reports(scope: Scope, year: int, sl: Slice) -> Select[Any]:
    """The fee reports of the year by the organisations a scope covers (an organisation's own region and industry,
    as persons are covered by theirs; an employer covers itself), narrowed to the slice."""
    o = Organisation
    return (select(FeeReport, o.name, o.uscc, o.region_code, o.industry).join(o, o.id == FeeReport.org_id)
            .where(FeeReport.year == year, _dims(scope, o.region_code, o.industry, o.id, sl)))


EMPLOYER_FUNDING_NOTE = "各单位报告的本年度培训经费与参训人次，按单位所在地区和所属行业汇总；导出 Excel 为各单位明细"


def employer_funding(s: Session, scope: Scope, year: int, sl: Slice) -> Table:
    """Training fees reported by employers and agencies (川人社发〔2016〕20号 七(三); lms/orgs/fees.py), by the
    organisation's region and industry. Live: a report counts as soon as it is made."""
    table = Table("employer_funding", "培训经费（用人单位报告）",
                  [Column("地区", width=20), Column("行业", width=14), Column("报告单位", numeric=True),
                   Column("参训人次", numeric=True), Column("培训经费（元）", numeric=True)],
                  note=EMPLOYER_FUNDING_NOTE)
    reports = _fee_reports(scope, year, sl).subquery()
    rows = s.execute(
        select(reports.c.region_code, reports.c.industry, func.count().label("orgs"),
               func.coalesce(func.sum(reports.c.trained), 0).label("trained"),
               func.coalesce(func.sum(reports.c.amount), 0).label("amount"))
        .group_by(reports.c.region_code, reports.c.industry).order_by(reports.c.region_code, reports.c.industry))
    for r in rows:
        region = REGIONS.get(r.region_code)
        table.rows.append([region.short_name if region else r.region_code, r.industry or "未填写", int(r.orgs),
                           int(r.trained), _q(r.amount)])
        table.drill.append(None)   # money an employer spent has no persons behind it; the export lists the employers
        table.narrow.append(None)
    return table


def employer_fee_list(s: Session, scope: Scope, year: int, sl: Slice) -> Table:
    """The employer_funding table's export: every report behind it, one row per organisation."""
    table = Table("employer_funding", "培训经费（用人单位报告）明细",
                  [Column("单位", width=30), Column("统一社会信用代码", width=22), Column("地区", width=20),
                   Column("行业", width=14), Column("参训人次", numeric=True), Column("培训经费（元）", numeric=True),
                   Column("说明", width=30), Column("报告时间", width=20)])
    for r in s.execute(_fee_reports(scope, year, sl).order_by(Organisation.region_code, Organisation.name)):
        region = REGIONS.get(r.region_code)
        report = r[0]
        table.rows.append([r.name, r.uscc or "", region.short_name if region else r.region_code, r.industry or "未填写",
                           report.trained, _q(report.amount), report.note or "", report.reported_at])
        table.drill.append(None)
        table.narrow.append(None)
    return table


def exam_plan(s: Session, scope: Scope, plan_id: int) -> Any:
    """An exam plan of the exams table: one its scope's bureaus run, or one its scope's persons sat; 404 otherwise."""
    from exams.models import Booking, ExamPaper, ExamPlan
    sat = (select(true()).select_from(ExamPaper).join(Booking, Booking.id == ExamPaper.booking_id)
           .join(Person, Person.id == ExamPaper.person_id)
           .where(Booking.plan_id == ExamPlan.id, person_clause(scope)).exists())
    found = s.scalar(select(ExamPlan).where(ExamPlan.id == plan_id, or_(
        ExamPlan.owner_org_id.in_(select(Organisation.id).where(org_clause(scope))), sat)))
    if found is None:
        raise NotFound("没有这个考试计划，或它不在您的统计范围内")
    return found


def fees_query(scope: Scope, year: int, sl: Slice, region: str | None = None,
               industry: str | None = None) -> Select[Any]:
    """The attendances behind the funding table: each attendee of the scope listed on an approved programme of the
    year, at the programme's fee, narrowed to a row's attendee region and programme industry (NONE: not filled in);
    the table sums this very query."""
    spy = StatsPersonYear
    q = (select(RosterRow, spy.region, spy.industry, Programme.id.label("programme_id"),
                Programme.industry.label("programme_industry"), Programme.title.label("programme"), Programme.fee,
                Person.name.label("person_name"), Person.id_number.label("person_id_number"),
                Organisation.name.label("employer_name"))
         .select_from(RosterRow).join(RosterUpload, RosterUpload.id == RosterRow.upload_id)
         .join(Programme, Programme.id == RosterUpload.programme_id)
         .join(spy, and_(spy.person_id == RosterRow.person_id, spy.year == year))
         .join(Person, Person.id == RosterRow.person_id)
         .outerjoin(Organisation, Organisation.id == spy.employer_id)
         .where(Programme.status == "approved", RosterRow.status.in_(("ok", "credited")),
                Programme.starts_on.between(_first_day(year), _last_day(year)), person_year_clause(scope, sl)))
    if region is not None:
        q = q.where(spy.region == region)
    if industry is not None:
        q = q.where(Programme.industry.is_(None) if industry == NONE else Programme.industry == industry)
    return q.order_by(Programme.starts_on, Programme.id, RosterRow.id)


def _first_day(year: int) -> date:
    return date(year, 1, 1)


def _last_day(year: int) -> date:
    return date(year, 12, 31)


@dataclass
class Dashboard:
    year: int
    slice: Slice
    totals: dict[str, Any]
    tables: list[Table]
    refreshed_at: datetime | None
    claims_refreshed_at: datetime | None


TABLES = ("overview", "categories", "sources", "regions", "industries", "employers", "years", "claims", "exams",
          "funding", "employer_funding")


def table(s: Session, scope: Scope, year: int, sl: Slice, key: str, everything: bool = False) -> Table:
    """One table of the dashboard by its key (everything: the employers' table with every employer, for export)."""
    if key in ("overview", "categories", "sources"):
        t = totals(s, scope, year, sl)
        return {"overview": overview, "categories": categories, "sources": sources}[key](t)
    if key == "claims":
        return claims(s, scope, sl)
    if key == "employers" and everything:
        return all_employers(s, scope, year, sl)
    if key == "employer_funding" and everything:
        return employer_fee_list(s, scope, year, sl)
    return {"regions": by_region, "industries": by_industry, "employers": by_employer, "years": by_year,
            "exams": exams, "funding": funding, "employer_funding": employer_funding}[key](s, scope, year, sl)


def dashboard(s: Session, scope: Scope, year: int, sl: Slice) -> Dashboard:
    """Every table of a scope's dashboard for a year."""
    t = totals(s, scope, year, sl)
    tables = [overview(t), categories(t), sources(t)]
    if scope.territorial:
        tables.append(by_region(s, scope, year, sl))
    tables += [by_industry(s, scope, year, sl), by_employer(s, scope, year, sl), by_year(s, scope, year, sl),
               claims(s, scope, sl), exams(s, scope, year, sl), funding(s, scope, year, sl),
               employer_funding(s, scope, year, sl)]
    return Dashboard(year, sl, t, tables, refreshed_at(s, year), refreshed_at(s, CLAIMS))


# ---- the persons behind a figure -----------------------------------------------------------------------------

def _measure_clause(measure: str) -> ColumnElement[bool] | None:
    p = StatsPersonYear
    simple: dict[str, ColumnElement[bool]] = {
        "participants": p.entries > 0, "complete": p.complete == true(), "short": p.complete != true(),
        "professional_ok": p.professional_ok == true(), "public_ok": p.public_ok == true()}
    if measure == "persons":
        return true()
    if measure in simple:
        return simple[measure]
    if measure.startswith("cat_") and measure[4:] in CATEGORY_COLUMNS:
        return getattr(p, measure[4:]) != 0
    if measure.startswith("src_") and measure[4:] in SOURCES:
        return getattr(p, measure) != 0
    return None


def people_count(s: Session, scope: Scope, year: int, sl: Slice, measure: str) -> int:
    """How many persons people_query lists: the dashboard's own figure where it is a count of persons (the same
    refresh wrote both), else counted on the person-year summary alone, without the list's joins."""
    if measure in (*_COUNTS, "short"):
        t = totals(s, scope, year, sl)
        return int(t["persons"] - t["complete"] if measure == "short" else t[measure])
    cond = _measure_clause(measure)
    p = StatsPersonYear
    return int(s.scalar(select(func.count()).select_from(p).where(p.year == year, person_year_clause(scope, sl),
                                                                   cond if cond is not None else false())) or 0)


def people_query(scope: Scope, year: int, sl: Slice, measure: str, limit: int | None = None,
                 offset: int = 0) -> Select[Any] | None:
    """The persons behind a figure, with their year (None: no such figure); with limit, one page of them, chosen on
    the summary before it is joined to names and employers."""
    cond = _measure_clause(measure)
    if cond is None:
        return None
    p = StatsPersonYear
    where = and_(p.year == year, person_year_clause(scope, sl), cond)
    if limit is not None:
        page = select(p.person_id).where(where).order_by(p.person_id).limit(limit).offset(offset).subquery()
        where = and_(p.year == year, p.person_id.in_(select(page.c.person_id)))
    return (select(p, Person.name, Person.id_number, Organisation.name.label("employer_name"))
            .join(Person, Person.id == p.person_id).outerjoin(Organisation, Organisation.id == p.employer_id)
            .where(where).order_by(p.person_id))


def claims_people_query(scope: Scope, sl: Slice, status: str, step: int) -> Select[Any]:
    """The persons whose claims wait at a step (live: the claims as they are now)."""
    from ..claims.models import HourClaim
    from ..orgs.models import Employment
    current = select(Employment.person_id, Employment.org_id).where(Employment.status == "current").subquery()
    return (select(HourClaim, Person.name, Person.id_number, Person.region, Person.industry,
                   Organisation.name.label("employer_name"))
            .join(Person, Person.id == HourClaim.person_id)
            .outerjoin(current, current.c.person_id == HourClaim.person_id)
            .outerjoin(Organisation, Organisation.id == current.c.org_id)
            .where(HourClaim.status == status, HourClaim.step == step,
                   _dims(scope, Person.region, Person.industry, current.c.org_id, sl))
            .order_by(HourClaim.updated_at, HourClaim.id))


def count_of(s: Session, q: Select[Any]) -> int:
    return int(s.scalar(select(func.count()).select_from(q.order_by(None).subquery())) or 0)
