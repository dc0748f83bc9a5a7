"""The lane: the peak's hottest API calls answered in front of the Flask request cycle (PostgreSQL).

At the year-end peak two calls are most of what the servers see: the player's heartbeat, every
HEARTBEAT_SECONDS from every learner with a course open, and the booking rush when an exam plan's sessions
open. For both, the Flask cycle around the one statement that decides them (request context, routing,
before/after hooks, session object, limiter, JSON response, and under gunicorn's ASGI worker the hand-off to
a WSGI thread and back) costs more than the statement itself. The ASGI front (lms/asgi.py) gives the lane
those requests first; it runs on the worker's event loop with a few asynchronous PostgreSQL connections per
route, and answers only when it can decide the request exactly as Flask would:

* the request is a POST to one of the lane's routes with a JSON body of at most MAX_BODY bytes;
* the session cookie verifies with the app's own session serializer (itsdangerous, the same keys and
  max age as Flask) and names an account (``_user_id``), and no remember-me restore is involved;
* CSRF (when enabled) passes flask-wtf's checks made with flask-wtf's primitives: the signed token from
  the X-CSRFToken header is valid for the app's key, salt and time limit and matches the session's token,
  and on HTTPS the referrer is of the same origin;
* the route's own checks of the body pass and its one statement, which checks the account itself (active,
  same session version), decides the answer.

Anything else — a bad token, an answer the statement leaves open, a failed connection, SQLite — goes on to
Flask untouched (the front hands the body on), where the full checks and error pages apply; the statement
changed nothing then. The routes: lms/study/lane.py (heartbeat) and exams/lane.py (booking).
"""
from __future__ import annotations

import asyncio
import hmac
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

import psycopg
from flask import Flask
from flask_wtf.csrf import same_origin
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from psycopg import AsyncConnection
from psycopg.pq import TransactionStatus
from werkzeug.http import parse_cookie

from .db import CONNECT_TIMEOUT_S, Database
from .errors import Unavailable
from .proxies import client_address, networks_of
from .validation import is_json

MAX_BODY = 1024
LOGIN_KEY = "_login"  # lms.accounts.sessions.SESSION_KEY: the open login the route's statement checks
GENERIC_PLANS = "-c plan_cache_mode=force_generic_plan"
SECURITY_HEADERS = [(b"content-type", b"application/json"), (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"SAMEORIGIN"), (b"referrer-policy", b"same-origin"), (b"vary", b"Cookie")]


class Account(NamedTuple):
    """The account a verified session cookie names, and the client's address (as Flask's request.remote_addr,
    lms/proxies.py); the route's statement checks the account is still valid."""
    person_id: int
    session_version: int
    login_id: int
    ip: str | None = None


class Route(Protocol):
    path: str

    async def answer(self, account: Account, body: bytes) -> tuple[int, bytes] | None:
        """(status, JSON body) when the route decides the request, else None (nothing changed)."""

    async def close(self) -> None:
        """Close the route's connections (the worker is stopping)."""


# A route for an app, or None when the app's configuration turns it off.
RouteFactory = Callable[[Flask, str], "Route | None"]


class Lane:
    def __init__(self, app: Flask, routes: Iterable[RouteFactory]) -> None:
        self.app = app
        db: Database = app.extensions["xst_db"]
        made: list[Route | None] = []
        if db.is_postgres:  # on SQLite every request is Flask's
            conninfo = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            made = [route(app, conninfo) for route in routes]
        self.routes: dict[str, Route] = {r.path: r for r in made if r is not None}
        self._signers: tuple[Any, ...] = ()
        self.proxies = networks_of(app)

    def wants(self, scope: dict[str, Any]) -> bool:
        return scope["method"] == "POST" and scope["path"] in self.routes

    async def answer(self, scope: dict[str, Any], body: bytes) -> tuple[int, bytes] | None:
        """(status, JSON body) when the route decides this request, else None (nothing changed)."""
        headers = _headers(scope)
        account = self._account(headers, scope.get("scheme", "http"))
        if account is None:
            return None
        return await self.routes[scope["path"]].answer(account._replace(ip=self.client_address(scope, headers)), body)

    def client_address(self, scope: dict[str, Any], headers: dict[str, str]) -> str | None:
        """The client's address exactly as Flask's request.remote_addr gives it (TrustedProxyFix)."""
        peer = scope.get("client")
        return client_address(peer[0] if peer else None, headers.get("x-forwarded-for"), self.proxies)

    async def close(self) -> None:
        for route in self.routes.values():
            await route.close()

    def _serializers(self) -> tuple[_Verified | None, _Verified]:
        """The app's session serializer and flask-wtf's CSRF serializer, made once per secret key."""
        app = self.app
        key = (app.secret_key, app.config.get("SECRET_KEY_FALLBACKS"), app.config.get("WTF_CSRF_SECRET_KEY"))
        if not self._signers or self._signers[0] != key:
            session = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
            csrf = URLSafeTimedSerializer(app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key,
                                          salt="wtf-csrf-token")
            self._signers = (key, session and _Verified(session, remember=_names_a_login), _Verified(csrf))
        return self._signers[1], self._signers[2]

    def _account(self, headers: dict[str, str], scheme: str) -> Account | None:
        """The account when the cookie and CSRF pass the checks Flask would make; None: Flask decides."""
        if not is_json(headers.get("content-type", "")):
            return None
        app = self.app
        cookie = parse_cookie(headers.get("cookie", "")).get(app.config["SESSION_COOKIE_NAME"])
        serializer, csrf = self._serializers()
        if not cookie or serializer is None:
            return None
        try:
            sess = serializer.loads(cookie, int(app.permanent_session_lifetime.total_seconds()))
            person_id, version = (int(x) for x in sess["_user_id"].split(":"))
            login_id = sess[LOGIN_KEY]
        except (BadData, KeyError, AttributeError, ValueError, TypeError):
            return None
        if not isinstance(login_id, int) or isinstance(login_id, bool):
            return None
        if not self._csrf_ok(headers, scheme, sess, csrf):
            return None
        return Account(person_id, version, login_id)

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


