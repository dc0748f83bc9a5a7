"""Password reset by a code sent by e-mail (issue 15: "password reset: by email code when SMTP is configured").

A person who gave an e-mail address (个人信息) and forgot their password asks for a code with their ID number,
mobile or user name; a 6-digit code goes to that address through the mail outbox (lms/messages), valid for
RESET_CODE_MINUTES; with it and a new password the password is reset and every login of the account ends.

* Only an HMAC-SHA256 of the code (keyed with the app's SECRET_KEY) is stored: a copy of the table alone does not
  give the million candidates away to an offline search.
* A code takes RESET_CODE_ATTEMPTS wrong tries, then it is dead; wrong codes also count in the per-account login
  throttle (lms/accounts/throttle.py: growing delay, then a lock) and every post in the per-address login limit.
* At most RESET_CODES_PER_HOUR codes per account an hour; a new code replaces the earlier ones.
* The answer to a request is the same whether or not the account exists or has an address, so the page tells
  nobody which accounts exist.
Without SMTP_URL there is no mail: the page says to ask the employer's administrator or the HR bureau, who reset it
after checking the person's identity (lms/accounts/operations.py reset_password).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .. import audit, clock
from ..db import Base
from ..errors import DomainError, InvalidFields
from ..messages.operations import notify, queue_mail
from ..security import hash_password
from .models import Person
from .operations import find_login, password_problem
from .sessions import end_logins

RESET_CODE_MINUTES = 15
RESET_CODE_ATTEMPTS = 5
RESET_CODES_PER_HOUR = 3


class PasswordResetCode(Base):
    """A code sent to a person's address: its keyed hash, until when it holds, how often it was tried, when used."""

    __tablename__ = "password_reset_code"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts"),
        CheckConstraint("expires_at > created_at", name="expires_after_created"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]
    ip: Mapped[str | None] = mapped_column(String(64))


class CodeRefused(DomainError):
    status, code = 400, "reset_code_refused"
    message = "验证码不正确或已失效，请重新获取验证码"


@dataclass(frozen=True)
class ResetSettings:
    secret: str
    minutes: int = RESET_CODE_MINUTES
    attempts: int = RESET_CODE_ATTEMPTS
    per_hour: int = RESET_CODES_PER_HOUR


def code_hash(secret: str, person_id: int, code: str) -> str:
    return hmac.new(secret.encode(), f"password-reset:{person_id}:{code}".encode(), hashlib.sha256).hexdigest()


def request_code(s: Session, login: str, settings: ResetSettings, ip: str | None = None) -> bool:
    """Send a reset code to the account's address through the outbox; False when nothing was sent (no such active
    account, no address, or too many codes this hour): the caller answers the same either way."""
    person = find_login(s, login)
    if person is None or not person.active or not person.email:
        return False
    now = clock.now()
    recent = s.scalar(select(func.count(PasswordResetCode.id)).where(
        PasswordResetCode.person_id == person.id, PasswordResetCode.created_at > now - timedelta(hours=1))) or 0
    if recent >= settings.per_hour:
        return False
    # A new code replaces the earlier ones: they are spent (no tries left).
    s.execute(update(PasswordResetCode).where(PasswordResetCode.person_id == person.id,
                                              PasswordResetCode.used_at.is_(None),
                                              PasswordResetCode.expires_at > now)
              .values(attempts=settings.attempts).execution_options(synchronize_session=False))
    code = f"{secrets.randbelow(10**6):06d}"
    valid = timedelta(minutes=settings.minutes)
    s.add(PasswordResetCode(person_id=person.id, code_hash=code_hash(settings.secret, person.id, code),
                            created_at=now, expires_at=now + valid, attempts=0, ip=(ip or "")[:64] or None))
    s.flush()
    queue_mail(s, person.email, "学时通密码重置验证码",
               f"{person.name}，您好：\n您正在重置学时通账号的密码，验证码为 {code}，{settings.minutes} 分钟内有效，只能使用一次。\n"
               "如非本人操作，请忽略本邮件，您的密码不会改变。",
               person_id=person.id, valid_for=valid)
    return True


def reset_with_code(s: Session, login: str, code: str, new_password: str, settings: ResetSettings,
                    ip: str | None = None) -> Person:
    """Set a new password with a valid code: the code is used up, every login of the account ends, the action is
    audited and the person told. CodeRefused for a wrong, used, expired or exhausted code (the code's tries count)."""
    problem = password_problem(new_password)
    if problem:
        raise InvalidFields({"password": problem})
    person = find_login(s, login)
    now = clock.now()
    current = None if person is None or not person.active else s.scalar(
        select(PasswordResetCode).where(PasswordResetCode.person_id == person.id,
                                        PasswordResetCode.used_at.is_(None), PasswordResetCode.expires_at > now,
                                        PasswordResetCode.attempts < settings.attempts)
        .order_by(PasswordResetCode.id.desc()))
    if person is None or current is None:
        raise CodeRefused()
    given = (code or "").strip()
    if not hmac.compare_digest(current.code_hash, code_hash(settings.secret, person.id, given)):
        s.execute(update(PasswordResetCode).where(PasswordResetCode.id == current.id)
                  .values(attempts=PasswordResetCode.attempts + 1).execution_options(synchronize_session=False))
        raise CodeRefused()
    # Used once: of two posts with the same code only one changes the row.
    used = s.execute(update(PasswordResetCode).where(PasswordResetCode.id == current.id,
                                                     PasswordResetCode.used_at.is_(None))
                     .values(used_at=now).execution_options(synchronize_session=False))
    if getattr(used, "rowcount", 0) != 1:
        raise CodeRefused()
    person.password_hash = hash_password(new_password)
    s.flush()
    ended = end_logins(s, person.id, "reset")
    audit.record(s, person, "account.password_reset_email", person, ip=ip, logins_ended=ended)
    notify(s, person, "您的密码已重置",
           f"您的学时通账号密码已于 {clock.china(now):%Y-%m-%d %H:%M} 通过邮箱验证码重置，所有设备上的登录均已退出。"
           "如非本人操作，请立即联系单位管理员或人社局。", kind="account.password_reset", ref=f"reset:{current.id}")
    return person
