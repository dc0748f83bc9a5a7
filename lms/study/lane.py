"""The heartbeat lane: the steady heartbeat answered in front of the Flask request cycle (PostgreSQL).

Every learner with the player open sends a beat every HEARTBEAT_SECONDS; at the year-end peak these are
most of the requests the servers see, and the Flask cycle around the one-statement beat (request context,
routing, before/after hooks, session object, limiter, JSON response, and under gunicorn's ASGI worker the
hand-off to a WSGI thread and back) costs more than the beat itself. The ASGI front (lms/asgi.py) gives the
lane POST /api/v1/study/heartbeat first; it runs on the worker's event loop with its own small pool of
asynchronous PostgreSQL connections, and answers only when it can decide the beat exactly as Flask would:

* the session cookie verifies with the app's own session serializer (itsdangerous, the same keys and
  max age as Flask) and names an account (``_user_id``), and no remember-me restore is involved;
* CSRF (when enabled) passes flask-wtf's checks made with flask-wtf's primitives: the signed token from
  the X-CSRFToken header is valid for the app's key, salt and time limit and matches the session's token,
  and on HTTPS the referrer is of the same origin;
* the body is a JSON object of at most 1 KiB that check_beat_input() accepts;
* the one-statement steady beat (operations._HEARTBEAT_PG, in autocommit) decides it: the account is
  active with the same session version, the stream holds the clock, and the beat credits time or comes
  too soon after the last one (429, Flask's error body; nothing changed).

Anything else — a first beat, a refusal, a prompt, a bad token, SQLite — goes on to Flask untouched (the
front hands the body on), where the full checks and error pages apply; the statement changed nothing then.

The lane keeps HEARTBEAT_LANE_CONNECTIONS connections per process; beats that arrive while all are busy go
together as one pipelined transaction (one WAL flush) on the next free one (_Batches).
"""
from __future__ import annotations

import asyncio
import functools
import hmac
import json
import time
from typing import Any

from flask import Flask
from flask_wtf.csrf import same_origin
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from psycopg import AsyncConnection
from werkzeug.http import parse_cookie

from .. import clock
from ..db import Database, transaction
from ..errors import DomainError
from .operations import _HEARTBEAT_PG, SteadyBeat, StudySettings, check_beat_input, refresh_completion

PATH = "/api/v1/study/heartbeat"
MAX_BODY = 1024
SECURITY_HEADERS = [(b"content-type", b"application/json"), (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"SAMEORIGIN"), (b"referrer-policy", b"same-origin"), (b"vary", b"Cookie")]


