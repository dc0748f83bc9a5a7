from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..audit import _attach
from ..db import Base


class HoursEntry(Base):
    """One registration in the hours bank (学时银行). Append-only; a correction is a new, negative entry.

    (source_type, source_ref) is unique, so the same source can never be registered twice.
    """

    __tablename__ = "hours_entry"
    __table_args__ = (
        UniqueConstraint("source_type", "source_ref", name="uq_hours_entry_source"),
        CheckConstraint("category IN ('general_public','industry_public','professional')", name="category"),
        CheckConstraint("hours <> 0", name="hours_nonzero"),
        # a person's year: their hours page, an employer's staff list, a reminder campaign's batch (migration 0029)
        Index("ix_hours_entry_person_year", "person_id", "year"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    year: Mapped[int] = mapped_column(index=True)
    category: Mapped[str] = mapped_column(String(20))
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    source_type: Mapped[str] = mapped_column(String(24))
    source_ref: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str | None] = mapped_column(String(120))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    registered_by_org: Mapped[str] = mapped_column(String(100))
    registered_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")


_attach("hours_entry")


class HoursCertificate(Base):
    """An electronic certificate for a completed year (威人社字〔2022〕2号 三), verifiable at /verify/<code>."""

    __tablename__ = "hours_certificate"
    __table_args__ = (UniqueConstraint("person_id", "year", name="uq_hours_certificate_person_year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    year: Mapped[int]
    # 128 bits from secrets, base32: cannot be guessed or enumerated.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    total_hours: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    general_public: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    industry_public: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    professional: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    policy: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[datetime]
    # The HR bureau named on the certificate when it was issued (None on certificates issued before it was kept:
    # those name the person's bureau through hours.issuer.issuing_bureau).
    issuer: Mapped[str | None] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)


class HoursSheet(Base):
    """A printed 学时登记情况表 (浙人社发〔2016〕63号 第十五条): what it showed, verifiable at /verify/<code>.

    One row per person, year and state of the data the sheet prints (`fingerprint`): printing the same data again
    gives the same sheet and code; a new registration gives a new one. The verification page compares the stored
    fingerprint with today's to say whether the year's registrations changed after the sheet was printed.
    """

    __tablename__ = "hours_sheet"
    __table_args__ = (UniqueConstraint("person_id", "year", "fingerprint", name="uq_hours_sheet_person_year_data"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    year: Mapped[int]
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 128 random bits, as certificates'
    fingerprint: Mapped[str] = mapped_column(String(64))        # sha256 of the registrations printed
    policy: Mapped[str] = mapped_column(String(32))
    issuer: Mapped[str] = mapped_column(String(100))
    total_hours: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    general_public: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    industry_public: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    professional: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    complete: Mapped[bool]
    issued_at: Mapped[datetime]
