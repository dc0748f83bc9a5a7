from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class StudyClock(Base):
    """One clock per person (一人一钟): only the stream that holds it is credited."""

    __tablename__ = "study_clock"
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    stream: Mapped[str] = mapped_column(String(32))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapter.id"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("study_segment.id", use_alter=True))
    last_beat_at: Mapped[datetime | None]
    last_seq: Mapped[int] = mapped_column(default=0)
    prompt_id: Mapped[int | None] = mapped_column(ForeignKey("presence_prompt.id", use_alter=True))
    # Random draw for the next presence prompt (人机交互), in credited milliseconds of this segment.
    next_prompt_ms: Mapped[int] = mapped_column(BigInteger, default=0)


class StudySegment(Base):
    """An unbroken stretch of credited study: evidence for the study record."""

    __tablename__ = "study_segment"
    __table_args__ = (CheckConstraint("credited_ms >= 0", name="credited_nonneg"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapter.id"))
    chapter_version: Mapped[int]
    stream: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime]
    last_beat_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
    end_reason: Mapped[str | None] = mapped_column(String(16))
    credited_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    beats: Mapped[int] = mapped_column(default=1)
    ip: Mapped[str | None] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(255))


class PresencePrompt(Base):
    """A human–computer interaction check (人机交互, 温人社发〔2020〕125号 第九条)."""

    __tablename__ = "presence_prompt"
    __table_args__ = (CheckConstraint("status IN ('pending','answered','missed')", name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("study_segment.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), index=True)
    shown_at: Mapped[datetime]
    deadline: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(8), default="pending")


class ChapterProgress(Base):
    __tablename__ = "chapter_progress"
    __table_args__ = (CheckConstraint("credited_ms >= 0", name="credited_nonneg"),)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"), primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapter.id"), primary_key=True)
    credited_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    furthest_position: Mapped[float] = mapped_column(default=0.0)
    completed_at: Mapped[datetime | None]
