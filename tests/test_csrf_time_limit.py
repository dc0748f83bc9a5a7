"""CSRF tokens are limited in time — at most the session's lifetime — in Flask and in the lane alike, and a token
taken before logging in is not valid after it (issue 15, finding 9)."""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from tests.conftest import PASSWORD
from tests.test_heartbeat_lane import LaneCase, _credited_ms, lane  # noqa: F401  (the lane fixture)

DAY = 86400


def _token_signed_at(app: Any, raw: str, when: int) -> str:
    """The session's CSRF value signed as flask-wtf signs it, with the signing time `when` (epoch seconds)."""
    class At(TimestampSigner):
        def get_timestamp(self) -> int:
            return when
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token", signer=At).dumps(raw)


def _raw_csrf(app: Any, client: Any) -> str:
    signer = app.session_interface.get_signing_serializer(app)
    return str(signer.loads(client.get_cookie("session").value)["csrf_token"])


def test_the_csrf_time_limit_is_the_session_lifetime_at_most(make_app: Any) -> None:
    assert make_app().config["WTF_CSRF_TIME_LIMIT"] == 31 * DAY  # Flask's default session lifetime
    assert make_app(PERMANENT_SESSION_LIFETIME=timedelta(hours=8)).config["WTF_CSRF_TIME_LIMIT"] == 8 * 3600
    assert make_app(WTF_CSRF_TIME_LIMIT=3600).config["WTF_CSRF_TIME_LIMIT"] == 3600
    assert make_app(WTF_CSRF_TIME_LIMIT=None).config["WTF_CSRF_TIME_LIMIT"] == 31 * DAY  # never unlimited


def test_a_token_signed_400_days_ago_or_in_the_future_is_refused_by_flask_and_by_the_lane(
        lane: LaneCase, db: Any, frozen_clock: Any) -> None:  # noqa: F811
    page = lane.page()
    page.beat()
    frozen_clock.advance(20)
    assert page.beat().json["credited_seconds"] == 20.0
    raw, now = _raw_csrf(lane.app, page.client), int(time.time())
    for when in (now - 400 * DAY, now + 3600, now - 31 * DAY - 60):
        frozen_clock.advance(20)
        r = page.beat(headers={"X-CSRFToken": _token_signed_at(lane.app, raw, when)})
        # Flask's refusal (the lane never answers "csrf"): the lane left the token to Flask
        assert r.status_code == 400 and r.json["error"] == "csrf", (when - now, r.json)
    assert _credited_ms(db, lane.enrolment) == 20_000
    frozen_clock.advance(20)
    assert page.beat(headers={"X-CSRFToken": _token_signed_at(lane.app, raw, now - 30 * DAY)}).status_code == 200


def test_a_csrf_token_taken_before_login_is_refused_after_it(lane: LaneCase) -> None:  # noqa: F811
    client = lane.through_front(lane.app)
    before = client.get("/api/v1/auth/csrf").json["csrf_token"]
    r = client.post("/api/v1/auth/login", json={"login": lane.person.id_number, "password": PASSWORD},
                    headers={"X-CSRFToken": before})
    assert r.status_code == 200 and r.json["csrf_token"] != before
    after = r.json["csrf_token"]
    body = {"enrolment_id": lane.enrolment.id, "chapter_id": lane.chapter_id}
    assert client.post("/api/v1/study/streams", json=body, headers={"X-CSRFToken": before}).status_code == 400
    assert client.post("/api/v1/study/streams", json=body, headers={"X-CSRFToken": after}).status_code == 201
