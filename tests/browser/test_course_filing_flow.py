"""Issue 13's course filing walk at phone width (390 px), 桐人社发〔2018〕26号 第九条: the Tonglu education bureau adds a
professional course with a chapter and submits it → the county HR bureau and the city (Hangzhou) HR bureau each file
it from their queue → the credits and category are shown as fixed → the authority publishes it → a Tonglu teacher finds
it in the catalogue and a Wenzhou teacher does not."""
from __future__ import annotations

from typing import Any

import pytest

from lms import clock
from tests.browser.conftest import shoot
from tests.browser.test_clerk_pages import PHONE, fits_the_screen
from tests.browser.test_exam_flow import log_in
from tests.browser.test_org_flow import log_out
from tests.browser.walk import decide, open_from
from tests.conftest import PASSWORD, make_id_number

pytestmark = pytest.mark.browser
TITLE = "中小学教师信息技术应用能力提升"


def test_an_authoritys_course_filed_by_the_county_and_the_city_appears_in_the_catalogue(
        live: Any, browser: Any) -> None:
    from lms.accounts.operations import register_practitioner
    from lms.orgs.models import Organisation
    from lms.orgs.operations import create_staff
    from lms.orgs.scope import hr_bureau_of
    srv = live()
    with srv.app.app_context(), srv.session() as s:
        create_staff(s, None, hr_bureau_of(s, "tonglu"), role="bureau", username="xianju", name="县局科员",
                     password=PASSWORD)
        create_staff(s, None, hr_bureau_of(s, "hangzhou"), role="bureau", username="shiju", name="市局科员",
                     password=PASSWORD)
        authority = Organisation(kind="authority", name="桐庐县教育局", region_code="tonglu", industry="教育",
                                 status="approved", created_at=clock.now())
        s.add(authority)
        s.flush()
        create_staff(s, None, authority, role="authority", username="tljy", name="教育局管理员", password=PASSWORD)
        register_practitioner(s, name="桐庐教师", id_number=make_id_number(1), mobile="13900000001",
                              region="tonglu", industry="教育", password=PASSWORD)
        register_practitioner(s, name="温州教师", id_number=make_id_number(2), mobile="13900000002",
                              region="wenzhou-lucheng", industry="教育", password=PASSWORD)
        s.commit()
    page = browser.new_context(viewport=PHONE).new_page()
    base = srv.url

    log_in(page, base, "tljy")
    page.click("header nav >> text=课程")
    page.wait_for_load_state()
    page.click("text=新建课程")
    page.wait_for_load_state()
    assert "一般公需科目" not in page.inner_text("#category")  # the HR bureau's (温 第七条)
    page.fill("#title", TITLE)
    page.select_option("#category", "professional")
    page.fill("#credited_hours", "12")
    assert fits_the_screen(page)
    page.click("main form button")
    page.wait_for_load_state()
    page.fill("#title", "第一讲 课堂中的信息技术")
    page.fill("#study_minutes", "30")
    page.set_input_files("#media", files=[{"name": "01.pdf", "mimeType": "application/pdf",
                                           "buffer": b"%PDF-1.4\n% one\n%%EOF\n"}])
    page.click("#chapters form button")
    page.wait_for_load_state()
    assert "未提交" in page.inner_text("#filing-state")
    page.click("#filing >> text=提交审核备案")
    page.wait_for_load_state()
    assert "审核备案中" in page.inner_text("#filing-state")
    assert fits_the_screen(page)
    shoot(page, "course-filing-submitted")
    log_out(page)

    for clerk, left in (("xianju", "本级已审核备案，还需其他层级"), ("shiju", "已审核备案，认定学时和科目类别已核定")):
        log_in(page, base, clerk)
        open_from(page, base, "/admin/course-filing", f"#awaiting >> text={TITLE}")
        assert "桐人社发〔2018〕26号 第九条" in page.inner_text("#filing")
        decide(page, "#filing >> text=审核通过，予以备案", "main", left)
        page.goto(base + "/admin/course-filing")
        assert TITLE not in page.inner_text("#awaiting")
        log_out(page)

    log_in(page, base, "tljy")
    open_from(page, base, "/admin/courses", f"text={TITLE}")
    assert "已备案" in page.inner_text("#filing-state")
    assert "12.0（已核定）" in page.inner_text("#filing")
    page.click("#edit-link")
    page.wait_for_load_state()
    assert "已核定" in page.inner_text("#fixed-values") and page.locator("#credited_hours").count() == 0
    assert fits_the_screen(page)
    shoot(page, "course-filing-fixed")
    page.go_back()
    page.wait_for_load_state()
    decide(page, "main form button:text-is('发布')", "main", "已发布")
    log_out(page)

    log_in(page, base, "13900000001")
    page.goto(base + "/enrol")
    assert TITLE in page.inner_text("main")
    assert fits_the_screen(page)
    shoot(page, "course-filing-catalogue")
    log_out(page)
    log_in(page, base, "13900000002")
    page.goto(base + "/enrol")
    assert TITLE not in page.inner_text("main")
