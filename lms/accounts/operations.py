"""Accounts: practitioner self-registration, staff creation, authentication."""
from __future__ import annotations

import re
import secrets

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, clock
from ..errors import Conflict, InvalidFields, InvalidInput
from ..regions import INDUSTRIES, policy_region
from ..security import hash_password, verify_password
from .idcard import id_number_problem
from .models import Person
from .sessions import end_logins

MOBILE = re.compile(r"^1[3-9]\d{9}$")


class AlreadyRegistered(Conflict):
    code, message = "already_registered", "该身份证号码或手机号码已注册，请直接登录"


def password_problem(password: str) -> str | None:
    """What is wrong with a new password, in Chinese, or None."""
    if len(password) > 128:
        return "密码不能超过 128 位"
    if len(password) < 8 or not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "密码至少 8 位，并同时包含字母和数字"
    return None


def check_password_strength(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise InvalidInput(problem)


def mobile_problem(mobile: str) -> str | None:
    """What is wrong with a mobile number, in Chinese, or None."""
    return None if MOBILE.match(mobile.strip()) else "手机号码应为 11 位中国大陆手机号"


def name_problem(name: str) -> str | None:
    return None if 2 <= len(name.strip()) <= 50 else "请填写 2–50 个字的真实姓名"


def practitioner_problems(*, name: str, id_number: str, mobile: str, region: str, industry: str,
                          password: str) -> dict[str, str]:
    """Every problem of a practitioner's registration details, by field (empty when there is none)."""
    found = {"name": name_problem(name), "id_number": id_number_problem(id_number),
             "mobile": mobile_problem(mobile), "region": None if policy_region(region) else "请选择所在地区",
             "industry": None if industry in INDUSTRIES else "请选择所属行业", "password": password_problem(password)}
    return {k: v for k, v in found.items() if v}


def register_practitioner(s: Session, *, name: str, id_number: str, mobile: str, region: str,
                          industry: str, password: str, employer: str = "") -> Person:
    """Register a practitioner (专业技术人员) account; the ID number and mobile must be unique.

    Every problem of the details is reported at once (InvalidFields), not the first one only.
    """
    name, id_number, mobile = name.strip(), id_number.strip().upper(), mobile.strip()
    problems = practitioner_problems(name=name, id_number=id_number, mobile=mobile, region=region,
                                     industry=industry, password=password)
    if problems:
        raise InvalidFields(problems)
    taken = s.scalar(select(Person.id).where(Person.role == "practitioner",
                                             or_(Person.id_number == id_number, Person.mobile == mobile)))
    if taken:
        raise AlreadyRegistered()
    person = Person(role="practitioner", name=name, id_number=id_number, mobile=mobile, region=region,
                    industry=industry, employer=employer.strip() or None,
                    password_hash=hash_password(password), created_at=clock.now())
    s.add(person)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise AlreadyRegistered() from exc
    from ..rosters.operations import credit_waiting
    credit_waiting(s, person)  # rows of training rosters waiting for this person (温 第十四条)
    return person


def username_problem(username: str) -> str | None:
    """What is wrong with a staff user name, or None. It starts with a letter, so that it can never be read as a
    practitioner's ID number or mobile at login."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{2,39}", username.strip()):
        return "用户名为 3–40 位字母、数字、下划线、点或短横线，以字母开头"
    return None


def find_login(s: Session, login: str) -> Person | None:
    login = login.strip()
    if not login:
        return None
    # Practitioners log in by ID number or mobile, staff by user name (an employer's administrator may share an
    # ID number with their own practitioner account).
    return s.scalar(select(Person).where(or_(
        and_(Person.role == "practitioner", or_(Person.id_number == login.upper(), Person.mobile == login)),
        and_(Person.role != "practitioner", Person.username == login))))


def authenticate(s: Session, login: str, password: str) -> Person | None:
    """Return the active account for an ID number, mobile or username and password, or None."""
    person = find_login(s, login)
    if person is None:
        hash_password(password)  # spend the same time, so timing does not reveal which accounts exist
        return None
    if not person.active or not verify_password(person.password_hash, password):
        return None
    return person


def set_active(s: Session, actor: Person, person: Person, active: bool, ip: str | None = None) -> None:
    """Enable or disable an account; disabling ends its sessions."""
    person.active = active
    person.session_version += 1
    if not active:
        end_logins(s, person.id, "disabled")
    audit.record(s, actor, "account.activate" if active else "account.deactivate", person, ip=ip)


class WrongPassword(InvalidInput):
    code, message = "wrong_password", "原密码不正确"


def change_password(s: Session, person: Person, old: str, new: str, keep_login: int | None) -> int:
    """Change one's own password after giving the old one; every other login of the account ends (this one, keep_login,
    stays). Returns how many logins ended."""
    if not verify_password(person.password_hash, old):
        raise WrongPassword()
    check_password_strength(new)
    if new == old:
        raise InvalidInput("新密码不能与原密码相同")
    person.password_hash = hash_password(new)
    s.flush()
    return end_logins(s, person.id, "password", keep=keep_login)


def temporary_password() -> str:
    """A password for a reset: 10 letters and digits (none that read alike), at least one of each."""
    letters, digits = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ", "23456789"
    while True:
        word = "".join(secrets.choice(letters + digits) for _ in range(10))
        if password_problem(word) is None:
            return word


def reset_password(s: Session, actor: Person, person: Person, id_number_seen: str, ip: str | None = None) -> str:
    """Reset a practitioner's password at the bureau's counter, after the clerk checked the person's resident ID card
    (its number typed in full must be the account's); every login of the account ends, and the action is audited.
    Returns the temporary password, to be handed to the person (shown once, stored only as its hash)."""
    if person.role != "practitioner" or not person.id_number:
        raise InvalidInput("只能为专业技术人员重置密码；工作人员账号请由管理员重新创建")
    if id_number_seen.strip().upper() != person.id_number:
        raise InvalidInput("身份证号码与该账号不符，请核对本人身份证件后重试")
    password = temporary_password()
    person.password_hash = hash_password(password)
    s.flush()
    ended = end_logins(s, person.id, "reset")
    audit.record(s, actor, "account.password_reset", person, ip=ip, logins_ended=ended)
    return password
