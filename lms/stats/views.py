"""The statistics pages of the city and county HR bureaus, industry authorities and employers (each its own scope,
lms/orgs/scope.py), their drill-down lists and their exports (XLSX; a figure's persons also as CSV)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import Session

from .. import clock
from ..accounts.models import mask_id_number
from ..db import get_session, outliving_request, read_session
from ..errors import NotFound
from ..exports import Column, csv_response, xlsx_response
from ..orgs.scope import scope_of, visible_org
from ..regions import INDUSTRIES, REGIONS
from ..security import staff_pages
from ..validation import query_int
from .operations import CLAIMS
from .queries import (
    MEASURES,
    NONE,
    TABLES,
    Slice,
    claims_people_query,
    count_of,
    dashboard,
    exam_papers_query,
    exam_plan,
    fees_query,
    people_count,
    people_query,
    refreshed_at,
    table,
)

bp = Blueprint("stats", __name__)
stats_pages = staff_pages("bureau", "authority", "employer", "agency")
PAGE = 50
FIRST_YEAR = 2000
# From this many persons the drill-down suggests CSV: an XLSX is a zip, sent once it is whole (bench-scale's city of
# 500,000 persons: 31 s before the first byte, 64 s before XlsxWriter), a CSV's first rows go at once.
LARGE_EXPORT = 100_000


def _reads() -> Session:
    """Where a statistics page reads: the streaming replica when there is one (its figures are as of their refresh,
    which the page says), except the claims waiting now, which are read live on the primary."""
    return get_session() if request.args.get("measure") == "claims" else read_session()


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= clock.study_year():
        raise NotFound("没有这个年度的统计（只能查看 2000 年至今年）")
    return year


def _slice(org_id: int | None = None) -> Slice:
    """The region, industry and employer asked for; 404 for one outside the account's scope."""
    s = _reads()
    scope = scope_of(s, current_user)
    region = request.args.get("region") or None
    if region is not None and (region not in REGIONS or not scope.covers(region)):
        raise NotFound("该地区不在您的统计范围内")
    industry = request.args.get("industry") or None
    if industry is not None and (industry not in (*INDUSTRIES, NONE) or scope.industry and industry != scope.industry):
        raise NotFound("该行业不在您的统计范围内")
    employer = org_id if org_id is not None else query_int("employer", -1, lo=0) if "employer" in request.args else None
    if employer == -1:
        employer = None
    if employer:
        visible_org(s, current_user, employer)
    return Slice(region, industry, employer)


def _slice_names(sl: Slice) -> list[str]:
    out = []
    if sl.region:
        out.append(REGIONS[sl.region].short_name)
    if sl.industry:
        out.append("行业未填写" if sl.industry == NONE else sl.industry)
    if sl.employer_id is not None:
        if sl.employer_id == 0:
            out.append("未确认单位的人员")
        else:
            out.append(visible_org(_reads(), current_user, sl.employer_id).name)
    return out


@bp.get("/stats")
@stats_pages
def home() -> Any:
    """This study year's dashboard."""
    return redirect(url_for("stats.dashboard", year=clock.study_year()))


@bp.get("/stats/<int:year>", endpoint="dashboard")
@bp.get("/stats/<int:year>/orgs/<int:org_id>", endpoint="org")
@stats_pages
def dashboard_page(year: int, org_id: int | None = None) -> Any:
    """A dashboard of the account's scope for a year, narrowed to a region, industry or employer when asked."""
    s = _reads()
    year = _year(year)
    sl = _slice(org_id)
    scope = scope_of(s, current_user)
    board = dashboard(s, scope, year, sl)
    years = list(range(clock.study_year(), max(FIRST_YEAR, clock.study_year() - 6), -1))
    return render_template("stats/dashboard.html", board=board, years=years, names=_slice_names(sl),
                           territorial=scope.territorial)


@bp.get("/stats/<int:year>/<any(" + ",".join(TABLES) + "):key>.xlsx")
@stats_pages
def export(year: int, key: str) -> Any:
    """One table of the dashboard as XLSX (the employers' table with every employer)."""
    s = _reads()
    year = _year(year)
    sl = _slice()
    t = table(s, scope_of(s, current_user), year, sl, key, everything=True)
    return xlsx_response(f"统计-{year}-{t.title}", t.columns, t.rows, sheet=t.title)


PEOPLE_COLUMNS = [Column("姓名"), Column("身份证号", width=22), Column("地区", width=20), Column("行业"),
                  Column("单位", width=30), Column("一般公需", numeric=True), Column("行业公需", numeric=True),
                  Column("专业科目", numeric=True), Column("合计", numeric=True), Column("达到要求")]
CLAIM_COLUMNS = [Column("姓名"), Column("身份证号", width=22), Column("地区", width=20), Column("行业"),
                 Column("单位", width=30), Column("认证事项", width=30), Column("申报学时", numeric=True),
                 Column("等待自", width=20)]
EXAM_COLUMNS = [Column("姓名"), Column("身份证号", width=22), Column("地区", width=20), Column("行业"),
                Column("单位", width=30), Column("考试场次", width=20), Column("成绩", numeric=True), Column("合格")]
FEE_COLUMNS = [Column("姓名"), Column("身份证号", width=22), Column("地区", width=20), Column("行业"),
               Column("单位", width=30), Column("培训项目", width=30), Column("项目行业"),
               Column("培训费（元）", numeric=True)]


@dataclass(frozen=True)
class Drill:
    """The list behind one figure: its query, title, columns, how a row reads, and what it is counted from."""

    query: Any
    slice: Slice
    measure: str
    label: str
    columns: list[Column]
    row: Callable[[Any], list[Any]]
    summary: bool = False   # a count of persons the dashboard's own summary also holds (people_count)
    live: bool = False      # read as the records are now, not as of the last refresh


