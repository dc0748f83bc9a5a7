"""Exam operations: plans and sessions, booking, waiting list, check-in, papers, grading, 18 hours.

Every operation takes the session and the acting person explicitly and flushes; the caller commits.
"""
from __future__ import annotations

import ipaddress
import json
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from psycopg.types.numeric import Int4
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import audit, clock
from lms.accounts.models import Person
from lms.catalogue.models import CATEGORIES, Course, Enrolment
from lms.catalogue.rules import credited_hours, policy_of_person, registrar, registration_of
from lms.db import one_statement
from lms.errors import Conflict, InvalidInput, NotAllowed, NotEligible, NotFound
from lms.hours.operations import register_hours
from lms.messages.operations import notify as tell
from lms.orgs.models import Organisation
from lms.regions import CATEGORY_NAMES, REGIONS, policy_region, registering_bureau, subtree
from lms.study.completion import recorded_minutes

from .models import (
    Booking,
    ExamPaper,
    ExamPlan,
    ExamSession,
    OutboxMessage,
    PaperItem,
    ProctorAssignment,
    Question,
    WaitlistEntry,
)
from .standing import SERVES_SQL, attempts_used, awaiting_exam, examined_clause, plan_refusal

# 温人社发〔2020〕125号 第十条: passing the on-site electronic exam registers the general public hours. The article a
# registration cites comes from the person's policy (lms/catalogue/rules.py); this one only where no policy has a
# platform rule for the person's region any more.
RULE = "温人社发〔2020〕125号 第十条"
_rng = random.SystemRandom()


# ---- errors -----------------------------------------------------------------------------------------------

class NoSeatsLeft(Conflict):
    code, message = "no_seats_left", "该场次座位已满，请选择其他场次或加入候补名单"


class AlreadyBooked(Conflict):
    code, message = "already_booked", "您在本考试计划中已有一个有效的报名，如需更换场次请先取消原报名"


class AlreadyPassed(Conflict):
    code, message = "already_passed", "您本年度的考试已合格，学时已登记，无需再次报名"


class TooManyAttempts(Conflict):
    code, message = "too_many_attempts", "本年度考试次数已用完，不能再报名"


class BookingClosed(Conflict):
    code, message = "booking_closed", "该场次当前不在报名时间内"


class CancelTooLate(Conflict):
    code, message = "cancel_too_late", "已过取消截止时间，不能取消报名"


class NotBooked(Conflict):
    code, message = "not_booked", "该报名已取消或已不能进行此操作"


class SessionNotFull(Conflict):
    code, message = "session_not_full", "该场次尚有空座，请直接报名"


class OfferGone(Conflict):
    code, message = "offer_gone", "候补名额已过期或已失效"


class CheckInRefused(Conflict):
    code, message = "check_in_refused", "签到失败"


class ExamNotOpen(Conflict):
    code, message = "exam_not_open", "现在不在本场考试的作答时间内"


class NotCheckedIn(Conflict):
    code, message = "not_checked_in", "请先到考场由监考员签到后再开始考试"


class OutsideVenue(NotAllowed):
    code, message = "outside_venue", "只能在考点的网络内开始考试，请使用考场内的电脑或网络"


class PaperSubmitted(Conflict):
    code, message = "paper_submitted", "试卷已交卷，不能再修改答案"


class NoQuestions(Conflict):
    code, message = "no_questions", "本课程的题库还没有试题，请联系人社局"


# ---- settings ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExamSettings:
    max_attempts: int = 3          # EXAM_MAX_ATTEMPTS
    offer_minutes: int = 120       # EXAM_OFFER_MINUTES: time a waiting-list offer stays open
    checkin_early_minutes: int = 60  # EXAM_CHECKIN_EARLY_MINUTES

    @classmethod
    def from_config(cls, cfg: Any) -> ExamSettings:
        return cls(max_attempts=int(cfg.get("EXAM_MAX_ATTEMPTS", 3)),
                   offer_minutes=int(cfg.get("EXAM_OFFER_MINUTES", 120)),
                   checkin_early_minutes=int(cfg.get("EXAM_CHECKIN_EARLY_MINUTES", 60)))


def _require_plan_maker(actor: Person, category: str) -> None:
    """HR bureaus run exam plans; an industry authority runs those of its industry public subject (温 第十一条)."""
    if not (actor.role == "bureau" or actor.role == "authority" and category == "industry_public"):
        raise NotAllowed()


def _require_plan_owner(actor: Person, plan: ExamPlan) -> None:
    """A bureau clerk, or the clerk of the authority that runs the plan."""
    if not (actor.role == "bureau" or actor.role == "authority" and actor.org_id == plan.owner_org_id):
        raise NotAllowed()


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# ---- plans and sessions (bureau) --------------------------------------------------------------------------

def plan_regions(owner: Organisation | None) -> list[str]:
    """The regions an organisation may make an exam plan for, its own first: an HR bureau's own region and those of
    its territory that follow the same document (属地, 温 第十条: the city bureau organises the exam; a county of
    Wenzhou is examined under Wenzhou's rules, Tonglu under its own, 桐人社发〔2018〕26号); an industry authority its
    own region only (温 第十一条)."""
    if owner is None:
        return []
    if not owner.is_hr:
        return [owner.region_code]
    home = policy_region(owner.region_code)
    return [owner.region_code] + sorted(c for c in subtree(owner.region_code) - {owner.region_code}
                                        if home is not None and policy_region(c) == home)


def _plan_region(owner: Organisation | None, actor: Person, region_code: str | None) -> str:
    """The region a new plan is for: the maker's own unless an HR bureau chose one of plan_regions (refused with the
    reason otherwise)."""
    home = owner.region_code if owner else actor.region
    if not region_code or region_code == home:
        return home
    if owner is None or not owner.is_hr:
        raise InvalidInput("行业主管部门的考试计划面向本部门所在地区本行业的专业技术人员（温人社发〔2020〕125号 第十一条），"
                           "不能另选地区")
    if region_code not in REGIONS:
        raise InvalidInput("考试地区无效，请从列表中选择")
    name = REGIONS[region_code].short_name
    if region_code not in subtree(owner.region_code):
        raise InvalidInput(f"{name}不在{owner.name}的辖区内，只能为本局辖区内的地区制订考试计划")
    if region_code not in plan_regions(owner):
        found = policy_region(region_code)
        rules = f"施行本地区的继续教育规定（{found.name}）" if found is not None else "没有施行中的继续教育规定"
        raise InvalidInput(f"{name}{rules}，与{owner.name}所执行的规定不同，不能由本局为其制订考试计划")
    return region_code


