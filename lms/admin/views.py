"""HR bureau staff (人社局): courseware, people and their study records, staff accounts, audit log."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from courseware.package import PackageError, detect_media, read_package

from .. import clock
from ..accounts.forms import PasswordResetForm, StaffForm
from ..accounts.models import Person
from ..accounts.operations import reset_password, set_active
from ..catalogue.filing import filing_action, filing_of
from ..catalogue.models import Chapter, Course, CourseOffering, Enrolment
from ..catalogue.operations import (
    add_chapter,
    create_course,
    move_chapter,
    offer_again,
    replace_chapter,
    set_offering_status,
)
from ..db import get_or_404, get_session, transaction
from ..docs import render_doc
from ..errors import DomainError, InvalidFields, InvalidInput, NotAllowed, NotFound
from ..filestore import FileStore, file_store
from ..hours.models import HoursCertificate
from ..hours.operations import entries, years_of
from ..hours.standing import last_completed_year, parse_title_years, person_standing
from ..orgs.models import Organisation
from ..orgs.operations import create_staff, may_allocate, may_disable, record_admin_change
from ..orgs.scope import (
    course_clause,
    may_edit_course,
    org_clause,
    person_clause,
    scope_of,
    staff_clause,
    visible_course,
    visible_person,
)
from ..security import bureau_required
from ..study.operations import course_progress, refresh_completion
from ..study.record import study_record
from ..study.views import record_csv_response
from ..validation import query_int
from .forms import ChapterForm, CourseForm, OfferForm, PackageForm, PersonSearchForm, ReturnCourseForm, limit_categories
from .sections import course_sections, person_sections, publish_warnings

bp = Blueprint("admin", __name__, url_prefix="/admin")


def store() -> FileStore:
    return file_store("media")


# What an industry authority reads here: the practitioners of its industry in its city (scope.py decides which).
AUTHORITY_READS = {"admin.people", "admin.person", "admin.record", "admin.record_csv"}
# The course pages an industry authority uses for its own courses (温 第十一条 its industry's public subject;
# 桐 第九条 the courses it adds, reviewed and filed by the HR bureaus): scope.course_clause limits them to its own.
AUTHORITY_COURSE_PAGES = {
    "admin.courses", "admin.new_course", "admin.upload_package", "admin.course", "admin.preview",
    "admin.courseware_format", "admin.add_chapter_view", "admin.edit_chapter", "admin.move_chapter_view",
    "admin.set_status", "admin.offer", "admin.edit_course", "admin.filing", "admin.submit_course_view"}


@bp.before_request
def _only_bureau() -> None:
    """Every page here is for bureau staff (supervisors read); an industry authority reads its people and keeps its
    own courses."""
    if current_user.is_authenticated and current_user.role == "authority" and (
            request.endpoint in AUTHORITY_READS and request.method == "GET"
            or request.endpoint in AUTHORITY_COURSE_PAGES):
        return
    bureau_required(lambda: None)()


def editable_course(s: Session, course_id: int) -> Course:
    """The course if the current account sees it (404 otherwise) and may change it (403 with the reason)."""
    course = visible_course(s, current_user, course_id)
    if not may_edit_course(s, current_user, course):
        raise NotAllowed("该课程由行业主管部门增设，只有该部门可以修改；人力社保部门对其审核备案")
    return course


@bp.get("/")
def home() -> Any:
    """The bureau's home: this year's catalogue and activity at a glance."""
    s = get_session()
    year = clock.study_year()
    scope = scope_of(s, current_user)
    mine = select(Person.id).where(person_clause(scope))
    stats = {
        "practitioners": s.scalar(select(func.count()).select_from(Person).where(Person.id.in_(mine))),
        "enrolments": s.scalar(select(func.count()).select_from(Enrolment).where(
            Enrolment.year == year, Enrolment.person_id.in_(mine))),
        "completed": s.scalar(select(func.count()).select_from(Enrolment).where(
            Enrolment.year == year, Enrolment.completed_at.is_not(None), Enrolment.person_id.in_(mine))),
        "published": s.scalar(select(func.count()).select_from(CourseOffering).where(
            CourseOffering.year == year, CourseOffering.status == "published",
            CourseOffering.course_id.in_(select(Course.id).where(course_clause(scope))))),
    }
    return render_template("admin/home.html", stats=stats, year=year)


@bp.get("/courses")
def courses() -> Any:
    """Courses of the account's scope (scope.course_clause) by study year, with where each stands in its filing."""
    s = get_session()
    year = query_int("year", clock.study_year(), 2000, 2100)
    mine = select(Course.id).where(course_clause(scope_of(s, current_user)))
    offerings = s.scalars(select(CourseOffering).where(CourseOffering.year == year, CourseOffering.course_id.in_(mine))
                          .order_by(CourseOffering.course_id)).all()
    years = sorted({y for (y,) in s.execute(select(CourseOffering.year).where(CourseOffering.course_id.in_(mine))
                                            .distinct())} | {clock.study_year()}, reverse=True)
    return render_template("admin/courses.html", offerings=offerings, year=year, years=years,
                           filings={o.course_id: filing_of(s, o.course) for o in offerings})