def _people(year: int) -> Drill:
    """The list behind the figure the query string names (404 for a figure that does not exist or lies outside
    the account's scope)."""
    s = _reads()
    year = _year(year)
    sl = _slice()
    scope = scope_of(s, current_user)
    measure = request.args.get("measure") or "persons"
    if measure == "claims":
        status = request.args.get("status") or "pending"
        if status not in ("pending", "returned"):
            raise NotFound("没有这项统计")
        step = query_int("step", 0, lo=0, hi=20)
        label = "退回待修改的认证" if status == "returned" else f"待第 {step + 1} 级审核的认证"
        return Drill(claims_people_query(scope, sl, status, step), sl, measure, label, CLAIM_COLUMNS, _claim_row,
                     live=True)
    if measure in ("exam", "exam_passed"):
        plan = exam_plan(s, scope, query_int("plan", 0))
        label = f"{plan.title}：{'合格' if measure == 'exam_passed' else '交卷'}人员"
        q = exam_papers_query(scope, year, sl, plan.id, passed=measure == "exam_passed")
        return Drill(q, sl, measure, label, EXAM_COLUMNS, _exam_row)
    if measure == "fees":
        region, industry = request.args.get("fee_region") or "", request.args.get("fee_industry") or NONE
        if region not in REGIONS or (scope.territorial and not scope.covers(region)):
            raise NotFound("该地区不在您的统计范围内")
        if industry not in (*INDUSTRIES, NONE):
            raise NotFound("没有这个行业")
        label = f"培训经费：{_region_name(region)} · {'行业未填写' if industry == NONE else industry}的参训人员"
        return Drill(fees_query(scope, year, sl, region, industry), sl, measure, label, FEE_COLUMNS, _fee_row)
    q = people_query(scope, year, sl, measure)
    if q is None:
        raise NotFound("没有这项统计")
    return Drill(q, sl, measure, MEASURES[measure], PEOPLE_COLUMNS, _person_row, summary=True)


def _region_name(code: str | None) -> str:
    region = REGIONS.get(code or "")
    return region.short_name if region else (code or "")


def _person_row(r: Any) -> list[Any]:
    p = r[0]
    return [r.name, mask_id_number(r.id_number), _region_name(p.region), p.industry or "", r.employer_name or "",
            p.general_public, p.industry_public, p.professional, p.total, "是" if p.complete else "否"]


def _claim_row(r: Any) -> list[Any]:
    c = r[0]
    return [r.name, mask_id_number(r.id_number), _region_name(r.region), r.industry or "", r.employer_name or "",
            c.title, c.hours_claimed, c.updated_at]


def _exam_row(r: Any) -> list[Any]:
    paper = r[0]
    return [r.person_name, mask_id_number(r.person_id_number), _region_name(r.region), r.industry or "",
            r.employer_name or "", r.starts_at, paper.score, "是" if paper.passed else "否"]


def _fee_row(r: Any) -> list[Any]:
    return [r.person_name, mask_id_number(r.person_id_number), _region_name(r.region), r.industry or "",
            r.employer_name or "", r.programme, r.programme_industry or "未填写", r.fee]


@bp.get("/stats/<int:year>/people")
@stats_pages
def people(year: int) -> Any:
    """The persons behind a figure, 50 a page."""
    s = _reads()
    d = _people(year)
    year = _year(year)
    scope = scope_of(s, current_user)
    page = query_int("page", 1, hi=100_000)
    total = people_count(s, scope, year, d.slice, d.measure) if d.summary else count_of(s, d.query)
    paged = people_query(scope, year, d.slice, d.measure, PAGE, (page - 1) * PAGE) if d.summary else None
    found = list(s.execute(paged if paged is not None else d.query.limit(PAGE).offset((page - 1) * PAGE)))
    args = {k: v for k, v in request.args.items() if k != "page"}
    back_args = {k: v for k, v in args.items() if k not in ("measure", "status", "step", "plan", "fee_region",
                                                            "fee_industry")}
    return render_template("stats/people.html", year=year, label=d.label, names=_slice_names(d.slice),
                           rows=[d.row(r) for r in found], ids=[r[0].person_id for r in found], columns=d.columns,
                           total=total, page=page, pages=max(1, -(-total // PAGE)), args=args, back_args=back_args,
                           measure=d.measure, as_of=refreshed_at(s, CLAIMS if d.live else year), live=d.live,
                           territorial=scope.territorial, large=LARGE_EXPORT)


@bp.get("/stats/<int:year>/people.<any(csv, xlsx):fmt>")
@stats_pages
def people_export(year: int, fmt: str) -> Any:
    """The persons behind a figure, streamed from the database (any number of rows): as CSV row by row while the
    query is read, or as XLSX written to a spooled file on disk and then sent."""
    s = _reads()
    d = _people(year)
    name = f"统计-{year}-{d.label}"
    if fmt == "xlsx":
        rows = (d.row(r) for r in s.execute(d.query.execution_options(yield_per=500)))
        return xlsx_response(name, d.columns, rows, sheet=d.label[:31])
    s = outliving_request(s)   # the rows are read while the body is sent, after the request's teardown
    try:
        result = s.execute(d.query.execution_options(yield_per=500))
    except BaseException:
        s.close()
        raise

    def done() -> None:   # the server cursor first, then the session (both may be closed twice)
        try:
            result.close()
        finally:
            s.close()

    def rows() -> Iterator[list[Any]]:
        try:
            for r in result:
                yield d.row(r)
        finally:   # sent whole: closed at once, whether or not the server closes the response
            done()
    resp = csv_response(name, d.columns, rows())
    resp.call_on_close(done)   # the download broken off, perhaps before the first row
    return resp
