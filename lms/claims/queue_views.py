"""The reviewer's queue page and batch approval (lms/claims/queues.py), and the queue's summary on reviewers' home
pages."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from ..db import get_session, transaction
from ..errors import InvalidInput
from ..orgs.scope import scope_of
from ..security import roles_required
from ..validation import INT_MAX, query_int
from .queues import Queue, QueueFilter, approve_many, queue_for
from .views import REVIEWER_ROLES, bp


def _filter() -> QueueFilter:
    kind = request.args.get("kind", "").strip()[:40] or None
    return QueueFilter(kind=kind, year=query_int("year", 0, 0, 2100) or None,
                       employer_id=query_int("employer", 0, 0, INT_MAX) or None)


@bp.get("/claims/review")
@roles_required(*REVIEWER_ROLES)
def queue() -> Any:
    """The claims waiting at the reviewer's step of their chain, within their scope, oldest first, with how long
    each has waited, a page at a time; filters by kind, year and employer; a selection can be approved at once."""
    filt = _filter()
    q = queue_for(get_session(), current_user, filt, page=query_int("page", 1, 1, INT_MAX))
    return render_template("claims/queue.html", queue=q, filt=filt, form=FlaskForm(),
                           page_url=lambda n: url_for("claims.queue", kind=filt.kind, year=filt.year,
                                                      employer=filt.employer_id, page=n))


@bp.post("/claims/review/approve")
@roles_required(*REVIEWER_ROLES)
def approve_selected() -> Any:
    """Approve the ticked claims at the reviewer's step, each on its own: one that changed meanwhile is reported
    and left as it is, the others are approved."""
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    picks: list[tuple[int, int]] = []
    for value in request.form.getlist("pick")[:1000]:
        claim_id, _, version = value.partition(":")
        if not (claim_id.isdigit() and version.isdigit()) or len(claim_id) > 10 or len(version) > 10:
            raise InvalidInput("勾选的申报无效，请刷新后重试")
        picks.append((int(claim_id), int(version)))
    s = get_session()
    with transaction():
        outcomes = approve_many(s, current_user, picks, ip=request.remote_addr)
    done = sum(o.ok for o in outcomes)
    flash(f"批量审核：{done} 项已通过" + (f"，{len(outcomes) - done} 项未处理（见下）" if done < len(outcomes) else ""),
          "success" if done == len(outcomes) else "warning")
    for o in outcomes:
        flash(f"{o.title}：{o.message}", "success" if o.ok else "error")
    args = {k: v for k, v in request.args.items() if k in ("kind", "year", "employer")}
    return redirect(url_for("claims.queue", **args))


@bp.app_context_processor
def waiting_claims() -> dict[str, Any]:
    """claims_waiting(): the reviewer's queue (for the summary on their home page), None for everyone else."""
    def summary() -> Queue | None:
        if not current_user.is_authenticated or current_user.role not in REVIEWER_ROLES:
            return None
        s = get_session()
        if not scope_of(s, current_user).writable:
            return None
        return queue_for(s, current_user, listed=False)
    return {"claims_waiting": summary}
