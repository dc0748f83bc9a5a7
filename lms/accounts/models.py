from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

ROLES = ("practitioner", "bureau", "proctor")
ROLE_NAMES = {"practitioner": "专业技术人员", "bureau": "人社局工作人员", "proctor": "监考员"}


class Person(UserMixin, Base):
    """Any account: a practitioner (专业技术人员), bureau staff (人社局) or a proctor (监考)."""

    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint("role IN ('practitioner','bureau','proctor')", name="role"),
        CheckConstraint("role <> 'practitioner' OR (id_number IS NOT NULL AND mobile IS NOT NULL)",
                        name="practitioner_identity"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(11), unique=True)
    username: Mapped[str | None] = mapped_column(String(40), unique=True)
    region: Mapped[str] = mapped_column(String(16), default="wenzhou")
    industry: Mapped[str | None] = mapped_column(String(32))
    employer: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change or deactivation: old session cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return value[:4] + "*" * 10 + value[-4:]


def mask_name(name: str) -> str:
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_mobile(value: str | None) -> str:
    """A mobile number as staff lists show it: 139****0001 (enough to recognise, not to call)."""
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 8 else "*" * len(value)


END_REASONS = {"logout": "已退出", "ended": "已在其他设备结束", "password": "修改密码", "reset": "密码重置",
               "disabled": "账号停用"}


class LoginSession(Base):
    """One login (a device's session): the signed session cookie names it, and it is valid only while it is open.

    Logging out, changing or resetting the password and disabling the account close it at once, for every page, API
    call and the lane's statements alike (they all check the row), so a copy of the cookie taken earlier is worth
    nothing afterwards.
    """

    __tablename__ = "login_session"
    __table_args__ = (CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)", name="ended_with_reason"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ip: Mapped[str | None] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(255))
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(16))
