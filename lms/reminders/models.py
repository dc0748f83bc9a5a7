"""A reminder campaign and whom it told: (campaign, person) is unique, so a person is told at most once per campaign,
whichever scheduler copy runs it and however often it is restarted."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class ReminderCampaign(Base):
    """A bureau's reminder for one study year, sent on a day (China time) to the persons in its scope who are short.

    `finished_at` is set once everyone was told; until then every run of the job continues where the last stopped.
    """

    __tablename__ = "reminder_campaign"
    __table_args__ = (
        UniqueConstraint("org_id", "year", "send_on", name="uq_reminder_campaign_org_year_day"),
        CheckConstraint("persons_told >= 0 AND employers_told >= 0", name="counts"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    year: Mapped[int]
    send_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    persons_told: Mapped[int] = mapped_column(default=0)
    employers_told: Mapped[int] = mapped_column(default=0)

    @property
    def state(self) -> str:
        if self.cancelled_at is not None:
            return "已取消"
        if self.finished_at is not None:
            return "已发送"
        return "发送中" if self.started_at is not None else "待发送"


class ReminderDelivery(Base):
    """One person told by a campaign: a practitioner what they lack, or an employer's administrator who is short."""

    __tablename__ = "reminder_delivery"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id", name="uq_reminder_delivery_campaign_person"),
        CheckConstraint("kind IN ('practitioner','employer')", name="kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("reminder_campaign.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)  # the employer told
    lacks: Mapped[str] = mapped_column(Text, default="")   # what the practitioner lacks, as told
    created_at: Mapped[datetime]
