"""JSON API of the oversight of hours under /api/v1 (docs/api.md; issue 12 items 5, 6, 7 and 11): the county HR
bureau's late-filing grants, corrections by two clerks, findings of forged evidence and what a person reads of them,
and the random audit of approved claims. Each call is the page's (deadline_views.py, oversight.py): the same role
check, the object looked up through the scope first (404 outside it), then the same operation, which checks the
rest and writes the audit entry."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import Person
from ..api.hours import iso, standing_json
from ..db import get_session, transaction
from ..errors import InvalidFields, NotAllowed
from ..orgs.scope import visible_person
from ..security import bureau_required, roles_required
from ..validation import json_object
from . import audits as sampling
from . import corrections as hand
from .audits import ClaimAudit, ClaimAuditItem
from .corrections import HoursCorrection
from .deadlines import grant_late_filing, grants_in_scope
from .findings import ClaimFinding, PersonSanction, record_finding, sanctions_of, visible_finding
from .grants import LateFilingGrant
from .models import HourClaim
from .operations import visible_claim
from .oversight import FINDERS, FINDING_READERS, HR_STAFF
from .web import uploads

bp = Blueprint("oversight_api", __name__, url_prefix="/api/v1")


def _hours(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _texts(data: dict[str, Any], names: tuple[str, ...], limit: int = 2000, numbers: bool = False) -> dict[str, str]:
    """The named fields of a JSON body as the page's form would post them: strings ('' when absent), integers too
    when numbers; every field of the wrong type or too long is refused at once, by name."""
    out: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name in names:
        value = data.get(name)
        if value is None:
            out[name] = ""
        elif isinstance(value, str) and len(value) <= limit:
            out[name] = value
        elif numbers and isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**20:
            out[name] = str(value)
        elif isinstance(value, str):
            problems[name] = f"至多 {limit} 字"
        else:
            problems[name] = "应为字符串或整数" if numbers else "应为字符串"
    if problems:
        raise InvalidFields(problems)
    return out


def _optional_object() -> dict[str, Any]:
    """A JSON object body that may be left out (an empty body is {})."""
    return json_object() if request.get_data(cache=True) else {}


def _person(p: Person) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "id_number": p.masked_id_number}


# ---- late filing granted by the county HR bureau (桐人社发〔2018〕26号 第十三条; issue 12 item 5) -------------------

def _grant(g: LateFilingGrant, p: Person) -> dict[str, Any]:
    return {"id": g.id, "person": _person(p), "activity_end": g.activity_end.isoformat(), "reason": g.reason,
            "org_name": g.org_name, "granted_at": iso(g.granted_at), "valid_until": g.valid_until.isoformat(),
            "claim_id": g.claim_id, "used_at": iso(g.used_at)}


@bp.get("/claims/late-filing")
@bureau_required
def late_filings() -> Any:
    """The late filings granted in my scope, newest first."""
    return jsonify(grants=[_grant(g, p) for g, p in grants_in_scope(get_session(), current_user)])


@bp.post("/claims/late-filing")
@bureau_required
def grant_late() -> Any:
    """Grant one practitioner's late filing of one claim, with the reason (the county HR bureau; audited, and the
    practitioner is told). Who may grant is the operation's: it is asked before the body is read."""
    raw = request.get_json(silent=True) if request.is_json else None
    data = raw if isinstance(raw, dict) else {}
    values = _texts(data, ("id_number", "activity_end", "reason"), limit=500)
    with transaction() as s:
        grant = grant_late_filing(s, current_user, values["id_number"], values["activity_end"], values["reason"],
                                  ip=request.remote_addr)
        person = s.get(Person, grant.person_id)
        assert person is not None
        out = _grant(grant, person)
    return jsonify(out), 201


# ---- corrections by two clerks (issue 12 item 6) ----------------------------------------------------------------

def _correction(s: Session, c: HoursCorrection) -> dict[str, Any]:
    refusal = hand.correction_refusal(s, current_user, c)
    return {"id": c.id, "person_id": c.person_id, "entry_id": c.entry_id, "year": c.year, "category": c.category,
            "hours": _hours(c.hours), "reason": c.reason, "org_name": c.org_name, "filed_by_id": c.filed_by_id,
            "filed_at": iso(c.filed_at), "status": c.status, "status_name": c.status_name,
            "decided_by_id": c.decided_by_id, "decided_at": iso(c.decided_at), "decision_reason": c.decision_reason,
            "may_decide": refusal is None, "refusal": refusal}


