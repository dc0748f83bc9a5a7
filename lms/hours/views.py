"""The hours bank on the web: history, the registration sheet PDF, certificates, public verification."""
from __future__ import annotations

from typing import Any

import segno
from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from .. import clock
from ..accounts.models import Person
from ..db import get_or_404, get_session, transaction
from ..errors import NotFound
from ..links import public_url
from ..orgs.scope import visible_person
from ..pdf import configured_font
from ..security import bureau_required, limiter, practitioner_required
from ..validation import Form
from .certificates import certificate_hours, certificate_issuer, find_document, issue_certificate, revoke_certificate
from .models import HoursCertificate
from .operations import years_of
from .pdf import CertificateData, SheetData, certificate_pdf, registration_sheet
from .review import in_review
from .seal import CAPTION as SEAL_CAPTION
from .seal import seal_svg
from .sheets import issue_sheet, sheet_changed, sheet_hours
from .standing import last_completed_year, parse_title_years, person_standing
from .summary import year_summary

bp = Blueprint("hours", __name__)


def _pdf(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename={filename}", "Cache-Control": "private, no-store"})


def _sheet(person: Person, year: int) -> Response:
    font = configured_font()  # before anything is recorded: no font, no sheet
    with transaction() as s:
        sheet, summary = issue_sheet(s, person, year)
    data = SheetData(person=person, year=year, region_name=summary["region"].name,
                     policy_title=summary["policy"].title, unit=summary["unit"], bars=summary["bars"],
                     totals=summary["totals"], total=summary["total"], complete=summary["complete"],
                     entries=summary["entries"], issuer=sheet.issuer, code=sheet.code,
                     verify_url=verify_url(sheet.code), issued_at=clock.china(sheet.issued_at) or sheet.issued_at,
                     standing=summary["standing"])
    return _pdf(registration_sheet(data, font), f"hours-sheet-{year}.pdf")


@bp.get("/hours")
@practitioner_required
def history() -> Any:
    """The hours bank year by year, each entry with its source and rule."""
    s = get_session()
    this_year = clock.study_year()
    years = sorted(set(years_of(s, current_user.id)) | {this_year}, reverse=True)
    rows = [year_summary(s, current_user, y) | {"year": y} for y in years]
    certs = {c.year: c for c in s.scalars(select(HoursCertificate).where(HoursCertificate.person_id == current_user.id))}
    chosen = parse_title_years(request.args.getlist("title_years"), last_completed_year())
    review = {y: in_review(s, current_user.id, y) for y in years if y < this_year and y not in certs}
    return render_template("hours/history.html", rows=rows, certs=certs, this_year=this_year, form=FlaskForm(),
                           review=review,
                           standing=person_standing(s, current_user, title_years=chosen))


@bp.get("/hours/<int:year>/sheet.pdf")
@practitioner_required
def sheet(year: int) -> Any:
    """学时登记情况表 (浙人社发〔2016〕63号 第十五条) as a PDF."""
    return _sheet(current_user, year)


@bp.post("/hours/<int:year>/certificate")
@practitioner_required
def issue(year: int) -> Any:
    """Issue the electronic certificate for a completed year."""
    form = FlaskForm()
    if form.validate_on_submit():
        with transaction() as s:
            issue_certificate(s, current_user, year)
    return redirect(url_for("hours.certificate", year=year))


def _own_certificate(year: int) -> HoursCertificate:
    cert = get_session().scalar(select(HoursCertificate).where(HoursCertificate.person_id == current_user.id,
                                                               HoursCertificate.year == year))
    if cert is None:
        raise NotFound("该年度还没有电子证书")
    return cert


def verify_url(code: str) -> str:
    """The public verification address of a code, on PUBLIC_BASE_URL (printed and put in QR codes)."""
    return public_url("hours.verify", code=code)


@bp.get("/hours/<int:year>/certificate")
@practitioner_required
def certificate(year: int) -> Any:
    """The printable certificate page with its QR code."""
    from rules import load_policy
    cert = _own_certificate(year)
    url = verify_url(cert.code)
    qr = segno.make_qr(url, error="m").svg_inline(scale=4, border=4, light="#fff", title="验证二维码")
    return render_template("hours/certificate.html", cert=cert, url=url, qr=qr, hours=certificate_hours(cert),
                           seal=seal_svg(), seal_caption=SEAL_CAPTION,
                           issuer=certificate_issuer(get_session(), cert, current_user),
                           unit=load_policy(cert.policy).unit)


@bp.get("/hours/<int:year>/certificate.pdf")
@practitioner_required
def certificate_download(year: int) -> Any:
    """The certificate as a PDF."""
    from rules import load_policy
    font = configured_font()
    cert = _own_certificate(year)
    policy = load_policy(cert.policy)
    data = CertificateData(person=current_user, year=year, unit=policy.unit, hours=certificate_hours(cert),
                           total=cert.total_hours, policy_title=policy.title,
                           issuer=certificate_issuer(get_session(), cert, current_user), code=cert.code,
                           verify_url=verify_url(cert.code), issued_at=clock.china(cert.issued_at) or cert.issued_at)
    return _pdf(certificate_pdf(data, font), f"certificate-{year}.pdf")


def _public_limit() -> str:
    return str(current_app.config["PUBLIC_RATE_LIMIT"])


@bp.get("/verify")
@limiter.limit(_public_limit)
def verify_form() -> Any:
    """Public: enter a verification code (as typed: the page below reads it)."""
    code = request.args.get("code", "").strip()
    if code:
        return _verification(code)
    return render_template("hours/verify.html", doc=None, code="", state="form")


@bp.get("/verify/<code>")
@limiter.limit(_public_limit)
def verify(code: str) -> Any:
    """Public, without login: check a certificate's or a registration sheet's code (rate-limited, long random codes)."""
    return _verification(code)


def _verification(code: str) -> Any:
    from rules import load_policy
    s = get_session()
    try:
        doc = find_document(s, code)
    except NotFound:
        return render_template("hours/verify.html", doc=None, code=code, state="unknown"), 404
    person = s.get(Person, doc.person_id)
    assert person is not None
    unit = load_policy(doc.policy).unit
    if isinstance(doc, HoursCertificate):
        state = "revoked" if doc.revoked_at else "valid"
        return render_template("hours/verify.html", kind="certificate", doc=doc, person=person, code=code,
                               state=state, hours=certificate_hours(doc), unit=unit,
                               issuer=certificate_issuer(s, doc, person))
    return render_template("hours/verify.html", kind="sheet", doc=doc, person=person, code=code, state="valid",
                           hours=sheet_hours(doc), unit=unit, issuer=doc.issuer, changed=sheet_changed(s, doc, person))


# ---- bureau staff ----------------------------------------------------------------------------------------

class RevokeForm(Form):
    reason = StringField("撤销原因", validators=[DataRequired("请填写撤销原因"), Length(max=500)])


@bp.get("/admin/people/<int:person_id>/hours/<int:year>/sheet.pdf")
@bureau_required
def staff_sheet(person_id: int, year: int) -> Any:
    """A practitioner's registration sheet, for bureau staff."""
    s = get_session()
    return _sheet(visible_person(s, current_user, person_id), year)


@bp.post("/admin/certificates/<int:cert_id>/revoke")
@bureau_required
def revoke(cert_id: int) -> Any:
    """Revoke a certificate with a reason."""
    s = get_session()
    cert = get_or_404(s, HoursCertificate, cert_id)
    visible_person(s, current_user, cert.person_id)
    form = RevokeForm()
    if form.validate_on_submit():
        with transaction():
            revoke_certificate(s, current_user, cert, form.reason.data or "", ip=request.remote_addr)
        flash("证书已撤销", "success")
    else:
        flash("请填写撤销原因", "error")
    return redirect(url_for("admin.person", person_id=cert.person_id))



