"""A certificate is its holder's: another person's certificate page and PDF do not exist for you (威人社字〔2022〕2号 三)."""
from __future__ import annotations

from typing import Any

from tests.conftest import login
from tests.test_access import web_login
from tests.test_hours import completed_2025


def test_another_persons_certificate_page_and_pdf_answer_404(app: Any, db: Any, make: Any) -> None:
    holder, other = make.practitioner(name="欧阳明华"), make.practitioner(name="赵敏")
    completed_2025(app, db, holder)
    mine = app.test_client()
    web_login(mine, holder)
    assert mine.post("/hours/2025/certificate").status_code == 302
    assert mine.get("/hours/2025/certificate").status_code == 200
    assert mine.get("/hours/2025/certificate.pdf").status_code == 200
    theirs = app.test_client()
    web_login(theirs, other)
    page = theirs.get("/hours/2025/certificate")
    assert page.status_code == 404 and "欧阳明华" not in page.get_data(as_text=True)
    assert theirs.get("/hours/2025/certificate.pdf").status_code == 404
    api = app.test_client()
    login(api, other.id_number)
    assert api.get("/api/v1/hours/2025/certificate").status_code == 404
