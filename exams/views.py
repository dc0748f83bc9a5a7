"""Pages and JSON API of the exams: 考试报名 (practitioners), 考试计划 (bureau), 监考 (proctors)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import segno
from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select, true
from sqlalchemy.orm import Session, joinedload

from lms import clock
from lms.accounts.models import Person
from lms.catalogue.models import Course, CourseOffering
from lms.catalogue.rules import policy_of_person, registration_of
from lms.db import database, get_or_404, get_session, transaction
from lms.errors import Conflict, DomainError, InvalidInput, NotFound
from lms.exports import Column, export_response
from lms.orgs.models import Organisation
from lms.orgs.scope import course_clause, org_clause, scope_of, visible_course
from lms.regions import REGIONS
from lms.security import NotLoggedIn, practitioner_required, roles_required, session_account, staff_pages
from lms.validation import form_id, id_field, json_object, query_int

from .forms import AssignProctorForm, CheckInForm, PlanForm, SessionForm, UploadForm
from .imports import ImportProblems, import_questions, import_sessions
from .models import (
    KIND_NAMES,
    Booking,
    ExamPaper,
    ExamPlan,
    ExamSession,
    OutboxMessage,
    Question,
    WaitlistEntry,
)
from .operations import (
    ExamSettings,
    accept_offer,
    add_sessions,
    assign_proctor,
    book_seat,
    book_seat_pg,
    cancel_booking,
    check_in,
    create_plan,
    is_assigned,
    join_waitlist,
    paper_json,
    plan_regions,
    result_json,
    roster,
    roster_counts,
    save_answer,
    start_exam,
    submit_paper,
    unassign_proctor,
    withdraw_from_waitlist,
)
from .review import attempts_left, review
from .standing import plans_for, standing


class PaperOpen(Conflict):
    code = "paper_open"
    message = "试卷尚未交卷，交卷后才能查看答题情况"


bp = Blueprint("exams", __name__, url_prefix="/exams")
api = Blueprint("exams_api", __name__, url_prefix="/api/v1/exams")
proctor_required = roles_required("proctor")
# The staff pages of exam plans: HR bureau clerks (supervisors read), and an industry authority's clerks for the exam of
# their industry public subject (温人社发〔2020〕125号 第十一条). Which plans, sessions and courses each sees is
# plan_clause's and the orgs scope's (a plan or session outside answers 404: _plans_of_the_bureau).
exam_staff_required = staff_pages("bureau", "authority")


def register(app: Flask) -> None:
    """Register the exams pages and API on the app."""
    # names of exam objects in the audit log, the pages that change sessions or prepare exams, the exams'
    # parts of the bureau's person and course pages, and the rest of the JSON API
    from . import admin_sections, api_views, audit_targets, prepare_views, schedule_views  # noqa: F401
    app.register_blueprint(bp)
    app.register_blueprint(api)
    app.jinja_env.globals["KIND_NAMES"] = KIND_NAMES


def settings() -> ExamSettings:
    cached: ExamSettings | None = current_app.extensions.get("xst_exam_settings")
    if cached is None:
        cached = ExamSettings.from_config(current_app.config)
        current_app.extensions["xst_exam_settings"] = cached
    return cached


def ip() -> str | None:
    return request.remote_addr


def my_standings(year: int | None = None) -> list[dict[str, Any]]:
    """The study year's plans the current practitioner may book (their region's general public plan, their
    industry's public-subject plan: exams/standing.py), each with where they stand and what passing registers."""
    s, year = get_session(), year or clock.study_year()
    policy = policy_of_person(current_user, year)
    out = []
    for plan in plans_for(s, current_user, year):
        st = standing(s, current_user, plan, settings().max_attempts)
        # 威 二(一)1: where the policy sets no limit, each course completed after a pass is examined in its turn.
        many = policy is not None and policy.course_rule(plan.category).per_year is None
        out.append({"st": st, "plan": plan, "many": many,
                    "registration": registration_of(s, current_user, plan.category, plan.year,
                                                    st.enrolment.course if st.enrolment else None)})
    return out


