"""Organisations: registration and approval, staff accounts, employment (人员匹配) and administrator changes.

Operations flush and never commit; the acting account is passed explicitly; every refusal is a DomainError with a
Chinese message. Scope decides who may act (scope.py).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from stdnum.cn import uscc as uscc_code
from stdnum.exceptions import ValidationError

from .. import audit, clock
from ..accounts.idcard import id_number_problem
from ..accounts.models import Person
from ..accounts.operations import mobile_problem, name_problem, password_problem, username_problem
from ..errors import Conflict, InvalidFields, InvalidInput, NotAllowed, NotFound
from ..regions import INDUSTRIES, REGIONS, policy_region
from ..security import hash_password
from .models import HR_KINDS, MEMBER_KINDS, AdminChange, Employment, Organisation
from .scope import below, hr_bureau_of, own_org, require_write, scope_of


def uscc_problem(value: str) -> str | None:
    """What is wrong with a unified social credit code (GB 32100-2015, check character included), or None."""
    v = value.strip().upper()
    if len(v) != 18:
        return "统一社会信用代码应为 18 位"
    try:
        uscc_code.validate(v)
    except ValidationError:
        return "统一社会信用代码校验位不正确，请核对营业执照后重新输入"
    return None


def _region_problem(code: str, level: str | None = "county") -> str | None:
    region = REGIONS.get(code)
    if region is None or policy_region(code) is None:
        return "请选择所在县（市、区）"
    if level and region.level != level:
        return "请选择所在县（市、区）"
    return None


def employer_problems(*, uscc: str, name: str, region_code: str, industry: str | None,
                      contact_phone: str) -> dict[str, str]:
    """What is wrong with an organisation's registration details, by field (industry None: it has none)."""
    found = {"uscc": uscc_problem(uscc),
             "name": None if 2 <= len(name.strip()) <= 100 else "请填写与营业执照一致的单位全称",
             "region_code": _region_problem(region_code),
             "industry": None if industry is None or industry in INDUSTRIES else "请选择所属行业",
             "contact_phone": None if re.fullmatch(r"[0-9-]{7,20}", contact_phone.strip()) else "请填写联系电话"}
    return {k: v for k, v in found.items() if v}


def _uscc_taken(s: Session, code: str) -> bool:
    return _uscc_holder(s, code) is not None


def _uscc_holder(s: Session, code: str) -> Organisation | None:
    return s.scalar(select(Organisation).where(Organisation.uscc == code))


# Who registers itself (the rest are created by an HR bureau, 温 第五条): employers and personnel agencies
# (桐人社发〔2018〕26号 第十七条; 威人社字〔2022〕2号 三、四), and training organisers — 施教机构, 高研班举办单位
# (温人社发〔2020〕125号 第十三条; 浙人社发〔2016〕63号 第十一条), which the HR department recognises
# (川人社发〔2016〕20号 二(一): "由省、市（州）人社部门认定的专业技术人员继续教育基地施教"; 六(二)).
REGISTERING_KINDS = (*MEMBER_KINDS, "organiser")


