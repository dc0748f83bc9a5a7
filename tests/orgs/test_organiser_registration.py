"""A training organiser (施教机构) registers itself and is approved by the HR bureau of its region (issue 13 item 4:
温人社发〔2020〕125号 第十三条, 浙人社发〔2016〕63号 第十一条, recognised by the HR department: 川人社发〔2016〕20号
二(一)), on SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from lms.accounts.models import Person
from lms.audit import AuditEntry
from lms.messages.models import Message
from lms.orgs.models import Organisation
from lms.rosters.models import Programme
from tests.conftest import PASSWORD, make_id_number, make_uscc
from tests.rosters.test_rosters import PROGRAMME
from tests.test_access import web_login

ORGANISER = {"kind": "organiser", "uscc": make_uscc(31), "name": "温州市鹿城区专业技术人员继续教育培训中心",
             "region_code": "wenzhou-lucheng", "industry": "", "contact_phone": "0577-88112233",
             "admin_name": "陈培训", "admin_id_number": make_id_number(731), "admin_mobile": "13700000731",
             "username": "peixun", "password": PASSWORD, "confirm": PASSWORD}


def as_(app: Any, who: Any) -> Any:
    c = app.test_client()
    web_login(c, who)
    return c


def fresh(db: Any) -> Any:
    db.commit()  # a new transaction: see what the requests committed
    db.expire_all()
    return db


def registered(db: Any, uscc: str = ORGANISER["uscc"]) -> Organisation:
    return fresh(db).scalar(select(Organisation).where(Organisation.uscc == uscc))


def counts(db: Any) -> tuple[int, int]:
    fresh(db)
    return (db.scalar(select(func.count()).select_from(Organisation).where(Organisation.kind == "organiser")) or 0,
            db.scalar(select(func.count()).select_from(Person).where(Person.role == "organiser")) or 0)


def test_an_organiser_registers_pending_files_nothing_until_its_county_bureau_approves_then_files(
        app: Any, db: Any, make: Any) -> None:
    welcome = app.test_client().get("/").get_data(as_text=True)
    assert 'href="/orgs/register"' in welcome and "施教机构" in welcome
    assert "施教机构（高研班、培训班举办单位）" in app.test_client().get("/orgs/register").get_data(as_text=True)
    resp = app.test_client().post("/orgs/register", data=ORGANISER)
    assert resp.status_code == 200 and "不能报备培训项目" in resp.get_data(as_text=True)
    org = registered(db)
    admin = db.scalar(select(Person).where(Person.username == "peixun"))
    assert (org.kind, org.status, org.industry, org.contact_name) == ("organiser", "pending", None, "陈培训")
    # Its administrator has the role of the organisers a bureau creates (ROLES_OF_KIND["organiser"]).
    assert (admin.role, admin.org_id, admin.region) == ("organiser", org.id, "wenzhou-lucheng")

    # Pending, its administrator logs in, reads why it cannot file, and cannot file.
    organiser = as_(app, admin)
    assert "等待温州市鹿城区人力资源和社会保障局审核认定" in organiser.get("/programmes/manage").get_data(as_text=True)
    page = organiser.get("/programmes/new").get_data(as_text=True)
    assert "审核通过前不能报备培训项目" in page and 'name="title"' not in page
    resp = organiser.post("/programmes/new", data=PROGRAMME)
    assert resp.status_code == 400 and "尚未通过审核" in resp.get_data(as_text=True)
    assert fresh(db).scalar(select(func.count()).select_from(Programme)) == 0

    # A bureau of another county does not even see it; its own county's bureau approves it.
    ouhai = make.staff(username="ouhai", region="wenzhou-ouhai")
    lucheng = make.staff(username="lucheng", region="wenzhou-lucheng")
    assert as_(app, ouhai).post(f"/admin/orgs/{org.id}/decide/approve").status_code == 404
    assert registered(db).status == "pending"
    bureau = as_(app, lucheng)
    assert "审核通过" in bureau.get(f"/admin/orgs/{org.id}").get_data(as_text=True)
    resp = bureau.post(f"/admin/orgs/{org.id}/decide/approve", follow_redirects=True)
    assert "该机构现在可以报备培训项目" in resp.get_data(as_text=True)
    org = registered(db)
    assert (org.status, org.decided_by_id) == ("approved", lucheng.id)
    audit = db.scalar(select(AuditEntry).where(AuditEntry.action == "org.approve", AuditEntry.target_id == str(org.id)))
    assert audit is not None and audit.actor_id == lucheng.id
    told = db.scalar(select(Message).where(Message.person_id == admin.id, Message.kind == "org.decision"))
    assert told is not None and "报备培训项目" in told.body and told.link == "/programmes/manage"
    assert "停用后该机构不能报备培训项目" in bureau.get(f"/admin/orgs/{org.id}").get_data(as_text=True)

    # Approved, its administrator files a programme, which the competent bureau then decides on.
    assert "审核通过前" not in organiser.get("/programmes/manage").get_data(as_text=True)
    resp = organiser.post("/programmes/new", data=PROGRAMME)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    programme = fresh(db).scalar(select(Programme))
    assert (programme.org_id, programme.status, programme.filed_by_id) == (org.id, "filed", admin.id)


def test_an_organiser_registers_through_the_api_pending_with_no_industry(app: Any, db: Any) -> None:
    body = {k: v for k, v in ORGANISER.items() if k not in ("confirm", "industry")}
    resp = app.test_client().post("/api/v1/orgs/register", json=body)
    assert resp.status_code == 201, resp.get_json()
    got = resp.get_json()
    assert (got["kind"], got["status"], got["industry"], got["uscc"]) == ("organiser", "pending", None,
                                                                          ORGANISER["uscc"])
    admin = fresh(db).scalar(select(Person).where(Person.username == "peixun"))
    assert admin.role == "organiser" and admin.org_id == got["id"]


def test_an_organiser_names_no_industry_of_its_own(app: Any, db: Any) -> None:
    resp = app.test_client().post("/api/v1/orgs/register", json={**ORGANISER, "industry": "教育"})
    assert resp.status_code == 400
    assert "施教机构不填写所属行业" in resp.get_json()["fields"]["industry"]
    assert counts(db) == (0, 0)


def test_the_city_bureau_above_may_approve_and_a_bureau_of_another_city_gets_404(app: Any, db: Any,
                                                                                  make: Any) -> None:
    app.test_client().post("/orgs/register", data=ORGANISER)
    org = registered(db)
    weihai = make.staff(username="weihai", region="weihai")
    city = make.staff(username="wzcity", region="wenzhou")
    assert as_(app, weihai).get(f"/admin/orgs/{org.id}").status_code == 404
    assert as_(app, weihai).post(f"/admin/orgs/{org.id}/decide/approve").status_code == 404
    assert as_(app, city).post(f"/admin/orgs/{org.id}/decide/approve").status_code == 302
    assert registered(db).status == "approved"


def test_a_rejected_organiser_is_told_the_reason_and_still_files_nothing(app: Any, db: Any, make: Any) -> None:
    app.test_client().post("/orgs/register", data=ORGANISER)
    org = registered(db)
    admin = db.scalar(select(Person).where(Person.username == "peixun"))
    bureau = as_(app, make.staff(username="lucheng", region="wenzhou-lucheng"))
    # Without a reason nothing is decided.
    resp = bureau.post(f"/admin/orgs/{org.id}/decide/reject", data={"reason": ""}, follow_redirects=True)
    assert "请填写不予通过的原因" in resp.get_data(as_text=True)
    assert registered(db).status == "pending"
    reason = "营业执照经营范围不含教育培训"
    resp = bureau.post(f"/admin/orgs/{org.id}/decide/reject", data={"reason": reason}, follow_redirects=True)
    assert "已审核不通过" in resp.get_data(as_text=True)
    org = registered(db)
    assert (org.status, org.decision_reason) == ("rejected", reason)
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "org.reject", AuditEntry.target_id == str(org.id)))
    told = db.scalar(select(Message).where(Message.person_id == admin.id, Message.kind == "org.decision"))
    assert told is not None and reason in told.body
    # Decided once: a second decision is refused.
    resp = bureau.post(f"/admin/orgs/{org.id}/decide/approve", follow_redirects=True)
    assert "已审核" in resp.get_data(as_text=True) and registered(db).status == "rejected"
    organiser = as_(app, admin)
    assert reason in organiser.get("/programmes/manage").get_data(as_text=True)
    assert organiser.post("/programmes/new", data=PROGRAMME).status_code == 400
    assert fresh(db).scalar(select(func.count()).select_from(Programme)) == 0


def test_bad_registrations_are_refused_in_chinese_and_create_nothing(app: Any, db: Any, make: Any) -> None:
    client = app.test_client()
    good = ORGANISER["uscc"]
    wrong_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    resp = client.post("/orgs/register", data={**ORGANISER, "uscc": wrong_check})
    assert "统一社会信用代码校验位不正确" in resp.get_data(as_text=True)
    resp = client.post("/api/v1/orgs/register", json={**ORGANISER, "uscc": good[:-1]})
    assert resp.status_code == 400 and resp.get_json()["fields"]["uscc"] == "统一社会信用代码应为 18 位"
    # Missing fields: each named, on the page and through the API.
    page = client.post("/orgs/register", data={"kind": "organiser", "region_code": "wenzhou-lucheng",
                                               "industry": ""}).get_data(as_text=True)
    for message in ("请填写统一社会信用代码", "请填写单位全称", "请填写联系电话", "请填写管理员姓名", "请设置用户名",
                    "请设置密码"):
        assert message in page
    resp = client.post("/api/v1/orgs/register", json={"kind": "organiser"})
    assert resp.status_code == 400
    assert {"uscc", "name", "region_code", "contact_phone", "admin_name", "username"} <= set(
        resp.get_json()["fields"])
    assert counts(db) == (0, 0)
    # A USCC an employer already registered with is refused; so is one registered twice by organisers.
    employer = make.org(kind="employer")
    resp = client.post("/api/v1/orgs/register", json={**ORGANISER, "uscc": employer.uscc})
    assert resp.status_code == 400 and "已注册" in resp.get_json()["fields"]["uscc"]
    assert counts(db) == (0, 0)
    assert client.post("/orgs/register", data=ORGANISER).status_code == 200
    resp = client.post("/orgs/register", data={**ORGANISER, "username": "peixun2",
                                               "admin_id_number": make_id_number(732)})
    assert "该统一社会信用代码已注册" in resp.get_data(as_text=True)
    assert counts(db) == (1, 1)


def test_an_employer_approved_is_told_what_it_may_now_do_once(app: Any, db: Any, make: Any) -> None:
    employer = {**ORGANISER, "kind": "employer", "industry": "工程技术", "name": "温州测试建设有限公司"}
    app.test_client().post("/orgs/register", data=employer)
    org = registered(db)
    admin = db.scalar(select(Person).where(Person.username == "peixun"))
    assert admin.role == "employer" and org.industry == "工程技术"
    bureau = as_(app, make.staff(username="lucheng", region="wenzhou-lucheng"))
    bureau.post(f"/admin/orgs/{org.id}/decide/approve")
    bureau.post(f"/admin/orgs/{org.id}/decide/approve")  # refused: decided already
    told = list(fresh(db).scalars(select(Message).where(Message.person_id == admin.id,
                                                        Message.kind == "org.decision")))
    assert [(m.subject, m.link) for m in told] == [("单位注册已审核通过", "/org")]
    assert "确认本单位人员" in told[0].body
