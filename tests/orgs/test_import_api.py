"""Bulk import of employers (all or nothing, idempotent, a report of refused rows) and the organisations API."""
from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from lms.orgs.models import Organisation
from tests.conftest import login, make_uscc
from tests.test_access import web_login

HEADER = "统一社会信用代码,单位名称,所在县（市、区）,所属行业,联系人,联系电话\n"


def employers(db: Any) -> int:
    db.rollback()
    return int(db.scalar(select(func.count()).select_from(Organisation).where(Organisation.kind == "employer")) or 0)


def upload(client: Any, text: str, name: str = "units.csv") -> Any:
    return client.post("/admin/orgs/import", data={"file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


def test_a_file_with_one_bad_row_imports_nothing_and_reports_it(app: Any, db: Any, make: Any) -> None:
    clerk = app.test_client()
    web_login(clerk, make.staff(region="wenzhou"))
    bad = make_uscc(2)[:-1] + ("0" if make_uscc(2)[-1] != "0" else "1")
    text = HEADER + f"{make_uscc(1)},甲公司,鹿城区,工程技术,王,0577-1234567\n{bad},乙公司,鹿城区,教育,李,0577-7654321\n" \
        f"{make_uscc(3)},丙公司,环翠区,教育,张,0631-1234567\n"
    resp = upload(clerk, text)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "第 3 行" in body and "第 4 行" in body and "第 2 行" not in body
    assert employers(db) == 0
    report = body.split('href="/admin/orgs/import/report/')[1].split('"')[0]
    xlsx = clerk.get(f"/admin/orgs/import/report/{report}")
    rows = list(load_workbook(io.BytesIO(xlsx.get_data())).worksheets[0].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [3, 4] and "校验位" in rows[1][3] and "管辖" in rows[2][3]
    other = app.test_client()  # another clerk cannot fetch it
    web_login(other, make.staff(region="wenzhou"))
    assert other.get(f"/admin/orgs/import/report/{report}").status_code == 404


def test_importing_the_same_file_twice_changes_nothing(app: Any, db: Any, make: Any) -> None:
    clerk = app.test_client()
    web_login(clerk, make.staff(region="wenzhou"))
    text = HEADER + f"{make_uscc(1)},甲公司,鹿城区,工程技术,王,0577-1234567\n{make_uscc(2)},乙公司,瑞安市,教育,李,0577-7654321\n"
    assert upload(clerk, text).status_code == 302
    assert employers(db) == 2
    assert upload(clerk, text).status_code == 302
    assert employers(db) == 2
    assert db.scalar(select(Organisation.status).where(Organisation.uscc == make_uscc(2))) == "approved"


def test_the_api_walk_of_a_practitioner_and_an_employer(app: Any, db: Any, make: Any) -> None:
    org = make.org(name="温州测试中学")
    admin = make.staff("employer", org=org)
    person = make.practitioner(name="钱老师")
    me = app.test_client()
    login(me, person.id_number)
    assert me.get("/api/v1/employers?q=测试").get_json()["employers"][0]["id"] == org.id
    assert me.get("/api/v1/employers?q=x").status_code == 400
    made = me.post("/api/v1/me/employment/applications", json={"org_id": org.id})
    assert made.status_code == 201 and made.get_json()["status"] == "applied"
    again = me.post("/api/v1/me/employment/applications", json={"org_id": org.id})
    assert again.status_code == 409 and again.get_json()["error"] == "conflict"
    boss = app.test_client()
    login(boss, admin.username)
    waiting = boss.get("/api/v1/org/applications").get_json()["applications"]
    assert [w["person"]["name"] for w in waiting] == ["钱老师"]
    done = boss.post(f"/api/v1/org/applications/{waiting[0]['id']}/confirm")
    assert done.status_code == 200 and done.get_json()["status"] == "current"
    assert boss.post(f"/api/v1/org/applications/{waiting[0]['id']}/confirm").status_code == 409
    staff = boss.get("/api/v1/org/staff").get_json()["staff"]
    assert staff[0]["person"]["name"] == "钱老师" and staff[0]["hours"] == "0.00" and staff[0]["complete"] is False
    mine = me.get("/api/v1/me/employment").get_json()
    assert mine["current"]["org"]["name"] == "温州测试中学" and mine["application"] is None


def test_registering_an_employer_by_api_reports_every_field(client: Any) -> None:
    resp = client.post("/api/v1/orgs/register", json={"uscc": "123", "name": "x", "region_code": "wenzhou",
                                                      "industry": "无", "contact_phone": "", "admin_name": "",
                                                      "admin_id_number": "1", "admin_mobile": "2", "username": "1a",
                                                      "password": "p"})
    body = resp.get_json()
    assert resp.status_code == 400 and body["error"] == "invalid_input"
    assert {"uscc", "name", "region_code", "industry", "contact_phone", "admin_name", "admin_id_number",
            "admin_mobile", "username", "password"} <= set(body["fields"])
