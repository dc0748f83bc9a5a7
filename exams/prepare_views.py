"""Bureau pages for preparing an exam: a course's question bank as staff see it (with the key), and spreadsheet
templates for the two uploads (sessions, questions) that the importers read back as they are."""
from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from lms.db import get_or_404, get_session
from lms.exports import Column, export_response
from lms.orgs.scope import visible_course

from .admin_sections import bank_shortfall, bank_size, questions_needed
from .imports import LETTERS, QUESTION_COLUMNS, SESSION_COLUMNS
from .models import ExamPlan, Question
from .views import bp, exam_staff_required


@bp.get("/admin/courses/<int:course_id>/questions")
@exam_staff_required
def admin_bank(course_id: int) -> Any:
    """A course's question bank with the key and explanations (bureau staff only; never a candidate's page)."""
    s = get_session()
    course = visible_course(s, current_user, course_id)
    questions = s.scalars(select(Question).where(Question.course_id == course.id).order_by(Question.id)).all()
    years = sorted((o.year for o in course.offerings), reverse=True)
    return render_template("exams/admin_bank.html", course=course, questions=questions, letters=LETTERS,
                           size=bank_size(s, course.id),
                           needs=[(y, questions_needed(s, course, y), bank_shortfall(s, course, y)) for y in years])


def session_example(year: int) -> list[Any]:
    return ["温州市人才市场考点", "温州市鹿城区市府路 500 号", "第一考场", f"{year}-06-10", "09:00", "10:30", 40,
            f"{year}-05-20 08:00", f"{year}-06-09 17:00", f"{year}-06-08 17:00", "10.1.2.0/24;10.1.3.0/24"]


QUESTION_EXAMPLES = [
    ["单选", "按温州市规定，专业技术人员每年参加继续教育的学时累计不少于多少学时？", "60 学时", "72 学时", "90 学时",
     "120 学时", "", "", "C", "温人社发〔2020〕125号 第六条"],
    ["多选", "按浙江省规定，继续教育内容包括哪些科目？", "一般公需科目", "行业公需科目", "专业科目", "基础科目", "", "",
     "ABC", "浙人社发〔2016〕63号 第二条"],
    ["判断", "在温州，历年已学的一般公需科目课程无法再次选择。", "", "", "", "", "", "", "正确",
     "温人社发〔2020〕125号 第八条"],
]


@bp.get("/admin/plans/<int:plan_id>/sessions-template.<any(csv, xlsx):fmt>")
@exam_staff_required
def admin_sessions_template(plan_id: int, fmt: str) -> Any:
    """A CSV or XLSX template for the plan's session upload: the header and one example row in the plan's year."""
    plan = get_or_404(get_session(), ExamPlan, plan_id)
    columns = [Column(h, numeric=h == "座位数") for h in SESSION_COLUMNS]
    return export_response(fmt, f"sessions-template-{plan.year}", columns, [session_example(plan.year)],
                           sheet="考试场次")


@bp.get("/admin/questions-template.<any(csv, xlsx):fmt>")
@exam_staff_required
def admin_questions_template(fmt: str) -> Any:
    """A CSV or XLSX template for a question bank upload: the header and one example of each kind."""
    return export_response(fmt, "questions-template", [Column(h) for h in QUESTION_COLUMNS], QUESTION_EXAMPLES,
                           sheet="题库")
