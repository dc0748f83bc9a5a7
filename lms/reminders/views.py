"""Year-end reminders: the bureau schedules campaigns and sees whom they told; an employer's administrator reads the
list of its staff who are short (the link in its message)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import DateField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from .. import clock
from ..accounts.models import Person
from ..db import get_session, transaction
from ..errors import DomainError
from ..orgs.models import MEMBER_KINDS
from ..security import bureau_required, roles_required
from ..validation import Form
from .models import ReminderDelivery
from .operations import campaigns_seen, cancel_campaign, schedule_campaign, short_staff, visible_campaign

bp = Blueprint("reminders", __name__)
LIST_LIMIT = 500


class CampaignForm(Form):
    year = IntegerField("学习年度", validators=[InputRequired("请填写年度"), NumberRange(2000, 2100, "年度无效")])
    send_on = DateField("发送日期", validators=[InputRequired("请选择发送日期（如 10 月 1 日、11 月 1 日、12 月 1 日）")])
    note = TextAreaField("备注（只给本局看）", validators=[Length(max=500)])


def _page(form: CampaignForm, status: int = 200) -> Any:
    s = get_session()
    return render_template("reminders/campaigns.html", form=form, campaigns=campaigns_seen(s, current_user)), status


@bp.get("/admin/reminders")
@bureau_required
def campaigns() -> Any:
    """The year-end reminders of the bureau's territory, and the form to schedule one."""
    today = clock.china_today()
    return _page(CampaignForm(year=today.year, formdata=None))


@bp.post("/admin/reminders")
@bureau_required
def schedule() -> Any:
    """Schedule a reminder to the persons in the bureau's scope who are short on that day."""
    form = CampaignForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    s = get_session()
    try:
        with transaction():
            c = schedule_campaign(s, current_user, year=form.year.data or 0, send_on=form.send_on.data,
                                  note=form.note.data or "", ip=request.remote_addr)
    except DomainError as exc:
        form.form_errors.append(exc.message)
        return _page(form, exc.status)
    flash(f"已安排：{c.send_on.isoformat()} 提醒 {c.year} 年度学时未达标的人员及其单位", "success")
    return redirect(url_for("reminders.campaigns"))


@bp.get("/admin/reminders/<int:campaign_id>")
@bureau_required
def campaign(campaign_id: int) -> Any:
    """One campaign: its state, how many were told, and whom (with what each lacked)."""
    s = get_session()
    c = visible_campaign(s, current_user, campaign_id)
    told = s.execute(select(Person, ReminderDelivery.lacks).join(ReminderDelivery,
                                                                 ReminderDelivery.person_id == Person.id)
                     .where(ReminderDelivery.campaign_id == c.id, ReminderDelivery.kind == "practitioner")
                     .order_by(ReminderDelivery.id).limit(LIST_LIMIT)).tuples().all()
    return render_template("reminders/campaign.html", campaign=c, told=told, limit=LIST_LIMIT)


@bp.post("/admin/reminders/<int:campaign_id>/cancel")
@bureau_required
def cancel(campaign_id: int) -> Any:
    """Cancel a campaign that has not started sending."""
    s = get_session()
    c = visible_campaign(s, current_user, campaign_id)
    try:
        with transaction():
            cancel_campaign(s, current_user, c, ip=request.remote_addr)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash("已取消该提醒", "success")
    return redirect(url_for("reminders.campaign", campaign_id=campaign_id))


@bp.get("/org/reminders/<int:campaign_id>")
@roles_required(*MEMBER_KINDS)
def staff_list(campaign_id: int) -> Any:
    """The employer's current staff a year-end reminder told, and what each lacked."""
    s = get_session()
    c, rows = short_staff(s, current_user, campaign_id)
    return render_template("reminders/staff.html", campaign=c, rows=rows)
