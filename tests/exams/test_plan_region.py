"""Exam plans by region and industry (exams/standing.py), on both booking paths.

A plan belongs to the region of the bureau that runs it and serves the practitioners registered there or below it
under the same document (属地; 温人社发〔2020〕125号 第十条: the city HR bureau examines every county of Wenzhou); an
industry authority's plan is its industry's (温 第十一条). Booking goes through the ASGI front, so that on PostgreSQL
the lane's one statement (_BOOK_PG) books what it may and leaves the rest to Flask's book_seat(), which refuses
with the reason; on SQLite Flask answers everything. A course completed after a pass is examined in its turn where
the policy sets no limit of courses a year (威人社字〔2022〕2号 二(一)1), while Wenzhou keeps one a year (温 第八条).
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text

from exams.demo import DEMO_QUESTIONS
from exams.imports import add_questions
from exams.models import Booking, OutboxMessage
from exams.operations import book_seat, create_plan, send_reminders
from exams.standing import SERVES_SQL
from lms import clock
from lms.errors import NotEligible
from lms.hours.models import HoursEntry
from lms.regions import REGIONS, serves
from tests.conftest import START, login
from tests.exams.conftest import BOOK, SETTINGS, ExamWorld, sit_and_pass


def _world(make: Any, db: Any, region: str, course: Any, category: str = "general_public",
           org: Any = None) -> ExamWorld:
    """A plan run by the HR bureau of region (or by org), one session open now, its proctor, the course's bank."""
    clerk = make.staff("authority" if org is not None else "bureau", org=org, region=region)
    proctor = make.staff("proctor", org=org, region=region)
    with make.app.app_context():
        plan = create_plan(db, clerk, year=2026, category=category, title=f"2026 年度{REGIONS[region].short_name}考试",
                           pass_mark=60, duration_minutes=60, question_count=10)
        add_questions(db, clerk, course, DEMO_QUESTIONS)
        db.commit()
    world = ExamWorld(make.app, db, make, clerk, proctor, course, plan, None)  # type: ignore[arg-type]
    world.session = world.add_session()
    return world


def test_python_and_the_lanes_sql_agree_which_plans_serve_which_regions_for_every_pair(db: Any) -> None:
    """SERVES_SQL, which the lane's statement embeds, gives exactly lms.regions.serves over the seeded region table."""
    found = set(db.execute(text(
        "SELECT a.code, b.code FROM region a, region b WHERE "
        + SERVES_SQL.format(plan="a.code", person="b.code"))).all())
    assert found == {(a, b) for a in REGIONS for b in REGIONS if serves(a, b)}
    assert ("wenzhou", "wenzhou-ruian") in found and ("weihai", "weihai-wendeng") in found
    assert ("wenzhou", "weihai-wendeng") not in found  # another city
    assert ("wenzhou-lucheng", "wenzhou-ruian") not in found  # a sibling county's plan
    assert ("zhejiang", "wenzhou") not in found and ("zhejiang", "hangzhou") in found  # Wenzhou has its own document
    assert ("hangzhou", "tonglu") not in found  # so has Tonglu
    assert ("wenzhou-ruian", "wenzhou") not in found  # a county's plan is not the whole city's


def test_a_practitioner_books_their_own_citys_plan_and_another_citys_is_refused_on_both_paths(
        make: Any, db: Any, front: Any, backend: str) -> None:
    seen, page = front
    world = _world(make, db, "wenzhou", make.course())
    weihai = make.practitioner(region="weihai-wendeng")  # with a course of their own city studied to the end
    _complete(db, make.enrol(weihai, make.course("威海公需课", region="weihai")))
    refused = page(weihai).book(world.session.id)
    assert refused.status_code == 409 and refused.json["error"] == "not_eligible"
    assert refused.json["message"] == (
        "该考试计划由温州市人力资源和社会保障局组织，只有在温州市登记的专业技术人员可以报名；"
        "您登记在威海市文登区，请在“考试报名”中选择本地区的考试")
    assert seen == [BOOK]  # Flask said it on both databases: the lane's statement booked nothing for them
    ruian = world.candidate(region="wenzhou-ruian")
    booked = page(ruian).book(world.session.id)
    assert booked.status_code == 201, booked.json
    assert seen == ([BOOK] if backend == "postgresql" else [BOOK, BOOK])  # the lane booked the county's practitioner
    db.expire_all()
    assert [b.person_id for b in db.scalars(select(Booking))] == [ruian.id]
    assert world.db.get(type(world.session), world.session.id).taken == 1


