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

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from rules import load_policy

from .. import clock
from ..accounts.models import Person
from ..errors import DomainError, InvalidInput, NotFound
from ..orgs.models import Employment, Organisation
from ..orgs.scope import person_clause, scope_of
from .models import HourClaim
from .operations import decide, may_decide

QUEUE_LIMIT = 1000   # claims read per page view (the filters and counts are over these)
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
    items: list[QueueItem]                       # what the filter lets through, oldest first
    total: int                                   # everything waiting at the reviewer's step
    kinds: list[tuple[str, str, int]] = field(default_factory=list)       # (kind, label, how many)
    years: list[tuple[int, int]] = field(default_factory=list)
    employers: list[tuple[int, str, int]] = field(default_factory=list)
    oldest_days: int | None = None


def days_waiting(since: datetime, now: datetime | None = None) -> int:
    return max(0, ((now or clock.now()) - since).days)


def queue_for(s: Session, actor: Person, filt: QueueFilter | None = None) -> Queue:
    """The claims waiting at a step the actor's organisation acts at, within its scope, oldest first."""
    filt = filt or QueueFilter()
    scope = scope_of(s, actor)
    rows = s.execute(
        select(HourClaim, Person.name, Organisation.id, Organisation.name)
        .join(Person, Person.id == HourClaim.person_id)
        .outerjoin(Employment, and_(Employment.person_id == Person.id, Employment.status == "current"))
        .outerjoin(Organisation, Organisation.id == Employment.org_id)
        .where(HourClaim.status == "pending", person_clause(scope))
        .order_by(HourClaim.updated_at, HourClaim.id).limit(QUEUE_LIMIT)).all()
    now = clock.now()
    waiting = [QueueItem(c, name, org_id, org_name, days_waiting(c.updated_at, now))
               for c, name, org_id, org_name in rows if may_decide(s, actor, c)]
    kinds = Counter((i.claim.kind, i.claim.kind_label) for i in waiting)
    years = Counter(i.claim.year for i in waiting)
    employers = Counter((i.employer_id, i.employer) for i in waiting if i.employer_id is not None)
    items = [i for i in waiting
             if (not filt.kind or i.claim.kind == filt.kind) and (not filt.year or i.claim.year == filt.year)
             and (not filt.employer_id or i.employer_id == filt.employer_id)]
    return Queue(items=items, total=len(waiting),
                 kinds=sorted(((k, label, n) for (k, label), n in kinds.items()), key=lambda t: t[1]),
                 years=sorted(years.items(), reverse=True),
                 employers=sorted(((oid, name, n) for (oid, name), n in employers.items() if name),
                                  key=lambda t: t[1]),
                 oldest_days=max((i.days for i in waiting), default=None))


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