class Unreachable(psycopg.OperationalError):
    """The lane could not open a connection: the database is down or refusing connections. Flask could not
    either, so the route answers 503 itself (errors.Unavailable) rather than queueing the request for a Flask
    thread that would wait to fail the same way."""


class Connections:
    """A route's PostgreSQL connections in autocommit: a fixed number per worker process, each opened on the
    worker's event loop when first needed (after gunicorn forked the worker). A statement waits for a free
    one (the most recently used first). A connection that is not idle and healthy after a failure (lost
    with the server, cancelled mid-statement) is closed and opened afresh on its next use; one whose
    statement was refused (a constraint, in autocommit) is kept.

    The lane's statements take arrays of requests and run with their generic plans (lms.db.GENERIC_PLAN), set
    for each connection's whole session.

    Measured against psycopg_pool's AsyncConnectionPool here: its checkout and return (a timed wait, a
    status check and a task per use) cost a fifth of the lane's CPU per beat, and the lane needs none of
    its sizing or maintenance: it runs one short statement per use.
    """

    def __init__(self, conninfo: str, size: int) -> None:
        self.conninfo, self.size = conninfo, max(1, size)
        self._free: asyncio.Queue[AsyncConnection[Any] | None] | None = None  # made on the worker's loop

    async def fetch_all(self, sql: str, params: dict[str, Any]) -> list[Any]:
        """Run one statement (in autocommit: its own transaction, one WAL flush) and return its rows."""
        if self._free is None:
            self._free = asyncio.LifoQueue()  # the last one used first: under light load, one stays warm
            for _ in range(self.size):
                self._free.put_nowait(None)
        free = self._free
        conn = await free.get()
        try:
            if conn is None or conn.closed:
                conn = None
                try:
                    conn = await AsyncConnection.connect(self.conninfo, autocommit=True, options=GENERIC_PLANS,
                                                         connect_timeout=CONNECT_TIMEOUT_S)
                except psycopg.OperationalError as exc:
                    raise Unreachable(str(exc)) from exc
            cur = await conn.execute(sql, params, prepare=True)
            return await cur.fetchall()
        except BaseException:
            if conn is not None and (conn.broken or conn.closed
                                     or conn.info.transaction_status != TransactionStatus.IDLE):
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


class Batched(Protocol):
    """A request waiting in Batches: whose it is, and which statement's batch it may join."""
    @property
    def person_id(self) -> int: ...

    @property
    def group(self) -> Hashable: ...


B = TypeVar("B", bound=Batched)


