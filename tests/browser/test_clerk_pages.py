"""In headless Chromium at phone width (390 px): the clerk's audit log with its filters and paging."""
from __future__ import annotations

from typing import Any

import pytest

from lms import audit, clock
from tests.browser.conftest import shoot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def log_in(page: Any, base: str, login: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button")
    page.wait_for_load_state()


def fits_the_screen(page: Any) -> bool:
    """Nothing on the page is wider than the phone: no sideways scrolling."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_clerk_filters_and_pages_the_audit_log_on_a_phone(live: Any, browser: Any) -> None:
    from lms.accounts.operations import create_staff, register_practitioner, set_active
    from tests.conftest import make_id_number
    srv = live()
    with srv.app.app_context(), srv.session() as s:
        clerk = create_staff(s, None, role="bureau", username="zhangke", name="张科员", password=PASSWORD)
        other = create_staff(s, None, role="bureau", username="lisi", name="李四", password=PASSWORD)
        person = register_practitioner(s, name="赵敏", id_number=make_id_number(3), mobile="13900000003",
                                       region="wenzhou", industry="教育", password=PASSWORD)
        for i in range(25):
            set_active(s, clerk if i % 5 else other, person, bool(i % 2), ip="10.1.2.3")
        audit.record(s, clerk, "certificate.revoke", ("HoursCertificate", 7), reason="证明材料与原件不符，" * 8)
        s.commit()
    today = f"{clock.china_today():%Y-%m-%d}"
    page = browser.new_context(viewport=PHONE).new_page()
    log_in(page, srv.url, "zhangke")
    page.goto(srv.url + "/admin/audit")
    assert "共 28 条记录" in page.inner_text("#audit-total")  # 2 accounts created, 25 changes, 1 revocation
    first = page.locator("ol.audit li.entry").first
    assert first.locator(".action").inner_text() == "撤销电子证书"
    assert "证明材料与原件不符，" * 8 in first.inner_text()  # the whole reason, not cut off
    assert fits_the_screen(page)
    shoot(page, "audit-log-390")

    page.fill("#actor", "李四")
    page.select_option("#action", "account.deactivate")
    page.fill("#since", today)
    page.fill("#until", today)
    page.click("#audit-filters button")
    page.wait_for_load_state()
    assert "符合条件的记录 3 条" in page.inner_text("#audit-total")  # i = 0, 10, 20
    actions = page.locator("ol.audit li.entry .action").all_inner_texts()
    assert actions == ["停用账号"] * 3
    assert "操作人：李四" in page.locator("ol.audit li.entry").first.inner_text()
    assert page.input_value("#actor") == "李四" and page.input_value("#action") == "account.deactivate"
    assert fits_the_screen(page)

    page.click("text=清除条件")
    page.wait_for_load_state()
    assert "第 1 / 2 页" in page.inner_text(".pager")
    page.click(".pager >> text=下一页")
    page.wait_for_load_state()
    assert "第 2 / 2 页" in page.inner_text(".pager")
    assert page.locator("ol.audit li.entry").count() == 8
    assert fits_the_screen(page)
    shoot(page, "audit-log-390-page-2")
