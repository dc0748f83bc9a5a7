"""The lane's heartbeat route (lms/lane.py, lms/study/lane.py): steady beats answered in front of Flask, everything else by Flask.

The requests go through the ASGI front that gunicorn serves (lms/asgi.py). Every test runs on SQLite (where the lane always passes to Flask) and on PostgreSQL (where it answers the
steady beat itself); the answers and the credited time must be the same, and every request the lane cannot
vouch for (CSRF, cookie, account, body, HTTPS referrer) must get Flask's own refusal.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import request

from lms.catalogue.models import Enrolment
from lms.study.models import ChapterProgress
from tests.conftest import PASSWORD, login_id

BEAT = "/api/v1/study/heartbeat"


class Player:
    """One practitioner's page: a CSRF-protected session, a stream, and the beats it sends."""

    def __init__(self, client: Any, person: Any, enrolment: Any, chapter_id: int,
                 base_url: str = "http://localhost/"):
        self.client = client
        self.base_url = base_url
        token = self.client.get("/api/v1/auth/csrf", base_url=base_url).json["csrf_token"]
        r = self.post("/api/v1/auth/login", {"login": person.id_number, "password": PASSWORD}, token)
        assert r.status_code == 200, r.json
        self.token = r.json["csrf_token"]
        r = self.post("/api/v1/study/streams", {"enrolment_id": enrolment.id, "chapter_id": chapter_id})
        assert r.status_code == 201, r.json
        self.stream, self.seq = r.json["stream"], 0

    def post(self, path: str, body: dict[str, Any], token: str | None = None, **kw: Any) -> Any:
        headers = kw.pop("headers", {})
        if self.base_url.startswith("https"):  # a browser sends the page's address as the referrer
            headers.setdefault("Referer", self.base_url + "study/1")
        if token is not None or hasattr(self, "token"):
            headers.setdefault("X-CSRFToken", token if token is not None else self.token)
        return self.client.post(path, json=body, headers=headers, base_url=self.base_url, **kw)

    def beat(self, position: float = 0, **kw: Any) -> Any:
        self.seq += 1
        return self.post(BEAT, {"stream": self.stream, "seq": self.seq, "position": position}, **kw)


@dataclass
class LaneCase:
    """An app with CSRF on behind the front, one enrolled practitioner, and the beats Flask answered."""
    app: Any
    seen: list[str]
    person: Any
    enrolment: Any
    chapter_id: int
    backend: str
    through_front: Any

    def page(self, base_url: str = "http://localhost/") -> Player:
        return Player(self.through_front(self.app), self.person, self.enrolment, self.chapter_id, base_url)


@pytest.fixture
def lane(make_app: Any, make: Any, backend: str, through_front: Any) -> LaneCase:
    app = make_app(WTF_CSRF_ENABLED=True)
    seen: list[str] = []
    app.teardown_request(lambda _exc: seen.append(request.path) if request.path == BEAT else None)
    person = make.practitioner()
    course = make.course(chapters=1, minutes=1)
    enrolment = make.enrol(person, course)
    return LaneCase(app, seen, person, enrolment, course.chapters[0].id, backend, through_front)


def _credited_ms(db: Any, enrolment: Any) -> int:
    db.expire_all()
    return sum(p.credited_ms for p in db.query(ChapterProgress).filter_by(enrolment_id=enrolment.id))


def test_steady_beats_are_answered_by_the_lane_on_postgresql_and_credit_exactly_as_flask(
        lane: LaneCase, db: Any, frozen_clock: Any) -> None:
    page = lane.page()
    assert page.beat().json["state"] == "started"
    frozen_clock.advance(20)
    r = page.beat()
    assert r.status_code == 200 and r.json["state"] == "credited" and r.json["credited_seconds"] == 20.0
    assert r.json["chapter"]["credited_seconds"] == 20.0 and r.json["prompt"] is None
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Content-Type"] == "application/json"
    assert _credited_ms(db, lane.enrolment) == 20_000
    # The first beat (a new segment) is Flask's; the steady one is the lane's on PostgreSQL only.
    assert len(lane.seen) == (1 if lane.backend == "postgresql" else 2)


def test_the_beat_that_completes_the_chapter_completes_the_course_through_the_lane(
        lane: LaneCase, db: Any, frozen_clock: Any) -> None:
    page = lane.page()
    page.beat()
    frozen_clock.advance(30)
    assert page.beat().json["chapter"]["complete"] is False
    frozen_clock.advance(30)
    r = page.beat()
    assert r.json["chapter"]["complete"] is True and r.json["course_complete"] is True
    db.expire_all()
    assert db.get(Enrolment, lane.enrolment.id).completed_at is not None


