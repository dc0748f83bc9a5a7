"""Forged or false evidence (issue 12, item 7): a reviewer or the HR bureau records a finding on a claim, with its
evidence. Operations flush and never commit.

温人社发〔2020〕125号 第十五条: “专业技术人员在学时认定登记中伪造、提供虚假材料的，取消其职称申报资格”; 浙人社发〔2016〕63号
第十六条: “……或在学时登记中弄虚作假的，取消其专业技术职务任职资格的申报资格” (Tonglu inherits it). What follows a
finding:

- the claim is rejected when it is still under review; when it was credited, a compensating (negative) entry per
  category takes back what it holds in the bank (``finding:<id>:<category>``, so the bank stays append-only and the
  reversal is written once: one finding per claim, unique, and the bank's unique source);
- where the claim's policy imposes a consequence (``Policy.forgery_sanction``), a sanction is recorded on the person
  with its article and the actor — the person, their employer and the HR bureau see it, and the registration sheet
  prints it. Where the document states none (威人社字〔2022〕2号, 川人社发〔2016〕20号), the finding and the reversal
  stand and no sanction is invented.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from rules import load_policy

from .. import audit, clock
from ..accounts.models import Person
from ..db import Base
from ..errors import Conflict, InvalidFields, NotAllowed, NotFound
from ..hours.models import HoursEntry
from ..hours.operations import register_hours
from ..orgs.models import HR_KINDS, Organisation
from ..orgs.scope import covers_person, scope_of
from .models import EVIDENCE_TYPES, ClaimStep, HourClaim

OUTCOMES = {"rejected": "申报不予认定", "reversed": "已登记学时予以撤销", "already_rejected": "申报此前已不予认定"}
SANCTION_KINDS = {"no_title_application": "取消职称申报资格"}


class ClaimFinding(Base):
    """That a claim's evidence was found forged or false: what was found, its evidence, who found it, what followed."""

    __tablename__ = "claim_finding"
    __table_args__ = (
        # One finding per claim: the claim is rejected or reversed once.
        UniqueConstraint("claim_id", name="uq_claim_finding_claim"),
        CheckConstraint("outcome IN ('rejected','reversed','already_rejected')", name="outcome"),
        CheckConstraint("(outcome = 'reversed') = (reversed_hours IS NOT NULL)", name="reversed_hours"),
        CheckConstraint("finding <> ''", name="finding_given"),
        CheckConstraint("evidence_key IS NULL OR (evidence_mime IN ('application/pdf','image/jpeg','image/png') "
                        "AND evidence_size > 0)", name="evidence_file"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("hour_claim.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    finding: Mapped[str] = mapped_column(Text)
    evidence_key: Mapped[str | None] = mapped_column(String(80))
    evidence_mime: Mapped[str | None] = mapped_column(String(40))
    evidence_size: Mapped[int | None]
    evidence_filename: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))
    reversed_hours: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    actor_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    org_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]

    @property
    def outcome_name(self) -> str:
        return OUTCOMES[self.outcome]


class PersonSanction(Base):
    """A consequence recorded on a person (取消职称申报资格), with the article that imposes it and who recorded it."""

    __tablename__ = "person_sanction"
    __table_args__ = (
        UniqueConstraint("finding_id", name="uq_person_sanction_finding"),
        CheckConstraint("kind IN ('no_title_application')", name="kind"),
        CheckConstraint("rule <> ''", name="rule_given"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("claim_finding.id"))
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(String(200))             # the document's words
    rule: Mapped[str] = mapped_column(String(120))             # its article
    claim_title: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    actor_name: Mapped[str] = mapped_column(String(50))
    org_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]

    @property
    def kind_name(self) -> str:
        return SANCTION_KINDS[self.kind]


def sanctions_of(s: Session, person_id: int) -> list[PersonSanction]:
    return list(s.scalars(select(PersonSanction).where(PersonSanction.person_id == person_id)
                          .order_by(PersonSanction.at, PersonSanction.id)))


def sanction_lines(s: Session, person_id: int) -> list[str]:
    """Each sanction as the registration sheet prints it: what, the document's words and article, why, who, when."""
    return [f"{x.kind_name}（查实提供虚假材料）：{x.text}（{x.rule}）。所涉申报：{x.claim_title}；记录：{x.org_name} "
            f"{x.actor_name}，{clock.china(x.at):%Y-%m-%d}。" for x in sanctions_of(s, person_id)]


def sanctioned_ids(s: Session, person_ids: Iterable[int]) -> set[int]:
    ids = list(person_ids)
    if not ids:
        return set()
    return set(s.scalars(select(PersonSanction.person_id).where(PersonSanction.person_id.in_(ids))))


def finding_of(s: Session, claim_id: int) -> ClaimFinding | None:
    return s.scalar(select(ClaimFinding).where(ClaimFinding.claim_id == claim_id))


def visible_finding(s: Session, actor: Person, claim_id: int) -> ClaimFinding:
    """The finding recorded on a claim the actor sees (operations.visible_claim); 404 when there is none."""
    from .operations import visible_claim
    visible_claim(s, actor, claim_id)
    row = finding_of(s, claim_id)
    if row is None:
        raise NotFound("这项申报没有查实虚假材料的记录")
    return row


def reversed_claim_ids(s: Session, claim_ids: Iterable[int]) -> set[int]:
    ids = list(claim_ids)
    if not ids:
        return set()
    return set(s.scalars(select(ClaimFinding.claim_id).where(ClaimFinding.claim_id.in_(ids),
                                                             ClaimFinding.outcome == "reversed")))