@bp.get("/corrections")
@roles_required(*HR_STAFF)
def corrections() -> Any:
    """The corrections of my organisation: those waiting for a second clerk first, then the latest."""
    s = get_session()
    return jsonify(corrections=[_correction(s, c) for c in hand.corrections_for(s, current_user)])


@bp.get("/people/<int:person_id>/corrections")
@roles_required("bureau")
def correctable(person_id: int) -> Any:
    """A practitioner's registrations that a correction may lower, each with what is left of it."""
    s = get_session()
    person = visible_person(s, current_user, person_id)
    return jsonify(person=_person(person), entries=[{
        "entry_id": e.id, "year": e.year, "category": e.category, "title": e.title, "hours": _hours(e.hours),
        "remaining": _hours(left), "rule": e.rule, "registered_by_org": e.registered_by_org,
        "registered_at": iso(e.registered_at)} for e, left in hand.correctable_entries(s, person)])


@bp.post("/people/<int:person_id>/corrections")
@roles_required("bureau")
def file_correction_call(person_id: int) -> Any:
    """File a correction lowering one of a practitioner's registrations; it waits for another clerk (audited)."""
    s = get_session()
    person = visible_person(s, current_user, person_id)  # 404 outside the scope, before anything else is said
    data = json_object()
    entry_id = data.get("entry_id")
    if not isinstance(entry_id, int) or isinstance(entry_id, bool):
        raise InvalidFields({"entry_id": "请选择要更正的一条学时登记（entry_id，整数）"})
    values = _texts(data, ("hours", "reason"), limit=1000, numbers=True)
    with transaction():
        c = hand.file_correction(s, current_user, person, entry_id=entry_id, hours=values["hours"],
                                 reason=values["reason"], ip=request.remote_addr)
        out = _correction(s, c)
    return jsonify(out), 201


@bp.post("/corrections/<int:correction_id>/decision")
@roles_required(*HR_STAFF)
def decide_correction_call(correction_id: int) -> Any:
    """Approve (the compensating entry is written) or reject with a reason a correction another clerk of my
    organisation filed (audited)."""
    s = get_session()
    c = hand.visible_correction(s, current_user, correction_id)  # 404 outside the scope, before anything else
    refusal = hand.correction_refusal(s, current_user, c)
    if refusal is not None and c.status == "pending":
        raise NotAllowed(refusal)
    values = _texts(json_object(), ("decision", "reason"), limit=500)
    with transaction():
        c = hand.decide_correction(s, current_user, correction_id, decision=values["decision"],
                                   reason=values["reason"], ip=request.remote_addr)
        out = _correction(s, c)
    return jsonify(out)


# ---- findings of forged evidence (温人社发〔2020〕125号 第十五条, 浙人社发〔2016〕63号 第十六条; issue 12 item 7) -------

def _finding(f: ClaimFinding) -> dict[str, Any]:
    evidence = None if f.evidence_key is None else {
        "filename": f.evidence_filename, "mime": f.evidence_mime, "size": f.evidence_size,
        "url": url_for("oversight.finding_evidence", claim_id=f.claim_id)}
    return {"id": f.id, "claim_id": f.claim_id, "person_id": f.person_id, "finding": f.finding,
            "outcome": f.outcome, "outcome_name": f.outcome_name, "reversed_hours": _hours(f.reversed_hours),
            "org_name": f.org_name, "at": iso(f.at), "evidence": evidence}


def _sanction(x: PersonSanction) -> dict[str, Any]:
    return {"id": x.id, "kind": x.kind, "kind_name": x.kind_name, "text": x.text, "rule": x.rule,
            "claim_title": x.claim_title, "actor_name": x.actor_name, "org_name": x.org_name, "at": iso(x.at)}


@bp.post("/claims/<int:claim_id>/finding")
@roles_required(*FINDERS)
def record_finding_call(claim_id: int) -> Any:
    """Record that a claim's evidence was forged or false (multipart/form-data: finding, at most one evidence
    file): rejected, or reversed by a compensating entry, and the sanction the policy imposes (audited)."""
    s = get_session()
    visible_claim(s, current_user, claim_id)  # 404 outside the scope, before anything else is said
    finding = request.form.get("finding", "")
    with transaction():
        row = record_finding(s, current_user, claim_id, finding=finding, files=list(uploads("evidence")),
                             ip=request.remote_addr)
        out = _finding(row)
    return jsonify(out), 201


@bp.get("/claims/<int:claim_id>/finding")
@roles_required(*FINDING_READERS)
def claim_finding(claim_id: int) -> Any:
    """The finding recorded on a claim, for whoever sees the claim; 404 when there is none."""
    return jsonify(_finding(visible_finding(get_session(), current_user, claim_id)))


