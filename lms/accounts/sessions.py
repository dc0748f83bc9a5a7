"""Logins that really end: a LoginSession row per login, named by the signed session cookie (SESSION_KEY).

Flask's user loader, the heartbeat and booking statements (Flask's and the lane's alike) accept a cookie only while
its row is open, so logging out, changing or resetting the password and disabling the account end the session for
every copy of the cookie at once. The operations flush and never commit; sign_in() and sign_out() are the Flask
glue the login and logout views call.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, request, session
from flask_login import login_user, logout_user
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import clock
from ..db import get_session, transaction
from .models import LoginSession, Person

SESSION_KEY = "_login"  # the LoginSession id in Flask's signed session cookie
SEEN_EVERY = timedelta(minutes=5)  # last_seen_at is moved on at most this often (a write per page is not worth it)


def open_login(s: Session, person: Person, ip: str | None, device: str | None) -> LoginSession:
    """Record a new login of the person from this address and device."""
    now = clock.now()
    login = LoginSession(person_id=person.id, created_at=now, last_seen_at=now, ip=(ip or "")[:64] or None,
                         device=(device or "")[:255] or None)
    s.add(login)
    s.flush()
    return login


def end_logins(s: Session, person_id: int, reason: str, only: int | None = None, keep: int | None = None) -> int:
    """Close the person's open logins (only one of them, or all but one); how many were closed."""
    q = update(LoginSession).where(LoginSession.person_id == person_id, LoginSession.ended_at.is_(None))
    if only is not None:
        q = q.where(LoginSession.id == only)
    if keep is not None:
        q = q.where(LoginSession.id != keep)
    result = s.execute(q.values(ended_at=clock.now(), end_reason=reason).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def open_logins(s: Session, person_id: int) -> list[LoginSession]:
    """The person's open logins, the most recently seen first."""
    return list(s.scalars(select(LoginSession)
                          .where(LoginSession.person_id == person_id, LoginSession.ended_at.is_(None))
                          .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())))


def touch_login(s: Session, login_id: int, ip: str | None) -> None:
    """Move the login's last-seen time (and address) on, when it is older than SEEN_EVERY."""
    now = clock.now()
    s.execute(update(LoginSession)
              .where(LoginSession.id == login_id, LoginSession.last_seen_at < now - SEEN_EVERY)
              .values(last_seen_at=now, ip=(ip or "")[:64] or None).execution_options(synchronize_session=False))


def current_login_id() -> int | None:
    """The LoginSession id the request's session cookie names, or None."""
    value = session.get(SESSION_KEY)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def sign_in(person: Person) -> None:
    """Log the person in on this device: a new LoginSession (committed) named by the cookie, and a new CSRF token
    (one taken before the login is not carried over into it)."""
    with transaction() as s:
        login = open_login(s, person, request.remote_addr, request.user_agent.string)
        login_id = login.id
    session.clear()  # nothing of the anonymous session survives the login (CSRF token included)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # flask-wtf's per-request copy
    login_user(person)
    session[SESSION_KEY] = login_id


def sign_out(person_id: int | None) -> None:
    """End this device's login (every copy of its cookie stops working) and log out."""
    login_id = current_login_id()
    if person_id is not None and login_id is not None:
        with transaction() as s:
            end_logins(s, person_id, "logout", only=login_id)
    logout_user()
    session.pop(SESSION_KEY, None)


def checked_login(login: str, password: str) -> Person | None:
    """The account for a login and password, throttled per account (LoginThrottled while it must wait)."""
    from ..security import login_throttle
    from .operations import authenticate  # operations import this module (end_logins)
    throttle = login_throttle()
    throttle.check(login)
    person = authenticate(get_session(), login, password)
    if person is None:
        throttle.failed(login)
    else:
        throttle.succeeded(login)
    return person
