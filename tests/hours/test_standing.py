"""Standing in the app (issue 12 item 8): what the completed years mean for the annual review and a title
application, shown to the practitioner (home, hours page), the employer (staff list, person page) and the HR bureau
(person page), and printed on the registration sheet — each consequence with its article. The clock is frozen in
March 2026, so 2025 is the last completed year."""
from __future__ import annotations

import html
from typing import Any

from sqlalchemy import select

from lms.hours.models import HoursSheet
from lms.orgs.models import Organisation
from lms.orgs.operations import apply_to_org, confirm_employment
from tests.hours.test_documents import pdf_text, sheet_of
from tests.test_access import web_login
from tests.test_exports import xlsx_cells
from tests.test_hours import give

NOT_EXCELLENT = "当年度考核等次不得评为优秀（桐人社发〔2018〕26号 第十四条）"
COMPETENT = "连续两个年度未完成学分要求，未完成的第二个年度考核等次确定为基本合格及以下（桐人社发〔2018〕26号 第十四条）"
NO_TITLE_TL = "不得推荐职称评审和晋升岗位等级（桐人社发〔2018〕26号 第十五条）"
NO_TITLE_ZJ = "取消其专业技术职务任职资格的申报资格（浙人社发〔2016〕63号 第十六条）"


def complete(app: Any, db: Any, person: Any, year: int) -> None:
    """90 hours: 18 general public and 72 professional (every region's minimums)."""
    give(app, db, person, year, "general_public", 18, f"gp-{person.id}-{year}")
    give(app, db, person, year, "professional", 72, f"pro-{person.id}-{year}")


def short(app: Any, db: Any, person: Any, year: int, hours: int = 89) -> None:
    """One hour short of 90 (the public minimums met), or `hours` of them."""
    give(app, db, person, year, "general_public", 18, f"gp-{person.id}-{year}")
    give(app, db, person, year, "professional", hours - 18, f"pro-{person.id}-{year}")


