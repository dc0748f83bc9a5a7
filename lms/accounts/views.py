from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import clock
from ..db import get_session, transaction
from ..errors import DomainError, InvalidFields, NotFound
from ..security import login_rate_limit
from .forms import LoginForm, PasswordChangeForm, RegisterForm
from .models import END_REASONS, LoginSession
from .operations import WrongPassword, change_password, register_practitioner
from .sessions import checked_login, current_login_id, end_logins, open_logins, sign_in, sign_out
from .throttle import LoginThrottled

bp = Blueprint("accounts", __name__)


def safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


@bp.get("/")
def index() -> Any:
    """Send each role to its home page."""
    if not current_user.is_authenticated:
        return render_template("accounts/welcome.html")
    if current_user.role in ("bureau", "supervisor"):
        return redirect(url_for("admin.home"))
    if current_user.role in ("employer", "agency", "authority"):
        return redirect(url_for("orgs.home"))
    if current_user.role == "organiser":
        return redirect(url_for("rosters.programmes"))
    if current_user.role == "proctor":
        return redirect(url_for("exams.proctor_home") if "exams.proctor_home" in current_app.view_functions
                        else url_for("accounts.profile"))
    return redirect(url_for("study.home"))


@bp.route("/login", methods=["GET", "POST"])
@login_rate_limit()
def login() -> Any:
    """Log in with ID number, mobile or username and password."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            person = checked_login(form.login.data or "", form.password.data or "")
        except LoginThrottled as exc:
            form.form_errors.append(exc.message)
            return render_template("accounts/login.html", form=form), exc.status
        if person is None:
            form.password.errors.append("账号或密码不正确，或账号已停用")
        else:
            sign_in(person)
            return redirect(safe_next(request.args.get("next")) or url_for("accounts.index"))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Any:
    """Log out and stop the study clock."""
    from ..study.models import StudyClock
    from ..study.operations import end_stream
    with transaction() as s:
        clk = s.get(StudyClock, current_user.id)
        if clk is not None:
            end_stream(s, current_user, clk.stream)
    sign_out(current_user.id)
    flash("您已安全退出", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
@login_rate_limit()
def register() -> Any:
    """Self-registration for practitioners only; staff accounts are created by administrators."""
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            with transaction() as s:
                person = register_practitioner(
                    s, name=form.name.data or "", id_number=form.id_number.data or "", mobile=form.mobile.data or "",
                    region=form.region.data or "", industry=form.industry.data or "",
                    password=form.password.data or "", employer=form.employer.data or "")
        except InvalidFields as exc:  # the form checks the same; kept so that nothing is lost if they part
            for name, message in exc.fields.items():
                list.append(getattr(form, name).errors, message)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            sign_in(person)
            flash("注册成功，欢迎使用学时通。请在“我的单位”中选择您的工作单位，单位确认后即完成人员匹配", "success")
            return redirect(url_for("study.home"))
    return render_template("accounts/register.html", form=form)


@bp.get("/profile")
@login_required
def profile() -> Any:
    """Show the account's own details (ID number masked)."""
    return render_template("accounts/profile.html", person=current_user, now=clock.now())


def _security_page(form: PasswordChangeForm) -> Any:
    from ..study.record import device_label
    logins = open_logins(get_session(), current_user.id)
    return render_template("accounts/security.html", form=form, logins=logins, this=current_login_id(),
                           device_label=device_label, END_REASONS=END_REASONS)


@bp.get("/account/security")
@login_required
def security() -> Any:
    """The account's open logins (device, address, last seen) and the password change form."""
    return _security_page(PasswordChangeForm())


@bp.post("/account/password")
@login_required
def password() -> Any:
    """Change one's password (the old one first); every other login ends at once."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            with transaction() as s:
                ended = change_password(s, current_user, form.old.data or "", form.password.data or "",
                                        current_login_id())
        except WrongPassword as exc:
            form.old.errors = [exc.message]
        except DomainError as exc:
            form.password.errors = [exc.message]
        else:
            flash(f"密码已修改{f'，其他 {ended} 处登录已退出' if ended else ''}", "success")
            return redirect(url_for("accounts.security"))
    return _security_page(form), 400


@bp.post("/account/sessions/others/end")
@login_required
def end_others() -> Any:
    """End every login of the account except this one."""
    with transaction() as s:
        ended = end_logins(s, current_user.id, "ended", keep=current_login_id())
    flash(f"已退出其他 {ended} 处登录" if ended else "没有其他登录", "success")
    return redirect(url_for("accounts.security"))


@bp.post("/account/sessions/<int:login_id>/end")
@login_required
def end_one(login_id: int) -> Any:
    """End one other login of the account (someone else's is a 404)."""
    s = get_session()
    login = s.get(LoginSession, login_id)
    if login is None or login.person_id != current_user.id or login.ended_at is not None:
        raise NotFound("没有找到这处登录")
    with transaction():
        end_logins(s, current_user.id, "ended", only=login_id)
    if login_id == current_login_id():
        sign_out(None)
        flash("您已退出本设备的登录", "info")
        return redirect(url_for("accounts.login"))
    flash("已退出该处登录", "success")
    return redirect(url_for("accounts.security"))