def create_plan(s: Session, actor: Person, *, year: int, category: str, title: str, pass_mark: int = 60,
                duration_minutes: int = 60, question_count: int = 20, region_code: str | None = None,
                ip: str | None = None) -> ExamPlan:
    """Create the exam plan of one study year and subject category, run by the actor's organisation: an HR bureau,
    or an industry authority for its industry public subject (温 第十一条: 相应专项知识考试).

    The plan is for the region of the body that runs it (属地): only that region's practitioners (and those below it
    under the same document) book it. An HR bureau may instead make it for one region of its territory under the same
    document (a city bureau for one county, `region_code`): then only that county's practitioners book it."""
    _require_plan_maker(actor, category)
    if category not in CATEGORIES:
        raise InvalidInput("科目类别无效")
    if not 1 <= pass_mark <= 100:
        raise InvalidInput("合格分数应在 1–100 之间")
    owner = s.get(Organisation, actor.org_id) if actor.org_id else None
    where = _plan_region(owner, actor, region_code)
    taken = f"{REGIONS[where].short_name} {year} 年度{CATEGORY_NAMES[category]}的考试计划已存在" if where in REGIONS \
        else "该年度该类别的考试计划已存在"
    if s.scalar(select(ExamPlan.id).where(ExamPlan.year == year, ExamPlan.category == category,
                                          ExamPlan.owner_org_id == actor.org_id, ExamPlan.region_code == where)):
        raise Conflict(taken)
    plan = ExamPlan(year=year, category=category, title=title.strip(), pass_mark=pass_mark,
                    duration_minutes=duration_minutes, question_count=question_count, created_by_id=actor.id,
                    owner_org_id=actor.org_id, region_code=where, created_at=clock.now())
    s.add(plan)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError as exc:
        raise Conflict(taken) from exc
    audit.record(s, actor, "exam.plan.create", plan, ip=ip, year=year, category=category, pass_mark=pass_mark,
                 region=where)
    return plan


@dataclass(frozen=True)
class SessionSpec:
    """A session as entered in the form or one row of an upload; times are naive UTC."""

    venue_name: str
    venue_address: str
    room: str
    starts_at: datetime
    ends_at: datetime
    seats: int
    booking_opens_at: datetime
    booking_closes_at: datetime
    cancel_deadline: datetime
    allowed_cidrs: str = ""

    def problems(self, year: int | None = None) -> list[str]:
        """What is wrong with this session (in a plan of year), in words a clerk can act on."""
        return session_problems(venue_name=self.venue_name, room=self.room, seats=self.seats,
                                starts_at=self.starts_at, ends_at=self.ends_at, booking_opens_at=self.booking_opens_at,
                                booking_closes_at=self.booking_closes_at, cancel_deadline=self.cancel_deadline,
                                allowed_cidrs=self.allowed_cidrs, year=year)


def session_problems(*, venue_name: str, room: str, seats: int | None, starts_at: datetime | None,
                     ends_at: datetime | None, booking_opens_at: datetime | None, booking_closes_at: datetime | None,
                     cancel_deadline: datetime | None, allowed_cidrs: str, year: int | None) -> list[str]:
    """Every problem of a session, also of one whose times or seats could not be read (None): a row of an upload
    is reported whole, not one problem per round."""
    out = []
    if not venue_name.strip():
        out.append("考点名称不能为空")
    if not room.strip():
        out.append("考场不能为空")
    if seats is not None and (seats <= 0 or seats > 10000):
        out.append("座位数应为 1–10000")
    if starts_at and ends_at and ends_at <= starts_at:
        out.append("结束时间应晚于开始时间")
    # 温人社发〔2020〕125号 第十条: the exam of a study year's general public course is sat in that year.
    if starts_at and year is not None and (day := clock.china(starts_at)) is not None and day.year != year:
        out.append(f"考试日期 {day:%Y-%m-%d} 不在 {year} 年度内，{year} 年度的考试计划只能安排 {year} 年的场次")
    if booking_opens_at and booking_closes_at and booking_closes_at <= booking_opens_at:
        out.append("报名截止时间应晚于报名开始时间")
    if booking_closes_at and ends_at and booking_closes_at > ends_at:
        out.append("报名截止时间不能晚于考试结束时间")
    if cancel_deadline and ends_at and cancel_deadline > ends_at:
        out.append("取消截止时间不能晚于考试结束时间")
    out.extend(cidr_problems(allowed_cidrs))
    return out


def cidr_problems(cidrs: str) -> list[str]:
    out = []
    for c in cidrs.replace(",", "\n").splitlines():
        if c.strip():
            try:
                ipaddress.ip_network(c.strip(), strict=False)
            except ValueError:
                out.append(f"IP 范围“{c.strip()}”格式不正确（例如 10.1.2.0/24）")
    return out


def add_sessions(s: Session, actor: Person, plan: ExamPlan, specs: list[SessionSpec],
                 ip: str | None = None) -> list[ExamSession]:
    """Add sessions to a plan, all or none."""
    _require_plan_owner(actor, plan)
    problems = [f"第 {i} 个场次：{p}" for i, spec in enumerate(specs, 1) for p in spec.problems(year=plan.year)]
    if problems:
        raise InvalidInput("；".join(problems))
    now = clock.now()
    made = []
    for spec in specs:
        session = ExamSession(plan_id=plan.id, venue_name=spec.venue_name.strip(),
                              venue_address=spec.venue_address.strip(), room=spec.room.strip(),
                              starts_at=spec.starts_at, ends_at=spec.ends_at, seats=spec.seats, taken=0,
                              booking_opens_at=spec.booking_opens_at, booking_closes_at=spec.booking_closes_at,
                              cancel_deadline=spec.cancel_deadline, allowed_cidrs=spec.allowed_cidrs.strip(),
                              booking_state=_window_state(spec.booking_opens_at, spec.booking_closes_at, now),
                              created_at=now)
        s.add(session)
        made.append(session)
    s.flush()
    audit.record(s, actor, "exam.session.create", plan, ip=ip, sessions=[m.id for m in made])
    return made


def _window_state(opens: datetime, closes: datetime, now: datetime) -> str:
    return "scheduled" if now < opens else "open" if now < closes else "closed"