class Batches(Generic[B]):
    """Requests waiting for the database, sent together as one statement per batch (one transaction, one WAL
    flush), at most `senders` batches of a group at a time.

    Every request commits, and a commit waits for PostgreSQL's WAL flush: measured at the peak, the backends
    spent their time waiting on WALSync/WALWrite with CPU to spare, and a slow flush made requests queue for
    connections until the run collapsed. A request that finds its group idle goes at once, alone; those that
    arrive while its group's batches are on their way go together in the next one. The statement takes the
    batch's parameters (`params`) and returns at most one row per request, whose first column is the
    person's id; so a person's request waits while another of theirs is on its way (never two in one batch
    or in two batches).
    """
    MAX = 64

    def __init__(self, connections: Connections, sql: str, params: Callable[[list[B]], dict[str, Any]],
                 senders: int) -> None:
        self.connections, self.sql, self.params, self.senders = connections, sql, params, max(1, senders)
        self.waiting: dict[Hashable, list[tuple[B, asyncio.Future[Any]]]] = {}
        self.busy: dict[Hashable, int] = {}
        self.people: set[int] = set()  # whose request is on its way
        self.largest = 0  # the largest batch sent so far
        self.tasks: set[asyncio.Task[None]] = set()

    async def run(self, item: B) -> Any:
        """The request's row of the statement, or None; the statement's error if its batch failed (then
        nothing of the batch was committed; see _answers)."""
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        group = item.group
        self.waiting.setdefault(group, []).append((item, done))
        if self.busy.get(group, 0) < self.senders:
            self.busy[group] = self.busy.get(group, 0) + 1
            task = asyncio.create_task(self._send(group))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return await done

    def _take(self, group: Hashable) -> list[tuple[B, asyncio.Future[Any]]]:
        batch, later = [], []
        for entry in self.waiting.get(group, []):
            item, done = entry
            if done.done():  # its request was cancelled: the client went away
                continue
            if item.person_id in self.people or len(batch) >= self.MAX:
                later.append(entry)
            else:
                self.people.add(item.person_id)
                batch.append(entry)
        if later:
            self.waiting[group] = later
        else:
            self.waiting.pop(group, None)
        self.largest = max(self.largest, len(batch))
        return batch

    async def _send(self, group: Hashable) -> None:
        batch: list[tuple[B, asyncio.Future[Any]]] = []
        try:
            while batch := self._take(group):
                answers = await self._answers([item for item, _ in batch])
                for (item, done), answer in zip(batch, answers, strict=True):
                    self.people.discard(item.person_id)
                    if done.done():
                        continue
                    if isinstance(answer, Exception):
                        done.set_exception(answer)
                    else:
                        done.set_result(answer)
        finally:
            self.busy[group] -= 1
            if not self.busy[group]:
                del self.busy[group]
            for item, done in batch:  # cancelled or failed half-way: no request is left waiting
                self.people.discard(item.person_id)
                if not done.done():
                    done.set_exception(RuntimeError("lane: batch not finished"))


    async def _answers(self, items: list[B]) -> list[Any]:
        """Each item's row (or None), or the exception that failed its statement (nothing of it committed).

        A batch the database refuses for its data (a value out of a column's range, text it cannot store: the
        checks before the lane should let none through) is sent again one request at a time, so that one bad
        request fails alone and never the requests batched with it. A lost connection fails the batch whole."""
        try:
            rows = await self.connections.fetch_all(self.sql, self.params(items))
        except Exception as exc:
            if len(items) == 1 or isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
                return [exc] * len(items)
            return [answer for item in items for answer in await self._answers([item])]
        by_person = {row[0]: row for row in rows}
        return [by_person.get(item.person_id) for item in items]


class _Verified:
    """A signed value's verification (itsdangerous), remembered by the value's exact text.

    A learner's page sends the same session cookie and CSRF token with every call; checking their HMAC once
    per process instead of on every call halves the lane's CPU. Only text that verified and that `remember`
    accepts is remembered (a forged or altered value is a different text and is checked, and refused, every
    time; a session cookie that names no login — anyone's first visit — is not kept, or every anonymous page
    would churn the cache), per secret key (a new key makes a new cache), at most `size` texts, the least
    recently used leaving first. The age limit is applied on every use as itsdangerous applies it:
    0 <= now - signing time <= max_age, in whole seconds. Remembering a cookie never outlives its login: the
    route's statement checks the login is still open on every request.
    """

    def __init__(self, serializer: URLSafeTimedSerializer, size: int = 65536,
                 remember: Callable[[Any], bool] = lambda _value: True) -> None:
        self.serializer, self.size, self.remember = serializer, size, remember
        self._known: OrderedDict[str, tuple[Any, int]] = OrderedDict()

    def loads(self, text: str, max_age: int | None) -> Any:
        """The signed value; BadData if the signature is bad or, with a max_age, it is too old or from the future."""
        known = self._known.get(text)
        if known is None:
            value, signed_at = self.serializer.loads(text, return_timestamp=True)
            known = value, int(signed_at.timestamp())
            if self.remember(value):
                self._known[text] = known
                if len(self._known) > self.size:
                    self._known.popitem(last=False)
        else:
            self._known.move_to_end(text)
        value, signed = known
        if max_age is not None and not 0 <= int(time.time()) - signed <= max_age:
            raise SignatureExpired("signature expired")
        return value


def unavailable_body() -> tuple[int, bytes]:
    """Flask's 503 while the database cannot be reached (the front adds its Retry-After)."""
    return Unavailable.status, json_body({"error": Unavailable.code, "message": Unavailable.message})


def _names_a_login(value: Any) -> bool:
    """A session that a lane route could act for: it names an account and its login."""
    return isinstance(value, dict) and "_user_id" in value and LOGIN_KEY in value


def json_body(value: dict[str, Any]) -> bytes:
    """A JSON answer as Flask's JSON provider writes it outside debug mode (compact, sorted keys, UTF-8)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    """The request's headers by lower-case name, a repeated one joined with "," as Flask will see it (a2wsgi)."""
    out: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        out[name] = out[name] + "," + value if name in out else value
    return out
