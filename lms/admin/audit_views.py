"""The audit log pages (审计日志): read-only, filtered, paged, exported."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..accounts.models import ROLE_NAMES
from ..audit import AuditEntry
from ..db import get_session
from ..errors import InvalidInput
from ..exports import Column, export_response
from ..orgs.scope import audit_clause, scope_of
from ..security import bureau_required
from ..validation import query_int
from . import audit_log
from .audit_log import PAGE_SIZE, AuditFilterForm

bp = Blueprint("audit", __name__, url_prefix="/admin")


@bp.before_request
@bureau_required
def _readers_only() -> None:
    """HR bureau staff and supervisors read the audit log of their territory."""


def _form() -> tuple[AuditFilterForm, list[Any] | None]:
    """The filter form from the query string, and its WHERE clauses (None when the form has errors)."""
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return form, None
    s = get_session()
    # Only what the reader's scope covers (lms/orgs/scope.py), whatever the filters.
    return form, [audit_clause(scope_of(s, current_user)), *audit_log.filters(s, form)]


def _query_args(**extra: Any) -> dict[str, Any]:
    args = {k: v for k, v in request.args.items() if v and k != "page"}
    return args | extra


@bp.get("/audit")
def log() -> Any:
    """The audit trail, newest first, filtered by actor, action, date range or object."""
    s = get_session()
    form, where = _form()
    total = audit_log.count(s, where) if where is not None else 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(query_int("page", 1), pages)
    entries = s.scalars(audit_log.query(where).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all() \
        if where is not None else []
    return render_template(
        "admin/audit.html", form=form, rows=audit_log.show(s, entries), page=page, pages=pages, total=total,
        action_choices=audit_log.action_choices(), role_names=ROLE_NAMES, filtered=where is None or len(where) > 1,
        page_url=lambda n: url_for("audit.log", **_query_args(page=n)),
        export_url=url_for("audit.export", **_query_args()) if where is not None else None)


EXPORT_COLUMNS = [Column("时间", width=20), Column("操作", width=16), Column("操作人", width=12),
                  Column("操作人账号", width=24), Column("对象", width=40), Column("详情", width=80),
                  Column("IP", width=16)]


def _export_rows(s: Any, where: list[Any]) -> Iterator[list[Any]]:
    """Every entry the filters select, newest first, in chunks (one query per kind of object per chunk)."""
    last: int | None = None
    while True:
        q = audit_log.query(where)
        if last is not None:
            q = q.where(AuditEntry.id < last)
        chunk = s.scalars(q.limit(EXPORT_CHUNK)).all()
        if not chunk:
            return
        for r in audit_log.show(s, chunk):
            yield [f"{r.entry.at + clock.CHINA:%Y-%m-%d %H:%M:%S}", r.action, r.actor_name, r.actor_account,
                   r.target.label, audit_log.flat_details(r.details), r.entry.ip or ""]
        last = chunk[-1].id


EXPORT_CHUNK = 500


@bp.get("/audit.xlsx")
def export() -> Any:
    """The filtered audit log as an XLSX file (every entry the filters select, not only one page)."""
    _form_, where = _form()
    if where is None:
        raise InvalidInput("筛选条件有误，请返回审计日志页面修改后再导出")
    name = f"audit-log-{clock.china_today():%Y%m%d}"
    return export_response("xlsx", name, EXPORT_COLUMNS, _export_rows(get_session(), where), sheet="审计日志")
