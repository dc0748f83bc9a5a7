"""Steps the phone-width walks share: open an item from a staff list and decide it, file a training programme."""
from __future__ import annotations

from typing import Any

from tests.browser.test_clerk_pages import fits_the_screen

PROGRAMME = "建筑工程新技术高级研修班"


def open_from(page: Any, base: str, listing: str, item: str) -> None:
    """Open a list page, then the item its link selector names; both pages fit the phone's screen."""
    page.goto(base + listing)
    assert fits_the_screen(page)
    page.click(item)
    page.wait_for_load_state()
    assert fits_the_screen(page)


def decide(page: Any, button: str, where: str, said: str) -> None:
    """Press a decision's button and read what the page then says where it shows the outcome."""
    page.click(button)
    page.wait_for_load_state()
    assert said in page.inner_text(where)


def file_programme(page: Any, starts_on: str, ends_on: str, approval_document: str) -> None:
    """Fill in the programme form the page shows (a three-day advanced seminar) and file it: it awaits approval
    (浙人社发〔2016〕63号 第十一、十二条: organisers file their seminars in advance)."""
    page.fill("#title", PROGRAMME)
    page.select_option("#category", "professional")
    page.fill("#starts_on", starts_on)
    page.fill("#ends_on", ends_on)
    page.fill("#hours_per_day", "6")
    page.fill("#venue", "温州市鹿城区学院中路 1 号")
    page.fill("#fee", "600")
    page.fill("#capacity", "80")
    page.fill("#approval_document", approval_document)
    assert fits_the_screen(page)
    decide(page, "main form button", "#programme-status", "待审批")