Owned = TypeVar("Owned", Booking, ExamPaper, WaitlistEntry)


def _own(model: type[Owned], object_id: int) -> Owned:
    """One of the logged-in practitioner's own rows; another's does not exist for them (404)."""
    found = get_or_404(get_session(), model, object_id)
    if found.person_id != current_user.id:
        raise NotFound()
    return found


def own_booking(booking_id: int) -> Booking:
    return _own(Booking, booking_id)


def own_paper(paper_id: int) -> ExamPaper:
    return _own(ExamPaper, paper_id)


def own_paper_now(paper_id: int) -> ExamPaper:
    """One's paper as it stands by the server's clock: an open paper whose time ran out is submitted first."""
    paper = own_paper(paper_id)
    if paper.status == "open" and clock.now() >= paper.deadline:
        with transaction() as s:
            paper = submit_paper(s, paper.id, by="timeout", person=current_user)
    return paper


def _back(exc: DomainError) -> Any:
    flash(exc.message, "error")
    return redirect(url_for("exams.booking"))


def _act(operation: Callable[[Session], Any], done: str, target: Callable[[Any], str]) -> Any:
    """A practitioner's form action: CSRF checked, one transaction, a refusal shown on the booking page."""
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    try:
        with transaction() as s:
            result = operation(s)
    except DomainError as exc:
        return _back(exc)
    flash(done, "success")
    return redirect(target(result))


def _own_entry(entry_id: int) -> WaitlistEntry:
    return _own(WaitlistEntry, entry_id)


def _to_booking(_result: Any) -> str:
    return url_for("exams.booking")


def _to_ticket(b: Booking) -> str:
    return url_for("exams.ticket", booking_id=b.id)


# ---- practitioner: 考试报名 -------------------------------------------------------------------------------

@bp.get("/")
@practitioner_required
def booking() -> Any:
    """考试报名: the plans I may book this year with their sessions, one's bookings, waiting lists and notices."""
    s = get_session()
    bookings = s.scalars(select(Booking).where(Booking.person_id == current_user.id)
                         .order_by(Booking.id.desc())).all()
    waits = s.scalars(select(WaitlistEntry).where(WaitlistEntry.person_id == current_user.id,
                                                  WaitlistEntry.status.in_(("waiting", "offered")))).all()
    notices = s.scalars(select(OutboxMessage).where(OutboxMessage.person_id == current_user.id)
                        .order_by(OutboxMessage.id.desc()).limit(10)).all()
    # What each plan's sessions offer follows what book_seat() would refuse: one active booking per plan (改约 =
    # cancel, then book), a course awaiting its exam, and no more than EXAM_MAX_ATTEMPTS bookings not cancelled
    # since the last pass.
    # 桐 第八条: where the policy credits every platform course on completion there is no plan to list; say why.
    registration = registration_of(s, current_user, "general_public", clock.study_year())
    return render_template("exams/booking.html", plans=my_standings(), bookings=bookings, waits=waits,
                           registration=registration,
                           notices=notices, now=clock.now(), form=FlaskForm(), max_attempts=settings().max_attempts,
                           waiting_sessions={w.session_id for w in waits})


@bp.post("/sessions/<int:session_id>/book")
@practitioner_required
def book_view(session_id: int) -> Any:
    """Book a seat in a session and show the admission ticket."""
    session = get_or_404(get_session(), ExamSession, session_id)
    return _act(lambda s: book_seat(s, current_user, session, settings()), "报名成功，请打印或保存准考证", _to_ticket)


@bp.post("/bookings/<int:booking_id>/cancel")
@practitioner_required
def cancel_view(booking_id: int) -> Any:
    """Cancel one's booking before the cancellation deadline."""
    b = own_booking(booking_id)
    return _act(lambda s: cancel_booking(s, current_user, b, settings()), "已取消报名，可重新选择场次", _to_booking)


