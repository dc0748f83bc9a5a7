"""Who may see and act on what: the one place that answers it (STYLE: never a role check copied into a view).

An account's scope follows its organisation (温人社发〔2020〕125号 第二条 属地; 桐人社发〔2018〕26号 第十三条 levels):

| account | persons it sees | organisations it sees |
| --- | --- | --- |
| HR bureau (province / city / county) | practitioners registered in its region and below | those in its region and below |
| supervisor (监督检查) | as the bureau it belongs to, read only (温 第十六条) | the same |
| industry authority | practitioners of its industry in its city | employers of its industry in its city, itself |
| employer / agency administrator | its current staff and applicants (人员匹配) | itself |
| proctor, training organiser | nobody (their own pages check their own objects) | their own organisation |
| practitioner | themself | none here |

Everything outside answers 404, as if it did not exist.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import ColumnElement, Select, String, and_, cast, false, or_, select, true
from sqlalchemy.orm import Session

from ..accounts.models import Person
from ..catalogue.models import Course
from ..errors import NotAllowed, NotFound
from ..regions import REGIONS, ancestors, city_of, subtree
from ..security import ReadOnlyAccount
from .models import HR_KINDS, MEMBER_KINDS, Employment, Organisation

ReadOnly = ReadOnlyAccount


@dataclass(frozen=True)
class Scope:
    actor_id: int
    role: str
    org_id: int | None
    org_kind: str | None
    regions: frozenset[str]        # territory (HR bureaus, supervisors, authorities)
    industry: str | None = None    # an authority sees its own industry only
    writable: bool = True

    @property
    def territorial(self) -> bool:
        return bool(self.regions)

    def covers(self, region_code: str) -> bool:
        """Whether a region lies within the territory."""
        return region_code in self.regions

    @property
    def members_org(self) -> int | None:
        """The employer or agency whose staff and applicants this account sees."""
        return self.org_id if self.org_kind in MEMBER_KINDS else None


def scope_of(s: Session, actor: Person) -> Scope:
    """The scope of an account (cached for the request)."""
    cache: dict[int, Scope] | None = getattr(g, "xst_scopes", None) if has_request_context() else None
    if cache is not None and actor.id in cache:
        return cache[actor.id]
    org = s.get(Organisation, actor.org_id) if actor.org_id else None
    regions: frozenset[str] = frozenset()
    industry = None
    if org is not None and actor.role in ("bureau", "supervisor") and org.kind in HR_KINDS:
        regions = subtree(org.region_code)
    elif org is not None and actor.role == "authority" and org.kind == "authority":
        regions = subtree(city_of(org.region_code) or org.region_code)
        industry = org.industry
    scope = Scope(actor_id=actor.id, role=actor.role, org_id=org.id if org else None,
                  org_kind=org.kind if org else None, regions=regions, industry=industry,
                  writable=actor.role != "supervisor")
    if has_request_context():
        g.xst_scopes = {**(cache or {}), actor.id: scope}
    return scope


def member_ids(org_id: int) -> Select[tuple[int]]:
    """Persons currently with an organisation or applying to it."""
    return select(Employment.person_id).where(Employment.org_id == org_id,
                                              Employment.status.in_(("current", "applied")))


def person_clause(scope: Scope) -> ColumnElement[bool]:
    """The practitioners a scope covers, as a WHERE clause on Person."""
    if scope.role == "practitioner":
        return Person.id == scope.actor_id
    if scope.members_org is not None:
        return and_(Person.role == "practitioner", Person.id.in_(member_ids(scope.members_org)))
    if scope.territorial:
        clause = and_(Person.role == "practitioner", Person.region.in_(sorted(scope.regions)))
        return and_(clause, Person.industry == scope.industry) if scope.industry else clause
    return false()


def dims_clause(scope: Scope, region: ColumnElement[str], industry: ColumnElement[str | None],
                employer: ColumnElement[int | None]) -> ColumnElement[bool]:
    """Rows that carry a practitioner's region, industry and current employer (the statistics' summaries) that a
    scope covers, as person_clause says for persons: a territory (and an authority's industry), or an employer's
    current staff."""
    if scope.members_org is not None:
        return employer == scope.members_org
    if scope.territorial:
        clause = region.in_(sorted(scope.regions))
        return and_(clause, industry == scope.industry) if scope.industry else clause
    return false()


def claimant_clause(scope: Scope, person_id: ColumnElement[int], region: ColumnElement[str | None],
                    industry: ColumnElement[str | None]) -> ColumnElement[bool]:
    """Rows that name a person and carry copies of their region (NULL unless a practitioner) and industry — a
    claim's claimant (lms/claims/claimant.py) — that a scope covers, exactly as person_clause says for the person:
    a territory (and an authority's industry) by the copies, without reading the person; an employer's current
    staff and applicants, or the practitioner themself, by the person's id."""
    if scope.role == "practitioner":
        return person_id == scope.actor_id
    if scope.members_org is not None:
        return person_id.in_(select(Person.id).where(person_clause(scope)))
    if scope.territorial:
        clause = region.in_(sorted(scope.regions))
        return and_(clause, industry == scope.industry) if scope.industry else clause
    return false()


def org_clause(scope: Scope) -> ColumnElement[bool]:
    """The organisations a scope covers, as a WHERE clause on Organisation."""
    if scope.territorial:
        inside = Organisation.region_code.in_(sorted(scope.regions))
        if scope.industry:
            inside = and_(inside, Organisation.kind == "employer", Organisation.industry == scope.industry)
        return or_(inside, Organisation.id == scope.org_id) if scope.org_id else inside
    if scope.org_id is not None:
        return Organisation.id == scope.org_id
    return false()


def staff_clause(scope: Scope) -> ColumnElement[bool]:
    """The staff accounts a scope covers: those of the organisations it covers."""
    if scope.role == "practitioner" or scope.org_id is None:
        return false()
    return and_(Person.role != "practitioner",
                Person.org_id.in_(select(Organisation.id).where(org_clause(scope))))


def visible_person(s: Session, actor: Person, person_id: int, *, staff: bool = False) -> Person:
    """The practitioner (or, with staff=True, also the staff account) with this id if actor's scope covers it;
    404 otherwise."""
    scope = scope_of(s, actor)
    clause = or_(person_clause(scope), staff_clause(scope)) if staff else person_clause(scope)
    found = s.scalar(select(Person).where(Person.id == person_id, clause))
    if found is None:
        raise NotFound()
    return found


def visible_org(s: Session, actor: Person, org_id: int) -> Organisation:
    """The organisation with this id if actor's scope covers it; 404 otherwise."""
    found = s.scalar(select(Organisation).where(Organisation.id == org_id, org_clause(scope_of(s, actor))))
    if found is None:
        raise NotFound()
    return found


def covers_person(s: Session, actor: Person, person: Person) -> bool:
    return s.scalar(select(true()).where(Person.id == person.id, person_clause(scope_of(s, actor)))) is not None


def require_write(s: Session, actor: Person) -> Scope:
    """The actor's scope, refusing read-only accounts (403 with a message, the page says why)."""
    scope = scope_of(s, actor)
    if not scope.writable:
        raise ReadOnly()
    return scope


def audit_clause(scope: Scope) -> ColumnElement[bool]:
    """The audit entries a scope may read: those of the staff of the organisations it covers and of the persons it
    covers, and the system's own (jobs, the command line)."""
    from ..audit import AuditEntry
    people = select(cast(Person.id, String)).where(or_(person_clause(scope), staff_clause(scope)))
    orgs = select(cast(Organisation.id, String)).where(org_clause(scope))
    system = and_(AuditEntry.actor_id.is_(None), or_(
        AuditEntry.target_type.not_in(("Person", "Organisation")),
        and_(AuditEntry.target_type == "Person", AuditEntry.target_id.in_(people)),
        and_(AuditEntry.target_type == "Organisation", AuditEntry.target_id.in_(orgs))))
    return or_(system,
               AuditEntry.actor_org_id.in_(select(Organisation.id).where(org_clause(scope))),
               AuditEntry.actor_id.in_(select(Person.id).where(person_clause(scope))))


def hr_bureau_of(s: Session, region_code: str) -> Organisation:
    """The HR bureau organisation of a region."""
    found = s.scalar(select(Organisation).where(Organisation.region_code == region_code,
                                                Organisation.kind.in_(HR_KINDS)))
    if found is None:
        raise NotFound(f"地区 {REGIONS.get(region_code, region_code)} 没有人社局")
    return found


def own_org(s: Session, actor: Person) -> Organisation:
    """The actor's organisation (staff accounts always have one)."""
    org = s.get(Organisation, actor.org_id) if actor.org_id else None
    if org is None:
        raise NotAllowed()
    return org


def below(scope: Scope, org: Organisation) -> bool:
    """Whether org lies within scope's territory and is not the scope's own organisation (the level above acts on
    the levels below it, 温 第五条)."""
    return scope.territorial and org.region_code in scope.regions and org.id != scope.org_id


def course_clause(scope: Scope) -> ColumnElement[bool]:
    """The courses a staff account sees, as a WHERE clause on Course: those of the organisations its scope covers —
    an HR bureau (and its supervisors) the courses of the bureaus and authorities of its territory (温 第七条 the city
    bureau designates courseware; 第十一条, 桐 第九条 it reviews and files the authorities'), an industry authority
    its own courses."""
    if scope.role == "practitioner" or scope.org_id is None:
        return false()
    if scope.org_kind not in HR_KINDS:
        return Course.owner_org_id == scope.org_id
    return Course.owner_org_id.in_(select(Organisation.id).where(org_clause(scope)))


def offered_clause(person: Person) -> ColumnElement[bool]:
    """The courses offered to a practitioner, as a WHERE clause on Course: those of the HR bureaus and industry
    authorities of their region and the regions above it (属地, 温 第二条), an industry's public subject only to that
    industry (温 第十一条). Which categories and how many their policy lets them choose is lms.catalogue.rules'."""
    owners = select(Organisation.id).where(Organisation.region_code.in_(ancestors(person.region)),
                                           Organisation.kind.in_((*HR_KINDS, "authority")))
    return and_(Course.owner_org_id.in_(owners), or_(Course.industry.is_(None), Course.industry == person.industry))


def visible_course(s: Session, actor: Person, course_id: int) -> Course:
    """The course with this id if the account sees it (course_clause for staff, offered_clause for a
    practitioner); 404 otherwise."""
    clause = offered_clause(actor) if actor.role == "practitioner" else course_clause(scope_of(s, actor))
    found = s.scalar(select(Course).where(Course.id == course_id, clause))
    if found is None:
        raise NotFound()
    return found


def may_edit_course(s: Session, actor: Person, course: Course) -> bool:
    """Whether the account may change a course it sees: its own organisation's, or (the level above acts on the levels
    below it, 温 第五条) an HR bureau's course of its territory; an authority's course is its authority's to change,
    the bureaus review and file it (桐 第九条)."""
    scope = scope_of(s, actor)
    if not scope.writable or actor.role == "practitioner":
        return False
    if course.owner_org_id == scope.org_id:
        return True
    owner = s.get(Organisation, course.owner_org_id)
    return owner is not None and owner.is_hr and below(scope, owner)
