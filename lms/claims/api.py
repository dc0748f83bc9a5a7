"""JSON API of hour claims under /api/v1 (docs/api.md): what a practitioner (or the employer's administrator who
files for them, 桐人社发〔2018〕26号 第十三条) and the reviewers of each region's chain do. The same operations as
the pages (operations.py), reading the request the same way (web.py)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user
from sqlalchemy.orm import Session

from rules import load_policy
from rules.claims import ORGANISATIONS, ClaimDeadline, ClaimKind, ReviewChain

from .. import clock
from ..api.hours import iso
from ..db import get_session, transaction
from ..errors import InvalidFields, InvalidInput
from ..security import roles_required
from ..validation import INT_MAX, id_field, is_id, json_object, query_int
from . import operations as ops
from . import web
from .models import HourClaim
from .queues import QueueFilter, queue_for
from .web import FILER_ROLES, REVIEWER_ROLES

bp = Blueprint("claims_api", __name__, url_prefix="/api/v1")
# Who may call the claim API at all; which claims each sees is visible_claim's (the scope's).
CLAIM_ROLES = ("practitioner", *REVIEWER_ROLES)
claims_required = roles_required(*CLAIM_ROLES)


def _day(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _hours(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _deadline(d: ClaimDeadline | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {"last_day": d.last_day.isoformat(), "rule": d.rule, "text": d.text,
            "closed_before_end": d.closed_before_end}


def _chain(chain: ReviewChain) -> dict[str, Any]:
    return {"id": chain.id, "label": chain.label, "rule": chain.rule,
            "filed_by": [ORGANISATIONS[f] for f in chain.filed_by],
            "steps": [{"label": step.label, "rule": step.rule} for step in chain.steps], "note": chain.note}


def _kind(kind: ClaimKind) -> dict[str, Any]:
    return {"id": kind.id, "label": kind.label, "rule": kind.rule, "hours_rule": kind.hours_rule,
            "evidence": list(kind.evidence), "evidence_rule": kind.evidence_rule, "note": kind.note,
            "fields": [{"name": f.name, "label": f.label, "type": f.type, "required": f.required,
                        "choices": [{"value": v, "label": n} for v, n in f.choices]} for f in kind.fields],
            "limits": [{"label": lim.label, "limit": _hours(lim.limit), "per": lim.per, "rule": lim.rule,
                        "text": lim.text} for lim in kind.limits]}


def _person_id() -> int | None:
    """The person an administrator acts for (?person_id= or the form's person_id), None for oneself."""
    raw = request.values.get("person_id")
    if raw is None:
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10 or not is_id(int(text)):
        raise InvalidInput("person_id 应为 1–2147483647 的整数")
    return int(text)


def _summary(s: Session, c: HourClaim) -> dict[str, Any]:
    steps = ops.chain_by_id(c).steps
    waiting = steps[c.step].label if c.status == "pending" and c.step < len(steps) else None
    return {"id": c.id, "person_id": c.person_id, "year": c.year, "kind": c.kind, "kind_label": c.kind_label,
            "title": c.title, "status": c.status, "status_name": c.status_name, "step": c.step, "steps": c.steps,
            "waiting_at": waiting, "version": c.version, "unit": load_policy(c.policy).unit,
            "hours_claimed": _hours(c.hours_claimed), "credited_hours": _hours(c.credited_hours),
            "filed_at": iso(c.filed_at), "updated_at": iso(c.updated_at)}


def _claim(s: Session, c: HourClaim) -> dict[str, Any]:
    """A claim with its facts, evidence, chain, every version and decision, and what the caller may do with it."""
    kind = web.claim_kind(c)
    facts = c.facts_dict
    person = c.person_id
    return _summary(s, c) | {
        "policy": c.policy, "rule": c.rule, "chain": _chain(ops.chain_by_id(c)),
        "facts": [{"name": f.name, "label": f.label, "value": str(facts[f.name])} for f in kind.fields
                  if f.name in facts],
        "evidence": [{"id": e.id, "filename": e.filename, "mime": e.mime, "size": e.size,
                      "uploaded_at": iso(e.uploaded_at),
                      "url": f"/api/v1/claims/{c.id}/evidence/{e.id}"} for e in c.evidence],
        "history": [{"version": h.version, "step": h.step, "level": h.level, "decision": h.decision,
                     "decision_name": h.decision_name, "reason": h.reason, "org_name": h.org_name,
                     "hours": _hours(h.hours), "at": iso(h.at), "by_claimant": h.actor_id == person}
                    for h in ops.history_of(s, c)],
        "may_decide": ops.may_decide(s, current_user, c),
        "may_resubmit": web.may_resubmit(s, current_user, c)}


def _facts(data: dict[str, Any]) -> dict[str, str]:
    """A JSON object of facts as the form would send them: strings, integers and booleans (decimals as strings)."""
    facts = data.get("facts", {})
    if not isinstance(facts, dict):
        raise InvalidInput("facts 应为对象（字段名 → 值）")
    out: dict[str, str] = {}
    for name, value in facts.items():
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, int) or isinstance(value, str):
            out[name] = str(value)
        else:
            raise InvalidFields({name: "应为字符串、整数或是否（小数请写成字符串，如 \"12.5\"）"})
    return out


