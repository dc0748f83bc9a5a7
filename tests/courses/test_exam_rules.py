"""The whole path from choosing to hours where the exam earns them (Wenzhou, Zhejiang/Hangzhou, Weihai), and the exam
refused where the study alone earns them (Tonglu) — booking through the ASGI front, so that on PostgreSQL the lane's
one-statement booking decides what it can and Flask the rest, with the same answers on both databases."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import request
from sqlalchemy import select

from exams.demo import DEMO_QUESTIONS
from exams.imports import add_questions
from exams.models import Booking
from exams.operations import create_plan
from lms.hours.models import HoursEntry
from lms.regions import policy_region
from tests.conftest import START, login
from tests.courses.test_completion_rules import study_to_the_end
from tests.exams.conftest import BOOK, Candidate, ExamWorld, sit_and_pass


def _world(make: Any, db: Any, course: Any, region: str) -> ExamWorld:
    """The exam plan of the bureau whose document covers region (a plan serves its own region's practitioners)."""
    db.rollback()  # end the read that saw the study, before writing
    bureau_region = policy_region(region).code  # type: ignore[union-attr]
    bureau, proctor = make.staff("bureau", region=bureau_region), make.staff("proctor", region=bureau_region)
    with make.app.app_context():
        plan = create_plan(db, bureau, year=2026, category=course.category, title="2026 年度考试", pass_mark=60,
                           duration_minutes=60, question_count=10)
        add_questions(db, bureau, course, DEMO_QUESTIONS)
        db.commit()
    world = ExamWorld(make.app, db, make, bureau, proctor, course, plan, None)  # type: ignore[arg-type]
    world.session = world.add_session(starts=START + timedelta(minutes=30), opens=START - timedelta(days=1))
    return world


def choose_study_and_pass(make_app: Any, make: Any, db: Any, through_front: Any, frozen_clock: Any, *,
                          region: str, hours: str) -> tuple[list[HoursEntry], list[str]]:
    """Choose a course (API), study it to the end (beats through the front), book a seat through the front, be
    checked in, pass the paper; return the person's hours and the bookings Flask answered."""
    enrolment, _seen, last = study_to_the_end(make_app, make, through_front, frozen_clock, region=region,
                                              hours=hours)
    assert last.json["course_complete"] is True
    world = _world(make, db, enrolment.course, region)
    person = db.get(type(world.bureau), enrolment.person_id)
    app = make_app(WTF_CSRF_ENABLED=True)
    seen: list[str] = []
    app.teardown_request(lambda _exc: seen.append(request.path) if request.path == BOOK else None)
    r = Candidate(through_front(app), person).book(world.session.id)
    assert r.status_code == 201, r.json
    frozen_clock.current = START + timedelta(minutes=30)
    sit_and_pass(world, person, r.json, world.session)
    return list(db.scalars(select(HoursEntry).where(HoursEntry.person_id == person.id))), seen


@pytest.mark.parametrize(
    ("region", "hours", "registered", "body", "article"),
    [
        pytest.param("wenzhou-ruian", "12", "18", "温州市人力资源和社会保障局", "温人社发〔2020〕125号 第十条",
                     id="wenzhou: 18 whatever the course, by the city bureau (第十条)"),
        pytest.param("hangzhou", "12", "12", "杭州市人力资源和社会保障局", "浙人社发〔2016〕63号 第十条、第九条(五)",
                     id="hangzhou: the course's hours, by its own bureau (浙 第十条、第六条)"),
        pytest.param("weihai-wendeng", "12", "12", "威海市人力资源和社会保障局", "威人社字〔2022〕2号 二(一)1",
                     id="weihai: the course's hours, by the city bureau (威 二(一)1、一)"),
    ],
)
def test_the_exam_registers_the_hours_the_body_and_the_article_of_the_persons_own_policy(
        make_app: Any, make: Any, db: Any, through_front: Any, frozen_clock: Any, backend: str, region: str,
        hours: str, registered: str, body: str, article: str) -> None:
    entries, seen = choose_study_and_pass(make_app, make, db, through_front, frozen_clock, region=region,
                                          hours=hours)
    (entry,) = entries
    assert (entry.hours, entry.source_type, entry.registered_by_org, entry.rule) == (
        Decimal(registered), "exam", body, article)
    assert seen == ([] if backend == "postgresql" else [BOOK])  # the seat was the lane's on PostgreSQL


def test_a_tonglu_practitioner_is_not_booked_for_an_exam_the_county_rule_does_not_require(
        make_app: Any, make: Any, db: Any, through_front: Any, frozen_clock: Any) -> None:
    """桐 第八条: completion credits the course; neither booking path books a seat for it (the lane leaves it to
    Flask, which says why)."""
    enrolment, _seen, _last = study_to_the_end(make_app, make, through_front, frozen_clock, region="tonglu")
    world = _world(make, db, enrolment.course, "tonglu")
    person = db.get(type(world.bureau), enrolment.person_id)
    app = make_app(WTF_CSRF_ENABLED=True)
    seen: list[str] = []
    app.teardown_request(lambda _exc: seen.append(request.path) if request.path == BOOK else None)
    page = Candidate(through_front(app), person)
    r = page.book(world.session.id)
    assert r.status_code == 409 and r.json["error"] == "not_eligible"
    assert r.json["message"] == "按规定一般公需科目课程完成在线学习即登记学时，无需参加考试（桐人社发〔2018〕26号 第八条）"
    assert seen == [BOOK]
    db.expire_all()
    assert db.scalars(select(Booking).where(Booking.person_id == person.id)).all() == []
    client = make.app.test_client()
    login(client, person.id_number)
    assert "无需参加考试（桐人社发〔2018〕26号 第八条）" in client.get("/exams/").get_data(as_text=True)
