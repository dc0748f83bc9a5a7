"""What is left of a clerk's hand entry (issue 12, item 6): corrections and transferred hours, each checked by a
second pair of eyes. Operations flush and never commit.

A clerk no longer registers hours by hand: general and industry public hours are registered only after the matching
exam (温人社发〔2020〕125号 第六条), professional hours are approved and registered by the industry authority along the
claim chains (第二条、第十二条), never in the HR bureau's name. Two things remain:

- **A correction** lowers (or withdraws) one registration in the hours bank that was wrong. A clerk files it with a
  reason; another account of the same organisation approves it; only then is the compensating (negative) entry
  written, so the bank stays append-only. A correction never raises hours: hours missing from the bank come from
  their source (the exam, the roster, the claim), never from a clerk. The two accounts differ in the schema.
- **Transferred hours** (威人社字〔2022〕2号 三: “外地调入专业技术人员凭调出地继续教育管理部门出具的继续教育学时证明合并
  计算学时”) are a claim kind of the policy with a chain of its own (rules/policies: ``kinds: [transfer_in]``,
  ``four_eyes: true``): the practitioner files the former region's certificate as evidence, one account of the HR
  bureau verifies it and another of the same bureau approves the merge. A certificate number is merged at most once,
  whoever files it: a unique index over the claims not rejected.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from rules.claims import ReviewChain

from .. import audit, clock
from ..accounts.models import Person
from ..catalogue.models import CATEGORIES
from ..db import Base
from ..errors import Conflict, InvalidFields, InvalidInput, NotAllowed, NotFound
from ..hours.models import HoursEntry
from ..hours.operations import register_hours
from ..orgs.models import HR_KINDS, Organisation
from ..orgs.scope import covers_person, require_write, scope_of
from ..validation import is_id
from .models import ClaimStep, HourClaim

TRANSFER_KIND = "transfer_in"   # the claim kind id of 威 三's transferred hours in rules/policies

# 威 三: one certificate of the former region is merged once. Every claim of the kind that is not rejected holds its
# number, whoever filed it; a claim rejected (a wrong scan, a typo) frees the number for a corrected filing.
Index("uq_hour_claim_transfer_certificate", HourClaim.__table__.c.item_id, unique=True,
      sqlite_where=text("kind = 'transfer_in' AND status <> 'rejected'"),
      postgresql_where=text("kind = 'transfer_in' AND status <> 'rejected'"))


def certificate_taken(s: Session, kind_id: str, item_id: str | None, but: int | None = None) -> str | None:
    """Why a transferred-hours certificate number cannot be filed (it is merged or under review), or None."""
    if kind_id != TRANSFER_KIND or not item_id:
        return None
    q = select(HourClaim.status).where(HourClaim.kind == TRANSFER_KIND, HourClaim.item_id == item_id,
                                       HourClaim.status != "rejected")
    if but is not None:
        q = q.where(HourClaim.id != but)
    status = s.scalar(q)
    if status is None and s.scalar(select(HoursEntry.id).where(HoursEntry.source_type == TRANSFER_KIND,
                                                               HoursEntry.source_ref == item_id)) is not None:
        status = "approved"  # merged by a clerk's hand entry before claims existed
    if status is None:
        return None
    what = "已经合并" if status == "approved" else "已有一项正在审核的申报"
    return f"编号为“{item_id}”的调出地学时证明{what}，同一证明只能合并一次（威人社字〔2022〕2号 三）"


# ---- four eyes on a claim chain -------------------------------------------------------------------------------

def _approvals_since_filing(s: Session, claim: HourClaim) -> list[ClaimStep]:
    rows = s.scalars(select(ClaimStep).where(ClaimStep.claim_id == claim.id).order_by(ClaimStep.version)).all()
    since: list[ClaimStep] = []
    for row in rows:
        if row.decision in ("submit", "resubmit"):
            since = []
        elif row.decision == "approve":
            since.append(row)
    return since


def previous_step(s: Session, claim: HourClaim, chain: ReviewChain) -> ClaimStep | None:
    """On a four-eyes chain, the row an approval of the claim's current version follows (the filing or the earlier
    approval), which the new row names so that the schema can tell the two actors apart (claim_step.four_eyes);
    None on other chains."""
    if not chain.four_eyes:
        return None
    row = s.scalar(select(ClaimStep).where(ClaimStep.claim_id == claim.id, ClaimStep.version == claim.version))
    if row is None:
        raise Conflict("该申报的办理记录不完整，请刷新后重新查看")
    return row


def four_eyes_refusal(s: Session, actor: Person, org: Organisation | None, claim: HourClaim,
                      chain: ReviewChain) -> str | None:
    """Why actor may not act now on a claim of a four-eyes chain (None: may, or the chain is not one).

    Neither the filer nor the claimant acts; each step of the current filing is taken by another account; every step
    by the organisation that took the first one.
    """
    if not chain.four_eyes:
        return None
    if actor.id in (claim.filed_by_id, claim.person_id):
        return "提交申报的人不能审核这项申报（两人核批）"
    earlier = _approvals_since_filing(s, claim)
    if any(step.actor_id == actor.id for step in earlier):
        return "您已办理这项申报的前一环节，须由本机构另一名工作人员复核（两人核批）"
    if earlier and (org is None or earlier[0].org_id != org.id):
        return f"这项申报须由{earlier[0].org_name}的另一名工作人员复核（两人核批）"
    return None


# ---- corrections ----------------------------------------------------------------------------------------------

CORRECTION_STATUSES = {"pending": "待复核", "approved": "已复核登记", "rejected": "复核未通过"}
CORRECTION_KIND_LABEL = "更正登记（核减）"   # the claim kind a correction is, in the person's claims (issue 12 item 6)
CORRECTION_RULE = "更正登记错误（同一机构两名工作人员核批）"


class HoursCorrection(Base):
    """A clerk's correction of one registration: it lowers it, and counts once another account of the same
    organisation approved it (the compensating entry is ``correction:<id>`` in the hours bank)."""

    __tablename__ = "hours_correction"
    __table_args__ = (
        CheckConstraint("hours < 0", name="lowers"),
        CheckConstraint("status IN ('pending','approved','rejected')", name="status"),
        CheckConstraint("(status = 'pending') = (decided_by_id IS NULL)", name="decided"),
        # Four eyes, in the schema: whoever decides is not whoever filed.
        CheckConstraint("decided_by_id IS NULL OR decided_by_id <> filed_by_id", name="four_eyes"),
        CheckConstraint("status <> 'rejected' OR (decision_reason IS NOT NULL AND decision_reason <> '')",
                        name="rejection_reason"),
        # One correction of an entry waits at a time.
        Index("uq_hours_correction_pending_entry", "entry_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("hours_entry.id"), index=True)
    year: Mapped[int]
    category: Mapped[str] = mapped_column(String(20))
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))       # negative: what the entry is lowered by
    reason: Mapped[str] = mapped_column(Text)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    org_name: Mapped[str] = mapped_column(String(100))
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    filed_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(String(500))

    @property
    def status_name(self) -> str:
        return CORRECTION_STATUSES[self.status]


def _clerk_org(s: Session, actor: Person) -> Organisation:
    """The HR bureau of a clerk who may write; corrections are the bureaus' (the old hand entry was theirs)."""
    require_write(s, actor)
    org = s.get(Organisation, actor.org_id) if actor.org_id else None
    if actor.role != "bureau" or org is None or org.kind not in HR_KINDS:
        raise NotAllowed("只有人社部门工作人员可以更正学时登记")
    return org


