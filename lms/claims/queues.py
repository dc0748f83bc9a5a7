"""Reviewer queues (issue 12 item 10): the claims waiting at the reviewer's step within their scope, oldest first,
with how long each has waited, counts, filters by kind, year and employer, and approval of a selection at once.

Batch approval decides each picked claim in its own savepoint, with the version the reviewer saw: one claim that
changed meanwhile, or that the reviewer may no longer decide, is reported and left as it is, and the others are
approved (and credited, where it was the last step) all the same. Each is audited, and each claimant told, exactly
as a single decision (lms.claims.operations.decide).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased, lazyload

from rules import available_policies, load_policy
from rules.claims import ReviewChain

from .. import clock
from ..accounts.models import Person
from ..errors import DomainError, InvalidInput, NotFound
from ..orgs.models import Organisation
from ..orgs.scope import claimant_clause, scope_of
from .models import ClaimStep, HourClaim
from .operations import _own_org, acts_at, decide

PAGE_SIZE = 100      # claims listed per page: as many as one batch approval takes
BATCH_LIMIT = 100    # claims approved in one request


@dataclass(frozen=True)
class QueueFilter:
    kind: str | None = None
    year: int | None = None
    employer_id: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.kind or self.year or self.employer_id)


@dataclass(frozen=True)
class QueueItem:
    claim: HourClaim
    person_name: str
    employer_id: int | None
    employer: str | None
    days: int   # whole days since it reached the reviewer's step (filed, refiled, or approved at the step before)


@dataclass
class Queue:
    items: list[QueueItem]                       # the page of what the filter lets through, oldest first
    total: int                                   # everything waiting at the reviewer's step
    matched: int = 0                             # what the filter lets through (all pages)
    page: int = 1
    pages: int = 1
    kinds: list[tuple[str, str, int]] = field(default_factory=list)       # (kind, label, how many)
    years: list[tuple[int, int]] = field(default_factory=list)
    employers: list[tuple[int, str, int]] = field(default_factory=list)
    oldest_days: int | None = None


def days_waiting(since: datetime, now: datetime | None = None) -> int:
    return max(0, ((now or clock.now()) - since).days)


def steps_acted_at(org: Organisation | None) -> list[tuple[str, ReviewChain, int]]:
    """Every (policy id, chain, step index) of the shipped policies at which org acts (lms.claims.operations.acts_at):
    what a claim's own policy, chain and step are compared with."""
    found = []
    for policy_id in available_policies():
        rules = load_policy(policy_id).claims
        for chain in rules.chains if rules is not None else ():
            found.extend((policy_id, chain, i) for i, step in enumerate(chain.steps) if acts_at(org, step))
    return found


def _four_eyes_clause(actor: Person, org: Organisation) -> ColumnElement[bool]:
    """lms.claims.corrections.four_eyes_refusal as a WHERE clause on HourClaim: neither the filer nor the claimant
    acts; no step of the current filing was taken by the actor; the first one (if any) by the actor's organisation."""
    filing, since, first = aliased(ClaimStep), aliased(ClaimStep), aliased(ClaimStep)
    filed = (select(func.coalesce(func.max(filing.version), 0))
             .where(filing.claim_id == HourClaim.id, filing.decision.in_(("submit", "resubmit")))
             .correlate(HourClaim).scalar_subquery())

    def approvals(step: Any) -> ColumnElement[bool]:
        return and_(step.claim_id == HourClaim.id, step.decision == "approve", step.version > filed)

    first_version = select(func.min(first.version)).where(approvals(first)).correlate(HourClaim).scalar_subquery()
    return and_(HourClaim.filed_by_id != actor.id, HourClaim.person_id != actor.id,
                ~exists().where(approvals(since), since.actor_id == actor.id).correlate(HourClaim),
                ~exists().where(approvals(since), since.version == first_version,
                                or_(since.org_id.is_(None), since.org_id != org.id)).correlate(HourClaim))


def waiting_clause(s: Session, actor: Person) -> ColumnElement[bool]:
    """The claims the actor may decide now (lms.claims.operations.may_decide), as a WHERE clause on HourClaim alone:
    pending at a step the actor's organisation acts at, claimant within the actor's scope (by the claim's copies of
    the claimant's region and industry, lms/claims/claimant.py)."""
    scope = scope_of(s, actor)
    org = _own_org(s, actor)
    if actor.role == "practitioner" or not scope.writable or org is None:
        return false()
    at_step = [and_(HourClaim.policy == policy_id, HourClaim.chain == chain.id, HourClaim.step == i,
                    _four_eyes_clause(actor, org) if chain.four_eyes else true())
               for policy_id, chain, i in steps_acted_at(org)]
    if not at_step:
        return false()
    return and_(HourClaim.status == "pending", or_(*at_step),
                claimant_clause(scope, HourClaim.person_id, HourClaim.claimant_region, HourClaim.claimant_industry))


