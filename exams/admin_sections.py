"""The exams domain's parts of the bureau's pages (lms/admin/sections.py): a person's exam results, a course's
question bank, and a warning when a course is published with too few questions for a paper.

Publishing warns and does not refuse: online study (温人社发〔2020〕125号 第九条) comes before the exam (第十条),
so a course may open for study while its bank is still being prepared; the course page keeps saying what is
missing, and starting an exam on an empty bank is refused (exams.operations.NoQuestions).
"""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.accounts.models import Person
from lms.admin.sections import COURSE_SECTIONS, PERSON_SECTIONS, PUBLISH_WARNINGS
from lms.catalogue.models import Course, CourseOffering

from .models import DEFAULT_QUESTION_COUNT, Booking, ExamPaper, ExamPlan, Question


def bank_size(s: Session, course_id: int) -> dict[str, int]:
    """Active questions of a course's bank, by kind."""
    rows = s.execute(select(Question.kind, func.count()).where(Question.course_id == course_id,
                                                               Question.active.is_(True)).group_by(Question.kind))
    return {kind: int(n) for kind, n in rows}


def questions_needed(s: Session, course: Course, year: int) -> int:
    """Questions a paper of the course's exam in that year draws: the plan's count, or the default when the
    general public plan is not made yet; 0 when no exam is held for the course's category."""
    count = s.scalar(select(ExamPlan.question_count).where(ExamPlan.year == year,
                                                           ExamPlan.category == course.category))
    if count is not None:
        return int(count)
    return DEFAULT_QUESTION_COUNT if course.category == "general_public" else 0


def bank_shortfall(s: Session, course: Course, year: int) -> str | None:
    """What a clerk should know when the bank cannot fill a paper of that year, or None."""
    need = questions_needed(s, course, year)
    have = sum(bank_size(s, course.id).values())
    if have >= need:
        return None
    if have == 0:
        return (f"《{course.title}》的题库还没有试题：学员学完 {year} 年度课程后将无法开始考试。"
                f"请在“题库管理”中导入试题（每卷 {need} 题）。")
    return (f"《{course.title}》的题库只有 {have} 题，{year} 年度考试每卷需要 {need} 题：试卷将只有 {have} 题。"
            "请在“题库管理”中补充试题。")


def _publish_warning(s: Session, offering: CourseOffering) -> str | None:
    return bank_shortfall(s, offering.course, offering.year)


def _course_bank(s: Session, course: Course) -> Markup:
    years = sorted((o.year for o in course.offerings), reverse=True)
    needs = [(y, questions_needed(s, course, y), bank_shortfall(s, course, y)) for y in years]
    size = bank_size(s, course.id)
    if not size and not any(need for _y, need, _w in needs):
        return Markup("")  # no exam for this course: nothing to say about a bank
    return Markup(render_template("exams/_course_bank.html", course=course, size=size, needs=needs))


def _person_results(s: Session, person: Person) -> Markup:
    rows = s.execute(select(Booking, ExamPaper).outerjoin(ExamPaper, ExamPaper.booking_id == Booking.id)
                     .where(Booking.person_id == person.id).order_by(Booking.id.desc())).all()
    return Markup(render_template("exams/_person_results.html", rows=rows))


PUBLISH_WARNINGS.append(_publish_warning)
COURSE_SECTIONS.append(_course_bank)
PERSON_SECTIONS.append(_person_results)