def correctable_entries(s: Session, person: Person) -> list[tuple[HoursEntry, Decimal]]:
    """The person's registrations that a correction may lower, with what is left of each."""
    rows = s.scalars(select(HoursEntry).where(HoursEntry.person_id == person.id, HoursEntry.hours > 0)
                     .order_by(HoursEntry.year.desc(), HoursEntry.registered_at)).all()
    out = []
    for e in rows:
        left = remaining(s, e)
        if left > 0:
            out.append((e, left))
    return out


def _net(s: Session, entry: HoursEntry) -> Decimal:
    corrected = s.scalar(select(func.coalesce(func.sum(HoursCorrection.hours), 0)).where(
        HoursCorrection.entry_id == entry.id, HoursCorrection.status == "approved"))
    return entry.hours + Decimal(corrected or 0)


def remaining(s: Session, entry: HoursEntry) -> Decimal:
    """What is left of a registration after the corrections approved on it (nothing of a claim's entry once a
    finding of forged evidence reversed the claim)."""
    if entry.source_type == "claim":
        from .findings import reversed_claim_ids
        claim_id = int(entry.source_ref.split(":", 1)[0])
        if claim_id in reversed_claim_ids(s, [claim_id]):
            return Decimal(0)
    return max(_net(s, entry), Decimal(0))