@bp.post("/sessions/<int:session_id>/waitlist")
@practitioner_required
def waitlist_view(session_id: int) -> Any:
    """Join the waiting list of a full session."""
    session = get_or_404(get_session(), ExamSession, session_id)
    return _act(lambda s: join_waitlist(s, current_user, session, settings()),
                "已加入候补名单；有人退出时将按顺序通知您", _to_booking)


@bp.post("/waitlist/<int:entry_id>/accept")
@practitioner_required
def accept_view(entry_id: int) -> Any:
    """Take the seat one's waiting-list offer holds."""
    entry = _own_entry(entry_id)
    return _act(lambda s: accept_offer(s, current_user, entry, settings()), "候补成功，已为您报名", _to_ticket)


@bp.post("/waitlist/<int:entry_id>/withdraw")
@practitioner_required
def withdraw_view(entry_id: int) -> Any:
    """Leave a waiting list."""
    entry = _own_entry(entry_id)
    return _act(lambda s: withdraw_from_waitlist(s, current_user, entry, settings()), "已退出候补名单", _to_booking)


@bp.get("/tickets/<int:booking_id>")
@practitioner_required
def ticket(booking_id: int) -> Any:
    """The printable admission ticket (准考证) with its QR code."""
    b = own_booking(booking_id)
    # A full QR code (never a Micro QR, which phone and tablet scanners do not read) of the ticket number alone, on
    # white with its 4-module quiet zone; its size on screen is set by exams.css.
    qr = segno.make_qr(b.ticket_no, error="m").svg_inline(border=4, light="#fff", omitsize=True,
                                                           title=f"准考证号 {b.ticket_no}")
    registration = registration_of(get_session(), current_user, b.plan.category, b.plan.year, b.enrolment.course)
    return render_template("exams/ticket.html", b=b, qr=Markup(qr), registration=registration)


@bp.get("/bookings/<int:booking_id>/exam")
@practitioner_required
def exam_entry(booking_id: int) -> Any:
    """The way into the exam: start it when checked in and on time, or continue the paper."""
    b = own_booking(booking_id)
    if b.paper is not None:
        return redirect(url_for("exams.paper_page", paper_id=b.paper.id))
    return render_template("exams/exam_entry.html", b=b, now=clock.now(), form=FlaskForm())


@bp.post("/bookings/<int:booking_id>/start")
@practitioner_required
def start_view(booking_id: int) -> Any:
    """Start the exam: draw the candidate's paper."""
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    b = own_booking(booking_id)
    try:
        with transaction() as s:
            paper = start_exam(s, current_user, b, ip=ip())
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("exams.exam_entry", booking_id=booking_id))
    return redirect(url_for("exams.paper_page", paper_id=paper.id))


@bp.get("/papers/<int:paper_id>")
@practitioner_required
def paper_page(paper_id: int) -> Any:
    """The candidate's paper: answer item by item (saved as given), or the result once submitted."""
    paper = own_paper_now(paper_id)
    if paper.status == "open":
        return render_template("exams/paper.html", paper=paper, data=paper_json(paper))
    left = attempts_left(get_session(), current_user, paper.booking.plan, settings())
    booking = paper.booking
    registration = registration_of(get_session(), current_user, booking.plan.category, booking.plan.year,
                                   booking.enrolment.course)
    return render_template("exams/result.html", paper=paper, review=review(paper), attempts_left=left,
                           max_attempts=settings().max_attempts, registration=registration)


# ---- bureau: 考试计划 -------------------------------------------------------------------------------------

def _bureau_plan(plan_id: int) -> ExamPlan:
    return get_or_404(get_session(), ExamPlan, plan_id)


