"""Certificates after review (issue 12 item 9; 威人社字〔2022〕2号 三: "在服务平台登记并经审核认定后，可打印电子证书"):
a year's certificate is issued only when none of that year's claims is still in review (pending, or returned for
correction), and it carries the project's own electronic seal beside the verification code and QR."""
from __future__ import annotations

import html
import io
from typing import Any

from pypdf import PdfReader

from lms.hours.seal import CAPTION, RED
from tests.claims.test_claims import PNG, decide, file, only_claim, post_multipart, web_login
from tests.claims.test_claims import wenzhou as wenzhou  # the fixture: a Wenzhou teacher and the city authority
from tests.hours.test_standing import complete

IN_REVIEW = "2025 年度还有 1 项学时登记在审核中（含退回修改的），审核认定后方可出具电子证书"


def test_a_year_with_a_claim_in_review_gets_its_certificate_only_once_the_claim_is_decided(
        app: Any, db: Any, wenzhou: dict[str, Any]) -> None:
    p = wenzhou["p"]
    complete(app, db, p, 2025)                      # 90 hours: the year alone would earn its certificate
    me = app.test_client()
    web_login(me, p.id_number)
    assert file(me, "paper", start="2025-11-10", hours="12", item_id="doi:10.1000/late").status_code == 302
    claim = only_claim(db)
    assert (claim.year, claim.status) == (2025, "pending")

    refused = me.post("/hours/2025/certificate")
    assert refused.status_code == 409 and IN_REVIEW in html.unescape(refused.get_data(as_text=True))
    api = me.post("/api/v1/hours/2025/certificate")
    assert api.status_code == 409 and api.get_json()["message"] == IN_REVIEW
    hours_page = html.unescape(me.get("/hours").get_data(as_text=True))
    assert "该年度还有 1 项学时登记在审核中" in hours_page and "/hours/2025/certificate" not in hours_page

    reviewer = app.test_client()
    web_login(reviewer, "jyj")
    assert decide(reviewer, claim, "return", "请补充刊物封面").status_code == 302
    assert only_claim(db).status == "returned"
    assert me.post("/hours/2025/certificate").status_code == 409   # returned for correction: still in review

    claim = only_claim(db)
    assert post_multipart(me, f"/claims/{claim.id}/resubmit", {
        "version": str(claim.version), "start": "2025-11-10", "hours": "12", "item_id": "doi:10.1000/late",
        "evidence": [(io.BytesIO(PNG), "封面.png")]}).status_code == 302
    assert only_claim(db).status == "pending"
    assert me.post("/hours/2025/certificate").status_code == 409
    assert decide(reviewer, only_claim(db), "reject", "非本人成果").status_code == 302
    assert only_claim(db).status == "rejected"
    assert me.post("/hours/2025/certificate").status_code == 302
    assert "查看电子证书" in me.get("/hours").get_data(as_text=True)


def test_an_approved_claim_counts_in_the_certificate_issued_after_it(app: Any, db: Any,
                                                                     wenzhou: dict[str, Any]) -> None:
    p = wenzhou["p"]
    complete(app, db, p, 2025)
    me = app.test_client()
    web_login(me, p.id_number)
    file(me, "paper", start="2025-11-10", hours="12", item_id="doi:10.1000/ok")
    assert me.post("/hours/2025/certificate").status_code == 409
    reviewer = app.test_client()
    web_login(reviewer, "jyj")
    assert decide(reviewer, only_claim(db), "approve").status_code == 302
    assert me.post("/hours/2025/certificate").status_code == 302
    page = html.unescape(me.get("/hours/2025/certificate").get_data(as_text=True))
    assert "共取得 <strong>102.0</strong> 学时" in page


def test_a_claim_of_another_year_does_not_hold_back_this_years_certificate(app: Any, db: Any,
                                                                           wenzhou: dict[str, Any]) -> None:
    p = wenzhou["p"]
    complete(app, db, p, 2025)
    me = app.test_client()
    web_login(me, p.id_number)
    file(me, "paper", start="2026-01-10", hours="12", item_id="doi:10.1000/next")
    assert only_claim(db).year == 2026
    assert me.post("/hours/2025/certificate").status_code == 302


def test_the_certificate_carries_the_projects_seal_beside_code_and_qr_on_the_page_and_in_the_pdf(
        app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(region="tonglu")
    complete(app, db, person, 2025)
    me = app.test_client()
    web_login(me, person.id_number)
    assert me.post("/hours/2025/certificate").status_code == 302
    page = me.get("/hours/2025/certificate").get_data(as_text=True)
    seal = page.split('<figure class="seal">', 1)[1].split("</figure>", 1)[0]
    assert f'aria-label="{CAPTION}"' in seal and "非实体印章" in seal and "不是实体公章" in seal
    assert page.index("验证码") < page.index('<figure class="seal">') < page.index('<div class="qr">')
    pdf = PdfReader(io.BytesIO(me.get("/hours/2025/certificate.pdf").data)).pages[0]
    text = pdf.extract_text().replace("\n", "")
    assert f"印章：{CAPTION}" in text and "非实体印章" in text and "学分" in text
    # the seal is drawn in its own red, as vector paths and text in the PDF's content
    red = " ".join(f"{int(RED[i:i + 2], 16) / 255:.6f}".lstrip("0") for i in (1, 3, 5))
    content = pdf.get_contents().get_data().decode("latin-1")
    assert f"{red} RG" in content and f"{red} rg" in content
