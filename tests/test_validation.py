"""Input validation at the edges (lms/validation.py): each malformed input of the hardening review is a clear
4xx with a Chinese message, never a 500 — on both databases."""
from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal
from typing import Any

import pytest

from lms.validation import INT_MAX, MAX_JSON_DEPTH, JSONRefused, parse_json
from tests.conftest import login
from tests.test_access import web_login
from tests.test_admin import FILES, GOOD

DEEP = "[" * 1000 + "]" * 1000


@pytest.fixture
def learner(app: Any, make: Any) -> Any:
    person = make.practitioner()
    enrolment = make.enrol(person, make.course())
    client = app.test_client()
    assert login(client, person.id_number).status_code == 200
    client.enrolment = enrolment
    return client


@pytest.fixture
def clerk(app: Any, make: Any) -> Any:
    client = app.test_client()
    web_login(client, make.staff())
    return client


def refused(resp: Any, status: int = 400, code: str = "invalid_input") -> str:
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    body = resp.get_json()
    assert body["error"] == code and body["message"], body
    return str(body["message"])


# ---- ids -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("id_", [INT_MAX + 1, 99999999999999, 10**30])
def test_an_id_past_the_column_range_in_a_url_is_not_found(learner: Any, id_: int) -> None:
    refused(learner.get(f"/api/v1/enrolments/{id_}/progress"), 404, "not_found")
    assert learner.get(f"/study/{id_}").status_code == 404


def test_the_largest_id_a_column_holds_is_looked_up_as_any_other(learner: Any) -> None:
    refused(learner.get(f"/api/v1/enrolments/{INT_MAX}/progress"), 404, "not_found")


@pytest.mark.parametrize("value", [INT_MAX + 1, 2**63, 0, -1, True, 1.5, "1", None])
def test_an_id_in_json_must_be_an_integer_in_range(learner: Any, value: Any) -> None:
    message = refused(learner.post("/api/v1/enrolments", json={"course_id": value}))
    assert "course_id" in message and str(INT_MAX) in message


@pytest.mark.parametrize("path,param", [("/admin/courses", "year"), ("/admin/audit", "page"),
                                        ("/exams/admin/questions", "year")])
@pytest.mark.parametrize("value", ["99999999999", "99999999999999999999", "abc", "0"])
def test_year_and_page_in_the_query_string_are_range_checked(clerk: Any, path: str, param: str, value: str) -> None:
    resp = clerk.get(path, query_string={param: value})
    assert resp.status_code == 400 and f"参数 {param}" in resp.get_data(as_text=True)


def test_a_page_in_range_still_works(clerk: Any) -> None:
    assert clerk.get("/admin/audit?page=2").status_code == 200
    assert clerk.get("/admin/courses?year=2026").status_code == 200


# ---- text --------------------------------------------------------------------------------------------------

def test_a_nul_in_the_login_form_is_a_form_error(client: Any, make: Any) -> None:
    resp = client.post("/login", data={"login": "abc\x00", "password": "x"})
    assert resp.status_code == 200 and "无法识别的字符" in resp.get_data(as_text=True)


def test_a_nul_in_the_registration_form_is_a_form_error_and_registers_nobody(client: Any, db: Any) -> None:
    from sqlalchemy import func, select

    from lms.accounts.models import Person
    resp = client.post("/register", data={"name": "张\x00三", "id_number": "33030219850612001X", "mobile": "13900000001",
                                          "region": "wenzhou", "industry": "教育", "password": "Study2026ok",
                                          "confirm": "Study2026ok"})
    assert resp.status_code == 200 and "无法识别的字符" in resp.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Person)) == 0


def test_a_nul_in_the_staff_name_is_a_form_error(clerk: Any) -> None:
    resp = clerk.post("/admin/staff", data={"role": "proctor", "username": "jiankao9", "name": "刘\x00",
                                            "region": "wenzhou", "password": "Proctor2026"})
    assert resp.status_code == 200 and "无法识别的字符" in resp.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/verify/abc%00def", "/admin/people?q=%00", "/verify?code=%00"])
def test_a_nul_in_a_url_segment_or_query_is_refused(clerk: Any, url: str) -> None:
    resp = clerk.get(url)
    assert resp.status_code == 400 and "无法识别的字符" in resp.get_data(as_text=True)


@pytest.mark.parametrize("body", ['{"login": "\\ud800", "password": "x"}', '{"login": "a\\u0000", "password": "x"}',
                                  '{"\\udfff": 1, "login": "a", "password": "x"}'])
