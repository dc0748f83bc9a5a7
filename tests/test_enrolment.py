"""Enrolment (培训报名, 温人社发〔2020〕125号 第八条): one course a year, never one studied before."""
from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from lms.catalogue.models import Enrolment
from lms.catalogue.operations import enrol
from lms.errors import AlreadyEnrolled, AlreadyStudied, ChoiceLocked, DomainError, NotFound
from lms.study.operations import StudySettings, heartbeat, start_stream
from tests.conftest import login, login_id

S = StudySettings(30, 5, 300, 0, 60)


def study_a_little(db: Any, person: Any, enrolment: Any, frozen_clock: Any) -> None:
    stream = start_stream(db, person, enrolment.id, enrolment.course.chapters[0].id, S)
    heartbeat(db, person.id, person.session_version, login_id(db, person), stream, 1, None, S)
    frozen_clock.advance(30)
    heartbeat(db, person.id, person.session_version, login_id(db, person), stream, 2, None, S)
    db.commit()


@pytest.fixture
def last_year_studied(app: Any, db: Any, make: Any, frozen_clock: Any) -> Any:
    """A practitioner who studied course A in 2025; A is offered again in 2026 beside course B."""
    from lms.catalogue.models import CourseOffering
    from lms.catalogue.operations import offer_again, set_offering_status
    person = make.practitioner()
    frozen_clock.current = datetime(2025, 5, 1, 2, 0)
    a = make.course(title="法治思维与依法行政", year=2025)
    e = make.enrol(person, a, year=2025)
    with app.app_context():
        study_a_little(db, person, e, frozen_clock)
    frozen_clock.current = datetime(2026, 3, 2, 2, 0)
    with app.app_context():
        staff = make.staff()
        offer_again(db, staff, a, 2026)
        set_offering_status(db, staff, db.get(CourseOffering, (a.id, 2026)), "published")
        db.commit()
    b = make.course(title="数字经济与创新驱动", year=2026)
    return person, a, b


def test_practitioner_enrols_in_one_published_general_public_course(db: Any, make: Any) -> None:
    person = make.practitioner()
    course = make.course()
    e = make.enrol(person, course)
    assert (e.person_id, e.course_id, e.year) == (person.id, course.id, 2026)


def test_course_studied_last_year_cannot_be_chosen_again(app: Any, db: Any, last_year_studied: Any) -> None:
    person, a, _b = last_year_studied
    with app.app_context(), pytest.raises(AlreadyStudied, match="2025"):
        enrol(db, person, a.id, 2026)


def test_course_studied_last_year_is_refused_with_409_by_the_api(app: Any, last_year_studied: Any) -> None:
    person, a, b = last_year_studied
    client = app.test_client()
    login(client, person.id_number)
    listing = client.get("/api/v1/courses").get_json()
    states = {c["course_id"]: c["state"] for c in listing["courses"]}
    assert states == {a.id: "studied_before", b.id: "available"}
    resp = client.post("/api/v1/enrolments", json={"course_id": a.id})
    assert resp.status_code == 409
    assert resp.get_json()["error"] == "already_studied"
    assert "不能再次选择" in resp.get_json()["message"]


def test_course_studied_last_year_is_shown_locked_on_the_enrol_page(app: Any, last_year_studied: Any) -> None:
    person, a, b = last_year_studied
    client = app.test_client()
    client.post("/login", data={"login": person.mobile, "password": "Study2026ok"})
    html = client.get("/enrol").get_data(as_text=True)
    assert "您已于 2025 年度学习过，不能再次选择" in html
    assert f"/enrol/{a.id}" not in html and f"/enrol/{b.id}" in html
    assert client.post(f"/enrol/{a.id}").status_code == 409


def test_course_chosen_last_year_but_never_studied_can_be_chosen_again(app: Any, db: Any, make: Any,
                                                                       frozen_clock: Any) -> None:
    from lms.catalogue.models import CourseOffering
    from lms.catalogue.operations import offer_again, set_offering_status
    person = make.practitioner()
    frozen_clock.current = datetime(2025, 5, 1, 2, 0)
    a = make.course(year=2025)
    make.enrol(person, a, year=2025)
    frozen_clock.current = datetime(2026, 3, 2, 2, 0)
    with app.app_context():
        staff = make.staff()
        offer_again(db, staff, a, 2026)
        set_offering_status(db, staff, db.get(CourseOffering, (a.id, 2026)), "published")
        e = enrol(db, person, a.id, 2026)  # 历年"已学"课程才不能再选: nothing was studied
        db.commit()
    assert e.year == 2026


def test_only_one_general_public_course_per_year(app: Any, db: Any, make: Any, frozen_clock: Any) -> None:
    person = make.practitioner()
    a, b = make.course(title="课程甲"), make.course(title="课程乙")
    e = make.enrol(person, a)
    with app.app_context():
        study_a_little(db, person, e, frozen_clock)
        with pytest.raises(ChoiceLocked):
            enrol(db, person, b.id, 2026)
        with pytest.raises(AlreadyEnrolled):
            enrol(db, person, a.id, 2026)


