"""An exchange file a bureau prepared: what it holds, who made it, and where the file is (lms/filestore.py)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

FORMATS = ("csv", "xlsx", "jsonl")


class ExchangeExport(Base):
    """One prepared export: the registrations of `year` (registered on or after `since`, when given) of the persons
    in the preparing bureau's scope, as a file in the exchange store whose key is its SHA-256."""

    __tablename__ = "exchange_export"
    __table_args__ = (
        CheckConstraint("fmt IN ('csv','xlsx','jsonl')", name="fmt"),
        CheckConstraint("rows >= 0", name="rows"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    made_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    year: Mapped[int]
    since: Mapped[date | None]
    fmt: Mapped[str] = mapped_column(String(5))
    rows: Mapped[int]
    key: Mapped[str] = mapped_column(String(80))       # the file store's key: <sha256><ext>
    filename: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]

    @property
    def sha256(self) -> str:
        return self.key[:64]
