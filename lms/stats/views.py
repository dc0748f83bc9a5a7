"""The statistics pages of the city and county HR bureaus, industry authorities and employers (each its own scope,
lms/orgs/scope.py), their drill-down lists and their XLSX exports."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..accounts.models import mask_id_number
from ..db import get_session
from ..errors import NotFound
from ..exports import Column, xlsx_response
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
    people_count,
    people_query,
    refreshed_at,
    table,
)

bp = Blueprint("stats", __name__)
stats_pages = staff_pages("bureau", "authority", "employer", "agency")
PAGE = 50
FIRST_YEAR = 2000


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= clock.study_year():
        raise NotFound("没有这个年度的统计（只能查看 2000 年至今年）")
    return year


def _slice(org_id: int | None = None) -> Slice:
    """The region, industry and employer asked for; 404 for one outside the account's scope."""
    s = get_session()
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
            out.append(visible_org(get_session(), current_user, sl.employer_id).name)
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
    s = get_session()
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
    s = get_session()
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


def _people(year: int) -> tuple[Any, Slice, str, str, bool]:
    """The query of the persons behind a figure, its slice, measure, title and whether it lists claims."""
    s = get_session()
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
        return claims_people_query(scope, sl, status, step), sl, measure, label, True
    q = people_query(scope, year, sl, measure)
    if q is None:
        raise NotFound("没有这项统计")
    return q, sl, measure, MEASURES[measure], False


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


@bp.get("/stats/<int:year>/people")
@stats_pages
def people(year: int) -> Any:
    """The persons behind a figure, 50 a page."""
    s = get_session()
    q, sl, measure, label, is_claims = _people(year)
    year = _year(year)
    page = query_int("page", 1, hi=100_000)
    total = count_of(s, q) if is_claims else people_count(s, scope_of(s, current_user), year, sl, measure)
    if not is_claims:
        paged = people_query(scope_of(s, current_user), year, sl, measure, PAGE, (page - 1) * PAGE)
        found = list(s.execute(paged if paged is not None else q))
    else:
        found = list(s.execute(q.limit(PAGE).offset((page - 1) * PAGE)))
    rows = [(_claim_row if is_claims else _person_row)(r) for r in found]
    ids = [r[0].person_id for r in found]
    args = {k: v for k, v in request.args.items() if k != "page"}
    back_args = {k: v for k, v in args.items() if k not in ("measure", "status", "step")}
    return render_template("stats/people.html", year=year, label=label, names=_slice_names(sl), rows=rows, ids=ids,
                           columns=CLAIM_COLUMNS if is_claims else PEOPLE_COLUMNS, total=total, page=page,
                           pages=max(1, -(-total // PAGE)), args=args, back_args=back_args, measure=measure,
                           as_of=refreshed_at(s, CLAIMS if is_claims else year), live=is_claims,
                           territorial=scope_of(s, current_user).territorial)


@bp.get("/stats/<int:year>/people.xlsx")
@stats_pages
def people_export(year: int) -> Any:
    """The persons behind a figure as XLSX, streamed from the database (any number of rows)."""
    s = get_session()
    q, _sl, _measure, label, is_claims = _people(year)
    convert = _claim_row if is_claims else _person_row
    rows = (convert(r) for r in s.execute(q.execution_options(yield_per=2000)))
    return xlsx_response(f"统计-{year}-{label}", CLAIM_COLUMNS if is_claims else PEOPLE_COLUMNS, rows,
                         sheet=label[:31])