def file_correction(s: Session, actor: Person, person: Person, *, entry_id: int, hours: str, reason: str,
                    ip: str | None = None) -> HoursCorrection:
    """File a correction that lowers one of the person's registrations; it waits for a second clerk."""
    org = _clerk_org(s, actor)
    if not covers_person(s, actor, person):
        raise NotFound()
    entry = s.get(HoursEntry, entry_id) if is_id(entry_id) else None   # a posted id past 2³¹−1 is no entry
    problems: dict[str, str] = {}
    if entry is None or entry.person_id != person.id or entry.hours <= 0:
        problems["entry_id"] = "请选择要更正的一条学时登记"
    amount: Decimal | None = None
    try:
        amount = Decimal(hours.strip())
    except ArithmeticError:
        problems["hours"] = "更正学时须为数字"
    if amount is not None and (not amount.is_finite() or amount <= 0 or amount > 1000
                               or amount != round(amount, 2)):
        problems["hours"] = "核减学时须为大于0、至多两位小数的数字（更正只能核减，不能增加学时）"
        amount = None
    reason = reason.strip()
    if not 4 <= len(reason) <= 1000:
        problems["reason"] = "请写明更正原因与依据（4–1000 字）"
    if entry is not None and amount is not None and "entry_id" not in problems:
        left = remaining(s, entry)
        if amount > left:
            problems["hours"] = f"核减学时不能超过该条登记现有的 {left}"
    if problems or entry is None or amount is None:
        raise InvalidFields(problems or {"form": "更正内容有误"})
    if entry.category not in CATEGORIES:
        raise InvalidInput("学时类别无效")
    c = HoursCorrection(person_id=person.id, entry_id=entry.id, year=entry.year, category=entry.category,
                        hours=-amount, reason=reason, org_id=org.id, org_name=org.name, filed_by_id=actor.id,
                        filed_at=clock.now(), status="pending")
    s.add(c)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError:  # the pending-entry index: another correction of this entry waits
        raise Conflict("这条登记已有一项更正等待复核，请先复核或驳回那一项") from None
    audit.record(s, actor, "hours.correction_file", c, ip=ip, person_id=person.id, entry_id=entry.id,
                 hours=str(c.hours), reason=reason)
    return c


def visible_correction(s: Session, actor: Person, correction_id: int) -> HoursCorrection:
    """A correction for the bureau staff (and supervisors) whose scope covers its person; 404 for everyone else."""
    c = s.get(HoursCorrection, correction_id)
    if c is None or actor.role not in ("bureau", "supervisor"):
        raise NotFound()
    person = s.get(Person, c.person_id)
    if person is None or not covers_person(s, actor, person):
        raise NotFound()
    return c


def correction_refusal(s: Session, actor: Person, c: HoursCorrection) -> str | None:
    """Why actor may not decide the correction (None: may): four eyes within the organisation that filed it."""
    if c.status != "pending":
        return f"该更正当前状态为“{c.status_name}”，不能再复核"
    if not scope_of(s, actor).writable or actor.role != "bureau":
        return "您的账号只能查看"
    if actor.org_id != c.org_id:
        return f"该更正须由{c.org_name}的另一名工作人员复核"
    if actor.id == c.filed_by_id:
        return "提交更正的人不能复核自己的更正（两人核批）"
    return None


