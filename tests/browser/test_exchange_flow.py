"""The data exchange page at phone width (390 px): the city clerk asks for an XLSX export, the page answers at once
and lists it as 待生成 with no link to a file; the scheduler's job writes it; the page, refreshed, lists it as 已完成
and the file and its checksum download and agree."""
from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import pytest

from lms import clock
from tests.browser.conftest import shoot
from tests.browser.test_clerk_pages import PHONE, fits_the_screen
from tests.browser.test_exam_flow import log_in
from tests.conftest import PASSWORD, make_id_number

pytestmark = pytest.mark.browser


def test_a_clerk_asks_for_an_export_and_downloads_it_once_the_job_wrote_it_on_a_phone(live: Any,
                                                                                       browser: Any) -> None:
    from lms.accounts.operations import register_practitioner
    from lms.exchange.jobs import write_exports_now
    from lms.hours.operations import register_hours
    from lms.orgs.operations import create_staff
    from lms.orgs.scope import hr_bureau_of
    srv = live()
    year = clock.study_year()
    with srv.app.app_context(), srv.session() as s:
        create_staff(s, None, hr_bureau_of(s, "wenzhou"), role="bureau", username="shiju", name="市局科员",
                     password=PASSWORD)
        for i in range(3):
            p = register_practitioner(s, name=f"人员{i}", id_number=make_id_number(i + 1), mobile=f"1390000{i:04d}",
                                      region="wenzhou-lucheng", industry="教育", password=PASSWORD)
            register_hours(s, person_id=p.id, year=year, category="professional", hours=Decimal(8),
                           source_type="manual", source_ref=f"x{i}", title="培训", org="温州市人社局")
        s.commit()
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    log_in(page, srv.url, "shiju")
    page.goto(srv.url + "/admin/exchange")
    page.select_option("select[name=fmt]", "xlsx")
    page.click("text=申请生成导出文件")
    page.wait_for_load_state("load")
    assert "已收到导出申请" in page.inner_text("body")
    item = page.locator("#exports li").first
    assert "待生成" in item.inner_text() and item.locator("a").count() == 0
    assert "状态截至" in page.inner_text("#exports-as-of")
    assert fits_the_screen(page)
    shoot(page, "exchange-pending-390")

    assert [state for _id, state in write_exports_now(srv.app)] == ["ready"]
    page.click("#exports-as-of >> text=刷新本页")
    page.wait_for_load_state("load")
    item = page.locator("#exports li").first
    assert "已完成" in item.inner_text() and "3 条" in item.inner_text()
    assert fits_the_screen(page)
    shoot(page, "exchange-ready-390")
    with page.expect_download() as info:
        item.locator("text=下载文件").click()
    data = info.value.path().read_bytes()
    assert info.value.suggested_filename.endswith(f"{year}.xlsx")
    with page.expect_download() as info:
        item.locator("text=校验文件").click()
    check = info.value.path().read_text(encoding="utf-8")
    assert check == f"{hashlib.sha256(data).hexdigest()}  {info.value.suggested_filename[:-len('.sha256')]}\n"
    context.close()