def test_a_county_bureaus_plan_is_its_countys_and_refused_to_the_next_county(
        make: Any, db: Any, front: Any, backend: str) -> None:
    seen, page = front
    world = _world(make, db, "wenzhou-lucheng", make.course())
    assert world.plan.region_code == "wenzhou-lucheng"
    other = page(world.candidate(region="wenzhou-ruian")).book(world.session.id)
    assert other.status_code == 409 and "只有在温州市鹿城区登记的专业技术人员可以报名" in other.json["message"]
    assert page(world.candidate(region="wenzhou-lucheng")).book(world.session.id).status_code == 201
    assert seen == ([BOOK] if backend == "postgresql" else [BOOK, BOOK])


def test_book_seat_refuses_another_regions_plan_before_anything_else(app: Any, make: Any, db: Any) -> None:
    world = _world(make, db, "weihai", make.course(region="weihai"))
    wenzhou = make.practitioner(region="wenzhou")
    _complete(db, make.enrol(wenzhou, make.course("温州公需课")))
    with app.app_context(), pytest.raises(NotEligible, match="只有在威海市登记"):
        book_seat(db, wenzhou, world.session, SETTINGS)
    db.rollback()
    with app.app_context():
        assert book_seat(db, world.candidate(region="weihai-rushan"), world.session, SETTINGS).status == "booked"


def _passed_once(world: ExamWorld, page: Any, region: str) -> tuple[Any, Any]:
    """A practitioner of region with a completed course books through the front and passes; a later session opens."""
    person = world.candidate(region=region)
    booked = page(person).book(world.session.id)
    assert booked.status_code == 201, booked.json
    sit_and_pass(world, person, booked.json, world.session)
    later = world.add_session(starts=START + timedelta(hours=3), opens=START, closes=START + timedelta(hours=4),
                              room="第二考场")
    return person, later


def _complete(db: Any, enrolment: Any) -> None:
    enrolment.completed_at = clock.now()
    db.commit()


def test_weihai_examines_a_course_completed_after_a_pass_and_registers_it_too(
        make: Any, db: Any, front: Any, frozen_clock: Any, backend: str) -> None:
    """威 二(一)1: each public course is registered when its exam is passed, and 二 asks for 30 public hours — more
    than one course a year; the second course's exam is booked through the lane on PostgreSQL."""
    seen, page = front
    first, second = make.course("威海公需课一", region="weihai"), make.course("威海公需课二", region="weihai")
    world = _world(make, db, "weihai", first)
    with make.app.app_context():
        add_questions(db, world.bureau, second, DEMO_QUESTIONS)
        db.commit()
    person, later = _passed_once(world, page, "weihai-huancui")
    again = page(person).book(later.id)  # nothing new to examine yet
    assert again.status_code == 409 and again.json["error"] == "already_passed"
    assert "请先选学并完成另一门课程的在线学习" in again.json["message"] and "二(一)1" in again.json["message"]
    db.rollback()  # end the read that saw the session, before writing (SQLite's snapshot)
    enrolment = make.enrol(person, second)
    _complete(db, enrolment)
    client = make.app.test_client()
    login(client, person.id_number)
    listing = client.get("/api/v1/exams/sessions").json
    (mine,) = listing["plans"]
    assert mine["eligible"] is True and mine["examines"]["course_title"] == "威海公需课二"
    assert mine["attempts_left"] == 3  # counted afresh after the pass
    assert "本次考试考核课程：<strong>威海公需课二</strong>" in client.get("/exams/").get_data(as_text=True)
    flask_before = len(seen)
    second_booking = page(person).book(later.id)
    assert second_booking.status_code == 201, second_booking.json
    assert len(seen) == flask_before + (0 if backend == "postgresql" else 1)  # the lane booked it on PostgreSQL
    db.rollback()
    assert db.get(Booking, second_booking.json["booking_id"]).enrolment_id == enrolment.id
    frozen_clock.current = START + timedelta(hours=3)
    sit_and_pass(world, person, second_booking.json, later)
    entries = db.scalars(select(HoursEntry).where(HoursEntry.person_id == person.id).order_by(HoursEntry.id)).all()
    assert [(e.title, e.hours, e.rule) for e in entries] == [
        ("威海公需课一（现场电子化考试合格）", Decimal(18), "威人社字〔2022〕2号 二(一)1"),
        ("威海公需课二（现场电子化考试合格）", Decimal(18), "威人社字〔2022〕2号 二(一)1")]


