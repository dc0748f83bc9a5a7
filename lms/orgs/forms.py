"""Forms of the organisation pages; the operations check everything again (lms/orgs/operations.py)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from ..db import transaction
from ..errors import DomainError, InvalidInput
from ..regions import INDUSTRIES, REGIONS, policy_region
from ..validation import Form

COUNTIES = [SelectChoice(r.code, r.name) for r in REGIONS.values() if r.level == "county" and policy_region(r.code)]


class EmployerRegisterForm(Form):
    """An employer's, personnel agency's or training organiser's real-name registration (桐人社发〔2018〕26号 第十七条;
    施教机构: 温人社发〔2020〕125号 第十三条, 川人社发〔2016〕20号 二(一))."""

    kind = SelectField("单位类型", choices=[SelectChoice("employer", "用人单位"),
                                        SelectChoice("agency", "人事代理机构 / 社区（乡镇）人力资源服务站"),
                                        SelectChoice("organiser", "施教机构（高研班、培训班举办单位）")])
    uscc = StringField("统一社会信用代码", validators=[DataRequired("请填写统一社会信用代码")])
    name = StringField("单位全称（与营业执照一致）", validators=[DataRequired("请填写单位全称")])
    region_code = SelectField("所在县（市、区）", choices=COUNTIES)
    # An organiser has no industry of its own: each programme names the industry it trains for.
    industry = SelectField("所属行业（施教机构不填）", choices=[SelectChoice("", "请选择（施教机构不填）")] +
                           [SelectChoice(i, i) for i in INDUSTRIES])
    contact_phone = StringField("单位联系电话", validators=[DataRequired("请填写联系电话")])
    admin_name = StringField("管理员姓名", validators=[DataRequired("请填写管理员姓名")])
    admin_id_number = StringField("管理员身份证号码", validators=[DataRequired("请填写管理员身份证号码")])
    admin_mobile = StringField("管理员手机号码", validators=[DataRequired("请填写管理员手机号码")])
    username = StringField("管理员登录用户名（以字母开头）", validators=[DataRequired("请设置用户名")])
    password = PasswordField("密码（至少 8 位，含字母和数字）", validators=[DataRequired("请设置密码")])
    confirm = PasswordField("确认密码", validators=[DataRequired("请再次输入密码"),
                                                EqualTo("password", "两次输入的密码不一致")])


class ResubmitForm(Form):
    """A rejected registration corrected by the organisation's administrator and submitted again (the same checks as
    the registration; the administrator's account is kept)."""

    kind = EmployerRegisterForm.kind
    uscc = EmployerRegisterForm.uscc
    name = EmployerRegisterForm.name
    region_code = EmployerRegisterForm.region_code
    industry = EmployerRegisterForm.industry
    contact_phone = EmployerRegisterForm.contact_phone
    note = TextAreaField("修改说明（审核人员将看到）", validators=[DataRequired("请说明按不予通过的原因修改了什么"),
                                                        Length(2, 200, "修改说明为 2–200 字")])


class ReasonForm(Form):
    reason = TextAreaField("原因", validators=[DataRequired("请填写原因"), Length(2, 200, "原因为 2–200 字")])


def decide_with_reason(decision: str, act: Callable[[bool, str], object], back: str, *, reason_hint: str,
                       approved: str, rejected: str) -> Any:
    """The approve / reject POST of a review page (an organisation's registration, an organiser's programme):
    approving needs only the CSRF token, rejecting needs a reason (`reason_hint` when it is missing); `act(approve,
    reason)` runs in one transaction. A refusal the operation explains is flashed; a 403/404 stays an error page.
    Back to `back` with `approved` or `rejected` said."""
    form = ReasonForm()
    if decision == "approve" and not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    if decision == "reject" and not form.validate_on_submit():
        flash(reason_hint, "error")
        return redirect(back)
    try:
        with transaction():
            act(decision == "approve", form.reason.data or "")
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        flash(exc.message, "error")
    else:
        flash(approved if decision == "approve" else rejected, "success")
    return redirect(back)


class SearchForm(Form):
    class Meta:
        csrf = False  # a GET search

    q = StringField("单位名称或统一社会信用代码", validators=[Length(max=50)])


class AdminForm(Form):
    """A further administrator of an employer, added by its administrator."""

    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(3, 40)])
    name = StringField("姓名", validators=[DataRequired("请填写姓名"), Length(2, 50)])
    password = PasswordField("初始密码", validators=[DataRequired("请设置初始密码"), Length(8, 128)])


class FeeReportForm(Form):
    """An employer's training fees for a year (lms/orgs/fees.py checks every value on the server)."""

    year = StringField("年度", validators=[DataRequired("请填写年度")])
    amount = StringField("培训经费（元）", validators=[DataRequired("请填写培训经费，没有支出填 0")])
    trained = StringField("参训人次", validators=[DataRequired("请填写参训人次，没有填 0")])
    note = TextAreaField("说明（选填）", validators=[Length(0, 200, "说明最多 200 字")])