def page(client: Any, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200, url
    return html.unescape(resp.get_data(as_text=True))


def standing_of(text: str) -> str:
    return text.split('id="standing"', 1)[1].split("</section>", 1)[0]


def as_practitioner(app: Any, person: Any) -> Any:
    client = app.test_client()
    web_login(client, person)
    return client


def test_tonglu_two_short_years_show_every_consequence_with_its_article_on_home_and_hours_page(
        app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(region="tonglu")
    short(app, db, person, 2024)
    short(app, db, person, 2025)
    client = as_practitioner(app, person)
    for url in ("/home", "/hours"):
        shown = standing_of(page(client, url))
        assert "2025 年度考核与职称申报" in shown
        for consequence in (NOT_EXCELLENT, COMPETENT, NO_TITLE_TL):
            assert consequence in shown.replace("<strong>", "").replace("</strong>", ""), url


def test_tonglu_one_complete_year_before_a_short_one_is_not_excellent_only_for_the_review(
        app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(region="tonglu")
    complete(app, db, person, 2024)
    short(app, db, person, 2025)
    shown = standing_of(page(as_practitioner(app, person), "/home")).replace("<strong>", "").replace("</strong>", "")
    assert NOT_EXCELLENT in shown and NO_TITLE_TL in shown and "基本合格" not in shown


def test_a_complete_last_year_shows_no_consequence(app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(region="tonglu")
    for year in (2023, 2024, 2025):
        complete(app, db, person, year)
    shown = standing_of(page(as_practitioner(app, person), "/hours"))
    assert "无不利影响" in shown and "不得" not in shown


def test_years_before_the_platform_knew_the_person_are_not_assumed_short(app: Any, db: Any, make: Any) -> None:
    newcomer = make.practitioner(region="tonglu")   # registered in March 2026, nothing registered before
    shown = standing_of(page(as_practitioner(app, newcomer), "/home"))
    assert "暂不判断" in shown and "不得" not in shown
    transferred = make.practitioner(region="tonglu", name="李四")
    complete(app, db, transferred, 2025)            # 2025 known (e.g. a transfer-in), 2023 and 2024 not
    shown = standing_of(page(as_practitioner(app, transferred), "/home"))
    assert "2023、2024年度没有报告，未纳入判断（桐人社发〔2018〕26号 第十五条）" in shown and "无不利影响" in shown


def test_weihai_shows_that_its_document_states_no_consequence(app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(region="weihai")
    short(app, db, person, 2024, 30)
    short(app, db, person, 2025, 30)
    shown = standing_of(page(as_practitioner(app, person), "/home"))
    assert "2025年度未完成学时要求；威人社字〔2022〕2号未规定对年度考核或职称申报的具体后果" in shown
    assert "不得" not in shown and "基本合格" not in shown and "title_years" not in shown


def test_zhejiang_16_judges_the_years_the_person_chooses_by_default_the_last_completed_one(
        app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(region="wenzhou")
    short(app, db, person, 2024)
    complete(app, db, person, 2025)
    client = as_practitioner(app, person)
    default = standing_of(page(client, "/hours"))
    assert "无不利影响" in default and NO_TITLE_ZJ not in default
    assert 'value="2025" checked' in default and 'value="2024">' in default
    chosen = standing_of(page(client, "/hours?title_years=2024&title_years=2025"))
    assert NO_TITLE_ZJ in chosen.replace("<strong>", "").replace("</strong>", "")
    assert "职称申报所涉年度（2024、2025）中2024年度未完成学时要求" in chosen
    assert 'value="2024" checked' in chosen
    # no invented three-year window: 2024 alone is what the default leaves out
    assert NO_TITLE_ZJ not in standing_of(page(client, "/hours?title_years=2025"))


def test_title_years_outside_the_offered_ones_are_refused_with_a_message(app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(region="wenzhou")
    client = as_practitioner(app, person)
    for bad in ("2026", "2015", "abc", "2025.0"):
        resp = client.get(f"/hours?title_years={bad}")
        assert resp.status_code == 400 and "职称申报所涉年度须在 2016–2025 年度之间选择" in resp.get_data(as_text=True)
    assert client.get("/hours?title_years=2016").status_code == 200


def test_tonglu_offers_no_choice_of_title_years_its_document_fixes_three(app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(region="tonglu")
    short(app, db, person, 2023)
    complete(app, db, person, 2024)
    complete(app, db, person, 2025)
    shown = standing_of(page(as_practitioner(app, person), "/hours?title_years=2025"))
    assert "title_years" not in shown and NO_TITLE_TL in shown.replace("<strong>", "").replace("</strong>", "")


def test_the_hr_bureau_sees_the_standing_and_chooses_the_title_years_on_the_person_page(
        app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(region="wenzhou")
    short(app, db, person, 2024)
    complete(app, db, person, 2025)
    clerk = app.test_client()
    web_login(clerk, make.staff("bureau", region="wenzhou"))
    assert NO_TITLE_ZJ not in standing_of(page(clerk, f"/admin/people/{person.id}"))
    chosen = standing_of(page(clerk, f"/admin/people/{person.id}?title_years=2024"))
    assert NO_TITLE_ZJ in chosen.replace("<strong>", "").replace("</strong>", "")
    assert f'action="/admin/people/{person.id}#standing"' in chosen


def test_the_employer_sees_last_years_consequences_in_the_staff_list_its_export_and_the_person_page(
        app: Any, db: Any, make: Any) -> None:
    org = make.org(region="tonglu")
    admin = make.staff("employer", org=org)
    behind, fine = make.practitioner(region="tonglu", name="钱一"), make.practitioner(region="tonglu", name="孙二")
    with app.app_context():
        for p in (behind, fine):
            confirm_employment(db, admin, apply_to_org(db, p, db.get(Organisation, org.id)))
            db.commit()
    short(app, db, behind, 2025)
    for year in (2023, 2024, 2025):
        complete(app, db, fine, year)
    boss = app.test_client()
    web_login(boss, admin)
    listing = page(boss, "/org/staff")
    row = listing.split("钱一", 1)[1].split("</tr>", 1)[0]
    assert "2025 年度考核与职称申报" in listing and NOT_EXCELLENT in row and NO_TITLE_TL in row
    assert "基本合格" not in row
    assert '<td data-label="2025 年度考核与职称申报" class="prior">无</td>' in listing.split("孙二", 1)[1]
    cells = xlsx_cells(boss.get("/org/staff.xlsx"))
    assert "上年度考核与职称申报" in cells
    assert cells[cells.index("钱一") + 8] == f"{NOT_EXCELLENT}；{NO_TITLE_TL}" and cells[cells.index("孙二") + 8] == "无"
    assert NOT_EXCELLENT in page(boss, f"/org/people/{behind.id}").replace("<strong>", "").replace("</strong>", "")
    api = {r["person"]["name"]: r["last_year_consequences"] for r in boss.get("/api/v1/org/staff").get_json()["staff"]}
    assert [c["kind"] for c in api["钱一"]] == ["excellent", "title"] and api["孙二"] == []
    assert api["钱一"][0] == {"kind": "excellent", "text": "当年度考核等次不得评为优秀", "rule": "桐人社发〔2018〕26号 第十四条"}


def test_the_registration_sheet_prints_the_years_standing_and_its_verification_sees_it_change(
        app: Any, db: Any, make: Any) -> None:
    person = make.practitioner(region="tonglu")
    complete(app, db, person, 2024)
    short(app, db, person, 2025)
    text, _ = pdf_text(sheet_of(app, person, 2025))
    flat = text.replace("\n", "")
    assert "年度考核与职称申报" in flat and NOT_EXCELLENT in flat and NO_TITLE_TL in flat and "基本合格" not in flat
    now, _ = pdf_text(sheet_of(app, person, 2026))
    assert "学习年度尚未结束" in now.replace("\n", "")
    code = db.scalar(select(HoursSheet.code).where(HoursSheet.person_id == person.id, HoursSheet.year == 2025))
    unchanged = page(app.test_client(), f"/verify/{code}")
    assert "自本表出具以来没有变化" in unchanged
    # an earlier year's registration changes what the 2025 sheet says about 2025 (桐 第十四条 looks at 2024)
    give(app, db, person, 2024, "professional", -50, f"fix-{person.id}")
    assert "已有变化" in page(app.test_client(), f"/verify/{code}")


def test_the_api_gives_the_standing_with_each_consequence_and_takes_the_title_years(
        app: Any, db: Any, make: Any) -> None:
    tonglu = make.practitioner(region="tonglu")
    short(app, db, tonglu, 2024)
    short(app, db, tonglu, 2025)
    got = as_practitioner(app, tonglu).get("/api/v1/hours/standing").get_json()
    assert (got["year"], got["unit"], got["judged"], got["may_be_excellent"], got["at_most_basically_competent"],
            got["may_apply_for_title"], got["title_year_choices"]) == (2025, "学分", True, False, True, False, [])
    assert [(c["kind"], f"{c['text']}（{c['rule']}）") for c in got["consequences"]] == [
        ("excellent", NOT_EXCELLENT), ("basically_competent", COMPETENT), ("title", NO_TITLE_TL)]
    wenzhou = make.practitioner(region="wenzhou", name="周六")
    short(app, db, wenzhou, 2024)
    complete(app, db, wenzhou, 2025)
    client = as_practitioner(app, wenzhou)
    default = client.get("/api/v1/hours/standing").get_json()
    assert default["may_apply_for_title"] and default["title_years"] == [2025] and default["consequences"] == []
    assert default["title_year_choices"] == list(range(2025, 2015, -1))
    chosen = client.get("/api/v1/hours/standing?title_years=2024&title_years=2025").get_json()
    assert not chosen["may_apply_for_title"] and chosen["title_years"] == [2024, 2025]
    assert [f"{c['text']}（{c['rule']}）" for c in chosen["consequences"]] == [NO_TITLE_ZJ]
    bad = client.get("/api/v1/hours/standing?title_years=2026")
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_input"
    newcomer = as_practitioner(app, make.practitioner(region="wenzhou", name="吴七")).get("/api/v1/hours/standing")
    assert newcomer.get_json()["judged"] is False and newcomer.get_json()["may_apply_for_title"] is True