def queue_for(s: Session, actor: Person, filt: QueueFilter | None = None, page: int = 1,
              listed: bool = True) -> Queue:
    """The claims waiting at a step the actor's organisation acts at, within its scope: the counts of all of them
    (by kind, year and employer) and one page of those the filter lets through, oldest first (listed=False: the
    counts only, for the home page's summary). The scope and the steps are worked out once, and the database
    selects and counts, from the claims alone: each carries its claimant's region, industry and current employer
    (lms/claims/claimant.py), so a city's 180,000 waiting claims are never joined to their persons (issue 14
    item 6)."""
    filt = filt or QueueFilter()
    waiting = waiting_clause(s, actor)
    employer = HourClaim.claimant_employer_id
    counted = (select(HourClaim.kind, HourClaim.kind_label, HourClaim.year, employer.label("org_id"),
                      func.count().label("n"), func.min(HourClaim.updated_at).label("since"))
               .where(waiting)
               .group_by(HourClaim.kind, HourClaim.kind_label, HourClaim.year, employer).subquery())
    groups = s.execute(select(counted.c.kind, counted.c.kind_label, counted.c.year, counted.c.org_id,
                              Organisation.name, counted.c.n, counted.c.since)
                       .outerjoin(Organisation, Organisation.id == counted.c.org_id)).all()
    kinds: Counter[tuple[str, str]] = Counter()
    years: Counter[int] = Counter()
    employers: Counter[tuple[int, str]] = Counter()
    total = matched = 0
    oldest: datetime | None = None
    for kind, label, year, org_id, org_name, n, since in groups:
        total += n
        kinds[(kind, label)] += n
        years[year] += n
        if org_id is not None and org_name:
            employers[(org_id, org_name)] += n
        oldest = since if oldest is None or since < oldest else oldest
        if ((not filt.kind or kind == filt.kind) and (not filt.year or year == filt.year)
                and (not filt.employer_id or org_id == filt.employer_id)):
            matched += n
    now = clock.now()
    pages = max(1, -(-matched // PAGE_SIZE))
    page = min(max(page, 1), pages)
    items: list[QueueItem] = []
    if listed and matched:
        q = (select(HourClaim, Person.name, Organisation.id, Organisation.name)
             .join(Person, Person.id == HourClaim.person_id)
             .outerjoin(Organisation, Organisation.id == employer).where(waiting))
        if filt.kind:
            q = q.where(HourClaim.kind == filt.kind)
        if filt.year:
            q = q.where(HourClaim.year == filt.year)
        if filt.employer_id:
            q = q.where(employer == filt.employer_id)
        # The page shows no evidence: not loaded with the claims (it is a query of its own otherwise).
        rows = s.execute(q.order_by(HourClaim.updated_at, HourClaim.id).options(lazyload(HourClaim.evidence))
                         .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
        items = [QueueItem(c, name, org_id, org_name, days_waiting(c.updated_at, now))
                 for c, name, org_id, org_name in rows]
    return Queue(items=items, total=total, matched=matched, page=page, pages=pages,
                 kinds=sorted(((k, label, n) for (k, label), n in kinds.items()), key=lambda t: t[1]),
                 years=sorted(years.items(), reverse=True),
                 employers=sorted(((oid, name, n) for (oid, name), n in employers.items()), key=lambda t: t[1]),
                 oldest_days=days_waiting(oldest, now) if oldest is not None else None)


@dataclass(frozen=True)
class BatchOutcome:
    claim_id: int
    title: str
    ok: bool
    message: str


def approve_many(s: Session, actor: Person, picks: list[tuple[int, int]], ip: str | None = None) -> list[BatchOutcome]:
    """Approve each picked claim (id, version seen) at the reviewer's step, each in its own savepoint; returns what
    became of each, in the order given. Nothing is committed here."""
    if not picks:
        raise InvalidInput("请先勾选要审核通过的申报")
    if len(picks) > BATCH_LIMIT:
        raise InvalidInput(f"一次最多批量审核 {BATCH_LIMIT} 项")
    outcomes: list[BatchOutcome] = []
    for claim_id, version in dict.fromkeys(picks):
        found = s.get(HourClaim, claim_id)
        title = found.title if found is not None else f"申报 {claim_id}"
        try:
            with s.begin_nested():
                claim = decide(s, actor, claim_id, version=version, decision="approve", ip=ip)
        except NotFound:
            outcomes.append(BatchOutcome(claim_id, f"申报 {claim_id}", False, "没有找到该申报"))
        except DomainError as exc:
            outcomes.append(BatchOutcome(claim_id, title, False, exc.message))
        else:
            if claim.status == "approved":
                hours = f"{(claim.credited_hours or 0):f}".rstrip("0").rstrip(".") or "0"
                done = f"已认定并登记 {hours} {load_policy(claim.policy).unit}"
            else:
                done = "已审核通过，转下一环节"
            outcomes.append(BatchOutcome(claim_id, claim.title, True, done))
    return outcomes
