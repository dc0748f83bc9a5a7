"""Pages of training organisers' programmes and attendee rosters (温人社发〔2020〕125号 第十三、十四条): the public
list, the organiser's filing and roster upload, the competent bureau's approval and confirmation. Who sees what is
decided by programme_clause (lms/orgs/scope.py's scope)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from ..db import get_session, transaction
from ..errors import DomainError, InvalidFields, InvalidInput, NotFound
from ..exports import Column, export_response, xlsx_response
from ..hours.models import HoursEntry
from ..orgs.forms import ReasonForm, decide_with_reason
from ..orgs.scope import own_org, scope_of
from ..security import practitioner_required, roles_required, staff_pages
from ..validation import query_int
from .evaluation import (
    ProgrammeInspection,
    ProgrammeRating,
    attended,
    evaluations,
    rate_programme,
    record_inspection,
)
from .forms import InspectionForm, ProgrammeForm, RatingForm, RosterForm
from .models import Programme, RosterRow, RosterUpload
from .operations import (
    COLUMNS,
    SOURCE,
    confirm_roster,
    decide_programme,
    file_programme,
    is_competent,
    programme_clause,
    public_programmes,
    upload_roster,
    visible_programme,
    visible_upload,
)

bp = Blueprint("rosters", __name__)
PAGE = 20
ROWS_PAGE = 100
organiser_required = roles_required("organiser")
# Programme pages: the organiser's own, the competent bureau's and authority's (supervisors read).
programme_pages = staff_pages("bureau", "authority", "organiser")


@bp.get("/programmes")
def public_list() -> Any:
    """Approved programmes, listed publicly."""
    s = get_session()
    total = int(s.scalar(select(func.count()).select_from(Programme).where(public_programmes())) or 0)
    pages = max(1, -(-total // PAGE))
    page = min(query_int("page", 1), pages)
    rows = s.scalars(select(Programme).where(public_programmes())
                     .order_by(Programme.starts_on.desc(), Programme.id.desc())
                     .offset((page - 1) * PAGE).limit(PAGE)).all()
    return render_template("rosters/public.html", rows=rows, page=page, pages=pages,
                           page_url=lambda n: url_for("rosters.public_list", page=n))


@bp.get("/programmes/manage")
@programme_pages
def programmes() -> Any:
    """The programmes this account sees: its own (organiser) or those it approves, filed ones first."""
    s = get_session()
    where = programme_clause(scope_of(s, current_user))
    total = int(s.scalar(select(func.count()).select_from(Programme).where(where)) or 0)
    pages = max(1, -(-total // PAGE))
    page = min(query_int("page", 1), pages)
    rows = s.scalars(select(Programme).where(where)
                     .order_by((Programme.status == "filed").desc(), Programme.starts_on.desc(), Programme.id.desc())
                     .offset((page - 1) * PAGE).limit(PAGE)).all()
    latest = {u.programme_id: u for u in s.scalars(
        select(RosterUpload).where(RosterUpload.id.in_(
            select(func.max(RosterUpload.id)).where(RosterUpload.programme_id.in_([p.id for p in rows]))
            .group_by(RosterUpload.programme_id))))}
    scope = scope_of(s, current_user)
    own = own_org(s, current_user) if current_user.role == "organiser" else None
    return render_template("rosters/programmes.html", rows=rows, latest=latest, page=page, pages=pages, own=own,
                           page_url=lambda n: url_for("rosters.programmes", page=n),
                           evaluated=evaluations(s, [p.id for p in rows]) if scope.territorial else None)


@bp.route("/programmes/new", methods=["GET", "POST"])
@organiser_required
def new_programme() -> Any:
    """File a programme in advance (温 第十三条)."""
    s = get_session()
    form = ProgrammeForm()
    if form.validate_on_submit():
        try:
            with transaction():
                p = file_programme(s, current_user, title=form.title.data or "", category=form.category.data or "",
                                   industry=form.industry.data or "", starts_on=form.starts_on.data,
                                   ends_on=form.ends_on.data, hours_per_day=form.hours_per_day.data or "",
                                   venue=form.venue.data or "", fee=form.fee.data or "",
                                   capacity=form.capacity.data or "",
                                   approval_document=form.approval_document.data or "", ip=request.remote_addr)
        except InvalidFields as exc:
            for name, message in exc.fields.items():
                list.append(getattr(form, name).errors, message)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash("已报备，待主管部门审批", "success")
            return redirect(url_for("rosters.programme", programme_id=p.id))
    return render_template("rosters/new.html", form=form, own=own_org(s, current_user)), \
        (400 if form.errors or form.form_errors else 200)


@bp.get("/programmes/<int:programme_id>/manage")
@programme_pages
def programme(programme_id: int) -> Any:
    """One programme: details, decision, roster uploads."""
    s = get_session()
    p = visible_programme(s, current_user, programme_id)
    uploads = s.scalars(select(RosterUpload).where(RosterUpload.programme_id == p.id)
                        .order_by(RosterUpload.id.desc())).all()
    scope = scope_of(s, current_user)
    # 浙 第十二条, 川 七(三): attendees' ratings and inspection notes, shown to the bureau and authority (not the organiser)
    ratings = inspections = None
    if scope.territorial:
        ratings = s.scalars(select(ProgrammeRating).where(ProgrammeRating.programme_id == p.id)
                            .order_by(ProgrammeRating.id.desc())).all()
        inspections = s.scalars(select(ProgrammeInspection).where(ProgrammeInspection.programme_id == p.id)
                                .order_by(ProgrammeInspection.id.desc())).all()
    return render_template("rosters/programme.html", p=p, uploads=uploads, form=ReasonForm(), upload_form=RosterForm(),
                           may_decide=p.status == "filed" and is_competent(scope, p),
                           may_upload=scope.org_kind == "organiser" and scope.writable and p.status == "approved",
                           columns=COLUMNS, ratings=ratings, inspections=inspections,
                           evaluation=evaluations(s, [p.id])[p.id], may_inspect=is_competent(scope, p),
                           inspection_form=InspectionForm())


@bp.post("/programmes/<int:programme_id>/decide/<any(approve, reject):decision>")
@programme_pages
def decide(programme_id: int, decision: str) -> Any:
    """Approve a filed programme, or reject it with a reason."""
    s = get_session()
    p = visible_programme(s, current_user, programme_id)
    return decide_with_reason(
        decision, lambda approve, reason: decide_programme(s, current_user, p, approve, reason,
                                                           ip=request.remote_addr),
        url_for("rosters.programme", programme_id=p.id), reason_hint="请填写不予批准的原因（2–200 字）",
        approved="已批准，该项目已公开", rejected="已不予批准，施教机构将看到原因")


@bp.post("/programmes/<int:programme_id>/rosters")
@organiser_required
def upload(programme_id: int) -> Any:
    """Upload the attendee roster of a programme: every row is checked and reported."""
    s = get_session()
    p = visible_programme(s, current_user, programme_id)
    form = RosterForm()
    if not form.validate_on_submit():
        flash("；".join(form.file.errors) or "请选择文件", "error")
        return redirect(url_for("rosters.programme", programme_id=p.id)), 303
    f = form.file.data
    try:
        with transaction():
            u = upload_roster(s, current_user, p, f.filename or "", f.stream.read(), ip=request.remote_addr)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        flash(exc.message, "error")
        return redirect(url_for("rosters.programme", programme_id=p.id)), 303
    flash(f"名单已上传：共 {u.rows_total} 行，{u.rows_refused} 行不合格；待主管部门确认后登记学时", "success")
    return redirect(url_for("rosters.roster", upload_id=u.id))


@bp.get("/rosters/<int:upload_id>")
@programme_pages
def roster(upload_id: int) -> Any:
    """One roster upload, row by row: refused rows first."""
    s = get_session()
    u, p = visible_upload(s, current_user, upload_id)
    total = u.rows_total
    pages = max(1, -(-total // ROWS_PAGE))
    page = min(query_int("page", 1), pages)
    rows = s.scalars(select(RosterRow).where(RosterRow.upload_id == u.id)
                     .order_by((RosterRow.status == "refused").desc(), RosterRow.line)
                     .offset((page - 1) * ROWS_PAGE).limit(ROWS_PAGE)).all()
    counts = dict(s.execute(select(RosterRow.status, func.count()).where(RosterRow.upload_id == u.id)
                            .group_by(RosterRow.status)).all())
    return render_template("rosters/roster.html", u=u, p=p, rows=rows, counts=counts, page=page, pages=pages,
                           page_url=lambda n: url_for("rosters.roster", upload_id=u.id, page=n),
                           may_confirm=u.status == "checked" and is_competent(scope_of(s, current_user), p))


REPORT_COLUMNS = [Column("行号", numeric=True), Column("姓名", width=12), Column("身份证号码", width=22),
                  Column("参加天数", numeric=True), Column("学时", numeric=True), Column("结果", width=16),
                  Column("原因", width=60)]


@bp.get("/rosters/<int:upload_id>/report.xlsx")
@programme_pages
def report(upload_id: int) -> Any:
    """The row-by-row report of a roster upload, as XLSX."""
    s = get_session()
    u, _p = visible_upload(s, current_user, upload_id)
    rows = s.scalars(select(RosterRow).where(RosterRow.upload_id == u.id).order_by(RosterRow.line))
    return xlsx_response(f"roster-{u.id}-report", REPORT_COLUMNS,
                         ([r.line, r.name, r.id_number, r.days, r.hours, r.status_name, r.reason or ""]
                          for r in rows), sheet="名单检查结果")


@bp.post("/rosters/<int:upload_id>/confirm")
@programme_pages
def confirm(upload_id: int) -> Any:
    """Confirm a checked roster: its hours are registered in bulk, the difference only."""
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    s = get_session()
    u, _p = visible_upload(s, current_user, upload_id)
    try:
        with transaction():
            written = confirm_roster(s, current_user, u, ip=request.remote_addr)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        flash(exc.message, "error")
    else:
        flash(f"已确认：登记 {written} 条学时（已登记过的人员只登记差额）", "success")
    return redirect(url_for("rosters.roster", upload_id=u.id))


@bp.get("/programmes/roster-template.<any(csv, xlsx):fmt>")
@organiser_required
def roster_template(fmt: str) -> Any:
    """A roster template that uploads as downloaded (one example row)."""
    return export_response(fmt, "roster-template", [Column(c, width=20) for c in COLUMNS],
                           [("张三", "330302198506120010", "2", "")], sheet="参训人员名单")


@bp.get("/programmes/<int:programme_id>/card")
@practitioner_required
def card(programme_id: int) -> Any:
    """The attendee's 学时登记卡 of one programme (浙人社发〔2016〕63号 第十五条), to print: only for a programme whose
    hours were registered for them."""
    s = get_session()
    entries = s.scalars(select(HoursEntry).where(
        HoursEntry.person_id == current_user.id, HoursEntry.source_type == SOURCE,
        HoursEntry.source_ref.like(f"{programme_id}:{current_user.id}%")).order_by(HoursEntry.id)).all()
    p = s.get(Programme, programme_id)
    entries = [e for e in entries if e.source_ref.split(":")[:2] == [str(programme_id), str(current_user.id)]]
    if p is None or not entries:
        raise NotFound()
    rated = s.scalar(select(ProgrammeRating).where(ProgrammeRating.programme_id == p.id,
                                                   ProgrammeRating.person_id == current_user.id))
    return render_template("rosters/card.html", p=p, entries=entries, total=sum(e.hours for e in entries),
                           rated=rated, rating_form=RatingForm(), may_rate=attended(s, current_user, p.id))


@bp.post("/programmes/<int:programme_id>/rating")
@practitioner_required
def rate(programme_id: int) -> Any:
    """Rate a programme one attended, once (浙人社发〔2016〕63号 第十二条)."""
    form = RatingForm()
    if not form.validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    try:
        with transaction() as s:
            rate_programme(s, current_user, programme_id, form.score_value(), form.comment.data or "",
                           ip=request.remote_addr)
    except InvalidFields as exc:
        flash(exc.message, "error")
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        flash(exc.message, "error")
    else:
        flash("感谢评价，已提交", "success")
    return redirect(url_for("rosters.card", programme_id=programme_id))


@bp.post("/programmes/<int:programme_id>/inspections")
@programme_pages
def inspect(programme_id: int) -> Any:
    """Record an inspection note on a programme (川人社发〔2016〕20号 七(三))."""
    s = get_session()
    p = visible_programme(s, current_user, programme_id)
    form = InspectionForm()
    if not form.validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    try:
        with transaction():
            record_inspection(s, current_user, p, form.note.data or "", ip=request.remote_addr)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        flash(exc.message, "error")
    else:
        flash("检查意见已记录", "success")
    return redirect(url_for("rosters.programme", programme_id=p.id))