def assign_proctor(s: Session, actor: Person, session: ExamSession, proctor: Person,
                   ip: str | None = None) -> None:
    """Assign a proctor (监考) to a session."""
    _require_plan_owner(actor, session.plan)
    if proctor.role != "proctor" or not proctor.active:
        raise InvalidInput("只能指派有效的监考员账号")
    if session.plan.owner_org_id is not None and proctor.org_id != session.plan.owner_org_id:
        # Proctors belong to the bureau that runs the exam (issue 11).
        raise InvalidInput("只能指派本考试计划所属人社局的监考员")
    if s.get(ProctorAssignment, (session.id, proctor.id)) is None:
        s.add(ProctorAssignment(session_id=session.id, proctor_id=proctor.id, assigned_by_id=actor.id,
                                assigned_at=clock.now()))
        s.flush()
        audit.record(s, actor, "exam.proctor.assign", session, ip=ip, proctor_id=proctor.id)


def unassign_proctor(s: Session, actor: Person, session: ExamSession, proctor_id: int,
                     ip: str | None = None) -> None:
    """Remove a proctor from a session."""
    _require_plan_owner(actor, session.plan)
    row = s.get(ProctorAssignment, (session.id, proctor_id))
    if row is not None:
        s.delete(row)
        s.flush()
        audit.record(s, actor, "exam.proctor.unassign", session, ip=ip, proctor_id=proctor_id)


def is_assigned(s: Session, proctor: Person, session_id: int) -> bool:
    return proctor.role == "proctor" and s.get(ProctorAssignment, (session_id, proctor.id)) is not None


# ---- booking ----------------------------------------------------------------------------------------------

def completed_enrolment(s: Session, person: Person, plan: ExamPlan) -> Enrolment | None:
    """The enrolment a booking of the plan examines now: a course of the plan's year and category whose online study
    is complete, whose hours the exam earns (completion 'exam', from the person's policy: 温 第十条; a Tonglu course
    needs none, 桐 第八条) and that no passed exam has registered yet (威 二(一)1: each course its exam), if any."""
    return awaiting_exam(s, person, plan)


def _check_can_book(s: Session, person: Person, plan: ExamPlan, settings: ExamSettings) -> Enrolment:
    if person.role != "practitioner":
        raise NotEligible("只有专业技术人员可以报名考试")
    refusal = plan_refusal(s, plan, person)  # another region's plan (属地), another industry's (温 第十一条)
    if refusal is not None:
        raise NotEligible(refusal)
    rows = s.execute(select(Booking.id, Booking.status, ExamPaper.passed)
                     .outerjoin(ExamPaper, ExamPaper.booking_id == Booking.id)
                     .where(Booking.person_id == person.id, Booking.plan_id == plan.id)).all()
    passed, used = attempts_used([(i, status, p) for i, status, p in rows])
    enrolment = completed_enrolment(s, person, plan)
    if enrolment is None and passed:
        rule = policy_of_person(person, plan.year)
        if rule is not None and plan.category in rule.platform_categories \
                and rule.course_rule(plan.category).per_year is None:
            # 威 二(一)1: each course is examined; the ones completed so far are registered.
            raise AlreadyPassed(f"您已完成的{CATEGORY_NAMES[plan.category]}课程考试均已合格，学时已登记；如需更多学时，"
                                f"请先选学并完成另一门课程的在线学习，再报名考试（{rule.course_rule(plan.category).rule}）")
        raise AlreadyPassed()
    if enrolment is None:
        other = awaiting_exam(s, person, plan, any_owner=True)
        owner = s.get(Organisation, plan.owner_org_id) if plan.owner_org_id else None
        if other is not None and owner is not None:
            # 温 第十一条: an authority examines its own industry public subject's courseware, nobody else's.
            raise NotEligible(f"该考试只考核{owner.name}发布的{CATEGORY_NAMES[plan.category]}课程（温人社发〔2020〕125号 "
                              f"第十一条）；您完成的《{other.course.title}》不是该部门的课程，请报名该课程所属单位组织的考试")
        label = CATEGORY_NAMES[plan.category]
        told = registration_of(s, person, plan.category, plan.year)
        if told["completion"] == "study":
            raise NotEligible(f"按规定{label}课程完成在线学习即登记学时，无需参加考试（{told['article']}）")
        # 温 第十条: the exam is booked after the online study is finished.
        cite = f"（{told['article']}）" if told["article"] else ""
        raise NotEligible(f"请先完成 {plan.year} 年度{label}课程的在线学习，再报名考试{cite}")
    if any(status in ("booked", "checked_in") for _i, status, _p in rows):
        raise AlreadyBooked()
    if used >= settings.max_attempts:
        raise TooManyAttempts(f"本年度考试次数（{settings.max_attempts} 次）已用完，不能再报名")
    return enrolment


def _new_ticket_no(plan: ExamPlan, session_id: int) -> str:
    return f"{plan.year % 100:02d}{session_id % 10000:04d}{secrets.randbelow(10**8):08d}"


def _insert_booking(s: Session, person: Person, session: ExamSession, enrolment: Enrolment) -> Booking:
    booking = Booking(person_id=person.id, plan_id=session.plan_id, session_id=session.id, enrolment_id=enrolment.id,
                      ticket_no=_new_ticket_no(session.plan, session.id), status="booked", created_at=clock.now())
    s.add(booking)
    try:
        # No savepoint: nothing goes on after a refusal, the caller's transaction is rolled back whole.
        s.flush()
    except IntegrityError as exc:
        # The partial unique index decided: a concurrent request already booked for this person.
        raise AlreadyBooked() from exc
    return booking


def book_seat(s: Session, person: Person, session: ExamSession, settings: ExamSettings) -> Booking:
    """Book a seat in a session and issue the admission ticket (准考证).

    The booking row goes in first (the partial unique index refuses a second active booking),
    then the seat is taken by a conditional UPDATE as the last statement, so the hot session
    row is locked only for the moment before commit and can never be oversold.
    """
    now = clock.now()
    if session.cancelled_at is not None or not session.booking_opens_at <= now < session.booking_closes_at:
        raise BookingClosed(_closed_message(session, now))
    if session.taken >= session.seats:  # a courtesy read; the conditional UPDATE below is the guard
        raise NoSeatsLeft()
    enrolment = _check_can_book(s, person, session.plan, settings)
    booking = _insert_booking(s, person, session, enrolment)
    took = s.execute(update(ExamSession).where(
        ExamSession.id == session.id, ExamSession.taken < ExamSession.seats,
        ExamSession.booking_opens_at <= now, ExamSession.booking_closes_at > now, ExamSession.cancelled_at.is_(None),
    ).values(taken=ExamSession.taken + 1).execution_options(synchronize_session=False))
    if _rowcount(took) != 1:
        raise NoSeatsLeft()
    s.expire(session, ["taken"])
    return booking


