from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
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
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
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