def register_employer(s: Session, *, uscc: str, name: str, region_code: str, industry: str, contact_phone: str,
                      admin_name: str, admin_id_number: str, admin_mobile: str, username: str, password: str,
                      kind: str = "employer", ip: str | None = None) -> Organisation:
    """An employer, personnel agency or training organiser registers with its real name (桐 第十七条; 川 二(一));
    it stays pending until the HR bureau of its county (or one above) approves it.

    Its first administrator's account comes from this registration (温 第五条), with the role of the organisation's
    kind (an organiser's administrator files programmes once approved). An organiser has no industry of its own (a
    programme names the industry it trains for). Every problem is reported at once.
    """
    if kind not in REGISTERING_KINDS:
        raise InvalidInput("只能注册用人单位、人事代理机构或施教机构")
    uscc, username = uscc.strip().upper(), username.strip()
    organiser = kind == "organiser"
    problems = employer_problems(uscc=uscc, name=name, region_code=region_code,
                                 industry=None if organiser else industry, contact_phone=contact_phone)
    if organiser and industry.strip():
        problems["industry"] = "施教机构不填写所属行业（培训项目的行业在报备项目时填写）"
    staff = {"admin_name": name_problem(admin_name), "admin_id_number": id_number_problem(admin_id_number),
             "admin_mobile": mobile_problem(admin_mobile), "username": username_problem(username),
             "password": password_problem(password)}
    problems.update({k: v for k, v in staff.items() if v})
    if "uscc" not in problems and (taken := _uscc_holder(s, uscc)) is not None:
        # A rejected registration is corrected by its own administrator, not registered again: the record, its
        # accounts and the audit of its rejection stay one (resubmit_registration).
        problems["uscc"] = ("该统一社会信用代码的注册未通过审核：请用当时注册的管理员账号登录，在“注册信息”中按原因修改后"
                            "重新提交；忘记密码请联系所在地人社局" if taken.status == "rejected"
                            else "该统一社会信用代码已注册，请联系本单位管理员或所在地人社局")
    if "username" not in problems and s.scalar(select(Person.id).where(Person.username == username)):
        problems["username"] = "该用户名已被使用"
    if problems:
        raise InvalidFields(problems)
    now = clock.now()
    org = Organisation(kind=kind, name=name.strip(), uscc=uscc, region_code=region_code,
                       industry=None if organiser else industry,
                       contact_name=admin_name.strip(), contact_phone=contact_phone.strip(), status="pending",
                       created_at=now)
    s.add(org)
    try:
        with s.begin_nested():
            s.flush()
            admin = Person(role=kind, name=admin_name.strip(), username=username,
                           id_number=admin_id_number.strip().upper(), mobile=admin_mobile.strip(),
                           region=region_code, org_id=org.id, password_hash=hash_password(password), created_at=now)
            s.add(admin)
            s.flush()
    except IntegrityError as exc:  # a concurrent registration of the same code or user name won the race
        raise Conflict("该统一社会信用代码或用户名刚刚已被注册") from exc
    s.add(AdminChange(org_id=org.id, person_id=admin.id, change="added", on=now.date(), by_id=admin.id))
    audit.record(s, admin, "org.register", org, ip=ip, uscc=uscc, name=org.name)
    return org


def decide_org(s: Session, actor: Person, org: Organisation, approve: bool, reason: str = "",
               ip: str | None = None) -> None:
    """The HR bureau of the organisation's county (or above it) approves or rejects a pending registration (桐 第十七条;
    an organiser: 川 二(一)); the organisation's administrators are told, with the reason of a rejection."""
    scope = require_write(s, actor)
    if actor.role != "bureau" or not below(scope, org):
        raise NotFound()
    if org.status != "pending":
        raise Conflict("该单位已审核，无需重复操作")
    reason = reason.strip()
    if not approve and not 2 <= len(reason) <= 200:
        raise InvalidInput("请填写不予通过的原因（2–200 字），单位将看到这一原因")
    # A conditional UPDATE of the submission the clerk read: of two clerks deciding at once one wins, and a decision
    # never lands on a later submission than the one it was made on.
    won = s.execute(update(Organisation).where(Organisation.id == org.id, Organisation.status == "pending",
                                               Organisation.submission == org.submission)
                    .values(status="approved" if approve else "rejected", decision_reason=reason or None,
                            decided_by_id=actor.id, decided_at=clock.now())
                    .execution_options(synchronize_session=False)).rowcount
    if won != 1:
        raise Conflict("该单位的注册刚刚已被审核或重新提交，请刷新页面后再审核")
    s.refresh(org)
    audit.record(s, actor, "org.approve" if approve else "org.reject", org, ip=ip, reason=reason or None,
                 submission=org.submission)
    _tell_decision(s, org)


# What an approved organisation may now do, and where its administrator does it.
NOW_MAY = {"organiser": ("报备培训项目（温人社发〔2020〕125号 第十三条）", "/programmes/manage")}
NOW_MAY_MEMBER = ("确认本单位人员（温人社发〔2020〕125号 第四条）", "/org")


def _tell_decision(s: Session, org: Organisation) -> None:
    """Tell the administrators of a registered organisation how the bureau decided (once per decision)."""
    from ..messages.operations import notify
    what, link = NOW_MAY.get(org.kind, NOW_MAY_MEMBER)
    bureau = REGIONS[org.region_code].bureau
    if org.status == "approved":
        subject, body = "单位注册已审核通过", f"“{org.name}”的注册已经人社局审核通过，现在可以{what}。"
    else:
        subject = "单位注册未通过审核"
        body = (f"“{org.name}”的注册未通过{bureau}审核。原因：{org.decision_reason}。请在“注册信息”中按原因修改后"
                f"重新提交，{bureau}将再次审核。")
        link = "/org/registration"
    for admin in s.scalars(select(Person).where(Person.org_id == org.id, Person.active.is_(True))):
        notify(s, admin, subject, body, link, kind="org.decision", ref=_round_ref(org))


