"""The heartbeat lane: the steady heartbeat answered in front of the Flask request cycle (PostgreSQL).

Every learner with the player open sends a beat every HEARTBEAT_SECONDS; at the year-end peak these are
most of the requests the servers see, and the Flask cycle around the one-statement beat (request context,
routing, before/after hooks, session object, limiter, JSON response) costs more than the beat itself.
This WSGI middleware answers POST /api/v1/study/heartbeat only when it can decide it exactly as Flask would:

* the session cookie verifies with the app's own session serializer (itsdangerous, the same keys and
  max age as Flask) and names an account (``_user_id``), and no remember-me restore is involved;
* CSRF (when enabled) passes flask-wtf's checks made with flask-wtf's primitives: the signed token from
  the X-CSRFToken header is valid for the app's key, salt and time limit and matches the session's token,
  and on HTTPS the referrer is of the same origin;
* the body is a JSON object of at most 1 KiB that check_beat_input() accepts;
* the one-statement steady beat (operations._HEARTBEAT_PG, on the autocommit pool) decides it: the account is active with the same
  session version, the stream holds the clock, and the beat credits time.

Anything else — a first beat, a refusal, a prompt, a bad token, SQLite — goes on to Flask untouched (the
body is handed on), where the full checks and error pages apply; the statement changed nothing then.
"""
from __future__ import annotations

import hmac
import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from flask_wtf.csrf import same_origin
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.http import parse_cookie

from .. import clock
from ..db import Database, transaction
from ..errors import DomainError
from .operations import _HEARTBEAT_PG, SteadyBeat, StudySettings, check_beat_input, refresh_completion

PATH = "/api/v1/study/heartbeat"
MAX_BODY = 1024
SECURITY_HEADERS = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "SAMEORIGIN"),
                    ("Referrer-Policy", "same-origin"), ("Vary", "Cookie")]

StartResponse = Callable[..., Any]


class HeartbeatLane:
    def __init__(self, app: Flask, wsgi_app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app, self.next = app, wsgi_app
        self._signers: tuple[Any, ...] = ()

    def _serializers(self) -> tuple[Any, URLSafeTimedSerializer]:
        """The app's session serializer and flask-wtf's CSRF serializer, made once per secret key."""
        app = self.app
        key = (app.secret_key, app.config.get("SECRET_KEY_FALLBACKS"), app.config.get("WTF_CSRF_SECRET_KEY"))
        if not self._signers or self._signers[0] != key:
            session = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
            csrf = URLSafeTimedSerializer(app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key,
                                          salt="wtf-csrf-token")
            self._signers = (key, session, csrf)
        return self._signers[1], self._signers[2]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.next(environ, start_response)
        db: Database = self.app.extensions["xst_db"]
        if not db.is_postgres or not self.app.config.get("HEARTBEAT_LANE", True):
            return self.next(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        if not 0 < length <= MAX_BODY:
            return self.next(environ, start_response)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # Flask reads it again if the lane passes
        answer = self._answer(environ, body, db)
        if answer is None:
            return self.next(environ, start_response)
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(answer))),
                                  *SECURITY_HEADERS])
        return [answer]

    def _answer(self, environ: dict[str, Any], body: bytes, db: Database) -> bytes | None:
        """The response body when the steady beat decides this request, else None (nothing changed)."""
        if not environ.get("CONTENT_TYPE", "").startswith("application/json"):
            return None
        app, cfg = self.app, self.app.config
        cookie = parse_cookie(environ).get(cfg["SESSION_COOKIE_NAME"])
        serializer, csrf = self._serializers()
        if not cookie or serializer is None:
            return None
        try:
            sess = serializer.loads(cookie, max_age=int(app.permanent_session_lifetime.total_seconds()))
            person_id, version = (int(x) for x in sess["_user_id"].split(":"))
        except (BadData, KeyError, AttributeError, ValueError, TypeError):
            return None
        if not self._csrf_ok(environ, sess, csrf):
            return None
        try:
            stream, seq, position = check_beat_input(json.loads(body))
        except (ValueError, DomainError):
            return None
        settings = app.extensions.get("xst_study_settings")
        if settings is None:  # made once per app, as lms.api.settings() does
            settings = app.extensions["xst_study_settings"] = StudySettings.from_config(cfg)
        beat = SteadyBeat.of(clock.now(), person_id, version, stream, seq, position, settings)
        conn = db.autocommit.raw_connection()
        try:
            row = conn.driver_connection.execute(_HEARTBEAT_PG, beat.params, prepare=True).fetchone()
        except Exception:  # one statement: nothing was credited; Flask retries it and answers any error
            conn.invalidate()
            app.logger.exception("heartbeat lane: handing the beat to Flask")
            return None
        finally:
            conn.close()
        if row is None:
            return None
        result, completed = beat.answer(row)
        if completed is not None:
            s = db.factory()
            try:
                with transaction(s):
                    result["course_complete"] = refresh_completion(s, completed, beat.now)
            finally:
                s.close()
        return json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode()

    def _csrf_ok(self, environ: dict[str, Any], sess: dict[str, Any], signer: URLSafeTimedSerializer) -> bool:
        """flask-wtf's CSRFProtect.protect() for this request, made with the same primitives."""
        cfg = self.app.config
        if not cfg.get("WTF_CSRF_ENABLED", True) or not cfg.get("WTF_CSRF_CHECK_DEFAULT", True):
            return True
        field = cfg.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        token = next((environ.get("HTTP_" + h.upper().replace("-", "_"))
                      for h in cfg.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
                      if environ.get("HTTP_" + h.upper().replace("-", "_"))), None)
        if not token or field not in sess:
            return False
        try:
            value = signer.loads(token, max_age=cfg.get("WTF_CSRF_TIME_LIMIT", 3600))
        except BadData:
            return False
        if not isinstance(value, str) or not hmac.compare_digest(sess[field], value):
            return False
        if environ.get("wsgi.url_scheme") == "https" and cfg.get("WTF_CSRF_SSL_STRICT", True):
            referrer, host = environ.get("HTTP_REFERER"), environ.get("HTTP_HOST")
            return bool(referrer and host and same_origin(referrer, f"https://{host}/"))
        return True