def test_wenzhou_keeps_one_exam_a_year_after_a_pass_on_both_paths(
        make: Any, db: Any, front: Any, frozen_clock: Any) -> None:
    """温 第八条: one general public course a year; once its exam is passed nothing more of the plan is examined."""
    seen, page = front
    world = _world(make, db, "wenzhou", make.course())
    person, later = _passed_once(world, page, "wenzhou-ruian")
    flask_before = len(seen)
    again = page(person).book(later.id)
    assert again.status_code == 409
    assert again.json == {"error": "already_passed", "message": "您本年度的考试已合格，学时已登记，无需再次报名"}
    assert len(seen) == flask_before + 1  # Flask said it: the lane's statement found nothing to examine
    client = make.app.test_client()
    login(client, person.id_number)
    assert "您本年度的考试已合格，无需再报名。" in client.get("/exams/").get_data(as_text=True)
    (entry,) = db.scalars(select(HoursEntry).where(HoursEntry.person_id == person.id)).all()
    assert (entry.hours, entry.rule) == (Decimal(18), "温人社发〔2020〕125号 第十条")


def test_the_booking_page_lists_the_plans_of_my_region_and_my_industry_each_with_the_course_it_examines(
        make: Any, db: Any) -> None:
    general = make.course("一般公需课")
    world = _world(make, db, "wenzhou", general)
    _world(make, db, "weihai", general)  # another city's: not listed
    teaching = make.org("authority", region="wenzhou", industry="教育", name="温州市教育局")
    health = make.org("authority", region="wenzhou", industry="卫生健康", name="温州市卫生健康委员会")
    ethics = make.course("教师职业道德", category="industry_public", owner=teaching)
    education_world = _world(make, db, "wenzhou", ethics, category="industry_public", org=teaching)
    _world(make, db, "wenzhou", make.course("医德医风", category="industry_public", owner=health),
           category="industry_public", org=health)  # another industry's: not listed
    teacher = world.candidate(region="wenzhou-ruian", industry="教育")
    db.rollback()
    _complete(db, make.enrol(teacher, ethics))
    client = make.app.test_client()
    login(client, teacher.id_number)
    listing = client.get("/api/v1/exams/sessions").json
    assert [p["plan"]["plan_id"] for p in listing["plans"]] == [world.plan.id, education_world.plan.id]
    assert [p["examines"]["course_title"] for p in listing["plans"]] == ["一般公需课", "教师职业道德"]
    assert listing["plan"] == listing["plans"][0]["plan"] and listing["sessions"] == listing["plans"][0]["sessions"]
    page = client.get("/exams/").get_data(as_text=True)
    assert "2026 年度温州市考试" in page and "2026 年度威海市考试" not in page
    assert "本次考试考核课程：<strong>一般公需课</strong>" in page
    assert "本次考试考核课程：<strong>教师职业道德</strong>" in page
    assert "合格后由温州市教育局登记行业公需科目学时（温人社发〔2020〕125号 第十一条）" in page
    assert f'data-plan="{education_world.plan.id}"' in page and "医德医风" not in page


def test_the_reminder_names_the_subject_of_the_plan_an_industry_authoritys_exam_included(
        make: Any, db: Any, frozen_clock: Any) -> None:
    """The day-before reminder of the education authority's exam says 行业公需科目 (温 第十一条), not the general one."""
    teaching = make.org("authority", region="wenzhou", industry="教育", name="温州市教育局")
    world = _world(make, db, "wenzhou", make.course("教师职业道德", category="industry_public", owner=teaching),
                   category="industry_public", org=teaching)
    tomorrow = world.add_session(starts=START + timedelta(days=1), closes=START + timedelta(hours=20),
                                 cancel=START + timedelta(hours=20), room="明日考场")
    person = world.candidate(region="wenzhou-ruian", industry="教育")
    with make.app.app_context():
        book_seat(db, person, tomorrow, SETTINGS)
        db.commit()
        assert send_reminders(db) == 1
        db.commit()
    body = db.scalars(select(OutboxMessage.body).where(OutboxMessage.person_id == person.id)).one()
    assert "明日考场 参加行业公需科目现场电子化考试，请携带身份证提前到达。" in body