def _round_ref(org: Organisation) -> str:
    """The message reference of one submission of a registration (the first keeps the reference it always had)."""
    return f"org:{org.id}" if org.submission == 1 else f"org:{org.id}:{org.submission}"


# What the applicant may correct when resubmitting, with the names a clerk reads in the history of changes.
RESUBMITTED_FIELDS = {"kind": "单位类型", "uscc": "统一社会信用代码", "name": "单位全称", "region_code": "所在县（市、区）",
                      "industry": "所属行业", "contact_phone": "联系电话"}
REGISTRATION_ACTIONS = ("org.register", "org.reject", "org.resubmit", "org.approve")


def may_resubmit(actor: Person, org: Organisation) -> bool:
    """Whether actor may correct and resubmit org's registration: one of its own administrators, while rejected."""
    return (actor.org_id == org.id and actor.role in REGISTERING_KINDS and org.kind in REGISTERING_KINDS
            and actor.active and org.status == "rejected" and not org.disabled)


def resubmit_registration(s: Session, actor: Person, org: Organisation, *, kind: str, uscc: str, name: str,
                          region_code: str, industry: str, contact_phone: str, note: str,
                          ip: str | None = None) -> Organisation:
    """The administrator of a rejected organisation corrects its registration and submits it again; it waits for the
    HR bureau of its (possibly corrected) county once more (桐人社发〔2018〕26号 第十七条: approved before it acts;
    an organiser: 川人社发〔2016〕20号 二(一)), whose clerks are told.

    The same checks as a registration, every problem at once; the note tells the clerk what was corrected. The
    rejection stays in the audit log (温人社发〔2020〕125号 第十六条: every decision attributable); the row's
    decision is cleared because a pending registration carries none (the schema insists).
    """
    require_write(s, actor)
    if actor.org_id != org.id or actor.role not in REGISTERING_KINDS or org.kind not in REGISTERING_KINDS:
        raise NotFound()
    if org.status != "rejected":
        raise Conflict(f"本单位的注册{org.status_name}，只有未通过审核的注册可以修改后重新提交")
    if org.disabled:  # the bureau stopped it: it decides whether the organisation may try again
        raise Conflict(f"本单位已被停用，不能重新提交注册，请联系{REGIONS[org.region_code].bureau}")
    uscc = uscc.strip().upper()
    problems: dict[str, str] = {}
    if kind not in REGISTERING_KINDS:
        problems["kind"] = "请选择用人单位、人事代理机构或施教机构"
    organiser = kind == "organiser"
    problems.update(employer_problems(uscc=uscc, name=name, region_code=region_code,
                                      industry=None if organiser else industry, contact_phone=contact_phone))
    if organiser and industry.strip():
        problems["industry"] = "施教机构不填写所属行业（培训项目的行业在报备项目时填写）"
    if "uscc" not in problems and (holder := _uscc_holder(s, uscc)) is not None and holder.id != org.id:
        problems["uscc"] = "该统一社会信用代码已被其他单位注册，请核对营业执照；如有疑问请联系所在地人社局"
    note = note.strip()
    if not 2 <= len(note) <= 200:
        problems["note"] = "请说明按不予通过的原因修改了什么（2–200 字），审核人员将看到这一说明"
    if problems:
        raise InvalidFields(problems)
    after = {"kind": kind, "uscc": uscc, "name": name.strip(), "region_code": region_code,
             "industry": None if organiser else industry, "contact_phone": contact_phone.strip()}
    changed = {k: [getattr(org, k), v] for k, v in after.items() if getattr(org, k) != v}
    rejection, old_kind, n = org.decision_reason, org.kind, org.submission + 1
    # A conditional UPDATE: of two administrators resubmitting at once (or a resubmission crossing another), one
    # wins and the other is told; a code another organisation took meanwhile is refused by the unique constraint.
    try:
        with s.begin_nested():
            won = s.execute(update(Organisation).where(Organisation.id == org.id, Organisation.status == "rejected",
                                                       Organisation.submission == org.submission)
                            .values(status="pending", decision_reason=None, decided_by_id=None, decided_at=None,
                                    submission=n, **after)
                            .execution_options(synchronize_session=False)).rowcount
    except IntegrityError as exc:
        raise Conflict("该统一社会信用代码刚刚已被其他单位注册，请核对后重新提交") from exc
    if won != 1:
        raise Conflict("本单位的注册刚刚已被重新提交（可能是其他管理员），请刷新页面")
    s.refresh(org)
    # Its accounts follow it: the region they belong to, and the role of a corrected kind.
    s.execute(update(Person).where(Person.org_id == org.id).values(region=region_code)
              .execution_options(synchronize_session=False))
    if kind != old_kind:
        s.execute(update(Person).where(Person.org_id == org.id, Person.role == old_kind).values(role=kind)
                  .execution_options(synchronize_session=False))
    s.refresh(actor)
    audit.record(s, actor, "org.resubmit", org, ip=ip, submission=n, note=note, rejection=rejection,
                 changed={RESUBMITTED_FIELDS[k]: v for k, v in changed.items()})
    _tell_bureau(s, org, note, rejection, list(changed))
    return org


