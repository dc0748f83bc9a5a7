"""Bureau pages that change a session after it was planned: edit it, cancel it (exams.schedule)."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms import clock
from lms.db import get_or_404, get_session, transaction
from lms.errors import DomainError

from .forms import CancelSessionForm, SessionForm
from .models import ExamSession
from .schedule import cancel_session, candidates, update_session
from .views import bp, exam_staff_required, settings


def session_form(session: ExamSession, posted: bool) -> SessionForm:
    """The session form, filled from the request when it was posted, else from the session."""
    return SessionForm() if posted else SessionForm.of(session)


@bp.route("/admin/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@exam_staff_required
def admin_session_edit(session_id: int) -> Any:
    """Edit a session before it starts; candidates are told of a new time or place."""
    s = get_session()
    session = get_or_404(s, ExamSession, session_id)
    form = session_form(session, posted=request.method == "POST")
    if form.validate_on_submit():
        try:
            with transaction() as tx:
                change = update_session(tx, current_user, session, form.spec(), settings(),
                                        ip=request.remote_addr)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            if not change.changed:
                flash("没有修改任何内容", "info")
            else:
                flash("场次已修改：" + "、".join(change.changed) + (f"；已通知 {change.told} 名考生" if change.told else ""),
                      "success")
            return redirect(url_for("exams.admin_session", session_id=session.id))
    return render_template("exams/admin_session_edit.html", session=session, form=form,
                           cancel_form=CancelSessionForm(formdata=None), affected=len(candidates(s, session)),
                           now=clock.now())


@bp.post("/admin/sessions/<int:session_id>/cancel")
@exam_staff_required
def admin_session_cancel(session_id: int) -> Any:
    """Cancel a session before it starts: bookings cancelled, waiting list closed, every candidate told."""
    s = get_session()
    session = get_or_404(s, ExamSession, session_id)
    form = CancelSessionForm()
    if form.validate_on_submit():
        try:
            with transaction() as tx:
                told = cancel_session(tx, current_user, session, form.reason.data or "", ip=request.remote_addr)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash(f"场次已取消，已通知 {told} 名考生" if told else "场次已取消（没有考生需要通知）", "success")
            return redirect(url_for("exams.admin_plan", plan_id=session.plan_id))
    return render_template("exams/admin_session_edit.html", session=session, form=session_form(session, False),
                           cancel_form=form, affected=len(candidates(s, session)), now=clock.now()), 400
