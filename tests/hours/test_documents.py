"""PDFs of the hours bank: embedded CJK font, line breaks at sensible points, the registration sheet's verification
code and QR, links on the public base URL, and the policy's unit (学分 in Tonglu)."""
from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from lms.config import public_base_url
from lms.hours.models import HoursSheet
from lms.pdf import font_name, wrap_lines
from tests.conftest import PASSWORD
from tests.test_access import web_login
from tests.test_hours import completed_2025, give

PUBLIC = "https://xst.example.gov.cn"


def pdf_text(data: bytes) -> tuple[str, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(p.extract_text() for p in reader.pages)
    return text, [line.strip() for line in text.splitlines()]


def fonts_of(data: bytes) -> list[dict[str, Any]]:
    """Every font a PDF's pages use, with whether its program is embedded."""
    out = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendants = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for f in descendants:
                desc = f["/FontDescriptor"].get_object() if "/FontDescriptor" in f else {}
                out.append({"name": str(f["/BaseFont"]),
                            "embedded": any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))})
    return out


@pytest.fixture
def public_app(make_app: Any) -> Any:
    return make_app(PUBLIC_BASE_URL=PUBLIC)


INTERNAL = "http://10.0.0.7:8080"  # the host a request came in on, e.g. behind a proxy: never printed


def sheet_of(app: Any, person: Any, year: int = 2025) -> bytes:
    client = app.test_client()
    resp = client.post("/login", data={"login": person.id_number, "password": PASSWORD}, base_url=INTERNAL)
    assert resp.status_code == 302
    resp = client.get(f"/hours/{year}/sheet.pdf", base_url=INTERNAL)
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    return bytes(resp.data)


def certified(app: Any, db: Any, person: Any) -> Any:
    """A client logged in as person, who completed 2025 and has had its certificate issued."""
    completed_2025(app, db, person)
    client = app.test_client()
    web_login(client, person)
    assert client.post("/hours/2025/certificate").status_code == 302
    return client


