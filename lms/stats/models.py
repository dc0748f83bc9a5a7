"""The statistics' summary tables, rebuilt in SQL from the hours bank by lms.stats.operations.refresh_*.

Dashboards read `stats_cell` (a few rows per employer: a city of half a million persons is ~20,000 cells) and drill
down to `stats_person_year` (one row per person and year). Both are derived data: a refresh replaces a year's rows
in one transaction, and `stats_refresh` says as of when (each page prints "数据截至 …").
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

HOURS = Numeric(10, 2)
SUMS = Numeric(14, 2)
# Where registered hours come from (hours_entry.source_type), as statistics group them.
SOURCES = ("study", "exam", "claim", "roster", "transfer", "other")
SOURCE_NAMES = {"study": "平台学习", "exam": "现场考试", "claim": "学时申报认定", "roster": "培训班名单登记",
                "transfer": "外地转入", "other": "人工登记与更正"}
SOURCE_TYPES = {"study": ("course",), "exam": ("exam",), "claim": ("claim",), "roster": ("roster",),
                "transfer": ("transfer_in",)}


class StatsPersonYear(Base):
    """One person's year as statistics count it: where they were, what they have, whether they meet their policy."""

    __tablename__ = "stats_person_year"
    __table_args__ = (
        Index("ix_stats_person_year_region", "year", "region", "industry"),
        Index("ix_stats_person_year_employer", "year", "employer_id"),
        Index("ix_stats_person_year_industry", "year", "industry"),
    )
    person_id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(32))
    industry: Mapped[str | None] = mapped_column(String(32))
    employer_id: Mapped[int | None]                  # the current employer or agency (None: none confirmed)
    policy: Mapped[str] = mapped_column(String(40))
    general_public: Mapped[Decimal] = mapped_column(HOURS)
    industry_public: Mapped[Decimal] = mapped_column(HOURS)
    professional: Mapped[Decimal] = mapped_column(HOURS)
    total: Mapped[Decimal] = mapped_column(HOURS)
    src_study: Mapped[Decimal] = mapped_column(HOURS)
    src_exam: Mapped[Decimal] = mapped_column(HOURS)
    src_claim: Mapped[Decimal] = mapped_column(HOURS)
    src_roster: Mapped[Decimal] = mapped_column(HOURS)
    src_transfer: Mapped[Decimal] = mapped_column(HOURS)
    src_other: Mapped[Decimal] = mapped_column(HOURS)
    entries: Mapped[int]
    complete: Mapped[bool]
    professional_ok: Mapped[bool]
    public_ok: Mapped[bool]


class _Tally:
    """The counts and sums a summary row keeps for its group of persons (stats_cell and stats_area alike)."""

    persons: Mapped[int]
    participants: Mapped[int]                        # persons with at least one registration this year
    complete: Mapped[int]
    professional_ok: Mapped[int]
    public_ok: Mapped[int]
    general_public: Mapped[Decimal] = mapped_column(SUMS)
    industry_public: Mapped[Decimal] = mapped_column(SUMS)
    professional: Mapped[Decimal] = mapped_column(SUMS)
    src_study: Mapped[Decimal] = mapped_column(SUMS)
    src_exam: Mapped[Decimal] = mapped_column(SUMS)
    src_claim: Mapped[Decimal] = mapped_column(SUMS)
    src_roster: Mapped[Decimal] = mapped_column(SUMS)
    src_transfer: Mapped[Decimal] = mapped_column(SUMS)
    src_other: Mapped[Decimal] = mapped_column(SUMS)


class StatsCell(_Tally, Base):
    """The persons of one year, region, industry and employer, summed."""

    __tablename__ = "stats_cell"
    __table_args__ = (
        Index("ix_stats_cell_year_region", "year", "region"),
        Index("ix_stats_cell_year_employer", "year", "employer_id"),
        CheckConstraint("complete <= persons AND participants <= persons", name="counts"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    region: Mapped[str] = mapped_column(String(32))
    industry: Mapped[str | None] = mapped_column(String(32))
    employer_id: Mapped[int | None]


class StatsArea(_Tally, Base):
    """The cells of one year, region and industry summed over their employers: what the territorial dashboards
    read when they are not narrowed to an employer (a city's 20,000 employers are ~150 rows here)."""

    __tablename__ = "stats_area"
    __table_args__ = (Index("ix_stats_area_year_region", "year", "region"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    region: Mapped[str] = mapped_column(String(32))
    industry: Mapped[str | None] = mapped_column(String(32))


class StatsClaimCell(Base):
    """Claims waiting (pending at a step, or returned to the claimant) of one region, industry and employer, by how
    long they have waited since their last filing or decision."""

    __tablename__ = "stats_claim_cell"
    __table_args__ = (CheckConstraint("status IN ('pending','returned')", name="status"),
                      Index("ix_stats_claim_cell_region", "region"))
    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(32))
    industry: Mapped[str | None] = mapped_column(String(32))
    employer_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(10))
    step: Mapped[int]                                # steps approved so far: it waits at step + 1
    waiting: Mapped[int]
    up_to_7: Mapped[int]
    up_to_30: Mapped[int]
    up_to_90: Mapped[int]
    over_90: Mapped[int]
    oldest: Mapped[datetime | None]


class StatsRefresh(Base):
    """When each part of the statistics was last rebuilt (`year` 0: the claims waiting)."""

    __tablename__ = "stats_refresh"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    refreshed_at: Mapped[datetime]
    persons: Mapped[int]
