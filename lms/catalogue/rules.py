"""A practitioner's course rules: their policy's `platform_courses` (rules/courses.py) read for the catalogue, the
study and the exams, so that no app code asks which region a person is in.

Which categories they may choose on the platform, how many a year, whether the study or the exam earns the hours,
how many hours (温 第十条: 18 whatever the course; 川 二(二): the recorded minutes ÷ 45), which body registers them
and which article the registration cites.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules import CATEGORY_LABELS, Policy, policy_for
from rules.courses import CourseRule
from rules.in_force import PolicyNotInForce

from .. import clock
from ..accounts.models import Person
from ..errors import NotEligible
from ..orgs.models import Organisation
from ..regions import REGIONS, ancestors, city_of, policy_region
from .models import Course


def policy_of_person(person: Person, year: int | None = None) -> Policy | None:
    """The policy of the person's region for a study year: the one in force today, or on 31 December of an earlier
    year (None where no document covers the region)."""
    found = policy_region(person.region)
    if found is None or found.own_policy is None:
        return None
    on = clock.china_today()
    if year is not None and year < on.year:
        on = date(year, 12, 31)
    try:
        return policy_for(found.own_policy, on)
    except PolicyNotInForce:
        return None


def platform_categories(person: Person, year: int | None = None) -> tuple[str, ...]:
    """The categories the person chooses and studies on the platform under their policy."""
    policy = policy_of_person(person, year)
    return policy.platform_categories if policy is not None else ()


def course_rule_for(person: Person, category: str, year: int | None = None) -> CourseRule:
    """The rule for the person's courses of a category; NotEligible when their policy has none on the platform."""
    policy = policy_of_person(person, year)
    if policy is None or category not in policy.platform_categories:
        label = CATEGORY_LABELS.get(category, category)
        where = f"（{policy.document}）" if policy is not None else ""
        raise NotEligible(f"您所在地区的继续教育规定{where}没有在本平台选学{label}课程的安排")
    return policy.course_rule(category)


def credited_hours(person: Person, course: Course, year: int, minutes: Decimal | None = None) -> tuple[Decimal, str]:
    """(hours, article) a completed course earns under the person's policy: the course's hours, a fixed amount
    (温 第十条: 18), or the recorded minutes converted (川 二(二): ÷ 45)."""
    policy = policy_of_person(person, year)
    if policy is None:
        raise NotEligible("您所在地区没有施行中的继续教育学时规定，不能登记学时")
    credits = policy.course_credit(course.category, year, course_hours=Decimal(course.credited_hours),
                                   minutes=minutes)
    hours = sum((c.hours for c in credits), Decimal(0))
    return hours, credits[0].rule if credits else policy.course_rule(course.category).rule


def registrar(s: Session, person: Person, rule: CourseRule, course: Course) -> str:
    """The name of the body that registers the hours (温 第十条 the city HR bureau; 第十一条 the city industry
    authority; 桐 第八条 the system; 川 二(三) the organiser)."""
    region = (city_of(person.region) if rule.level == "city" else None) or person.region
    bureau = REGIONS[region].bureau
    owner = s.get(Organisation, course.owner_org_id) if course.owner_org_id else None
    if rule.registered_by == "industry_authority":
        if owner is not None and owner.kind == "authority":
            return owner.name
        found = s.scalar(select(Organisation).where(
            Organisation.kind == "authority", Organisation.industry == person.industry,
            Organisation.region_code.in_(ancestors(region))).order_by(Organisation.id))
        return found.name if found is not None else f"{REGIONS[region].short_name}{person.industry or ''}行业主管部门"
    if rule.registered_by == "organiser":
        return owner.name if owner is not None else bureau
    if rule.registered_by == "system":
        return f"{REGIONS[person.region].bureau}（系统自动登记）"
    return bureau


def credit_article(person: Person, category: str, year: int) -> str:
    """The article a registration of the category's platform course cites under the person's policy (温 第十条 for
    Wenzhou's general public course; 威 二(一)1 ...); the course rule's own article where no amount is known."""
    policy = policy_of_person(person, year)
    if policy is None or category not in policy.platform_categories:
        return ""
    credits = policy.course_credit(category, year, course_hours=Decimal(1), minutes=Decimal(60))
    return credits[0].rule if credits else policy.course_rule(category).rule


def registration_of(s: Session, person: Person, category: str, year: int, course: Course | None = None) -> dict[str, str]:
    """What a page tells the practitioner about a category's platform hours: the registering body and the article
    ({"org", "article", "completion"}; empty strings where their policy has no such platform course)."""
    policy = policy_of_person(person, year)
    if policy is None or category not in policy.platform_categories:
        return {"org": "", "article": "", "completion": ""}
    rule = policy.course_rule(category)
    stand_in = course if course is not None else Course(category=category, owner_org_id=None)
    return {"org": registrar(s, person, rule, stand_in), "article": credit_article(person, category, year),
            "completion": rule.completion}