# book_seat()'s common answers on PostgreSQL as one statement, for one candidate or for a batch of candidates of
# one session in their order of arrival (the year-end rush: thousands of candidates for a few sessions; the lane
# batches them, exams/lane.py). For each candidate it checks the account from the signed session (active, same
# session version, a practitioner, its login still open: lms/accounts/sessions.py), then, in book_seat()'s order: the booking window and the seats (a courtesy
# read: "full"), and _check_can_book()'s rules (a plan of the person's region, exams/standing.py SERVES_SQL; a
# finished online study whose hours no passed exam has registered yet, 威 二(一)1, of a course of the authority that
# runs the plan when an authority runs it, 温 第十一条 (exams.standing.examined_clause); no active booking; attempts left
# since the last pass). Only when someone passes does it lock the session row (lk: never for a full session, so the refusals
# of the rush write nothing), re-read the seats left, give them to the first candidates in order, insert their
# bookings — the partial unique index skips anyone a concurrent request booked meanwhile (ON CONFLICT DO
# NOTHING) — and take exactly as many seats as bookings went in; the CHECK on the session refuses any oversell.
# The seat row is locked only inside the database, until the commit of this one statement, never while Python
# runs. Per candidate (first column, the person's id): "booked"; "full" (the seats went to those before);
# "already" (an active booking in this plan: seen, or met by the index — a double click); "other" — closed,
# not eligible (also: another region's plan; of another industry than the authority that runs the plan, 温 第十一条;
# an enrolment whose hours the study earns, 桐 第八条), passed, no attempts left, or a seat left by a candidate the index skipped —
# nothing changed for them: book_seat() answers. A person at most once per batch. Runs with its generic plan (lms.db.GENERIC_PLAN).
_BOOK_PG = """
WITH r AS (
  SELECT * FROM unnest(%(pid)s::int[], %(sv)s::int[], %(lid)s::int[], %(serial)s::text[]) WITH ORDINALITY
    AS r(pid, sv, lid, serial, n)
), s AS (
  SELECT es.id, es.plan_id, ep.year, ep.category, ep.owner_org_id, ep.region_code, es.taken >= es.seats AS full_,
         es.booking_opens_at <= %(now)s AND %(now)s < es.booking_closes_at AND es.cancelled_at IS NULL AS open_,
         EXISTS (SELECT 1 FROM organisation o WHERE o.id = ep.owner_org_id AND o.kind = 'authority') AS by_authority
  FROM exam_session es JOIN exam_plan ep ON ep.id = es.plan_id
  WHERE es.id = %(sid)s
), c AS (
  SELECT r.pid, r.serial, r.n, x.*
  FROM r CROSS JOIN s CROSS JOIN LATERAL (
    SELECT
      (SELECT min(en.id) FROM enrolment en
       WHERE en.person_id = pe.id AND en.year = s.year AND en.category = s.category
         AND en.completed_at IS NOT NULL AND en.completion = 'exam'
         AND (NOT s.by_authority OR EXISTS (SELECT 1 FROM course co
                                            WHERE co.id = en.course_id AND co.owner_org_id = s.owner_org_id))
         AND NOT EXISTS (SELECT 1 FROM hours_entry he
                         WHERE he.source_type = 'exam' AND he.source_ref = 'enrolment:' || en.id)) AS enrolment_id,
      EXISTS (SELECT 1 FROM exam_booking bk WHERE bk.person_id = pe.id AND bk.plan_id = s.plan_id
                AND bk.status IN ('booked', 'checked_in')) AS active,
      (SELECT count(*) FROM exam_booking bk
       WHERE bk.person_id = pe.id AND bk.plan_id = s.plan_id AND bk.status <> 'cancelled'
         AND bk.id > coalesce((SELECT max(bp.id) FROM exam_booking bp JOIN exam_paper pa ON pa.booking_id = bp.id
                               WHERE bp.person_id = pe.id AND bp.plan_id = s.plan_id AND pa.passed), 0)) AS used
    FROM person pe
    WHERE pe.id = r.pid AND pe.session_version = r.sv AND pe.active IS TRUE AND pe.role = 'practitioner'
      AND EXISTS (SELECT 1 FROM login_session ls WHERE ls.id = r.lid AND ls.person_id = r.pid AND ls.ended_at IS NULL)
      AND """ + SERVES_SQL.format(plan="s.region_code", person="pe.region") + """
      AND NOT EXISTS (SELECT 1 FROM organisation o WHERE o.id = s.owner_org_id AND o.kind = 'authority'
                        AND o.industry IS DISTINCT FROM pe.industry)
    OFFSET 0
  ) x
), go AS (
  SELECT c.*, row_number() OVER (ORDER BY c.n) AS rank FROM c, s
  WHERE s.open_ AND c.enrolment_id IS NOT NULL AND NOT c.active AND c.used < %(max)s
), lk AS (
  SELECT es.id, es.seats - es.taken AS left_ FROM exam_session es
  WHERE es.id = %(sid)s AND es.taken < es.seats AND es.booking_opens_at <= %(now)s AND es.booking_closes_at > %(now)s
    AND es.cancelled_at IS NULL AND EXISTS (SELECT 1 FROM go)
  FOR UPDATE
), ins AS (
  INSERT INTO exam_booking (person_id, plan_id, session_id, enrolment_id, ticket_no, status, created_at)
  SELECT go.pid, s.plan_id, s.id, go.enrolment_id,
         lpad((s.year %% 100)::text, 2, '0') || lpad((s.id %% 10000)::text, 4, '0') || go.serial, 'booked', %(now)s
  FROM go, s, lk WHERE go.rank <= lk.left_
  ON CONFLICT (person_id, plan_id) WHERE status IN ('booked', 'checked_in') DO NOTHING
  RETURNING id, person_id, ticket_no
), seat AS (
  UPDATE exam_session es SET taken = es.taken + (SELECT count(*) FROM ins)
  FROM lk WHERE es.id = lk.id AND EXISTS (SELECT 1 FROM ins)
  RETURNING es.id
)
SELECT r.pid,
       CASE WHEN ins.id IS NOT NULL THEN 'booked'
            WHEN go.pid IS NOT NULL AND go.rank <= coalesce((SELECT left_ FROM lk), 0) THEN 'already'
            WHEN go.pid IS NOT NULL AND (SELECT count(*) FROM ins) >= coalesce((SELECT left_ FROM lk), 0) THEN 'full'
            WHEN c.pid IS NOT NULL AND s.open_ AND s.full_ THEN 'full'
            WHEN c.pid IS NOT NULL AND s.open_ AND c.enrolment_id IS NOT NULL AND c.active THEN 'already'
            ELSE 'other' END,
       ins.id, ins.ticket_no
FROM r CROSS JOIN s LEFT JOIN c ON c.pid = r.pid LEFT JOIN go ON go.pid = r.pid LEFT JOIN ins ON ins.person_id = r.pid
"""


