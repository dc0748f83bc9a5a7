from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from .. import clock
from ..db import get_session, transaction
from ..security import practitioner_required
from .operations import catalogue_for, enrol
from .rules import course_rule_for, platform_categories

bp = Blueprint("catalogue", __name__)


@bp.get("/enrol")
@practitioner_required
def enrol_page() -> Any:
    """培训报名: this year's courses the practitioner's policy lets them choose, earlier-year courses shown locked."""
    year = clock.study_year()
    rows = catalogue_for(get_session(), current_user, year)
    categories = platform_categories(current_user, year)
    rules = {c: course_rule_for(current_user, c, year) for c in categories}
    return render_template("catalogue/enrol.html", rows=rows, year=year, form=FlaskForm(), categories=categories,
                           rules=rules)


@bp.post("/enrol/<int:course_id>")
@practitioner_required
def enrol_view(course_id: int) -> Any:
    """Enrol the current practitioner in one course of this year's general public subject."""
    form = FlaskForm()
    if not form.validate_on_submit():
        return redirect(url_for("catalogue.enrol_page"))
    with transaction() as s:
        enrolment = enrol(s, current_user, course_id, clock.study_year())
        title = enrolment.course.title
    flash(f"报名成功：{title}。请在“我的课程”中开始学习。", "success")
    return redirect(url_for("study.my_courses"))
