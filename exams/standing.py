"""Which exam plans a practitioner may book, and where they stand in each (book_seat() and the lane's _BOOK_PG
decide the same way; the booking page and the API show it).

- A plan belongs to a region (exam_plan.region_code, the region of the bureau or authority that runs it) and serves
  the practitioners registered in that region or below it who follow the same document (属地: 温 第二条、第十条 the
  city HR bureau organises the exam of every county of Wenzhou; 威 一 the city bureau Weihai's): a Weihai practitioner
  does not sit Wenzhou's exam. lms.regions.serves says it in Python, SERVES_SQL in SQL; a test holds them equal over
  every pair of regions.
- An industry authority's plan is its industry's (温 第十一条), and examines only the authority's own courses (its
  industry public subject's courseware: not another authority's, not an HR bureau's course of the industry).
- A plan examines the practitioner's completed courses of its year and category whose hours the exam earns
  (enrolment.completion 'exam') and are not registered yet: one course a year in Wenzhou (温 第八条), as many as the
  practitioner studies where the policy sets no limit (威 二: at least 30 public hours, each course needing its exam,
  威 二(一)1), so a course completed after a pass is examined in its turn.
- Attempts (EXAM_MAX_ATTEMPTS) count the bookings not cancelled since the person's last pass in the plan: Wenzhou's
  one course has at most that many; each later Weihai course as many again.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, String, cast, literal, select, true
from sqlalchemy.orm import Session

from lms.accounts.models import Person
from lms.catalogue.models import Course, Enrolment
from lms.catalogue.rules import policy_of_person
from lms.hours.models import HoursEntry
from lms.orgs.models import Organisation
from lms.regions import REGIONS, serves

from .models import ACTIVE_BOOKING_STATES, Booking, ExamPaper, ExamPlan

# lms.regions.serves in SQL, for a plan's region {plan} and a person's region {person} (both SQL expressions): the
# plan's region is the person's, its parent or its grandparent (the tree has three levels: region.level's CHECK), and
# both follow the same document (region.policy, seeded from lms.regions).
SERVES_SQL = (
    "EXISTS (SELECT 1 FROM region pr LEFT JOIN region pp ON pp.code = pr.parent_code"
    " JOIN region pl ON pl.code = {plan} AND pl.policy = pr.policy"
    " WHERE pr.code = {person} AND {plan} IN (pr.code, pr.parent_code, pp.parent_code))"
)


def plan_serves(s: Session, plan: ExamPlan, person: Person) -> bool:
    """Whether the person may book the plan: of its region (and the region's document), and of the industry of the
    authority that runs it (温 第十一条)."""
    if not serves(plan.region_code, person.region):
        return False
    owner = s.get(Organisation, plan.owner_org_id) if plan.owner_org_id else None
    return owner is None or owner.kind != "authority" or owner.industry == person.industry


def examined_clause(s: Session, plan: ExamPlan) -> ColumnElement[bool]:
    """The enrolments a plan may examine, as a WHERE clause on Enrolment: an industry authority's plan only those of
    its own courses (温 第十一条: its industry public subject's courseware, its exam, its registration) — never another
    authority's or an HR bureau's course; an HR bureau's plan any of its category. The lane's _BOOK_PG says the same
    (its `s.by_authority`)."""
    owner = s.get(Organisation, plan.owner_org_id) if plan.owner_org_id else None
    if owner is None or owner.kind != "authority":
        return true()
    return Enrolment.course_id.in_(select(Course.id).where(Course.owner_org_id == owner.id))


def awaiting_exam(s: Session, person: Person, plan: ExamPlan, *, any_owner: bool = False) -> Enrolment | None:
    """The person's first completed course of the plan's year and category whose hours the exam earns and that no
    passed exam has registered yet (温 第十条; 威 二(一)1), if any: what a booking now examines. An authority's plan
    examines its own courses only (examined_clause); any_owner drops that, to tell a practitioner why."""
    registered = select(HoursEntry.id).where(
        HoursEntry.source_type == "exam",
        HoursEntry.source_ref == literal("enrolment:").concat(cast(Enrolment.id, String)))
    return s.scalar(select(Enrolment).where(
        Enrolment.person_id == person.id, Enrolment.year == plan.year, Enrolment.category == plan.category,
        Enrolment.completed_at.is_not(None), Enrolment.completion == "exam", ~registered.exists(),
        true() if any_owner else examined_clause(s, plan))
        .order_by(Enrolment.id).limit(1))


@dataclass(frozen=True)
class Standing:
    """Where a practitioner stands in one plan."""

    plan: ExamPlan
    enrolment: Enrolment | None   # the course the next booking examines
    held: Booking | None          # the active booking (one per plan)
    passed: bool                  # a paper of the plan passed
    used: int                     # bookings not cancelled since the last pass
    left: int                     # bookings still allowed now

    @property
    def eligible(self) -> bool:
        return self.enrolment is not None


def attempts_used(rows: Sequence[tuple[int, str, bool | None]]) -> tuple[bool, int]:
    """(passed, bookings not cancelled since the last pass) of a person's bookings (id, status, passed) in a plan."""
    last_pass = max((i for i, _status, passed in rows if passed), default=0)
    return last_pass > 0, sum(1 for i, status, _p in rows if i > last_pass and status != "cancelled")


def standing(s: Session, person: Person, plan: ExamPlan, max_attempts: int) -> Standing:
    """The person's standing in the plan (what book_seat() would say, without refusing)."""
    bookings = s.scalars(select(Booking).where(Booking.person_id == person.id, Booking.plan_id == plan.id)
                         .order_by(Booking.id)).all()
    rows = [(b.id, b.status, s.scalar(select(ExamPaper.passed).where(ExamPaper.booking_id == b.id)))
            for b in bookings]
    passed, used = attempts_used(rows)
    held = next((b for b in bookings if b.status in ACTIVE_BOOKING_STATES), None)
    return Standing(plan, awaiting_exam(s, person, plan), held, passed, used, max(0, max_attempts - used))


def plans_for(s: Session, person: Person, year: int) -> list[ExamPlan]:
    """The year's plans the person may book: of their region (and document), of the categories their policy examines
    (completion 'exam'), an industry authority's only for its industry — the general public plan first."""
    policy = policy_of_person(person, year)
    if policy is None:
        return []
    categories = [c for c in policy.platform_categories if policy.course_rule(c).completion == "exam"]
    plans = s.scalars(select(ExamPlan).where(ExamPlan.year == year, ExamPlan.category.in_(categories))
                      .order_by(ExamPlan.id)).all()
    order = {c: i for i, c in enumerate(("general_public", "industry_public", "professional"))}
    return sorted((p for p in plans if plan_serves(s, p, person)), key=lambda p: (order[p.category], p.id))


def plan_refusal(s: Session, plan: ExamPlan, person: Person) -> str | None:
    """Why the person may not book the plan (in words a practitioner can act on), or None."""
    owner = s.get(Organisation, plan.owner_org_id) if plan.owner_org_id else None
    runs = owner.name if owner is not None else REGIONS[plan.region_code].bureau
    if not serves(plan.region_code, person.region):
        here = REGIONS[person.region].short_name if person.region in REGIONS else person.region
        return (f"该考试计划由{runs}组织，只有在{REGIONS[plan.region_code].short_name}登记的专业技术人员可以报名；"
                f"您登记在{here}，请在“考试报名”中选择本地区的考试")
    if owner is not None and owner.kind == "authority" and owner.industry != person.industry:
        # 温 第十一条: the authority's exam is its industry's practitioners'.
        return f"这是{owner.name}组织的{owner.industry}行业专项知识考试，只有该行业的专业技术人员可以报名"
    return None
