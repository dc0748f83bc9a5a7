"""A practitioner registers, enrols, studies until a chapter completes, and idling stops the clock."""
from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from courseware.storage import MediaStore
from lms.catalogue.models import CourseOffering
from lms.catalogue.operations import add_chapter, create_course, set_offering_status
from lms.orgs.operations import create_staff
from lms.study.models import ChapterProgress
from tests.browser.conftest import shoot
from tests.conftest import make_id_number

pytestmark = pytest.mark.browser


def publish_course(srv: Any) -> None:
    with srv.app.app_context(), srv.session() as s:
        staff = create_staff(s, None, role="bureau", username="clerk", name="王科员", password="Clerk2026ok")
        c = create_course(s, staff, title="法治政府建设与依法行政", summary="理解依法行政的基本要求。",
                          category="general_public", credited_hours=Decimal(18), year=2026)
        html = "<!doctype html><html><body><h1>宪法精神</h1><p>依法治国是党领导人民治理国家的基本方略。</p></body></html>"
        add_chapter(s, staff, MediaStore(srv.app.config["MEDIA_DIR"]), c, title="宪法精神与法治思维", kind="html",
                    mime="text/html", ext=".html", data=html.encode(), study_minutes=1)
        set_offering_status(s, staff, s.get(CourseOffering, (c.id, 2026)), "published")
        s.commit()


def credited_ms(srv: Any) -> int:
    with srv.session() as s:
        return int(s.scalar(select(func.coalesce(func.sum(ChapterProgress.credited_ms), 0))))


def keep_active(page: Any, seconds: float) -> None:
    end = time.monotonic() + seconds
    x = 10
    while time.monotonic() < end:
        x = 10 if x > 300 else x + 37
        page.mouse.move(x, 200)
        page.wait_for_timeout(300)


def test_register_enrol_study_until_chapter_completes_and_idling_stops_the_clock(live: Any, browser: Any) -> None:
    srv = live(HEARTBEAT_SECONDS=1, HEARTBEAT_GRACE_SECONDS=1, IDLE_TIMEOUT_SECONDS=3)
    from lms import clock
    if clock.study_year() != 2026:
        pytest.skip("the arranged course is for study year 2026")
    publish_course(srv)
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page.goto(srv.url + "/register")
    page.fill("#name", "周晓明")
    page.fill("#id_number", make_id_number(7))
    page.fill("#mobile", "13712345678")
    page.select_option("#region", "wenzhou")
    page.fill("#password", "Study2026ok")
    page.fill("#confirm", "Study2026ok")
    page.click("button[type=submit]")
    page.wait_for_url("**/home")
    assert "周晓明，您好" in page.inner_text("main")
    assert "一般公需科目" in page.inner_text("main")

    page.click("text=培训报名")
    page.click("text=选择本课程")
    page.wait_for_url("**/my/courses")
    assert "报名成功" in page.inner_text("main")
    page.click("text=在线学习")
    page.wait_for_selector("#status.ok")
    shoot(page, "study-player-phone")

    keep_active(page, 6)
    studied = credited_ms(srv)
    assert studied >= 3000

    # Idle: no interaction for longer than the window; the page says so and the server credits nothing more.
    page.wait_for_function("document.getElementById('status').textContent.includes('计时已暂停')", timeout=15000)
    paused_at = credited_ms(srv)
    page.wait_for_timeout(4000)
    assert credited_ms(srv) == paused_at
    assert "计时已暂停" in page.inner_text("#status")

    # Back to work: the clock restarts (a new segment), and the chapter completes at 1 minute.
    keep_active(page, 1)
    deadline = time.monotonic() + 120
    while page.is_hidden("#chapter-done") and time.monotonic() < deadline:
        keep_active(page, 2)
    assert page.is_visible("#chapter-done")
    assert credited_ms(srv) >= 60_000
    page.wait_for_selector("#course-done-note", state="visible")
    assert "本课程在线学习已全部完成" in page.inner_text("main")
    assert page.inner_text("#course-percent") == "100"
    shoot(page, "study-complete-phone")
    page.goto(srv.url + "/my/courses")
    page.click("text=学习记录")
    record = page.inner_text("main")
    assert "脱机过久" in record or "进行中" in record
