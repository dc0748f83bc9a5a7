from __future__ import annotations

from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from ..regions import INDUSTRIES, REGIONS
from ..validation import Form


class LoginForm(Form):
    login = StringField("身份证号 / 手机号 / 用户名", validators=[DataRequired("请输入账号"), Length(max=40)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=128)])


class RegisterForm(Form):
    name = StringField("真实姓名", validators=[DataRequired("请填写真实姓名"), Length(2, 50, "姓名应为 2–50 个字")])
    id_number = StringField("居民身份证号码", validators=[DataRequired("请填写身份证号码"), Length(18, 18, "身份证号码应为 18 位")])
    mobile = StringField("手机号码", validators=[DataRequired("请填写手机号码"), Length(11, 11, "手机号码应为 11 位")])
    region = SelectField("所在地区", choices=[SelectChoice(r.code, r.name) for r in REGIONS.values()])
    industry = SelectField("所属行业", choices=[SelectChoice(i, i) for i in INDUSTRIES])
    employer = StringField("工作单位（选填）", validators=[Length(max=100)])
    password = PasswordField("密码（至少 8 位，含字母和数字）", validators=[DataRequired("请设置密码"), Length(8, 128, "密码至少 8 位")])
    confirm = PasswordField("确认密码", validators=[EqualTo("password", "两次输入的密码不一致")])


class StaffForm(Form):
    role = SelectField("角色", choices=[SelectChoice("bureau", "人社局工作人员"), SelectChoice("proctor", "监考员")])
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(3, 40)])
    name = StringField("姓名", validators=[DataRequired("请填写姓名"), Length(2, 50)])
    region = SelectField("所属地区", choices=[SelectChoice(r.code, r.name) for r in REGIONS.values()])
    password = PasswordField("初始密码", validators=[DataRequired("请设置初始密码"), Length(8, 128)])
