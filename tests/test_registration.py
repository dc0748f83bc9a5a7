"""Registration shows every problem at once, each beside its field, checked on the server."""
from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Person
from lms.accounts.operations import register_practitioner
from lms.errors import InvalidFields

GOOD = {"name": "王五", "id_number": "11010519491231002X", "mobile": "13800000000", "region": "wenzhou",
        "industry": "教育", "employer": "", "password": "Passw0rd1", "confirm": "Passw0rd1"}


def field_errors(html: str) -> dict[str, list[str]]:
    """The error messages shown inside each field's box, by the field's id."""
    out: dict[str, list[str]] = {}
    for box in re.findall(r'<div class="field has-error">(.*?)</div>', html, re.S):
        name = re.search(r'<label for="(\w+)"', box)
        assert name, box
        out[name.group(1)] = re.findall(r'<p class="error">(.*?)</p>', box)
    return out


def test_every_problem_is_shown_beside_its_field_in_one_round(app: Any, db: Any) -> None:
    bad = GOOD | {"id_number": "110105194912310021", "mobile": "1380000", "password": "password",
                  "confirm": "passwort", "name": "王"}
    resp = app.test_client().post("/register", data=bad)
    errors = field_errors(resp.get_data(as_text=True))
    assert errors == {"name": ["请填写 2–50 个字的真实姓名"], "id_number": ["身份证号码校验位不正确，请核对后重新输入"],
                      "mobile": ["手机号码应为 11 位中国大陆手机号"], "password": ["密码至少 8 位，并同时包含字母和数字"],
                      "confirm": ["两次输入的密码不一致"]}
    assert db.scalar(select(func.count()).select_from(Person)) == 0


@pytest.mark.parametrize("field, value, message", [
    ("id_number", "11010519491231002", "身份证号码应为 18 位"),
    ("id_number", "110105194913310028", "出生日期无效"),
    ("password", "12345678", "同时包含字母和数字"),
    ("mobile", "23800000000", "11 位中国大陆手机号"),
    ("name", "", "请填写真实姓名"),
])
def test_one_wrong_field_is_named_alone(app: Any, field: str, value: str, message: str) -> None:
    data = GOOD | {field: value} | ({"confirm": value} if field == "password" else {})
    errors = field_errors(app.test_client().post("/register", data=data).get_data(as_text=True))
    assert list(errors) == [field] and len(errors[field]) == 1 and message in errors[field][0]


def test_the_operation_reports_every_problem_by_field(app: Any, db: Any) -> None:
    with app.app_context(), pytest.raises(InvalidFields) as caught:
        register_practitioner(db, name="王五", id_number="110105194912310021", mobile="1", region="mars",
                              industry="教育", password="short")
    assert set(caught.value.fields) == {"id_number", "mobile", "region", "password"}
    assert "校验位不正确" in caught.value.message and "手机号码" in caught.value.message


def test_good_details_register_and_log_in(app: Any, db: Any) -> None:
    resp = app.test_client().post("/register", data=GOOD)
    assert resp.status_code == 302
    assert db.scalar(select(Person.name).where(Person.id_number == "11010519491231002X")) == "王五"
