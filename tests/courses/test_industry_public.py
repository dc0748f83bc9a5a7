"""Industry public subjects end to end (温人社发〔2020〕125号 第十一条): the city industry authority publishes its
industry's courseware for the year with the city HR bureau's approval; practitioners of that industry choose and study
it (another industry's are refused); they sit the authority's exam — booked through the front, so the lane's one
statement and Flask both refuse another industry — and on passing the hours are registered in the authority's name,
citing 第十一条."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import request
from sqlalchemy import select

from exams.demo import DEMO_QUESTIONS
from exams.imports import add_questions
from exams.operations import check_in, create_plan
from lms import clock
from lms.catalogue.filing import submit_course
from lms.catalogue.models import CourseOffering, Enrolment
from lms.catalogue.operations import add_chapter, approve_course, create_course, set_offering_status
from lms.errors import Conflict, NotFound
from lms.filestore import file_store
from lms.hours.models import HoursEntry
from tests.conftest import START, login
from tests.exams.conftest import BOOK, SETTINGS, Candidate, ExamWorld, correct_answers
from tests.test_heartbeat_lane import Player


def _course(app: Any, db: Any, actor: Any, title: str, category: str = "industry_public",
            industry: str | None = None) -> Any:
    store = file_store("media", app)
    db.rollback()  # a read left open would not see what the front committed (SQLite's snapshot)
    with app.app_context():
        c = create_course(db, actor, title=title, summary="", category=category, credited_hours=Decimal(12),
                          year=2026, industry=industry)
        add_chapter(db, actor, store, c, title="第1讲", kind="pdf", mime="application/pdf", ext=".pdf",
                    data=b"%PDF-1.4\n% one\n%%EOF\n", study_minutes=1)
        db.commit()
    return c


def test_an_industry_public_subject_from_publishing_to_hours_registered_by_the_authority(
        app: Any, db: Any, make: Any, make_app: Any, through_front: Any, frozen_clock: Any, backend: str) -> None:
    health = make.org("authority", region="wenzhou", industry="卫生健康", name="温州市卫生健康委员会")
    clerk = make.staff("authority", org=health, region="wenzhou")
    proctor = make.staff("proctor", org=health, region="wenzhou")
    city, county = make.staff("bureau", region="wenzhou"), make.staff("bureau", region="wenzhou-lucheng")
    course = _course(app, db, clerk, "医疗卫生行业法律法规")
    assert (course.industry, course.owner_org_id) == ("卫生健康", health.id)
    offering = db.get(CourseOffering, (course.id, 2026))
    with app.app_context():
        with pytest.raises(Conflict, match="第十一条"):  # not before the city HR bureau approved it
            set_offering_status(db, clerk, offering, "published")
        db.rollback()
        with pytest.raises(NotFound):  # a county bureau is not the one that approves
            approve_course(db, county, db.get(type(course), course.id))
        db.rollback()
        submit_course(db, clerk, db.get(type(course), course.id))
        approve_course(db, city, db.get(type(course), course.id))
        set_offering_status(db, clerk, db.get(CourseOffering, (course.id, 2026)), "published")
        db.commit()

    nurse, teacher = make.practitioner(industry="卫生健康"), make.practitioner(industry="教育", region="wenzhou-ruian")
    chooser = app.test_client()
    login(chooser, teacher.id_number)
    refused = chooser.post("/api/v1/enrolments", json={"course_id": course.id})
    assert refused.status_code == 409 and "第十一条" in refused.json["message"]
    chooser = app.test_client()
    login(chooser, nurse.id_number)
    chosen = chooser.post("/api/v1/enrolments", json={"course_id": course.id})
    assert chosen.status_code == 201
    enrolment = db.get(Enrolment, chosen.json["enrolment_id"])
    db.rollback()

    front = make_app(WTF_CSRF_ENABLED=True)
    seen: list[str] = []
    front.teardown_request(lambda _exc: seen.append(request.path) if request.path == BOOK else None)
    player = Player(through_front(front), nurse, enrolment, course.chapters[0].id)
    player.beat()
    for _ in range(2):
        frozen_clock.advance(30)
        last = player.beat()
    assert last.json["course_complete"] is True

    # The teacher has an industry public course of their own industry, studied: still not the health authority's exam.
    education = _course(app, db, city, "教育行业师德规范", industry="教育")
    with app.app_context():
        set_offering_status(db, city, db.get(CourseOffering, (education.id, 2026)), "published")
        db.commit()
    theirs = make.enrol(teacher, education)
    theirs.completed_at = clock.now()
    db.commit()

    with app.app_context():
        plan = create_plan(db, clerk, year=2026, category="industry_public", title="2026 年度卫生健康行业公需科目考试",
                           pass_mark=60, duration_minutes=60, question_count=10)
        add_questions(db, clerk, course, DEMO_QUESTIONS)
        db.commit()
    world = ExamWorld(app, db, make, clerk, proctor, course, plan, None)  # type: ignore[arg-type]
    world.session = world.add_session(starts=START + timedelta(minutes=30))
    other = Candidate(through_front(front), teacher).book(world.session.id)
    assert other.status_code == 409 and other.json["error"] == "not_eligible"
    assert "温州市卫生健康委员会组织的卫生健康行业专项知识考试" in other.json["message"]
    assert seen == [BOOK]  # Flask said it, on both databases: the lane's statement left it alone
    booked = Candidate(through_front(front), nurse).book(world.session.id)
    assert booked.status_code == 201, booked.json
    assert seen == ([BOOK] if backend == "postgresql" else [BOOK, BOOK])

    frozen_clock.current = START + timedelta(minutes=30)
    db.rollback()
    with app.app_context():
        check_in(db, proctor, world.session, booked.json["ticket_no"], nurse.id_number[-4:], SETTINGS)
        db.commit()
    client = app.test_client()
    login(client, nurse.id_number)
    started = client.post(f"/exams/bookings/{booked.json['booking_id']}/start")
    paper_id = int(started.location.rsplit("/", 1)[1])
    for pos, key in correct_answers(db, paper_id).items():
        client.post(f"/api/v1/exams/papers/{paper_id}/answers", json={"position": pos, "answer": key})
    assert client.post(f"/api/v1/exams/papers/{paper_id}/submit").json["passed"] is True
    db.rollback()
    (entry,) = db.scalars(select(HoursEntry).where(HoursEntry.person_id == nurse.id)).all()
    assert (entry.hours, entry.category, entry.registered_by_org, entry.rule) == (
        Decimal(12), "industry_public", "温州市卫生健康委员会", "温人社发〔2020〕125号 第十一条")


def test_two_authorities_each_run_their_own_industry_public_exam_in_one_year(app: Any, db: Any, make: Any) -> None:
    plans = []
    for industry in ("卫生健康", "会计"):
        authority = make.org("authority", region="wenzhou", industry=industry, name=f"温州市{industry}主管部门")
        clerk = make.staff("authority", org=authority, region="wenzhou")
        with app.app_context():
            plans.append(create_plan(db, clerk, year=2026, category="industry_public", title=f"{industry}考试"))
            db.commit()
            with pytest.raises(Conflict):
                create_plan(db, clerk, year=2026, category="industry_public", title="又一个")
            db.rollback()
    assert len({p.owner_org_id for p in plans}) == 2