# ---- practitioner (and the administrator who files for them) ---------------------------------------------------

@bp.get("/claims/kinds")
@roles_required("practitioner", *FILER_ROLES)
def kinds() -> Any:
    """The kinds the person's policy lets them claim, with each kind's fields, the chain and the deadline."""
    s = get_session()
    person = web.claimant(s, current_user, _person_id())
    policy, found = ops.kinds_for(s, person)
    chain = ops.chain_of(s, person, policy)
    return jsonify(person={"id": person.id, "name": person.name},
                   policy={"id": policy.id, "title": policy.title, "document": policy.document, "unit": policy.unit},
                   chain=_chain(chain), may_file=ops.files_for(s, current_user, person, chain),
                   deadline=_deadline(policy.claim_deadline_explained(clock.china_today())),
                   kinds=[_kind(k) for k in found])


@bp.post("/claims/preview")
@roles_required("practitioner", *FILER_ROLES)
def preview_claim() -> Any:
    """The hours a claim would get, each line with its article, and its filing deadline; nothing is stored."""
    data = json_object()
    kind_id = data.get("kind")
    if not isinstance(kind_id, str) or not kind_id:
        raise InvalidInput("请提供申报类型 kind")
    s = get_session()
    person = web.claimant(s, current_user, None if data.get("person_id") is None else id_field(data, "person_id"))
    p = web.preview(s, person, kind_id, _facts(data))
    if p.got is None:
        raise InvalidFields(p.problems or {"form": "申报内容有误"})
    got = p.got
    return jsonify(kind=p.kind.id, unit=got.unit, hours=_hours(got.hours), year=got.activity.year,
                   lines=[{"hours": _hours(c.hours), "category": c.category, "explanation": c.explanation,
                           "rule": c.rule} for c in got.credits],
                   limits=[{"label": lim.label, "limit": _hours(lim.limit), "per": lim.per, "rule": lim.rule,
                            "text": lim.text} for lim in got.limits],
                   deadline=_deadline(got.deadline))


@bp.get("/claims")
@roles_required("practitioner", *FILER_ROLES)
def claims() -> Any:
    """My claims (or, with person_id, those of a person the administrator files for), newest first."""
    s = get_session()
    person = web.claimant(s, current_user, _person_id())
    return jsonify(claims=[_summary(s, c) for c in ops.my_claims(s, person)])


@bp.post("/claims")
@roles_required("practitioner", *FILER_ROLES)
def file() -> Any:
    """File a claim (multipart/form-data: kind, the kind's facts, evidence files); every problem at once."""
    s = get_session()
    person = web.claimant(s, current_user, _person_id())
    _policy, kind = web.kind_named(s, person, request.form.get("kind", ""))
    values, files = web.fact_values(kind), web.uploads()
    with transaction():
        c = ops.file_claim(s, current_user, person, kind.id, values, files, ip=request.remote_addr)
        out = _claim(s, c)
    return jsonify(out), 201