class HeartbeatLane:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.db: Database = app.extensions["xst_db"]
        self.enabled = self.db.is_postgres and bool(app.config.get("HEARTBEAT_LANE", True))
        self._signers: tuple[Any, ...] = ()
        self._connections = _Connections(
            self.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
            int(app.config.get("HEARTBEAT_LANE_CONNECTIONS", 4)))
        self._batches = _Batches(self._connections)

    def wants(self, scope: dict[str, Any]) -> bool:
        return self.enabled and scope["path"] == PATH and scope["method"] == "POST"

    async def answer(self, scope: dict[str, Any], body: bytes) -> tuple[int, bytes] | None:
        """(status, JSON body) when the steady-beat statement decides this request — credited, or refused as
        too frequent with Flask's own error body — else None (nothing changed)."""
        beat = self._check(_headers(scope), scope.get("scheme", "http"), body)
        if beat is None:
            return None
        try:
            row = await self._batches.run(beat)
        except Exception:  # one statement, or one transaction for a batch: nothing was credited; Flask
            # retries the beat and answers any error
            self.app.logger.exception("heartbeat lane: handing the beat to Flask")
            return None
        if row is None:
            return None
        try:
            result, completed = beat.answer(row)
        except DomainError as refused:
            return refused.status, _json({"error": refused.code, "message": refused.message})
        if completed is not None:  # a chapter was just completed: the course's completion, in a transaction
            result["course_complete"] = await asyncio.to_thread(self._complete, completed, beat)
        return 200, _json(result)

    async def close(self) -> None:
        await self._connections.close()

    def _complete(self, enrolment_id: int, beat: SteadyBeat) -> bool:
        s = self.db.factory()
        try:
            with transaction(s):
                return refresh_completion(s, enrolment_id, beat.now)
        finally:
            s.close()

    def _serializers(self) -> tuple[_Verified | None, _Verified]:
        """The app's session serializer and flask-wtf's CSRF serializer, made once per secret key."""
        app = self.app
        key = (app.secret_key, app.config.get("SECRET_KEY_FALLBACKS"), app.config.get("WTF_CSRF_SECRET_KEY"))
        if not self._signers or self._signers[0] != key:
            session = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
            csrf = URLSafeTimedSerializer(app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key,
                                          salt="wtf-csrf-token")
            self._signers = (key, session and _Verified(session), _Verified(csrf))
        return self._signers[1], self._signers[2]

    def _check(self, headers: dict[str, str], scheme: str, body: bytes) -> SteadyBeat | None:
        """The beat when cookie, CSRF and body pass the checks Flask would make; None: Flask decides."""
        if not headers.get("content-type", "").startswith("application/json"):
            return None
        app, cfg = self.app, self.app.config
        cookie = parse_cookie(headers.get("cookie", "")).get(cfg["SESSION_COOKIE_NAME"])
        serializer, csrf = self._serializers()
        if not cookie or serializer is None:
            return None
        try:
            sess = serializer.loads(cookie, int(app.permanent_session_lifetime.total_seconds()))
            person_id, version = (int(x) for x in sess["_user_id"].split(":"))
        except (BadData, KeyError, AttributeError, ValueError, TypeError):
            return None
        if not self._csrf_ok(headers, scheme, sess, csrf):
            return None
        try:
            stream, seq, position = check_beat_input(json.loads(body))
        except (ValueError, DomainError):
            return None
        settings = app.extensions.get("xst_study_settings")
        if settings is None:  # made once per app, as lms.api.settings() does
            settings = app.extensions["xst_study_settings"] = StudySettings.from_config(cfg)
        return SteadyBeat.of(clock.now(), person_id, version, stream, seq, position, settings)

    def _csrf_ok(self, headers: dict[str, str], scheme: str, sess: dict[str, Any], signer: _Verified) -> bool:
        """flask-wtf's CSRFProtect.protect() for this request, made with the same primitives."""
        cfg = self.app.config
        if not cfg.get("WTF_CSRF_ENABLED", True) or not cfg.get("WTF_CSRF_CHECK_DEFAULT", True):
            return True
        field = cfg.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        token = next((headers[h.lower()] for h in cfg.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
                      if headers.get(h.lower())), None)
        if not token or field not in sess:
            return False
        try:
            value = signer.loads(token, cfg.get("WTF_CSRF_TIME_LIMIT", 3600))
        except BadData:
            return False
        if not isinstance(value, str) or not hmac.compare_digest(sess[field], value):
            return False
        if scheme == "https" and cfg.get("WTF_CSRF_SSL_STRICT", True):
            referrer, host = headers.get("referer"), headers.get("host")
            return bool(referrer and host and same_origin(referrer, f"https://{host}/"))
        return True


class _Connections:
    """The lane's PostgreSQL connections in autocommit: a fixed number per worker process, each opened on the
    worker's event loop when first needed (after gunicorn forked the worker). A statement waits for a free
    one (the most recently used first); a connection whose statement failed or was cancelled is closed and
    opened afresh on its next use.

    Measured against psycopg_pool's AsyncConnectionPool here: its checkout and return (a timed wait, a
    status check and a task per use) cost a fifth of the lane's CPU per beat, and this lane needs none of
    its sizing or maintenance: it runs one short statement per use.
    """

    def __init__(self, conninfo: str, size: int) -> None:
        self.conninfo, self.size = conninfo, max(1, size)
        self._free: asyncio.Queue[AsyncConnection[Any] | None] | None = None

    async def fetch_each(self, sql: str, params: list[dict[str, Any]]) -> list[Any]:
        """Run `sql` once per parameter set in one transaction, all sent at once (pipeline mode): each run's
        first row (or None). One commit, so one WAL flush, for the whole batch."""
        if self._free is None:
            self._free = asyncio.LifoQueue()  # the last one used first: under light load, one stays warm
            for _ in range(self.size):
                self._free.put_nowait(None)
        free = self._free
        conn = await free.get()
        try:
            if conn is None or conn.closed:
                conn = await AsyncConnection.connect(self.conninfo, autocommit=True)
            if len(params) == 1:
                cur = await conn.execute(sql, params[0], prepare=True)
                return [await cur.fetchone()]
            async with conn.pipeline():
                async with conn.transaction():
                    cursors = [await conn.execute(sql, p, prepare=True) for p in params]
            return [await c.fetchone() for c in cursors]
        except BaseException:
            if conn is not None:
                await conn.close()
            conn = None
            raise
        finally:
            free.put_nowait(conn)

    async def close(self) -> None:
        while self._free is not None and not self._free.empty():
            conn = self._free.get_nowait()
            if conn is not None:
                await conn.close()
        self._free = None


