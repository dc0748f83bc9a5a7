"""A rejected organisation registration corrected and resubmitted by its own administrator (桐人社发〔2018〕26号 第十七条:
real-name registration approved by the county HR bureau; 川人社发〔2016〕20号 二(一): organisers recognised by the HR
department), on SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import Person
from lms.audit import AuditEntry
from lms.errors import Conflict, InvalidFields, NotFound
from lms.messages.models import Message
from lms.orgs.models import Organisation
from lms.orgs.operations import decide_org, register_employer, resubmit_registration
from tests.conftest import PASSWORD, login, make_uscc
from tests.orgs.test_orgs import employer_details
from tests.test_access import web_login


def corrections(org: Organisation, **kw: Any) -> dict[str, Any]:
    """The registration's fields as they stand, with kw corrected, and a note for the clerk."""
    fields = {"kind": org.kind, "uscc": org.uscc, "name": org.name, "region_code": org.region_code,
              "industry": org.industry or "", "contact_phone": org.contact_phone, "note": "已按营业执照更正单位全称"}
    return fields | kw


def rejected(app: Any, db: Any, clerk: Person, n: int = 1, **kw: Any) -> Organisation:
    with app.app_context():
        org = register_employer(db, **employer_details(n, **kw))
        db.commit()
        decide_org(db, clerk, org, False, "单位全称与营业执照不一致")
        db.commit()
    return org


def admin_of(db: Any, org: Organisation) -> Person:
    found = db.scalar(select(Person).where(Person.org_id == org.id).order_by(Person.id))
    assert found is not None
    return found


def actions(db: Any, org: Organisation) -> list[str]:
    return list(db.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "Organisation",
                                                           AuditEntry.target_id == str(org.id))
                           .order_by(AuditEntry.id)))


def test_a_rejected_employer_corrects_its_registration_moves_county_and_the_new_county_approves_it(
        app: Any, db: Any, make: Any) -> None:
    lucheng = make.staff(region="wenzhou-lucheng")
    ouhai = make.staff(region="wenzhou-ouhai")
    org = rejected(app, db, lucheng)
    applicant = app.test_client()
    web_login(applicant, admin_of(db, org))
    home = applicant.get("/org").get_data(as_text=True)
    assert "单位全称与营业执照不一致" in home and "/org/registration" in home
    page = applicant.get("/org/registration").get_data(as_text=True)
    assert 'id="resubmit"' in page and "单位全称与营业执照不一致" in page

    resp = applicant.post("/org/registration", data=corrections(
        org, name="温州测试科技股份有限公司", region_code="wenzhou-ouhai", note="已按营业执照更正单位全称和所在区"))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert resp.headers["Location"].endswith("/org/registration")
    db.rollback()
    db.expire_all()  # rollback alone kept an instance read before it as it was
    again = db.get(Organisation, org.id)
    assert (again.status, again.submission, again.region_code, again.name, again.decision_reason) == (
        "pending", 2, "wenzhou-ouhai", "温州测试科技股份有限公司", None)
    assert admin_of(db, org).region == "wenzhou-ouhai"  # its accounts follow it
    told = db.scalars(select(Message).where(Message.person_id == ouhai.id, Message.kind == "org.resubmit")).all()
    assert len(told) == 1 and "单位全称与营业执照不一致" in told[0].body and "已按营业执照更正" in told[0].body
    assert told[0].link == f"/admin/orgs/{org.id}"

    # The new county's clerk sees it pending again, with its history; the old county no longer reaches it.
    clerk = app.test_client()
    web_login(clerk, ouhai)
    assert "温州测试科技股份有限公司" in clerk.get("/admin/orgs?status=pending").get_data(as_text=True)
    detail = clerk.get(f"/admin/orgs/{org.id}").get_data(as_text=True)
    assert "第 2 次提交" in detail and "单位全称与营业执照不一致" in detail and "已按营业执照更正单位全称和所在区" in detail
    old = app.test_client()
    web_login(old, lucheng)
    assert old.get(f"/admin/orgs/{org.id}").status_code == 404
    assert clerk.post(f"/admin/orgs/{org.id}/decide/approve").status_code == 302
    db.rollback()
    db.expire_all()  # rollback alone kept an instance read before it as it was
    assert db.get(Organisation, org.id).status == "approved"
    # The applicant is told of both decisions (one message each: the second round is not swallowed by the first).
    decisions = db.scalars(select(Message.subject).where(Message.person_id == admin_of(db, org).id,
                                                         Message.kind == "org.decision").order_by(Message.id)).all()
    assert decisions == ["单位注册未通过审核", "单位注册已审核通过"]
    assert actions(db, org) == ["org.register", "org.reject", "org.resubmit", "org.approve"]
    history = applicant.get("/org/registration").get_data(as_text=True)
    assert "审核不通过单位" in history and "单位修改注册信息后重新提交" in history and "审核通过单位" in history
    assert 'id="resubmit"' not in history


