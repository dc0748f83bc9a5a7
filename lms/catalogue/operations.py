"""Courses, their yearly offerings and chapters, and enrolment (培训报名)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, clock
from ..accounts.models import Person
from ..errors import (
    AlreadyEnrolled,
    AlreadyStudied,
    ChoiceLocked,
    Conflict,
    InvalidInput,
    NotEligible,
    NotFound,
)
from ..filestore import FileStore
from ..study.models import ChapterProgress, PresencePrompt, StudyClock, StudySegment
from .models import CATEGORIES, Chapter, Course, CourseOffering, Enrolment


def create_course(s: Session, actor: Person, *, title: str, summary: str, category: str, credited_hours: Decimal,
                  year: int, ip: str | None = None) -> Course:
    """Create a course and its (draft) offering for a study year."""
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidInput("课程名称不能为空，且不超过 200 字")
    if category not in CATEGORIES:
        raise InvalidInput("科目类别无效")
    if credited_hours <= 0 or credited_hours > 200:
        raise InvalidInput("认定学时应在 0–200 之间")
    if not 2000 <= year <= 2100:
        raise InvalidInput("学习年度无效")
    course = Course(title=title, summary=summary.strip(), category=category, credited_hours=credited_hours,
                    created_by_id=actor.id, created_at=clock.now())
    s.add(course)
    s.flush()
    s.add(CourseOffering(course_id=course.id, year=year, status="draft"))
    audit.record(s, actor, "course.create", course, ip=ip, title=title, year=year, category=category)
    return course


def add_chapter(s: Session, actor: Person, store: FileStore, course: Course, *, title: str, kind: str, mime: str,
                ext: str, data: bytes, study_minutes: int, ip: str | None = None) -> Chapter:
    """Append a chapter whose media has already been validated by content."""
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidInput("章节名称不能为空，且不超过 200 字")
    if not 1 <= study_minutes <= 600:
        raise InvalidInput("章节学习时长应为 1–600 分钟")
    key = store.put(data, ext)
    position = 1 + max((c.position for c in course.chapters), default=0)
    chapter = Chapter(course_id=course.id, position=position, title=title, kind=kind, media_key=key, mime=mime,
                      size=len(data), study_minutes=study_minutes, updated_at=clock.now())
    s.add(chapter)
    course.chapters.append(chapter)
    s.flush()
    audit.record(s, actor, "chapter.add", chapter, ip=ip, course_id=course.id, title=title, media=key)
    return chapter


def replace_chapter(s: Session, actor: Person, store: FileStore, chapter: Chapter, *, title: str,
                    study_minutes: int, media: tuple[str, str, str, bytes] | None, ip: str | None = None) -> Chapter:
    """Update a chapter during the year (适时更新, 第七条); the study time already recorded is kept."""
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidInput("章节名称不能为空，且不超过 200 字")
    if not 1 <= study_minutes <= 600:
        raise InvalidInput("章节学习时长应为 1–600 分钟")
    before = {"title": chapter.title, "minutes": chapter.study_minutes, "media": chapter.media_key}
    chapter.title, chapter.study_minutes = title, study_minutes
    if media is not None:
        kind, mime, ext, data = media
        chapter.kind, chapter.mime, chapter.size = kind, mime, len(data)
        chapter.media_key = store.put(data, ext)
        chapter.version += 1
    chapter.updated_at = clock.now()
    audit.record(s, actor, "chapter.replace", chapter, ip=ip, before=before,
                 after={"title": title, "minutes": study_minutes, "media": chapter.media_key})
    return chapter


def move_chapter(s: Session, actor: Person, chapter: Chapter, direction: str, ip: str | None = None) -> list[Chapter]:
    """Move a chapter one place up or down in its course (the order learners see); return the new order.

    Study already recorded stays with each chapter: only the order changes.
    """
    if direction not in ("up", "down"):
        raise InvalidInput("方向无效")
    course = chapter.course
    chapters = sorted(course.chapters, key=lambda c: (c.position, c.id))
    i = chapters.index(chapter)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(chapters):
        raise Conflict("该章节已是第一章" if direction == "up" else "该章节已是最后一章")
    chapters[i], chapters[j] = chapters[j], chapters[i]
    for n, c in enumerate(chapters, start=1):  # numbered 1..n again, whatever gaps there were
        c.position = n
    s.flush()
    s.expire(course, ["chapters"])
    audit.record(s, actor, "chapter.reorder", course, ip=ip, title=chapter.title, order=[c.title for c in chapters])
    return chapters


def set_offering_status(s: Session, actor: Person, offering: CourseOffering, status: str,
                        ip: str | None = None) -> None:
    """Publish or unpublish a course for its study year."""
    if status not in ("published", "unpublished"):
        raise InvalidInput("状态无效")
    if status == "published" and not offering.course.chapters:
        raise Conflict("课程还没有章节，不能发布")
    offering.status = status
    if status == "published":
        offering.published_at = clock.now()
    audit.record(s, actor, "course.publish" if status == "published" else "course.unpublish",
                 ("CourseOffering", f"{offering.course_id}/{offering.year}"), ip=ip)


def offer_again(s: Session, actor: Person, course: Course, year: int, ip: str | None = None) -> CourseOffering:
    """Designate an existing course for another study year."""
    if s.get(CourseOffering, (course.id, year)):
        raise Conflict(f"该课程已列入 {year} 年度")
    offering = CourseOffering(course_id=course.id, year=year, status="draft")
    s.add(offering)
    audit.record(s, actor, "course.offer", course, ip=ip, year=year)
    return offering


def has_study(s: Session, enrolment_id: int) -> bool:
    """Whether any study has been recorded for an enrolment (a heartbeat was accepted)."""
    return bool(s.scalar(select(exists().where(StudySegment.enrolment_id == enrolment_id))))


def _release(s: Session, enrolment: Enrolment) -> None:
    """Drop an enrolment that has no recorded study, so that its course can be chosen again."""
    s.execute(delete(StudyClock).where(StudyClock.enrolment_id == enrolment.id))
    s.execute(delete(PresencePrompt).where(PresencePrompt.enrolment_id == enrolment.id))
    s.execute(delete(ChapterProgress).where(ChapterProgress.enrolment_id == enrolment.id))
    s.delete(enrolment)
    s.flush()


def enrol(s: Session, person: Person, course_id: int, year: int) -> Enrolment:
    """Enrol a practitioner in one published general public course of the current study year (第八条).

    A course studied in any earlier year can never be chosen again; the database's unique
    (person, course) constraint is the guard, also under concurrent requests. A choice made
    in an earlier year without any study recorded was not "已学" and is released. Changing
    this year's choice is allowed only while no study time has been recorded.
    """
    if person.role != "practitioner":
        raise NotEligible("只有专业技术人员可以报名学习")
    if year != clock.study_year():
        raise NotEligible(f"只能报名当前年度（{clock.study_year()} 年）的课程")
    offering = s.get(CourseOffering, (course_id, year))
    if offering is None or offering.status != "published":
        raise NotFound("该课程不在本年度已发布的课程中")
    if offering.course.category != "general_public":
        raise NotEligible("这里只能选择一般公需科目课程")
    earlier = s.scalar(select(Enrolment).where(Enrolment.person_id == person.id, Enrolment.course_id == course_id))
    if earlier is not None:
        if earlier.year == year:
            raise AlreadyEnrolled("您已选择了这门课程")
        if has_study(s, earlier.id):
            raise AlreadyStudied(f"该课程您已于 {earlier.year} 年度学习过，按规定不能再次选择"
                                 "（温人社发〔2020〕125号 第八条）")
        _release(s, earlier)
    current = s.scalar(select(Enrolment).where(Enrolment.person_id == person.id, Enrolment.year == year,
                                              Enrolment.category == "general_public"))
    if current is not None:
        if current.course_id == course_id:
            raise AlreadyEnrolled("您已选择了这门课程")
        if has_study(s, current.id):
            raise ChoiceLocked()
        _release(s, current)
        audit.record(s, person, "enrolment.change", ("Enrolment", current.id), from_course=current.course_id,
                     to_course=course_id, year=year)
    enrolment = Enrolment(person_id=person.id, course_id=course_id, year=year, category="general_public",
                          created_at=clock.now())
    s.add(enrolment)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError as exc:
        # A concurrent request got there first: the constraint, not this code, decided.
        if "course" in str(exc.orig):  # uq_enrolment_person_course / enrolment.course_id
            raise AlreadyStudied("该课程已被选择过，不能重复选择（温人社发〔2020〕125号 第八条）") from exc
        raise AlreadyEnrolled() from exc
    return enrolment


def catalogue_for(s: Session, person: Person, year: int) -> list[dict[str, object]]:
    """List this year's published general public courses with what the practitioner may do with each."""
    offerings = s.scalars(
        select(CourseOffering).join(Course).where(CourseOffering.year == year, CourseOffering.status == "published",
                                                  Course.category == "general_public").order_by(Course.id)
    ).all()
    mine = {e.course_id: e for e in s.scalars(select(Enrolment).where(Enrolment.person_id == person.id))}
    current = next((e for e in mine.values() if e.year == year and e.category == "general_public"), None)
    locked = current is not None and has_study(s, current.id)
    rows = []
    for off in offerings:
        e = mine.get(off.course_id)
        state = "available"
        if e is not None and e.year == year:
            state = "chosen"
        elif e is not None and e.year < year and has_study(s, e.id):
            state = "studied_before"
        elif current is not None:
            state = "locked" if locked else "change"  # 开始学习前可以更换所选课程
        rows.append({"course": off.course, "offering": off, "state": state,
                     "studied_year": e.year if e is not None and state == "studied_before" else None})
    return rows
