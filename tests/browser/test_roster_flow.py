"""Issue 13's roster walk at phone width (390 px): a training organiser files a programme → the city bureau approves
it → it is listed publicly → the organiser uploads the attendee roster and reads the row-by-row result → the bureau
confirms → an attendee sees the hours in the hours bank, in the bureau's name with the article."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from lms import clock
from tests.browser.conftest import shoot
from tests.browser.test_clerk_pages import PHONE, fits_the_screen
from tests.browser.test_exam_flow import log_in
from tests.browser.test_org_flow import log_out
from tests.browser.walk import PROGRAMME, decide, file_programme, open_from
from tests.conftest import PASSWORD, make_id_number

pytestmark = pytest.mark.browser


def test_an_organiser_files_a_programme_and_its_roster_is_registered_once_confirmed(live: Any, browser: Any) -> None:
    from lms.accounts.operations import register_practitioner
    from lms.orgs.models import Organisation
    from lms.orgs.operations import create_staff
    from lms.orgs.scope import hr_bureau_of
    srv = live()
    with srv.app.app_context(), srv.session() as s:
        create_staff(s, None, hr_bureau_of(s, "wenzhou"), role="bureau", username="shiju", name="市局科员",
                     password=PASSWORD)
        org = Organisation(kind="organiser", name="温州市继续教育学院", region_code="wenzhou-lucheng",
                           status="approved", created_at=clock.now())
        s.add(org)
        s.flush()
        create_staff(s, None, org, role="organiser", username="xueyuan", name="学院管理员", password=PASSWORD)
        chen = register_practitioner(s, name="陈工", id_number=make_id_number(1), mobile="13900000001",
                                     region="wenzhou-lucheng", industry="工程技术", password=PASSWORD)
        s.commit()
        chen_id_number = chen.id_number
    today = clock.china_today()
    page = browser.new_context(viewport=PHONE).new_page()
    base = srv.url

    log_in(page, base, "xueyuan")
    assert page.url.endswith("/programmes/manage")
    page.goto(base + "/programmes/new")
    file_programme(page, f"{today - timedelta(days=5):%Y-%m-%d}", f"{today - timedelta(days=3):%Y-%m-%d}",
                   "温人社专技〔2026〕3号")
    log_out(page)

    log_in(page, base, "shiju")
    open_from(page, base, "/programmes/manage", f"#programmes >> text={PROGRAMME}")
    decide(page, "#decide >> text=批准", "#programme-status", "已批准")
    log_out(page)

    page.goto(base + "/programmes")
    assert "温人社专技〔2026〕3号" in page.inner_text("#programmes")
    assert fits_the_screen(page)

    log_in(page, base, "xueyuan")
    open_from(page, base, "/programmes/manage", f"#programmes >> text={PROGRAMME}")
    roster = (f"姓名,身份证号码,参加天数,学时\n陈工,{chen_id_number},3,\n李未注册,{make_id_number(2)},2,\n"
              f"王错号,{make_id_number(3)[:17]}{'1' if make_id_number(3)[17] != '1' else '2'},1,\n")
    page.set_input_files("#file", files=[{"name": "名单.csv", "mimeType": "text/csv",
                                          "buffer": roster.encode()}])
    page.click("main form[enctype] button")
    page.wait_for_load_state()
    counts = page.inner_text("#roster-counts")
    assert "共 3 行" in counts and "待本人注册 1 行" in counts and "不予登记 1 行" in counts
    assert "校验位" in page.inner_text("#rows")
    assert fits_the_screen(page)
    shoot(page, "roster-checked-390")
    log_out(page)

    log_in(page, base, "shiju")
    open_from(page, base, "/programmes/manage", "#programmes >> text=待主管部门确认")
    decide(page, "main >> text=确认名单并登记学时", "#roster-status", "已确认")
    log_out(page)

    log_in(page, base, "13900000001")
    page.goto(base + "/hours")
    text = page.inner_text("main")
    assert PROGRAMME in text and "18" in text
    assert "温人社发〔2020〕125号 第十三、十四条" in text and "温州市人力资源和社会保障局" in text
    assert fits_the_screen(page)
    shoot(page, "roster-hours-390")
    page.click("main >> text=学时登记卡")
    page.wait_for_load_state()
    assert page.inner_text("#card-hours") == "18.0" and "温人社专技〔2026〕3号" in page.inner_text("#card")
    assert fits_the_screen(page)
