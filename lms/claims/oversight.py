"""Pages of the oversight of hours (issue 12): corrections by two clerks (item 6), findings of forged evidence
(item 7) and the random audit of approved claims (item 11). Who may do what is the operations' (and the scope's)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ..db import get_session, transaction
from ..errors import DomainError, InvalidFields, InvalidInput, NotAllowed
from ..orgs.scope import visible_person
from ..security import roles_required
from ..validation import Form
from .corrections import (
    correctable_entries,
    correction_refusal,
    corrections_for,
    decide_correction,
    file_correction,
    visible_correction,
)

bp = Blueprint("oversight", __name__)
HR_STAFF = ("bureau", "supervisor")


class CorrectionForm(Form):
    entry_id = SelectField("要更正的登记", coerce=str, validate_choice=False)
    hours = StringField("核减学时（只能核减，不能增加）", validators=[Length(max=12)])
    reason = TextAreaField("更正原因与依据", validators=[Length(max=1000)])


class CorrectionDecisionForm(Form):
    decision = SelectField("复核意见", choices=[SelectChoice("approve", "同意更正并登记"),
                                              SelectChoice("reject", "驳回")])
    reason = TextAreaField("理由（驳回时必填）", validators=[Length(max=500)])
    version = HiddenField()


@bp.get("/admin/corrections")
@roles_required(*HR_STAFF)
def corrections() -> Any:
    """The corrections of the clerk's organisation: those waiting for a second clerk first."""
    s = get_session()
    rows = corrections_for(s, current_user)
    return render_template("claims/corrections.html", rows=rows, form=CorrectionDecisionForm(),
                           refusal={c.id: correction_refusal(s, current_user, c) for c in rows})


@bp.route("/admin/people/<int:person_id>/corrections/new", methods=["GET", "POST"])
@roles_required("bureau")
def new_correction(person_id: int) -> Any:
    """File a correction that lowers one of a practitioner's registrations; another clerk approves it."""
    s = get_session()
    person = visible_person(s, current_user, person_id)
    entries = correctable_entries(s, person)
    form = CorrectionForm()
    form.entry_id.choices = [SelectChoice(str(e.id), f"{e.year} 年 · {e.title} · 现有 {left}") for e, left in entries]
    problems: dict[str, str] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            raise InvalidInput("页面已过期，请刷新后重试")
        try:
            entry_id = int(form.entry_id.data or "")
        except ValueError:
            entry_id = 0
        try:
            with transaction():
                file_correction(s, current_user, person, entry_id=entry_id, hours=form.hours.data or "",
                                reason=form.reason.data or "", ip=request.remote_addr)
        except InvalidFields as exc:
            problems = exc.fields
        except DomainError as exc:
            problems = {"form": exc.message}
        else:
            flash("更正已提交，须由本机构另一名工作人员复核后才登记", "success")
            return redirect(url_for("oversight.corrections"))
    return render_template("claims/correction_new.html", form=form, person=person, entries=entries,
                           problems=problems)


@bp.post("/admin/corrections/<int:correction_id>/decide")
@roles_required(*HR_STAFF)
def decide_correction_view(correction_id: int) -> Any:
    """Approve or reject a correction filed by another clerk of one's organisation."""
    s = get_session()
    c = visible_correction(s, current_user, correction_id)  # 404 outside the scope, before anything else
    refusal = correction_refusal(s, current_user, c)
    if refusal is not None and c.status == "pending":
        raise NotAllowed(refusal)
    form = CorrectionDecisionForm()
    if not form.validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    try:
        with transaction():
            decide_correction(s, current_user, correction_id, decision=form.decision.data or "",
                              reason=form.reason.data or "", ip=request.remote_addr)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash("已复核", "success")
    return redirect(url_for("oversight.corrections"))
