"""忘记密码: a code by e-mail when SMTP_URL is set (lms/accounts/reset.py); otherwise where to ask."""
from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..db import transaction
from ..errors import InvalidFields
from ..security import login_rate_limit, login_throttle
from ..validation import Form
from .reset import RESET_CODE_MINUTES, CodeRefused, ResetSettings, request_code, reset_with_code
from .throttle import LoginThrottled
from .views import bp


class ForgotForm(Form):
    login = StringField("身份证号 / 手机号 / 用户名", validators=[DataRequired("请输入账号"), Length(max=40)])


class ResetForm(Form):
    login = StringField("身份证号 / 手机号 / 用户名", validators=[DataRequired("请输入账号"), Length(max=40)])
    code = StringField("邮箱验证码（6 位数字）", validators=[DataRequired("请输入验证码"), Length(max=12)],
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"})
    password = PasswordField("新密码（至少 8 位，含字母和数字）", validators=[DataRequired("请设置新密码"), Length(max=128)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("确认新密码", validators=[DataRequired("请再次输入新密码"),
                                                 EqualTo("password", "两次输入的密码不一致")],
                            render_kw={"autocomplete": "new-password"})


def _settings() -> ResetSettings:
    cfg = current_app.config
    return ResetSettings(secret=str(cfg["SECRET_KEY"]), minutes=int(cfg.get("RESET_CODE_MINUTES", RESET_CODE_MINUTES)))


def _mail_on() -> bool:
    return bool(current_app.config.get("SMTP_URL"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@login_rate_limit()
def forgot() -> Any:
    """Ask for a reset code by e-mail (or, without mail, learn whom to ask)."""
    form = ForgotForm()
    if _mail_on() and form.validate_on_submit():
        login = (form.login.data or "").strip()
        with transaction() as s:
            request_code(s, login, _settings(), ip=request.remote_addr)
        # The same answer whether or not the account exists or has an address.
        flash(f"如果该账号已登记电子邮箱，验证码已发送到该邮箱，{_settings().minutes} 分钟内有效。未登记邮箱的，请联系单位管理员或人社局重置密码。",
              "info")
        return redirect(url_for("accounts.reset", login=login))
    return render_template("accounts/forgot.html", form=form, mail_on=_mail_on())


@bp.route("/password/reset", methods=["GET", "POST"])
@login_rate_limit()
def reset() -> Any:
    """Set a new password with the code from the e-mail; every login of the account ends."""
    if not _mail_on():
        return redirect(url_for("accounts.forgot"))
    form = ResetForm()
    if request.method == "GET":
        form.login.data = request.args.get("login", "")[:40]
    if form.validate_on_submit():
        login = (form.login.data or "").strip()
        throttle = login_throttle()
        refused: CodeRefused | None = None
        try:
            throttle.check(login)
            with transaction() as s:
                try:
                    reset_with_code(s, login, form.code.data or "", form.password.data or "", _settings(),
                                    ip=request.remote_addr)
                except CodeRefused as exc:
                    refused = exc  # committed: the code's wrong try counts
        except LoginThrottled as exc:
            form.form_errors.append(exc.message)
            return render_template("accounts/reset.html", form=form), exc.status
        except InvalidFields as exc:
            for name, message in exc.fields.items():
                list.append(getattr(form, name).errors, message)
            return render_template("accounts/reset.html", form=form), 400
        if refused is not None:
            throttle.failed(login)
            form.code.errors.append(refused.message)
            return render_template("accounts/reset.html", form=form), 400
        throttle.succeeded(login)
        flash("密码已重置，所有设备上的登录均已退出，请用新密码登录", "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)