@dataclass(frozen=True)
class RushBooking:
    """One candidate's request for _BOOK_PG, and what its row means (for book_seat_pg and the lane)."""
    person_id: int
    session_version: int
    login_id: int
    session_id: int
    serial: str
    now: datetime
    max_attempts: int

    @classmethod
    def of(cls, person_id: int, session_version: int, login_id: int, session_id: int,
           settings: ExamSettings) -> RushBooking:
        return cls(person_id, session_version, login_id, session_id, f"{secrets.randbelow(10**8):08d}", clock.now(),
                   settings.max_attempts)

    @property
    def group(self) -> int:
        return self.session_id  # a batch is of one session (lms.lane.Batches)

    @staticmethod
    def params(batch: Sequence[RushBooking]) -> dict[str, Any]:
        """The statement's parameters for requests of different persons for one session, in arrival order."""
        first = batch[0]
        return {"pid": [Int4(b.person_id) for b in batch], "sv": [Int4(b.session_version) for b in batch],
                "lid": [Int4(b.login_id) for b in batch],
                "serial": [b.serial for b in batch], "sid": first.session_id, "now": max(b.now for b in batch),
                "max": first.max_attempts}

    @staticmethod
    def outcome(row: Any) -> tuple[int, str] | None:
        """(booking id, ticket number); NoSeatsLeft or AlreadyBooked; or None: the statement did not decide,
        nothing changed."""
        if row is None or row[1] == "other":
            return None
        if row[1] == "full":
            raise NoSeatsLeft()
        if row[1] == "already":
            raise AlreadyBooked()
        return int(row[2]), str(row[3])


def book_seat_pg(s: Session, person_id: int, session_version: int, login_id: int, session_id: int,
                 settings: ExamSettings) -> tuple[int, str] | None:
    """book_seat()'s common answers in one statement on PostgreSQL, for the account in the signed session.

    Returns (booking id, ticket number), raises NoSeatsLeft or AlreadyBooked, or returns None when this
    statement does not decide (no such session, not logged in, closed, not eligible ...): nothing changed,
    and the caller asks book_seat(), which gives the precise answer.
    """
    rush = RushBooking.of(person_id, session_version, login_id, session_id, settings)
    try:
        row = one_statement(s, _BOOK_PG, RushBooking.params([rush]), generic_plan=True)
    except IntegrityError:
        return None  # a ticket number clash (one in 10^8): book_seat() answers
    return rush.outcome(row)


def _closed_message(session: ExamSession, now: datetime) -> str:
    if session.cancelled_at is not None:
        return f"该场次已取消（{session.cancel_reason}），请选择其他场次"
    if now < session.booking_opens_at:
        return f"该场次尚未开始报名，报名开始时间：{clock.china(session.booking_opens_at):%Y-%m-%d %H:%M}"
    return "该场次报名已截止"


def cancel_booking(s: Session, person: Person, booking: Booking, settings: ExamSettings) -> None:
    """Cancel one's own booking before the session's cancellation deadline; the seat goes to the waiting list."""
    if booking.person_id != person.id:
        raise NotFound()
    now = clock.now()
    if now >= booking.session.cancel_deadline:
        raise CancelTooLate(f"已过取消截止时间（{clock.china(booking.session.cancel_deadline):%Y-%m-%d %H:%M}），"
                            "不能取消报名")
    done = s.execute(update(Booking).where(Booking.id == booking.id, Booking.status == "booked")
                     .values(status="cancelled", cancelled_at=now).execution_options(synchronize_session=False))
    if _rowcount(done) != 1:
        raise NotBooked()
    s.expire(booking)
    give_back_seat(s, booking.session_id, settings)


def give_back_seat(s: Session, session_id: int, settings: ExamSettings) -> WaitlistEntry | None:
    """Offer a returned seat to the first in line, or free it when nobody waits or booking has closed."""
    now = clock.now()
    session = s.get(ExamSession, session_id)
    assert session is not None
    if session.booking_opens_at <= now < session.booking_closes_at:
        offered = _offer_next(s, session, now, settings.offer_minutes)
        if offered is not None:
            return offered
    s.execute(update(ExamSession).where(ExamSession.id == session_id, ExamSession.taken > 0)
              .values(taken=ExamSession.taken - 1).execution_options(synchronize_session=False))
    s.expire(session, ["taken"])
    return None


def _offer_next(s: Session, session: ExamSession, now: datetime, minutes: int) -> WaitlistEntry | None:
    """Hold the seat for the first waiting person (strict id order; nobody jumps the queue)."""
    while True:
        first = s.scalar(select(WaitlistEntry).where(WaitlistEntry.session_id == session.id,
                                                     WaitlistEntry.status == "waiting")
                         .order_by(WaitlistEntry.id).limit(1))
        if first is None:
            return None
        expires = min(now + timedelta(minutes=minutes), session.booking_closes_at)
        got = s.execute(update(WaitlistEntry).where(WaitlistEntry.id == first.id, WaitlistEntry.status == "waiting")
                        .values(status="offered", offered_at=now, offer_expires_at=expires)
                        .execution_options(synchronize_session=False))
        if _rowcount(got) == 1:
            s.refresh(first)
            notify(s, first.person_id, "waitlist_offer", f"waitlist:{first.id}",
                   "候补名额已为您保留",
                   f"{session.venue_name} {session.room} {clock.china(session.starts_at):%m月%d日 %H:%M} 场次有空座，"
                   f"请在 {clock.china(expires):%m月%d日 %H:%M} 前确认，逾期将顺延给下一位候补人员。")
            return first