def test_choice_can_be_changed_before_any_study_time(app: Any, db: Any, make: Any) -> None:
    person = make.practitioner()
    a, b = make.course(title="课程甲"), make.course(title="课程乙")
    make.enrol(person, a)
    e = make.enrol(person, b)
    rows = db.scalars(select(Enrolment).where(Enrolment.person_id == person.id)).all()
    assert [r.course_id for r in rows] == [b.id] and e.course_id == b.id


def test_unpublished_or_other_year_courses_cannot_be_chosen(app: Any, db: Any, make: Any) -> None:
    person = make.practitioner()
    draft = make.course(publish=False)
    next_year = make.course(year=2027)
    professional = make.course(category="professional")
    with app.app_context():
        with pytest.raises(NotFound):
            enrol(db, person, draft.id, 2026)
        with pytest.raises(DomainError):
            enrol(db, person, next_year.id, 2027)
        with pytest.raises(DomainError):
            enrol(db, person, professional.id, 2026)


def test_concurrent_requests_cannot_choose_a_course_studied_earlier(app: Any, db: Any, backend: str,
                                                                     last_year_studied: Any) -> None:
    """Many threads race to enrol in last year's course and in this year's: the database decides. On SQLite the
    threads queue for the database's one write lock (BEGIN IMMEDIATE) and do not race: that run checks the outcome
    when they are serialised; the PostgreSQL run is the race."""
    person, a, b = last_year_studied
    results: list[str] = []
    barrier = threading.Barrier(8)

    def attempt(course_id: int) -> None:
        with app.app_context():
            s = app.extensions["xst_db"].factory()
            try:
                barrier.wait()
                enrol(s, s.get(type(person), person.id), course_id, 2026)
                s.commit()
                results.append(f"ok:{course_id}")
            except DomainError as exc:
                s.rollback()
                results.append(exc.code)
            finally:
                s.close()

    threads = [threading.Thread(target=attempt, args=(a.id if i % 2 else b.id,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.expire_all()
    rows = db.scalars(select(Enrolment).where(Enrolment.person_id == person.id, Enrolment.year == 2026)).all()
    assert [r.course_id for r in rows] == [b.id]
    assert f"ok:{b.id}" in results and f"ok:{a.id}" not in results
    assert set(results) <= {f"ok:{b.id}", "already_studied", "already_enrolled"}
    assert db.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.course_id == a.id)) == 1


def _refused_by_the_database(db: Any, row: Enrolment, backend: str, constraint: str, columns: str) -> None:
    """Inserting row directly (no Python check in front) fails on exactly this constraint."""
    from sqlalchemy.exc import IntegrityError
    db.add(row)
    with pytest.raises(IntegrityError) as refused:
        db.flush()
    db.rollback()
    assert (constraint if backend == "postgresql" else f"UNIQUE constraint failed: {columns}") in str(refused.value)


def test_the_database_itself_refuses_the_same_course_in_another_year(app: Any, db: Any, make: Any,
                                                                      backend: str) -> None:
    """第八条 历年已学课程无法再次选择: UNIQUE (person_id, course_id) — another year, so the one-a-year index
    cannot be what refuses it."""
    from lms.catalogue.operations import offer_again
    person = make.practitioner()
    course = make.course(year=2025)
    db.add(Enrolment(person_id=person.id, course_id=course.id, year=2025, category="general_public",
                     created_at=datetime(2025, 3, 2)))
    db.commit()
    with app.app_context():
        offer_again(db, make.staff(), course, 2026)
        db.commit()
    _refused_by_the_database(db, Enrolment(person_id=person.id, course_id=course.id, year=2026,
                                           category="general_public", created_at=datetime(2026, 3, 2)),
                             backend, "uq_enrolment_person_course", "enrolment.person_id, enrolment.course_id")


def test_the_database_itself_refuses_a_second_general_public_course_in_one_year(db: Any, make: Any,
                                                                               backend: str) -> None:
    """One general public course per person and year where the policy says one (温 第八条): the enrolment takes the
    year's slot 1 and the partial unique index on the slot refuses another — another course, so the
    person-and-course constraint cannot be what refuses it."""
    person = make.practitioner()
    a, b = make.course(title="课程甲"), make.course(title="课程乙")
    assert make.enrol(person, a).year_slot == 1
    _refused_by_the_database(db, Enrolment(person_id=person.id, course_id=b.id, year=2026, year_slot=1,
                                           category="general_public", created_at=datetime(2026, 3, 2)),
                             backend, "uq_enrolment_year_slot",
                             "enrolment.person_id, enrolment.year, enrolment.category, enrolment.year_slot")
