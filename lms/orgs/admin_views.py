"""The HR bureau's organisation pages: organisations in its territory, approving employers (桐人社发〔2018〕26号
第十七条) and training organisers (川人社发〔2016〕20号 二(一)), creating authorities, agencies and organisers
(温人社发〔2020〕125号 第五条), administrator changes (桐 第十八条) and the bulk import of employers."""
from __future__ import annotations

import io
import re
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import func, or_, select
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..accounts.models import Person
from ..db import get_session, transaction
from ..errors import DomainError, InvalidFields, InvalidInput, NotFound
from ..exports import Column, export_response, write_xlsx
from ..filestore import file_store
from ..regions import INDUSTRIES, REGIONS
from ..security import bureau_required
from ..validation import Form, query_int
from .forms import ReasonForm, decide_with_reason
from .imports import COLUMNS, TEMPLATE_EXAMPLE, EmployerImportRefused, import_employers
from .models import KIND_NAMES, STATUS_NAMES, AdminChange, Employment, Organisation
from .operations import (
    REGISTERING_KINDS,
    acknowledge_admin_change,
    create_org,
    decide_org,
    registration_history,
    set_org_disabled,
)
from .scope import below, org_clause, scope_of, visible_org

bp = Blueprint("orgs_admin", __name__, url_prefix="/admin")
PAGE = 20


@bp.before_request
@bureau_required
def _bureau_only() -> None:
    """HR bureau staff (supervisors read)."""


class OrgFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter

    q = StringField("名称或统一社会信用代码")
    kind = SelectField("类型", choices=[SelectChoice("", "全部")] + [SelectChoice(k, v) for k, v in KIND_NAMES.items()])
    status = SelectField("审核状态", choices=[SelectChoice("", "全部")] +
                         [SelectChoice(k, v) for k, v in STATUS_NAMES.items()])


class NewOrgForm(Form):
    kind = SelectField("类型", choices=[SelectChoice("authority", "行业主管部门"),
                                      SelectChoice("agency", "人事代理机构 / 社区（乡镇）人力资源服务站"),
                                      SelectChoice("organiser", "施教机构")])
    name = StringField("机构全称")
    region_code = SelectField("所在地区", choices=[])
    industry = SelectField("主管行业（行业主管部门必填）", choices=[SelectChoice("", "—")] +
                           [SelectChoice(i, i) for i in INDUSTRIES])
    uscc = StringField("统一社会信用代码（选填）")
    contact_name = StringField("联系人（选填）")
    contact_phone = StringField("联系电话（选填）")


class ImportForm(FlaskForm):
    file = FileField("单位名单（.xlsx 或 .csv）", validators=[FileRequired("请选择文件"),
                                                        FileAllowed(["xlsx", "csv"], "只支持 .xlsx 或 .csv 文件")])


@bp.get("/orgs")
def orgs() -> Any:
    """Organisations in the territory, pending registrations first."""
    s = get_session()
    form = OrgFilterForm(request.args)
    form.validate()
    where = [org_clause(scope_of(s, current_user))]
    q = (form.q.data or "").strip()
    if q:
        where.append(or_(Organisation.name.contains(q, autoescape=True), Organisation.uscc == q.upper()))
    if form.kind.data:
        where.append(Organisation.kind == form.kind.data)
    if form.status.data:
        where.append(Organisation.status == form.status.data)
    total = int(s.scalar(select(func.count()).select_from(Organisation).where(*where)) or 0)
    pages = max(1, -(-total // PAGE))
    page = min(query_int("page", 1), pages)
    rows = s.scalars(select(Organisation).where(*where)
                     .order_by((Organisation.status == "pending").desc(), Organisation.created_at.desc(),
                               Organisation.id.desc()).offset((page - 1) * PAGE).limit(PAGE)).all()
    args = {k: v for k, v in request.args.items() if v and k != "page"}
    return render_template("orgs/admin_orgs.html", form=form, rows=rows, total=total, page=page, pages=pages,
                           page_url=lambda n: url_for("orgs_admin.orgs", page=n, **args))


@bp.get("/orgs/<int:org_id>")
def org(org_id: int) -> Any:
    """One organisation: details, decision, staff counts, administrators."""
    s = get_session()
    o = visible_org(s, current_user, org_id)
    staff = s.scalar(select(func.count()).select_from(Employment).where(
        Employment.org_id == o.id, Employment.status == "current")) or 0
    admins = s.scalars(select(Person).where(Person.org_id == o.id).order_by(Person.id)).all()
    return render_template("orgs/admin_org.html", org=o, staff=staff, admins=admins, form=ReasonForm(),
                           history=registration_history(s, o), REGISTERING_KINDS=REGISTERING_KINDS,
                           may_decide=current_user.role == "bureau" and below(scope_of(s, current_user), o))


@bp.post("/orgs/<int:org_id>/decide/<any(approve, reject):decision>")
def decide(org_id: int, decision: str) -> Any:
    """Approve a pending registration, or reject it with a reason."""
    s = get_session()
    o = visible_org(s, current_user, org_id)
    return decide_with_reason(
        decision, lambda approve, reason: decide_org(s, current_user, o, approve, reason, ip=request.remote_addr),
        url_for("orgs_admin.org", org_id=o.id), reason_hint="请填写不予通过的原因（2–200 字）",
        approved="已审核通过，该机构现在可以报备培训项目" if o.kind == "organiser" else "已审核通过，该单位现在可以确认人员",
        rejected="已审核不通过，单位将看到原因")


@bp.post("/orgs/<int:org_id>/disabled/<int:disabled>")
def disabled(org_id: int, disabled: int) -> Any:
    """Disable or re-enable an organisation below the bureau."""
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    s = get_session()
    o = visible_org(s, current_user, org_id)
    with transaction():
        set_org_disabled(s, current_user, o, bool(disabled), ip=request.remote_addr)
    flash("机构已停用" if disabled else "机构已启用", "success")
    return redirect(url_for("orgs_admin.org", org_id=o.id))


@bp.route("/orgs/new", methods=["GET", "POST"])
def new_org() -> Any:
    """Create an industry authority, a personnel agency or a training organiser in the territory."""
    s = get_session()
    scope = scope_of(s, current_user)
    form = NewOrgForm()
    form.region_code.choices = [(c, REGIONS[c].name) for c in REGIONS if c in scope.regions]
    if form.validate_on_submit():
        try:
            with transaction():
                o = create_org(s, current_user, kind=form.kind.data or "", name=form.name.data or "",
                               region_code=form.region_code.data or "", industry=form.industry.data or "",
                               uscc=form.uscc.data or "", contact_name=form.contact_name.data or "",
                               contact_phone=form.contact_phone.data or "", ip=request.remote_addr)
        except InvalidFields as exc:
            for name, message in exc.fields.items():
                list.append(getattr(form, name).errors, message)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            flash(f"已创建“{o.name}”，请在“账号”中为其开通管理员账号", "success")
            return redirect(url_for("orgs_admin.org", org_id=o.id))
    return render_template("orgs/admin_new.html", form=form)


@bp.get("/admin-changes")
def admin_changes() -> Any:
    """Administrator changes of the organisations in the territory, those not yet acknowledged first."""
    s = get_session()
    rows = s.scalars(select(AdminChange).join(Organisation, Organisation.id == AdminChange.org_id)
                     .where(org_clause(scope_of(s, current_user)))
                     .order_by(AdminChange.acknowledged_at.is_not(None), AdminChange.id.desc()).limit(200)).all()
    names = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_({r.person_id for r in rows})))}
    return render_template("orgs/admin_changes.html", rows=rows, names=names, today=clock.china_today())