def test_the_audit_log_shows_both_decisions_to_the_city(app: Any, db: Any, make: Any) -> None:
    lucheng, city = make.staff(region="wenzhou-lucheng"), make.staff(region="wenzhou")
    org = rejected(app, db, lucheng)
    with app.app_context():
        resubmit_registration(db, admin_of(db, org), org, **corrections(org))
        db.commit()
        decide_org(db, lucheng, org, True)
        db.commit()
    reader = app.test_client()
    web_login(reader, city)
    page = reader.get(f"/admin/audit?org={org.name}").get_data(as_text=True)
    for name in ("审核不通过单位", "单位修改注册信息后重新提交", "审核通过单位", "单位注册"):
        assert name in page


@pytest.mark.parametrize("status", ["pending", "approved"])
def test_a_pending_or_approved_registration_cannot_be_resubmitted(app: Any, db: Any, make: Any,
                                                                  status: str) -> None:
    lucheng = make.staff(region="wenzhou-lucheng")
    with app.app_context():
        org = register_employer(db, **employer_details())
        db.commit()
        if status == "approved":
            decide_org(db, lucheng, org, True)
            db.commit()
        with pytest.raises(Conflict, match="只有未通过审核的注册可以修改后重新提交"):
            resubmit_registration(db, admin_of(db, org), org, **corrections(org))
        db.rollback()
    web = app.test_client()
    web_login(web, admin_of(db, org))
    page = web.get("/org/registration").get_data(as_text=True)
    assert 'id="resubmit"' not in page
    resp = web.post("/org/registration", data=corrections(org, name="改过的名称有限公司"))
    assert resp.status_code == 409 and "只有未通过审核的注册" in resp.get_data(as_text=True)
    api = app.test_client()
    assert login(api, "corp1").status_code == 200
    resp = api.post("/api/v1/org/registration", json=corrections(org, name="改过的名称有限公司"))
    assert resp.status_code == 409 and resp.get_json()["error"] == "conflict"
    db.rollback()
    db.expire_all()  # rollback alone kept an instance read before it as it was
    assert (db.get(Organisation, org.id).status, db.get(Organisation, org.id).name) == (status, org.name)
    assert "org.resubmit" not in actions(db, org)


def test_an_organisation_the_bureau_disabled_cannot_resubmit(app: Any, db: Any, make: Any) -> None:
    lucheng = make.staff(region="wenzhou-lucheng")
    org = rejected(app, db, lucheng)
    with app.app_context():
        org.disabled = True
        db.commit()
        with pytest.raises(Conflict, match="已被停用"):
            resubmit_registration(db, admin_of(db, org), org, **corrections(org))
        db.rollback()
    db.expire_all()
    assert db.get(Organisation, org.id).status == "rejected"


