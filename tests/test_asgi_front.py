"""The ASGI front (lms/asgi.py) as gunicorn serves it: Flask behind it unchanged, and the real server.

The heartbeat lane's own decisions are in tests/test_heartbeat_lane.py; here: pages, forms, error pages and
bodies reach Flask through the front as they would under a WSGI server, and `gunicorn` with the project's
gunicorn.conf.py (the ASGI worker) serves a learner's whole path on both databases and stops cleanly.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest

from lms.study.models import ChapterProgress
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[1]


def test_pages_forms_and_error_pages_reach_flask_through_the_front(app: Any, make: Any, through_front: Any) -> None:
    person = make.practitioner()
    c = through_front(app)
    r = c.get("/login")
    assert r.status_code == 200 and "登录" in r.get_data(as_text=True)
    assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert c.get("/static/app.css").status_code == 200
    r = c.get("/no/such/page")
    assert r.status_code == 404 and "没有找到您要访问的页面" in r.get_data(as_text=True)
    # A JSON body larger than the lane reads goes to Flask whole (the front reads nothing of it).
    r = c.post("/api/v1/auth/login", data=json.dumps({"login": person.id_number, "password": PASSWORD,
                                                      "pad": "x" * 5000}), content_type="application/json")
    assert r.status_code == 200 and r.json["person"]["name"] == "张三"
    assert c.get("/api/v1/me").json["person"]["name"] == "张三"


def test_a_beat_the_lane_reads_and_passes_on_reaches_flask_with_its_body(
        make_app: Any, make: Any, through_front: Any, backend: str) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    person = make.practitioner()
    enrolment = make.enrol(person, make.course(chapters=1))
    c = through_front(app)
    token = c.get("/api/v1/auth/csrf").json["csrf_token"]
    token = c.post("/api/v1/auth/login", json={"login": person.id_number, "password": PASSWORD},
                   headers={"X-CSRFToken": token}).json["csrf_token"]
    stream = c.post("/api/v1/study/streams", json={"enrolment_id": enrolment.id,
                                                    "chapter_id": enrolment.course.chapters[0].id},
                    headers={"X-CSRFToken": token}).json["stream"]
    # The first beat opens a segment: on PostgreSQL the lane reads the body, declines, and Flask answers it.
    r = c.post("/api/v1/study/heartbeat", json={"stream": stream, "seq": 1, "position": 0},
               headers={"X-CSRFToken": token})
    assert r.status_code == 200 and r.json["state"] == "started", r.json


# ---- the real server ------------------------------------------------------------------------------------

class Browser:
    """A client with a cookie jar and the page's CSRF token, over real HTTP."""

    def __init__(self, base: str) -> None:
        self.base, self.token = base, ""
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "X-CSRFToken": self.token})
        try:
            with self.opener.open(req, timeout=10) as r:
                status, raw, kind = r.status, r.read(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            status, raw, kind = e.code, e.read(), e.headers.get("Content-Type", "")
        return status, json.loads(raw) if kind.startswith("application/json") else raw.decode()


def _serve(app: Any, tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "DATABASE_URL": app.config["DATABASE_URL"].replace("+psycopg", ""), "SECRET_KEY": "front-test",
        "INSTANCE_PATH": str(tmp_path), "MEDIA_DIR": app.config["MEDIA_DIR"], "WEB_BIND": f"127.0.0.1:{port}",
        "RATELIMIT_STORAGE_URI": "memory://", "HEARTBEAT_SECONDS": "1", "HEARTBEAT_GRACE_SECONDS": "1",
        "PRESENCE_MEAN_SECONDS": "0", "IDLE_TIMEOUT_SECONDS": "300",
    }
    return subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "1", "--log-level", "warning"],
                            cwd=ROOT, env=env, stdin=subprocess.DEVNULL)


@pytest.mark.slow
def test_gunicorn_with_the_project_config_serves_the_learners_path_and_stops_cleanly(
        app: Any, make: Any, db: Any, tmp_path: Path) -> None:
    from bench.setup import free_port
    person = make.practitioner()
    enrolment = make.enrol(person, make.course(chapters=1))
    port = free_port()
    server = _serve(app, tmp_path, port)
    try:
        page = Browser(f"http://127.0.0.1:{port}")
        for _ in range(600):  # up to a minute: a worker boots in 7-11 s on this machine when it is busy
            try:
                status, answer = page.call("GET", "/api/v1/auth/csrf")
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200
        page.token = answer["csrf_token"]
        status, answer = page.call("POST", "/api/v1/auth/login", {"login": person.mobile, "password": PASSWORD})
        assert status == 200, answer
        page.token = answer["csrf_token"]
        status, answer = page.call("POST", "/api/v1/study/streams", {
            "enrolment_id": enrolment.id, "chapter_id": enrolment.course.chapters[0].id})
        assert status == 201, answer
        stream, credited = answer["stream"], []
        for seq in range(1, 4):
            status, answer = page.call("POST", "/api/v1/study/heartbeat", {"stream": stream, "seq": seq,
                                                                           "position": 0})
            assert status == 200, answer
            credited.append(answer["credited_seconds"])
            time.sleep(0.7)
        assert credited[0] == 0 and all(0.6 <= c <= 2.0 for c in credited[1:]), credited
        db.expire_all()
        progress = db.query(ChapterProgress).filter_by(enrolment_id=enrolment.id).one()
        assert progress.credited_ms == round(sum(credited) * 1000)
        status, html = page.call("GET", "/")
        assert status == 200 and "学时" in html
        status, answer = page.call("POST", "/api/v1/study/heartbeat", {"stream": "x", "seq": 1})
        assert status in (400, 409) and answer["message"]  # Flask's Chinese error, through the front
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(20)
    assert code == 0  # the lifespan shutdown closed the lane's pool and the Flask threads

