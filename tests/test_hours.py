"""The hours bank: exactly-once registration, append-only ledger, hand registration, PDF sheet, certificates."""
from __future__ import annotations

import io
import threading
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from lms.audit import AuditEntry
from lms.hours.models import HoursEntry
from lms.hours.operations import register_hours
from tests.conftest import PASSWORD, login
from tests.test_access import web_login


def give(app: Any, db: Any, person: Any, year: int, category: str, hours: int, ref: str) -> None:
    with app.app_context():
        register_hours(db, person_id=person.id, year=year, category=category, hours=Decimal(hours),
                       source_type="test", source_ref=ref, title=f"测试来源 {ref}", org="温州市人力资源和社会保障局",
                       rule="温人社发〔2020〕125号 第十条")
        db.commit()


def completed_2025(app: Any, db: Any, person: Any) -> None:
    give(app, db, person, 2025, "general_public", 18, f"gp-{person.id}")
    give(app, db, person, 2025, "professional", 72, f"pro-{person.id}")


def test_the_same_source_is_registered_only_once_even_by_racing_threads(app: Any, db: Any, make: Any) -> None:
    """On SQLite the threads queue for the database's one write lock (BEGIN IMMEDIATE) and do not race: that run
    checks the outcome when they are serialised; the PostgreSQL run is the race."""
    person = make.practitioner()
    barrier = threading.Barrier(6)
    made: list[bool] = []

    def register() -> None:
        with app.app_context():
            s = app.extensions["xst_db"].factory()
            barrier.wait()
            entry = register_hours(s, person_id=person.id, year=2026, category="general_public", hours=Decimal(18),
                                   source_type="exam", source_ref="enrolment:1", title="考试合格", org="温州市人社局")
            s.commit()
            made.append(entry is not None)
            s.close()

    threads = [threading.Thread(target=register) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(made) == [False] * 5 + [True]
    assert db.scalar(select(func.count()).select_from(HoursEntry)) == 1


@pytest.mark.parametrize("table", ["hours_entry", "audit_log"])
def test_ledger_and_audit_log_cannot_be_edited_or_deleted_even_in_sql(app: Any, db: Any, make: Any,
                                                                       table: str) -> None:
    person = make.practitioner()
    give(app, db, person, 2026, "professional", 10, "x1")
    with app.app_context():
        from lms import audit
        audit.record(db, None, "account.activate", person)
        db.commit()
    for stmt in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(stmt))
        db.rollback()
    assert db.scalar(text(f"SELECT count(*) FROM {table}")) >= 1


