from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from .. import clock
from ..db import get_session, transaction
from ..errors import DomainError, InvalidFields
from ..security import limiter
from .forms import LoginForm, RegisterForm
from .operations import authenticate, register_practitioner

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


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
    if current_user.role == "bureau":
        return redirect(url_for("admin.home"))
    if current_user.role == "proctor":
        return redirect(url_for("exams.proctor_home") if "exams.proctor_home" in current_app.view_functions
                        else url_for("accounts.profile"))
    return redirect(url_for("study.home"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Any:
    """Log in with ID number, mobile or username and password."""
    form = LoginForm()
    if form.validate_on_submit():
        s = get_session()
        person = authenticate(s, form.login.data or "", form.password.data or "")
        if person is None:
            form.password.errors.append("账号或密码不正确，或账号已停用")
        else:
            login_user(person)
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
    logout_user()
    flash("您已安全退出", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
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
            login_user(person)
            flash("注册成功，欢迎使用学时通", "success")
            return redirect(url_for("study.home"))
    return render_template("accounts/register.html", form=form)


@bp.get("/profile")
@login_required
def profile() -> Any:
    """Show the account's own details (ID number masked)."""
    return render_template("accounts/profile.html", person=current_user, now=clock.now())
