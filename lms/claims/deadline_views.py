"""Claim deadlines on the pages: the deadline said on the filing pages, and the county HR bureau's late-filing
grants (lms/claims/deadlines.py)."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from rules import Policy, available_policies, load_policy

from ..db import get_session, transaction
from ..errors import InvalidFields, InvalidInput
from ..security import bureau_required
from .deadlines import DeadlineNotice, deadline_notice, grant_late_filing, granter_name, grants_in_scope, may_grant_late
from .views import bp


@bp.app_context_processor
def deadline_helpers() -> dict[str, Any]:
    def notice(policy: Policy) -> DeadlineNotice | None:
        return deadline_notice(policy)
    return {"claim_deadline_notice": notice}


def granters() -> list[tuple[str, str, str, str]]:
    """Each policy that lets a claim be filed late: its document, its deadline, who grants and the article."""
    out = []
    for policy_id in available_policies():
        policy = load_policy(policy_id)
        notice = deadline_notice(policy)
        if policy.late_filing is not None and notice is not None:
            out.append((policy.document, notice.text, granter_name(policy) or "", policy.late_filing.rule))
    return out


def _page(problems: dict[str, str] | None = None, values: dict[str, str] | None = None, status: int = 200) -> Any:
    s = get_session()
    may_grant = may_grant_late(s, current_user)
    return render_template("claims/late.html", grants=grants_in_scope(s, current_user), form=FlaskForm(),
                           may_grant=may_grant, granters=granters(), problems=problems or {}, values=values or {}), status


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
