"""Append-only audit trail of administrative actions (温人社发〔2020〕125号 第十六条: every action attributable)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import DDL, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import clock
from .db import Base


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    ip: Mapped[str | None] = mapped_column(String(64))

    @property
    def detail_dict(self) -> dict[str, Any]:
        return json.loads(self.detail or "{}")


def record(s: Session, actor: Any, action: str, target: Any, ip: str | None = None, **detail: Any) -> AuditEntry:
    """Append an audit entry for an action on target (a mapped object or a (type, id) pair)."""
    if isinstance(target, tuple):
        ttype, tid = target
    else:
        ttype, tid = type(target).__name__, getattr(target, "id", None)
    entry = AuditEntry(
        at=clock.now(), actor_id=getattr(actor, "id", actor), action=action, target_type=str(ttype),
        target_id=str(tid), detail=json.dumps(detail, ensure_ascii=False, default=str), ip=ip,
    )
    s.add(entry)
    return entry


# Append-only in the database itself, on both engines: nobody, not even the app, may edit history.
APPEND_ONLY_TABLES = ("audit_log", "hours_entry")


def append_only_ddl(table: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION xst_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION USING MESSAGE = 'append-only table ' || TG_TABLE_NAME || ': ' || TG_OP || ' refused'; "
            "END $$",
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION xst_append_only()",
        ]
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: UPDATE refused'); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: DELETE refused'); END",
    ]


def _attach(table_name: str) -> None:
    def after_create(target: Any, connection: Any, **_kw: Any) -> None:
        for stmt in append_only_ddl(table_name, connection.dialect.name):
            connection.execute(DDL(stmt))
    event.listen(Base.metadata.tables[table_name], "after_create", after_create)


_attach("audit_log")
