"""The lane's booking route (exams/lane.py): the rush answered in front of Flask, everything else by Flask.

The requests go through the ASGI front that gunicorn serves (lms/asgi.py), with CSRF on. Every test runs on
SQLite (where the lane leaves every request to Flask) and on PostgreSQL (where it answers "booked" and "full"
itself); the answers and the database must be the same, and every request the lane cannot decide must get
Flask's own answer and change nothing.
"""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from flask import request
from sqlalchemy import func, select

from exams.models import Booking, ExamSession
from tests.conftest import login_id
from tests.exams.conftest import BOOK, Candidate, ExamWorld, run_threads


@pytest.fixture
def rush(world: ExamWorld, make_app: Any, through_front: Any) -> Any:
    """(an app with CSRF on, the booking requests Flask saw, a page for a person through the front)."""
    app = make_app(WTF_CSRF_ENABLED=True)
    seen: list[str] = []
    app.teardown_request(lambda _exc: seen.append(request.path) if request.path == BOOK else None)
    return app, seen, lambda person: Candidate(through_front(app), person)


def _bookings(world: ExamWorld, session: ExamSession) -> tuple[int, int]:
    world.db.expire_all()
    taken = world.db.get(ExamSession, session.id).taken
    return taken, world.db.scalar(select(func.count()).select_from(Booking).where(Booking.session_id == session.id))


def test_a_seat_is_booked_by_the_lane_on_postgresql_with_flasks_answer_and_ticket(
        world: ExamWorld, rush: Any, backend: str) -> None:
    _app, seen, page = rush
    person = world.candidate()
    r = page(person).book(world.session.id)
    assert r.status_code == 201 and r.headers["Content-Type"] == "application/json", r.json
    assert set(r.json) == {"booking_id", "ticket_no", "session_id"} and r.json["session_id"] == world.session.id
    booking = world.db.get(Booking, r.json["booking_id"])
    assert (booking.person_id, booking.status, booking.ticket_no) == (person.id, "booked", r.json["ticket_no"])
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert _bookings(world, world.session) == (1, 1)
    assert seen == ([] if backend == "postgresql" else [BOOK])


def test_a_full_session_is_refused_by_the_lane_with_flasks_error_body_and_changes_nothing(
        world: ExamWorld, rush: Any, backend: str) -> None:
    _app, seen, page = rush
    small = world.add_session(seats=1, room="小考场")
    assert page(world.candidate()).book(small.id).status_code == 201
    r = page(world.candidate()).book(small.id)
    assert r.status_code == 409
    assert r.json == {"error": "no_seats_left", "message": "该场次座位已满，请选择其他场次或加入候补名单"}
    assert _bookings(world, small) == (1, 1)
    assert seen == ([] if backend == "postgresql" else [BOOK, BOOK])


def test_a_second_booking_in_the_plan_is_refused_by_the_lane_with_flasks_error_body(
        world: ExamWorld, rush: Any, backend: str) -> None:
    _app, seen, page = rush
    candidate = page(world.candidate())
    assert candidate.book(world.session.id).status_code == 201
    r = candidate.book(world.add_session(room="另一考场").id)
    assert r.status_code == 409
    assert r.json == {"error": "already_booked", "message": "您在本考试计划中已有一个有效的报名，如需更换场次请先取消原报名"}
    assert _bookings(world, world.session) == (1, 1)
    assert seen == ([] if backend == "postgresql" else [BOOK, BOOK])


@pytest.mark.parametrize("case", ["not eligible", "no token", "another session's token",
                                  "tampered cookie", "logged out elsewhere", "session id as text",
                                  "no such session"])
def test_a_booking_the_lane_cannot_decide_gets_flasks_answer_and_changes_nothing(
        world: ExamWorld, rush: Any, case: str) -> None:
    app, seen, page = rush
    person = world.candidate(completed=case != "not eligible")
    candidate = page(person)
    before, flask_answers = _bookings(world, world.session), len(seen)
    session_id: Any = world.session.id
    token = None
    if case == "no token":
        token = ""
    elif case == "another session's token":
        token = app.test_client().get("/api/v1/auth/csrf").json["csrf_token"]  # validly signed, not ours
    elif case == "tampered cookie":
        cookie = candidate.client.get_cookie("session")
        candidate.client.set_cookie("session", cookie.value[:-3] + "xyz")
    elif case == "logged out elsewhere":
        from lms.accounts.models import Person
        world.db.get(Person, person.id).session_version += 1
        world.db.commit()
    elif case == "session id as text":
        session_id = str(world.session.id)
    elif case == "no such session":
        session_id = 999_999
    r = candidate.book(session_id, token)
    expected = {"not eligible": (409, "not_eligible"),
                "no token": (400, "csrf"), "another session's token": (400, "csrf"), "tampered cookie": (400, "csrf"),
                "logged out elsewhere": (401, "login_required"), "session id as text": (400, "invalid_input"),
                "no such session": (404, "not_found")}[case]
    assert (r.status_code, r.json["error"]) == expected, r.json
    assert len(seen) == flask_answers + 1  # Flask answered it (teardown runs after CSRF refusals too)
    assert _bookings(world, world.session) == before