def plan_clause(actor: Person) -> Any:
    """The plans a staff account may see and run: an HR bureau's those of its own bureau and of the bureaus and
    authorities of its territory; an industry authority's its own (温 第十一条: its industry public subject's exam)."""
    scope = scope_of(get_session(), actor)
    if scope.org_kind == "authority":
        return ExamPlan.owner_org_id == scope.org_id
    return ExamPlan.owner_org_id.in_(select(Organisation.id).where(org_clause(scope)))


@bp.before_request
def _plans_of_the_bureau() -> None:
    """A plan or session of another bureau or authority answers 404 on every staff page (one check for all)."""
    args = request.view_args or {}
    if not request.path.startswith("/exams/admin/") or not current_user.is_authenticated \
            or current_user.role not in ("bureau", "supervisor", "authority"):
        return  # other roles are refused by the views' own role check (403)
    if "plan_id" in args or "session_id" in args:
        s = get_session()
        if "plan_id" in args:
            plan_id = args["plan_id"]
        else:
            plan_id = s.scalar(select(ExamSession.plan_id).where(ExamSession.id == args["session_id"]))
        if plan_id is None or s.scalar(select(ExamPlan.id).where(ExamPlan.id == plan_id,
                                                                 plan_clause(current_user))) is None:
            raise NotFound()


def plan_form(s: Session) -> PlanForm:
    """The new-plan form for the current account: an HR bureau chooses the category and (where its territory has
    regions under its own document) the region; an industry authority's category is its industry public subject and
    its region its own (温 第十一条), neither offered."""
    owner = s.get(Organisation, current_user.org_id) if current_user.org_id else None
    year = clock.study_year()
    if current_user.role == "authority":
        form = PlanForm(year=year, title=f"{year} 年度{owner.industry if owner else ''}行业公需科目考试")
        del form.category
        del form.region
        return form
    form = PlanForm(year=year, title=f"{year} 年度一般公需科目考试")
    regions = plan_regions(owner)
    if len(regions) > 1:
        form.region.choices = [(c, REGIONS[c].short_name + ("（本局所在地区）" if i == 0 else ""))
                               for i, c in enumerate(regions)]
    else:
        del form.region
    return form


@bp.route("/admin/plans", methods=["GET", "POST"])
@exam_staff_required
def admin_plans() -> Any:
    """Exam plans by year; create one (a bureau of any category, for its region or one of its territory; an industry
    authority of its industry public subject)."""
    s = get_session()
    form = plan_form(s)
    if form.validate_on_submit():
        category = "industry_public" if current_user.role == "authority" else form.category.data or ""
        region = form.region.data if "region" in form else None
        try:
            with transaction() as tx:
                plan = create_plan(tx, current_user, year=form.year.data or 0, category=category,
                                   title=form.title.data or "", pass_mark=form.pass_mark.data or 60,
                                   duration_minutes=form.duration_minutes.data or 60,
                                   question_count=form.question_count.data or 20, region_code=region, ip=ip())
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash("考试计划已创建，请添加场次", "success")
            return redirect(url_for("exams.admin_plan", plan_id=plan.id))
    plans = s.scalars(select(ExamPlan).where(plan_clause(current_user))
                      .order_by(ExamPlan.year.desc(), ExamPlan.id)).all()
    owners = {o.id: o.name for o in s.scalars(select(Organisation).where(
        Organisation.id.in_({p.owner_org_id for p in plans if p.owner_org_id is not None})))}
    return render_template("exams/admin_plans.html", plans=plans, form=form, owners=owners)


@bp.route("/admin/plans/<int:plan_id>", methods=["GET", "POST"])
@exam_staff_required
def admin_plan(plan_id: int) -> Any:
    """A plan's sessions; add one session in the form."""
    plan = _bureau_plan(plan_id)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            with transaction() as s:
                add_sessions(s, current_user, plan, [form.spec()], ip=ip())
        except DomainError as exc:
            form.form_errors.append(exc.message.removeprefix("第 1 个场次："))
        else:
            flash("场次已添加", "success")
            return redirect(url_for("exams.admin_plan", plan_id=plan.id))
    return render_template("exams/admin_plan.html", plan=plan, form=form, upload=UploadForm(), problems=[])


