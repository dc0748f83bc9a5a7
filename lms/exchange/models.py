"""An exchange file a bureau asked for: what it holds, who asked, how far the scheduler got with it, and where the
file is once written (lms/filestore.py)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

FORMATS = ("csv", "xlsx", "jsonl")
# pending: asked for, not yet taken; running: a scheduler run has claimed it (claimed_at); ready: written and kept;
# failed: given up, `error` says why in Chinese.
STATES = ("pending", "running", "ready", "failed")
STATE_NAMES = {"pending": "待生成", "running": "生成中", "ready": "已完成", "failed": "失败"}


class ExchangeExport(Base):
    """One export asked for: the registrations of `year` (registered on or after `since`, when given) of the persons
    in the asking bureau's scope. The POST records it pending; the scheduler's exchange job writes it (lms/exchange/
    jobs.py) into the exchange store, whose key is the file's SHA-256, and marks it ready, or failed with a reason."""

    __tablename__ = "exchange_export"
    __table_args__ = (
        CheckConstraint("fmt IN ('csv','xlsx','jsonl')", name="fmt"),
        CheckConstraint("rows >= 0", name="rows"),
        CheckConstraint("state IN ('pending','running','ready','failed')", name="state"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # Only a written export has a file, and every written one has its file, count and time.
        CheckConstraint("(state = 'ready') = (key IS NOT NULL AND rows IS NOT NULL AND finished_at IS NOT NULL)",
                        name="ready_has_file"),
        CheckConstraint("state <> 'running' OR claimed_at IS NOT NULL", name="running_claimed"),
        CheckConstraint("state <> 'failed' OR (error IS NOT NULL AND finished_at IS NOT NULL)", name="failed_says_why"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    made_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    year: Mapped[int]
    since: Mapped[date | None]
    fmt: Mapped[str] = mapped_column(String(5))
    state: Mapped[str] = mapped_column(String(8), default="pending", index=True)
    rows: Mapped[int | None]
    key: Mapped[str | None] = mapped_column(String(80))  # the file store's key: <sha256><ext>
    filename: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]                          # when it was asked for
    claimed_at: Mapped[datetime | None]                   # when the latest run took it
    attempts: Mapped[int] = mapped_column(default=0)      # runs that took it
    finished_at: Mapped[datetime | None]                  # written, or given up
    error: Mapped[str | None] = mapped_column(String(300))

    @property
    def sha256(self) -> str:
        return (self.key or "")[:64]

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    @property
    def state_name(self) -> str:
        return STATE_NAMES[self.state]
