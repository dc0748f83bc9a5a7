"""The audit log pages (审计日志): read-only, filtered, paged, exported."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for

from ..db import get_session
from ..security import bureau_required
from ..validation import query_int
from . import audit_log
from .audit_log import PAGE_SIZE, AuditFilterForm

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.before_request
@bureau_required
def _readers_only() -> None:
    """Who may read the audit log (the bureau; the supervisor role of issue 11 joins here)."""


def _form() -> tuple[AuditFilterForm, list[Any] | None]:
    """The filter form from the query string, and its WHERE clauses (None when the form has errors)."""
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return form, None
    return form, audit_log.filters(get_session(), form)


def _query_args(**extra: Any) -> dict[str, Any]:
    args = {k: v for k, v in request.args.items() if v and k != "page"}
    return args | extra


@bp.get("")
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
        action_choices=audit_log.action_choices(), filtered=bool(where) or where is None,
        page_url=lambda n: url_for("audit.log", **_query_args(page=n)))