def test_candidates_rushing_the_last_seats_through_the_front_never_oversell(world: ExamWorld, rush: Any) -> None:
    _app, _seen, page = rush
    small = world.add_session(seats=3, room="抢座考场")
    pages = [page(world.candidate()) for _ in range(12)]
    results = run_threads(12, lambda i: pages[i].book(small.id))
    outcomes = sorted("booked" if r.status_code == 201 else r.json["error"] for r in results)
    assert outcomes == ["booked"] * 3 + ["no_seats_left"] * 9, outcomes
    assert _bookings(world, small) == (3, 3)


def test_a_double_click_through_the_front_holds_one_seat_and_the_loser_gets_flasks_answer(
        world: ExamWorld, rush: Any) -> None:
    _app, _seen, page = rush
    person = world.candidate()
    first = page(person)
    pages = [first] + [page(person) for _ in range(5)]  # six tabs of one account, each logged in
    results = run_threads(6, lambda i: pages[i].book(world.session.id))
    outcomes = sorted("booked" if r.status_code == 201 else r.json["error"] for r in results)
    assert outcomes == ["already_booked"] * 5 + ["booked"], outcomes
    assert _bookings(world, world.session) == (1, 1)
    world.db.expire_all()
    assert world.db.scalar(select(func.count()).select_from(Booking).where(Booking.person_id == person.id)) == 1


def test_a_lane_connection_whose_statement_was_refused_is_kept_and_a_lost_one_is_replaced(
        world: ExamWorld, backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("the lane's connections are PostgreSQL's")
    from psycopg import errors
    from sqlalchemy import text

    from lms.lane import Connections
    url = world.db.get_bind().url.set(drivername="postgresql").render_as_string(hide_password=False)
    connections = Connections(url, 1)

    async def pid() -> int:
        [row] = await connections.fetch_all("SELECT pg_backend_pid()", {})
        return int(row[0])

    async def scenario() -> tuple[int, int, int]:
        try:
            first = await pid()
            with pytest.raises(errors.DivisionByZero):
                await connections.fetch_all("SELECT 1 / %(zero)s", {"zero": 0})
            kept = await pid()
            world.db.execute(text("SELECT pg_terminate_backend(:p, 5000)"), {"p": kept})
            world.db.commit()
            with pytest.raises(Exception):  # noqa: B017 - psycopg names the lost connection variously
                await pid()
            return first, kept, await pid()
        finally:
            await connections.close()
    first, kept, replaced = asyncio.run(scenario())
    assert kept == first and replaced != kept


def test_a_batch_of_candidates_gets_the_seats_left_in_arrival_order_and_leaves_the_rest_full_or_to_flask(
        world: ExamWorld, make_app: Any, backend: str) -> None:
    """One statement for several candidates of one session: the seats left go to the first eligible ones in
    order, the eligible beyond them are answered full, anyone else is left to Flask; a candidate booked by
    another request meanwhile (committed while the statement waited) is skipped by the unique index and told so,
    and the seat that candidate would have had is not wasted on a "full" answer: those after are left to Flask."""
    if backend == "sqlite":
        pytest.skip("the lane's batches are PostgreSQL's")
    import threading
    import time

    from exams.operations import RushBooking
    from lms import clock
    from lms.asgi import lane_routes
    from lms.lane import Lane
    from tests.exams.conftest import SETTINGS

    app = make_app(BOOKING_LANE_CONNECTIONS=1)
    lane = Lane(app, lane_routes())
    route = lane.routes[BOOK]

    def batch(session: ExamSession, people: list[Any]) -> list[Any]:
        ids = {p.id: login_id(world.db, p) for p in people}
        async def run() -> list[Any]:
            rushes = [RushBooking.of(p.id, p.session_version, ids[p.id], session.id, SETTINGS) for p in people]
            return await asyncio.gather(*(route.batches.run(r) for r in rushes))  # type: ignore[attr-defined]
        return [row[1] if row else None for row in asyncio.run(run())]

    try:
        three = world.add_session(seats=3, room="三座考场")
        a, n, b, c, d = (world.candidate(completed=i != 1) for i in range(5))
        assert batch(three, [a, n, b, c, d]) == ["booked", "other", "booked", "booked", "full"]
        assert route.batches.largest == 5  # type: ignore[attr-defined]
        assert _bookings(world, three) == (3, 3)
        assert {bk.person_id for bk in world.db.scalars(select(Booking))} == {a.id, b.id, c.id}

        two = world.add_session(seats=2, room="两座考场")
        x, e, f = (world.candidate() for _ in range(3))
        world.db.add(Booking(person_id=x.id, plan_id=world.plan.id, session_id=world.session.id,
                             enrolment_id=world.enrolment_of(x).id, ticket_no="26000199999999", status="booked",
                             created_at=clock.now()))
        world.db.flush()  # x's booking by another request, not yet committed
        answers: list[Any] = []
        worker = threading.Thread(target=lambda: answers.extend(batch(two, [x, e, f])))
        worker.start()
        time.sleep(0.5)  # the statement waits on x's index entry
        world.db.commit()
        worker.join(10)
        assert answers == ["already", "booked", "other"]
        assert _bookings(world, two) == (1, 1)
    finally:
        asyncio.run(lane.close())