def decide_correction(s: Session, actor: Person, correction_id: int, *, decision: str, reason: str = "",
                      ip: str | None = None) -> HoursCorrection:
    """Approve (the compensating entry is written) or reject a correction; never by the clerk who filed it."""
    c = visible_correction(s, actor, correction_id)
    if decision not in ("approve", "reject"):
        raise InvalidInput("复核意见无效")
    reason = reason.strip()
    if decision == "reject" and not 2 <= len(reason) <= 500:
        raise InvalidFields({"reason": "驳回更正须写明理由（2–500 字）"})
    refusal = correction_refusal(s, actor, c)
    if refusal is not None:
        raise (Conflict if c.status != "pending" else NotAllowed)(refusal)
    from .operations import _lock_person_year
    _lock_person_year(s, c.person_id, c.year)
    now = clock.now()
    # One decision: the conditional update is the judge between two clerks deciding at the same moment.
    changed = s.execute(text(
        "UPDATE hours_correction SET status = :st, decided_by_id = :a, decided_at = :t, decision_reason = :r "
        "WHERE id = :id AND status = 'pending'"),
        {"st": "approved" if decision == "approve" else "rejected", "a": actor.id, "t": now,
         "r": reason or None, "id": c.id}).rowcount
    if changed != 1:
        raise Conflict("该更正已由他人复核，请刷新后查看")
    s.refresh(c)
    if decision == "approve":
        entry = s.get(HoursEntry, c.entry_id)
        assert entry is not None
        # With this one approved (and any approved meanwhile: the person-year is locked) the entry stays >= 0.
        net = _net(s, entry)
        if net < 0:
            raise Conflict(f"该条登记现只余 {net - c.hours}，不能再核减 {-c.hours}，请驳回后重新提交")
        filer = s.get(Person, c.filed_by_id)
        register_hours(s, person_id=c.person_id, year=c.year, category=c.category, hours=c.hours,
                       source_type="correction", source_ref=str(c.id), title=f"更正：{entry.title}"[:200],
                       org=c.org_name, registered_by=actor, rule=CORRECTION_RULE,
                       note=f"{c.reason}（提交：{getattr(filer, 'name', '')}；复核：{actor.name}）", ip=ip)
        audit.record(s, actor, "hours.correction_approve", c, ip=ip, person_id=c.person_id, hours=str(c.hours))
    else:
        audit.record(s, actor, "hours.correction_reject", c, ip=ip, person_id=c.person_id, reason=reason)
    s.flush()
    return c


def corrections_for(s: Session, actor: Person, limit: int = 200) -> list[HoursCorrection]:
    """The corrections of the actor's organisation, those waiting first, then the latest."""
    if actor.org_id is None:
        return []
    return list(s.scalars(select(HoursCorrection).where(HoursCorrection.org_id == actor.org_id)
                          .order_by((HoursCorrection.status == "pending").desc(), HoursCorrection.id.desc())
                          .limit(limit)))


@dataclass(frozen=True)
class CorrectionRecord:
    """A correction as the person's claims list shows it: a claim of its own kind (issue 12 item 6), with its
    filing and its decision, who took each and the registration it lowers."""

    correction: HoursCorrection
    entry_title: str
    filed_by: str
    decided_by: str | None


def corrections_of(s: Session, person: Person) -> list[CorrectionRecord]:
    """The corrections of a person's registrations, the latest first (shown beside their claims)."""
    rows = s.scalars(select(HoursCorrection).where(HoursCorrection.person_id == person.id)
                     .order_by(HoursCorrection.id.desc())).all()
    out = []
    for c in rows:
        entry = s.get(HoursEntry, c.entry_id)
        filer = s.get(Person, c.filed_by_id)
        decider = s.get(Person, c.decided_by_id) if c.decided_by_id else None
        out.append(CorrectionRecord(c, entry.title if entry else "", getattr(filer, "name", ""),
                                    decider.name if decider else None))
    return out
