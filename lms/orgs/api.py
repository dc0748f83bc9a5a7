"""JSON API of organisations under /api/v1 (docs/api.md): what a practitioner and an employer's administrator do."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from sqlalchemy import func, or_, select

from .. import clock
from ..db import get_session, transaction
from ..errors import InvalidInput, NotFound
from ..security import limiter, practitioner_required, roles_required
from ..validation import id_field, json_object
from .models import MEMBER_KINDS, Employment, Organisation
from .operations import (
    REGISTERING_KINDS,
    apply_to_org,
    confirm_employment,
    current_employment,
    decline_employment,
    describe,
    history,
    may_resubmit,
    open_application,
    org_employment,
    register_employer,
    registration_history,
    resubmit_registration,
    waiting_applications,
    withdraw_application,
)
from .scope import own_org
from .staff import staff_rows

bp = Blueprint("orgs_api", __name__, url_prefix="/api/v1")
member_required = roles_required(*MEMBER_KINDS)
registered_required = roles_required(*REGISTERING_KINDS)


def _employment(e: Employment | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {"id": e.id, "org": describe(e.org), "status": e.status, "status_name": e.status_name,
            "applied_at": f"{clock.china(e.applied_at):%Y-%m-%dT%H:%M:%S}+08:00",
            "started_on": e.started_on.isoformat() if e.started_on else None,
            "ended_on": e.ended_on.isoformat() if e.ended_on else None, "reason": e.reason}


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise InvalidInput(f"{key} 应为字符串")
    return value


@bp.get("/me/employment")
@practitioner_required
def my_employment() -> Any:
    """The practitioner's current employer, open application and history."""
    s = get_session()
    return jsonify(current=_employment(current_employment(s, current_user)),
                   application=_employment(open_application(s, current_user)),
                   unmatched_employer=current_user.employer,
                   history=[_employment(e) for e in history(s, current_user)])


@bp.get("/employers")
@practitioner_required
def employers() -> Any:
    """Approved employers and agencies whose name contains q, or whose USCC is q (at most 20)."""
    q = (request.args.get("q") or "").strip()
    if not 2 <= len(q) <= 50:
        raise InvalidInput("请提供 2–50 个字的查询词 q（单位名称或统一社会信用代码）")
    rows = get_session().scalars(select(Organisation).where(
        Organisation.kind.in_(MEMBER_KINDS), Organisation.status == "approved", Organisation.disabled.is_(False),
        or_(Organisation.name.contains(q, autoescape=True), Organisation.uscc == q.upper()))
        .order_by(Organisation.name).limit(20))
    return jsonify(employers=[describe(o) for o in rows])


@bp.post("/me/employment/applications")
@practitioner_required
def apply() -> Any:
    """Apply to an approved employer or agency (its administrator confirms)."""
    org_id = id_field(json_object(), "org_id")
    with transaction() as s:
        org = s.get(Organisation, org_id)
        if org is None:
            raise NotFound("没有找到该单位")
        out = _employment(apply_to_org(s, current_user, org, ip=request.remote_addr))
    return jsonify(out), 201


@bp.post("/me/employment/applications/withdraw")
@practitioner_required
def withdraw() -> Any:
    """Withdraw the open application."""
    with transaction() as s:
        out = _employment(withdraw_application(s, current_user, ip=request.remote_addr))
    return jsonify(out)


@bp.get("/org")
@member_required
def org() -> Any:
    """The administrator's organisation, with the count of applications waiting."""
    s = get_session()
    o = own_org(s, current_user)
    waiting = s.scalar(select(func.count()).select_from(Employment).where(
        Employment.org_id == o.id, Employment.status == "applied")) or 0
    return jsonify(org=describe(o) | {"may_confirm": o.may_act, "decision_reason": o.decision_reason},
                   applications_waiting=waiting)


@bp.get("/org/applications")
@member_required
def applications() -> Any:
    """Applications waiting for the organisation's confirmation."""
    s = get_session()
    o = own_org(s, current_user)
    return jsonify(applications=[_employment(e) | {"person": {
        "id": p.id, "name": p.name, "id_number": p.masked_id_number, "mobile": p.masked_mobile,
        "industry": p.industry}} for e, p in waiting_applications(s, o)])