@bp.post("/admin/plans/<int:plan_id>/sessions/import")
@exam_staff_required
def admin_import_sessions(plan_id: int) -> Any:
    """Import a plan's sessions from CSV or XLSX; bad rows are listed and nothing is imported."""
    plan = _bureau_plan(plan_id)
    upload = UploadForm()
    problems: list[str] = []
    if upload.validate_on_submit():
        f = upload.file.data
        try:
            with transaction() as s:
                made = import_sessions(s, current_user, plan, f.filename or "", f.stream, ip=ip())
        except ImportProblems as exc:
            problems = exc.messages
        except DomainError as exc:
            problems = [exc.message]
        else:
            flash(f"已导入 {len(made)} 个场次", "success")
            return redirect(url_for("exams.admin_plan", plan_id=plan.id))
    return render_template("exams/admin_plan.html", plan=plan, form=SessionForm(formdata=None), upload=upload,
                           problems=problems), 400


@bp.get("/admin/sessions/<int:session_id>")
@exam_staff_required
def admin_session(session_id: int) -> Any:
    """A session's roster and its proctors."""
    s = get_session()
    session = get_or_404(s, ExamSession, session_id)
    form = AssignProctorForm()
    form.proctor_id.choices = [(p.id, f"{p.name}（{p.username}）") for p in s.scalars(
        select(Person).where(Person.role == "proctor", Person.active.is_(True),
                             Person.org_id == session.plan.owner_org_id).order_by(Person.name))]
    rows = roster(s, session)
    return render_template("exams/admin_session.html", session=session, rows=rows, counts=roster_counts(rows),
                           form=form, plain=FlaskForm())


@bp.post("/admin/sessions/<int:session_id>/proctors")
@exam_staff_required
def admin_assign(session_id: int) -> Any:
    """Assign a proctor to a session."""
    s = get_session()
    session = get_or_404(s, ExamSession, session_id)
    form = AssignProctorForm()
    form.proctor_id.choices = [(p.id, p.name) for p in s.scalars(select(Person).where(
        Person.role == "proctor", Person.org_id == session.plan.owner_org_id))]
    if not form.validate_on_submit():
        flash("请选择一名监考员", "error")
        return redirect(url_for("exams.admin_session", session_id=session_id))
    proctor = get_or_404(s, Person, form.proctor_id.data)
    try:
        with transaction() as tx:
            assign_proctor(tx, current_user, session, proctor, ip=ip())
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(f"已指派监考员 {proctor.name}", "success")
    return redirect(url_for("exams.admin_session", session_id=session_id))


@bp.post("/admin/sessions/<int:session_id>/proctors/<int:proctor_id>/remove")
@exam_staff_required
def admin_unassign(session_id: int, proctor_id: int) -> Any:
    """Remove a proctor from a session."""
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    session = get_or_404(get_session(), ExamSession, session_id)
    with transaction() as s:
        unassign_proctor(s, current_user, session, proctor_id, ip=ip())
    flash("已取消指派", "success")
    return redirect(url_for("exams.admin_session", session_id=session_id))


ROSTER_COLUMNS = [Column("准考证号"), Column("姓名"), Column("身份证号"), Column("手机号"), Column("状态"),
                  Column("签到时间", width=18), Column("交卷时间", width=18), Column("成绩", numeric=True),
                  Column("是否合格")]