class _Batches:
    """Beats waiting for the database, sent as one transaction per batch, one batch per free connection.

    Every beat commits, and a commit waits for PostgreSQL's WAL flush: measured at the peak, the backends
    spent their time waiting on WALSync/WALWrite with CPU to spare, and a slow flush made beats queue for
    connections until the run collapsed. A beat that finds a connection free goes at once, alone; beats
    that arrive while every connection is busy go together in the next batch (one flush for all). A
    person's beat waits while another of theirs is on its way (no two in one batch or in two batches).
    """
    MAX = 64

    def __init__(self, connections: _Connections) -> None:
        self.connections = connections
        self.waiting: list[tuple[SteadyBeat, asyncio.Future[Any]]] = []
        self.busy = 0
        self.people: set[int] = set()  # whose beat is on its way
        self.largest = 0  # the largest batch sent so far
        self.senders: set[asyncio.Task[None]] = set()

    async def run(self, beat: SteadyBeat) -> Any:
        """The beat's row of the statement, or None."""
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting.append((beat, done))
        if self.busy < self.connections.size:
            self.busy += 1
            sender = asyncio.create_task(self._send())
            self.senders.add(sender)
            sender.add_done_callback(self.senders.discard)
        return await done

    def _take(self) -> list[tuple[SteadyBeat, asyncio.Future[Any]]]:
        batch, later = [], []
        for item in self.waiting:
            beat, done = item
            if done.done():  # its request was cancelled: the client went away
                continue
            if beat.person_id in self.people or len(batch) >= self.MAX:
                later.append(item)
            else:
                self.people.add(beat.person_id)
                batch.append(item)
        self.waiting = later
        self.largest = max(self.largest, len(batch))
        return batch

    async def _send(self) -> None:
        batch: list[tuple[SteadyBeat, asyncio.Future[Any]]] = []
        try:
            while batch := self._take():
                try:
                    rows = await self.connections.fetch_each(_HEARTBEAT_PG, [beat.params for beat, _ in batch])
                except Exception as exc:  # nothing of the batch was committed: each request goes to Flask
                    rows, failed = [], exc
                else:
                    failed = None
                for i, (beat, done) in enumerate(batch):
                    self.people.discard(beat.person_id)
                    if done.done():
                        continue
                    if failed is not None:
                        done.set_exception(failed)
                    else:
                        done.set_result(rows[i])
        finally:
            self.busy -= 1
            for beat, done in batch:  # cancelled or failed half-way: no request is left waiting
                self.people.discard(beat.person_id)
                if not done.done():
                    done.set_exception(RuntimeError("heartbeat lane: batch not finished"))


class _Verified:
    """A signed value's verification (itsdangerous), remembered by the value's exact text.

    A learner's page sends the same session cookie and CSRF token with every beat; checking their HMAC once
    per process instead of on every beat halves the lane's CPU. Only text that verified is remembered (a
    forged or altered value is a different text and is checked, and refused, every time), per secret key
    (a new key makes a new cache), and the age limit is applied on every use as itsdangerous applies it:
    0 <= now - signing time <= max_age, in whole seconds.
    """

    def __init__(self, serializer: URLSafeTimedSerializer, size: int = 65536) -> None:
        self.serializer = serializer
        self._verify = functools.lru_cache(maxsize=size)(self._check_signature)

    def _check_signature(self, text: str) -> tuple[Any, int]:
        value, signed = self.serializer.loads(text, return_timestamp=True)
        return value, int(signed.timestamp())

    def loads(self, text: str, max_age: int | None) -> Any:
        """The signed value; BadData if the signature is bad or, with a max_age, it is too old or from the future."""
        value, signed = self._verify(text)
        if max_age is not None and not 0 <= int(time.time()) - signed <= max_age:
            raise SignatureExpired("signature expired")
        return value


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    """The request's headers by lower-case name, a repeated one joined with "," as Flask will see it (a2wsgi)."""
    out: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        out[name] = out[name] + "," + value if name in out else value
    return out