def test_another_organisations_administrator_cannot_resubmit_it(app: Any, db: Any, make: Any) -> None:
    lucheng = make.staff(region="wenzhou-lucheng")
    org = rejected(app, db, lucheng)
    other = rejected(app, db, lucheng, 2)
    stranger = admin_of(db, other)
    with app.app_context():
        with pytest.raises(NotFound):
            resubmit_registration(db, stranger, org, **corrections(org))
        db.rollback()
        with pytest.raises(NotFound):  # nor the bureau that rejected it
            resubmit_registration(db, lucheng, org, **corrections(org))
        db.rollback()
    # Through the page and the API an administrator reaches only its own organisation's registration.
    web = app.test_client()
    web_login(web, stranger)
    resp = web.post("/org/registration", data=corrections(org, note="冒名修改别人的注册"))  # lands on its own
    assert resp.status_code == 400 and "已被其他单位注册" in resp.get_data(as_text=True)
    db.rollback()
    db.expire_all()  # rollback alone kept an instance read before it as it was
    assert [(o.status, o.submission) for o in (db.get(Organisation, org.id), db.get(Organisation, other.id))] == [
        ("rejected", 1), ("rejected", 1)]
    for who in (lucheng, make.practitioner()):
        c = app.test_client()
        web_login(c, who)
        assert c.get("/org/registration").status_code == 403
        assert c.post("/org/registration", data=corrections(org)).status_code == 403


def test_a_resubmission_is_checked_like_a_registration_and_every_problem_is_reported(
        app: Any, db: Any, make: Any) -> None:
    lucheng = make.staff(region="wenzhou-lucheng")
    org = rejected(app, db, lucheng)
    holder = rejected(app, db, lucheng, 2)
    good = make_uscc(1)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    with app.app_context():
        admin = admin_of(db, org)
        with pytest.raises(InvalidFields) as exc:
            resubmit_registration(db, admin, org, **corrections(org, uscc=wrong, region_code="wenzhou", name="x",
                                                                contact_phone="电话", note="", industry="不存在"))
        assert set(exc.value.fields) == {"uscc", "region_code", "name", "contact_phone", "note", "industry"}
        assert "校验位" in exc.value.fields["uscc"]
        db.rollback()
        with pytest.raises(InvalidFields) as exc:
            resubmit_registration(db, admin, org, **corrections(org, uscc=holder.uscc))
        assert "其他单位" in exc.value.fields["uscc"]
        db.rollback()
        with pytest.raises(InvalidFields) as exc:
            resubmit_registration(db, admin, org, **corrections(org, kind="organiser"))
        assert "施教机构不填写所属行业" in exc.value.fields["industry"]
        db.rollback()
    db.rollback()
    db.expire_all()  # rollback alone kept an instance read before it as it was
    assert db.get(Organisation, org.id).status == "rejected" and actions(db, org) == ["org.register", "org.reject"]


def test_a_registration_filed_under_the_wrong_kind_is_corrected_and_its_administrator_follows(
        app: Any, db: Any, make: Any) -> None:
    lucheng = make.staff(region="wenzhou-lucheng")
    org = rejected(app, db, lucheng)
    with app.app_context():
        resubmit_registration(db, admin_of(db, org), org, **corrections(org, kind="agency",
                                                                         note="本单位为人事代理机构，已更正类型"))
        db.commit()
    db.rollback()
    db.expire_all()  # rollback alone kept an instance read before it as it was
    assert db.get(Organisation, org.id).kind == "agency" and admin_of(db, org).role == "agency"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "org.resubmit"))
    assert entry.detail_dict["changed"] == {"单位类型": ["employer", "agency"]}
    assert entry.detail_dict["rejection"] == "单位全称与营业执照不一致"


def test_an_organiser_resubmits_through_the_api(app: Any, db: Any, make: Any) -> None:
    lucheng = make.staff(region="wenzhou-lucheng")
    org = rejected(app, db, lucheng, kind="organiser", industry="")
    client = app.test_client()
    assert login(client, "corp1").status_code == 200
    before = client.get("/api/v1/org/registration").get_json()
    assert (before["status"], before["may_resubmit"], before["decision_reason"]) == (
        "rejected", True, "单位全称与营业执照不一致")
    assert [h["action"] for h in before["history"]] == ["org.register", "org.reject"]
    bad = client.post("/api/v1/org/registration", json={"uscc": org.uscc, "name": org.name, "region_code": "x",
                                                        "contact_phone": "0577-88001234", "note": ""})
    assert bad.status_code == 400 and set(bad.get_json()["fields"]) == {"region_code", "note"}
    resp = client.post("/api/v1/org/registration", json={
        "uscc": org.uscc, "name": "温州鹿城专业技术人员培训中心", "region_code": "wenzhou-lucheng",
        "contact_phone": "0577-88001234", "note": "已更正为事业单位法人证书上的名称"})
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    assert (out["status"], out["submission"], out["may_resubmit"], out["decision_reason"]) == (
        "pending", 2, False, None)
    assert out["history"][-1]["changed"] == {"单位全称": ["温州测试科技有限公司1", "温州鹿城专业技术人员培训中心"]}
    assert client.post("/api/v1/org/registration", json={
        "uscc": org.uscc, "name": "再改一次", "region_code": "wenzhou-lucheng", "contact_phone": "0577-88001234",
        "note": "再次修改"}).status_code == 409
    assert db.scalar(select(Message.id).where(Message.person_id == lucheng.id, Message.kind == "org.resubmit"))


