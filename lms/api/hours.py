"""JSON API: the hours bank (学时银行) year by year, and the electronic certificate (威人社字〔2022〕2号 三)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from rules import load_policy

from .. import clock
from ..accounts.models import Person
from ..db import get_session, transaction
from ..errors import NotFound
from ..hours.certificates import certificate_hours, certificate_issuer, issue_certificate
from ..hours.models import HoursCertificate
from ..hours.operations import years_of
from ..hours.standing import last_completed_year, parse_title_years, person_standing
from ..hours.summary import year_summary
from ..links import public_url
from ..security import practitioner_required
from . import bp


def iso(dt: datetime | None) -> str | None:
    """A stored (UTC) time as the API writes times: ISO 8601 with Z."""
    return None if dt is None else dt.isoformat() + "Z"


def _certificate_json(cert: HoursCertificate) -> dict[str, Any]:
    return {"year": cert.year, "code": cert.code, "verify_url": public_url("hours.verify", code=cert.code),
            "issued_at": iso(cert.issued_at), "issuer": certificate_issuer(get_session(), cert, current_user),
            "unit": load_policy(cert.policy).unit, "total": str(cert.total_hours),
            "hours": {k: str(v) for k, v in certificate_hours(cert).items()},
            "revoked": cert.revoked_at is not None, "revoked_at": iso(cert.revoked_at),
            "pdf_url": url_for("hours.certificate_download", year=cert.year)}


def _year_json(year: int, cert: HoursCertificate | None) -> dict[str, Any]:
    summary = year_summary(get_session(), current_user, year)
    return {"year": year, "unit": summary["unit"],
            "policy": {"id": summary["policy"].id, "title": summary["policy"].title},
            "totals": {k: str(v) for k, v in summary["totals"].items()}, "total": str(summary["total"]),
            "requirements": [{"label": b["label"], "minimum": str(b["minimum"]), "credited": str(b["credited"]),
                              "short": str(b["short"])} for b in summary["bars"]],
            "complete": summary["complete"],
            "entries": [{"entry_id": e.id, "category": e.category, "hours": str(e.hours), "title": e.title,
                         "source_type": e.source_type, "rule": e.rule, "note": e.note,
                         "registered_by_org": e.registered_by_org, "registered_at": iso(e.registered_at)}
                        for e in summary["entries"]],
            "sheet_url": url_for("hours.sheet", year=year),
            "certificate": None if cert is None else _certificate_json(cert)}


def _certificates() -> dict[int, HoursCertificate]:
    return {c.year: c for c in get_session().scalars(
        select(HoursCertificate).where(HoursCertificate.person_id == current_user.id))}


@bp.get("/hours")
@practitioner_required
def hours_ledger() -> Any:
    """学时银行: every year with registrations (and this year), newest first, against the person's policy."""
    this_year = clock.study_year()
    years = sorted(set(years_of(get_session(), current_user.id)) | {this_year}, reverse=True)
    certs = _certificates()
    return jsonify(study_year=this_year, years=[_year_json(y, certs.get(y)) for y in years])


@bp.get("/hours/standing")
@practitioner_required
def standing() -> Any:
    """What the last completed year means for the annual review and a title application, each with its article."""
    return jsonify(standing_json(get_session(), current_user))


def standing_json(s: Session, person: Person) -> dict[str, Any]:
    """The person's standing for the last completed year (?title_years= the years a title application covers, where
    the document leaves them to the person or HR), as the API writes it."""
    chosen = parse_title_years(request.args.getlist("title_years"), last_completed_year())
    ps = person_standing(s, person, title_years=chosen)
    st = ps.standing
    return {"year": ps.year, "unit": ps.unit, "policy": {"id": ps.policy.id, "title": ps.policy.title},
            "judged": st is not None, "may_be_excellent": st is None or st.may_be_excellent,
            "at_most_basically_competent": st is not None and st.at_most_basically_competent,
            "may_apply_for_title": st is None or st.may_apply_for_title,
            "consequences": [{"kind": c.kind, "text": c.text, "rule": c.rule}
                             for c in (st.consequences if st else ())],
            "reasons": list(st.reasons) if st else [], "title_years": list(st.title_years) if st else [],
            "title_year_choices": list(ps.choices)}


@bp.get("/hours/<int(min=1, max=9999):year>")
@practitioner_required
def hours_year(year: int) -> Any:
    """One year of the hours bank."""
    return jsonify(_year_json(year, _certificates().get(year)))


@bp.get("/hours/<int(min=1, max=9999):year>/certificate")
@practitioner_required
def certificate(year: int) -> Any:
    """The year's electronic certificate; 404 when none was issued."""
    cert = _certificates().get(year)
    if cert is None:
        raise NotFound("该年度还没有电子证书")
    return jsonify(_certificate_json(cert))


@bp.post("/hours/<int(min=1, max=9999):year>/certificate")
@practitioner_required
def issue(year: int) -> Any:
    """Issue the certificate of a completed year: 201, or 200 with the one already issued."""
    existed = year in _certificates()
    with transaction() as s:
        cert = issue_certificate(s, current_user, year)
        out = _certificate_json(cert)
    return jsonify(out), 200 if existed else 201
