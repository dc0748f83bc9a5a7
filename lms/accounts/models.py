from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

# Staff roles act with their organisation's powers (lms/orgs/scope.py); a supervisor (上级主管部门 / 监察,
# 温人社发〔2020〕125号 第十六条) reads everything in its scope and changes nothing.
ROLES = ("practitioner", "bureau", "authority", "employer", "agency", "organiser", "proctor", "supervisor")
ROLE_NAMES = {"practitioner": "专业技术人员", "bureau": "人社局工作人员", "authority": "行业主管部门管理员",
              "employer": "用人单位管理员", "agency": "人事代理机构管理员", "organiser": "施教机构管理员",
              "proctor": "监考员", "supervisor": "监督检查（只读）"}
STAFF_ROLES = tuple(r for r in ROLES if r != "practitioner")


class Person(UserMixin, Base):
    """Any account: a practitioner (专业技术人员) or a staff account of an organisation (lms/orgs)."""

    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint("role IN ('practitioner','bureau','authority','employer','agency','organiser','proctor',"
                        "'supervisor')", name="role"),
        CheckConstraint("role <> 'practitioner' OR (id_number IS NOT NULL AND mobile IS NOT NULL)",
                        name="practitioner_identity"),
        # Staff accounts belong to an organisation and log in by user name (温 第五条).
        CheckConstraint("role = 'practitioner' OR (org_id IS NOT NULL AND username IS NOT NULL)",
                        name="staff_org"),
        # An ID number or mobile identifies one practitioner; an employer's administrator may also be one.
        Index("uq_person_practitioner_id_number", "id_number", unique=True,
              sqlite_where=text("role = 'practitioner'"), postgresql_where=text("role = 'practitioner'")),
        Index("uq_person_practitioner_mobile", "mobile", unique=True,
              sqlite_where=text("role = 'practitioner'"), postgresql_where=text("role = 'practitioner'")),
        # A territory's (and an authority's industry's) practitioners (lms.orgs.scope.person_clause), their ids read
        # from the index alone (the reviewers' queues join them to their claims).
        Index("ix_person_practitioner_region_industry", "region", "industry", "id",
              sqlite_where=text("role = 'practitioner'"), postgresql_where=text("role = 'practitioner'")),
        # Checked in full by lms.messages.operations.normal_email (email-validator); the database keeps the shape.
        CheckConstraint("email IS NULL OR (email LIKE '%_@_%' AND length(email) <= 254)", name="email"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str | None] = mapped_column(String(18))
    mobile: Mapped[str | None] = mapped_column(String(11))
    # Optional: messages are also mailed there (lms/messages), and a forgotten password can be reset through it.
    email: Mapped[str | None] = mapped_column(String(254))
    username: Mapped[str | None] = mapped_column(String(40), unique=True)
    # The region the person is registered in: their current employer's (or agency's) county once confirmed, the
    # region chosen at registration before that. The hour policy follows it (lms/regions.py policy_of).
    region: Mapped[str] = mapped_column(String(32), default="wenzhou")
    industry: Mapped[str | None] = mapped_column(String(32))
    # The free-text employer of accounts made before organisations: kept as an unmatched name until the person
    # chooses a registered employer (温 第四条).
    employer: Mapped[str | None] = mapped_column(String(100))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
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
    def masked_email(self) -> str:
        return mask_email(self.email)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]

    @property
    def is_staff(self) -> bool:
        return self.role != "practitioner"

    @property
    def read_only(self) -> bool:
        return self.role == "supervisor"


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


def mask_email(value: str | None) -> str:
    """An address as staff pages show it: z***@example.com (enough to tell whether it is the one the person means)."""
    if not value:
        return ""
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


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