def test_a_beat_too_soon_after_the_last_is_refused_by_the_lane_with_flasks_answer_and_credits_nothing(
        lane: LaneCase, db: Any, frozen_clock: Any) -> None:
    page = lane.page()
    page.beat()
    frozen_clock.advance(20)
    assert page.beat().json["credited_seconds"] == 20.0
    flask_answers = len(lane.seen)
    frozen_clock.advance(10)  # under half of HEARTBEAT_SECONDS (30)
    r = page.beat()
    assert r.status_code == 429 and r.json == {"error": "too_frequent", "message": "心跳过于频繁，本次未计时"}
    assert r.headers["Content-Type"] == "application/json"
    assert len(lane.seen) == flask_answers + (0 if lane.backend == "postgresql" else 1)
    frozen_clock.advance(20)  # the clock was not moved by the refused beat: 30 s since the last accepted one
    assert page.beat().json["credited_seconds"] == 30.0
    assert _credited_ms(db, lane.enrolment) == 50_000


def test_a_video_position_sent_ahead_moves_the_furthest_point_only_as_far_as_the_time_that_passed(
        lane: LaneCase, db: Any, frozen_clock: Any) -> None:
    """Seeking ahead is stopped by the player; the server never records a furthest point the elapsed time does
    not allow (twice the time since the last beat, plus 5 s), so a reload or another client cannot skip ahead."""
    from lms.catalogue.models import Chapter
    chapter = db.get(Chapter, lane.chapter_id)
    chapter.kind, chapter.mime = "video", "video/mp4"
    db.commit()
    page = lane.page()
    page.beat()
    frozen_clock.advance(20)
    r = page.beat(position=600)  # a jump to 10 minutes in
    assert r.status_code == 200 and r.json["chapter"]["furthest_position"] == 45.0  # 0 + 2 x 20 + 5
    frozen_clock.advance(20)
    r = page.beat(position=30)  # back: the point stays
    assert r.json["chapter"]["furthest_position"] == 45.0
    frozen_clock.advance(20)
    r = page.beat(position=70)  # watched on: within the allowance
    assert r.json["chapter"]["furthest_position"] == 70.0
    db.expire_all()
    assert db.query(ChapterProgress).filter_by(enrolment_id=lane.enrolment.id).one().furthest_position == 70.0
    assert len(lane.seen) == (1 if lane.backend == "postgresql" else 4)  # the lane's statement on PostgreSQL, Flask's on SQLite


# What Flask answers each beat the lane leaves to it: a token that is not this session's (a tampered cookie is no
# session at all, so no token can be its) is a CSRF refusal; a cookie whose login was ended is no login; a body that
# is not a beat is invalid input.
FLASK_REFUSES = {"no token": (400, "csrf"), "another session's token": (400, "csrf"), "forged token": (400, "csrf"),
                 "tampered cookie": (400, "csrf"), "logged out elsewhere": (401, "login_required"),
                 "not json": (400, "invalid_input"), "too large": (400, "invalid_input")}


@pytest.mark.parametrize("case", list(FLASK_REFUSES))
def test_a_beat_the_lane_cannot_vouch_for_gets_flasks_refusal_and_credits_nothing(
        lane: LaneCase, db: Any, frozen_clock: Any, case: str) -> None:
    page = lane.page()
    page.beat()
    frozen_clock.advance(20)
    body = {"stream": page.stream, "seq": 99, "position": 0}
    flask_answers = len(lane.seen)
    if case == "no token":
        r = page.client.post(BEAT, json=body)
    elif case == "another session's token":
        token = lane.app.test_client().get("/api/v1/auth/csrf").json["csrf_token"]  # validly signed, not ours
        r = page.post(BEAT, body, token)
    elif case == "forged token":
        r = page.post(BEAT, body, page.token[:-2] + ("aa" if not page.token.endswith("aa") else "bb"))
    elif case == "tampered cookie":
        cookie = page.client.get_cookie("session")
        page.client.set_cookie("session", cookie.value[:-3] + "xyz")
        r = page.post(BEAT, body)
    elif case == "logged out elsewhere":
        from lms.accounts.models import Person
        db.get(Person, lane.person.id).session_version += 1
        db.commit()
        r = page.post(BEAT, body)
    elif case == "not json":
        r = page.client.post(BEAT, data="stream=x", headers={"X-CSRFToken": page.token},
                             content_type="application/x-www-form-urlencoded")
    else:
        r = page.client.post(BEAT, data=b'{"stream":"' + b"a" * 2000 + b'","seq":99}',
                             headers={"X-CSRFToken": page.token}, content_type="application/json")
    assert (r.status_code, r.json["error"]) == FLASK_REFUSES[case], r.json
    assert len(lane.seen) == flask_answers + 1  # Flask answered it (teardown runs after CSRF refusals too)
    assert _credited_ms(db, lane.enrolment) == 0


