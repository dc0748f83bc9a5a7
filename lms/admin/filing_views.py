"""Review and filing of the courses an industry authority adds (温人社发〔2020〕125号 第十一条; 桐人社发〔2018〕26号
第九条), on the bureau's course pages: the authority edits and submits its course, the HR bureaus of the levels its
policy names file it or return it with a reason; a filed course shows its credits and category read-only."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from ..catalogue.filing import awaiting_filing, filing_of, return_course, submit_course, update_course
from ..catalogue.models import Course
from ..catalogue.operations import approve_course
from ..db import get_session, transaction
from ..errors import DomainError, InvalidInput
from ..orgs.models import Organisation
from ..orgs.scope import course_clause, scope_of, visible_course
from .forms import CourseForm, ReturnCourseForm, limit_categories
from .views import bp, editable_course


def _checked() -> None:
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")


@bp.get("/course-filing")
def filing() -> Any:
    """课程审核备案: a bureau's submitted courses awaiting its level; an authority's own courses and where each stands."""
    s = get_session()
    scope = scope_of(s, current_user)
    if current_user.role == "authority":
        courses = s.scalars(select(Course).where(course_clause(scope)).order_by(Course.id.desc())).all()
        return render_template("admin/filing.html", awaiting=[], own=[(c, filing_of(s, c)) for c in courses])
    awaiting = [(c, s.get(Organisation, c.owner_org_id).name if c.owner_org_id else "")
                for c in awaiting_filing(s, current_user)]
    return render_template("admin/filing.html", awaiting=awaiting, own=[])


@bp.post("/courses/<int:course_id>/submit")
def submit_course_view(course_id: int) -> Any:
    """The authority submits its course for review and filing."""
    _checked()
    s = get_session()
    course = visible_course(s, current_user, course_id)
    try:
        with transaction():
            submit_course(s, current_user, course, ip=request.remote_addr)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        flash("已提交审核备案，请等待人力社保部门审核", "success")
    return redirect(url_for("admin.course", course_id=course_id) + "#filing")


@bp.post("/courses/<int:course_id>/file")
def file_course(course_id: int) -> Any:
    """A bureau of a filing level files the submitted course (审核备案)."""
    _checked()
    s = get_session()
    course = visible_course(s, current_user, course_id)
    try:
        with transaction():
            approve_course(s, current_user, course, ip=request.remote_addr)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        done = course.filed_at is not None
        flash("已审核备案，认定学时和科目类别已核定，行业主管部门可以发布该课程" if done
              else "本级已审核备案，还需其他层级人力社保部门审核备案", "success")
    return redirect(url_for("admin.course", course_id=course_id) + "#filing")


@bp.post("/courses/<int:course_id>/return")
def return_course_view(course_id: int) -> Any:
    """A bureau of a filing level returns the submitted course with its reason."""
    s = get_session()
    course = visible_course(s, current_user, course_id)
    form = ReturnCourseForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(str(e), "error")
        return redirect(url_for("admin.course", course_id=course_id) + "#filing")
    try:
        with transaction():
            return_course(s, current_user, course, form.reason.data or "", ip=request.remote_addr)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        flash("已退回行业主管部门修改", "success")
    return redirect(url_for("admin.course", course_id=course_id) + "#filing")


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
def edit_course(course_id: int) -> Any:
    """Change a course's title, summary, category and credits (once filed its credits and category are fixed)."""
    s = get_session()
    course = editable_course(s, course_id)
    form = CourseForm(obj=course)
    limit_categories(form)
    del form.year
    if form.validate_on_submit():
        try:
            with transaction():
                update_course(s, current_user, course, title=form.title.data or "", summary=form.summary.data or "",
                              category=form.category.data or "",
                              credited_hours=Decimal(form.credited_hours.data or 0), ip=request.remote_addr)
        except DomainError as exc:
            if exc.status == 404:
                raise
            form.form_errors.append(exc.message)
        else:
            flash("课程信息已保存", "success")
            return redirect(url_for("admin.course", course_id=course.id))
    return render_template("admin/course_edit.html", form=form, course=course, filing=filing_of(s, course))