def join_waitlist(s: Session, person: Person, session: ExamSession, settings: ExamSettings) -> WaitlistEntry:
    """Join the waiting list (候补) of a full session."""
    now = clock.now()
    if session.cancelled_at is not None or not session.booking_opens_at <= now < session.booking_closes_at:
        raise BookingClosed(_closed_message(session, now))
    _check_can_book(s, person, session.plan, settings)
    if session.taken < session.seats:
        raise SessionNotFull()
    entry = WaitlistEntry(session_id=session.id, person_id=person.id, status="waiting", created_at=now)
    s.add(entry)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError as exc:
        raise Conflict("您已在该场次的候补名单中") from exc
    return entry


def accept_offer(s: Session, person: Person, entry: WaitlistEntry, settings: ExamSettings) -> Booking:
    """Take the seat held for one's waiting-list offer, before the offer expires."""
    if entry.person_id != person.id:
        raise NotFound()
    now = clock.now()
    session = entry.session
    if not session.booking_opens_at <= now < session.booking_closes_at:
        raise BookingClosed("报名已截止，候补名额已失效")
    enrolment = _check_can_book(s, person, session.plan, settings)
    got = s.execute(update(WaitlistEntry).where(WaitlistEntry.id == entry.id, WaitlistEntry.status == "offered",
                                                WaitlistEntry.offer_expires_at > now)
                    .values(status="accepted", closed_at=now).execution_options(synchronize_session=False))
    if _rowcount(got) != 1:
        raise OfferGone()
    s.expire(entry)
    # The seat was held for this offer (taken already counts it): no seat update here.
    return _insert_booking(s, person, session, enrolment)


def withdraw_from_waitlist(s: Session, person: Person, entry: WaitlistEntry, settings: ExamSettings) -> None:
    """Leave a waiting list; a held seat passes to the next in line."""
    if entry.person_id != person.id:
        raise NotFound()
    now = clock.now()
    previous = entry.status
    got = s.execute(update(WaitlistEntry).where(WaitlistEntry.id == entry.id,
                                                WaitlistEntry.status.in_(("waiting", "offered")))
                    .values(status="withdrawn", closed_at=now).execution_options(synchronize_session=False))
    if _rowcount(got) != 1:
        raise OfferGone("该候补已结束")
    s.expire(entry)
    if previous == "offered":
        give_back_seat(s, entry.session_id, settings)


def expire_offers(s: Session, settings: ExamSettings) -> int:
    """Pass offers whose time ran out to the next in line (or free the seat); idempotent."""
    now = clock.now()
    ids = s.scalars(select(WaitlistEntry.id).where(WaitlistEntry.status == "offered",
                                                   WaitlistEntry.offer_expires_at <= now)
                    .order_by(WaitlistEntry.id)).all()
    n = 0
    for entry_id in ids:
        got = s.execute(update(WaitlistEntry).where(WaitlistEntry.id == entry_id, WaitlistEntry.status == "offered",
                                                    WaitlistEntry.offer_expires_at <= now)
                        .values(status="expired", closed_at=now).execution_options(synchronize_session=False))
        if _rowcount(got) == 1:
            session_id = s.scalar(select(WaitlistEntry.session_id).where(WaitlistEntry.id == entry_id))
            assert session_id is not None
            give_back_seat(s, session_id, settings)
            n += 1
    return n


def update_booking_windows(s: Session) -> int:
    """Open and close booking windows on time and close the waiting lists of closed sessions; idempotent."""
    now = clock.now()
    n = 0
    for state, cond in (("open", and_(ExamSession.booking_opens_at <= now, ExamSession.booking_closes_at > now,
                                      ExamSession.cancelled_at.is_(None))),
                        ("closed", ExamSession.booking_closes_at <= now)):
        n += _rowcount(s.execute(update(ExamSession).where(cond, ExamSession.booking_state != state)
                                 .values(booking_state=state).execution_options(synchronize_session=False)))
    # No offer is made once booking has closed: the remaining places on the lists lapse.
    closed_ids = select(ExamSession.id).where(ExamSession.booking_closes_at <= now).scalar_subquery()
    s.execute(update(WaitlistEntry).where(WaitlistEntry.status == "waiting", WaitlistEntry.session_id.in_(closed_ids))
              .values(status="closed", closed_at=now).execution_options(synchronize_session=False))
    return n


def mark_absent(s: Session) -> int:
    """Mark booked candidates who never checked in as absent once their session has ended; idempotent."""
    now = clock.now()
    ended = select(ExamSession.id).where(ExamSession.ends_at <= now).scalar_subquery()
    return _rowcount(s.execute(update(Booking).where(Booking.status == "booked", Booking.session_id.in_(ended))
                               .values(status="absent").execution_options(synchronize_session=False)))


def notify(s: Session, person_id: int, kind: str, ref: str, subject: str, body: str) -> None:
    """Queue a message in the outbox once per (kind, ref): shown in the app, deliverable by mail or SMS later."""
    if s.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == kind, OutboxMessage.ref == ref)):
        return
    msg = OutboxMessage(person_id=person_id, kind=kind, ref=ref, subject=subject, body=body, created_at=clock.now())
    s.add(msg)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError:
        return  # a twin job wrote it first
    # Also among the person's messages (消息: the header's unread count) and, when they gave an address, mailed
    # through the outbox (lms/messages), in this same transaction.
    tell(s, person_id, subject, body, "/exams/booking", kind=f"exam.{kind}"[:32], ref=ref[:80])


def send_reminders(s: Session) -> int:
    """Remind candidates the day before their exam (China date); each booking at most once."""
    now = clock.now()
    tomorrow = clock.china_today() + timedelta(days=1)
    start = datetime.combine(tomorrow, datetime.min.time()) - clock.CHINA
    rows = s.execute(select(Booking.id, Booking.person_id, Booking.ticket_no, ExamSession)
                     .join(ExamSession, ExamSession.id == Booking.session_id)
                     .where(Booking.status.in_(("booked", "checked_in")), Booking.reminded_at.is_(None),
                            ExamSession.starts_at >= start, ExamSession.starts_at < start + timedelta(days=1))).all()
    n = 0
    for booking_id, person_id, ticket_no, session in rows:
        got = s.execute(update(Booking).where(Booking.id == booking_id, Booking.reminded_at.is_(None))
                        .values(reminded_at=now).execution_options(synchronize_session=False))
        if _rowcount(got) == 1:
            notify(s, person_id, "reminder", f"booking:{booking_id}", "明天有您的考试",
                   f"准考证号 {ticket_no}：{clock.china(session.starts_at):%m月%d日 %H:%M} 在 {session.venue_name}"
                   f"（{session.venue_address}）{session.room} 参加{CATEGORY_NAMES[session.plan.category]}现场电子化考试，"
                   "请携带身份证提前到达。")
            n += 1
    return n