def test_over_https_the_lane_requires_a_same_origin_referrer_like_flask_wtf(
        lane: LaneCase, db: Any, frozen_clock: Any) -> None:
    page = lane.page(base_url="https://xst.example.cn/")
    page.beat()
    frozen_clock.advance(20)
    r = page.beat(headers={"Referer": ""})  # no referrer
    assert r.status_code == 400 and r.json["error"] == "csrf"
    r = page.beat(headers={"Referer": "https://evil.example.com/"})
    assert r.status_code == 400 and r.json["error"] == "csrf"
    r = page.beat(headers={"Referer": "https://xst.example.cn/study/1"})
    assert r.status_code == 200 and r.json["credited_seconds"] == 20.0
    assert _credited_ms(db, lane.enrolment) == 20_000


def test_a_session_cookie_the_lane_verified_before_is_refused_once_it_is_older_than_the_session_lifetime(
        make_app: Any, make: Any, db: Any, frozen_clock: Any, through_front: Any) -> None:
    import time
    from datetime import timedelta
    app = make_app(WTF_CSRF_ENABLED=True, PERMANENT_SESSION_LIFETIME=timedelta(seconds=2))
    person = make.practitioner()
    enrolment = make.enrol(person, make.course(chapters=1, minutes=1))
    page = Player(through_front(app), person, enrolment, enrolment.course.chapters[0].id)
    page.beat()
    frozen_clock.advance(20)
    assert page.beat().json["credited_seconds"] == 20.0  # the lane has verified (and remembered) the cookie
    time.sleep(3.1)  # itsdangerous counts the cookie's age in whole seconds of the real clock, as Flask does
    frozen_clock.advance(20)
    r = page.beat()  # Flask: the expired cookie is no session, so no CSRF token either
    assert r.status_code == 400 and r.json["error"] == "csrf"
    assert _credited_ms(db, enrolment) == 20_000


