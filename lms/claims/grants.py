"""Late filing granted by the county HR bureau (桐人社发〔2018〕26号 第十三条: claims close 60 days after the activity,
December's on 30 December): one grant lets one claim of one person, for an activity that ended on a given day, be
filed (or a returned one be filed again) after its deadline; the reason and the bureau are recorded."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class LateFilingGrant(Base):
    __tablename__ = "late_filing_grant"
    __table_args__ = (
        CheckConstraint("length(reason) >= 2", name="reason_given"),
        CheckConstraint("(claim_id IS NULL) = (used_at IS NULL)", name="used_with_claim"),
        CheckConstraint("valid_until >= activity_end", name="valid_after_activity"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    activity_end: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    org_name: Mapped[str] = mapped_column(String(100))
    granted_at: Mapped[datetime]
    valid_until: Mapped[date] = mapped_column(Date)       # the last day (China) it may be used
    # The one claim it let through: a grant serves one claim, and a claim needs at most one grant.
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("hour_claim.id"), unique=True)
    used_at: Mapped[datetime | None]
