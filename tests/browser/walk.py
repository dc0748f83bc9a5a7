"""Steps the phone-width walks share: open an item from a staff list and decide it, file a training programme."""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from tests.browser.test_clerk_pages import fits_the_screen
from tests.conftest import PASSWORD, make_id_number

PROGRAMME = "建筑工程新技术高级研修班"


def city_clerk(s: Any, username: str = "shiju") -> Any:
    """A clerk of the Wenzhou city HR bureau (the statistics walks log in as this one)."""
    from lms.orgs.operations import create_staff
    from lms.orgs.scope import hr_bureau_of
    return create_staff(s, None, hr_bureau_of(s, "wenzhou"), role="bureau", username=username, name="市局科员",
                        password=PASSWORD)


def practitioner_with_hours(s: Any, i: int, region: str, industry: str,
                            hours: Iterable[tuple[int, str, int, str]]) -> Any:
    """Practitioner 人员{i} of region and industry, with hours registered as (year, category, hours, source)."""
    from lms.accounts.operations import register_practitioner
    from lms.hours.operations import register_hours
    p = register_practitioner(s, name=f"人员{i}", id_number=make_id_number(i + 1), mobile=f"1390000{i:04d}",
                              region=region, industry=industry, password=PASSWORD)
    for j, (year, category, amount, source) in enumerate(hours):
        register_hours(s, person_id=p.id, year=year, category=category, hours=Decimal(amount), source_type=source,
                       source_ref=f"w{i}-{j}", title="登记", org="温州市人社局")
    return p


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
