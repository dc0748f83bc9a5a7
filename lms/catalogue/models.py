from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base

CATEGORIES = ("general_public", "industry_public", "professional")
CHAPTER_KINDS = ("video", "pdf", "html")


class Course(Base):
    """A piece of courseware; the same course may be offered in several study years."""

    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint("category IN ('general_public','industry_public','professional')", name="category"),
        CheckConstraint("credited_hours > 0", name="hours_positive"),
        CheckConstraint("(approved_by_org_id IS NULL) = (approved_at IS NULL)", name="approved_dated"),
        CheckConstraint("(county_filed_by_org_id IS NULL) = (county_filed_at IS NULL)", name="county_filed_dated"),
        CheckConstraint("filed_at IS NULL OR (credited_hours = filed_hours AND category = filed_category)",
                        name="filed_fixed"),
        CheckConstraint("(returned_by_org_id IS NULL) = (returned_at IS NULL) AND "
                        "(returned_at IS NULL) = (return_reason IS NULL)", name="returned_dated"),
        CheckConstraint("filed_at IS NULL OR submitted_at IS NOT NULL", name="filed_submitted"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20))
    credited_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    # The organisation that publishes the course (an HR bureau, or an industry authority for its industry's
    # public subject, 温 第十一条); None for courses made before organisations existed.
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    # An industry public subject is its industry's (温 第十一条): only practitioners of that industry choose it.
    industry: Mapped[str | None] = mapped_column(String(32))
    # An authority's course is published only once the HR bureaus its policy names reviewed and filed it: the city
    # bureau (温 第十一条 会同市人力社保局; approved_*), and the county bureau too where the policy says so (桐 第九条
    # 市、县两级组织人社部门审核备案; county_filed_*). Once filed (filed_at) its credits and category are fixed
    # (核定学分和科目类别): the CHECK holds them to the values filed.
    approved_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    approved_at: Mapped[datetime | None]
    county_filed_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    county_filed_at: Mapped[datetime | None]
    filed_at: Mapped[datetime | None]
    filed_hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    filed_category: Mapped[str | None] = mapped_column(String(20))
    # The authority submits its course for review and filing (送审); a bureau of a filing level may return it with a
    # reason (退回), which ends the submission and clears the levels' filings: the authority amends and submits again.
    submitted_at: Mapped[datetime | None]
    returned_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    returned_at: Mapped[datetime | None]
    return_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    chapters: Mapped[list[Chapter]] = relationship(order_by="Chapter.position", back_populates="course")
    offerings: Mapped[list[CourseOffering]] = relationship(back_populates="course")

    @property
    def required_minutes(self) -> int:
        """Study minutes the course requires: the sum of its chapters' minutes."""
        return sum(c.study_minutes for c in self.chapters)


class CourseOffering(Base):
    """A course designated for one study year (温人社发〔2020〕125号 第七条), published or not."""

    __tablename__ = "course_offering"
    __table_args__ = (CheckConstraint("status IN ('draft','published','unpublished')", name="status"),)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    published_at: Mapped[datetime | None]
    course: Mapped[Course] = relationship(back_populates="offerings")


class Chapter(Base):
    __tablename__ = "chapter"
    __table_args__ = (
        CheckConstraint("kind IN ('video','pdf','html')", name="kind"),
        CheckConstraint("study_minutes > 0", name="minutes_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    media_key: Mapped[str] = mapped_column(String(80))   # content address in the media store
    mime: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    study_minutes: Mapped[int]
    # Incremented when the media is replaced (适时更新); recorded study time stays with the chapter.
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime]
    course: Mapped[Course] = relationship(back_populates="chapters")


class Enrolment(Base):
    """A practitioner's choice of a course in a study year (培训报名, 温人社发〔2020〕125号 第八条)."""

    __tablename__ = "enrolment"
    __table_args__ = (
        # 第八条: a course studied in an earlier year can never be chosen again — one row per person and course.
        UniqueConstraint("person_id", "course_id", name="uq_enrolment_person_course"),
        ForeignKeyConstraint(["course_id", "year"], ["course_offering.course_id", "course_offering.year"],
                             name="fk_enrolment_offering"),
        # At most per_year courses of a category per person and year where the policy limits them (温 第八条: one
        # general public course a year): the app fills year_slot with a free slot 1..per_year from the policy, NULL
        # where the policy sets no limit (威 二: as many as the 30 public hours need), and this index refuses a
        # second enrolment in the same slot — whichever process or host tries.
        Index("uq_enrolment_year_slot", "person_id", "year", "category", "year_slot", unique=True,
              sqlite_where=text("year_slot IS NOT NULL"), postgresql_where=text("year_slot IS NOT NULL")),
        CheckConstraint("year_slot IS NULL OR year_slot >= 1", name="year_slot_positive"),
        CheckConstraint("completion IN ('exam','study')", name="completion"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"))
    year: Mapped[int]
    category: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    year_slot: Mapped[int | None]
    # How the study earns its hours, from the person's policy when they chose it (rules' CourseRule.completion):
    # 'exam' — hours after the exam is passed (温 第十条), so only these enrolments may book an exam (both booking
    # paths read it); 'study' — hours registered when the study completes (桐 第八条 系统自动登分).
    completion: Mapped[str] = mapped_column(String(8), default="exam", server_default="exam")
    course: Mapped[Course] = relationship()
