"""What the lane takes (lms/lane.py, lms/study/lane.py): exactly the requests Flask takes, and a bad beat refused alone.

The lane answers in front of Flask only what Flask would answer the same way. A request whose content type Flask does
not read as JSON (``application/jsonp``, ``application/json5``, ``application/jsonfoo``) is Flask's, and Flask refuses
it; a beat whose body Flask refuses (a NUL, a lone surrogate, nesting too deep, a number out of range) is refused with
Flask's 400 and its reason, on its own: it never joins a batch, and the beats that arrive with it are credited as if it
had never come.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from flask import request

from lms.asgi import Front
from lms.study.models import ChapterProgress
from tests.conftest import PASSWORD, login_id

BEAT = "/api/v1/study/heartbeat"


async def asgi_post(front: Front, path: str, body: bytes, headers: dict[str, str],
                    sent: list[dict[str, Any]] | None = None) -> tuple[int, dict[str, Any]]:
    """POST through the front as gunicorn's ASGI worker calls it: the answer's status and JSON body (the ASGI
    messages sent are added to `sent`)."""
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [*raw, (b"host", b"localhost"), (b"content-length", str(len(body)).encode())],
             "client": ("127.0.0.1", 40000), "server": ("localhost", 80)}
    answered = asyncio.Event()
    sent = [] if sent is None else sent
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop()
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    await front(scope, receive, send)  # type: ignore[arg-type]
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(content)


class Page:
    """A logged-in practitioner's player: the session cookie, the CSRF token and an open stream."""

    def __init__(self, app: Any, person: Any, enrolment: Any) -> None:
        c = app.test_client()
        token = c.get("/api/v1/auth/csrf").json["csrf_token"]
        r = c.post("/api/v1/auth/login", json={"login": person.id_number, "password": PASSWORD},
                   headers={"X-CSRFToken": token})
        assert r.status_code == 200, r.json
        self.token = r.json["csrf_token"]
        r = c.post("/api/v1/study/streams", json={"enrolment_id": enrolment.id,
                                                   "chapter_id": enrolment.course.chapters[0].id},
                   headers={"X-CSRFToken": self.token})
        assert r.status_code == 201, r.json
        self.stream = r.json["stream"]
        self.cookie = c.get_cookie("session").value
        self.enrolment_id = enrolment.id

    def headers(self, content_type: str = "application/json") -> dict[str, str]:
        return {"content-type": content_type, "cookie": f"session={self.cookie}", "x-csrftoken": self.token}

    def body(self, seq: int) -> bytes:
        return json.dumps({"stream": self.stream, "seq": seq, "position": 0}).encode()


def _pages(app: Any, make: Any, n: int) -> list[Page]:
    course = make.course(chapters=1, minutes=10)
    return [Page(app, person, make.enrol(person, course)) for person in (make.practitioner() for _ in range(n))]


def _credited_ms(db: Any, page: Page) -> int:
    db.expire_all()
    return sum(p.credited_ms for p in db.query(ChapterProgress).filter_by(enrolment_id=page.enrolment_id))


def _run(app: Any, calls: Any) -> Any:
    """Run coroutines made by calls(front) on one event loop through one front, as in one worker."""
    async def go() -> Any:
        front = Front(app)
        try:
            return await calls(front)
        finally:
            await front.lane.close()
            front.flask.executor.shutdown(wait=True)
    return asyncio.run(go())


@pytest.mark.parametrize("content_type, taken", [
    ("application/json", True), ("application/json; charset=utf-8", True), ("Application/JSON", True),
    ("application/jsonp", False), ("application/json5", False), ("application/jsonfoo", False),
    ("application/x+json", False), ("text/plain", False)])
def test_the_lane_takes_a_beat_exactly_when_flask_reads_its_content_type_as_json(
        make_app: Any, make: Any, db: Any, frozen_clock: Any, backend: str, content_type: str, taken: bool) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    seen: list[str] = []
    app.teardown_request(lambda _exc: seen.append(request.path) if request.path == BEAT else None)
    page = _pages(app, make, 1)[0]

    async def beats(front: Front) -> list[tuple[int, dict[str, Any]]]:
        first = await asgi_post(front, BEAT, page.body(1), page.headers())  # opens the segment (Flask)
        frozen_clock.advance(20)
        return [first, await asgi_post(front, BEAT, page.body(2), page.headers(content_type))]

    (status1, _), (status, answer) = _run(app, beats)
    assert status1 == 200
    if taken:
        assert status == 200 and answer["credited_seconds"] == 20.0, answer
        assert _credited_ms(db, page) == 20_000
        assert len(seen) == (1 if backend == "postgresql" else 2)  # the lane's on PostgreSQL
    else:  # Flask's refusal, whichever database
        assert status == 400 and answer["error"] == "invalid_input", answer
        assert answer["message"] == "心跳数据格式错误"
        assert _credited_ms(db, page) == 0 and len(seen) == 2