def _roster_rows(session: ExamSession) -> Iterator[list[Any]]:
    for r in roster(get_session(), session):
        b, p, paper = r["booking"], r["person"], r["paper"]
        submitted = paper is not None and paper.status == "submitted"
        yield [b.ticket_no, p.name, p.masked_id_number, p.mobile or "", r["state_name"],
               f"{clock.china(b.checked_in_at):%Y-%m-%d %H:%M}" if b.checked_in_at else "",
               f"{clock.china(paper.submitted_at):%Y-%m-%d %H:%M}" if submitted else "",
               paper.score if submitted else None, ("合格" if paper.passed else "不合格") if submitted else ""]


@bp.get("/admin/sessions/<int:session_id>/roster.<any(csv, xlsx):fmt>")
@exam_staff_required
def admin_roster_export(session_id: int, fmt: str) -> Any:
    """Export a session's roster as CSV or XLSX."""
    session = get_or_404(get_session(), ExamSession, session_id)
    return export_response(fmt, f"roster-{session.id}", ROSTER_COLUMNS, _roster_rows(session), sheet="考生名单")


@bp.route("/admin/questions", methods=["GET", "POST"])
@exam_staff_required
def admin_questions() -> Any:
    """Question banks per course of this year; import one from CSV or XLSX."""
    s = get_session()
    year = query_int("year", clock.study_year(), 2000, 2100)
    # an industry authority's bank is of its own industry public subject's courses (温 第十一条; import_questions)
    mine = Course.category == "industry_public" if current_user.role == "authority" else true()
    courses = s.scalars(select(Course).join(CourseOffering).where(
        CourseOffering.year == year, course_clause(scope_of(s, current_user)), mine).order_by(Course.id)).all()
    counts = {c.id: len(s.scalars(select(Question.id).where(Question.course_id == c.id)).all()) for c in courses}
    upload = UploadForm()
    problems: list[str] = []
    if request.method == "POST":
        course = visible_course(s, current_user, form_id("course_id"))
        if upload.validate_on_submit():
            f = upload.file.data
            try:
                with transaction() as tx:
                    added, skipped = import_questions(tx, current_user, course, f.filename or "", f.stream, ip=ip())
            except ImportProblems as exc:
                problems = exc.messages
            except DomainError as exc:
                problems = [exc.message]
            else:
                flash(f"《{course.title}》题库已导入 {added} 题" + (f"，{skipped} 题已存在未重复导入" if skipped else ""),
                      "success")
                return redirect(url_for("exams.admin_questions", year=year))
        return render_template("exams/admin_questions.html", courses=courses, counts=counts, upload=upload,
                               problems=problems, year=year), 400
    return render_template("exams/admin_questions.html", courses=courses, counts=counts, upload=upload,
                           problems=problems, year=year)


# ---- proctor: 监考 ----------------------------------------------------------------------------------------

def _assigned_session(session_id: int) -> ExamSession:
    s = get_session()
    session = get_or_404(s, ExamSession, session_id)
    if not is_assigned(s, current_user, session.id):
        raise NotFound("没有找到该场次，或您没有被指派到该场次监考")
    return session


@bp.get("/proctor")
@proctor_required
def proctor_home() -> Any:
    """The proctor's assigned sessions."""
    from .models import ProctorAssignment
    s = get_session()
    sessions = s.scalars(select(ExamSession).join(ProctorAssignment, ProctorAssignment.session_id == ExamSession.id)
                         .where(ProctorAssignment.proctor_id == current_user.id)
                         .order_by(ExamSession.starts_at)).all()
    return render_template("exams/proctor_home.html", sessions=sessions)


@bp.route("/proctor/sessions/<int:session_id>", methods=["GET", "POST"])
@proctor_required
def proctor_session(session_id: int) -> Any:
    """Check candidates in by ticket number and the last four digits of the ID number (tablet page)."""
    session = _assigned_session(session_id)
    form = CheckInForm()
    if form.validate_on_submit():
        try:
            with transaction() as s:
                b = check_in(s, current_user, session, form.ticket_no.data or "", form.id_last.data or "",
                             settings(), ip=ip())
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash(f"签到成功：{b.person.name}（准考证号 {b.ticket_no}）", "success")
            return redirect(url_for("exams.proctor_session", session_id=session_id))
    rows = roster(get_session(), session)
    return render_template("exams/proctor_session.html", session=session, form=form, rows=rows,
                           counts=roster_counts(rows))