@bp.route("/courses/new", methods=["GET", "POST"])
def new_course() -> Any:
    """Create a course for a study year; chapters are added next."""
    form = CourseForm(year=clock.study_year())
    limit_categories(form)
    if form.validate_on_submit():
        try:
            with transaction() as s:
                course = create_course(s, current_user, title=form.title.data or "", summary=form.summary.data or "",
                                       category=form.category.data or "",
                                       credited_hours=Decimal(form.credited_hours.data or 0),
                                       year=form.year.data or 0, ip=request.remote_addr)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash("课程已创建，请添加章节后发布", "success")
            return redirect(url_for("admin.course", course_id=course.id))
    return render_template("admin/course_new.html", form=form)


@bp.route("/courses/upload", methods=["GET", "POST"])
def upload_package() -> Any:
    """Import a whole course from a courseware package; all or nothing."""
    form = PackageForm(year=clock.study_year())
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            pkg = read_package(form.package.data.stream)
        except PackageError as exc:
            problems = exc.messages
        else:
            year = pkg.year or form.year.data or clock.study_year()
            try:
                with transaction() as s:
                    course = create_course(s, current_user, title=pkg.title, summary=pkg.summary,
                                           category=pkg.category, credited_hours=pkg.credited_hours, year=year,
                                           ip=request.remote_addr)
                    for ch in pkg.chapters:
                        add_chapter(s, current_user, store(), course, title=ch.title, kind=ch.kind, mime=ch.mime,
                                    ext=ch.ext, data=ch.data, study_minutes=ch.study_minutes,
                                    ip=request.remote_addr)
            except DomainError as exc:
                problems = [exc.message]
            else:
                flash(f"课件包导入成功：{pkg.title}（{len(pkg.chapters)} 章），请检查后发布", "success")
                return redirect(url_for("admin.course", course_id=course.id))
    return render_template("admin/upload.html", form=form, problems=problems)


@bp.get("/courses/<int:course_id>")
def course(course_id: int) -> Any:
    """A course: its chapters, its yearly offerings, publish and unpublish, its review and filing."""
    s = get_session()
    c = visible_course(s, current_user, course_id)
    return render_template("admin/course.html", course=c, chapter_form=ChapterForm(), offer_form=OfferForm(),
                           form=FlaskForm(), sections=course_sections(s, c), filing=filing_of(s, c),
                           action=filing_action(s, current_user, c), return_form=ReturnCourseForm(),
                           editable=may_edit_course(s, current_user, c))


@bp.get("/courses/<int:course_id>/preview")
def preview(course_id: int) -> Any:
    """The course as a learner sees it, chapter by chapter; nothing is timed or recorded."""
    s = get_session()
    c = visible_course(s, current_user, course_id)
    chosen = query_int("chapter", 0, 0)
    chapter = next((ch for ch in c.chapters if ch.id == chosen), c.chapters[0] if c.chapters else None)
    return render_template("admin/preview.html", course=c, chapter=chapter)


@bp.post("/chapters/<int:chapter_id>/move/<any(up, down):direction>")
def move_chapter_view(chapter_id: int, direction: str) -> Any:
    """Move a chapter one place up or down in its course."""
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    s = get_session()
    ch = get_or_404(s, Chapter, chapter_id)
    editable_course(s, ch.course_id)
    try:
        with transaction():
            move_chapter(s, current_user, ch, direction, ip=request.remote_addr)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(f"已调整章节顺序：“{ch.title}”{'上移' if direction == 'up' else '下移'}一位", "success")
    return redirect(url_for("admin.course", course_id=ch.course_id) + "#chapters")


@bp.get("/courseware-format")
def courseware_format() -> Any:
    """《课件包格式说明》: docs/courseware-package.md as a page."""
    return render_template("admin/doc.html", title="课件包格式说明", html=render_doc("courseware-package.md"))