BAD_BEATS = {
    "a NUL in the stream": (b'{"stream": "ab\\u0000c", "seq": 2, "position": 0}', "JSON 中的文字含有无法识别的字符"),
    "a lone surrogate": (b'{"stream": "ab\\ud800", "seq": 2, "position": 0}', "JSON 中的文字含有无法识别的字符"),
    "nesting too deep": (b'{"stream": ' + b"[" * 40 + b"]" * 40 + b', "seq": 2}', "JSON 嵌套层数不能超过 32"),
    "nested 1,000 deep": (b'{"stream": ' + b"[" * 1000 + b"]" * 1000 + b', "seq": 2}', "JSON 嵌套层数不能超过 32"),
    "seq above 2^31-1": (b'{"stream": "s", "seq": 2147483648, "position": 0}', "心跳序号 seq 无效"),
    "seq of 31 digits": (b'{"stream": "s", "seq": 1000000000000000000000000000000}', "心跳序号 seq 无效"),
    "a position beyond any float": (b'{"stream": "s", "seq": 2, "position": 1E400}', "JSON 中的数字超出范围"),
    "NaN": (b'{"stream": "s", "seq": 2, "position": NaN}', "JSON 中不能使用 NaN"),
    "not JSON": (b'{"stream": "s", "seq": 2,', "请求体不是有效的 JSON"),
}


def test_bad_beats_sent_with_good_ones_are_refused_alone_and_the_good_ones_are_credited(
        make_app: Any, make: Any, db: Any, frozen_clock: Any, backend: str, caplog: Any) -> None:
    """Five learners beat at the same moment as nine bad beats from a sixth (its session valid): on PostgreSQL the
    lane's one connection takes the five together (never a bad one), each bad beat gets Flask's 400 with its
    reason, and nothing is logged as an error."""
    app = make_app(WTF_CSRF_ENABLED=True, HEARTBEAT_LANE_CONNECTIONS=1)
    seen: list[str] = []
    app.teardown_request(lambda _exc: seen.append(request.path) if request.path == BEAT else None)
    pages = _pages(app, make, 6)
    attacker, good = pages[0], pages[1:]
    bad = list(BAD_BEATS.values())

    async def beats(front: Front) -> tuple[list[Any], list[Any], int]:
        await asyncio.gather(*(asgi_post(front, BEAT, p.body(1), p.headers()) for p in pages))
        frozen_clock.advance(20)
        calls = [asgi_post(front, BEAT, body, attacker.headers()) for body, _ in bad]
        calls[2:2] = [asgi_post(front, BEAT, p.body(2), p.headers()) for p in good]
        answers = await asyncio.gather(*calls)
        route = front.lane.routes.get(BEAT)
        return answers[2:2 + len(good)], answers[:2] + answers[2 + len(good):], route.batches.largest if route else 0

    with caplog.at_level(logging.WARNING):
        good_answers, bad_answers, largest = _run(app, beats)
    assert [(s, a.get("credited_seconds")) for s, a in good_answers] == [(200, 20.0)] * len(good), good_answers
    for (status, answer), (name, (_, reason)) in zip(bad_answers, BAD_BEATS.items(), strict=True):
        assert status == 400 and answer["error"] == "invalid_input", (name, status, answer)
        assert answer["message"].startswith(reason), (name, answer)
    assert [_credited_ms(db, p) for p in pages] == [0] + [20_000] * len(good)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    if backend == "postgresql":
        # Flask saw the six first beats and only the one body too large for the lane; the lane batched the good five
        assert len(seen) == len(pages) + 1
        assert largest >= len(good) - 1  # the first went alone on the idle connection, the rest together


def test_a_batch_the_database_refuses_for_one_beat_is_sent_again_beat_by_beat(
        make_app: Any, make: Any, db: Any, frozen_clock: Any, backend: str) -> None:
    """Should a value reach the statement that the database cannot take (here a NUL in a stream, put past the
    checks), only its own beat fails: the others of its batch are sent again alone and credited."""
    if backend == "sqlite":
        pytest.skip("the lane's batches are PostgreSQL's")
    from lms.lane import Lane
    from lms.study.lane import HeartbeatRoute
    from lms.study.operations import SteadyBeat, StudySettings, heartbeat, start_stream
    app = make_app(HEARTBEAT_LANE_CONNECTIONS=1)
    settings = StudySettings.from_config(app.config)
    course = make.course(chapters=1, minutes=10)
    people, streams = [], []
    for _ in range(4):
        person = make.practitioner()
        enrolment = make.enrol(person, course)
        streams.append(start_stream(db, person, enrolment.id, course.chapters[0].id, settings))
        heartbeat(db, person.id, person.session_version, login_id(db, person), streams[-1], 1, 0, settings)
        db.commit()
        people.append(person)
    streams[1] = streams[1][:4] + "\x00" + streams[1][4:]
    lane = Lane(app, [HeartbeatRoute.for_app])
    route = lane.routes[BEAT]
    assert isinstance(route, HeartbeatRoute)
    frozen_clock.advance(20)
    now = frozen_clock()
    beats = [SteadyBeat.of(now, p.id, p.session_version, login_id(db, p), st, 2, 0, settings)
             for p, st in zip(people, streams, strict=True)]

    async def together() -> list[Any]:
        try:
            return await asyncio.gather(*(route.batches.run(b) for b in beats), return_exceptions=True)
        finally:
            await lane.close()
    rows = asyncio.run(together())
    assert isinstance(rows[1], Exception)
    assert [r[1] for i, r in enumerate(rows) if i != 1] == ["credited"] * 3
    assert route.batches.largest == 4  # all four went in one statement first
    db.expire_all()
    assert [p.credited_ms for p in db.query(ChapterProgress).order_by(ChapterProgress.enrolment_id)] == \
        [20_000, 0, 20_000, 20_000]
