"""Public verification: codes typed as people type them, the issuing bureau, and registration sheets' codes."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lms.hours.certificates import code_readings
from lms.hours.models import HoursCertificate, HoursSheet
from tests.hours.test_documents import certified, sheet_of
from tests.test_hours import completed_2025, give

CODE = "OB2I-LQ7S-ZA3K-M5GH-TY4U-WXCD-EF"  # has O, B, I and L: the letters people mistype


def test_a_code_is_read_without_dashes_with_spaces_in_lower_case_and_full_width() -> None:
    for typed in ("OB2I-LQ7S-ZA3K-M5GH-TY4U-WXCD-EF", "OB2ILQ7SZA3KM5GHTY4UWXCDEF", " ob2i lq7s za3k m5gh ty4u wxcd ef ",
                  "ob2i–lq7s—za3k_m5gh.ty4u wxcd\u3000ef", "ＯＢ２Ｉ－ＬＱ７Ｓ－ＺＡ３Ｋ－Ｍ５ＧＨ－ＴＹ４Ｕ－ＷＸＣＤ－ＥＦ"):
        assert CODE in code_readings(typed), typed


def test_look_alikes_outside_the_alphabet_are_read_as_the_one_letter_they_resemble() -> None:
    # 0 → O and 8 → B: the only readings, so exactly one code
    assert code_readings("08 2I-LQ7S-ZA3K-M5GH-TY4U-WXCD-EF".replace(" ", "")) == [CODE]
    # 1 (or a lower-case l) may be I or L: both are looked up
    both = code_readings("OB21-1Q7S-ZA3K-M5GH-TY4U-WXCD-EF")
    assert CODE in both and len(both) == 4
    assert CODE in code_readings("OB2l-lQ7S-ZA3K-M5GH-TY4U-WXCD-EF")


@pytest.mark.parametrize("typed", [
    "OB2I-LQ7S-ZA3K-M5GH-TY4U-WXCD-E",     # one character short
    "OB2I-LQ7S-ZA3K-M5GH-TY4U-WXCD-EFG",   # one too many
    "OB2I-LQ7S-ZA3K-M5GH-TY4U-WXCD-E9",    # 9 looks like g and q: not guessed
    "OB2I-LQ7S-ZA3K-M5GH-TY4U-WXCD-E/",
    "11111111AAAAAAAAAAAAAAAAAA",          # more than six ambiguous characters: not expanded
])
def test_what_cannot_be_a_code_is_not_looked_up(typed: str) -> None:
    assert code_readings(typed) == []


@pytest.fixture
def certificate(app: Any, db: Any, make: Any) -> Any:
    certified(app, db, make.practitioner(name="欧阳明华", region="tonglu"))
    cert = db.scalars(select(HoursCertificate)).one()
    cert.code = CODE  # a known code with the letters people mistype
    db.commit()
    return cert


@pytest.mark.parametrize("typed", ["ob2ilq7sza3km5ghty4uwxcdef", "0B21 1Q7S ZA3K M5GH TY4U WXCD EF",
                                   "OB2I-LQ7S-ZA3K-M5GH-TY4U-WXCD-EF"])
def test_a_certificate_is_found_however_its_code_was_typed_and_names_its_bureau(app: Any, certificate: Any,
                                                                               typed: str) -> None:
    anon = app.test_client()
    for resp in (anon.get(f"/verify/{typed}"), anon.get("/verify", query_string={"code": typed})):
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and "证书有效" in html
        assert '<dd id="issuer">桐庐县人力资源和社会保障局</dd>' in html and "欧**华" in html


def test_the_verification_page_without_a_code_asks_for_one(app: Any) -> None:
    resp = app.test_client().get("/verify")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "输入电子证书或学时登记情况表上的验证码" in html and 'id="verdict"' not in html


def test_a_code_one_character_off_finds_nothing(app: Any, certificate: Any) -> None:
    resp = app.test_client().get("/verify/OB2I-LQ7S-ZA3K-M5GH-TY4U-WXCD-EG")
    assert resp.status_code == 404 and "查无此验证码" in resp.get_data(as_text=True)


def test_a_registration_sheets_code_verifies_the_sheet_and_says_when_the_data_changed(app: Any, db: Any,
                                                                                      make: Any) -> None:
    person = make.practitioner(name="欧阳明华")
    completed_2025(app, db, person)
    sheet_of(app, person)
    sheet = db.scalars(select(HoursSheet)).one()
    anon = app.test_client()
    html = anon.get(f"/verify/{sheet.code.replace('-', '').lower()}").get_data(as_text=True)
    assert "登记情况表真实有效" in html and "2025 年度专业技术人员继续教育学时登记情况表" in html
    assert "欧**华" in html and "欧阳明华" not in html and person.id_number not in html
    assert '<dd id="issuer">温州市人力资源和社会保障局</dd>' in html
    assert "<dt>一般公需科目</dt><dd>18.0</dd>" in html and "<dt>行业公需科目</dt><dd>0.0</dd>" in html
    assert "<dt>合计学时</dt><dd>90.0</dd>" in html and "自本表出具以来没有变化" in html
    give(app, db, person, 2025, "industry_public", 6, "after")
    html = anon.get(f"/verify/{sheet.code}").get_data(as_text=True)
    assert "登记情况表真实有效" in html and "本表出具后已有变化" in html
    assert "<dt>合计学时</dt><dd>90.0</dd>" in html  # what the sheet printed, not today's 96
    give(app, db, person, 2026, "industry_public", 6, "next-year")  # another year's registration: no change
    sheet_of(app, person)
    newer = db.scalars(select(HoursSheet).order_by(HoursSheet.id.desc())).first()
    assert newer is not None and newer.code != sheet.code
    assert "自本表出具以来没有变化" in anon.get(f"/verify/{newer.code}").get_data(as_text=True)
