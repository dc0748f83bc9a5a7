"""Pages of organisations: employer registration (public), a practitioner's employer, and the employer's or
agency's own pages (applications, staff, administrators). The HR bureau's organisation pages are in
admin_views.py."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select

from .. import clock
from ..accounts.models import Person
from ..db import get_or_404, get_session, transaction
from ..errors import DomainError, InvalidFields, InvalidInput, NotFound
from ..exports import export_response
from ..regions import REGIONS
from ..security import limiter, practitioner_required, roles_required
from .fees import report_fees, reports_of
from .forms import AdminForm, EmployerRegisterForm, FeeReportForm, ReasonForm, ResubmitForm, SearchForm
from .models import MEMBER_KINDS, AdminChange, Employment, Organisation
from .operations import (
    REGISTERING_KINDS,
    apply_to_org,
    confirm_employment,
    create_staff,
    current_employment,
    decline_employment,
    end_employment,
    history,
    may_disable,
    may_resubmit,
    open_application,
    org_employment,
    record_admin_change,
    register_employer,
    registration_history,
    resubmit_registration,
    waiting_applications,
    withdraw_application,
)
from .scope import member_ids, own_org, person_clause, scope_of, visible_person
from .staff import STAFF_COLUMNS, export_rows, staff_rows

bp = Blueprint("orgs", __name__)
member_required = roles_required(*MEMBER_KINDS)
registered_required = roles_required(*REGISTERING_KINDS)
org_staff_required = roles_required(*MEMBER_KINDS, "authority")


def _public_limit() -> str:
    return str(current_app.config["PUBLIC_RATE_LIMIT"])


def _fields_into(form: Any, exc: InvalidFields) -> None:
    for name, message in exc.fields.items():
        target = getattr(form, name, None)
        if target is None:
            form.form_errors.append(message)
        else:
            list.append(target.errors, message)


# ---- public: an employer registers ---------------------------------------------------------------------------

@bp.route("/orgs/register", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"])
def register() -> Any:
    """An employer, personnel agency or training organiser registers with its real name; its county bureau (or one
    above) approves it."""
    form = EmployerRegisterForm()
    if form.validate_on_submit():
        try:
            with transaction() as s:
                org = register_employer(
                    s, kind=form.kind.data or "employer", uscc=form.uscc.data or "", name=form.name.data or "",
                    region_code=form.region_code.data or "", industry=form.industry.data or "",
                    contact_phone=form.contact_phone.data or "", admin_name=form.admin_name.data or "",
                    admin_id_number=form.admin_id_number.data or "", admin_mobile=form.admin_mobile.data or "",
                    username=form.username.data or "", password=form.password.data or "", ip=request.remote_addr)
        except InvalidFields as exc:
            _fields_into(form, exc)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            return render_template("orgs/registered.html", org=org)
    return render_template("orgs/register.html", form=form)


@bp.route("/org/registration", methods=["GET", "POST"])
@registered_required
def registration() -> Any:
    """The organisation's registration as its HR bureau decided it, with the history of submissions; while rejected,
    its administrator corrects it and submits it again (桐人社发〔2018〕26号 第十七条; 川人社发〔2016〕20号 二(一))."""
    s = get_session()
    org = own_org(s, current_user)
    form = ResubmitForm(obj=org) if request.method == "GET" else ResubmitForm()
    if request.method == "GET":
        form.industry.data = org.industry or ""
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                with transaction():
                    resubmit_registration(
                        s, current_user, org, kind=form.kind.data or "", uscc=form.uscc.data or "",
                        name=form.name.data or "", region_code=form.region_code.data or "",
                        industry=form.industry.data or "", contact_phone=form.contact_phone.data or "",
                        note=form.note.data or "", ip=request.remote_addr)
            except InvalidFields as exc:
                _fields_into(form, exc)
            except DomainError as exc:
                if exc.status == 404:
                    raise
                form.form_errors.append(exc.message)
                status = exc.status
            else:
                flash(f"已重新提交，等待{REGIONS[org.region_code].bureau}审核", "success")
                return redirect(url_for("orgs.registration"))
        status = status if status != 200 else 400
    return render_template("orgs/registration.html", org=org, form=form, history=registration_history(s, org),
                           may_resubmit=may_resubmit(current_user, org)), status


# ---- a practitioner and their employer ------------------------------------------------------------------------

@bp.get("/me/employer")
@practitioner_required
def my_employer() -> Any:
    """The practitioner's employer, their open application, their history, and a search of approved employers."""
    s = get_session()
    form = SearchForm(request.args)
    q = (form.q.data or "").strip() if form.validate() else ""
    found: list[Organisation] = []
    if q:
        found = list(s.scalars(select(Organisation).where(
            Organisation.kind.in_(MEMBER_KINDS), Organisation.status == "approved",
            Organisation.disabled.is_(False),
            or_(Organisation.name.contains(q, autoescape=True), Organisation.uscc == q.upper()))
            .order_by(Organisation.name).limit(20)))
    return render_template("orgs/my_employer.html", form=form, q=q, found=found,
                           current=current_employment(s, current_user), pending=open_application(s, current_user),
                           history=history(s, current_user), action=FlaskForm())


