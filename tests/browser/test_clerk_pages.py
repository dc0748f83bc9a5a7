"""In headless Chromium at phone width (390 px): the clerk's audit log with its filters and paging."""
from __future__ import annotations

from typing import Any

import pytest

from lms import audit, clock
from tests.browser.conftest import shoot
from tests.browser.test_exam_flow import log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def fits_the_screen(page: Any) -> bool:
    """Nothing on the page is wider than the phone: no sideways scrolling."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_clerk_filters_and_pages_the_audit_log_on_a_phone(live: Any, browser: Any) -> None:
    from lms.accounts.operations import register_practitioner, set_active
    from lms.orgs.operations import create_staff
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


def test_a_clerk_edits_then_cancels_a_session_on_a_phone_and_candidates_are_told(live: Any, browser: Any) -> None:
    from datetime import datetime, time, timedelta
    from decimal import Decimal

    from sqlalchemy import select

    from exams.models import Booking, ExamSession, OutboxMessage
    from exams.operations import ExamSettings, SessionSpec, add_sessions, book_seat, create_plan
    from lms.accounts.operations import register_practitioner
    from lms.catalogue.models import CourseOffering
    from lms.catalogue.operations import create_course, enrol
    from lms.orgs.operations import create_staff
    from tests.conftest import make_id_number
    srv = live()
    with srv.app.app_context(), srv.session() as s:
        clerk = create_staff(s, None, role="bureau", username="zhangke", name="张科员", password=PASSWORD)
        year, now = clock.study_year(), clock.now()
        course = create_course(s, clerk, title="数字经济", summary="", category="general_public",
                               credited_hours=Decimal(18), year=year)
        s.get_one(CourseOffering, (course.id, year)).status = "published"  # (no chapters needed here)
        plan = create_plan(s, clerk, year=year, category="general_public", title="考试")
        # 09:00 China time two days on: a session never crosses midnight, whatever hour the test runs at
        start = datetime.combine(clock.china_today() + timedelta(days=2), time(9, 0)) - clock.CHINA
        (session,) = add_sessions(s, clerk, plan, [SessionSpec("人才市场考点", "市府路 500 号", "第一考场", start,
                                                              start + timedelta(hours=1), 30, now - timedelta(days=1),
                                                              start - timedelta(hours=2), start - timedelta(hours=3))])
        for n in (1, 2):
            person = register_practitioner(s, name=f"考生{n}号", id_number=make_id_number(n), mobile=f"1390000000{n}",
                                           region="wenzhou", industry="教育", password=PASSWORD)
            enrol(s, person, course.id, year).completed_at = now
            book_seat(s, person, session, ExamSettings())
        s.commit()
        session_id = session.id
    page = browser.new_context(viewport=PHONE).new_page()
    log_in(page, srv.url, "zhangke")
    page.goto(f"{srv.url}/exams/admin/sessions/{session_id}")
    page.click("#edit-session-link")
    assert page.inner_text("#affected") == "2"
    page.fill("#room", "第九考场")
    page.click("#edit-session button")
    page.wait_for_load_state()
    assert "场次已修改：考场；已通知 2 名考生" in page.inner_text(".flash")
    assert fits_the_screen(page)
    page.click("#edit-session-link")
    page.fill("#reason", "考点临时停电")
    assert fits_the_screen(page)
    shoot(page, "session-edit-390")
    page.click("#cancel-session button")
    assert "2 名考生的报名或候补将被取消" in page.inner_text("dialog.confirm")  # the shared confirmation dialog
    page.click("#confirm-ok")
    page.wait_for_url("**/exams/admin/plans/*")
    assert "场次已取消，已通知 2 名考生" in page.inner_text(".flash")
    assert "已取消" in page.inner_text("table.list")
    with srv.session() as s:
        kinds = sorted(s.scalars(select(OutboxMessage.kind)))
        assert kinds == ["session_cancelled"] * 2 + ["session_changed"] * 2
        assert set(s.scalars(select(Booking.status))) == {"cancelled"}
        assert s.get(ExamSession, session_id).room == "第九考场"