def test_home_page_shows_this_year_against_the_regional_requirement(app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(region="weihai")
    give(app, db, person, 2026, "general_public", 18, "a")
    client = app.test_client()
    web_login(client, person)
    html = client.get("/home").get_data(as_text=True)
    assert "威海市" in html and "公需科目（一般公需与行业公需合计）" in html
    assert "18.0 / 30 · 还差 <strong>12.0</strong>" in html
    assert "还差 <strong>72.0</strong>" in html  # of the 90 total


def test_home_page_shows_earlier_years_with_source_and_rule(app: Any, db: Any, make: Any) -> None:
    person = make.practitioner()
    completed_2025(app, db, person)
    client = app.test_client()
    web_login(client, person)
    html = client.get("/home").get_data(as_text=True)
    assert "往年学时" in html and "2025 年度" in html and "已完成" in html
    assert "测试来源 gp-" in html and "温人社发〔2020〕125号 第十条" in html


def test_a_clerk_has_no_way_left_to_register_hours_by_hand(app: Any, db: Any, make: Any) -> None:
    """温人社发〔2020〕125号 第六条: public hours only after the exam; 第二条、第十二条: professional hours by the industry
    authority. The hand entry is gone; what remains of it are corrections and transfers (tests/claims/test_reform.py)."""
    person, staff = make.practitioner(), make.staff()
    client = app.test_client()
    web_login(client, staff)
    form = {"kind": "manual", "year": 2026, "category": "professional", "hours": "24", "reason": "人工登记专业科目学时"}
    assert client.post(f"/admin/people/{person.id}/hours/new", data=form).status_code == 404
    assert client.get(f"/admin/people/{person.id}/hours/new").status_code == 404
    assert "人工登记" not in client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert db.scalars(select(HoursEntry)).all() == []


def test_registration_sheet_pdf_has_the_persons_year_in_chinese(app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(name="陈静")
    completed_2025(app, db, person)
    client = app.test_client()
    web_login(client, person)
    resp = client.get("/hours/2025/sheet.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    textual = "".join(p.extract_text() for p in PdfReader(io.BytesIO(resp.data)).pages)
    assert "2025 年度专业技术人员继续教育学时登记情况表" in textual
    assert "陈静" in textual and person.masked_id_number in textual
    assert "测试来源 gp-" in textual and "已完成" in textual
    assert person.id_number not in textual


@pytest.fixture
def certified(app: Any, db: Any, make: Any) -> Any:
    person = make.practitioner(name="欧阳明华")
    completed_2025(app, db, person)
    client = app.test_client()
    web_login(client, person)
    assert client.post("/hours/2025/certificate").status_code == 302
    from lms.hours.models import HoursCertificate
    cert = db.scalars(select(HoursCertificate)).one()
    return person, cert, client


def test_a_completed_year_gets_a_certificate_with_a_long_random_code_and_qr(app: Any, certified: Any) -> None:
    person, cert, client = certified
    assert len(cert.code.replace("-", "")) == 26 and cert.total_hours == Decimal(90)
    html = client.get("/hours/2025/certificate").get_data(as_text=True)
    assert cert.code in html and "<svg" in html
    pdf = client.get("/hours/2025/certificate.pdf")
    textual = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().replace("\n", "")
    assert cert.code in textual and "90.00 学时" in textual


def test_an_incomplete_or_current_year_gets_no_certificate(app: Any, db: Any, make: Any) -> None:
    person = make.practitioner()
    give(app, db, person, 2025, "professional", 80, "p")
    client = app.test_client()
    web_login(client, person)
    resp = client.post("/hours/2025/certificate")
    assert resp.status_code == 409 and "还差" in resp.get_data(as_text=True)
    assert client.post("/hours/2026/certificate").status_code == 409


def test_public_verification_shows_masked_name_year_and_hours(app: Any, certified: Any) -> None:
    person, cert, _ = certified
    anon = app.test_client()
    html = anon.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "证书有效" in html and "欧**华" in html and "2025" in html and "90.0" in html
    assert "欧阳明华" not in html and person.id_number not in html


def test_public_verification_says_plainly_when_a_code_is_unknown(app: Any, make: Any) -> None:
    resp = app.test_client().get("/verify/AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GG")
    assert resp.status_code == 404 and "查无此验证码对应的证书或登记表" in resp.get_data(as_text=True)


def test_a_revoked_certificate_is_reported_as_revoked_and_the_revocation_audited(app: Any, db: Any, make: Any,
                                                                                 certified: Any) -> None:
    _person, cert, _ = certified
    staff = make.staff()
    client = app.test_client()
    web_login(client, staff)
    assert client.post(f"/admin/certificates/{cert.id}/revoke", data={"reason": "证明材料弄虚作假"}).status_code == 302
    html = app.test_client().get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "已被撤销" in html and "证书有效" not in html
    assert db.scalar(select(AuditEntry.actor_id).where(AuditEntry.action == "certificate.revoke")) == staff.id


def test_public_verification_is_rate_limited(make_app: Any, make: Any) -> None:
    app = make_app(PUBLIC_RATE_LIMIT="5 per minute")
    anon = app.test_client()
    codes = [anon.get(f"/verify/GUESS-{i:04d}").status_code for i in range(7)]
    assert codes[:5] == [404] * 5 and codes[5:] == [429, 429]


def test_hours_api_reports_requirements(app: Any, db: Any, make: Any) -> None:
    person = make.practitioner()
    give(app, db, person, 2026, "general_public", 18, "a")
    client = app.test_client()
    login(client, person.mobile, PASSWORD)
    data = client.get("/api/v1/me").get_json()
    reqs = {r["label"]: r for r in data["hours"]["requirements"]}
    assert reqs["一般公需科目"]["short"] == "0.00" and reqs["年度总学时"]["short"] == "72.00"
    assert data["hours"]["complete"] is False


def test_practitioners_cannot_reach_revocation_or_a_persons_sheet_for_staff(app: Any, make: Any) -> None:
    person = make.practitioner()
    client = app.test_client()
    web_login(client, person)
    assert client.post("/admin/certificates/1/revoke", data={"reason": "x"}).status_code == 403
    assert client.get(f"/admin/people/{person.id}/hours/2025/sheet.pdf").status_code == 403


_ = datetime