@bp.post("/claims/<int:claim_id>/evidence")
@roles_required("practitioner", *FILER_ROLES)
def upload(claim_id: int) -> Any:
    """Add evidence files to a returned claim before filing it again (multipart/form-data: version, evidence)."""
    s = get_session()
    ops.visible_claim(s, current_user, claim_id)  # 404 outside the scope, before anything else is said
    version = web.version_of(request.form.get("version"))
    with transaction():
        c = ops.add_evidence(s, current_user, claim_id, version=version, files=web.uploads(), ip=request.remote_addr)
        out = _claim(s, c)
    return jsonify(out), 201


@bp.post("/claims/<int:claim_id>/resubmit")
@roles_required("practitioner", *FILER_ROLES)
def resubmit(claim_id: int) -> Any:
    """Correct a returned claim and file it again (multipart/form-data: version, the facts, further evidence)."""
    s = get_session()
    kind = web.claim_kind(ops.visible_claim(s, current_user, claim_id))
    version = web.version_of(request.form.get("version"))
    values, files = web.fact_values(kind), web.uploads()
    with transaction():
        c = ops.resubmit_claim(s, current_user, claim_id, version=version, form=values, files=files,
                           ip=request.remote_addr)
        out = _claim(s, c)
    return jsonify(out)


# ---- everyone who sees a claim ---------------------------------------------------------------------------------

@bp.get("/claims/<int:claim_id>")
@claims_required
def claim(claim_id: int) -> Any:
    """One claim: facts, evidence, chain, every version and decision (its claimant and the reviewers in scope)."""
    s = get_session()
    return jsonify(_claim(s, ops.visible_claim(s, current_user, claim_id)))


@bp.get("/claims/<int:claim_id>/evidence/<int:evidence_id>")
@claims_required
def evidence(claim_id: int, evidence_id: int) -> Any:
    """An evidence file: a private download, never cached or sniffed (?inline=1: shown in a reviewer's page)."""
    return web.evidence_download(get_session(), current_user, claim_id, evidence_id, request.args.get("inline") == "1")


# ---- reviewers -------------------------------------------------------------------------------------------------

@bp.get("/claims/review")
@roles_required(*REVIEWER_ROLES)
def review_queue() -> Any:
    """The claims waiting at the reviewer's step within their scope, oldest first, a page of 100 at a time (?kind=,
    ?year=, ?employer= narrow it, ?page= turns it; the counts are of everything waiting)."""
    s = get_session()
    kind = request.args.get("kind", "").strip()[:40] or None
    q = queue_for(s, current_user, QueueFilter(kind=kind, year=query_int("year", 0, 0, 9999) or None,
                                               employer_id=query_int("employer", 0, 0, INT_MAX) or None),
                  page=query_int("page", 1, 1, INT_MAX))
    return jsonify(count=q.matched, total=q.total, oldest_days=q.oldest_days, page=q.page, pages=q.pages,
                   claims=[_summary(s, i.claim) | {"waiting_days": i.days, "person_name": i.person_name,
                                                   "employer_id": i.employer_id, "employer": i.employer}
                           for i in q.items])


@bp.post("/claims/<int:claim_id>/decision")
@roles_required(*REVIEWER_ROLES)
def decision(claim_id: int) -> Any:
    """Approve (optionally lowering the hours, with a reason), return with a reason, or reject with a reason, at the
    step the claim waits at; the last approval credits it."""
    s = get_session()
    web.decidable_claim(s, current_user, claim_id)  # 404 outside the scope, 403 outside the chain, before the body
    data = json_object()
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= 2**31 - 1:
        raise InvalidInput("请提供所审核的版本号 version（整数）")
    texts = {}
    for key in ("decision", "reason", "hours"):
        value = data.get(key, "")
        if not isinstance(value, str):
            raise InvalidInput(f"{key} 应为字符串")
        texts[key] = value
    if texts["decision"] not in ("approve", "return", "reject"):
        raise InvalidInput("decision 应为 approve、return 或 reject")
    if len(texts["hours"]) > 12:
        raise InvalidFields({"hours": "认定学时须为大于0、至多两位小数的数字"})
    with transaction():
        c = ops.decide(s, current_user, claim_id, version=version, decision=texts["decision"], reason=texts["reason"],
                   hours=texts["hours"], ip=request.remote_addr)
        out = _claim(s, c)
    return jsonify(out)