def _tell_bureau(s: Session, org: Organisation, note: str, rejection: str | None, changed: list[str]) -> None:
    """Tell the clerks of the HR bureau of the organisation's county that its corrected registration waits again."""
    from ..messages.operations import notify
    what = "、".join(RESUBMITTED_FIELDS[k] for k in changed) or "未修改登记信息"
    body = (f"{org.kind_name}“{org.name}”（统一社会信用代码 {org.uscc}）的注册曾未通过审核（原因：{rejection}），"
            f"现已修改后第 {org.submission} 次提交，请审核。修改内容：{what}。单位说明：{note}")
    bureau = hr_bureau_of(s, org.region_code)
    for clerk in s.scalars(select(Person).where(Person.org_id == bureau.id, Person.role == "bureau",
                                                Person.active.is_(True)).order_by(Person.id)):
        notify(s, clerk, "单位修改注册信息后重新提交，待审核", body, f"/admin/orgs/{org.id}", kind="org.resubmit",
               ref=_round_ref(org))


def registration_history(s: Session, org: Organisation) -> list[dict[str, Any]]:
    """The registration's submissions and decisions, oldest first, from the audit log (append-only: a rejection
    corrected later is still there): when, what, by which organisation, and the reason, note or changes."""
    from ..audit import AuditEntry, action_name
    entries = s.scalars(select(AuditEntry).where(AuditEntry.target_type == "Organisation",
                                                 AuditEntry.target_id == str(org.id),
                                                 AuditEntry.action.in_(REGISTRATION_ACTIONS))
                        .order_by(AuditEntry.at, AuditEntry.id)).all()
    orgs = {o.id: o.name for o in s.scalars(select(Organisation).where(
        Organisation.id.in_({e.actor_org_id for e in entries if e.actor_org_id})))}
    out = []
    for e in entries:
        d = e.detail_dict
        out.append({"at": e.at, "action": e.action, "action_name": action_name(e.action),
                    "by": orgs.get(e.actor_org_id or 0, ""), "reason": d.get("reason"), "note": d.get("note"),
                    "changed": d.get("changed") or {}})
    return out


ALLOCATED_KINDS = ("county_hr", "authority", "agency", "organiser")


def create_org(s: Session, actor: Person, *, kind: str, name: str, region_code: str, industry: str = "",
               uscc: str = "", contact_name: str = "", contact_phone: str = "", ip: str | None = None) -> Organisation:
    """An HR bureau creates an industry authority, a personnel agency or a training organiser in its territory
    (温 第五条: the city bureau allocates the accounts of industry authorities)."""
    scope = require_write(s, actor)
    if actor.role != "bureau" or kind not in ("authority", "agency", "organiser"):
        raise NotAllowed("人社局可以创建行业主管部门、人事代理机构和施教机构")
    problems: dict[str, str] = {}
    if not 2 <= len(name.strip()) <= 100:
        problems["name"] = "请填写机构全称"
    region = REGIONS.get(region_code)
    if region is None or region_code not in scope.regions:
        problems["region_code"] = "只能在本局管辖的地区内创建机构"
    elif kind == "authority" and region.level != "city":
        problems["region_code"] = "行业主管部门设在市级，请选择所在市"
    if kind == "authority" and industry not in INDUSTRIES:
        problems["industry"] = "请选择主管的行业"
    uscc = uscc.strip().upper()
    if uscc:
        if (p := uscc_problem(uscc)) is not None:
            problems["uscc"] = p
        elif _uscc_taken(s, uscc):
            problems["uscc"] = "该统一社会信用代码已登记"
    if problems:
        raise InvalidFields(problems)
    org = Organisation(kind=kind, name=name.strip(), region_code=region_code, industry=industry or None,
                       uscc=uscc or None, contact_name=contact_name.strip() or None,
                       contact_phone=contact_phone.strip() or None, status="approved", created_at=clock.now())
    s.add(org)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError as exc:
        raise Conflict("该市该行业的主管部门已存在" if kind == "authority" else "该机构已存在") from exc
    audit.record(s, actor, "org.create", org, ip=ip, kind=kind, name=org.name)
    return org


