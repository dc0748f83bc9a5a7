"""Review and filing of the courses an industry authority adds (课程审核备案): the authority submits its course, the HR
bureaus of the levels its policy names file it or return it with a reason (温人社发〔2020〕125号 第十一条 the city
bureau; 桐人社发〔2018〕26号 第九条 the city and the county bureaus); once every level filed it its credits and
category are fixed (核定学分和科目类别) and it may go online.

Filing itself is lms.catalogue.operations.approve_course (set_offering_status refuses an unfiled authority course).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, clock
from ..accounts.models import Person
from ..errors import Conflict, InvalidInput, NotFound
from ..messages.operations import notify
from ..orgs.models import Organisation
from ..orgs.scope import course_clause, hr_bureau_of, may_edit_course, require_write, scope_of
from ..regions import CATEGORY_NAMES, REGIONS, city_of
from .models import Course, Enrolment
from .operations import check_course_fields, filing_level, filing_levels, level_of, needs_approval

LEVEL_NAMES = {"county": "县（市、区）人力社保部门", "city": "市人力社保部门"}
STATE_NAMES = {"draft": "未提交", "submitted": "审核备案中", "returned": "已退回", "filed": "已备案"}


@dataclass(frozen=True)
class LevelFiling:
    level: str
    name: str                    # 县（市、区）人力社保部门 / 市人力社保部门
    org: str | None              # the bureau that filed it
    at: datetime | None


@dataclass(frozen=True)
class Filing:
    """Where an authority's course stands in its review and filing."""

    state: str                   # draft / submitted / returned / filed
    rule: str                    # the article that asks for the filing
    levels: tuple[LevelFiling, ...]
    returned_by: str | None

    @property
    def state_name(self) -> str:
        return STATE_NAMES[self.state]


def filing_of(s: Session, course: Course) -> Filing | None:
    """The course's filing (None for an HR bureau's own course, which needs none)."""
    if not needs_approval(s, course):
        return None
    owner = s.get(Organisation, course.owner_org_id)
    assert owner is not None
    levels, rule = filing_levels(owner)

    def name(org_id: int | None) -> str | None:
        org = s.get(Organisation, org_id) if org_id else None
        return org.name if org is not None else None

    done = tuple(LevelFiling(lv, LEVEL_NAMES[lv], *((name(course.approved_by_org_id), course.approved_at)
                                                     if lv == "city" else
                                                     (name(course.county_filed_by_org_id), course.county_filed_at)))
                 for lv in levels)
    state = ("filed" if course.filed_at is not None else "submitted" if course.submitted_at is not None
             else "returned" if course.returned_at is not None else "draft")
    return Filing(state=state, rule=rule, levels=done, returned_by=name(course.returned_by_org_id))


def filing_action(s: Session, actor: Person, course: Course) -> str | None:
    """What the account may do with the course's filing now: "submit" (its authority), "file" (a bureau of a level
    that has not filed it yet), or None."""
    if course.filed_at is not None or not needs_approval(s, course):
        return None
    scope = scope_of(s, actor)
    if not scope.writable:
        return None
    if course.owner_org_id == scope.org_id:
        return None if course.submitted_at is not None else "submit"
    if course.submitted_at is None:
        return None
    try:
        level, _levels, _rule = filing_level(s, actor, course)
    except NotFound:
        return None
    return None if (course.approved_at if level == "city" else course.county_filed_at) is not None else "file"


def awaiting_filing(s: Session, actor: Person) -> list[Course]:
    """The submitted courses of the bureau's territory that its level has yet to file, the oldest submission first
    (a supervisor reads its bureau's)."""
    scope = scope_of(s, actor)
    submitted = s.scalars(select(Course).where(course_clause(scope), Course.submitted_at.is_not(None),
                                               Course.filed_at.is_(None)).order_by(Course.submitted_at, Course.id))
    waiting = []
    for course in submitted:
        owner = s.get(Organisation, course.owner_org_id)
        if owner is None or owner.is_hr:
            continue
        level = level_of(scope, owner, filing_levels(owner)[0])
        if level is not None and (course.approved_at if level == "city" else course.county_filed_at) is None:
            waiting.append(course)
    return waiting


def tell_staff(s: Session, org_id: int, subject: str, body: str, course: Course) -> None:
    """Tell the clerks of an organisation (a bureau's or an authority's staff, not its proctors or supervisors) about
    a course's filing (消息, and a mail where an address is known), in the operation's transaction."""
    for person in s.scalars(select(Person).where(Person.org_id == org_id, Person.role.in_(("bureau", "authority")),
                                                 Person.active.is_(True)).order_by(Person.id)):
        notify(s, person, subject, body, f"/admin/courses/{course.id}#filing", kind="course.filing")


def filing_bureaus(s: Session, owner: Organisation) -> list[Organisation]:
    """The HR bureaus that file a course of owner's: those of the levels its policy names."""
    levels, _rule = filing_levels(owner)
    county = owner.region_code if REGIONS[owner.region_code].level == "county" else None
    codes = [city_of(owner.region_code) or owner.region_code if lv == "city" else county for lv in levels]
    return [hr_bureau_of(s, code) for code in codes if code is not None]