@bp.post("/me/employer/<int:org_id>/apply")
@practitioner_required
def apply(org_id: int) -> Any:
    """Apply to an approved employer (or agency); it confirms."""
    s = get_session()
    org = get_or_404(s, Organisation, org_id)
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    try:
        with transaction():
            apply_to_org(s, current_user, org, ip=request.remote_addr)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(f"已向“{org.name}”提交申请，请等待单位管理员确认", "success")
    return redirect(url_for("orgs.my_employer"))


@bp.post("/me/employer/withdraw")
@practitioner_required
def withdraw() -> Any:
    """Withdraw the open application."""
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    s = get_session()
    try:
        with transaction():
            withdraw_application(s, current_user, ip=request.remote_addr)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash("申请已撤回", "success")
    return redirect(url_for("orgs.my_employer"))


# ---- an employer's or agency's administrator ----------------------------------------------------------------

@bp.get("/org")
@org_staff_required
def home() -> Any:
    """The organisation's home: its status, and what waits for the administrator."""
    s = get_session()
    org = own_org(s, current_user)
    scope = scope_of(s, current_user)
    counts = {"applications": s.scalar(select(func.count()).select_from(Employment).where(
                  Employment.org_id == org.id, Employment.status == "applied")) or 0,
              "staff": s.scalar(select(func.count()).select_from(Person).where(person_clause(scope))) or 0}
    left = list(s.scalars(select(Employment).where(Employment.org_id == org.id, Employment.status == "ended")
                          .order_by(Employment.ended_on.desc()).limit(10)))
    names = {p.id: p.name for p in s.scalars(select(Person).where(Person.id.in_({e.person_id for e in left})))}
    if org.kind == "authority":
        # 温 第十一条, 桐 第九条: its courses under review, and those returned for it to amend
        from ..catalogue.models import Course
        mine = select(func.count()).select_from(Course).where(Course.owner_org_id == org.id)
        counts["courses_submitted"] = s.scalar(mine.where(Course.submitted_at.is_not(None),
                                                          Course.filed_at.is_(None))) or 0
        counts["courses_returned"] = s.scalar(mine.where(Course.submitted_at.is_(None),
                                                         Course.returned_at.is_not(None))) or 0
    return render_template("orgs/home.html", org=org, counts=counts, left=left, names=names)


@bp.get("/org/applications")
@member_required
def applications() -> Any:
    """Practitioners waiting for the employer to confirm them (人员匹配)."""
    s = get_session()
    org = own_org(s, current_user)
    rows = waiting_applications(s, org)
    previous = {e.person_id: e.org.name for e in s.scalars(select(Employment).where(
        Employment.person_id.in_({p.id for _, p in rows}), Employment.status == "current"))}
    return render_template("orgs/applications.html", org=org, rows=rows, previous=previous, form=ReasonForm())


@bp.post("/org/applications/<int:employment_id>/confirm")
@member_required
def confirm(employment_id: int) -> Any:
    """Confirm an applicant: they are the organisation's staff from today."""
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    s = get_session()
    employment = org_employment(get_session(), current_user, employment_id)
    with transaction():
        confirm_employment(s, current_user, employment, ip=request.remote_addr)
    flash("已确认，该人员已加入本单位", "success")
    return redirect(url_for("orgs.applications"))