@bp.post("/org/applications/<int:employment_id>/confirm")
@member_required
def confirm(employment_id: int) -> Any:
    """Confirm an applicant (409 when already decided)."""
    with transaction() as s:
        out = _employment(confirm_employment(s, current_user, org_employment(s, current_user, employment_id),
                                             ip=request.remote_addr))
    return jsonify(out)


@bp.post("/org/applications/<int:employment_id>/decline")
@member_required
def decline(employment_id: int) -> Any:
    """Decline an applicant with a reason (2–200 characters) the applicant reads."""
    with transaction() as s:
        employment = org_employment(s, current_user, employment_id)  # another organisation's application is 404 first
        reason = _text(json_object(), "reason")
        out = _employment(decline_employment(s, current_user, employment, reason, ip=request.remote_addr))
    return jsonify(out)


@bp.get("/org/staff")
@member_required
def staff() -> Any:
    """The organisation's current staff with this year's hours (decimal strings, two places)."""
    s = get_session()
    o = own_org(s, current_user)
    year = clock.study_year()
    return jsonify(year=year, staff=[{
        "person": {"id": r.person.id, "name": r.person.name, "id_number": r.person.masked_id_number},
        "employment_id": r.employment.id, "since": r.employment.started_on.isoformat() if r.employment.started_on
        else None, "hours": f"{r.total:.2f}", "required": f"{r.required:.2f}", "short": f"{r.short:.2f}",
        "complete": r.complete,
        # 桐人社发〔2018〕26号 第十四条: the employer puts the credits into the annual review
        "last_year_consequences": [{"kind": c.kind, "text": c.text, "rule": c.rule}
                                   for c in (r.prior.standing.consequences if r.prior.standing else ())]}
        for r in staff_rows(s, o.id, year)])


@bp.post("/orgs/register")
@limiter.limit(lambda: str(current_app.config["PUBLIC_RATE_LIMIT"]))
def register() -> Any:
    """Register an employer, agency or training organiser (kind employer, agency or organiser; an organiser gives no
    industry) with its first administrator; it waits for approval. Every invalid field is reported at once (400
    `invalid_input` with `fields`)."""
    data = json_object()
    keys = ("uscc", "name", "region_code", "industry", "contact_phone", "admin_name", "admin_id_number",
            "admin_mobile", "username", "password")
    kind = _text(data, "kind") or "employer"
    with transaction() as s:
        org = register_employer(s, kind=kind, ip=request.remote_addr, **{k: _text(data, k) for k in keys})
        out = describe(org)
    return jsonify(out), 201


def _registration(o: Organisation) -> dict[str, Any]:
    s = get_session()
    return describe(o) | {
        "contact_phone": o.contact_phone, "submission": o.submission, "decision_reason": o.decision_reason,
        "may_resubmit": may_resubmit(current_user, o),
        "history": [{"at": f"{clock.china(h['at']):%Y-%m-%dT%H:%M:%S}+08:00", "action": h["action"],
                     "action_name": h["action_name"], "by": h["by"], "reason": h["reason"], "note": h["note"],
                     "changed": h["changed"]} for h in registration_history(s, o)]}


@bp.get("/org/registration")
@registered_required
def registration() -> Any:
    """The administrator's organisation's registration: status, the reason of a rejection, whether it may be
    resubmitted, and the history of submissions and decisions."""
    return jsonify(_registration(own_org(get_session(), current_user)))


@bp.post("/org/registration")
@registered_required
def resubmit() -> Any:
    """Correct a rejected registration and submit it again (kind, uscc, name, region_code, industry,
    contact_phone as at registration, and a note of 2–200 characters for the clerk); it waits for the HR bureau of
    its county again. 409 unless rejected; 400 `invalid_input` with `fields` for every invalid field at once."""
    with transaction() as s:
        o = own_org(s, current_user)
        data = json_object()
        keys = ("uscc", "name", "region_code", "industry", "contact_phone", "note")
        resubmit_registration(s, current_user, o, kind=_text(data, "kind") or o.kind, ip=request.remote_addr,
                              **{k: _text(data, k) for k in keys})
        out = _registration(o)
    return jsonify(out)
