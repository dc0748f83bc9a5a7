"""Hour claims (学时认证 / 学分申报): a practitioner's claim, its evidence files and every step of its review.

What may be claimed, with what evidence, through whom and for how many hours is the rules' (rules/claims.py);
these tables keep what was filed and decided. A claim moves through the review chain its policy names
(``step`` counts the steps passed); every filing and decision is a ClaimStep row, one per version of the claim, so
two decisions on the same version cannot both be written (the second one meets the unique constraint).
"""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    DDL,
    CheckConstraint,
    FetchedValue,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from .claimant import claimant_ddl

STATUSES = ("pending", "returned", "approved", "rejected")
STATUS_NAMES = {"pending": "审核中", "returned": "退回修改", "approved": "已认定", "rejected": "未通过"}
OPEN_STATUSES = ("pending", "returned")
DECISIONS = ("submit", "resubmit", "approve", "return", "reject")
DECISION_NAMES = {"submit": "提交申报", "resubmit": "修改后重新提交", "approve": "审核通过", "return": "退回修改",
                  "reject": "不予认定"}
MAX_FILES = 10                       # issue 12: at most 10 files of at most 10 MB each per claim
MAX_FILE_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


class HourClaim(Base):
    """One claim of hours for an activity (温人社发〔2020〕125号 第十二条), reviewed along its policy's chain."""

    __tablename__ = "hour_claim"
    __table_args__ = (
        CheckConstraint("status IN ('pending','returned','approved','rejected')", name="status"),
        CheckConstraint("step >= 0 AND step <= steps", name="step_in_chain"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("hours_claimed >= 0", name="hours_claimed"),
        # Approved exactly when the last step approved, with the hours the rules credited.
        CheckConstraint("(status = 'approved') = (step = steps AND credited_hours IS NOT NULL)", name="approved"),
        # One open claim per person, year and item where the policy counts an item once (温 第十二条; 桐 第十一条
        # (十)): a second filing of the same DOI or patent number while the first is under review is refused here.
        Index("uq_hour_claim_open_item", "person_id", "year", "item_id", unique=True,
              sqlite_where=text("status IN ('pending','returned') AND item_id IS NOT NULL"),
              postgresql_where=text("status IN ('pending','returned') AND item_id IS NOT NULL")),
        # The reviewers' queues (lms/claims/queues.py): a page oldest first, and the counts of everything waiting
        # read from the index alone on PostgreSQL.
        Index("ix_hour_claim_pending_since", "updated_at", "id",
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
        Index("ix_hour_claim_pending_person", "person_id", "policy", "chain", "step",
              postgresql_include=["kind", "kind_label", "year", "updated_at"],
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
        # A territory's (and an authority's industry's) claims waiting at a step, counted by kind, year and employer
        # from the index alone on PostgreSQL (lms.orgs.scope.claimant_clause); one employer's, oldest first.
        Index("ix_hour_claim_pending_claimant", "claimant_region", "claimant_industry", "policy", "chain", "step",
              postgresql_include=["kind", "kind_label", "year", "claimant_employer_id", "updated_at"],
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
        Index("ix_hour_claim_pending_employer", "claimant_employer_id", "updated_at", "id",
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )
    # The claimant_* copies are written by the database (lms/claims/claimant.py): after an INSERT they are expired
    # and read again when asked for, not taken from a RETURNING that on SQLite precedes the trigger.
    __mapper_args__ = {"eager_defaults": False}
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    policy: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    kind_label: Mapped[str] = mapped_column(String(100))
    rule: Mapped[str] = mapped_column(String(160))            # the article that makes the kind claimable
    chain: Mapped[str] = mapped_column(String(40))            # the review chain's id in the policy
    steps: Mapped[int]                                        # how many steps the chain has
    facts: Mapped[str] = mapped_column(Text)                  # JSON: what the form sent, as the rules parse it
    item_id: Mapped[str | None] = mapped_column(String(200))  # DOI, ISSN + title, patent number: same-item rule
    title: Mapped[str] = mapped_column(String(200))
    hours_claimed: Mapped[Decimal] = mapped_column(Numeric(7, 2))   # what the rules give the claim on its own
    credited_hours: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))  # what the year's evaluation posted
    status: Mapped[str] = mapped_column(String(10), default="pending")
    step: Mapped[int] = mapped_column(default=0)              # steps approved so far
    version: Mapped[int] = mapped_column(default=1)           # bumped by every filing and decision
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    filed_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Copies of the claimant's region (NULL unless a practitioner), industry and current employer, kept by the
    # database's triggers in the same statement that changes them (lms/claims/claimant.py): the reviewers' queues
    # select and count by them without joining every claim to its person. Read them in queries: an object already
    # loaded keeps the values it was loaded with.
    claimant_region: Mapped[str | None] = mapped_column(String(32), server_default=FetchedValue())
    claimant_industry: Mapped[str | None] = mapped_column(String(32), server_default=FetchedValue())
    claimant_employer_id: Mapped[int | None] = mapped_column(server_default=FetchedValue())

    evidence: Mapped[list[ClaimEvidence]] = relationship(order_by="ClaimEvidence.id", lazy="selectin",
                                                         viewonly=True)

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def facts_dict(self) -> dict[str, Any]:
        return dict(json.loads(self.facts))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ClaimEvidence(Base):
    """An evidence file of a claim (PDF, JPEG or PNG by content), stored by its SHA-256 outside the web root."""

    __tablename__ = "claim_evidence"
    __table_args__ = (
        UniqueConstraint("claim_id", "key", name="uq_claim_evidence_file"),
        CheckConstraint(f"size > 0 AND size <= {MAX_FILE_BYTES}", name="size"),
        CheckConstraint("mime IN ('application/pdf','image/jpeg','image/png')", name="mime"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("hour_claim.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    mime: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    filename: Mapped[str] = mapped_column(String(100))        # the uploaded name, cleaned, for display only
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    uploaded_at: Mapped[datetime]

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")


class ClaimStep(Base):
    """A filing or a decision on one version of a claim: who, for which organisation, at which step, and why."""

    __tablename__ = "claim_step"
    __table_args__ = (
        UniqueConstraint("claim_id", "version", name="uq_claim_step_version"),
        CheckConstraint("decision IN ('submit','resubmit','approve','return','reject')", name="decision"),
        CheckConstraint("decision NOT IN ('return','reject') OR (reason IS NOT NULL AND reason <> '')",
                        name="reason_given"),
        CheckConstraint("(decision IN ('submit','resubmit')) = (facts IS NOT NULL)", name="filing_facts"),
        # Four eyes in the schema (issue 12 item 6): an approval on a chain that asks for two different accounts names
        # the row it follows — the filing, or the earlier approval — and its actor; the foreign key proves that row
        # and actor are real, the check that whoever approves is someone else.
        UniqueConstraint("claim_id", "version", "actor_id", name="uq_claim_step_version_actor"),
        ForeignKeyConstraint(["claim_id", "follows_version", "follows_actor_id"],
                             ["claim_step.claim_id", "claim_step.version", "claim_step.actor_id"],
                             name="fk_claim_step_follows"),
        CheckConstraint("(follows_version IS NULL) = (follows_actor_id IS NULL)", name="follows_both"),
        CheckConstraint("follows_actor_id IS NULL OR (decision = 'approve' AND follows_version = version - 1 "
                        "AND follows_actor_id <> actor_id)", name="four_eyes"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("hour_claim.id"), index=True)
    version: Mapped[int]                                      # the version the action was taken on
    step: Mapped[int]                                         # the chain step acted at (0-based; filings: 0)
    level: Mapped[str] = mapped_column(String(120))           # the step as the rules name it (行业主管部门审批…)
    decision: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(500))
    actor_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    org_name: Mapped[str | None] = mapped_column(String(100))
    facts: Mapped[str | None] = mapped_column(Text)           # JSON: the facts filed (filings only): every version kept
    hours: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))  # the rules' hours for those facts (filings only)
    at: Mapped[datetime]
    # Four-eyes chains only: the version and actor of the row this approval follows (another account's).
    follows_version: Mapped[int | None]
    follows_actor_id: Mapped[int | None]

    @property
    def decision_name(self) -> str:
        return DECISION_NAMES[self.decision]


def _keep_claimant_copies(target: Any, connection: Any, tables: Any = (), **_kw: Any) -> None:
    """Install the claimant copies' triggers once create_all has made hour_claim, person and employment."""
    if any(t.name == HourClaim.__tablename__ for t in tables):
        for stmt in claimant_ddl(connection.dialect.name):
            connection.execute(DDL(stmt))


event.listen(Base.metadata, "after_create", _keep_claimant_copies)
