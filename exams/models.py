"""Exam plans, sessions, bookings, waiting lists, question banks and papers (温人社发〔2020〕125号 第十条).

Times are naive UTC like everywhere else; forms and imports take China time and convert.
The rules that must hold under concurrency are said once, here, in the database:
- a session is never oversold: CHECK taken <= seats, and seats are taken only by a conditional UPDATE;
- one active booking per person and plan: a partial unique index on booking(person_id, plan_id);
- one open place per person on a waiting list: a partial unique index on waitlist(session_id, person_id);
- one paper per booking: a unique booking_id on exam_paper.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import Person
from lms.catalogue.models import Course, Enrolment
from lms.db import Base

ACTIVE_BOOKING = "status IN ('booked','checked_in')"
ACTIVE_BOOKING_STATES = ("booked", "checked_in")
BOOKING_STATES = ("booked", "cancelled", "checked_in", "absent", "finished")
QUESTION_KINDS = ("single", "multiple", "truefalse")
KIND_NAMES = {"single": "单选题", "multiple": "多选题", "truefalse": "判断题"}
DEFAULT_QUESTION_COUNT = 20  # questions on a paper unless the plan says otherwise


class ExamPlan(Base):
    """The exam plan (考试计划) of one study year and subject category."""

    __tablename__ = "exam_plan"
    __table_args__ = (
        # One plan of a year and category per organisation that runs it and region it is for: the HR bureau's (a
        # city bureau's for the city, and one for a county of it under the same document), and each industry
        # authority's for its industry public subject (温 第十一条).
        UniqueConstraint("year", "category", "owner_org_id", "region_code", name="uq_exam_plan_year_category_owner_region"),
        CheckConstraint("category IN ('general_public','industry_public','professional')", name="category"),
        CheckConstraint("pass_mark BETWEEN 1 AND 100", name="pass_mark"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("question_count > 0", name="question_count_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    category: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[int] = mapped_column(default=60)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    question_count: Mapped[int] = mapped_column(default=DEFAULT_QUESTION_COUNT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # The HR bureau that made the plan runs it: only its clerks (and those of the bureaus above it) change it and
    # assign its proctors (issue 11; 温人社发〔2020〕125号 第九条: the exam is organised by the HR bureau).
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    # The region the plan is for: that of the bureau or authority that runs it, or one a bureau chose of its
    # territory under the same document (exams.operations.plan_regions). Only practitioners of that region
    # (or below it, under the same document) may book it, on both booking paths (exams/standing.py; 属地, 温 第十条).
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    created_at: Mapped[datetime]
    sessions: Mapped[list[ExamSession]] = relationship(back_populates="plan", order_by="ExamSession.starts_at")


class ExamSession(Base):
    """One sitting (场次) at a venue (考点) with a fixed number of seats."""

    __tablename__ = "exam_session"
    __table_args__ = (
        CheckConstraint("seats > 0", name="seats_positive"),
        CheckConstraint("taken >= 0 AND taken <= seats", name="taken_within_seats"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("booking_closes_at > booking_opens_at", name="booking_window"),
        CheckConstraint("booking_state IN ('scheduled','open','closed')", name="booking_state"),
        CheckConstraint("(cancelled_at IS NULL) = (cancel_reason IS NULL)", name="cancelled_with_reason"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("exam_plan.id"), index=True)
    venue_name: Mapped[str] = mapped_column(String(100))
    venue_address: Mapped[str] = mapped_column(String(200))
    room: Mapped[str] = mapped_column(String(50))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    seats: Mapped[int]
    # Active bookings plus seats held for a waiting-list offer; changed only by conditional UPDATEs.
    taken: Mapped[int] = mapped_column(default=0)
    booking_opens_at: Mapped[datetime]
    booking_closes_at: Mapped[datetime]
    cancel_deadline: Mapped[datetime]
    # Kept in step with the clock by the exams.booking_windows job; the booking itself checks the times.
    booking_state: Mapped[str] = mapped_column(String(10), default="scheduled")
    # Optional: the venue's networks (CIDR, one per line) from which the exam may be started.
    allowed_cidrs: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    # Cancelled by the bureau before it started (exams/schedule.py): its bookings were cancelled, nobody books it.
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    plan: Mapped[ExamPlan] = relationship(back_populates="sessions")
    proctors: Mapped[list[Person]] = relationship(
        secondary="exam_proctor_assignment", order_by="Person.id", viewonly=True,
        primaryjoin="ExamSession.id == ProctorAssignment.session_id",
        secondaryjoin="Person.id == ProctorAssignment.proctor_id")

    @property
    def seats_left(self) -> int:
        return max(0, self.seats - self.taken)

    @property
    def cidr_list(self) -> list[str]:
        return [c.strip() for c in self.allowed_cidrs.replace(",", "\n").splitlines() if c.strip()]


class ProctorAssignment(Base):
    """A proctor (监考) assigned to a session by bureau staff."""

    __tablename__ = "exam_proctor_assignment"
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_session.id"), primary_key=True)
    proctor_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True, index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    assigned_at: Mapped[datetime]


class Booking(Base):
    """A booking (考试报名) of one seat, with its admission ticket (准考证) number."""

    __tablename__ = "exam_booking"
    __table_args__ = (
        CheckConstraint("status IN ('booked','cancelled','checked_in','absent','finished')", name="status"),
        Index("uq_exam_booking_one_active_per_plan", "person_id", "plan_id", unique=True,
              sqlite_where=text(ACTIVE_BOOKING), postgresql_where=text(ACTIVE_BOOKING)),
        Index("ix_exam_booking_session_status", "session_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("exam_plan.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_session.id"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    ticket_no: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="booked")
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    reminded_at: Mapped[datetime | None]
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    session: Mapped[ExamSession] = relationship()
    plan: Mapped[ExamPlan] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
    paper: Mapped[ExamPaper | None] = relationship(back_populates="booking", uselist=False)


class WaitlistEntry(Base):
    """A place in the waiting list (候补) of a full session; served strictly in id order."""

    __tablename__ = "exam_waitlist"
    __table_args__ = (
        CheckConstraint("status IN ('waiting','offered','accepted','expired','withdrawn','closed')", name="status"),
        Index("uq_exam_waitlist_one_open_place", "session_id", "person_id", unique=True,
              sqlite_where=text("status IN ('waiting','offered')"),
              postgresql_where=text("status IN ('waiting','offered')")),
        Index("ix_exam_waitlist_session_status", "session_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_session.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    created_at: Mapped[datetime]
    offered_at: Mapped[datetime | None]
    offer_expires_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    session: Mapped[ExamSession] = relationship()


class Question(Base):
    """One question of a course's bank (题库); the key (answer) never leaves the server."""

    __tablename__ = "exam_question"
    __table_args__ = (
        UniqueConstraint("course_id", "stem", name="uq_exam_question_course_stem"),
        CheckConstraint("kind IN ('single','multiple','truefalse')", name="kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    stem: Mapped[str] = mapped_column(String(500))
    options_json: Mapped[str] = mapped_column(Text)   # ["选项一", "选项二", ...]
    answer_json: Mapped[str] = mapped_column(String(40))  # sorted indexes into options, e.g. [0, 2]
    explanation: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    course: Mapped[Course] = relationship()

    @property
    def options(self) -> list[str]:
        value: list[str] = json.loads(self.options_json)
        return value

    @property
    def answer(self) -> list[int]:
        value: list[int] = json.loads(self.answer_json)
        return value


class ExamPaper(Base):
    """A candidate's paper: drawn at start, answered item by item, submitted once, graded on submit."""

    __tablename__ = "exam_paper"
    __table_args__ = (
        CheckConstraint("status IN ('open','submitted')", name="status"),
        Index("ix_exam_paper_status_deadline", "status", "deadline"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("exam_booking.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_session.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"))
    status: Mapped[str] = mapped_column(String(10), default="open")
    started_at: Mapped[datetime]
    deadline: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    submitted_by: Mapped[str | None] = mapped_column(String(10))  # 'candidate' | 'timeout'
    pass_mark: Mapped[int]
    score: Mapped[int | None]
    passed: Mapped[bool | None]
    start_ip: Mapped[str | None] = mapped_column(String(64))
    booking: Mapped[Booking] = relationship(back_populates="paper")
    items: Mapped[list[PaperItem]] = relationship(order_by="PaperItem.position", back_populates="paper")


class PaperItem(Base):
    """One question on one paper, with the shuffled order of its options and the candidate's answer."""

    __tablename__ = "exam_paper_item"
    __table_args__ = (UniqueConstraint("paper_id", "position", name="uq_exam_paper_item_position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("exam_paper.id"))
    position: Mapped[int]
    question_id: Mapped[int] = mapped_column(ForeignKey("exam_question.id"))
    option_order_json: Mapped[str] = mapped_column(String(40))  # shown option i = question option order[i]
    answer_json: Mapped[str | None] = mapped_column(String(40))  # shown indexes the candidate chose
    answered_at: Mapped[datetime | None]
    correct: Mapped[bool | None]
    paper: Mapped[ExamPaper] = relationship(back_populates="items")
    question: Mapped[Question] = relationship()

    @property
    def option_order(self) -> list[int]:
        value: list[int] = json.loads(self.option_order_json)
        return value

    @property
    def chosen(self) -> list[int]:
        value: list[int] = json.loads(self.answer_json) if self.answer_json else []
        return value

    def shown_options(self) -> list[str]:
        opts = self.question.options
        return [opts[i] for i in self.option_order]

    def as_json(self) -> dict[str, Any]:
        """The item as the candidate's browser may see it: no key."""
        return {"position": self.position, "kind": self.question.kind, "stem": self.question.stem,
                "options": self.shown_options(), "answer": self.chosen}


class OutboxMessage(Base):
    """A message to a person: shown in the app now; e-mail or SMS senders can deliver the pending ones later."""

    __tablename__ = "exam_outbox"
    __table_args__ = (UniqueConstraint("kind", "ref", name="uq_exam_outbox_kind_ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))     # reminder | waitlist_offer | result ...
    ref: Mapped[str] = mapped_column(String(80))      # what it is about; (kind, ref) makes sending idempotent
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]                  # set by a future e-mail/SMS sender
    read_at: Mapped[datetime | None]
