"""Pages of the oversight of hours (issue 12): corrections by two clerks (item 6), findings of forged evidence
(item 7) and the random audit of approved claims (item 11). Who may do what is the operations' (and the scope's)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from .. import clock
from ..db import get_session, transaction
from ..errors import DomainError, InvalidFields, InvalidInput, NotAllowed, NotFound
from ..orgs.scope import visible_person
from ..security import roles_required
from ..validation import Form
from .audits import (
    ITEM_OUTCOMES,
    audits_for,
    confirm_item,
    draw_audit,
    items_of,
    parse_draw,
    population_of,
    visible_audit,
)
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
# Who may record a finding of forged evidence: the claim's reviewers and the HR bureau (findings.may_record_finding).
FINDERS = ("employer", "agency", "authority", "bureau")
# Who may read a finding: whoever sees the claim (its claimant, its reviewers, the HR bureau and supervisors).
FINDING_READERS = ("practitioner", *FINDERS, "supervisor")


@bp.app_context_processor
def _sanctions() -> dict[str, Any]:
    """Templates of other domains ask about findings and sanctions without importing this one's operations."""
    from .findings import finding_of, may_record_finding, sanctioned_ids, sanctions_of

    def may_find(claim: Any) -> bool:
        return bool(current_user.is_authenticated) and may_record_finding(get_session(), current_user, claim)

    return {"sanctions_of": lambda person_id: sanctions_of(get_session(), person_id),
            "sanctioned_ids": lambda ids: sanctioned_ids(get_session(), ids),
            "finding_of": lambda claim_id: finding_of(get_session(), claim_id), "may_find": may_find}


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


# ---- findings of forged evidence (item 7) --------------------------------------------------------------------

class FindingForm(Form):
    finding = TextAreaField("查实情况与依据", validators=[Length(max=2000)])


@bp.post("/claims/<int:claim_id>/finding")
@roles_required(*FINDERS)
def finding(claim_id: int) -> Any:
    """Record that the claim's evidence was forged or false (温 第十五条, 浙 第十六条): rejected or reversed, and the
    sanction the policy imposes."""
    from .findings import record_finding
    from .operations import visible_claim
    from .web import uploads
    s = get_session()
    visible_claim(s, current_user, claim_id)  # 404 outside the scope, before anything else is said
    form = FindingForm()
    if not form.validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    try:
        with transaction():
            row = record_finding(s, current_user, claim_id, finding=form.finding.data or "",
                                 files=list(uploads("evidence")), ip=request.remote_addr)
    except InvalidFields as exc:
        for message in exc.fields.values():
            flash(message, "error")
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(f"已记录查实情况：{row.outcome_name}", "success")
    return redirect(url_for("claims.claim", claim_id=claim_id))


@bp.get("/claims/<int:claim_id>/finding/evidence")
@roles_required(*FINDING_READERS)
def finding_evidence(claim_id: int) -> Any:
    """The evidence file of a finding, for whoever sees the claim: a download, never cached or sniffed."""
    from .findings import visible_finding
    from .operations import evidence_store
    row = visible_finding(get_session(), current_user, claim_id)
    if row.evidence_key is None:
        raise NotFound()
    resp = evidence_store().send(row.evidence_key, mimetype=row.evidence_mime, as_attachment=True,
                                 download_name=row.evidence_filename or "evidence", conditional=False, etag=False,
                                 max_age=0)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "no-store, private"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


# ---- the random audit (item 11) --------------------------------------------------------------------------------

class DrawForm(Form):
    year = StringField("年度", validators=[Length(max=4)])
    percent = StringField("抽查比例（%）", validators=[Length(max=8)])
    seed = StringField("随机种子（留空则随机生成；填入以前的种子可复现样本）", validators=[Length(max=20)])


@bp.route("/claims/audits", methods=["GET", "POST"])
@roles_required(*HR_STAFF)
def audits() -> Any:
    """The bureau's random audits of approved claims, and a new draw."""
    s = get_session()
    form = DrawForm(year=str(clock.study_year() - 1), percent="10")
    problems: dict[str, str] = {}
    if request.method == "POST":
        if current_user.role != "bureau":
            raise NotAllowed("您的账号只能查看")
        if not form.validate_on_submit():
            raise InvalidInput("页面已过期，请刷新后重试")
        try:
            year, percent, seed = parse_draw(form.year.data or "", form.percent.data or "", form.seed.data or "")
            with transaction():
                a = draw_audit(s, current_user, year=year, percent=percent, seed=seed, ip=request.remote_addr)
        except InvalidFields as exc:
            problems = exc.fields
        except DomainError as exc:
            problems = {"form": exc.message}
        else:
            flash(f"已从 {a.population} 项中抽取 {a.sample_size} 项（随机种子 {a.seed}）", "success")
            return redirect(url_for("oversight.audit", audit_id=a.id))
    year = clock.study_year() - 1
    return render_template("claims/audits.html", rows=audits_for(s, current_user), form=form, problems=problems,
                           population=len(population_of(s, current_user, year)) if current_user.role == "bureau"
                           else None, year=year)


@bp.get("/claims/audits/<int:audit_id>")
@roles_required(*HR_STAFF)
def audit(audit_id: int) -> Any:
    """One draw: its seed and population, each sampled claim and the outcome of its re-check."""
    s = get_session()
    a = visible_audit(s, current_user, audit_id)
    items = items_of(s, a)
    mine = current_user.role == "bureau" and current_user.org_id == a.org_id
    return render_template("claims/audit.html", audit=a, items=items, mine=mine, outcomes=ITEM_OUTCOMES,
                           counts={k: sum(1 for i, _ in items if i.outcome == k) for k in ITEM_OUTCOMES})


@bp.post("/claims/audits/<int:audit_id>/items/<int:item_id>/confirm")
@roles_required(*HR_STAFF)
def confirm(audit_id: int, item_id: int) -> Any:
    """Record that a sampled claim was re-checked and stands."""
    s = get_session()
    visible_audit(s, current_user, audit_id)  # 404 outside the scope, before anything else
    if not FindingForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    try:
        with transaction():
            confirm_item(s, current_user, audit_id, item_id, note=request.form.get("note", ""),
                         ip=request.remote_addr)
    except DomainError as exc:
        if exc.status == 403:
            raise
        flash(exc.message, "error")
    else:
        flash("已记录：复查无误", "success")
    return redirect(url_for("oversight.audit", audit_id=audit_id))