def test_a_lane_connection_lost_with_the_server_is_replaced_and_the_beat_meanwhile_goes_to_flask(
        make_app: Any, make: Any, db: Any, frozen_clock: Any, through_front: Any, backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("the lane's connections are PostgreSQL's")
    from sqlalchemy import text
    app = make_app(WTF_CSRF_ENABLED=True, DATABASE_PING_IDLE_SECONDS=0)
    seen: list[str] = []
    app.teardown_request(lambda _exc: seen.append(request.path) if request.path == BEAT else None)
    person = make.practitioner()
    enrolment = make.enrol(person, make.course(chapters=1, minutes=10))
    page = Player(through_front(app), person, enrolment, enrolment.course.chapters[0].id)
    page.beat()
    frozen_clock.advance(20)
    assert page.beat().status_code == 200 and seen == [BEAT]  # the lane answered the second beat
    db.execute(text("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    db.commit()
    frozen_clock.advance(20)
    r = page.beat()
    assert r.status_code == 200 and r.json["credited_seconds"] == 20.0 and seen == [BEAT, BEAT]  # by Flask
    frozen_clock.advance(20)
    r = page.beat()
    assert r.status_code == 200 and r.json["credited_seconds"] == 20.0 and seen == [BEAT, BEAT]  # lane again
    assert _credited_ms(db, enrolment) == 60_000


def test_beats_that_arrive_together_go_as_one_statement_each_decided_as_alone(
        make_app: Any, make: Any, db: Any, frozen_clock: Any, backend: str) -> None:
    """One connection, seven beats at once: the first batch takes one beat per person (five, one statement); a
    person's second beat waits for the batch after, and each beat gets the answer it would have had alone: its
    own credit, its own furthest point, and a presence prompt only where that person's draw says so."""
    if backend == "sqlite":
        pytest.skip("the lane's batches are PostgreSQL's")
    import asyncio

    from lms.catalogue.models import Chapter
    from lms.lane import Lane
    from lms.study.lane import HeartbeatRoute
    from lms.study.models import PresencePrompt, StudyClock
    from lms.study.operations import SteadyBeat, StudySettings, heartbeat, start_stream
    app = make_app(HEARTBEAT_LANE_CONNECTIONS=1)
    settings = StudySettings.from_config(app.config)
    course = make.course(chapters=1, minutes=10)
    db.get(Chapter, course.chapters[0].id).kind = "video"
    db.commit()
    people, streams = [], []
    for i in range(5):
        person = make.practitioner()
        enrolment = make.enrol(person, course)
        streams.append(start_stream(db, person, enrolment.id, course.chapters[0].id, settings))
        heartbeat(db, person.id, person.session_version, login_id(db, person), streams[-1], 1, 0, settings)  # opens the segment
        db.get(StudyClock, person.id).next_prompt_ms = 10_000 if i == 2 else 10**9  # only person 2 is asked
        db.commit()
        people.append(person)
    lane = Lane(app, [HeartbeatRoute.for_app])
    route = lane.routes[BEAT]
    assert isinstance(route, HeartbeatRoute)

    def together(beats: list[Any]) -> list[Any]:
        async def run() -> list[Any]:
            return await asyncio.gather(*(route.batches.run(b) for b in beats))
        return asyncio.run(run())

    try:
        frozen_clock.advance(20)
        now = frozen_clock()
        beats = [SteadyBeat.of(now, p.id, p.session_version, login_id(db, p), st, 2, 3 * i, settings)
                 for i, (p, st) in enumerate(zip(people, streams, strict=True))]
        beats.append(SteadyBeat.of(now, people[0].id, people[0].session_version, login_id(db, people[0]), streams[0], 3, 0, settings))
        beats.append(SteadyBeat.of(now, people[1].id, people[1].session_version, login_id(db, people[1]), "another-tab", 3, 0, settings))
        rows = together(beats)
        assert [r[1] if r else None for r in rows] == ["credited"] * 5 + ["too_frequent", None]
        assert [r[0] for r in rows[:6]] == [p.id for p in people] + [people[0].id]
        assert [r[2] for r in rows[:5]] == [20_000] * 5
        assert [r[8] for r in rows[:5]] == [0.0, 3.0, 6.0, 9.0, 12.0]  # each learner's own position
        assert [r[6] is not None for r in rows[:5]] == [False, False, True, False, False]  # person 2's prompt
        assert route.batches.largest == 5  # then the two later beats of persons 1 and 2, together
        frozen_clock.advance(20)
        now = frozen_clock()
        rows = together([SteadyBeat.of(now, p.id, p.session_version, login_id(db, p), st, 4, 20 + i, settings)
                         for i, (p, st) in enumerate(zip(people, streams, strict=True)) if i != 2])
        assert [r[8] for r in rows] == [20.0, 21.0, 23.0, 24.0]  # existing progress rows, updated each its own
    finally:
        asyncio.run(lane.close())
    db.expire_all()
    assert [p.credited_ms for p in db.query(ChapterProgress).order_by(ChapterProgress.enrolment_id)] == \
        [40_000, 40_000, 20_000, 40_000, 40_000]
    prompts = db.query(PresencePrompt).all()
    assert [(p.person_id, p.status) for p in prompts] == [(people[2].id, "pending")]
    assert [db.get(StudyClock, p.id).prompt_id for p in people] == [None, None, prompts[0].id, None, None]


def test_a_steady_beat_moves_the_logins_last_seen_time_on_at_most_every_five_minutes(
        lane: LaneCase, db: Any, frozen_clock: Any) -> None:
    """账号安全 shows each login's last-seen time: a learner who only studies (the lane answers their beats on
    PostgreSQL, never Flask's user loader) is seen too, written at most once per SEEN_EVERY."""
    from datetime import timedelta

    from lms import clock
    from lms.accounts.models import LoginSession
    from lms.accounts.sessions import SEEN_EVERY

    page = lane.page()
    page.beat()
    db.expire_all()
    login = db.query(LoginSession).filter_by(person_id=lane.person.id, ended_at=None).order_by(
        LoginSession.id.desc()).first()

    def seen_at(ago: timedelta | None = None) -> Any:
        if ago is not None:
            db.query(LoginSession).filter_by(id=login.id).update({"last_seen_at": clock.now() - ago})
            db.commit()
        db.rollback()  # a new snapshot (SQLite keeps a reader's until its transaction ends)
        db.expire_all()
        return db.get(LoginSession, login.id).last_seen_at

    before = seen_at(SEEN_EVERY + timedelta(seconds=1))
    frozen_clock.advance(20)
    assert page.beat().json["state"] == "credited"
    assert seen_at() == clock.now() != before
    # seen exactly SEEN_EVERY ago: not yet written again
    exactly = seen_at(SEEN_EVERY - timedelta(seconds=20))
    frozen_clock.advance(20)
    assert page.beat().json["state"] == "credited"
    assert seen_at() == exactly
    assert len(lane.seen) == (1 if lane.backend == "postgresql" else 3)  # the lane answered on PostgreSQL
