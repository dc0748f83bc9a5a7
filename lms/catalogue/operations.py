"""Courses, their yearly offerings and chapters, and enrolment (培训报名)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rules import PolicyNotInForce, policy_for

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
from ..orgs.models import Organisation
from ..orgs.scope import Scope, offered_clause, require_write, scope_of
from ..regions import CATEGORY_NAMES, INDUSTRIES, REGIONS, city_of, policy_region
from ..study.models import ChapterProgress, PresencePrompt, StudyClock, StudySegment
from .models import CATEGORIES, Chapter, Course, CourseOffering, Enrolment
from .rules import course_rule_for, platform_categories


def check_course_fields(owner: Organisation | None, *, title: str, category: str, credited_hours: Decimal,
                        industry: str | None) -> tuple[str, str | None]:
    """Validate a course's title, category and credits for its owner; return the title and the industry it is for."""
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidInput("课程名称不能为空，且不超过 200 字")
    if category not in CATEGORIES:
        raise InvalidInput("科目类别无效")
    if credited_hours <= 0 or credited_hours > 200:
        raise InvalidInput("认定学时应在 0–200 之间")
    if owner is not None and owner.kind == "authority":
        if category == "general_public":
            raise InvalidInput("一般公需科目由人力社保部门确定（温人社发〔2020〕125号 第七条）；行业主管部门可增设"
                               "行业公需科目或专业科目")
        # 温 第十一条: an industry authority's public subject is its own industry's.
        industry = owner.industry if category == "industry_public" else None
    if industry is not None and (category != "industry_public" or industry not in INDUSTRIES):
        raise InvalidInput("只有行业公需科目课程可以指定行业，且行业须在列表中")
    return title, industry


