"""学时通 — the Flask application factory."""
from __future__ import annotations

from typing import Any

from flask import Flask, g, jsonify, render_template, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import clock, proxies, validation
from .config import ROOT, from_env
from .db import Database, close_session, get_session, is_unavailable, transaction
from .errors import DomainError, Unavailable
from .security import csrf, limiter

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "请先登录"
login_manager.session_protection = "basic"

ERROR_TEXT = {
    400: "请求有误，请检查后重试。",
    401: "请先登录。",
    403: "您没有权限访问此页面。",
    404: "没有找到您要访问的页面或记录。",
    405: "不支持该请求方式。",
    409: "操作与当前状态冲突。",
    413: "上传的文件过大。",
    429: "操作过于频繁，请稍后再试。",
    500: "系统内部错误，请稍后重试；如持续出现，请联系人社局。",
    503: Unavailable.message,
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config from the environment, overridden by config (tests)."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder="static")
    app.config.update(from_env())
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax", JSON_AS_ASCII=False,
    )
    if config:
        app.config.update(config)
    # A CSRF token lives no longer than the session it belongs to (and is renewed at login: accounts/sessions.py);
    # the lane reads the same limit (lms/lane.py).
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    limit = app.config.get("WTF_CSRF_TIME_LIMIT")
    app.config["WTF_CSRF_TIME_LIMIT"] = lifetime if limit is None else min(int(limit), lifetime)
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    validation.init_app(app)  # before the blueprints: their int converters are bounded
    proxies.init_app(app)  # request.remote_addr is the client's address behind TRUSTED_PROXIES
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["xst_db"] = Database(app.config["DATABASE_URL"], app.config.get("SQL_ECHO", False),
                                         app.config.get("DATABASE_POOL_SIZE", 10),
                                         app.config.get("DATABASE_PING_IDLE_SECONDS", 5.0))
    replica = app.config.get("DATABASE_REPLICA_URL")
    app.extensions["xst_db_replica"] = Database(
        replica, app.config.get("SQL_ECHO", False), app.config.get("DATABASE_POOL_SIZE", 10),
        app.config.get("DATABASE_PING_IDLE_SECONDS", 5.0)) if replica else None

    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    app.teardown_request(close_session)
    app.teardown_appcontext(close_session)

    from courseware.views import bp as courseware_bp

    from .accounts import reset_views  # noqa: F401  (忘记密码, on the accounts blueprint)
    from .accounts.views import bp as accounts_bp
    from .admin import filing_views  # noqa: F401  (课程审核备案, on the admin blueprint)
    from .admin.audit_views import bp as audit_bp
    from .admin.views import bp as admin_bp
    from .api import bp as api_bp
    from .catalogue.views import bp as catalogue_bp
    from .claims import deadline_views, queue_views  # noqa: F401  (more pages on the claims blueprint)
    from .claims.api import bp as claims_api_bp
    from .claims.oversight import bp as oversight_bp
    from .claims.oversight_api import bp as oversight_api_bp
    from .claims.views import bp as claims_bp
    from .exchange.views import bp as exchange_bp
    from .hours.views import bp as hours_bp
    from .messages.api import bp as messages_api_bp
    from .messages.views import bp as messages_bp
    from .orgs.admin_views import bp as orgs_admin_bp
    from .orgs.api import bp as orgs_api_bp
    from .orgs.views import bp as orgs_bp
    from .reminders.views import bp as reminders_bp
    from .rosters.views import bp as rosters_bp
    from .stats.views import bp as stats_bp
    from .study.views import bp as study_bp

    for bp in (accounts_bp, catalogue_bp, study_bp, hours_bp, admin_bp, audit_bp, api_bp, courseware_bp, orgs_bp,
               orgs_admin_bp, orgs_api_bp, claims_bp, rosters_bp, messages_bp, oversight_bp,
               exchange_bp, stats_bp, reminders_bp):
        app.register_blueprint(bp)
    for bp in (claims_api_bp, oversight_api_bp, messages_api_bp):
        app.register_blueprint(bp)
    try:
        from exams.views import register as register_exams
    except ImportError:
        pass
    else:
        register_exams(app)
    _register_errors(app)
    _register_template_helpers(app)

    @app.get("/favicon.ico")
    def favicon() -> Any:
        """The site icon, where browsers look for it by default (pages also link favicon.svg)."""
        return app.send_static_file("favicon.ico")

    @app.after_request
    def security_headers(resp: Any) -> Any:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    from .cli import register_cli
    register_cli(app)
    return app


