"""Training fees at phone width (390 px; 川人社发〔2016〕20号 七(三)): an employer's administrator reports the year's
fees, is told in Chinese what is wrong with a bad amount, corrects it, and the city bureau finds the report in its
dashboard's 培训经费（用人单位报告）; the persons behind a figure download as CSV, streamed."""
from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from lms import clock
from tests.browser.conftest import shoot
from tests.browser.test_clerk_pages import PHONE, fits_the_screen
from tests.browser.test_exam_flow import log_in
from tests.browser.test_org_flow import log_out
from tests.browser.walk import city_clerk, practitioner_with_hours
from tests.conftest import PASSWORD, make_uscc

pytestmark = pytest.mark.browser


def test_an_employer_reports_its_fees_on_a_phone_and_the_city_sees_them(live: Any, browser: Any) -> None:
    from lms.orgs.models import Organisation
    from lms.orgs.operations import create_staff
    from lms.stats.operations import refresh_stats
    srv = live()
    year = clock.study_year()
    with srv.app.app_context(), srv.session() as s:
        city_clerk(s)
        org = Organisation(kind="employer", name="温州市建筑设计研究院", uscc=make_uscc(7), region_code="wenzhou-lucheng",
                           industry="工程技术", status="approved", created_at=clock.now())
        s.add(org)
        s.flush()
        create_staff(s, None, org, role="employer", username="jianyuan", name="单位管理员", password=PASSWORD)
        for i in range(3):
            practitioner_with_hours(s, i, "wenzhou-lucheng", "工程技术", [(year, "general_public", 18, "exam")])
        refresh_stats(s, [year])
        s.commit()
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    base = srv.url

    log_in(page, base, "jianyuan")
    page.click("text=培训经费报告")
    page.wait_for_load_state("load")
    assert "还没有报告过培训经费" in page.inner_text("#fee-reports")
    page.fill("#amount", "-500")
    page.fill("#trained", "12")
    page.click("main form button")
    page.wait_for_load_state("load")
    assert "培训经费应为不小于 0 的金额" in page.inner_text("main")
    assert fits_the_screen(page)
    shoot(page, "fees-error-390")
    page.fill("#amount", "38600.50")
    page.fill("#note", "建筑节能新技术培训")
    page.click("main form button")
    page.wait_for_load_state("load")
    assert f"{year} 年度培训经费已报告：38600.50 元，12 人次" in page.inner_text("main")
    assert "38600.50" in page.inner_text("#fee-reports")
    assert fits_the_screen(page)
    shoot(page, "fees-reported-390")
    log_out(page)

    log_in(page, base, "shiju")
    page.goto(f"{base}/stats/{year}")
    table = page.inner_text("#table-employer_funding")
    assert "温州市鹿城区" in table and "工程技术" in table and "38600.50" in table
    assert fits_the_screen(page)
    page.click("#table-overview >> tr:has-text('专业技术人员') >> text=查看人员")
    page.wait_for_load_state("load")
    with page.expect_download() as info:
        page.click("text=导出 CSV")
    with open(info.value.path(), encoding="utf-8-sig") as f:
        rows = list(csv.reader(io.StringIO(f.read())))
    assert rows[0][0] == "姓名" and sorted(r[0] for r in rows[1:]) == ["人员0", "人员1", "人员2"]
    assert fits_the_screen(page)
    shoot(page, "stats-people-csv-390")