def submit_course(s: Session, actor: Person, course: Course, ip: str | None = None) -> Course:
    """The authority submits its course for review and filing by the HR levels its policy names."""
    scope = require_write(s, actor)
    if course.owner_org_id != scope.org_id:
        raise NotFound()
    if not needs_approval(s, course):
        raise Conflict("人社部门自己的课程无需提交审核备案")
    if course.filed_at is not None:
        raise Conflict("该课程已审核备案")
    if course.submitted_at is not None:
        raise Conflict("该课程已提交，正在审核备案中")
    if not course.chapters:
        raise Conflict("课程还没有章节：请先添加章节，再提交审核备案")
    course.submitted_at = clock.now()
    course.returned_by_org_id = course.returned_at = course.return_reason = None
    s.flush()
    audit.record(s, actor, "course.submit", course, ip=ip, title=course.title,
                 hours=str(course.credited_hours), category=course.category)
    owner = s.get(Organisation, course.owner_org_id)
    assert owner is not None
    for bureau in filing_bureaus(s, owner):
        tell_staff(s, bureau.id, f"课程待审核备案：《{course.title}》",
                   f"{owner.name}提交了{CATEGORY_NAMES[course.category]}课程《{course.title}》"
                   f"（认定 {course.credited_hours} 学时），请审核备案或退回修改。", course)
    return course


def return_course(s: Session, actor: Person, course: Course, reason: str, ip: str | None = None) -> Course:
    """A bureau of a filing level returns a submitted course with its reason: the submission ends and the levels'
    filings are cleared, so that the amended course is reviewed again by every level."""
    level, _levels, rule = filing_level(s, actor, course)
    reason = reason.strip()
    if not 2 <= len(reason) <= 500:
        raise InvalidInput("请填写退回原因（2–500 字），行业主管部门据此修改后重新提交")
    if course.filed_at is not None:
        raise Conflict("该课程已审核备案，不能退回")
    if course.submitted_at is None:
        raise Conflict("该课程不在审核中（未提交或已被退回），无需退回")
    if (course.approved_at if level == "city" else course.county_filed_at) is not None:
        raise Conflict("本级已审核备案该课程，不能再退回")
    scope = scope_of(s, actor)
    course.submitted_at = None
    course.approved_by_org_id = course.approved_at = None
    course.county_filed_by_org_id = course.county_filed_at = None
    course.returned_by_org_id, course.returned_at, course.return_reason = scope.org_id, clock.now(), reason
    s.flush()
    audit.record(s, actor, "course.return", course, ip=ip, level=level, reason=reason, rule=rule)
    bureau = s.get(Organisation, scope.org_id)
    tell_staff(s, course.owner_org_id, f"课程被退回修改：《{course.title}》",
               f"{bureau.name if bureau else '人力社保部门'}退回了课程《{course.title}》。\n原因：{reason}\n"
               "请修改后重新提交审核备案。", course)
    return course


def update_course(s: Session, actor: Person, course: Course, *, title: str, summary: str, category: str,
                  credited_hours: Decimal, ip: str | None = None) -> Course:
    """Change a course's title, summary, category and credits; once filed its credits and category are fixed
    (桐 第九条 核定学分和科目类别) and while it is under review nothing changes."""
    if not may_edit_course(s, actor, course):
        raise NotFound()
    owner = s.get(Organisation, course.owner_org_id) if course.owner_org_id else None
    title, industry = check_course_fields(owner, title=title, category=category, credited_hours=credited_hours,
                                          industry=course.industry if category == "industry_public" else None)
    summary = summary.strip()
    if len(summary) > 2000:
        raise InvalidInput("课程简介不超过 2000 字")
    if course.submitted_at is not None and course.filed_at is None:
        raise Conflict("课程正在审核备案中，不能修改；需要修改请联系审核的人社部门退回")
    if course.filed_at is not None and (credited_hours != course.filed_hours or category != course.filed_category):
        _levels, rule = filing_levels(owner) if owner is not None else ((), "")
        raise Conflict("课程已审核备案，认定学时和科目类别已核定，不能修改" + (f"（{rule}）" if rule else ""))
    if category != course.category and s.scalar(select(Enrolment.id).where(Enrolment.course_id == course.id)
                                                .limit(1)) is not None:
        raise Conflict("已有学员选学该课程，不能再修改科目类别")
    before = {"title": course.title, "summary": course.summary, "category": course.category,
              "hours": str(course.credited_hours)}
    course.title, course.summary, course.category, course.credited_hours = title, summary, category, credited_hours
    course.industry = industry
    s.flush()
    audit.record(s, actor, "course.update", course, ip=ip, before=before,
                 after={"title": title, "summary": summary, "category": category, "hours": str(credited_hours)})
    return course
