"""Logins that really end (lms/accounts/sessions.py): a server-side record per login that the cookie names; logging
out, changing or resetting the password and disabling the account end it at once, for pages, the API, Flask's
heartbeat and booking and the lane alike (issue 15, finding 1)."""
from __future__ import annotations

import re
from typing import Any

from flask import session
from sqlalchemy import func, select

from exams.models import Booking, ExamSession
from lms.accounts.models import LoginSession
from lms.audit import AuditEntry
from lms.lane import Lane
from tests.conftest import PASSWORD, login
from tests.exams.conftest import BOOK, ExamWorld, world  # noqa: F401  (the exam world)
from tests.exams.test_booking_lane import rush  # noqa: F401  (the booking page through the front)
from tests.test_heartbeat_lane import BEAT, LaneCase, _credited_ms, lane  # noqa: F401  (the lane fixture)

UA_PHONE = ("Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
            "Mobile Safari/537.36")


def _copy(app: Any, client: Any) -> Any:
    """Another client holding a copy of client's session cookie (what an attacker takes from a shared computer)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_a_cookie_copied_before_logout_is_worth_nothing_after_it(app: Any, client: Any, make: Any) -> None:
    person = make.practitioner()
    course = make.course(chapters=1)
    enrolment = make.enrol(person, course)
    assert login(client, person.id_number).status_code == 200
    stream = client.post("/api/v1/study/streams", json={"enrolment_id": enrolment.id,
                                                        "chapter_id": course.chapters[0].id}).json["stream"]
    thief = _copy(app, client)
    assert thief.get("/api/v1/me").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 200
    assert thief.get("/api/v1/me").status_code == 401
    r = thief.post("/api/v1/study/heartbeat", json={"stream": stream, "seq": 1, "position": 0})
    assert r.status_code == 401 and r.json["error"] == "login_required"
    assert thief.post("/api/v1/exams/bookings", json={"session_id": 1}).status_code == 401
    assert thief.get("/home").status_code == 302  # to the login page


def test_logging_out_of_the_page_ends_the_login_record(app: Any, client: Any, make: Any, db: Any) -> None:
    person = make.practitioner()
    login(client, person.id_number)
    thief = _copy(app, client)
    assert client.post("/logout").status_code == 302
    assert thief.get("/api/v1/me").status_code == 401
    ended = db.scalars(select(LoginSession).where(LoginSession.person_id == person.id,
                                                  LoginSession.end_reason == "logout")).all()
    assert len(ended) == 1 and ended[0].ended_at is not None


def test_a_copied_cookie_gets_no_steady_beat_through_the_lane_after_logout(
        lane: LaneCase, db: Any, frozen_clock: Any) -> None:  # noqa: F811
    page = lane.page()
    page.beat()
    frozen_clock.advance(20)
    assert page.beat().json["credited_seconds"] == 20.0  # the lane's on PostgreSQL
    thief = lane.through_front(lane.app)
    thief.set_cookie("session", page.client.get_cookie("session").value)
    assert page.post("/api/v1/auth/logout", {}).status_code == 200
    frozen_clock.advance(20)
    r = thief.post(BEAT, json={"stream": page.stream, "seq": 3, "position": 0}, headers={"X-CSRFToken": page.token})
    # Flask's answer (the lane never answers 401): the lane's statement found no open login and left it to Flask.
    # (Not counted through lane.seen: Flask's teardown may run after the client already has the answer.)
    assert r.status_code == 401 and r.json["error"] == "login_required"
    assert _credited_ms(db, lane.enrolment) == 20_000


def test_password_change_needs_the_old_password_and_ends_every_other_login(app: Any, make: Any, db: Any) -> None:
    person = make.practitioner()
    here, there = app.test_client(), app.test_client()
    login(here, person.id_number)
    login(there, person.id_number)
    r = here.post("/account/password", data={"old": "Wrong2026pw", "password": "NewPass2026", "confirm": "NewPass2026"})
    assert r.status_code == 400 and "原密码不正确" in r.get_data(as_text=True)
    assert there.get("/api/v1/me").status_code == 200  # nothing changed
    r = here.post("/account/password", data={"old": PASSWORD, "password": "NewPass2026", "confirm": "NewPass2026"})
    assert r.status_code == 302
    assert here.get("/api/v1/me").status_code == 200  # this device stays signed in
    assert there.get("/api/v1/me").status_code == 401
    assert login(app.test_client(), person.id_number).status_code == 401
    assert login(app.test_client(), person.id_number, "NewPass2026").status_code == 200


def test_the_security_page_lists_the_open_logins_and_ends_the_others(app: Any, make: Any, db: Any) -> None:
    person = make.practitioner()
    db.execute(LoginSession.__table__.update().where(LoginSession.person_id == person.id)
               .values(ended_at=LoginSession.created_at, end_reason="logout"))  # the factory's own login
    db.commit()
    here = app.test_client()
    phone = app.test_client()
    login(here, person.id_number)
    assert phone.post("/api/v1/auth/login", json={"login": person.id_number, "password": PASSWORD},
                      environ_base={"HTTP_USER_AGENT": UA_PHONE, "REMOTE_ADDR": "203.0.113.8"}).status_code == 200
    page = here.get("/account/security").get_data(as_text=True)
    assert "Chrome · Android" in page and "203.0.113.8" in page and "（本设备）" in page
    assert len(re.findall(r'action="/account/sessions/\d+/end"', page)) == 1  # the other one (this one: 退出)
    r = here.post("/account/sessions/others/end", follow_redirects=True)
    assert "已退出其他 1 处登录" in r.get_data(as_text=True)
    assert phone.get("/api/v1/me").status_code == 401
    assert here.get("/api/v1/me").status_code == 200


def test_ending_a_login_of_someone_else_answers_404_and_ends_nothing(app: Any, make: Any, db: Any) -> None:
    alice, bob = make.practitioner(), make.practitioner(name="李四")
    a, b = app.test_client(), app.test_client()
    login(a, alice.id_number)
    login(b, bob.id_number)
    bobs = db.scalars(select(LoginSession.id).where(LoginSession.person_id == bob.id)).all()
    for login_id in bobs:
        assert a.post(f"/account/sessions/{login_id}/end").status_code == 404
    assert b.get("/api/v1/me").status_code == 200


def test_disabling_an_account_ends_its_logins(app: Any, make: Any, db: Any) -> None:
    person, clerk = make.practitioner(), make.staff("bureau")
    user, staff = app.test_client(), app.test_client()
    login(user, person.id_number)
    login(staff, clerk.username)
    assert staff.post(f"/admin/people/{person.id}/active/0").status_code == 302
    assert user.get("/api/v1/me").status_code == 401
    db.rollback()
    assert not db.scalars(select(LoginSession).where(LoginSession.person_id == person.id,
                                                     LoginSession.ended_at.is_(None))).all()


def test_the_bureau_resets_a_password_only_after_the_id_card_matches_and_it_is_audited(
        app: Any, make: Any, db: Any) -> None:
    person, clerk = make.practitioner(), make.staff("bureau")
    user, staff = app.test_client(), app.test_client()
    login(user, person.id_number)
    login(staff, clerk.username)
    wrong = person.id_number[:-1] + ("0" if person.id_number[-1] != "0" else "1")
    r = staff.post(f"/admin/people/{person.id}/password-reset", data={"id_number": wrong})
    assert r.status_code == 400 and "身份证号码与该账号不符" in r.get_data(as_text=True)
    assert user.get("/api/v1/me").status_code == 200
    r = staff.post(f"/admin/people/{person.id}/password-reset", data={"id_number": person.id_number.lower()})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    temporary = html.split('id="temporary-password"><code>')[1].split("</code>")[0]
    assert temporary not in (staff.get_cookie("session").value or "")  # never carried in a cookie
    assert user.get("/api/v1/me").status_code == 401
    assert login(app.test_client(), person.id_number).status_code == 401
    assert login(app.test_client(), person.id_number, temporary).status_code == 200
    db.rollback()
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "account.password_reset")).one()
    assert entry.actor_id == clerk.id and (entry.target_type, entry.target_id) == ("Person", str(person.id))


def test_the_lane_remembers_only_cookies_that_name_a_login(app: Any, make: Any) -> None:
    """Anyone's first visit has a session cookie (a CSRF token, no account): verifying it must not fill the lane's
    cache of verified cookies (issue 15, finding 11)."""
    front = Lane(app, [])
    signer = app.session_interface.get_signing_serializer(app)
    anonymous = [signer.dumps({"csrf_token": f"{n:040x}"}) for n in range(50)]
    for cookie in anonymous:
        assert front._account({"content-type": "application/json", "cookie": f"session={cookie}"}, "http") is None
    verified, _csrf = front._serializers()
    assert verified is not None and len(verified._known) == 0
    with app.test_request_context():
        session["_user_id"], session["_login"] = "1:1", 7
        signed = signer.dumps(dict(session))
    front._account({"content-type": "application/json", "cookie": f"session={signed}"}, "http")
    assert len(verified._known) == 1


def test_a_copied_cookie_books_no_seat_through_the_lane_after_logout(world: ExamWorld, rush: Any,  # noqa: F811
                                                                     through_front: Any) -> None:
    app, _seen, page = rush
    person = world.candidate()
    candidate = page(person)
    thief = through_front(app)
    thief.set_cookie("session", candidate.client.get_cookie("session").value)
    assert candidate.client.post("/api/v1/auth/logout", headers={"X-CSRFToken": candidate.token}).status_code == 200
    r = thief.post(BOOK, json={"session_id": world.session.id}, headers={"X-CSRFToken": candidate.token})
    # Flask's answer (the lane never answers 401): the booking statement found no open login
    assert r.status_code == 401 and r.json["error"] == "login_required"
    world.db.expire_all()
    assert world.db.get(ExamSession, world.session.id).taken == 0
    assert world.db.scalar(select(func.count()).select_from(Booking)) == 0


def test_a_login_ended_from_another_device_gets_no_steady_beat_through_the_lane(
        lane: LaneCase, db: Any, frozen_clock: Any) -> None:  # noqa: F811
    """The stream stays open (nothing ended it but the login): only the statement's check of the login stops it."""
    page = lane.page()
    page.beat()
    frozen_clock.advance(20)
    assert page.beat().json["credited_seconds"] == 20.0
    other = lane.through_front(lane.app)
    token = other.get("/api/v1/auth/csrf").json["csrf_token"]
    r = other.post("/api/v1/auth/login", json={"login": lane.person.id_number, "password": PASSWORD},
                   headers={"X-CSRFToken": token})
    assert other.post("/account/sessions/others/end", headers={"X-CSRFToken": r.json["csrf_token"]}).status_code == 302
    frozen_clock.advance(20)
    r = page.beat()
    assert r.status_code == 401 and r.json["error"] == "login_required"
    assert _credited_ms(db, lane.enrolment) == 20_000


def test_last_seen_moves_on_at_most_every_five_minutes_with_the_address(
        app: Any, client: Any, make: Any, db: Any, frozen_clock: Any) -> None:
    person = make.practitioner()
    assert client.post("/api/v1/auth/login", json={"login": person.id_number, "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 200
    login_id = db.scalar(select(LoginSession.id).where(LoginSession.person_id == person.id)
                         .order_by(LoginSession.id.desc()))
    started = frozen_clock()

    def seen() -> tuple[Any, Any]:
        db.rollback()
        row = db.get(LoginSession, login_id)
        db.refresh(row)
        return row.last_seen_at, row.ip

    frozen_clock.advance(5 * 60)  # exactly five minutes: not yet
    assert client.get("/api/v1/me", environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 200
    assert seen() == (started, "198.51.100.1")
    frozen_clock.advance(1)
    assert client.get("/api/v1/me", environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 200
    assert seen() == (frozen_clock(), "198.51.100.2")
