"""Training organisers' programmes (施教机构的培训班、高级研修班) and their attendee rosters.

温人社发〔2020〕125号 第十三条: an organiser files its programme in advance with the competent bureau; 第十四条: after
the event it hands in the attendee list and the hours are registered in bulk (浙人社发〔2016〕63号 第十一、十二条;
川人社发〔2016〕20号 二(三)).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base
from ..orgs.models import Organisation

PROGRAMME_STATUSES = ("filed", "approved", "rejected")
PROGRAMME_STATUS_NAMES = {"filed": "待审批", "approved": "已批准", "rejected": "未批准"}
UPLOAD_STATUSES = ("checked", "confirmed")
UPLOAD_STATUS_NAMES = {"checked": "待主管部门确认", "confirmed": "已确认登记"}
ROW_STATUSES = ("ok", "waiting", "refused", "credited")
ROW_STATUS_NAMES = {"ok": "待确认", "waiting": "待本人注册后登记", "refused": "不予登记", "credited": "已登记"}


class Programme(Base):
    """A programme filed by a training organiser: filed → approved or rejected by the competent bureau."""

    __tablename__ = "programme"
    __table_args__ = (
        CheckConstraint("status IN ('filed','approved','rejected')", name="status"),
        CheckConstraint("category IN ('general_public','industry_public','professional')", name="category"),
        CheckConstraint("ends_on >= starts_on", name="dates"),
        CheckConstraint("hours_per_day > 0 AND hours_per_day <= 24", name="hours_per_day"),
        CheckConstraint("capacity > 0", name="capacity"),
        CheckConstraint("fee >= 0", name="fee"),
        CheckConstraint("status <> 'rejected' OR decision_reason IS NOT NULL", name="rejected_with_reason"),
        # The hours are registered in the approving organisation's name (温 第十四条): an approval names it.
        CheckConstraint("status <> 'approved' OR approved_by_org_id IS NOT NULL", name="approved_by_org"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    industry: Mapped[str | None] = mapped_column(String(32))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    hours_per_day: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    venue: Mapped[str] = mapped_column(String(200))
    fee: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    capacity: Mapped[int]
    approval_document: Mapped[str] = mapped_column(String(100))   # 批准文件（文号）
    status: Mapped[str] = mapped_column(String(10), default="filed", index=True)
    decision_reason: Mapped[str | None] = mapped_column(String(200))
    approved_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None]
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime]
    org: Mapped[Organisation] = relationship(foreign_keys=[org_id], lazy="joined")

    @property
    def status_name(self) -> str:
        return PROGRAMME_STATUS_NAMES[self.status]

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


class RosterUpload(Base):
    """One attendee list as uploaded, checked row by row; confirmed once by the approving organisation."""

    __tablename__ = "roster_upload"
    __table_args__ = (
        CheckConstraint("status IN ('checked','confirmed')", name="status"),
        CheckConstraint("status <> 'confirmed' OR (confirmed_by_id IS NOT NULL AND confirmed_at IS NOT NULL)",
                        name="confirmed_by"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10), default="checked")
    rows_total: Mapped[int]
    rows_refused: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    uploaded_at: Mapped[datetime]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    confirmed_at: Mapped[datetime | None]
    registered: Mapped[int] = mapped_column(default=0)   # entries written when confirmed (the difference only)

    @property
    def status_name(self) -> str:
        return UPLOAD_STATUS_NAMES[self.status]


class RosterRow(Base):
    """One attendee row of an upload, with what the check found (ok, waiting for the person to register, refused)."""

    __tablename__ = "roster_row"
    __table_args__ = (
        CheckConstraint("status IN ('ok','waiting','refused','credited')", name="status"),
        CheckConstraint("status <> 'refused' OR reason IS NOT NULL", name="refused_with_reason"),
        UniqueConstraint("upload_id", "line", name="uq_roster_row_line"),
        Index("ix_roster_row_waiting", "id_number", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("roster_upload.id"), index=True)
    line: Mapped[int]
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(40))
    days: Mapped[int | None]
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(300))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    @property
    def status_name(self) -> str:
        return ROW_STATUS_NAMES[self.status]
