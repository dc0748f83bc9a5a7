"""Demo data of training organisers: an organiser in 鹿城区 with an approved programme whose roster waits for the
city bureau's confirmation, and a programme filed and waiting for approval."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..accounts.models import Person
from ..orgs.models import Organisation
from ..orgs.operations import create_staff
from ..orgs.scope import hr_bureau_of
from .operations import decide_programme, file_programme, upload_roster

USERNAME = "peixun"


def load_roster_demo(s: Session, password: str) -> list[str]:
    """Create the demo organiser once; return the lines naming its account."""
    if s.scalar(select(Person.id).where(Person.username == USERNAME)) is None:
        _create(s, password)
    return ["  施教机构管理员  用户名 peixun（温州市专业技术人员继续教育学院：一个已批准项目的名单待市人社局 admin 确认，"
            "一个项目待审批；公开列表 /programmes）"]


def _create(s: Session, password: str) -> None:
    now = clock.now()
    org = Organisation(kind="organiser", name="温州市专业技术人员继续教育学院", region_code="wenzhou-lucheng",
                       contact_name="培训部", contact_phone="0577-88001111", status="approved", created_at=now)
    s.add(org)
    s.flush()
    admin = create_staff(s, None, org, role="organiser", username=USERNAME, name="继续教育学院管理员",
                         password=password)
    clerk = s.scalar(select(Person).where(Person.username == "admin"))
    assert clerk is not None and clerk.org_id == hr_bureau_of(s, "wenzhou").id
    today = clock.china_today()
    held = file_programme(s, admin, title="建筑工程新技术高级研修班", category="professional", industry="工程技术",
                          starts_on=today - timedelta(days=10), ends_on=today - timedelta(days=8), hours_per_day="6",
                          venue="温州市鹿城区学院中路 1 号", fee="600", capacity="80",
                          approval_document="温人社专技〔2026〕3号")
    decide_programme(s, clerk, held, True)
    file_programme(s, admin, title="数字经济专题培训班", category="general_public", industry="",
                   starts_on=today + timedelta(days=20), ends_on=today + timedelta(days=21), hours_per_day="6",
                   venue="温州市瓯海区东方南路 38 号", fee="0", capacity="200", approval_document="温人社专技〔2026〕9号")
    rows = [("姓名", "身份证号码", "参加天数", "学时")]
    for mobile in ("13900000001", "13900000002"):
        p = s.scalar(select(Person).where(Person.mobile == mobile, Person.role == "practitioner"))
        if p is not None and p.id_number:
            rows.append((p.name, p.id_number, "3", ""))
    rows += [("陈未注册", "330302199001010013", "2", ""), ("错号码", "330302199001010019", "3", "")]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    upload_roster(s, admin, held, "建筑工程新技术高级研修班名单.csv", buf.getvalue().encode())