def test_a_stale_resubmission_loses_to_the_one_that_came_first(app: Any, db: Any, make: Any) -> None:
    lucheng = make.staff(region="wenzhou-lucheng")
    org = rejected(app, db, lucheng)
    from sqlalchemy.orm import Session
    with app.app_context(), Session(db.get_bind(), expire_on_commit=False) as other:
        stale = other.get(Organisation, org.id)  # read while rejected, by a second administrator's request
        second = admin_of(other, stale)
        other.commit()  # its objects stay as read
        resubmit_registration(db, admin_of(db, org), org, **corrections(org))
        db.commit()
        with pytest.raises(Conflict, match="刚刚已被重新提交"):
            resubmit_registration(other, second, stale, **corrections(stale, name="另一个名称有限公司"))
        other.rollback()
    db.rollback()
    db.expire_all()  # rollback alone kept an instance read before it as it was
    assert db.get(Organisation, org.id).submission == 2 and actions(db, org).count("org.resubmit") == 1


def test_the_schema_keeps_a_pending_registration_free_of_a_decision(app: Any, db: Any, make: Any) -> None:
    org = make.org(status="rejected")
    db.rollback()
    db.expire_all()  # rollback alone kept an instance read before it as it was
    org = db.get(Organisation, org.id)
    org.status = "pending"  # the rejection's reason left behind
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
    db.expire_all()  # rollback alone kept an instance read before it as it was


def test_registering_again_with_a_rejected_uscc_says_to_log_in_and_resubmit(app: Any, db: Any,
                                                                           make: Any) -> None:
    lucheng = make.staff(region="wenzhou-lucheng")
    rejected(app, db, lucheng)
    client = app.test_client()
    resp = client.post("/api/v1/orgs/register", json=employer_details(2, uscc=make_uscc(1)) | {"kind": "employer"})
    assert resp.status_code == 400
    assert "重新提交" in resp.get_json()["fields"]["uscc"]
    page = client.post("/orgs/register", data=employer_details(3, uscc=make_uscc(1)) | {"kind": "employer",
                                                                                   "confirm": PASSWORD})
    assert "在“注册信息”中按原因修改后重新提交" in page.get_data(as_text=True)


def test_a_resubmission_without_the_pages_csrf_token_is_refused(make_app: Any, db: Any, make: Any) -> None:
    import re
    app = make_app(WTF_CSRF_ENABLED=True)
    lucheng = make.staff(region="wenzhou-lucheng")
    org = rejected(app, db, lucheng)
    client = app.test_client()
    token = client.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    assert client.post("/api/v1/auth/login", json={"login": "corp1", "password": PASSWORD},
                       headers={"X-CSRFToken": token}).status_code == 200
    resp = client.post("/org/registration", data=corrections(org))
    assert resp.status_code == 400 and "页面已过期" in resp.get_data(as_text=True)
    assert client.post("/api/v1/org/registration", json=corrections(org)).get_json()["error"] == "csrf"
    db.rollback()
    db.expire_all()  # rollback alone kept an instance read before it as it was
    assert db.get(Organisation, org.id).status == "rejected"
    page = client.get("/org/registration").get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found is not None
    done = client.post("/org/registration", data=corrections(org) | {"csrf_token": found.group(1)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/org/registration"), done.headers
    db.rollback()
    db.expire_all()
    assert db.get(Organisation, org.id).status == "pending"
