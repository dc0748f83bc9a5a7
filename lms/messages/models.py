"""In-app messages (消息) and the e-mail outbox.

STYLE: "Mail and SMS go through an outbox row written in the same transaction" as the event they tell of, so a
message is never sent for something that was rolled back, and never lost for something that was committed. The
scheduler sends the outbox (lms/messages/mailer.py); each row is sent at most once, through its state column and a
conditional UPDATE that only one sender can win.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

OUTBOX_STATES = ("pending", "sending", "sent", "failed", "expired")
OUTBOX_STATE_NAMES = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败",
                      "expired": "已过期未发送"}


class Message(Base):
    """A message to one person, read in the app (the header shows how many are unread).

    ``kind`` says what it is about (claim.decision, claim.deadline, …) and ``ref`` which object: where a ref is
    given, (person, kind, ref) is unique, so a job that tells of the same thing twice writes it once.
    """

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("person_id", "kind", "ref", name="uq_message_person_kind_ref"),
        Index("ix_message_person_unread", "person_id", "read_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str | None] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))   # a path inside the app (/claims/12), never a full URL
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class OutboxMail(Base):
    """An e-mail waiting to be sent, being sent, or done with (sent, failed for good, or expired unsent).

    pending → sending (claimed by one sender: attempts + 1) → sent; or back to pending with the error and a later
    next_attempt_at when the server refused it for now; or failed when it refused it for good, after max attempts,
    or when the connection broke while the message was being handed over (it may have arrived: never sent again).
    A row still pending after send_before is expired instead (a reset code past its validity is worth nothing).
    """

    __tablename__ = "outbox_mail"
    __table_args__ = (
        CheckConstraint("state IN ('pending','sending','sent','failed','expired')", name="state"),
        CheckConstraint("attempts >= 0", name="attempts"),
        CheckConstraint("(state = 'sent') = (sent_at IS NOT NULL)", name="sent_at"),
        Index("ix_outbox_mail_due", "state", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    send_before: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    @property
    def state_name(self) -> str:
        return OUTBOX_STATE_NAMES[self.state]
