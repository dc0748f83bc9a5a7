"""The random audit of approved claims (issue 12, item 11): the HR bureau draws a reproducible sample of a year's
approved claims in its scope and re-checks each one. Operations flush and never commit.

No document of the five asks for it (Ohio's CE Broker audits 10 % of licensees; the issue takes the idea): it is
how a bureau finds what 温人社发〔2020〕125号 第十五条 and 浙人社发〔2016〕63号 第十六条 punish among claims that
passed review. The sample is ``random.Random(seed).sample`` over the population's claim ids in ascending order, so
the seed and the population (kept as a digest of its ids) reproduce it; both are recorded with the sample, and
each item's outcome — confirmed, or a finding (lms/claims/findings.py) — with who decided it and when.
"""
from __future__ import annotations

import hashlib
import math
import random
import secrets
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from .. import audit, clock
from ..accounts.models import Person
from ..db import Base
from ..errors import Conflict, InvalidFields, NotAllowed, NotFound
from ..orgs.models import HR_KINDS, Organisation
from ..orgs.scope import person_clause, require_write, scope_of, visible_org
from .models import HourClaim

MAX_SEED = 2**62
ITEM_OUTCOMES = {None: "待复查", "confirmed": "复查无误", "finding": "查实虚假材料"}


class ClaimAudit(Base):
    """A drawn sample: whose, of which year, how large a share, with which seed, out of which population."""

    __tablename__ = "claim_audit"
    __table_args__ = (
        CheckConstraint("percent > 0 AND percent <= 100", name="percent"),
        CheckConstraint("seed >= 0", name="seed"),
        CheckConstraint("sample_size >= 0 AND sample_size <= population", name="sample_size"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    org_name: Mapped[str] = mapped_column(String(100))
    year: Mapped[int]
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    seed: Mapped[int] = mapped_column(BigInteger)
    population: Mapped[int]
    population_digest: Mapped[str] = mapped_column(String(64))   # sha256 of the population's ids, in order
    sample_size: Mapped[int]
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    drawn_at: Mapped[datetime]


class ClaimAuditItem(Base):
    """One sampled claim and the outcome of its re-check."""

    __tablename__ = "claim_audit_item"
    __table_args__ = (
        UniqueConstraint("audit_id", "claim_id", name="uq_claim_audit_item_claim"),
        CheckConstraint("outcome IS NULL OR outcome IN ('confirmed','finding')", name="outcome"),
        CheckConstraint("(outcome = 'finding') = (finding_id IS NOT NULL)", name="finding_linked"),
        CheckConstraint("(outcome IS NULL) = (decided_by_id IS NULL)", name="decided"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("claim_audit.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("hour_claim.id"), index=True)
    outcome: Mapped[str | None] = mapped_column(String(10))
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("claim_finding.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None]

    @property
    def outcome_name(self) -> str:
        return ITEM_OUTCOMES[self.outcome]


def sample_ids(population: Sequence[int], percent: Decimal, seed: int) -> list[int]:
    """The sample of a population of claim ids: ceil(percent % of it), drawn by random.Random(seed) over the ids in
    ascending order, returned in ascending order. The same population, share and seed give the same sample."""
    ordered = sorted(population)
    size = min(len(ordered), math.ceil(len(ordered) * percent / 100))
    return sorted(random.Random(seed).sample(ordered, size))


def digest(ids: Sequence[int]) -> str:
    return hashlib.sha256(",".join(str(i) for i in sorted(ids)).encode()).hexdigest()


def _bureau(s: Session, actor: Person) -> Organisation:
    require_write(s, actor)
    org = s.get(Organisation, actor.org_id) if actor.org_id else None
    if actor.role != "bureau" or org is None or org.kind not in HR_KINDS:
        raise NotAllowed("只有人社部门工作人员可以抽查学时认证")
    return org


def population_of(s: Session, actor: Person, year: int) -> list[int]:
    """The approved claims of a year whose claimants are in the actor's scope, not already found forged, by id."""
    from .findings import ClaimFinding
    scope = scope_of(s, actor)
    return list(s.scalars(select(HourClaim.id).join(Person, Person.id == HourClaim.person_id)
                          .where(HourClaim.status == "approved", HourClaim.year == year, person_clause(scope),
                                 HourClaim.id.not_in(select(ClaimFinding.claim_id)))
                          .order_by(HourClaim.id)))


def _digits(text: str, most: int) -> bool:
    text = text.strip()
    return text.isascii() and text.isdigit() and len(text) <= most


def parse_draw(year: str, percent: str, seed: str) -> tuple[int, Decimal, int | None]:
    """The year, share and seed of a draw as typed; every problem at once."""
    problems: dict[str, str] = {}
    y = p = None
    sd: int | None = None
    # ASCII digits only: "²" is a digit to str.isdigit but not to int(); a long run of digits is no year either
    if _digits(year, 4) and 2000 <= int(year) <= clock.study_year():
        y = int(year)
    else:
        problems["year"] = f"年度须为 2000–{clock.study_year()} 的整数"
    try:
        p = Decimal(percent.strip())
        if not p.is_finite() or not 0 < p <= 100 or p != round(p, 2):
            raise ArithmeticError
    except ArithmeticError:
        problems["percent"] = "抽查比例须为大于0、不超过100、至多两位小数的百分数"
    if seed.strip():
        if _digits(seed, 20) and int(seed) < MAX_SEED:
            sd = int(seed)
        else:
            problems["seed"] = f"随机种子须为小于 {MAX_SEED} 的非负整数（留空则随机生成）"
    if problems or y is None or p is None:
        raise InvalidFields(problems)
    return y, p, sd


def draw_audit(s: Session, actor: Person, *, year: int, percent: Decimal, seed: int | None = None,
               ip: str | None = None) -> ClaimAudit:
    """Draw a sample of the year's approved claims in the bureau's scope; the seed is recorded (random if None)."""
    org = _bureau(s, actor)
    if seed is None:
        seed = secrets.randbelow(MAX_SEED)
    population = population_of(s, actor, year)
    chosen = sample_ids(population, percent, seed)
    a = ClaimAudit(org_id=org.id, org_name=org.name, year=year, percent=percent, seed=seed,
                   population=len(population), population_digest=digest(population), sample_size=len(chosen),
                   drawn_by_id=actor.id, drawn_at=clock.now())
    s.add(a)
    s.flush()
    s.add_all([ClaimAuditItem(audit_id=a.id, claim_id=claim_id) for claim_id in chosen])
    s.flush()
    audit.record(s, actor, "claim.audit_draw", a, ip=ip, year=year, percent=str(percent), seed=seed,
                 population=len(population), sample=chosen)
    return a


def visible_audit(s: Session, actor: Person, audit_id: int) -> ClaimAudit:
    """An audit for the staff of the bureau that drew it and of the bureaus above (supervisors read); 404 else."""
    a = s.get(ClaimAudit, audit_id)
    if a is None or actor.role not in ("bureau", "supervisor"):
        raise NotFound()
    visible_org(s, actor, a.org_id)
    return a


def audits_for(s: Session, actor: Person) -> list[ClaimAudit]:
    from ..orgs.scope import org_clause
    return list(s.scalars(select(ClaimAudit).join(Organisation, Organisation.id == ClaimAudit.org_id)
                          .where(org_clause(scope_of(s, actor))).order_by(ClaimAudit.id.desc()).limit(100)))


def items_of(s: Session, a: ClaimAudit) -> list[tuple[ClaimAuditItem, HourClaim]]:
    return [(i, c) for i, c in s.execute(select(ClaimAuditItem, HourClaim)
                                         .join(HourClaim, HourClaim.id == ClaimAuditItem.claim_id)
                                         .where(ClaimAuditItem.audit_id == a.id).order_by(ClaimAuditItem.claim_id))
            .tuples()]


def confirm_item(s: Session, actor: Person, audit_id: int, item_id: int, note: str = "",
                 ip: str | None = None) -> ClaimAuditItem:
    """Record that a sampled claim was re-checked and its evidence stands."""
    a = visible_audit(s, actor, audit_id)
    org = _bureau(s, actor)
    if org.id != a.org_id:
        raise NotAllowed(f"这次抽查由{a.org_name}办理")
    item = s.get(ClaimAuditItem, item_id)
    if item is None or item.audit_id != a.id:
        raise NotFound()
    note = note.strip()
    if len(note) > 500:
        raise InvalidFields({"note": "复查说明至多 500 字"})
    changed = s.execute(text("UPDATE claim_audit_item SET outcome = 'confirmed', decided_by_id = :a, "
                             "decided_at = :t, note = :n WHERE id = :id AND outcome IS NULL"),
                        {"a": actor.id, "t": clock.now(), "n": note or None, "id": item.id}).rowcount
    if changed != 1:
        raise Conflict("这项抽查已有复查结果")
    s.refresh(item)
    audit.record(s, actor, "claim.audit_confirm", ("HourClaim", item.claim_id), ip=ip, audit_id=a.id, note=note)
    return item


def close_items_with_finding(s: Session, actor: Person, claim_id: int, finding_id: int) -> None:
    """A finding on a sampled claim is the outcome of every open audit item of that claim."""
    s.execute(text("UPDATE claim_audit_item SET outcome = 'finding', finding_id = :f, decided_by_id = :a, "
                   "decided_at = :t WHERE claim_id = :c AND outcome IS NULL"),
              {"f": finding_id, "a": actor.id, "t": clock.now(), "c": claim_id})