@bp.get("/me/sanctions")
@roles_required("practitioner")
def my_sanctions() -> Any:
    """The sanctions recorded on me and the findings on my claims, oldest first, each with its article."""
    s = get_session()
    found = s.scalars(select(ClaimFinding).where(ClaimFinding.person_id == current_user.id)
                      .order_by(ClaimFinding.at, ClaimFinding.id))
    return jsonify(sanctions=[_sanction(x) for x in sanctions_of(s, current_user.id)],
                   findings=[_finding(f) for f in found])


@bp.get("/people/<int:person_id>/standing")
@roles_required(*HR_STAFF, "authority", "employer", "agency")
def person_standing_call(person_id: int) -> Any:
    """A practitioner's standing for the last completed year (?title_years=, 浙人社发〔2016〕63号 第十六条: HR chooses
    the years a title application covers) and the sanctions recorded on them: for HR, the industry authority and
    the employer whose scope covers them."""
    s = get_session()
    person = visible_person(s, current_user, person_id)
    return jsonify(person=_person(person), standing=standing_json(s, person),
                   sanctions=[_sanction(x) for x in sanctions_of(s, person.id)])


# ---- the random audit of approved claims (issue 12 item 11) ----------------------------------------------------

def _audit(a: ClaimAudit) -> dict[str, Any]:
    # The seed is a string: up to 2⁶², more than a JavaScript number holds exactly, and it must reproduce the sample.
    return {"id": a.id, "org_name": a.org_name, "year": a.year, "percent": _hours(a.percent), "seed": str(a.seed),
            "population": a.population, "population_digest": a.population_digest, "sample_size": a.sample_size,
            "drawn_by_id": a.drawn_by_id, "drawn_at": iso(a.drawn_at),
            "mine": current_user.role == "bureau" and current_user.org_id == a.org_id}


def _item(i: ClaimAuditItem, c: HourClaim) -> dict[str, Any]:
    return {"id": i.id, "claim_id": c.id, "person_id": c.person_id, "title": c.title, "kind_label": c.kind_label,
            "credited_hours": _hours(c.credited_hours), "outcome": i.outcome, "outcome_name": i.outcome_name,
            "finding_id": i.finding_id, "note": i.note, "decided_by_id": i.decided_by_id,
            "decided_at": iso(i.decided_at)}


def _audit_with_items(s: Session, a: ClaimAudit) -> dict[str, Any]:
    items = sampling.items_of(s, a)
    counts = {k or "pending": sum(1 for i, _ in items if i.outcome == k) for k in sampling.ITEM_OUTCOMES}
    return _audit(a) | {"counts": counts, "items": [_item(i, c) for i, c in items]}


@bp.get("/claims/audits")
@roles_required(*HR_STAFF)
def audits() -> Any:
    """The random audits of my bureau and the bureaus below it, newest first."""
    return jsonify(audits=[_audit(a) for a in sampling.audits_for(get_session(), current_user)])


@bp.post("/claims/audits")
@roles_required("bureau")
def draw() -> Any:
    """Draw a reproducible sample of a year's approved claims in my scope ({"year", "percent", "seed"?}; the same
    seed over the same claims draws the same sample; audited)."""
    values = _texts(json_object(), ("year", "percent", "seed"), limit=20, numbers=True)
    year, percent, seed = sampling.parse_draw(values["year"], values["percent"], values["seed"])
    with transaction() as s:
        a = sampling.draw_audit(s, current_user, year=year, percent=percent, seed=seed, ip=request.remote_addr)
        out = _audit_with_items(s, a)
    return jsonify(out), 201


@bp.get("/claims/audits/<int:audit_id>")
@roles_required(*HR_STAFF)
def audit(audit_id: int) -> Any:
    """One draw: its seed and population, each sampled claim and the outcome of its re-check."""
    s = get_session()
    return jsonify(_audit_with_items(s, sampling.visible_audit(s, current_user, audit_id)))


@bp.post("/claims/audits/<int:audit_id>/items/<int:item_id>/confirm")
@roles_required(*HR_STAFF)
def confirm(audit_id: int, item_id: int) -> Any:
    """Record that a sampled claim was re-checked and stands ({"note"?}; the bureau that drew it; audited)."""
    s = get_session()
    sampling.visible_audit(s, current_user, audit_id)  # 404 outside the scope, before anything else
    values = _texts(_optional_object(), ("note",), limit=500)
    with transaction():
        item = sampling.confirm_item(s, current_user, audit_id, item_id, note=values["note"], ip=request.remote_addr)
        claim = s.get(HourClaim, item.claim_id)
        assert claim is not None
        out = _item(item, claim)
    return jsonify(out)
