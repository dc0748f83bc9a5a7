"""Choosing courses under each region's rules (rules/policies platform_courses, read by lms/catalogue/rules.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from lms.catalogue.models import Enrolment
from lms.catalogue.operations import catalogue_for, enrol
from lms.errors import ChoiceLocked, NotEligible
from tests.conftest import login
from tests.courses.conftest import course_of


def test_weihai_practitioner_chooses_as_many_public_courses_a_year_as_the_30_hours_need(app: Any, db: Any,
                                                                                        make: Any) -> None:
    """威人社字〔2022〕2号 二: 公需课不少于30学时 and no one-course limit — two 18-hour courses in one year, no slot."""
    person = make.practitioner(region="weihai-huancui")
    a, b = (course_of(make, region="weihai", title=t) for t in ("公需甲", "公需乙"))
    with app.app_context():
        first, second = enrol(db, person, a.id, 2026), enrol(db, person, b.id, 2026)
        db.commit()
        assert [r["state"] for r in catalogue_for(db, person, 2026)] == ["chosen", "chosen"]
    assert (first.year_slot, second.year_slot) == (None, None)
    assert (first.completion, second.completion) == ("exam", "exam")


def test_wenzhou_practitioner_still_has_one_general_public_course_a_year_in_slot_1(app: Any, db: Any,
                                                                                 make: Any) -> None:
    person = make.practitioner()
    a, b = course_of(make, title="甲"), course_of(make, title="乙")
    with app.app_context():
        e = enrol(db, person, a.id, 2026)
        db.commit()
        assert (e.year_slot, e.completion) == (1, "exam")
        assert [r["state"] for r in catalogue_for(db, person, 2026)] == ["chosen", "change"]
        changed = enrol(db, person, b.id, 2026)  # no study yet: the choice is changed, the slot reused
        db.commit()
    assert changed.year_slot == 1
    assert db.scalars(select(Enrolment.course_id).where(Enrolment.person_id == person.id)).all() == [b.id]


def test_the_database_lets_a_weihai_practitioner_hold_two_public_courses_in_one_year(db: Any, make: Any) -> None:
    """No slot, no limit: the partial index leaves rows without a year_slot alone."""
    person = make.practitioner(region="weihai")
    a, b = course_of(make, region="weihai", title="甲"), course_of(make, region="weihai", title="乙")
    for course in (a, b):
        db.add(Enrolment(person_id=person.id, course_id=course.id, year=2026, category="general_public",
                         completion="exam", created_at=datetime(2026, 3, 2)))
    db.commit()
    assert len(db.scalars(select(Enrolment).where(Enrolment.person_id == person.id)).all()) == 2


def test_a_category_the_policy_keeps_off_the_platform_is_neither_listed_nor_chosen(app: Any, db: Any,
                                                                                 make: Any) -> None:
    """温 第十二条: Wenzhou's professional subjects are registered by the authorities' rules, not chosen here; a
    Tonglu practitioner chooses a professional course on the platform (桐 第八条)."""
    course = course_of(make, category="professional", hours="12")
    theirs = course_of(make, category="professional", hours="12", region="tonglu")
    wenzhou, tonglu = make.practitioner(), make.practitioner(region="tonglu")
    with app.app_context():
        assert catalogue_for(db, wenzhou, 2026) == []
        with pytest.raises(NotEligible, match="温人社发〔2020〕125号"):
            enrol(db, wenzhou, course.id, 2026)
        e = enrol(db, tonglu, theirs.id, 2026)
        db.commit()
    assert (e.category, e.year_slot, e.completion) == ("professional", None, "study")


def test_an_industry_public_course_is_listed_and_chosen_only_by_practitioners_of_its_industry(
        app: Any, db: Any, make: Any) -> None:
    """温 第十一条: the industry authority's courseware is its industry's."""
    course = course_of(make, category="industry_public", hours="12", industry="卫生健康")
    nurse, teacher = make.practitioner(industry="卫生健康"), make.practitioner(industry="教育")
    with app.app_context():
        assert [r["course"].id for r in catalogue_for(db, nurse, 2026)] == [course.id]
        assert catalogue_for(db, teacher, 2026) == []
        with pytest.raises(NotEligible, match="卫生健康行业.*第十一条"):
            enrol(db, teacher, course.id, 2026)
        assert enrol(db, nurse, course.id, 2026).completion == "exam"


def test_a_course_of_an_industry_is_only_an_industry_public_course(app: Any, db: Any, make: Any) -> None:
    from decimal import Decimal

    from lms.catalogue.operations import create_course
    from lms.errors import InvalidInput
    with app.app_context(), pytest.raises(InvalidInput, match="行业公需"):
        create_course(db, make.staff(), title="x", summary="", category="general_public", credited_hours=Decimal(18),
                      year=2026, industry="教育")


def test_the_enrol_page_tells_each_region_its_own_rule(app: Any, make: Any) -> None:
    course_of(make, region="tonglu", hours="12", title="桐庐公需")
    course_of(make, region="tonglu", category="professional", hours="6", title="桐庐专业")
    tonglu = make.practitioner(region="tonglu")
    client = app.test_client()
    assert login(client, tonglu.id_number).status_code == 200
    html = client.get("/enrol").get_data(as_text=True)
    assert "培训报名 · 2026年度课程" in html and "完成在线学习即登记学时，无需考试（桐人社发〔2018〕26号 第八条）" in html
    assert "温人社发" not in html and "桐庐专业" in html
    wenzhou = make.practitioner()
    client = app.test_client()
    assert login(client, wenzhou.id_number).status_code == 200
    html = client.get("/enrol").get_data(as_text=True)
    assert "培训报名 · 2026年度一般公需科目" in html and "历年已学课程无法再次选择（温人社发〔2020〕125号 第八条）" in html
    assert "桐庐专业" not in html


def test_a_second_course_where_the_policy_allows_one_is_refused(app: Any, db: Any, make: Any,
                                                               frozen_clock: Any) -> None:
    from tests.test_enrolment import study_a_little
    person = make.practitioner()
    a, b = course_of(make, title="甲"), course_of(make, title="乙")
    with app.app_context():
        e = enrol(db, person, a.id, 2026)
        db.commit()
        study_a_little(db, person, e, frozen_clock)
        assert [r["state"] for r in catalogue_for(db, person, 2026)] == ["chosen", "locked"]
        with pytest.raises(ChoiceLocked):
            enrol(db, person, b.id, 2026)