def test_every_font_in_the_sheet_and_certificate_is_embedded_as_a_subset(public_app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(name="欧阳明华")
    client = certified(public_app, db, person)
    for data in (sheet_of(public_app, person), client.get("/hours/2025/certificate.pdf").data):
        fonts = fonts_of(data)
        assert fonts and all(f["embedded"] for f in fonts), fonts
        # a subset: the name carries the six-letter tag of a subset font (ISO 32000 9.6.4)
        assert all(f["name"][7] == "+" and f["name"][1:7].isupper() for f in fonts), fonts
        text, _ = pdf_text(data)
        assert "欧阳明华" in text and "一般公需科目" in text


def test_a_rare_character_in_a_name_is_printed_from_the_fallback_font_also_embedded(
        public_app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(name="欧阳㛃华")  # 㛃 U+36C3, CJK Extension A: not in WenQuanYi Micro Hei
    completed_2025(public_app, db, person)
    data = sheet_of(public_app, person)
    _, lines = pdf_text(data)
    assert "欧阳㛃华" in lines
    fonts = fonts_of(data)
    assert all(f["embedded"] for f in fonts) and any("DroidSansFallback" in f["name"] for f in fonts), fonts


def test_the_sheet_lists_every_category_and_prints_a_code_and_the_public_verification_address(
        public_app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(name="陈静")
    completed_2025(public_app, db, person)
    text, lines = pdf_text(sheet_of(public_app, person))
    sheet = db.scalars(select(HoursSheet)).one()
    pairs = set(zip(lines, lines[1:], strict=False))  # a table row's cells come out one per line
    assert {("行业公需科目", "0.00"), ("一般公需科目", "18.00"), ("专业科目", "72.00")} <= pairs
    assert f"验证码：{sheet.code}" in lines
    assert f"{PUBLIC}/verify/{sheet.code}" in text.replace("\n", "")
    assert "10.0.0.7" not in text and "localhost" not in text
    assert "出具单位：温州市人力资源和社会保障局" in lines


def test_table_cells_break_between_words_never_inside_a_category_or_a_document_number(
        public_app: Any, db: Any, make: Any) -> None:
    from decimal import Decimal

    from lms.hours.operations import register_hours
    person = make.practitioner()
    with public_app.app_context():
        # The same words shifted by one character a row, so that a break anywhere in a line would cut one of them
        for k in range(14):
            register_hours(db, person_id=person.id, year=2025, category="industry_public", hours=Decimal(1),
                           source_type="test", source_ref=f"long-{k}", org="温州市人力资源和社会保障局",
                           title="考" * k + "一般公需科目考试合格（准考证号 20250302000123）Programming 课程〔2020〕125号文件",
                           rule="温人社发〔2020〕125号 第十条")
        db.commit()
    _, lines = pdf_text(sheet_of(public_app, person))
    for whole in ("一般公需科目", "行业公需科目", "〔2020〕125号", "温州市人力资源和社会保障局", "20250302000123",
                  "Programming"):
        cut = [(a, b) for a, b in zip(lines, lines[1:], strict=False)
               if whole in a + b and whole not in a and whole not in b]
        assert not cut and any(whole in line for line in lines), (whole, cut)
    assert not any(line.startswith(("，", "）", "〕")) or line.endswith(("（", "〔")) for line in lines)


def test_lines_break_at_the_last_sensible_point_that_fits() -> None:
    font = font_name()
    from reportlab.pdfbase.pdfmetrics import stringWidth
    rule = "温人社发〔2020〕125号 第十条"
    full = stringWidth(rule, font, 9)
    assert wrap_lines(rule, font, 9, full) == [rule]
    assert wrap_lines(rule, font, 9, full - 0.5) == ["温人社发〔2020〕125号", "第十条"]
    head = stringWidth("温人社发〔2020〕", font, 9)
    assert wrap_lines(rule, font, 9, head) == ["温人社发", "〔2020〕125号", "第十条"]
    # 避头尾: a closing mark stays with what it closes, an opening one with what it opens
    said = "考试合格（准考证号）。"
    for width in range(30, 110, 3):  # from three characters wide
        for line in wrap_lines(said, font, 9, width):
            assert not line.startswith(("）", "。")) and not line.endswith("（"), (width, line)
    # a category name is split only when the column cannot hold it at all
    assert wrap_lines("一般公需科目", font, 9, stringWidth("一般公需科目", font, 9)) == ["一般公需科目"]


def test_a_tonglu_certificate_and_sheet_count_credits_not_hours(public_app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(region="tonglu")
    client = certified(public_app, db, person)
    html = client.get("/hours/2025/certificate").get_data(as_text=True)
    card = html.split('<section class="card certificate">')[1].split("</section>")[0]
    # 学时通 is the platform's name (in the seal's ring): not a unit
    assert "学分电子证书" in card and "90.0</strong> 学分" in card and "学时" not in card.replace("学时通", "")
    text, _ = pdf_text(client.get("/hours/2025/certificate.pdf").data)
    flat = text.replace("\n", "")
    assert "继续教育学分电子证书" in flat and "90.00 学分" in flat and "学时" not in flat.replace("学时通", "")
    sheet, _ = pdf_text(sheet_of(public_app, person))
    assert "2025 年度专业技术人员继续教育学分登记情况表" in sheet and "学时" not in sheet.replace("学时通", "")
    wenzhou = make.practitioner(region="wenzhou")
    completed_2025(public_app, db, wenzhou)
    assert "继续教育学时登记情况表" in pdf_text(sheet_of(public_app, wenzhou))[0]


def test_printing_the_same_data_again_gives_the_same_sheet_and_new_data_a_new_one(
        public_app: Any, db: Any, make: Any) -> None:
    person = make.practitioner()
    completed_2025(public_app, db, person)
    first, _ = pdf_text(sheet_of(public_app, person))
    again, _ = pdf_text(sheet_of(public_app, person))
    assert db.scalar(select(func.count()).select_from(HoursSheet)) == 1
    code = db.scalars(select(HoursSheet.code)).one()
    assert code in first and code in again
    give(public_app, db, person, 2025, "professional", 6, "more")
    later, _ = pdf_text(sheet_of(public_app, person))
    codes = db.scalars(select(HoursSheet.code).order_by(HoursSheet.id)).all()
    assert len(codes) == 2 and codes[1] in later and code not in later


@pytest.mark.parametrize("setting", ["PDF_FONT_PATH", "PDF_FALLBACK_FONT_PATH"])
def test_a_missing_font_refuses_the_pdf_with_a_clear_message_and_records_nothing(
        make_app: Any, db: Any, make: Any, tmp_path: Any, setting: str) -> None:
    app = make_app(**{setting: str(tmp_path / "no-such-font.ttf")})
    person = make.practitioner()
    completed_2025(app, db, person)
    client = app.test_client()
    web_login(client, person)
    resp = client.get("/hours/2025/sheet.pdf")
    assert resp.status_code == 503 and "缺少生成 PDF 所需的中文字体" in resp.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(HoursSheet)) == 0


def test_a_font_reportlab_cannot_embed_is_refused_too(make_app: Any, make: Any, db: Any) -> None:
    # Debian's Noto CJK is OpenType with CFF outlines: reportlab embeds TrueType outlines only
    from pathlib import Path
    cff = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    if not Path(cff).exists():
        pytest.skip("fonts-noto-cjk is not installed")
    app = make_app(PDF_FONT_PATH=cff)
    person = make.practitioner()
    client = app.test_client()
    web_login(client, person)
    assert client.get("/hours/2026/sheet.pdf").status_code == 503


@pytest.mark.parametrize("value, ok", [
    ("https://xst.example.gov.cn", "https://xst.example.gov.cn"), ("http://127.0.0.1:5000/", "http://127.0.0.1:5000"),
    ("ftp://xst.example.gov.cn", None), ("xst.example.gov.cn", None), ("https://xst.example.gov.cn/app?x=1", None)])
def test_the_public_base_url_must_be_an_http_address_with_a_host(value: str, ok: str | None) -> None:
    if ok is None:
        with pytest.raises(ValueError, match="PUBLIC_BASE_URL"):
            public_base_url(value)
    else:
        assert public_base_url(value) == ok