def test_a_lone_surrogate_or_nul_in_json_is_refused(client: Any, body: str) -> None:
    assert "无法识别的字符" in refused(client.post("/api/v1/auth/login", data=body, content_type="application/json"))


# ---- JSON ----------------------------------------------------------------------------------------------------

def test_json_nested_a_thousand_deep_is_a_400_json_answer(learner: Any) -> None:
    message = refused(learner.post("/api/v1/enrolments", data=DEEP, content_type="application/json"))
    assert str(MAX_JSON_DEPTH) in message
    refused(learner.post("/api/v1/study/heartbeat", data='{"stream": ' + DEEP + "}", content_type="application/json"))


def test_json_exactly_at_the_depth_limit_is_parsed() -> None:
    nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_json(nested) is not None
    with pytest.raises(JSONRefused):
        parse_json("[" + nested + "]")
    brackets_in_text = '{"a": "' + "[" * 54 + '"}'  # brackets inside a string are not nesting
    assert parse_json(brackets_in_text) == {"a": "[" * 54}


@pytest.mark.parametrize("body", ["NaN", '{"x": Infinity}', '{"x": 1e999}', '{"x": -Infinity}'])
def test_json_numbers_must_be_finite(learner: Any, body: str) -> None:
    refused(learner.post("/api/v1/enrolments", data=body, content_type="application/json"))


def test_deep_json_through_the_front_answers_400_json_not_a_plain_500(app: Any, make: Any,
                                                                     through_front: Any) -> None:
    person = make.practitioner()
    client = through_front(app)
    assert login(client, person.id_number).status_code == 200
    for path in ("/api/v1/study/heartbeat", "/api/v1/exams/bookings"):
        resp = client.post(path, data=DEEP, content_type="application/json")
        assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_input", path


# ---- decimals ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,message", [("NaN", "请输入一个数字"), ("sNaN", "请输入一个数字"),
                                           ("1E-999999", "最多保留 2 位小数"), ("0.001", "最多保留 2 位小数"),
                                           ("1E+999999", "数值应小于"), ("Infinity", "请输入一个数字")])
def test_bad_decimals_in_the_course_form_are_chinese_form_errors(clerk: Any, value: str, message: str) -> None:
    resp = clerk.post("/admin/courses/new", data={"title": "课程", "summary": "", "category": "general_public",
                                                  "credited_hours": value, "year": "2026"})
    assert resp.status_code == 200 and message in resp.get_data(as_text=True)


@pytest.mark.parametrize("value", ["NaN", "sNaN", "1E-999999", "0.001", "-99999", "1E+999999", "abc", "0"])
def test_bad_decimals_in_a_correction_are_form_errors_and_file_nothing(clerk: Any, make: Any, db: Any,
                                                                      value: str) -> None:
    from sqlalchemy import func, select

    from lms.claims.corrections import HoursCorrection
    from lms.hours.models import HoursEntry
    from lms.hours.operations import register_hours
    person = make.practitioner()
    entry = register_hours(db, person_id=person.id, year=2026, category="professional", hours=Decimal(8),
                           source_type="exam", source_ref="validation-1", title="测试来源", org="温州市人力资源和社会保障局")
    assert entry is not None
    db.commit()
    resp = clerk.post(f"/admin/people/{person.id}/corrections/new", data={
        "entry_id": str(entry.id), "hours": value, "reason": "更正登记错误"})
    assert resp.status_code == 200 and "核减学时" in resp.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(HoursCorrection)) == 0
    assert db.scalar(select(func.count()).select_from(HoursEntry)) == 1


def test_two_places_and_trailing_zeros_are_accepted(clerk: Any) -> None:
    for value in ("2.5", "2.50", "2.500", "18"):
        resp = clerk.post("/admin/courses/new", data={"title": f"课程{value}", "summary": "",
                                                      "category": "general_public", "credited_hours": value,
                                                      "year": "2026"})
        assert resp.status_code == 302, value


# ---- courseware manifest -------------------------------------------------------------------------------------

def test_a_manifest_title_with_a_lone_surrogate_is_refused_with_a_message(clerk: Any) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("manifest.json", json.dumps(GOOD | {"title": "数字\ud800经济"}))  # ASCII JSON: "\\ud800"
        for name, data in FILES.items():
            z.writestr(name, data)
    buf.seek(0)
    resp = clerk.post("/admin/courses/upload", data={"package": (buf, "c.zip"), "year": 2026},
                      content_type="multipart/form-data")
    assert resp.status_code in (200, 400) and "不成对的代理字符" in resp.get_data(as_text=True)
