"""Booking (考试报名): eligibility, one active booking, seats never oversold, cancellation (第十条)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from exams.models import Booking, ExamSession
from exams.operations import (
    AlreadyBooked,
    BookingClosed,
    CancelTooLate,
    NoSeatsLeft,
    book_seat,
    cancel_booking,
    update_booking_windows,
)
from lms.db import transaction
from lms.errors import NotEligible
from tests.conftest import START, login, login_id

from .conftest import SETTINGS, ExamWorld, run_threads


def test_practitioner_who_has_not_finished_online_study_cannot_book(world: ExamWorld, client: Any) -> None:
    person = world.candidate(completed=False)
    with pytest.raises(NotEligible):
        book_seat(world.db, person, world.session, SETTINGS)
    world.db.rollback()
    login(client, person.id_number)
    r = client.post("/api/v1/exams/bookings", json={"session_id": world.session.id})
    assert r.status_code == 409 and r.json["error"] == "not_eligible"
    assert "完成" in client.get("/exams/").get_data(as_text=True)


def test_practitioner_without_any_enrolment_is_told_to_finish_the_study_first(world: ExamWorld, client: Any) -> None:
    person = world.make.practitioner()
    login(client, person.id_number)
    page = client.get("/exams/").get_data(as_text=True)
    assert "请先完成 2026 年度一般公需科目课程的在线学习" in page


def test_eligible_practitioner_books_and_gets_a_printable_ticket_with_a_qr_code(world: ExamWorld,
                                                                              client: Any) -> None:
    person = world.candidate()
    login(client, person.id_number)
    r = client.post(f"/exams/sessions/{world.session.id}/book")
    assert r.status_code == 302 and "/exams/tickets/" in r.location
    page = client.get(r.location).get_data(as_text=True)
    booking = world.db.scalar(select(Booking).where(Booking.person_id == person.id))
    assert booking.ticket_no in page and "<svg" in page and "@media print" not in page
    assert "exams.css" in page
    world.db.refresh(world.session)
    assert world.session.taken == 1


def test_ticket_numbers_are_unique(world: ExamWorld) -> None:
    people = [world.candidate() for _ in range(5)]
    for p in people:
        book_seat(world.db, p, world.session, SETTINGS)
    world.db.commit()
    tickets = world.db.scalars(select(Booking.ticket_no)).all()
    assert len(set(tickets)) == 5


def test_second_active_booking_in_the_same_plan_is_refused(world: ExamWorld, client: Any) -> None:
    other = world.add_session(room="第二考场")
    person = world.candidate()
    login(client, person.id_number)
    assert client.post("/api/v1/exams/bookings", json={"session_id": world.session.id}).status_code == 201
    r = client.post("/api/v1/exams/bookings", json={"session_id": other.id})
    assert r.status_code == 409 and r.json["error"] == "already_booked"
    world.db.refresh(other)
    assert other.taken == 0


def test_full_session_shows_no_seats_left_and_refuses(world: ExamWorld, client: Any) -> None:
    small = world.add_session(seats=1, room="小考场")
    first, second = world.candidate(), world.candidate()
    book_seat(world.db, first, small, SETTINGS)
    world.db.commit()
    login(client, second.id_number)
    r = client.post("/api/v1/exams/bookings", json={"session_id": small.id})
    assert r.status_code == 409 and r.json["error"] == "no_seats_left" and "座位已满" in r.json["message"]
    page = client.get("/exams/").get_data(as_text=True)
    assert "已满" in page and "加入候补" in page
    r = client.post(f"/exams/sessions/{small.id}/book", follow_redirects=True)
    assert r.status_code == 200 and "座位已满" in r.get_data(as_text=True)


def test_booking_before_the_window_opens_or_after_it_closes_is_refused(world: ExamWorld, frozen_clock: Any) -> None:
    later = world.add_session(starts=START + timedelta(days=3), opens=START + timedelta(days=1),
                              closes=START + timedelta(days=2), cancel=START + timedelta(days=2))
    person = world.candidate()
    with pytest.raises(BookingClosed, match="尚未开始报名"):
        book_seat(world.db, person, later, SETTINGS)
    world.db.rollback()
    frozen_clock.advance(2 * 86400)
    with pytest.raises(BookingClosed, match="报名已截止"):
        book_seat(world.db, person, later, SETTINGS)
    world.db.rollback()


def test_booking_windows_job_opens_and_closes_sessions_on_time(world: ExamWorld, frozen_clock: Any) -> None:
    later = world.add_session(starts=START + timedelta(days=3), opens=START + timedelta(days=1),
                              closes=START + timedelta(days=2), cancel=START + timedelta(days=2))
    assert later.booking_state == "scheduled"
    frozen_clock.advance(86400)
    update_booking_windows(world.db)
    world.db.commit()
    world.db.refresh(later)
    assert later.booking_state == "open"
    frozen_clock.advance(86400)
    update_booking_windows(world.db)
    update_booking_windows(world.db)
    world.db.commit()
    world.db.refresh(later)
    assert later.booking_state == "closed"


def test_cancelling_before_the_deadline_frees_the_seat_and_allows_booking_again(world: ExamWorld,
                                                                                client: Any) -> None:
    person = world.candidate()
    login(client, person.id_number)
    booking_id = client.post("/api/v1/exams/bookings", json={"session_id": world.session.id}).json["booking_id"]
    assert client.post(f"/exams/bookings/{booking_id}/cancel").status_code == 302
    world.db.refresh(world.session)
    assert world.session.taken == 0
    r = client.post("/api/v1/exams/bookings", json={"session_id": world.session.id})
    assert r.status_code == 201
    assert client.post(f"/api/v1/exams/bookings/{booking_id}/cancel").status_code == 409


def test_cancelling_after_the_deadline_is_refused_with_the_deadline(world: ExamWorld, frozen_clock: Any) -> None:
    person = world.candidate()
    booking = book_seat(world.db, person, world.session, SETTINGS)
    world.db.commit()
    frozen_clock.advance(31 * 60)
    with pytest.raises(CancelTooLate, match="取消截止时间"):
        cancel_booking(world.db, person, booking, SETTINGS)


def _book_in_thread(app: Any, person_id: int, session_id: int) -> str:
    from lms.accounts.models import Person
    with app.app_context():
        s = app.extensions["xst_db"].factory()
        try:
            with transaction(s):
                book_seat(s, s.get(Person, person_id), s.get(ExamSession, session_id), SETTINGS)
            return "booked"
        except (NoSeatsLeft, AlreadyBooked) as exc:
            return exc.code
        finally:
            s.close()


def test_many_threads_rushing_the_last_seats_never_oversell(world: ExamWorld) -> None:
    """On SQLite the threads queue for the database's one write lock (BEGIN IMMEDIATE) and do not race: that run
    checks the outcome when they are serialised; the PostgreSQL run is the race."""
    small = world.add_session(seats=3, room="抢座考场")
    people = [world.candidate() for _ in range(16)]
    results = run_threads(16, lambda i: _book_in_thread(world.app, people[i].id, small.id))
    assert results.count("booked") == 3, results
    assert results.count("no_seats_left") == 13, results
    world.db.expire_all()
    assert world.db.get(ExamSession, small.id).taken == 3
    assert world.db.scalar(select(func.count()).select_from(Booking).where(Booking.session_id == small.id)) == 3


def test_one_person_booking_many_sessions_at_once_holds_one_booking(world: ExamWorld) -> None:
    """On SQLite the threads queue for the database's one write lock (BEGIN IMMEDIATE) and do not race: that run
    checks the outcome when they are serialised; the PostgreSQL run is the race."""
    sessions = [world.add_session(room=f"考场{i}") for i in range(8)]
    person = world.candidate()
    results = run_threads(8, lambda i: _book_in_thread(world.app, person.id, sessions[i].id))
    assert results.count("booked") == 1, results
    assert results.count("already_booked") == 7, results
    world.db.expire_all()
    assert sum(world.db.get(ExamSession, x.id).taken for x in sessions) == 1
    assert world.db.scalar(select(func.count()).select_from(Booking).where(Booking.person_id == person.id)) == 1


def test_the_database_itself_refuses_an_oversold_session(world: ExamWorld) -> None:
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError
    with pytest.raises(IntegrityError):
        world.db.execute(update(ExamSession).where(ExamSession.id == world.session.id).values(taken=31))
        world.db.flush()
    world.db.rollback()


def _logged_in_clients(app: Any, people: list[Any]) -> list[Any]:
    clients = []
    for person in people:
        c = app.test_client()
        assert login(c, person.id_number).status_code == 200
        clients.append(c)
    return clients


def _api_book(client: Any, session_id: int) -> str:
    r = client.post("/api/v1/exams/bookings", json={"session_id": session_id})
    return "booked" if r.status_code == 201 else str(r.json["error"])


def test_candidates_rushing_the_last_seats_through_the_api_never_oversell(world: ExamWorld) -> None:
    """On SQLite the threads queue for the database's one write lock (BEGIN IMMEDIATE) and do not race: that run
    checks the outcome when they are serialised; the PostgreSQL run is the race."""
    small = world.add_session(seats=3, room="抢座考场")
    clients = _logged_in_clients(world.app, [world.candidate() for _ in range(12)])
    results = run_threads(12, lambda i: _api_book(clients[i], small.id))
    assert sorted(results) == ["booked"] * 3 + ["no_seats_left"] * 9, results
    world.db.expire_all()
    assert world.db.get(ExamSession, small.id).taken == 3
    assert world.db.scalar(select(func.count()).select_from(Booking).where(Booking.session_id == small.id)) == 3


def test_a_double_click_on_book_through_the_api_holds_one_seat(world: ExamWorld) -> None:
    """On SQLite the threads queue for the database's one write lock (BEGIN IMMEDIATE) and do not race: that run
    checks the outcome when they are serialised; the PostgreSQL run is the race."""
    person = world.candidate()
    clients = _logged_in_clients(world.app, [person] * 6)
    results = run_threads(6, lambda i: _api_book(clients[i], world.session.id))
    assert sorted(results) == ["already_booked"] * 5 + ["booked"], results
    world.db.expire_all()
    assert world.db.get(ExamSession, world.session.id).taken == 1
    assert world.db.scalar(select(func.count()).select_from(Booking).where(Booking.person_id == person.id)) == 1


def _seats_and_bookings(world: ExamWorld) -> tuple[int, int]:
    world.db.expire_all()
    return (sum(x.taken for x in world.db.scalars(select(ExamSession))),
            world.db.scalar(select(func.count()).select_from(Booking)))


def test_the_one_statement_booking_answers_booked_and_full_and_leaves_the_rest_to_book_seat(
        world: ExamWorld, backend: str, frozen_clock: Any) -> None:
    """book_seat_pg (PostgreSQL) decides only 'booked', 'full' and 'already booked'; in every other case it
    changes nothing."""
    if backend != "postgresql":
        pytest.skip("the one-statement booking is PostgreSQL's")
    from exams.operations import book_seat_pg
    from lms.accounts.models import Person

    def fast(person: Any, session_id: int, version: int | None = None) -> Any:
        return book_seat_pg(world.db, person.id, version or person.session_version, login_id(world.db, person),
                            session_id, SETTINGS)

    small = world.add_session(seats=1, room="小考场")
    later = world.add_session(starts=START + timedelta(days=3), opens=START + timedelta(days=1),
                              closes=START + timedelta(days=2), cancel=START + timedelta(days=2), room="后场")
    first, second = world.candidate(), world.candidate()
    booking_id, ticket = fast(first, small.id)
    booking = world.db.get(Booking, booking_id)
    assert (booking.person_id, booking.session_id, booking.status, booking.ticket_no) == (
        first.id, small.id, "booked", ticket)
    assert ticket[:6] == f"26{small.id % 10000:04d}" and len(ticket) == 14 and ticket.isdigit()
    assert booking.enrolment_id == world.enrolment_of(first).id
    before = _seats_and_bookings(world)
    assert before == (1, 1)
    with pytest.raises(NoSeatsLeft):
        fast(second, small.id)
    with pytest.raises(AlreadyBooked):
        fast(first, world.session.id)
    undecided = {
        "not eligible": (world.candidate(completed=False), world.session.id, None),
        "not open yet": (second, later.id, None),
        "no such session": (second, 999_999, None),
        "old session version": (second, world.session.id, second.session_version + 1),
        "not a practitioner": (world.bureau, world.session.id, None),
    }
    for case, (person, session_id, version) in undecided.items():
        assert fast(person, session_id, version) is None, case
        assert _seats_and_bookings(world) == before, case
    world.db.get(Person, second.id).active = False
    world.db.commit()
    assert fast(second, world.session.id) is None
    assert _seats_and_bookings(world) == before