def set_org_disabled(s: Session, actor: Person, org: Organisation, disabled: bool, ip: str | None = None) -> None:
    """The level above disables or re-enables an organisation; a disabled employer confirms nobody."""
    scope = require_write(s, actor)
    if actor.role != "bureau" or not below(scope, org) or org.kind in HR_KINDS and org.kind == "province_hr":
        raise NotFound()
    org.disabled = disabled
    audit.record(s, actor, "org.disable" if disabled else "org.enable", org, ip=ip)


# Which roles an organisation's staff accounts may have.
ROLES_OF_KIND = {"province_hr": ("bureau", "proctor", "supervisor"), "city_hr": ("bureau", "proctor", "supervisor"),
                 "county_hr": ("bureau", "proctor", "supervisor"), "authority": ("authority", "proctor"),
                 "employer": ("employer",), "agency": ("agency",), "organiser": ("organiser",)}


def may_allocate(s: Session, actor: Person, org: Organisation) -> bool:
    """Whether actor may create staff accounts of org: an HR bureau for itself and the organisations below it
    (温 第五条); an employer's or agency's administrator for its own organisation."""
    scope = scope_of(s, actor)
    if not scope.writable:
        return False
    if actor.role == "bureau":
        return org.id == scope.org_id or below(scope, org)
    return actor.role in MEMBER_KINDS and org.id == scope.org_id and org.may_act


def create_staff(s: Session, actor: Person | None, org: Organisation | None = None, *, role: str, username: str,
                 name: str, password: str, region: str = "wenzhou", ip: str | None = None) -> Person:
    """Create a staff account of an organisation (never self-registered, except an employer's first administrator
    with its registration). actor None is the command line; org None is the HR bureau of region."""
    if org is None:
        org = hr_bureau_of(s, region)
    if actor is not None:
        require_write(s, actor)
        if not may_allocate(s, actor, org):
            raise NotFound()
    if role not in ROLES_OF_KIND[org.kind]:
        raise InvalidInput(f"{org.kind_name}的账号不能是这一角色")
    username = username.strip()
    problems = {"username": username_problem(username), "name": name_problem(name),
                "password": password_problem(password)}
    found = {k: v for k, v in problems.items() if v}
    if not found.get("username") and s.scalar(select(Person.id).where(Person.username == username)):
        found["username"] = "该用户名已被使用"
    if found:
        raise InvalidFields(found)
    person = Person(role=role, username=username, name=name.strip(), region=org.region_code, org_id=org.id,
                    password_hash=hash_password(password), created_at=clock.now())
    s.add(person)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError as exc:
        raise Conflict("该用户名已被使用") from exc
    if org.kind not in HR_KINDS:
        s.add(AdminChange(org_id=org.id, person_id=person.id, change="added", on=clock.china_today(),
                          by_id=getattr(actor, "id", None)))
    audit.record(s, actor, "account.create", person, ip=ip, role=role, username=username, org=org.name)
    return person


def may_disable(s: Session, actor: Person, person: Person) -> bool:
    """The level above disables accounts: an HR bureau those of practitioners and organisations in its territory
    (and its own colleagues); an employer's administrator its fellow administrators. Never oneself."""
    if person.id == actor.id:
        return False
    scope = scope_of(s, actor)
    if not scope.writable:
        return False
    if person.role == "practitioner":
        return actor.role == "bureau" and scope.covers(person.region)
    org = s.get(Organisation, person.org_id) if person.org_id else None
    if org is None:
        return False
    if actor.role == "bureau":
        return org.id == scope.org_id or below(scope, org)
    return actor.role in MEMBER_KINDS and org.id == scope.org_id


