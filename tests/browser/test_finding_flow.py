"""Issue 12 item 7 at phone width (390 px): forged evidence found on a credited claim (温人社发〔2020〕125号 第十五条
“伪造、提供虚假材料的，取消其职称申报资格”). The city industry authority that approved a Wenzhou practitioner's
training reads the claim, records the finding with a scan of the organiser's reply, confirms in the shared dialog;
the hours are taken back by a negative entry (the original stays), and the practitioner reads the sanction with its
article on the hours page."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from lms import clock
from tests.browser.conftest import shoot
from tests.browser.test_claim_flow import certificate_photo
from tests.browser.test_clerk_pages import PHONE, fits_the_screen
from tests.browser.test_exam_flow import log_in
from tests.browser.test_org_flow import log_out
from tests.claims.test_claims import PDF
from tests.conftest import PASSWORD, make_id_number

pytestmark = pytest.mark.browser


def test_a_reviewer_records_forged_evidence_on_a_credited_claim_and_the_practitioner_sees_the_sanction(
        live: Any, browser: Any) -> None:
    from lms.accounts.operations import register_practitioner
    from lms.claims.operations import Upload, decide, file_claim
    from lms.hours.operations import totals
    from lms.orgs.models import Employment, Organisation
    from lms.orgs.operations import create_staff
    srv = live()
    today = clock.china_today()
    held_on = max(today - timedelta(days=10), date(today.year, 1, 1))
    with srv.app.test_request_context(), srv.session() as s:
        school = Organisation(kind="employer", name="鹿城某中学", region_code="wenzhou-lucheng", industry="教育",
                              uscc="91330302MA2B3C4D5E", status="approved", created_at=clock.now())
        edu = Organisation(kind="authority", name="温州市教育局", region_code="wenzhou", industry="教育",
                           status="approved", created_at=clock.now())
        s.add_all([school, edu])
        s.flush()
        reviewer = create_staff(s, None, edu, role="authority", username="wzedu", name="教育局科员",
                                password=PASSWORD)
        chen = register_practitioner(s, name="陈老师", id_number=make_id_number(8), mobile="13900000008",
                                     region="wenzhou-lucheng", industry="教育", password=PASSWORD)
        s.flush()
        s.add(Employment(person_id=chen.id, org_id=school.id, status="current", applied_at=clock.now(),
                         region_code="wenzhou-lucheng", started_on=today - timedelta(days=400),
                         confirmed_by_id=chen.id))
        s.flush()
        # Filed and credited before the walk: 8 professional hours approved by the city authority (第十二条3).
        claim = file_claim(s, chen, chen, "training", {"start": f"{held_on:%Y-%m-%d}", "subject": "professional",
                                                       "hours": "8"}, [Upload("培训证明.pdf", PDF)])
        s.flush()
        decide(s, reviewer, claim.id, version=claim.version, decision="approve")
        s.commit()
        chen_id, chen_login, claim_id = chen.id, chen.id_number, claim.id
        assert totals(s, chen_id, held_on.year)["professional"] == 8
    page = browser.new_context(viewport=PHONE).new_page()
    base = srv.url

    # The authority that approved it reads the credited claim and records what it found, with a scan.
    log_in(page, base, "wzedu")
    page.goto(base + f"/claims/{claim_id}")
    assert "已认定" in page.inner_text("#claim")
    assert "记录提供虚假材料" in page.inner_text("#finding")
    assert fits_the_screen(page)
    page.fill("#finding-text", "经向举办单位核实，该培训证明系伪造，举办单位未举办该期培训")
    page.set_input_files("#finding-file", files=[{"name": "举办单位复函.jpg", "mimeType": "image/jpeg",
                                                  "buffer": certificate_photo()}])
    page.click("#finding button.danger")
    dialog = page.locator("dialog.confirm")
    dialog.wait_for(state="visible")
    assert "撤销已登记的学时" in dialog.inner_text()
    assert fits_the_screen(page)
    with page.expect_navigation():  # the POST and its redirect back to this page (wait_for_load_state alone could
        page.click("#confirm-ok")   # return before the navigation began, reading the old page on a loaded machine)
    found = page.inner_text("#finding")
    assert "查实提供虚假材料" in found and "撤销登记 8" in found and "举办单位复函.jpg" in found
    assert fits_the_screen(page)
    shoot(page, "finding-recorded-390")
    log_out(page)

    # The practitioner: the hours taken back (the original entry stays beside the negative one) and the sanction
    # with its article and who recorded it.
    log_in(page, base, chen_login)
    page.goto(base + "/hours")
    sanction = page.inner_text("#sanctions")
    assert "取消职称申报资格" in sanction and "温人社发〔2020〕125号 第十五条" in sanction
    assert fits_the_screen(page)
    shoot(page, "finding-sanction-390")
    page.goto(base + f"/claims/{claim_id}")
    assert "查实提供虚假材料" in page.inner_text("#finding")
    with srv.app.app_context(), srv.session() as s:
        assert totals(s, chen_id, held_on.year)["professional"] == 0
