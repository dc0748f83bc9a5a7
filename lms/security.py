"""Password hashing (argon2id), rate limiting, CSRF and role checks."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect

from .errors import DomainError, NotAllowed

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)

F = TypeVar("F", bound=Callable[..., Any])


def login_rate_limit() -> Any:
    """The per-address limit on password and registration posts, one bucket for all of them (pages and API alike):
    LOGIN_RATE_LIMIT, high enough for an office behind one NAT; guessing one account is throttled per account
    (lms/accounts/throttle.py)."""
    return limiter.shared_limit(lambda: str(current_app.config["LOGIN_RATE_LIMIT"]), scope="login", methods=["POST"])


def login_throttle() -> Any:
    """The per-account login throttle on the limiter's storage (shared through Redis when configured)."""
    from .accounts.throttle import LoginThrottle
    return LoginThrottle(limiter.storage)


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_KIB"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


class NotLoggedIn(DomainError):
    status, code, message = 401, "login_required", "请先登录"


def session_account() -> tuple[int, int, int]:
    """(person id, session version, login id) from the signed session cookie, without loading the account.

    For hot paths that check the account in their own single statement (active, same session version, the login
    still open, role); a missing or malformed id is "not logged in".
    """
    uid, login_id = session.get("_user_id"), session.get("_login")  # lms.accounts.sessions.SESSION_KEY
    try:
        person_id, version = (int(x) for x in uid.split(":"))
    except (AttributeError, ValueError) as exc:
        raise NotLoggedIn() from exc
    if not isinstance(login_id, int) or isinstance(login_id, bool):
        raise NotLoggedIn()
    return person_id, version, login_id


def roles_required(*roles: str) -> Callable[[F], F]:
    """Allow the view only to logged-in accounts of one of the given roles (checked on the server)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                raise NotLoggedIn()
            if current_user.role not in roles:
                raise NotAllowed()
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def staff_pages(*roles: str) -> Callable[[F], F]:
    """Allow the view to logged-in accounts of the given roles, and to supervisors (监督检查) for reading only:
    a supervisor's GET is let through (what it sees is still limited by its scope), anything else is refused."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                raise NotLoggedIn()
            if current_user.role == "supervisor" and request.method in ("GET", "HEAD"):
                return view(*args, **kwargs)
            if current_user.role == "supervisor":
                raise ReadOnlyAccount()
            if current_user.role not in roles:
                raise NotAllowed()
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


class ReadOnlyAccount(NotAllowed):
    code, message = "read_only", "监督检查账号只能查看，不能修改"


practitioner_required = roles_required("practitioner")
# HR bureau staff pages; supervisors read them (温人社发〔2020〕125号 第十六条). Which persons and organisations each
# account sees is decided by lms.orgs.scope.
bureau_required = staff_pages("bureau")
