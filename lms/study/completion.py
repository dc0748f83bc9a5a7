"""Hours registered when the study itself completes a course, where the person's policy says so.

桐人社发〔2018〕26号 第八条: courses of 学习新干线 credit their set credits once the study is complete, "由系统自动登分",
no exam; 威人社字〔2022〕2号 二(二)1(2): professional platform courses count "按系统记录学时"; 川人社发〔2016〕20号 二(二):
remote courses count the actual study time in 45-minute hours. The enrolment carries how it completes (its
``completion``, set from the policy when it was chosen); completion is detected in refresh_completion(), which both
heartbeat paths call (Flask's heartbeat() and the lane's route, lms/study/lane.py), so this runs in whichever
transaction marks the course complete, once: the hours bank's unique source makes a second call a no-op.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..accounts.models import Person
from ..catalogue.models import Chapter, Enrolment
from ..catalogue.rules import credited_hours, policy_of_person, registrar
from ..hours.models import HoursEntry
from ..hours.operations import register_hours
from .models import ChapterProgress

SOURCE = "course"


def recorded_minutes(s: Session, enrolment: Enrolment) -> Decimal:
    """The study time the system recorded for the course, each chapter counted up to its own minutes (watching a
    finished chapter again adds nothing)."""
    ms = s.scalar(select(func.coalesce(func.sum(func.min(ChapterProgress.credited_ms, Chapter.study_minutes * 60_000)
                                                if s.get_bind().dialect.name == "sqlite" else
                                                func.least(ChapterProgress.credited_ms,
                                                           Chapter.study_minutes * 60_000)), 0))
                  .join(Chapter, Chapter.id == ChapterProgress.chapter_id)
                  .where(ChapterProgress.enrolment_id == enrolment.id))
    return Decimal(int(ms or 0)) / Decimal(60_000)


def register_completion_hours(s: Session, enrolment: Enrolment) -> HoursEntry | None:
    """Register a completed course's hours where its enrolment completes with the study; None otherwise (the exam
    registers them, exams.operations) or when already registered."""
    if enrolment.completion != "study" or enrolment.completed_at is None:
        return None
    person = s.get(Person, enrolment.person_id)
    assert person is not None
    course = enrolment.course
    policy = policy_of_person(person, enrolment.year)
    if policy is None or course.category not in policy.platform_categories:
        return None  # the person moved to a region whose document has no such platform course: a claim instead
    rule = policy.course_rule(course.category)
    minutes = recorded_minutes(s, enrolment)
    hours, article = credited_hours(person, course, enrolment.year, minutes=minutes)
    if hours <= 0:
        return None
    note = f"系统记录学习时间 {minutes.quantize(Decimal('0.1'))} 分钟" if rule.hours == "recorded" else ""
    return register_hours(s, person_id=person.id, year=enrolment.year, category=enrolment.category, hours=hours,
                          source_type=SOURCE, source_ref=f"enrolment:{enrolment.id}",
                          title=f"{course.title}（完成在线学习）", org=registrar(s, person, rule, course),
                          rule=article, note=note)
