"""Claim deadlines on the pages: the deadline said on the filing pages, and the county HR bureau's late-filing
grants (lms/claims/deadlines.py)."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from rules import Policy

from ..db import get_session, transaction
from ..errors import InvalidFields, InvalidInput
from ..orgs.models import Organisation
from ..security import bureau_required
from .deadlines import GRANTING_KINDS, DeadlineNotice, deadline_notice, grant_late_filing, grants_in_scope
from .views import bp


@bp.app_context_processor
def deadline_helpers() -> dict[str, Any]:
    def notice(policy: Policy) -> DeadlineNotice | None:
        return deadline_notice(policy)
    return {"claim_deadline_notice": notice}


def _page(problems: dict[str, str] | None = None, values: dict[str, str] | None = None, status: int = 200) -> Any:
    s = get_session()
    org = s.get(Organisation, current_user.org_id) if current_user.org_id else None
    may_grant = current_user.role == "bureau" and org is not None and org.kind in GRANTING_KINDS
    return render_template("claims/late.html", grants=grants_in_scope(s, current_user), form=FlaskForm(),
                           may_grant=may_grant, problems=problems or {}, values=values or {}), status


@bp.get("/claims/late-filing")
@bureau_required
def late_filing() -> Any:
    """Late filings granted in the bureau's scope, and (for a county bureau) the form to grant one."""
    return _page()


@bp.post("/claims/late-filing")
@bureau_required
def grant_late() -> Any:
    """Grant one practitioner's late filing of one claim, with the reason (the county HR bureau; audited)."""
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    values = {k: request.form.get(k, "")[:500] for k in ("id_number", "activity_end", "reason")}
    try:
        with transaction() as s:
            grant = grant_late_filing(s, current_user, values["id_number"], values["activity_end"],
                                      values["reason"], ip=request.remote_addr)
            until = grant.valid_until
    except InvalidFields as exc:
        return _page(exc.fields, values, 400)
    flash(f"已准予逾期申报，须于 {until.isoformat()} 前提交；已通知本人", "success")
    return redirect(url_for("claims.late_filing"))