def create_course(s: Session, actor: Person, *, title: str, summary: str, category: str, credited_hours: Decimal,
                  year: int, industry: str | None = None, ip: str | None = None) -> Course:
    """Create a course of the actor's organisation and its (draft) offering for a study year.

    ``industry`` makes it that industry's public subject (温 第十一条): only its practitioners choose it."""
    owner = s.get(Organisation, actor.org_id) if actor.org_id else None
    title, industry = check_course_fields(owner, title=title, category=category, credited_hours=credited_hours,
                                          industry=industry)
    if not 2000 <= year <= 2100:
        raise InvalidInput("学习年度无效")
    course = Course(title=title, summary=summary.strip(), category=category, credited_hours=credited_hours,
                    created_by_id=actor.id, owner_org_id=actor.org_id, industry=industry, created_at=clock.now())
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
    if status == "published" and needs_approval(s, offering.course) and offering.course.filed_at is None:
        owner = s.get(Organisation, offering.course.owner_org_id)
        assert owner is not None
        levels, rule = filing_levels(owner)
        who = "、".join({"county": "县（市、区）", "city": "市"}[lv] for lv in levels)
        raise Conflict(f"行业主管部门增设的课程须经{who}人力社保部门审核备案后才能发布" + (f"（{rule}）" if rule else ""))
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
    """Enrol a practitioner in one published course of the current study year, as their policy allows.

    The policy says which categories are chosen on the platform and how many a year (温 第八条: one general public
    course, never one studied before; 威 二: as many as needed). A course is counted once per person: one studied in
    any earlier year can never be chosen again; the database's unique (person, course) constraint is the guard,
    also under concurrent requests. A choice made in an earlier year without any study recorded was not "已学" and
    is released. Where the policy allows one course a year, changing this year's choice is allowed only while no
    study time has been recorded; the year_slot index is the guard of the yearly number.
    """
    if person.role != "practitioner":
        raise NotEligible("只有专业技术人员可以报名学习")
    if year != clock.study_year():
        raise NotEligible(f"只能报名当前年度（{clock.study_year()} 年）的课程")
    offering = s.get(CourseOffering, (course_id, year))
    if offering is None or offering.status != "published":
        raise NotFound("该课程不在本年度已发布的课程中")
    course = offering.course
    rule = course_rule_for(person, course.category, year)
    if course.industry is not None and course.industry != person.industry:
        # 温 第十一条: an industry's public subject is for the practitioners of that industry.
        raise NotEligible(f"该课程是{course.industry}行业的行业公需科目，只有该行业的专业技术人员可以选学"
                          f"（温人社发〔2020〕125号 第十一条）")
    if s.scalar(select(Course.id).where(Course.id == course.id, offered_clause(person))) is None:
        # 属地 (温 第二条): the courses of the bureaus and authorities of the person's own region and those above it.
        raise NotFound("该课程不在本年度已发布的课程中")
    earlier = s.scalar(select(Enrolment).where(Enrolment.person_id == person.id, Enrolment.course_id == course_id))
    if earlier is not None:
        if earlier.year == year:
            raise AlreadyEnrolled("您已选择了这门课程")
        if has_study(s, earlier.id):
            if rule.never_again:
                raise AlreadyStudied(f"该课程您已于 {earlier.year} 年度学习过，按规定不能再次选择"
                                     f"（{_first_article(rule.limit_rule)}）")
            raise AlreadyStudied(f"该课程您已于 {earlier.year} 年度学习过，同一课程的学时只登记一次")
        _release(s, earlier)
    slot = None
    if rule.per_year is not None:
        taken = s.scalars(select(Enrolment).where(Enrolment.person_id == person.id, Enrolment.year == year,
                                                 Enrolment.category == course.category,
                                                 Enrolment.year_slot.is_not(None))
                          .order_by(Enrolment.year_slot)).all()
        if len(taken) >= rule.per_year:
            if rule.per_year != 1:
                raise AlreadyEnrolled(f"本年度您已选满 {rule.per_year} 门{CATEGORY_NAMES[course.category]}课程"
                                      f"（{rule.limit_rule}）")
            current = taken[0]
            if has_study(s, current.id):
                raise ChoiceLocked()
            _release(s, current)
            audit.record(s, person, "enrolment.change", ("Enrolment", current.id), from_course=current.course_id,
                         to_course=course_id, year=year)
            taken = []
        used = {e.year_slot for e in taken}
        slot = min(n for n in range(1, rule.per_year + 1) if n not in used)
    enrolment = Enrolment(person_id=person.id, course_id=course_id, year=year, category=course.category,
                          year_slot=slot, completion=rule.completion, created_at=clock.now())
    s.add(enrolment)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError as exc:
        # A concurrent request got there first: the constraint, not this code, decided.
        if "course" in str(exc.orig):  # uq_enrolment_person_course / enrolment.course_id
            raise AlreadyStudied(f"该课程已被选择过，不能重复选择（{_first_article(rule.limit_rule)}）") from exc
        raise AlreadyEnrolled() from exc
    return enrolment


def _first_article(rule: str) -> str:
    """The document and its first article of a citation ("温人社发〔2020〕125号 第八条、第十条" → its 第八条)."""
    return rule.split("、")[0]


def catalogue_for(s: Session, person: Person, year: int) -> list[dict[str, object]]:
    """List this year's published courses the practitioner may choose under their policy (the categories it puts on
    the platform) among those offered to them (their region's and above, an industry's public subject only for its
    industry: scope.offered_clause) with what they may do with each."""
    categories = platform_categories(person, year)
    offerings = s.scalars(
        select(CourseOffering).join(Course).where(
            CourseOffering.year == year, CourseOffering.status == "published", Course.category.in_(categories),
            offered_clause(person))
        .order_by(Course.category != "general_public", Course.category, Course.id)
    ).all()
    mine = {e.course_id: e for e in s.scalars(select(Enrolment).where(Enrolment.person_id == person.id))}
    rules = {c: course_rule_for(person, c, year) for c in categories}
    rows = []
    for off in offerings:
        category = off.course.category
        rule = rules[category]
        slotted = [e for e in mine.values() if e.year == year and e.category == category and e.year_slot]
        full = rule.per_year is not None and len(slotted) >= rule.per_year
        current = slotted[0] if full and rule.per_year == 1 else None
        e = mine.get(off.course_id)
        state = "available"
        if e is not None and e.year == year:
            state = "chosen"
        elif e is not None and e.year < year and has_study(s, e.id):
            state = "studied_before"
        elif current is not None:
            state = "locked" if has_study(s, current.id) else "change"  # 开始学习前可以更换所选课程
        elif full:
            state = "locked"
        rows.append({"course": off.course, "offering": off, "state": state, "rule": rule,
                     "studied_year": e.year if e is not None and state == "studied_before" else None})
    return rows


