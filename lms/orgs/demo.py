"""Demo organisations (issue 11): Wenzhou with three county bureaus, four industry authorities, a dozen employers
(one pending approval), a personnel agency, a supervisor, and a staff account at every level. Idempotent."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..accounts.models import Person
from ..security import hash_password
from .fees import report_fees
from .models import AdminChange, Organisation
from .operations import apply_to_org, confirm_employment, create_org, create_staff
from .scope import hr_bureau_of

COUNTIES = (("wenzhou-lucheng", "lucheng", "鹿城区人社局科员"), ("wenzhou-ouhai", "ouhai", "瓯海区人社局科员"),
            ("wenzhou-ruian", "ruian", "瑞安市人社局科员"))
AUTHORITIES = (("温州市教育局", "教育", "jiaoyu"), ("温州市卫生健康委员会", "卫生健康", "weijian"),
               ("温州市住房和城乡建设局", "工程技术", "zhujian"), ("温州市财政局", "会计", "caizheng"))
# (USCC, name, county, industry, administrator's user name or None, status)
EMPLOYERS = (
    ("12330300470000001W", "温州市第一中学", "wenzhou-lucheng", "教育", "yizhong", "approved"),
    ("12330300470000002U", "温州市实验小学", "wenzhou-lucheng", "教育", None, "approved"),
    ("12330300470000003S", "温州市人民医院", "wenzhou-lucheng", "卫生健康", "renmin", "approved"),
    ("12330300470000004Q", "温州市中心医院", "wenzhou-lucheng", "卫生健康", None, "approved"),
    ("91330302470000005N", "温州市建筑设计研究院有限公司", "wenzhou-lucheng", "工程技术", "jianyuan", "approved"),
    ("91330302470000006L", "温州鹿城科技有限公司", "wenzhou-lucheng", "工程技术", "lckj", "pending"),
    ("12330304470000007J", "温州市瓯海中学", "wenzhou-ouhai", "教育", "ouzhong", "approved"),
    ("12330304470000008G", "瓯海区人民医院", "wenzhou-ouhai", "卫生健康", None, "approved"),
    ("91330304470000009E", "温州瓯海会计师事务所有限公司", "wenzhou-ouhai", "会计", None, "approved"),
    ("12330381470000010C", "瑞安市第一人民医院", "wenzhou-ruian", "卫生健康", None, "approved"),
    ("12330381470000011A", "瑞安中学", "wenzhou-ruian", "教育", None, "approved"),
    ("91330381470000012X", "瑞安市交通建设工程有限公司", "wenzhou-ruian", "工程技术", None, "approved"),
)


def _fix_uscc(code: str) -> str:
    """The demo codes with their GB 32100-2015 check character computed."""
    from stdnum.cn import uscc
    return code[:17] + uscc.calc_check_digit(code[:17])


def load_org_demo(s: Session, city_admin: Person, password: str) -> list[str]:
    """Create the demo organisations once; return the lines naming their accounts."""
    if s.scalar(select(Person.id).where(Person.username == "lucheng")) is None:
        _create(s, city_admin, password)
    return [
        "  县级人社局      用户名 lucheng（鹿城区）、ouhai（瓯海区）、ruian（瑞安市）",
        "  监督检查（只读） 用户名 jiancha",
        "  行业主管部门    用户名 jiaoyu（教育局）、weijian（卫健委）、zhujian（住建局）、caizheng（财政局）",
        "  用人单位管理员  用户名 yizhong（温州市第一中学：李娜待确认）、jianyuan（建筑设计研究院：张伟在职，已报告本年度培训经费）、"
        "lckj（鹿城科技：待鹿城区审核）",
        "  人事代理机构    用户名 rencai（鹿城区人才服务中心）",
        "  单位注册入口    /orgs/register",
    ]


def _create(s: Session, admin: Person, password: str) -> None:
    city = hr_bureau_of(s, "wenzhou")
    create_staff(s, None, city, role="supervisor", username="jiancha", name="市人社局监督检查员", password=password)
    for region, username, name in COUNTIES:
        create_staff(s, None, hr_bureau_of(s, region), role="bureau", username=username, name=name, password=password)
    for name, industry, username in AUTHORITIES:
        org = create_org(s, admin, kind="authority", name=name, region_code="wenzhou", industry=industry)
        create_staff(s, admin, org, role="authority", username=username, name=f"{name}管理员", password=password)
    agency = create_org(s, admin, kind="agency", name="鹿城区人才服务中心", region_code="wenzhou-lucheng")
    create_staff(s, admin, agency, role="agency", username="rencai", name="人才中心管理员", password=password)
    now = clock.now()
    admins: dict[str, Person] = {}
    orgs: dict[str, Organisation] = {}
    for code, name, region, industry, username, status in EMPLOYERS:
        org = Organisation(kind="employer", uscc=_fix_uscc(code), name=name, region_code=region, industry=industry,
                           contact_name="单位联系人", contact_phone="0577-88000000", status=status,
                           decided_by_id=admin.id if status == "approved" else None,
                           decided_at=now if status == "approved" else None, created_at=now)
        s.add(org)
        s.flush()
        orgs[name] = org
        if username:
            person = Person(role="employer", username=username, name=f"{name[:6]}管理员", region=region,
                            org_id=org.id, password_hash=hash_password(password), created_at=now)
            s.add(person)
            s.flush()
            s.add(AdminChange(org_id=org.id, person_id=person.id, change="added", on=now.date(), by_id=person.id))
            admins[username] = person
    zhang = s.scalar(select(Person).where(Person.mobile == "13900000001", Person.role == "practitioner"))
    li = s.scalar(select(Person).where(Person.mobile == "13900000002", Person.role == "practitioner"))
    if zhang is not None:
        confirm_employment(s, admins["jianyuan"], apply_to_org(s, zhang, orgs["温州市建筑设计研究院有限公司"]))
        zhang.employer = None
    if li is not None:
        apply_to_org(s, li, orgs["温州市第一中学"])
    s.flush()
    # the year's training fees, so that the statistics' 培训经费（用人单位报告） has a row (川人社发〔2016〕20号 七(三))
    report_fees(s, admins["jianyuan"], year=str(clock.study_year()), amount="38600", trained="12",
                note="建筑节能新技术培训", ip="demo")

