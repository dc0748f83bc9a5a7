"""Issue 12's claim walk at phone width (390 px), along Tonglu's chain (桐人社发〔2018〕26号 第十三条): the employer's
administrator files a practitioner's 面授培训 with a photo of the certificate (a real JPEG, drawn here) → the county
industry authority checks it against the photo and archives it → the county HR bureau approves online → the
practitioner sees the 学分 in the hours bank, with the article and the approving bureau."""
from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from PIL import Image, ImageDraw

from lms import clock
from tests.browser.conftest import shoot
from tests.browser.test_clerk_pages import PHONE, fits_the_screen
from tests.browser.test_exam_flow import log_in
from tests.browser.test_org_flow import log_out
from tests.conftest import PASSWORD, make_id_number

pytestmark = pytest.mark.browser


def certificate_photo() -> bytes:
    """A phone photo of a training certificate: a JPEG of a few hundred KB at most, as a camera would give."""
    img = Image.new("RGB", (1200, 850), (246, 241, 228))
    draw = ImageDraw.Draw(img)
    draw.rectangle((40, 40, 1160, 810), outline=(160, 30, 30), width=12)
    for y in range(200, 700, 60):  # lines of text, as a camera sees them from afar
        draw.line((140, y, 1060, y), fill=(60, 60, 60), width=6)
    draw.ellipse((880, 560, 1080, 760), outline=(200, 20, 20), width=10)  # the seal
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def test_tonglu_claim_filed_by_the_employer_is_approved_at_every_step_and_the_practitioner_sees_the_credits(
        live: Any, browser: Any) -> None:
    from lms.accounts.operations import register_practitioner
    from lms.orgs.models import Employment, Organisation
    from lms.orgs.operations import create_staff
    from lms.orgs.scope import hr_bureau_of
    srv = live()
    with srv.app.app_context(), srv.session() as s:
        school = Organisation(kind="employer", name="桐庐县某中学", region_code="tonglu", industry="教育",
                              uscc="91330122MA2B3C4D5E", status="approved", created_at=clock.now())
        edu = Organisation(kind="authority", name="桐庐县教育局", region_code="tonglu", industry="教育",
                           status="approved", created_at=clock.now())
        s.add_all([school, edu])
        s.flush()
        create_staff(s, None, school, role="employer", username="tlschool", name="单位管理员", password=PASSWORD)
        create_staff(s, None, edu, role="authority", username="tledu", name="教育局科员", password=PASSWORD)
        create_staff(s, None, hr_bureau_of(s, "tonglu"), role="bureau", username="tlhr", name="人社局科员",
                     password=PASSWORD)
        wu = register_practitioner(s, name="吴老师", id_number=make_id_number(7), mobile="13900000007",
                                   region="tonglu", industry="教育", password=PASSWORD)
        s.flush()
        s.add(Employment(person_id=wu.id, org_id=school.id, status="current", applied_at=clock.now(),
                         region_code="tonglu", started_on=clock.china_today() - timedelta(days=400),
                         confirmed_by_id=wu.id))
        s.commit()
        wu_id, wu_login = wu.id, wu.id_number
    today = clock.china_today()
    # within Tonglu's 60 days and in this year (第十三条: last year's claims closed on 30 December)
    held_on = max(today - timedelta(days=10), date(today.year, 1, 1))
    photo = certificate_photo()
    page = browser.new_context(viewport=PHONE).new_page()
    base = srv.url

    # The practitioner reads that the employer files (第十三条) and has no button to do it.
    log_in(page, base, wu_login)
    page.goto(base + "/me/claims")
    assert "桐人社发〔2018〕26号" in page.inner_text("main")
    assert fits_the_screen(page)
    log_out(page)

    # The employer's administrator files for the practitioner: the preview first, then with the photo.
    log_in(page, base, "tlschool")
    page.goto(base + f"/org/people/{wu_id}/claims")
    assert fits_the_screen(page)
    page.click("#kinds li:has-text('面授培训') >> text=代为申报")
    page.wait_for_load_state()
    page.fill("#f-start", f"{held_on:%Y-%m-%d}")
    page.select_option("#f-subject", "professional")
    page.fill("#f-days", "2")
    page.click("button[value=preview]")
    page.wait_for_load_state()
    preview = page.inner_text("#preview")
    assert "16" in preview and "学分" in preview and "第十一条(一)" in preview
    # the deadline said: 60 days after the activity, and December's claims close on 30 December (第十三条)
    assert f"{min(held_on + timedelta(days=60), date(held_on.year, 12, 30)):%Y-%m-%d}" in preview
    assert fits_the_screen(page)
    shoot(page, "claim-preview-390")
    page.set_input_files("#f-evidence", files=[{"name": "培训证书.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    page.click("button[value=submit]")
    page.wait_for_load_state()
    assert "审核中" in page.inner_text("#claim")
    assert "培训证书.jpg" in page.inner_text("#evidence")
    assert fits_the_screen(page)
    log_out(page)

    # Each step of the chain: the county authority checks the photo (shown in the page), then the county bureau.
    for login, step in (("tledu", "核对佐证材料并存档"), ("tlhr", "网上审核")):
        log_in(page, base, login)
        page.goto(base + "/claims/review")
        assert fits_the_screen(page)
        page.click("#queue >> text=面授培训")
        page.wait_for_load_state()
        assert step in page.inner_text("section:has(#decide) h2")
        shown = page.locator("#evidence img")
        assert shown.count() == 1
        assert page.evaluate("(img) => img.complete && img.naturalWidth", shown.element_handle()) == 1200
        assert fits_the_screen(page)
        shoot(page, f"claim-review-{login}-390")
        page.select_option("#decision", "approve")
        page.click("#decide button")
        page.wait_for_load_state()
        assert "面授培训" in page.inner_text(".flash.success")
        log_out(page)

    # The practitioner sees the claim approved and the 16 学分 in the hours bank, with the article and the bureau.
    log_in(page, base, wu_login)
    page.goto(base + "/me/claims")
    assert "已认定" in page.inner_text("#my-claims")
    page.click("#my-claims >> text=面授培训")
    page.wait_for_load_state()
    assert "16" in page.inner_text("#credited") and "学分" in page.inner_text("#credited")
    page.goto(base + "/hours")
    bank = page.inner_text("main")
    assert "桐人社发〔2018〕26号 第十一条(一)" in bank and "桐庐县人力资源和社会保障局" in bank and "16" in bank
    assert fits_the_screen(page)
    shoot(page, "claim-hours-390")