@bp.post("/courses/<int:course_id>/chapters")
def add_chapter_view(course_id: int) -> Any:
    """Append a chapter with its media file."""
    s = get_session()
    c = editable_course(s, course_id)
    form = ChapterForm()
    if form.validate_on_submit():
        upload = form.media.data
        try:
            if not upload:
                raise PackageError(["请选择课件文件"])
            data = upload.read()
            kind, mime, ext = detect_media(data, upload.filename or "")
            with transaction():
                add_chapter(s, current_user, store(), c, title=form.title.data or "", kind=kind, mime=mime, ext=ext,
                            data=data, study_minutes=form.study_minutes.data or 0, ip=request.remote_addr)
        except PackageError as exc:
            for m in exc.messages:
                flash(m, "error")
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash("章节已添加", "success")
    else:
        for errors in form.errors.values():
            for e in errors:
                flash(str(e), "error")
    return redirect(url_for("admin.course", course_id=course_id))


@bp.route("/chapters/<int:chapter_id>/edit", methods=["GET", "POST"])
def edit_chapter(chapter_id: int) -> Any:
    """Replace a chapter's media or minutes during the year; recorded study time is kept."""
    s = get_session()
    ch = get_or_404(s, Chapter, chapter_id)
    editable_course(s, ch.course_id)
    form = ChapterForm(obj=ch)
    if form.validate_on_submit():
        upload = form.media.data
        try:
            media = None
            if upload:
                data = upload.read()
                media = (*detect_media(data, upload.filename or ""), data)
            with transaction():
                replace_chapter(s, current_user, store(), ch, title=form.title.data or "",
                                study_minutes=form.study_minutes.data or 0, media=media, ip=request.remote_addr)
                for e in s.scalars(select(Enrolment).where(Enrolment.course_id == ch.course_id,
                                                           Enrolment.completed_at.is_(None))):
                    refresh_completion(s, e.id)
        except PackageError as exc:
            form.form_errors.extend(exc.messages)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash("章节已更新，学员已记录的学习时间保持不变", "success")
            return redirect(url_for("admin.course", course_id=ch.course_id))
    return render_template("admin/chapter_edit.html", form=form, chapter=ch)


@bp.post("/courses/<int:course_id>/offerings/<int:year>/<status>")
def set_status(course_id: int, year: int, status: str) -> Any:
    """Publish or unpublish a course for a year."""
    form = FlaskForm()
    if form.validate_on_submit():
        s = get_session()
        editable_course(s, course_id)
        offering = get_or_404(s, CourseOffering, (course_id, year))
        with transaction():
            set_offering_status(s, current_user, offering, status, ip=request.remote_addr)
        flash("已发布" if status == "published" else "已下架", "success")
        if status == "published":
            for warning in publish_warnings(s, offering):
                flash(warning, "warning")
    return redirect(url_for("admin.course", course_id=course_id))


@bp.post("/courses/<int:course_id>/offerings")
def offer(course_id: int) -> Any:
    """List an existing course for another study year."""
    s = get_session()
    c = editable_course(s, course_id)
    form = OfferForm()
    if form.validate_on_submit():
        with transaction():
            offer_again(s, current_user, c, form.year.data or 0, ip=request.remote_addr)
        flash("已列入该年度（草稿），发布后学员可选", "success")
    return redirect(url_for("admin.course", course_id=course_id))


PEOPLE_PAGE = 20


