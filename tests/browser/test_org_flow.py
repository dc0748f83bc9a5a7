"""Issue 11's walk at phone width (390 px): an employer registers → its county bureau approves → a practitioner
chooses it → the employer confirms → the practitioner applies to move to another employer → the new employer
confirms → each employer's staff list is right. And issue 13 item 4: a training organiser registers → pending, it
files nothing → its county bureau approves → it files a programme. And a rejected employer corrects its registration
and resubmits it → its county bureau approves it."""
from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import shoot
from tests.browser.test_clerk_pages import PHONE, fits_the_screen
from tests.browser.test_exam_flow import log_in
from tests.browser.walk import decide, file_programme, open_from
from tests.conftest import PASSWORD, make_id_number, make_uscc

pytestmark = pytest.mark.browser


def log_out(page: Any) -> None:
    page.click("header form button.link")
    page.wait_for_load_state()


def register_employer(page: Any, base: str, n: int, name: str, county: str, username: str,
                      kind: str = "employer") -> None:
    page.goto(base + "/orgs/register")
    page.select_option("#kind", kind)
    page.fill("#uscc", make_uscc(n))
    page.fill("#name", name)
    page.select_option("#region_code", county)
    if kind != "organiser":  # an organiser names no industry of its own
        page.select_option("#industry", "工程技术")
    page.fill("#contact_phone", "0577-88001234")
    page.fill("#admin_name", "王管理")
    page.fill("#admin_id_number", make_id_number(500 + n))
    page.fill("#admin_mobile", f"1370000{n:04d}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    assert fits_the_screen(page)
    page.click("form button")
    page.wait_for_load_state()
    assert name in page.inner_text("#registered")


def test_employers_register_are_approved_and_a_practitioner_moves_between_them(live: Any, browser: Any) -> None:
    from lms.accounts.operations import register_practitioner
    from lms.orgs.operations import create_staff
    from lms.orgs.scope import hr_bureau_of
    srv = live()
    with srv.app.app_context(), srv.session() as s:
        create_staff(s, None, hr_bureau_of(s, "wenzhou-lucheng"), role="bureau", username="lucheng", name="鹿城科员",
                     password=PASSWORD)
        register_practitioner(s, name="陈工", id_number=make_id_number(1), mobile="13900000001",
                              region="wenzhou", industry="工程技术", password=PASSWORD)
        s.commit()
    page = browser.new_context(viewport=PHONE).new_page()
    base = srv.url

    register_employer(page, base, 1, "温州甲建设有限公司", "wenzhou-lucheng", "jiaadmin")
    register_employer(page, base, 2, "温州乙设计有限公司", "wenzhou-lucheng", "yiadmin")

    # A pending employer cannot be chosen: the practitioner does not find it.
    log_in(page, base, "13900000001")
    page.goto(base + "/me/employer?q=温州甲")
    assert "没有找到" in page.inner_text("#found")
    log_out(page)

    # The county bureau approves both.
    log_in(page, base, "lucheng")
    page.goto(base + "/admin/orgs?status=pending")
    assert "温州甲建设有限公司" in page.inner_text("#orgs")
    for name in ("温州甲建设有限公司", "温州乙设计有限公司"):
        open_from(page, base, "/admin/orgs?status=pending", f"#orgs >> text={name}")
        decide(page, "#decide >> text=审核通过", "#org-status", "已通过")
    shoot(page, "org-approved-390")
    log_out(page)

    # The practitioner chooses 甲; 甲's administrator confirms.
    log_in(page, base, "13900000001")
    page.goto(base + "/me/employer?q=温州甲")
    page.click("#found >> text=申请加入")
    page.wait_for_load_state()
    assert "等待单位管理员确认" in page.inner_text("#pending")
    assert fits_the_screen(page)
    log_out(page)
    log_in(page, base, "jiaadmin")
    assert "1" == page.inner_text("#count-applications")
    page.goto(base + "/org/applications")
    assert "陈工" in page.inner_text("#applications")
    decide(page, "#applications >> text=确认", "main", "已确认，该人员已加入本单位")
    page.goto(base + "/org/staff")
    assert "陈工" in page.inner_text("#staff")
    assert fits_the_screen(page)
    shoot(page, "org-staff-390")
    log_out(page)

    # The practitioner applies to move to 乙; 乙 confirms; 甲's period ends.
    log_in(page, base, "13900000001")
    page.goto(base + "/me/employer")
    assert "温州甲建设有限公司" in page.inner_text("#my-employer")
    page.goto(base + "/me/employer?q=温州乙")
    page.click("#found >> text=申请加入")
    page.wait_for_load_state()
    assert "温州乙设计有限公司" in page.inner_text("#pending")
    log_out(page)
    log_in(page, base, "yiadmin")
    page.goto(base + "/org/applications")
    assert "现单位：温州甲建设有限公司" in page.inner_text("#applications")
    decide(page, "#applications >> text=确认", "main", "已确认，该人员已加入本单位")
    page.goto(base + "/org/staff")
    assert "陈工" in page.inner_text("#staff")
    log_out(page)

    log_in(page, base, "jiaadmin")
    page.goto(base + "/org/staff")
    assert "陈工" not in page.inner_text("#staff")
    page.goto(base + "/org")
    assert "陈工" in page.inner_text("main")  # among those who recently left
    log_out(page)

    log_in(page, base, "13900000001")
    page.goto(base + "/me/employer")
    assert "温州乙设计有限公司" in page.inner_text("#my-employer")
    history = page.inner_text("#history")
    assert "已离开" in history and "在职" in history
    assert fits_the_screen(page)
    shoot(page, "my-employer-390")


def test_an_organiser_registers_waits_for_its_county_bureau_then_files_a_programme(live: Any, browser: Any) -> None:
    from lms.orgs.operations import create_staff
    from lms.orgs.scope import hr_bureau_of
    srv = live()
    with srv.app.app_context(), srv.session() as s:
        create_staff(s, None, hr_bureau_of(s, "wenzhou-lucheng"), role="bureau", username="lucheng", name="鹿城科员",
                     password=PASSWORD)
        s.commit()
    page = browser.new_context(viewport=PHONE).new_page()
    base = srv.url
    name = "温州鹿城专业技术人员培训中心"
    register_employer(page, base, 3, name, "wenzhou-lucheng", "peixunadmin", kind="organiser")
    assert "不能报备培训项目" in page.inner_text("#registered")

    # Pending: its administrator logs in, reads why, and finds no form to file with.
    log_in(page, base, "peixunadmin")
    page.goto(base + "/programmes/manage")
    assert "审核通过前不能报备培训项目" in page.inner_text("#org-standing")
    assert fits_the_screen(page)
    shoot(page, "organiser-pending-390")
    page.goto(base + "/programmes/new")
    assert page.locator("#title").count() == 0
    log_out(page)

    log_in(page, base, "lucheng")
    open_from(page, base, "/admin/orgs?status=pending", f"#orgs >> text={name}")
    assert "施教机构" in page.inner_text("#org-facts")
    decide(page, "#decide >> text=审核通过", "#org-status", "已通过")
    log_out(page)

    log_in(page, base, "peixunadmin")
    page.goto(base + "/programmes/manage")
    assert page.locator("#org-standing").count() == 0
    page.click("main >> text=报备培训项目")
    page.wait_for_load_state()
    file_programme(page, "2027-03-01", "2027-03-03", "温人社专技〔2027〕3号")


def test_a_rejected_employer_corrects_its_registration_and_its_county_bureau_approves_it(live: Any,
                                                                                        browser: Any) -> None:
    """桐人社发〔2018〕26号 第十七条: the county bureau rejects with a reason → the employer's administrator reads it, corrects
    the name and resubmits → the bureau finds it pending again (second submission) and approves it."""
    from lms.orgs.operations import create_staff
    from lms.orgs.scope import hr_bureau_of
    srv = live()
    with srv.app.app_context(), srv.session() as s:
        create_staff(s, None, hr_bureau_of(s, "wenzhou-lucheng"), role="bureau", username="lucheng", name="鹿城科员",
                     password=PASSWORD)
        s.commit()
    page = browser.new_context(viewport=PHONE).new_page()
    base = srv.url
    register_employer(page, base, 4, "温州丙建设公司", "wenzhou-lucheng", "bingadmin")

    log_in(page, base, "lucheng")
    open_from(page, base, "/admin/orgs?status=pending", "#orgs >> text=温州丙建设公司")
    page.click("#decide summary")
    page.fill("#reason", "单位全称与营业执照不一致，应为“温州丙建设有限公司”")
    decide(page, "#decide button.danger", "#org-status", "未通过")
    log_out(page)

    # The administrator logs in, reads why, corrects the name and says what changed.
    log_in(page, base, "bingadmin")
    page.goto(base + "/org")
    assert "应为“温州丙建设有限公司”" in page.inner_text("#org-rejected")
    page.click("#org-rejected a")
    page.wait_for_load_state()
    assert fits_the_screen(page)
    page.fill("#name", "温州丙建设有限公司")
    page.fill("#note", "已按营业执照更正单位全称")
    decide(page, "#resubmit button", "#registration-status", "待审核")
    assert "已按营业执照更正单位全称" in page.inner_text("#registration-history")
    assert fits_the_screen(page)
    shoot(page, "org-resubmitted-390")
    log_out(page)

    log_in(page, base, "lucheng")
    page.goto(base + "/admin/orgs?status=pending")
    assert "修改后第 2 次提交" in page.inner_text("#orgs")
    open_from(page, base, "/admin/orgs?status=pending", "#orgs >> text=温州丙建设有限公司")
    assert "应为“温州丙建设有限公司”" in page.inner_text("#registration-history")
    decide(page, "#decide >> text=审核通过", "#org-status", "已通过")
