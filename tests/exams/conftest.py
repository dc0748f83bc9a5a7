"""Arrangements for the exam tests: a plan with one session open now, a proctor, a question bank, candidates."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import request

from exams.demo import DEMO_QUESTIONS
from exams.imports import add_questions
from exams.models import ExamPaper, ExamPlan, ExamSession
from exams.operations import ExamSettings, SessionSpec, add_sessions, assign_proctor, check_in, create_plan
from lms import clock
from lms.catalogue.models import Enrolment
from tests.conftest import PASSWORD, START, Factory

SETTINGS = ExamSettings(max_attempts=3, offer_minutes=60, checkin_early_minutes=60)
BOOK = "/api/v1/exams/bookings"


class Candidate:
    """One practitioner's booking page: a CSRF-protected session through the front."""

    def __init__(self, client: Any, person: Any) -> None:
        self.client = client
        token = client.get("/api/v1/auth/csrf").json["csrf_token"]
        r = client.post("/api/v1/auth/login", json={"login": person.id_number, "password": PASSWORD},
                        headers={"X-CSRFToken": token})
        assert r.status_code == 200, r.json
        self.token = r.json["csrf_token"]

    def book(self, session_id: Any, token: str | None = None) -> Any:
        return self.client.post(BOOK, json={"session_id": session_id},
                                headers={"X-CSRFToken": self.token if token is None else token})


@pytest.fixture
def front(make_app: Any, through_front: Any) -> tuple[list[str], Callable[[Any], Candidate]]:
    """(the booking requests Flask saw, a booking page for a person through the front with CSRF on)."""
    app = make_app(WTF_CSRF_ENABLED=True)
    seen: list[str] = []
    app.teardown_request(lambda _exc: seen.append(request.path) if request.path == BOOK else None)
    return seen, lambda person: Candidate(through_front(app), person)


@dataclass
class ExamWorld:
    app: Any
    db: Any
    make: Factory
    bureau: Any
    proctor: Any
    course: Any
    plan: ExamPlan
    session: ExamSession

    def add_session(self, seats: int = 30, starts: datetime = START, minutes: int = 120,
                    opens: datetime = START - timedelta(days=1), closes: datetime | None = None,
                    cancel: datetime | None = None, cidrs: str = "", room: str = "第一考场") -> ExamSession:
        with self.app.app_context():
            spec = SessionSpec("温州市人才市场考点", "温州市鹿城区市府路 500 号", room, starts,
                               starts + timedelta(minutes=minutes), seats, opens,
                               closes or starts + timedelta(minutes=60), cancel or starts + timedelta(minutes=30),
                               cidrs)
            (session,) = add_sessions(self.db, self.bureau, self.plan, [spec])
            assign_proctor(self.db, self.bureau, session, self.proctor)
            self.db.commit()
        return session

    def candidate(self, completed: bool = True, **kw: Any) -> Any:
        person = self.make.practitioner(**kw)
        enrolment = self.make.enrol(person, self.course)
        if completed:
            enrolment.completed_at = clock.now()
            self.db.commit()
        return person

    def enrolment_of(self, person: Any) -> Enrolment:
        return self.db.query(Enrolment).filter_by(person_id=person.id, year=self.plan.year).one()


@pytest.fixture
def world(app: Any, db: Any, make: Factory) -> ExamWorld:
    bureau = make.staff("bureau")
    proctor = make.staff("proctor")
    course = make.course()
    with app.app_context():
        plan = create_plan(db, bureau, year=2026, category="general_public", title="2026 年度一般公需科目考试",
                           pass_mark=60, duration_minutes=60, question_count=10)
        add_questions(db, bureau, course, DEMO_QUESTIONS)
        db.commit()
    w = ExamWorld(app, db, make, bureau, proctor, course, plan, None)  # type: ignore[arg-type]
    w.session = w.add_session()
    return w


def correct_answers(db: Any, paper_id: int) -> dict[int, list[int]]:
    """The key, as shown positions, read from the database (it never reaches the browser)."""
    db.rollback()
    paper = db.get(ExamPaper, paper_id)
    key = {i.position: sorted(i.option_order.index(k) for k in i.question.answer) for i in paper.items}
    db.rollback()
    return key


def sit_and_pass(world: ExamWorld, person: Any, booked: dict[str, Any], session: ExamSession) -> None:
    """Be checked in for a booking the front made (its JSON), start the paper and answer it right (pages and API)."""
    from tests.conftest import login
    db = world.db
    db.rollback()  # see the booking the front committed
    with world.app.app_context():
        check_in(db, world.proctor, session, booked["ticket_no"], person.id_number[-4:], SETTINGS)
        db.commit()
    client = world.app.test_client()
    login(client, person.id_number)
    started = client.post(f"/exams/bookings/{booked['booking_id']}/start")
    assert started.status_code == 302, started.get_data(as_text=True)
    paper_id = int(started.location.rsplit("/", 1)[1])
    for pos, key in correct_answers(db, paper_id).items():
        answered = client.post(f"/api/v1/exams/papers/{paper_id}/answers", json={"position": pos, "answer": key})
        assert answered.status_code == 200
    assert client.post(f"/api/v1/exams/papers/{paper_id}/submit").json["passed"] is True
    db.expire_all()


def wrong_answer(key: list[int]) -> list[int]:
    return [1] if key != [1] else [0]


def run_threads(n: int, target: Any) -> list[Any]:
    """Run target(i) in n real threads started together; return what each returned or raised. (On SQLite their
    writes queue for the one write lock, BEGIN IMMEDIATE: they race only on PostgreSQL.)"""
    import threading
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def go(i: int) -> None:
        barrier.wait()
        try:
            results[i] = target(i)
        except Exception as exc:  # the test inspects it
            results[i] = exc

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