def record_admin_change(s: Session, actor: Person, person: Person, active: bool) -> None:
    """A change of an authority's or employer's administrator is reported to the county bureau (桐 第十八条)."""
    org = s.get(Organisation, person.org_id) if person.org_id else None
    if org is not None and org.kind not in HR_KINDS:
        s.add(AdminChange(org_id=org.id, person_id=person.id, change="enabled" if active else "disabled",
                          on=clock.china_today(), by_id=actor.id))


def acknowledge_admin_change(s: Session, actor: Person, change: AdminChange, ip: str | None = None) -> None:
    """The county bureau acknowledges an administrator change it has seen."""
    scope = require_write(s, actor)
    if actor.role != "bureau" or not below(scope, change.org):
        raise NotFound()
    if change.acknowledged_at is not None:
        return
    change.acknowledged_by_id, change.acknowledged_at = actor.id, clock.now()
    audit.record(s, actor, "org.admin_change.ack", change, ip=ip)


# ---- employment (人员匹配) ----------------------------------------------------------------------------------------

def org_employment(s: Session, actor: Person, employment_id: int) -> Employment:
    """An employment (an application, or a staff member's) of the actor's own organisation; 404 for any other."""
    employment = s.get(Employment, employment_id)
    if employment is None or employment.org_id != actor.org_id:
        raise NotFound("没有找到该申请")
    return employment


def waiting_applications(s: Session, org: Organisation) -> list[tuple[Employment, Person]]:
    """The applications waiting for the organisation's confirmation (人员匹配), oldest first, with the applicants."""
    return [(e, p) for e, p in s.execute(
        select(Employment, Person).join(Person, Person.id == Employment.person_id)
        .where(Employment.org_id == org.id, Employment.status == "applied").order_by(Employment.applied_at)).tuples()]


def open_application(s: Session, person: Person) -> Employment | None:
    return s.scalar(select(Employment).where(Employment.person_id == person.id, Employment.status == "applied"))


def current_employment(s: Session, person: Person) -> Employment | None:
    return s.scalar(select(Employment).where(Employment.person_id == person.id, Employment.status == "current"))


def apply_to_org(s: Session, person: Person, org: Organisation, ip: str | None = None) -> Employment:
    """A practitioner chooses an approved employer (or, as a freelancer, an agency); it must confirm (温 第四条).

    A change of employer is such an application too; the current employment lasts until the new one confirms.
    """
    if person.role != "practitioner":
        raise NotAllowed("只有专业技术人员可以选择工作单位")
    if org.kind not in MEMBER_KINDS or not org.may_act:
        raise Conflict("该单位尚未通过人社局审核，暂不能选择，请选择已审核通过的单位")
    current = current_employment(s, person)
    if current is not None and current.org_id == org.id:
        raise Conflict("您已在该单位，无需重复申请")
    if open_application(s, person) is not None:
        raise Conflict("您已有一份待单位确认的申请，请等待确认或先撤回")
    employment = Employment(person_id=person.id, org_id=org.id, status="applied", applied_at=clock.now(),
                            region_code=org.region_code)
    s.add(employment)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError as exc:  # a second application submitted at the same moment
        raise Conflict("您已有一份待单位确认的申请，请等待确认或先撤回") from exc
    audit.record(s, person, "employment.apply", employment, ip=ip, org=org.name)
    return employment


def withdraw_application(s: Session, person: Person, ip: str | None = None) -> Employment:
    """The practitioner withdraws their open application."""
    employment = open_application(s, person)
    if employment is None:
        raise NotFound("没有待确认的申请")
    employment.status, employment.decided_at = "withdrawn", clock.now()
    audit.record(s, person, "employment.withdraw", employment, ip=ip)
    return employment


def _decidable(s: Session, actor: Person, employment: Employment) -> Organisation:
    require_write(s, actor)
    org = own_org(s, actor)
    if actor.role not in MEMBER_KINDS or employment.org_id != org.id:
        raise NotFound()
    if not org.may_act:
        raise Conflict("本单位尚未通过人社局审核（或已停用），暂不能确认人员")
    return org


