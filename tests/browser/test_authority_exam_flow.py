"""In headless Chromium at 390 px: an industry authority's clerk runs the exam of its industry public subject
(温人社发〔2020〕125号 第十一条) — from its navigation to a plan (the category fixed, no region to choose), a session,
its course's question bank uploaded, and the session's roster with its own proctor assigned."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lms import clock
from tests.browser.conftest import shoot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def arrange(srv: Any) -> dict[str, Any]:
    """The Wenzhou education authority with a clerk, a proctor and its industry public course of the year (draft)."""
    from lms.catalogue.operations import create_course
    from lms.orgs.models import Organisation
    from lms.orgs.operations import create_staff
    with srv.app.app_context():
        s = srv.session()
        org = Organisation(kind="authority", name="温州市教育局", region_code="wenzhou", industry="教育",
                           status="approved", created_at=clock.now())
        s.add(org)
        s.flush()
        clerk = create_staff(s, None, org, role="authority", username="jiaoyu1", name="教育局科员", password=PASSWORD)
        proctor = create_staff(s, None, org, role="proctor", username="jiankao1", name="李监考", password=PASSWORD)
        create_course(s, clerk, title="教师职业道德", summary="", category="industry_public",
                      credited_hours=Decimal(12), year=clock.study_year())
        s.commit()
        out = {"proctor": proctor.id}
        s.close()
    return out


def fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_an_authority_clerk_runs_its_industry_exam_at_390px(live: Any, browser: Any, tmp_path: Path) -> None:
    srv = live()
    facts = arrange(srv)
    page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    page.goto(srv.url + "/login")
    page.fill("input[name=login]", "jiaoyu1")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button")
    page.wait_for_load_state()
    assert "本行业公需科目考试" in page.inner_text("#authority-exams")

    page.click("nav a:has-text('考试计划')")
    assert "温人社发〔2020〕125号 第十一条" in page.inner_text("#authority-note")
    assert page.locator("select[name=category]").count() == 0 and page.locator("select[name=region]").count() == 0
    assert page.inner_text("#plan-category") == "科目类别：行业公需科目"
    page.fill("input[name=question_count]", "2")
    page.click("form button:has-text('创建')")
    page.wait_for_load_state()
    assert "考试计划已创建" in page.inner_text("body") and "行业公需科目" in page.inner_text("h1 + p")
    assert fits(page)

    day = clock.china_today() + timedelta(days=3)
    opens = clock.china_now() - timedelta(hours=1)
    page.fill("input[name=venue_name]", "温州市教育考试院")
    page.fill("input[name=venue_address]", "温州市鹿城区学院路 1 号")
    page.fill("input[name=room]", "第一考场")
    page.fill("input[name=day]", day.isoformat())
    page.fill("input[name=start]", "09:00")
    page.fill("input[name=end]", "10:30")
    page.fill("input[name=seats]", "30")
    page.fill("input[name=booking_opens]", f"{opens:%Y-%m-%dT%H:%M}")
    page.fill("input[name=booking_closes]", f"{day - timedelta(days=1)}T17:00")
    page.fill("input[name=cancel_deadline]", f"{day - timedelta(days=1)}T12:00")
    page.click("form button:has-text('添加')")
    page.wait_for_load_state()
    assert "场次已添加" in page.inner_text("body")
    shoot(page, "authority-exam-plan-390")

    page.click("nav a:has-text('考试计划')")
    page.click("a:has-text('题库管理')")
    bank = tmp_path / "bank.csv"
    bank.write_text("题型,题干,选项A,选项B,选项C,选项D,答案\n"
                    "单选,行业公需科目考试由谁组织？,人社局,行业主管部门,学校,个人,B\n"
                    "判断,合格后由行业主管部门登记学时。,,,,,正确\n", encoding="utf-8")
    row = page.locator("tr:has-text('教师职业道德')")
    row.locator("input[type=file]").set_input_files(str(bank))
    row.locator("button:has-text('导入')").click()
    page.wait_for_load_state()
    assert "《教师职业道德》题库已导入 2 题" in page.inner_text("body")
    assert fits(page)

    page.click("nav a:has-text('考试计划')")
    page.click("table.list a")  # the plan
    page.click("table.list a")  # its session
    page.select_option("select[name=proctor_id]", str(facts["proctor"]))
    page.click("form button:has-text('指派')")
    page.wait_for_load_state()
    assert "已指派监考员 李监考" in page.inner_text("body") and "审计记录" not in page.inner_text("body")
    assert fits(page)
    shoot(page, "authority-exam-session-390")