# ---- JSON API /api/v1/exams -------------------------------------------------------------------------------

@api.before_request
def _api_login() -> None:
    """Every exams API call needs a logged-in practitioner (booking checks the account in its own statement)."""
    if request.endpoint != "exams_api.api_book" and not current_user.is_authenticated:
        raise NotLoggedIn()


@api.post("/bookings")
def api_book() -> Any:
    """Book a seat: 201 with the ticket, or 409 no_seats_left / already_booked / not_eligible.

    The year-end rush path: on PostgreSQL the common answers (booked, full) come from one statement that also
    checks the account from the signed session; anything else goes through book_seat() as the logged-in user.
    """
    person_id, version, login_id = session_account()
    session_id = id_field(json_object(), "session_id")
    if database().is_postgres:
        fast = book_seat_pg(get_session(), person_id, version, login_id, session_id, settings())
        if fast is not None:
            return {"booking_id": fast[0], "ticket_no": fast[1], "session_id": session_id}, 201
    return _api_book_general(session_id)


@practitioner_required
def _api_book_general(session_id: int) -> Any:
    with transaction() as s:
        session = s.get(ExamSession, session_id, options=[joinedload(ExamSession.plan)])
        if session is None:
            raise NotFound("没有这个场次")
        b = book_seat(s, current_user, session, settings())
        out = {"booking_id": b.id, "ticket_no": b.ticket_no, "session_id": session_id}
    return out, 201


@api.post("/bookings/<int:booking_id>/cancel")
@practitioner_required
def api_cancel(booking_id: int) -> Any:
    """Cancel one's booking before the deadline."""
    b = own_booking(booking_id)
    with transaction() as s:
        cancel_booking(s, current_user, b, settings())
    return {"ok": True}


@api.get("/papers/<int:paper_id>")
@practitioner_required
def api_paper(paper_id: int) -> Any:
    """One's paper: questions with shuffled options and saved answers (never the key), or the result."""
    return paper_json(own_paper_now(paper_id))


@api.get("/papers/<int:paper_id>/review")
@practitioner_required
def api_review(paper_id: int) -> Any:
    """One's submitted paper: right, wrong or unanswered per item; the key once the session is over."""
    paper = own_paper(paper_id)
    if paper.status != "submitted":
        raise PaperOpen()
    left = attempts_left(get_session(), current_user, paper.booking.plan, settings())
    rv = review(paper)
    rv["key_released_at"] = rv["key_released_at"].isoformat() + "Z"  # the API's times are ISO 8601 (UTC)
    return result_json(paper) | {"attempts_left": left, "review": rv}


@api.post("/papers/<int:paper_id>/answers")
@practitioner_required
def api_answer(paper_id: int) -> Any:
    """Save one answer as it is given; 409 time_up when the time has run out (the paper is then submitted)."""
    data = json_object()
    position = id_field(data, "position")
    answer = data.get("answer")
    if not isinstance(answer, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in answer):
        raise InvalidInput("字段 answer 应为选项序号的列表")
    own_paper(paper_id)
    with transaction() as s:
        out = save_answer(s, current_user, paper_id, position, answer)
    if out["state"] == "time_up":
        return {"error": "time_up", "message": "考试时间已到，试卷已自动交卷", **out}, 409
    return out


@api.post("/papers/<int:paper_id>/submit")
@practitioner_required
def api_submit(paper_id: int) -> Any:
    """Submit one's paper (again is harmless) and return the score."""
    own_paper(paper_id)
    with transaction() as s:
        paper = submit_paper(s, paper_id, by="candidate", person=current_user)
        out = result_json(paper)
    return out