@login_manager.user_loader
def _load_user(user_id: str) -> Any:
    """The account of the session cookie while its login is open (lms/accounts/sessions.py), else nobody."""
    from sqlalchemy import select

    from .accounts.models import LoginSession, Person
    from .accounts.sessions import SEEN_EVERY, current_login_id, touch_login
    login_id = current_login_id()
    try:
        pid, version = (int(x) for x in user_id.split(":"))
    except ValueError:
        return None
    if login_id is None:
        return None
    s = get_session()
    fresh = not s.in_transaction()
    row = s.execute(select(Person, LoginSession.last_seen_at).join(LoginSession, LoginSession.person_id == Person.id)
                    .where(Person.id == pid, Person.session_version == version, Person.active.is_(True),
                           LoginSession.id == login_id, LoginSession.ended_at.is_(None))).first()
    if row is None:
        return None
    if fresh and row.last_seen_at < clock.now() - SEEN_EVERY:
        # Bookkeeping in its own transaction, before the view's: only when the loader opened it (a view that
        # first asks for the user inside its own transaction must not have it committed here).
        with transaction(s):
            touch_login(s, login_id, request.remote_addr)
    return row.Person


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> Any:
    if "db_session" in g:
        g.db_session.rollback()
    if wants_json():
        if fields:  # every problem at once, by field (InvalidFields)
            return jsonify(error=code, message=message, fields=fields), status
        return jsonify(error=code, message=message), status
    return render_template("errors/error.html", status=status, message=message), status


def _register_errors(app: Flask) -> None:
    def unavailable(exc: Exception) -> Any:
        """503 with Retry-After while the database cannot be reached: the page or JSON says so in Chinese."""
        app.logger.warning("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        g._login_user = login_manager.anonymous_user()  # the page's header would load the account from the database
        session = g.pop("db_session", None)
        if session is not None:
            try:
                session.close()  # gives its connection back (a broken one is discarded by the pool)
            except Exception as lost:  # the connection is gone already: nothing to roll back
                app.logger.debug("closing the session of a lost connection: %s", lost)
        response = app.make_response(_error_response(Unavailable.status, Unavailable.code, Unavailable.message))
        response.headers["Retry-After"] = str(Unavailable.retry_after)
        return response

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError) -> Any:
        if isinstance(exc, Unavailable):
            return unavailable(exc)
        if exc.status == 401 and not wants_json():
            from flask import redirect, url_for
            return redirect(url_for("accounts.login", next=request.full_path))
        return _error_response(exc.status, exc.code, exc.message, getattr(exc, "fields", None))

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return _error_response(400, "csrf", "页面已过期或来源无法验证，请刷新页面后重新提交。")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        code = {400: "bad_request", 401: "login_required", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "too_large", 429: "rate_limited"}.get(status, "error")
        return _error_response(status, code, ERROR_TEXT.get(status, exc.description or "请求有误"))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        if is_unavailable(exc):
            return unavailable(exc)
        if app.testing and app.config.get("PROPAGATE_UNEXPECTED", True):
            raise exc
        app.logger.exception("unexpected error")
        return _error_response(500, "internal", ERROR_TEXT[500])


def _register_template_helpers(app: Flask) -> None:
    from .orgs.operations import employer_label
    from .regions import CATEGORY_NAMES, REGIONS, registering_bureau

    @app.template_filter("cn_time")
    def cn_time(dt: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return "" if dt is None else (clock.china(dt) or dt).strftime(fmt)

    @app.template_filter("hm")
    def hm(seconds: float) -> str:
        seconds = int(seconds)
        h, rem = divmod(seconds, 3600)
        m, sec = divmod(rem, 60)
        return f"{h} 小时 {m} 分" if h else f"{m} 分 {sec} 秒"

    @app.context_processor
    def globals_() -> dict[str, Any]:
        return {"CATEGORY_NAMES": CATEGORY_NAMES, "REGIONS": REGIONS, "employer_label": employer_label,
                "registering_bureau": registering_bureau, "study_year": clock.study_year(),
                "has_endpoint": lambda name: name in app.view_functions}
