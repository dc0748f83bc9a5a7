from __future__ import annotations

from collections.abc import Callable

from wtforms import Field, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..regions import INDUSTRIES, SELECTABLE
from ..validation import Form
from .idcard import id_number_problem
from .models import ROLE_NAMES, STAFF_ROLES
from .operations import mobile_problem, name_problem, password_problem


class LoginForm(Form):
    login = StringField("身份证号 / 手机号 / 用户名", validators=[DataRequired("请输入账号"), Length(max=40)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=128)])


def _check(problem_of: Callable[[str], str | None]) -> Callable[[Form, Field], None]:
    """A field validator made of one of the domain's problem functions (the operation checks the same again)."""
    def validate(form: Form, field: Field) -> None:
        problem = problem_of(field.data or "")
        if problem:
            raise ValidationError(problem)
    return validate


class RegisterForm(Form):
    """Every field is checked in one round, the ID number's check digit included (GB 11643), and each problem
    is shown beside its field."""

    name = StringField("真实姓名", validators=[DataRequired("请填写真实姓名"), _check(name_problem)])
    id_number = StringField("居民身份证号码", validators=[DataRequired("请填写身份证号码"), _check(id_number_problem)])
    mobile = StringField("手机号码", validators=[DataRequired("请填写手机号码"), _check(mobile_problem)])
    region = SelectField("所在地区", choices=[SelectChoice(r.code, r.name) for r in SELECTABLE])
    industry = SelectField("所属行业", choices=[SelectChoice(i, i) for i in INDUSTRIES])
    employer = StringField("工作单位（选填）", validators=[Length(max=100, message="工作单位不能超过 100 个字")])
    password = PasswordField("密码（至少 8 位，含字母和数字）", validators=[DataRequired("请设置密码"), _check(password_problem)])
    confirm = PasswordField("确认密码", validators=[DataRequired("请再次输入密码"),
                                                EqualTo("password", "两次输入的密码不一致")])


class StaffForm(Form):
    """A staff account of an organisation the actor may allocate accounts for (choices set by the view)."""

    org_id = SelectField("所属机构", coerce=int, choices=[])
    role = SelectField("角色", choices=[SelectChoice(r, ROLE_NAMES[r]) for r in STAFF_ROLES])
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(3, 40)])
    name = StringField("姓名", validators=[DataRequired("请填写姓名"), Length(2, 50)])
    password = PasswordField("初始密码", validators=[DataRequired("请设置初始密码"), Length(8, 128)])


class PasswordChangeForm(Form):
    old = PasswordField("原密码", validators=[DataRequired("请输入原密码"), Length(max=128)])
    password = PasswordField("新密码（至少 8 位，含字母和数字）",
                             validators=[DataRequired("请设置新密码"), _check(password_problem)])
    confirm = PasswordField("确认新密码", validators=[DataRequired("请再次输入新密码"),
                                                 EqualTo("password", "两次输入的密码不一致")])


class PasswordResetForm(Form):
    id_number = StringField("核验身份证号码（按本人证件完整填写）",
                            validators=[DataRequired("请按本人身份证件填写身份证号码"), Length(max=18)])