# ---- check-in and the exam --------------------------------------------------------------------------------

def check_in(s: Session, proctor: Person, session: ExamSession, ticket_no: str, id_last: str,
             settings: ExamSettings, ip: str | None = None) -> Booking:
    """Check a candidate in by ticket number and the last digits of the ID number."""
    if not is_assigned(s, proctor, session.id):
        raise NotAllowed("您没有被指派到该场次监考")
    now = clock.now()
    if now < session.starts_at - timedelta(minutes=settings.checkin_early_minutes):
        raise CheckInRefused(f"签到将于考前 {settings.checkin_early_minutes} 分钟开始")
    if now >= session.ends_at:
        raise CheckInRefused("本场考试已结束，不能签到")
    ticket_no, id_last = "".join(ticket_no.split()), id_last.strip().upper()  # "26 0001 …" as printed in groups
    booking = s.scalar(select(Booking).where(Booking.ticket_no == ticket_no, Booking.session_id == session.id))
    if booking is None:
        raise CheckInRefused("准考证号不属于本场次，请核对准考证")
    if len(id_last) < 4 or not (booking.person.id_number or "").upper().endswith(id_last):
        raise CheckInRefused("身份证号后四位与准考证不符，请核对身份证件")
    if booking.status == "checked_in":
        return booking
    got = s.execute(update(Booking).where(Booking.id == booking.id, Booking.status == "booked")
                    .values(status="checked_in", checked_in_at=now, checked_in_by_id=proctor.id)
                    .execution_options(synchronize_session=False))
    if _rowcount(got) != 1:
        raise CheckInRefused({"cancelled": "该报名已取消", "absent": "该考生已被记为缺考",
                              "finished": "该考生已交卷"}.get(booking.status, "该考生不能签到"))
    s.refresh(booking)
    audit.record(s, proctor, "exam.check_in", booking, ip=ip, session_id=session.id)
    return booking


def ip_allowed(session: ExamSession, ip: str | None) -> bool:
    """Whether ip lies in one of the session's allowed networks (any ip when none are set)."""
    nets = session.cidr_list
    if not nets:
        return True
    try:
        addr = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    return any(addr in ipaddress.ip_network(n, strict=False) for n in nets)


def start_exam(s: Session, person: Person, booking: Booking, ip: str | None = None,
               rng: random.Random | None = None) -> ExamPaper:
    """Draw the candidate's paper (random questions, shuffled options) or return the one already drawn."""
    if booking.person_id != person.id:
        raise NotFound()
    existing = s.scalar(select(ExamPaper).where(ExamPaper.booking_id == booking.id))
    if existing is not None:
        return existing
    if booking.status != "checked_in":
        raise NotCheckedIn()
    session, now = booking.session, clock.now()
    if not session.starts_at <= now < session.ends_at:
        raise ExamNotOpen(f"本场考试时间为 {clock.china(session.starts_at):%m月%d日 %H:%M}–"
                          f"{clock.china(session.ends_at):%H:%M}，现在不能开始作答")
    if not ip_allowed(session, ip):
        raise OutsideVenue()
    course_id = booking.enrolment.course_id
    bank = s.scalars(select(Question).where(Question.course_id == course_id, Question.active.is_(True))).all()
    if not bank:
        raise NoQuestions()
    rng = rng or _rng
    plan = booking.plan
    drawn = rng.sample(list(bank), min(plan.question_count, len(bank)))
    deadline = min(now + timedelta(minutes=plan.duration_minutes), session.ends_at)
    paper = ExamPaper(booking_id=booking.id, person_id=person.id, session_id=session.id, course_id=course_id,
                      status="open", started_at=now, deadline=deadline, pass_mark=plan.pass_mark, start_ip=ip)
    s.add(paper)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError:
        # A second tab started at the same moment; its paper stands.
        existing = s.scalar(select(ExamPaper).where(ExamPaper.booking_id == booking.id))
        assert existing is not None
        return existing
    for pos, q in enumerate(drawn, 1):
        order = list(range(len(q.options)))
        if q.kind != "truefalse":
            rng.shuffle(order)
        s.add(PaperItem(paper_id=paper.id, position=pos, question_id=q.id, option_order_json=json.dumps(order)))
    s.flush()
    audit.record(s, person, "exam.paper.start", paper, ip=ip, booking_id=booking.id)
    return paper


def _lock_paper(s: Session, paper_id: int) -> ExamPaper:
    """Load the paper locking its row, so that answers and the submission are serialised."""
    paper = s.scalar(select(ExamPaper).where(ExamPaper.id == paper_id).with_for_update()
                     .execution_options(populate_existing=True))
    if paper is None:
        raise NotFound()
    return paper


def save_answer(s: Session, person: Person, paper_id: int, position: int, answer: list[int]) -> dict[str, Any]:
    """Save one answer as it is given; after the deadline the paper is submitted instead."""
    paper = _lock_paper(s, paper_id)
    if paper.person_id != person.id:
        raise NotFound()
    if paper.status != "open":
        raise PaperSubmitted()
    if clock.now() >= paper.deadline:
        submit_paper(s, paper.id, by="timeout", person=person)
        return {"state": "time_up", "result": result_json(paper)}
    item = s.scalar(select(PaperItem).where(PaperItem.paper_id == paper.id, PaperItem.position == position))
    if item is None:
        raise NotFound("没有这道题")
    n = len(item.question.options)
    chosen = sorted(set(answer))
    if any(not 0 <= i < n for i in chosen):
        raise InvalidInput("选项无效")
    if item.question.kind in ("single", "truefalse") and len(chosen) > 1:
        raise InvalidInput("本题只能选择一个答案")
    item.answer_json = json.dumps(chosen)
    item.answered_at = clock.now()
    s.flush()
    return {"state": "saved", "position": position, "answer": chosen,
            "seconds_left": seconds_left(paper)}


def seconds_left(paper: ExamPaper) -> int:
    return max(0, int((paper.deadline - clock.now()).total_seconds()))