def may_record_finding(s: Session, actor: Person, claim: HourClaim) -> bool:
    """A reviewer whose organisation acts in the claim's chain, or the HR bureau, with the claimant in scope."""
    from .operations import _own_org, acts_at, chain_by_id
    if actor.role == "practitioner" or not scope_of(s, actor).writable or finding_of(s, claim.id) is not None:
        return False
    org = _own_org(s, actor)
    if org is None or not org.may_act:
        return False
    hr = org.kind in HR_KINDS and actor.role == "bureau"
    if not hr and not any(acts_at(org, step) for step in chain_by_id(claim).steps):
        return False
    person = s.get(Person, claim.person_id)
    return person is not None and covers_person(s, actor, person)


def _reverse(s: Session, actor: Person, org: Organisation, claim: HourClaim, finding: ClaimFinding,
             ip: str | None) -> Decimal:
    """Take back what the claim holds in the bank (its entries, less the corrections approved on them), once."""
    from .corrections import _net  # the entry less its corrections (remaining() already counts this finding)
    held: dict[str, Decimal] = {}
    for entry in s.scalars(select(HoursEntry).where(HoursEntry.source_type == "claim",
                                                    HoursEntry.source_ref.like(f"{claim.id}:%"))):
        held[entry.category] = held.get(entry.category, Decimal(0)) + max(_net(s, entry), Decimal(0))
    rule = (load_policy(claim.policy).forgery_sanction or ("", "查实提供虚假材料，撤销认定"))[1]
    total = Decimal(0)
    for category, hours in sorted(held.items()):
        if hours <= 0:
            continue
        register_hours(s, person_id=claim.person_id, year=claim.year, category=category, hours=-hours,
                       source_type="finding", source_ref=f"{finding.id}:{category}",
                       title=f"撤销认定（查实提供虚假材料）：{claim.title}"[:200], org=org.name, registered_by=actor,
                       rule=rule[:120], note=finding.finding, ip=ip)
        total += hours
    return total


def record_finding(s: Session, actor: Person, claim_id: int, *, finding: str, files: list[object] | None = None,
                   ip: str | None = None) -> ClaimFinding:
    """Record that a claim's evidence was forged or false: reject or reverse the claim, sanction where the policy
    says so, and close any audit item of the claim with this finding."""
    from .operations import Upload, _lock_person_year, _own_org, check_evidence, evidence_store, visible_claim
    claim = visible_claim(s, actor, claim_id)
    if not may_record_finding(s, actor, claim):
        if finding_of(s, claim.id) is not None:
            raise Conflict("这项申报已记录过查实情况")
        raise NotAllowed("只有该申报的审核机构或人社部门可以记录查实情况")
    org = _own_org(s, actor)
    assert org is not None
    finding = finding.strip()
    problems: dict[str, str] = {}
    if not 4 <= len(finding) <= 2000:
        problems["finding"] = "请写明查实的情况与依据（4–2000 字）"
    uploads = [f for f in (files or []) if isinstance(f, Upload) and (f.filename or f.data)]
    good, file_problems = check_evidence(uploads)
    if len(uploads) > 1:
        file_problems.append("查实材料只能上传一个文件")
    if file_problems:
        problems["evidence"] = "；".join(file_problems)
    if problems:
        raise InvalidFields(problems)
    _lock_person_year(s, claim.person_id, claim.year)
    # The finding is a decision on the claim: a concurrent decision on the version seen fails here, or there.
    changed = s.execute(text("UPDATE hour_claim SET version = version + 1 WHERE id = :id AND version = :v"),
                        {"id": claim.id, "v": claim.version}).rowcount
    if changed != 1:
        raise Conflict("该申报在您查看之后已有变化，请刷新后重新查看")
    s.refresh(claim)
    now = clock.now()
    outcome = {"approved": "reversed", "rejected": "already_rejected"}.get(claim.status, "rejected")
    row = ClaimFinding(claim_id=claim.id, person_id=claim.person_id, finding=finding, outcome=outcome,
                       reversed_hours=Decimal(0) if outcome == "reversed" else None, actor_id=actor.id,
                       org_id=org.id, org_name=org.name, at=now)
    if good:
        upload, mime = good[0]
        row.evidence_key = evidence_store().put(upload.data, EVIDENCE_TYPES[mime])
        row.evidence_mime, row.evidence_size = mime, len(upload.data)
        from .operations import clean_filename
        row.evidence_filename = clean_filename(upload.filename)
    s.add(row)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError:
        raise Conflict("这项申报已记录过查实情况") from None
    reason = f"查实提供虚假材料：{finding}"[:500]
    s.add(ClaimStep(claim_id=claim.id, version=claim.version, step=min(claim.step, claim.steps), level="查实虚假材料",
                    decision="reject", reason=reason, actor_id=actor.id, org_id=org.id, org_name=org.name, at=now))
    if outcome == "rejected":
        claim.status = "rejected"
    elif outcome == "reversed":
        row.reversed_hours = _reverse(s, actor, org, claim, row, ip)
    claim.updated_at = now
    s.flush()
    audit.record(s, actor, "claim.finding", claim, ip=ip, person_id=claim.person_id, outcome=outcome,
                 finding=finding, reversed=str(row.reversed_hours) if row.reversed_hours is not None else None)
    sanction = load_policy(claim.policy).forgery_sanction
    if sanction is not None:
        words, rule = sanction
        s.add(PersonSanction(person_id=claim.person_id, finding_id=row.id, kind="no_title_application",
                             text=words[:200], rule=rule[:120], claim_title=claim.title, actor_id=actor.id,
                             actor_name=actor.name[:50], org_name=org.name, at=now))
        s.flush()
        audit.record(s, actor, "person.sanction", ("Person", claim.person_id), ip=ip, rule=rule, text=words,
                     claim_id=claim.id)
    from .audits import close_items_with_finding
    close_items_with_finding(s, actor, claim.id, row.id)
    s.flush()
    return row