@bp.get("/people")
def people() -> Any:
    """Practitioners, the most recently registered first, or those a search finds (name, ID number or mobile)."""
    s = get_session()
    form = PersonSearchForm(request.args)
    q = (form.q.data or "").strip() if form.validate() else ""
    where = [person_clause(scope_of(s, current_user))]
    if q:
        where.append(or_(Person.name.contains(q, autoescape=True), Person.id_number == q.upper(), Person.mobile == q))
    total = int(s.scalar(select(func.count()).select_from(Person).where(*where)) or 0)
    pages = max(1, -(-total // PEOPLE_PAGE))
    page = min(query_int("page", 1), pages)
    rows = s.scalars(select(Person).where(*where).order_by(Person.created_at.desc(), Person.id.desc())
                     .offset((page - 1) * PEOPLE_PAGE).limit(PEOPLE_PAGE)).all()
    return render_template("admin/people.html", form=form, rows=rows, q=q, total=total, page=page, pages=pages,
                           page_url=lambda n: url_for("admin.people", page=n, **({"q": q} if q else {})))


@bp.get("/people/<int:person_id>")
def person(person_id: int) -> Any:
    """A practitioner: contact, employer, enrolments with progress, exam results, hours bank."""
    s = get_session()
    p = visible_person(s, current_user, person_id)
    enrolments = s.scalars(select(Enrolment).where(Enrolment.person_id == p.id)
                           .order_by(Enrolment.year.desc())).all()
    certs = s.scalars(select(HoursCertificate).where(HoursCertificate.person_id == p.id)
                      .order_by(HoursCertificate.year.desc())).all()
    years = sorted({clock.study_year(), *years_of(s, p.id)}, reverse=True)
    # 浙人社发〔2016〕63号 第十六条: the HR bureau may choose the years a title application covers.
    chosen = parse_title_years(request.args.getlist("title_years"), last_completed_year())
    standing = person_standing(s, p, title_years=chosen) if p.role == "practitioner" else None
    return render_template("admin/person.html", person=p, form=FlaskForm(), certs=certs, years=years, standing=standing,
                           rows=[(e, course_progress(s, e)) for e in enrolments], entries=entries(s, p.id),
                           sections=person_sections(s, p))


@bp.post("/people/<int:person_id>/active/<int:active>")
def set_person_active(person_id: int, active: int) -> Any:
    """Enable or disable an account."""
    form = FlaskForm()
    if form.validate_on_submit():
        s = get_session()
        p = visible_person(s, current_user, person_id, staff=True)
        if not may_disable(s, current_user, p):
            raise NotFound()
        with transaction():
            set_active(s, current_user, p, bool(active), ip=request.remote_addr)
            record_admin_change(s, current_user, p, bool(active))
        flash("账号已启用" if active else "账号已停用", "success")
    return redirect(request.referrer or url_for("admin.person", person_id=person_id))


@bp.post("/people/<int:person_id>/password-reset")
def password_reset(person_id: int) -> Any:
    """Reset a practitioner's password at the counter after checking their ID card (audited); every login ends.

    The temporary password is shown on this answer only (never put in the session cookie or a flash message)."""
    s = get_session()
    p = visible_person(s, current_user, person_id)  # practitioners of the clerk's territory only
    form = PasswordResetForm()
    if not form.validate_on_submit():
        raise InvalidInput(next(iter(form.id_number.errors), "页面已过期，请刷新后重试"))
    with transaction():
        password = reset_password(s, current_user, p, form.id_number.data or "", ip=request.remote_addr)
    return render_template("admin/password_reset.html", person=p, password=password)


@bp.get("/records/<int:enrolment_id>")
def record(enrolment_id: int) -> Any:
    """A practitioner's study record for one course (evidence)."""
    s = get_session()
    e = get_or_404(s, Enrolment, enrolment_id)
    owner = visible_person(s, current_user, e.person_id)
    return render_template("study/record.html", enrolment=e, record=study_record(s, e), owner=owner,
                           csv_url=url_for("admin.record_csv", enrolment_id=e.id), back=None)


@bp.get("/records/<int:enrolment_id>.csv")
def record_csv(enrolment_id: int) -> Any:
    """Export a study record as CSV."""
    s = get_session()
    e = get_or_404(s, Enrolment, enrolment_id)
    visible_person(s, current_user, e.person_id)
    return record_csv_response(study_record(s, e), e)


@bp.route("/staff", methods=["GET", "POST"])
def staff() -> Any:
    """Staff accounts of the organisations in the bureau's territory; accounts are allocated by the level above
    (温人社发〔2020〕125号 第五条), never self-registered."""
    s = get_session()
    scope = scope_of(s, current_user)
    allocatable = [o for o in s.scalars(select(Organisation).where(org_clause(scope))
                                        .order_by(Organisation.kind, Organisation.region_code, Organisation.id))
                   if may_allocate(s, current_user, o)]
    form = StaffForm()
    form.org_id.choices = [(o.id, f"{o.name}（{o.kind_name}）") for o in allocatable]
    if not request.form.get("org_id") and scope.org_id:  # one's own bureau unless another is chosen
        form.org_id.data = scope.org_id
    if form.validate_on_submit():
        org = next((o for o in allocatable if o.id == form.org_id.data), None)
        try:
            if org is None:
                raise NotFound()
            with transaction():
                create_staff(s, current_user, org, role=form.role.data or "", username=form.username.data or "",
                             name=form.name.data or "", password=form.password.data or "", ip=request.remote_addr)
        except InvalidFields as exc:
            for name, message in exc.fields.items():
                list.append(getattr(form, name).errors, message)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash("账号已开通", "success")
            return redirect(url_for("admin.staff"))
    rows = s.scalars(select(Person).where(staff_clause(scope)).order_by(Person.org_id, Person.id)).all()
    orgs = {o.id: o for o in s.scalars(select(Organisation).where(
        Organisation.id.in_({p.org_id for p in rows if p.org_id})))}
    return render_template("admin/staff.html", form=form, rows=rows, orgs=orgs, action_form=FlaskForm(),
                           may_disable=lambda p: may_disable(s, current_user, p))