def confirm_employment(s: Session, actor: Person, employment: Employment, ip: str | None = None) -> Employment:
    """The employer's administrator confirms an applicant (人员匹配); their previous employment ends today and their
    region — and so their hour policy — is the employer's from today on. Hours already registered stay."""
    org = _decidable(s, actor, employment)
    today = clock.china_today()
    previous = s.scalar(select(Employment).where(Employment.person_id == employment.person_id,
                                                 Employment.status == "current"))
    # A conditional UPDATE: of two administrators confirming at once, one wins and the other is told. The row
    # leaves 'applied' first (so that the one-current index never sees two), then becomes current.
    won = s.execute(update(Employment).where(Employment.id == employment.id, Employment.status == "applied")
                    .values(status="withdrawn", decided_at=clock.now())
                    .execution_options(synchronize_session=False)).rowcount
    if won != 1:
        raise Conflict("该申请已被处理（可能已由其他管理员确认），请刷新页面")
    if previous is not None:
        previous.status, previous.ended_on = "ended", today
        s.flush()
    s.execute(update(Employment).where(Employment.id == employment.id)
              .values(status="current", started_on=today, confirmed_by_id=actor.id, decided_at=clock.now())
              .execution_options(synchronize_session=False))
    s.refresh(employment)
    person = s.get(Person, employment.person_id)
    assert person is not None
    person.region = org.region_code
    audit.record(s, actor, "employment.confirm", employment, ip=ip, person=person.id,
                 previous_org=previous.org_id if previous else None)
    return employment


def decline_employment(s: Session, actor: Person, employment: Employment, reason: str,
                       ip: str | None = None) -> Employment:
    """The employer's administrator declines an application, with a reason the practitioner reads."""
    _decidable(s, actor, employment)
    reason = reason.strip()
    if not 2 <= len(reason) <= 200:
        raise InvalidInput("请填写不予确认的原因（2–200 字），申请人将看到这一原因")
    won = s.execute(update(Employment).where(Employment.id == employment.id, Employment.status == "applied")
                    .values(status="declined", reason=reason, decided_at=clock.now(), confirmed_by_id=actor.id)
                    .execution_options(synchronize_session=False)).rowcount
    if won != 1:
        raise Conflict("该申请已被处理（可能已由其他管理员处理），请刷新页面")
    s.refresh(employment)
    audit.record(s, actor, "employment.decline", employment, ip=ip, reason=reason)
    return employment


def end_employment(s: Session, actor: Person, employment: Employment, ip: str | None = None) -> Employment:
    """The employer records that a person has left (their region stays until another employer confirms them)."""
    _decidable(s, actor, employment)
    if employment.status != "current":
        raise Conflict("该人员已不在本单位")
    employment.status, employment.ended_on = "ended", clock.china_today()
    audit.record(s, actor, "employment.end", employment, ip=ip)
    return employment


def region_in(s: Session, person: Person, year: int) -> str:
    """The region a person belonged to at the end of a year (or today, for this year): the region of the employment
    period covering that day, else the region they registered in."""
    day = min(date(year, 12, 31), clock.china_today())
    row = s.scalar(select(Employment.region_code).where(
        Employment.person_id == person.id, Employment.started_on.is_not(None), Employment.started_on <= day,
        (Employment.ended_on.is_(None)) | (Employment.ended_on > day)).order_by(Employment.started_on.desc()))
    return row or person.region


def history(s: Session, person: Person) -> list[Employment]:
    """A person's applications and employment periods, newest first."""
    return list(s.scalars(select(Employment).where(Employment.person_id == person.id)
                          .order_by(Employment.applied_at.desc(), Employment.id.desc())))


def employment_of(s: Session, employment_id: int) -> Employment:
    found = s.get(Employment, employment_id)
    if found is None:
        raise NotFound()
    return found


def employer_label(person: Person) -> str:
    """The employer a page shows for a practitioner: the confirmed one, else the name typed before organisations
    (marked unmatched), else 未选择."""
    from ..db import get_session
    current = current_employment(get_session(), person)
    if current is not None:
        return current.org.name
    if person.employer:
        return f"{person.employer}（未匹配，待本人选择已登记的单位）"
    return "未选择"


def describe(org: Organisation) -> dict[str, Any]:
    """An organisation as the API gives it."""
    return {"id": org.id, "kind": org.kind, "name": org.name, "uscc": org.uscc, "region": org.region_code,
            "region_name": REGIONS[org.region_code].name, "industry": org.industry, "status": org.status}