def needs_approval(s: Session, course: Course) -> bool:
    """Whether the course is another body's than an HR bureau's, so that the city HR bureau approves it first."""
    owner = s.get(Organisation, course.owner_org_id) if course.owner_org_id else None
    return owner is not None and not owner.is_hr


def filing_levels(owner: Organisation) -> tuple[tuple[str, ...], str]:
    """The HR levels that review and file a course of owner's, and the article, from the policy of owner's region
    (桐 第九条: county and city; 温 第十一条: the city); the city bureau where the policy says nothing."""
    found = policy_region(owner.region_code)
    try:
        policy = policy_for(found.own_policy, clock.china_today()) if found and found.own_policy else None
    except PolicyNotInForce:
        policy = None
    filing = policy.course_filing if policy is not None else None
    return (filing.levels, filing.rule) if filing is not None else (("city",), "")


def filing_level(s: Session, actor: Person, course: Course) -> tuple[str, tuple[str, ...], str]:
    """(the level the actor's bureau files at — "city" or "county" —, every level the course's policy names, the
    article) for an authority's course; 404 for any other bureau or account (for it the request does not exist)."""
    owner = s.get(Organisation, course.owner_org_id) if course.owner_org_id else None
    if owner is None or not needs_approval(s, course):
        raise Conflict("人社部门自己的课程无需审核")
    scope = require_write(s, actor)
    levels, rule = filing_levels(owner)
    level = level_of(scope, owner, levels)
    if level is None:
        raise NotFound()
    return level, levels, rule


def level_of(scope: Scope, owner: Organisation, levels: tuple[str, ...]) -> str | None:
    """The filing level ("city" or "county") of a bureau's scope for a course of owner's, or None."""
    city = city_of(owner.region_code) or owner.region_code
    county = owner.region_code if REGIONS[owner.region_code].level == "county" else None
    if scope.org_kind == "city_hr" and "city" in levels and scope.covers(city):
        return "city"
    if scope.org_kind == "county_hr" and "county" in levels and county is not None and scope.covers(county):
        return "county"
    return None


def approve_course(s: Session, actor: Person, course: Course, ip: str | None = None) -> Course:
    """An HR bureau reviews and files an authority's submitted course (温 第十一条 the city bureau; 桐 第九条 the
    county and the city bureaus); when every level its policy names has filed it, the course may go online with its
    credits and category fixed (核定学分和科目类别)."""
    level, levels, rule = filing_level(s, actor, course)
    if course.submitted_at is None:
        raise Conflict("该课程尚未提交审核备案（或已被退回），请等待行业主管部门提交")
    if (course.approved_at if level == "city" else course.county_filed_at) is not None:
        raise Conflict("本级已审核备案该课程")
    scope = scope_of(s, actor)
    now = clock.now()
    if level == "city":
        course.approved_by_org_id, course.approved_at = scope.org_id, now
    else:
        course.county_filed_by_org_id, course.county_filed_at = scope.org_id, now
    if all((course.approved_at if lv == "city" else course.county_filed_at) is not None for lv in levels):
        course.filed_at, course.filed_hours, course.filed_category = now, course.credited_hours, course.category
    s.flush()
    owner = s.get(Organisation, course.owner_org_id)
    audit.record(s, actor, "course.approve", course, ip=ip, owner=owner.name if owner else "", level=level, rule=rule)
    from .filing import tell_staff  # (filing builds on this module)
    bureau = s.get(Organisation, scope.org_id)
    done = "认定学时和科目类别已核定，可以发布" if course.filed_at is not None else "还需其他层级人力社保部门审核备案"
    tell_staff(s, course.owner_org_id, f"课程已审核备案：《{course.title}》",
               f"{bureau.name if bureau else '人力社保部门'}已审核备案课程《{course.title}》，{done}。", course)
    return course