@bp.post("/admin-changes/<int:change_id>/ack")
def ack(change_id: int) -> Any:
    """Acknowledge an administrator change."""
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    s = get_session()
    change = s.get(AdminChange, change_id)
    if change is None:
        raise NotFound()
    visible_org(s, current_user, change.org_id)
    with transaction():
        acknowledge_admin_change(s, current_user, change, ip=request.remote_addr)
    flash("已确认该管理员变更", "success")
    return redirect(url_for("orgs_admin.admin_changes"))


REPORT_COLUMNS = [Column("行号", numeric=True), Column("统一社会信用代码", width=22), Column("单位名称", width=30),
                  Column("未导入原因", width=60)]


# A refused import's report is kept in the file store ("reports": the local folder, or the bucket that every app
# host shares, docs/deploy.md) and its key in the importer's session, so that the download link works whichever host
# answers it and only for the clerk who imported the file.
_REPORTS = "import_reports"
_REPORT_KEY = re.compile(r"[0-9a-f]{64}")


def _keep_report(data: bytes) -> str:
    key = file_store("reports").put(data, ".xlsx")
    token = key.removesuffix(".xlsx")
    session[_REPORTS] = [token] + [t for t in session.get(_REPORTS, []) if t != token][:4]  # the last five
    return token


@bp.route("/orgs/import", methods=["GET", "POST"])
def import_orgs() -> Any:
    """Import employers from XLSX or CSV: every row is checked; a file with a refused row imports nothing."""
    s = get_session()
    form = ImportForm()
    refused = []
    report = None
    if form.validate_on_submit():
        f = form.file.data
        try:
            with transaction():
                added, unchanged = import_employers(s, current_user, f.filename or "", f.stream,
                                                    ip=request.remote_addr)
        except EmployerImportRefused as exc:
            refused = exc.refused
            out = io.BytesIO()
            write_xlsx(out, REPORT_COLUMNS, [[r.line, r.uscc, r.name, r.reason] for r in refused], sheet="未导入的行")
            report = _keep_report(out.getvalue())
        except DomainError as exc:
            form.file.errors = [exc.message]
        else:
            flash(f"导入完成：新增 {added} 家单位，{unchanged} 家已登记未变", "success")
            return redirect(url_for("orgs_admin.orgs"))
    return render_template("orgs/admin_import.html", form=form, refused=refused, report=report, columns=COLUMNS), \
        (400 if refused else 200)


@bp.get("/orgs/import/report/<report>.xlsx")
def import_report(report: str) -> Any:
    """The refused rows of one's own last failed import."""
    if not _REPORT_KEY.fullmatch(report) or report not in session.get(_REPORTS, []):
        raise NotFound()
    data = b"".join(file_store("reports").open(f"{report}.xlsx").chunks())  # a few rows: read whole, file closed
    return send_file(io.BytesIO(data), as_attachment=True, download_name="未导入的行.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/orgs/import-template.<any(csv, xlsx):fmt>")
def import_template(fmt: str) -> Any:
    """A template that imports as downloaded (one example row)."""
    return export_response(fmt, "employers-template", [Column(c, width=20) for c in COLUMNS], [TEMPLATE_EXAMPLE],
                           sheet="单位名单")
