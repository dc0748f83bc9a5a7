"""Bureau pages that change a session after it was planned: edit it, cancel it (exams.schedule)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from lms import clock
from lms.db import get_or_404, get_session, transaction
from lms.errors import DomainError
from lms.security import bureau_required

from .forms import SessionForm
from .models import ExamSession
from .operations import SessionSpec
from .schedule import cancel_session, candidates, update_session
from .views import bp, settings


class CancelSessionForm(FlaskForm):
    reason = TextAreaField("取消原因（将通知考生）", validators=[
        DataRequired("请填写取消原因，考生会收到这段说明"), Length(max=200, message="取消原因不超过 200 字")])


def _china(day: Any, t: Any) -> datetime:
    return datetime.combine(day, t) - clock.CHINA


def session_form(session: ExamSession, posted: bool) -> SessionForm:
    """The session form, filled from the request when it was posted, else from the session (in China time)."""
    if posted:
        return SessionForm()
    starts, ends = clock.china(session.starts_at), clock.china(session.ends_at)
    assert starts is not None and ends is not None
    return SessionForm(data={
        "venue_name": session.venue_name, "venue_address": session.venue_address, "room": session.room,
        "day": starts.date(), "start": starts.time(), "end": ends.time(), "seats": session.seats,
        "booking_opens": clock.china(session.booking_opens_at), "booking_closes": clock.china(session.booking_closes_at),
        "cancel_deadline": clock.china(session.cancel_deadline), "allowed_cidrs": session.allowed_cidrs})


def spec_of(form: SessionForm) -> SessionSpec:
    """The session a valid form describes (times converted from China time to UTC)."""
    return SessionSpec(venue_name=form.venue_name.data or "", venue_address=form.venue_address.data or "",
                       room=form.room.data or "", starts_at=_china(form.day.data, form.start.data),
                       ends_at=_china(form.day.data, form.end.data), seats=form.seats.data or 0,
                       booking_opens_at=form.booking_opens.data - clock.CHINA,  # type: ignore[operator]
                       booking_closes_at=form.booking_closes.data - clock.CHINA,  # type: ignore[operator]
                       cancel_deadline=form.cancel_deadline.data - clock.CHINA,  # type: ignore[operator]
                       allowed_cidrs=form.allowed_cidrs.data or "")


@bp.route("/admin/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@bureau_required
def admin_session_edit(session_id: int) -> Any:
    """Edit a session before it starts; candidates are told of a new time or place."""
    s = get_session()
    session = get_or_404(s, ExamSession, session_id)
    form = session_form(session, posted=request.method == "POST")
    if form.validate_on_submit():
        try:
            with transaction() as tx:
                change = update_session(tx, current_user, session, spec_of(form), settings(),
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
@bureau_required
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
