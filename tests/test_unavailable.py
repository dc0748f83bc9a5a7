"""While the database cannot be reached: 503 with Retry-After and a Chinese page or JSON error, from Flask and the lane.

Against real unreachable databases, nothing faked: an app configured with a PostgreSQL address where nothing listens
(the lane's connections and Flask's pool both fail to connect), and a private PostgreSQL cluster (bench/pgcluster.py)
stopped under a running app and started again (connections lost, then refused, then good again).
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import request

from bench.pgcluster import Cluster, free_port
from lms import create_app
from lms.db import Base
from lms.errors import Unavailable
from tests.conftest import PASSWORD, Factory, base_config
from tests.test_lane_input import asgi_post

RETRY = str(Unavailable.retry_after)


@pytest.fixture
def unreachable(tmp_path: Any) -> Iterator[Any]:
    """An app whose PostgreSQL address has nothing listening (CSRF on, as in production)."""
    app = create_app(base_config(tmp_path) | {
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/xst", "WTF_CSRF_ENABLED": True})
    yield app
    app.extensions["xst_db"].dispose()


def _signed_in(app: Any, person_id: int = 1, version: int = 0) -> dict[str, str]:
    """The cookie and CSRF header of a session the app signed (no database needed to make one)."""
    from flask_wtf.csrf import generate_csrf
    with app.test_request_context():
        token = generate_csrf()
        from flask import session
        session["_user_id"] = f"{person_id}:{version}"
        session["_login"] = 1  # the login it names (lms/accounts/sessions.py)
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return {"cookie": f"session={cookie}", "x-csrftoken": token, "content-type": "application/json"}


def test_a_page_that_needs_the_database_answers_503_with_retry_after_and_a_chinese_page(unreachable: Any) -> None:
    c = unreachable.test_client()
    headers = _signed_in(unreachable)
    c.set_cookie("session", headers["cookie"].removeprefix("session="))
    r = c.get("/")  # loading the signed-in account needs the database
    html = r.get_data(as_text=True)
    assert r.status_code == 503 and r.headers["Retry-After"] == RETRY
    assert "暂时无法服务" in html and Unavailable.message in html and "错误代码 503" in html
    assert "退出" not in html  # the page's header did not try to load the account


def test_an_api_call_that_needs_the_database_answers_503_json_with_retry_after(unreachable: Any) -> None:
    c = unreachable.test_client()
    c.set_cookie("session", _signed_in(unreachable)["cookie"].removeprefix("session="))
    r = c.get("/api/v1/me")
    assert r.status_code == 503 and r.headers["Retry-After"] == RETRY
    assert r.json == {"error": "unavailable", "message": Unavailable.message}
    # On a rate-limited route Flask-Limiter raises Retry-After to its window's reset (headers_enabled), never lower.
    token = c.get("/api/v1/auth/csrf").json["csrf_token"]
    r = c.post("/api/v1/auth/login", json={"login": "13800000000", "password": PASSWORD},
               headers={"X-CSRFToken": token})
    assert r.status_code == 503 and int(r.headers["Retry-After"]) >= Unavailable.retry_after
    assert r.json == {"error": "unavailable", "message": Unavailable.message}


@pytest.mark.parametrize("path, body", [
    ("/api/v1/study/heartbeat", {"stream": "s1", "seq": 2, "position": 0}),
    ("/api/v1/exams/bookings", {"session_id": 7})])
def test_the_lane_answers_503_itself_when_it_cannot_connect(unreachable: Any, path: str, body: dict[str, Any]) -> None:
    """The lane's connection fails to open: Flask's could not either, so the lane answers Flask's 503 at once and no
    Flask thread waits to fail the same way."""
    from lms.asgi import Front
    headers = _signed_in(unreachable)
    seen: list[str] = []
    unreachable.teardown_request(lambda _exc: seen.append(request.path))

    async def call() -> tuple[int, dict[str, Any], list[Any]]:
        front = Front(unreachable)
        assert path in front.lane.routes
        sent: list[Any] = []
        try:
            status, answer = await asgi_post(front, path, json.dumps(body).encode(), headers, sent)
            return status, answer, sent
        finally:
            await front.lane.close()
            front.flask.executor.shutdown(wait=True)
    status, answer, sent = asyncio.run(call())
    assert status == 503 and answer == {"error": "unavailable", "message": Unavailable.message}
    assert (b"retry-after", RETRY.encode()) in sent[0]["headers"]
    assert seen == []  # Flask never saw it


def test_a_database_stopped_and_started_under_the_app_answers_503_then_serves_again(tmp_path: Any) -> None:
    cluster = Cluster()
    try:
        app = create_app(base_config(tmp_path) | {"DATABASE_URL": cluster.url, "DATABASE_PING_IDLE_SECONDS": 0})
        Base.metadata.create_all(app.extensions["xst_db"].engine)
        with app.app_context(), app.extensions["xst_db"].factory() as s:
            person = Factory(app, s).practitioner()
        c = app.test_client()
        login = {"login": person.mobile, "password": PASSWORD}
        assert c.post("/api/v1/auth/login", json=login).status_code == 200
        assert c.get("/api/v1/me").status_code == 200
        cluster.stop()  # the pool's connections are lost, then new ones are refused
        for _ in range(2):
            r = c.get("/api/v1/me")
            assert r.status_code == 503 and r.headers["Retry-After"] == RETRY, r.get_data(as_text=True)
            assert r.json["error"] == "unavailable"
        cluster.start()
        r = c.get("/api/v1/me")  # the pool checks a connection idle for longer than 0 s: a fresh one serves
        assert r.status_code == 200 and r.json["person"]["id"] == person.id
        app.extensions["xst_db"].dispose()
    finally:
        cluster.close()


# Bodies that pass the checks made before the database is asked (other calls take {} or read ids from the URL).
BODIES = {"/auth/login": {"login": "13800000000", "password": PASSWORD}, "/study/heartbeat": {"stream": "s1", "seq": 1},
          "/exams/bookings": {"session_id": 1}}
# Registrations check every field before the database; the empty body is refused (400) first.
CHECKED_FIRST = {"/auth/register", "/orgs/register"}


def test_every_api_operation_answers_an_outage_as_its_description_says(unreachable: Any) -> None:
    """lms/api/openapi.yaml lists 503 (with Retry-After) on every operation that needs the database; with the
    database away each of them answers exactly that, and the ones that list no 503 still answer as described."""
    import re

    from lms.api.description import openapi

    c = unreachable.test_client()
    headers = _signed_in(unreachable)
    c.set_cookie("session", headers["cookie"].removeprefix("session="))
    token = c.get("/api/v1/auth/csrf").json["csrf_token"]
    problems = []
    for path, item in openapi()["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post"):
                continue
            url = "/api/v1" + re.sub(r"\{year\}", "2026", re.sub(r"\{[a-z_]+\}", "1", path))
            multipart = "multipart/form-data" in op.get("requestBody", {}).get("content", {})
            kw: dict[str, Any] = {"data": {"version": "1", "kind": "training"}} if multipart else (
                {"json": BODIES.get(path, {})} if method == "post" else {})
            r = c.open(url, method=method.upper(), headers={"X-CSRFToken": token}, **kw)
            r.close()
            described = op["responses"]
            if str(r.status_code) not in described:
                problems.append(f"{method.upper()} {path}: {r.status_code} is not described")
            if path in CHECKED_FIRST and r.status_code == 400:
                continue
            if "503" in described and (r.status_code != 503 or int(r.headers.get("Retry-After", "0")) < 1):
                problems.append(f"{method.upper()} {path}: {r.status_code} (Retry-After "
                                f"{r.headers.get('Retry-After')}) while the database is away")
    assert problems == [], "\n".join(problems)