@bp.post("/org/applications/<int:employment_id>/decline")
@member_required
def decline(employment_id: int) -> Any:
    """Decline an applicant with a reason they will read."""
    s = get_session()
    employment = org_employment(get_session(), current_user, employment_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash("请填写不予确认的原因（2–200 字）", "error")
        return redirect(url_for("orgs.applications"))
    with transaction():
        decline_employment(s, current_user, employment, form.reason.data or "", ip=request.remote_addr)
    flash("已不予确认，申请人将看到原因", "success")
    return redirect(url_for("orgs.applications"))


@bp.get("/org/staff")
@member_required
def staff() -> Any:
    """The organisation's staff with this year's hours against their requirement."""
    s = get_session()
    org = own_org(s, current_user)
    year = clock.study_year()
    rows = staff_rows(s, org.id, year)
    return render_template("orgs/staff.html", org=org, rows=rows, year=year, action=FlaskForm())


@bp.get("/org/staff.xlsx")
@member_required
def staff_export() -> Any:
    """The staff list as XLSX."""
    s = get_session()
    org = own_org(s, current_user)
    year = clock.study_year()
    return export_response("xlsx", f"staff-{year}", STAFF_COLUMNS, export_rows(staff_rows(s, org.id, year)),
                           sheet=f"{year}年度人员学时")


@bp.post("/org/staff/<int:employment_id>/end")
@member_required
def end(employment_id: int) -> Any:
    """Record that a person has left the organisation."""
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    s = get_session()
    employment = org_employment(get_session(), current_user, employment_id)
    with transaction():
        end_employment(s, current_user, employment, ip=request.remote_addr)
    flash("已记录该人员离开本单位", "success")
    return redirect(url_for("orgs.staff"))


@bp.get("/org/people/<int:person_id>")
@member_required
def person(person_id: int) -> Any:
    """One of the organisation's staff or applicants: this year's hours and their employment history here."""
    s = get_session()
    p = visible_person(s, current_user, person_id)
    from ..hours.standing import person_standing
    from ..hours.summary import year_summary
    summary = year_summary(s, p, clock.study_year())
    periods = [e for e in history(s, p) if e.org_id == current_user.org_id]
    return render_template("orgs/person.html", person=p, summary=summary, periods=periods,
                           standing=person_standing(s, p))


@bp.post("/org/people/<int:person_id>/password-reset")
@member_required
def password_reset(person_id: int) -> Any:
    """Reset the password of one of the organisation's current staff after checking their ID card (issue 15: by the
    person's employer administrator or the HR bureau); every login ends, audited; the temporary password is shown
    on this answer only."""
    from ..accounts.forms import PasswordResetForm
    from ..accounts.operations import reset_password
    s = get_session()
    p = visible_person(s, current_user, person_id)
    current = current_employment(s, p)
    if current is None or current.org_id != current_user.org_id:
        raise NotFound("只能为本单位在职人员重置密码")
    form = PasswordResetForm()
    if not form.validate_on_submit():
        raise InvalidInput(next(iter(form.id_number.errors), "页面已过期，请刷新后重试"))
    with transaction():
        password = reset_password(s, current_user, p, form.id_number.data or "", ip=request.remote_addr)
    return render_template("admin/password_reset.html", person=p, password=password,
                           back=url_for("orgs.person", person_id=p.id))


@bp.route("/org/admins", methods=["GET", "POST"])
@member_required
def admins() -> Any:
    """The organisation's administrators; one adds another (温人社发〔2020〕125号 第五条)."""
    s = get_session()
    org = own_org(s, current_user)
    form = AdminForm()
    if form.validate_on_submit():
        try:
            with transaction():
                create_staff(s, current_user, org, role=org.kind, username=form.username.data or "",
                             name=form.name.data or "", password=form.password.data or "", ip=request.remote_addr)
        except InvalidFields as exc:
            _fields_into(form, exc)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash("管理员账号已开通；管理员变更已报送所在县（市、区）人社局", "success")
            return redirect(url_for("orgs.admins"))
    rows = s.scalars(select(Person).where(Person.org_id == org.id).order_by(Person.id)).all()
    changes = s.scalars(select(AdminChange).where(AdminChange.org_id == org.id)
                        .order_by(AdminChange.id.desc()).limit(20)).all()
    return render_template("orgs/admins.html", org=org, rows=rows, form=form, changes=changes,
                           may_disable=lambda p: may_disable(s, current_user, p))


@bp.post("/org/admins/<int:person_id>/active/<int:active>")
@member_required
def admin_active(person_id: int, active: int) -> Any:
    """Disable or re-enable a fellow administrator (never oneself)."""
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    s = get_session()
    p = s.scalar(select(Person).where(Person.id == person_id, Person.org_id == current_user.org_id))
    if p is None or not may_disable(s, current_user, p):
        raise NotFound()
    from ..accounts.operations import set_active
    with transaction():
        set_active(s, current_user, p, bool(active), ip=request.remote_addr)
        record_admin_change(s, current_user, p, bool(active))
    flash("账号已启用" if active else "账号已停用", "success")
    return redirect(url_for("orgs.admins"))


@bp.route("/org/fees", methods=["GET", "POST"])
@member_required
def fees() -> Any:
    """The organisation's training fees by year, reported (or corrected) by its administrator (川人社发〔2016〕20号
    七(三)); the HR bureaus' statistics sum them by region and industry."""
    s = get_session()
    org = own_org(s, current_user)
    form = FeeReportForm()
    if request.method == "GET" and not form.year.data:
        form.year.data = str(clock.study_year())
    if form.validate_on_submit():
        try:
            with transaction():
                report = report_fees(s, current_user, year=form.year.data or "", amount=form.amount.data or "",
                                     trained=form.trained.data or "", note=form.note.data or "",
                                     ip=request.remote_addr)
        except InvalidFields as exc:
            _fields_into(form, exc)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash(f"{report.year} 年度培训经费已报告：{report.amount} 元，{report.trained} 人次", "success")
            return redirect(url_for("orgs.fees"))
    return render_template("orgs/fees.html", org=org, form=form, reports=reports_of(s, org))


__all__ = ["bp", "member_ids"]
