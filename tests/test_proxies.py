"""The client's real address behind a trusted reverse proxy (TRUSTED_PROXIES, lms/proxies.py), never believed
from anyone else: the study record, the login limiter and the exam venue's network check see it, and the lane
derives the same address as Flask."""
from __future__ import annotations

from typing import Any

import pytest
from flask import request

from exams.models import ExamPaper
from lms.lane import Lane
from lms.proxies import client_address, parse_networks
from lms.study.models import StudySegment
from tests.conftest import PASSWORD, login
from tests.exams.conftest import ExamWorld, world  # noqa: F401  (the exam world, on this module's app)
from tests.exams.test_exam import checked_in

PROXY, OTHER = "10.0.0.5", "198.51.100.7"
NETS = parse_networks("10.0.0.0/24, 2001:db8::1")


@pytest.fixture
def app(make_app: Any) -> Any:
    return make_app(TRUSTED_PROXIES="10.0.0.0/24 2001:db8::1", LOGIN_RATE_LIMIT="2 per minute")


@pytest.mark.parametrize("peer, forwarded, client", [
    (PROXY, "203.0.113.9", "203.0.113.9"),                        # one proxy: what it saw
    (PROXY, "1.2.3.4, 203.0.113.9", "203.0.113.9"),               # whatever the client wrote is never read
    (PROXY, "203.0.113.9, 10.0.0.7", "203.0.113.9"),              # two trusted proxies in a row
    ("2001:db8::1", "2001:db8:5::9", "2001:db8:5::9"),
    (PROXY, "not-an-address", PROXY),                             # garbage: the proxy stays the client
    (PROXY, "", PROXY),
    (PROXY, None, PROXY),
    (OTHER, "203.0.113.9", OTHER),                                # not a proxy of ours: the header is ignored
    ("10.0.1.5", "203.0.113.9", "10.0.1.5"),                      # just outside the trusted network
])
def test_the_client_is_the_first_address_left_of_the_trusted_proxies(peer: str, forwarded: str | None,
                                                                      client: str) -> None:
    assert client_address(peer, forwarded, NETS) == client


def test_nothing_is_trusted_when_no_proxy_is_configured() -> None:
    assert client_address("127.0.0.1", "203.0.113.9", parse_networks("")) == "127.0.0.1"


def test_a_bad_trusted_proxy_entry_is_refused_at_start(make_app: Any) -> None:
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        make_app(TRUSTED_PROXIES="10.0.0.0/24, proxy.example")


def _seen_by_flask_and_lane(app: Any, peer: str, forwarded: str | None) -> tuple[str | None, str | None]:
    lane = Lane(app, [])
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    r = app.test_client().get("/_whoami", environ_base={"REMOTE_ADDR": peer}, headers=headers)
    scope = {"client": (peer, 40000),
             "headers": [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []}
    return r.get_data(as_text=True), lane.client_address(scope, {k.lower(): v for k, v in headers.items()})


@pytest.mark.parametrize("peer, forwarded", [(PROXY, "203.0.113.9"), (PROXY, "1.2.3.4, 203.0.113.9, 10.0.0.9"),
                                             (OTHER, "203.0.113.9"), (PROXY, "junk"), (PROXY, None)])
def test_the_lane_derives_the_same_client_address_as_flask(app: Any, peer: str, forwarded: str | None) -> None:
    app.add_url_rule("/_whoami", "whoami", lambda: request.remote_addr or "")
    flask_saw, lane_saw = _seen_by_flask_and_lane(app, peer, forwarded)
    assert flask_saw == lane_saw == client_address(peer, forwarded, NETS)


def test_without_trusted_proxies_flask_and_the_lane_see_the_peer(make_app: Any) -> None:
    app = make_app()
    app.add_url_rule("/_whoami", "whoami", lambda: request.remote_addr or "")
    assert _seen_by_flask_and_lane(app, PROXY, "203.0.113.9") == (PROXY, PROXY)


def _login_from(client: Any, peer: str, forwarded: str, password: str = "wrong-password1") -> int:
    r = client.post("/api/v1/auth/login", json={"login": "nobody", "password": password},
                    environ_base={"REMOTE_ADDR": peer}, headers={"X-Forwarded-For": forwarded})
    return int(r.status_code)


def test_people_behind_the_proxy_have_their_own_login_limit(app: Any, client: Any) -> None:
    assert [_login_from(client, PROXY, "203.0.113.1") for _ in range(3)] == [401, 401, 429]
    assert _login_from(client, PROXY, "203.0.113.2") == 401  # a colleague behind the same proxy is not locked out


def test_a_forged_forwarded_for_from_elsewhere_does_not_escape_the_login_limit(app: Any, client: Any) -> None:
    assert [_login_from(client, OTHER, f"203.0.113.{n}") for n in range(3)] == [401, 401, 429]


def test_the_study_record_logs_the_client_behind_the_proxy_and_the_peer_otherwise(
        app: Any, client: Any, make: Any, db: Any) -> None:
    person = make.practitioner()
    course = make.course(chapters=1)
    enrolment = make.enrol(person, course)
    ips = []
    for peer in (PROXY, OTHER):
        env = {"environ_base": {"REMOTE_ADDR": peer}, "headers": {"X-Forwarded-For": "203.0.113.44"}}
        assert client.post("/api/v1/auth/login", json={"login": person.id_number, "password": PASSWORD},
                           **env).status_code == 200
        stream = client.post("/api/v1/study/streams", json={"enrolment_id": enrolment.id,
                                                             "chapter_id": course.chapters[0].id}, **env).json["stream"]
        r = client.post("/api/v1/study/heartbeat", json={"stream": stream, "seq": 1, "position": 0}, **env)
        assert r.status_code == 200, r.json
        db.rollback()  # a fresh snapshot
        ips.append(db.query(StudySegment).filter_by(stream=stream).one().ip)
    assert ips == ["203.0.113.44", OTHER]


def test_the_venue_check_sees_the_candidate_behind_the_proxy_not_the_proxy(world: ExamWorld,  # noqa: F811
                                                                             client: Any) -> None:
    venue = world.add_session(cidrs="192.168.5.0/24", room="机房")
    person, booking = checked_in(world, venue)
    login(client, person.id_number)
    outside = client.post(f"/exams/bookings/{booking.id}/start", environ_base={"REMOTE_ADDR": OTHER},
                          headers={"X-Forwarded-For": "192.168.5.20"})  # forged: not from our proxy
    assert outside.location.endswith(f"/exams/bookings/{booking.id}/exam")  # back to the entry page, told why
    assert "只能在考点的网络内开始考试" in client.get(outside.location).get_data(as_text=True)
    inside = client.post(f"/exams/bookings/{booking.id}/start", environ_base={"REMOTE_ADDR": PROXY},
                         headers={"X-Forwarded-For": "192.168.5.20"})
    assert "/exams/papers/" in inside.location
    world.db.rollback()
    assert world.db.get(ExamPaper, int(inside.location.rsplit("/", 1)[1])).start_ip == "192.168.5.20"