def submit_paper(s: Session, paper_id: int, *, by: str, person: Person | None = None) -> ExamPaper:
    """Submit and grade a paper exactly once; on passing, register the course's hours (第十条).

    The conditional UPDATE ... WHERE status = 'open' decides which of racing submitters
    (the candidate, a retried request, the time-out job on another server) grades it; the
    others find it submitted. The hours go in with ON CONFLICT DO NOTHING on the enrolment,
    so one course-year is registered once however many papers pass.
    """
    paper = _lock_paper(s, paper_id)
    if person is not None and paper.person_id != person.id:
        raise NotFound()
    if paper.status != "open":
        return paper
    if by == "candidate" and clock.now() >= paper.deadline:
        by = "timeout"
    now = clock.now()
    got = s.execute(update(ExamPaper).where(ExamPaper.id == paper.id, ExamPaper.status == "open")
                    .values(status="submitted", submitted_at=now, submitted_by=by)
                    .execution_options(synchronize_session=False))
    if _rowcount(got) != 1:
        s.refresh(paper)
        return paper
    correct = 0
    items = s.scalars(select(PaperItem).where(PaperItem.paper_id == paper.id)).all()
    for item in items:
        key = sorted(item.option_order.index(i) for i in item.question.answer)
        item.correct = item.chosen == key
        correct += item.correct
    score = round(100 * correct / len(items)) if items else 0
    passed = score >= paper.pass_mark
    s.execute(update(ExamPaper).where(ExamPaper.id == paper.id).values(score=score, passed=passed)
              .execution_options(synchronize_session=False))
    s.execute(update(Booking).where(Booking.id == paper.booking_id).values(status="finished")
              .execution_options(synchronize_session=False))
    s.flush()
    s.refresh(paper)
    booking = paper.booking
    s.refresh(booking)
    audit.record(s, person, "exam.paper.submit", paper, by=by, score=score, passed=passed)
    if passed:
        register_exam_hours(s, booking)
    return paper


def register_exam_hours(s: Session, booking: Booking) -> None:
    """Register the hours a passed exam earns, once per enrolment, as the person's policy says: how many (温 第十条:
    18 whatever the course; elsewhere the course's), in whose name (the city HR bureau, 温 第十条; the industry
    authority, 第十一条) and citing which article."""
    enrolment = booking.enrolment
    course: Course = enrolment.course
    person = booking.person
    policy = policy_of_person(person, enrolment.year)
    if policy is not None and course.category in policy.platform_categories:
        rule = policy.course_rule(course.category)
        minutes = recorded_minutes(s, enrolment) if rule.hours == "recorded" else None
        hours, article = credited_hours(person, course, enrolment.year, minutes=minutes)
        org = registrar(s, person, rule, course)
    else:  # no platform rule for the person's region now (they moved): the course's hours, the exam's article
        hours, article, org = Decimal(course.credited_hours), RULE, registering_bureau(person.region)
    register_hours(s, person_id=person.id, year=enrolment.year, category=enrolment.category,
                   hours=hours, source_type="exam", source_ref=f"enrolment:{enrolment.id}",
                   title=f"{course.title}（现场电子化考试合格）", org=org, rule=article,
                   note=f"准考证号 {booking.ticket_no}")
    # Where the policy allows several courses of the category a year (威 二: as many as the 30 public hours need),
    # the passed exam also registers the other courses of the year whose study was complete when it was booked
    # (each once: the hours bank's unique source) — of an authority's plan only its own courses (温 第十一条).
    others = s.scalars(select(Enrolment).where(
        Enrolment.person_id == person.id, Enrolment.year == enrolment.year, Enrolment.category == enrolment.category,
        Enrolment.completion == "exam", Enrolment.completed_at.is_not(None),
        Enrolment.completed_at <= booking.created_at, Enrolment.id != enrolment.id,
        examined_clause(s, booking.plan))).all()
    for other in others:
        if policy is not None and other.course.category in policy.platform_categories:
            more, article = credited_hours(person, other.course, other.year, minutes=None if rule.hours == "course"
                                           else recorded_minutes(s, other))
            register_hours(s, person_id=person.id, year=other.year, category=other.category, hours=more,
                           source_type="exam", source_ref=f"enrolment:{other.id}",
                           title=f"{other.course.title}（现场电子化考试合格）", org=registrar(s, person, rule, other.course),
                           rule=article, note=f"准考证号 {booking.ticket_no}")


def submit_expired_papers(s: Session) -> int:
    """Submit every open paper whose time ran out (the server's clock decides); idempotent."""
    ids = s.scalars(select(ExamPaper.id).where(ExamPaper.status == "open", ExamPaper.deadline <= clock.now())).all()
    for paper_id in ids:
        submit_paper(s, paper_id, by="timeout")
    return len(ids)


def result_json(paper: ExamPaper) -> dict[str, Any]:
    return {"paper_id": paper.id, "status": paper.status, "score": paper.score, "passed": paper.passed,
            "pass_mark": paper.pass_mark, "submitted_by": paper.submitted_by}


def paper_json(paper: ExamPaper) -> dict[str, Any]:
    """The paper as the candidate's browser may see it (no key)."""
    out = result_json(paper) | {"seconds_left": seconds_left(paper) if paper.status == "open" else 0,
                                "items": [i.as_json() for i in paper.items]}
    return out


# ---- rosters ----------------------------------------------------------------------------------------------

ROSTER_STATE_NAMES = {"booked": "已报名", "checked_in": "已签到", "absent": "缺考", "cancelled": "已取消",
                      "submitted": "已交卷", "passed": "合格"}


def roster(s: Session, session: ExamSession) -> list[dict[str, Any]]:
    """Everyone booked into a session with their state: booked, checked in, absent, submitted, passed."""
    rows = s.execute(select(Booking, ExamPaper).outerjoin(ExamPaper, ExamPaper.booking_id == Booking.id)
                     .where(Booking.session_id == session.id, Booking.status != "cancelled")
                     .order_by(Booking.id)).all()
    out = []
    for booking, paper in rows:
        state = booking.status
        if paper is not None and paper.status == "submitted":
            state = "passed" if paper.passed else "submitted"
        out.append({"booking": booking, "person": booking.person, "paper": paper, "state": state,
                    "state_name": ROSTER_STATE_NAMES.get(state, "已开考" if paper else state)})
    return out


def roster_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"booked": len(rows), "checked_in": 0, "absent": 0, "submitted": 0, "passed": 0}
    for r in rows:
        if r["booking"].checked_in_at is not None:
            counts["checked_in"] += 1
        if r["state"] == "absent":
            counts["absent"] += 1
        if r["state"] in ("submitted", "passed"):
            counts["submitted"] += 1
        if r["state"] == "passed":
            counts["passed"] += 1
    return counts


def active_booking_count(s: Session, session_id: int) -> int:
    return int(s.scalar(select(func.count()).select_from(Booking).where(
        Booking.session_id == session_id, Booking.status.in_(("booked", "checked_in")))) or 0)

