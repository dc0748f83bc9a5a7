"""The ASGI front that gunicorn serves (gunicorn.conf.py: worker_class "asgi", app lms.asgi:create_asgi_app()).

One event loop per worker process takes every connection (gunicorn's own HTTP parser, uvloop). The steady
heartbeat and the booking rush are answered on that loop by the lane (lms/lane.py) when it can vouch for
them; everything else — every page, form, upload, download and API call, and whatever the lane leaves — is
the Flask app, run in a small pool of threads by a2wsgi. Flask sees the same WSGI environ as under a WSGI
server (client address, scheme, headers, body), so its checks, error pages and limits apply unchanged.

Why: a gthread worker hands every request from its poller thread to a request thread and back, and on
the 2-core machine those GIL hand-offs left each process at about half a core; the heartbeats, most of the
peak's requests, need neither a thread nor Flask, and neither do the booking rush's (README, "Measured
performance").
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from a2wsgi import WSGIMiddleware
from flask import Flask

from .errors import Unavailable
from .lane import MAX_BODY, SECURITY_HEADERS, Lane, RouteFactory
from .study.lane import HeartbeatRoute

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def create_asgi_app(config: dict[str, Any] | None = None) -> Front:
    from . import create_app
    return Front(create_app(config))


def lane_routes() -> list[RouteFactory]:
    """The lane's routes: the heartbeat, and the booking when the exams package is installed (as create_app)."""
    routes: list[RouteFactory] = [HeartbeatRoute.for_app]
    try:
        from exams.lane import BookingRoute
    except ImportError:
        pass
    else:
        routes.append(BookingRoute.for_app)
    return routes


class Front:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.flask = WSGIMiddleware(app, workers=int(app.config.get("WEB_THREADS", 2)))  # type: ignore[arg-type]
        self.lane = Lane(app, lane_routes())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] == "http" and self.lane.wants(scope):
            try:
                body = await _small_body(scope, receive)
            except ConnectionAbortedError:
                return  # the client went away while sending the body: no one to answer
            if body is not None:
                answer = await self.lane.answer(scope, body)
                if answer is not None:
                    status, content = answer
                    headers = [*SECURITY_HEADERS, (b"content-length", str(len(content)).encode())]
                    if status == Unavailable.status:
                        headers.append((b"retry-after", str(Unavailable.retry_after).encode()))
                    await send({"type": "http.response.start", "status": status, "headers": headers})
                    await send({"type": "http.response.body", "body": content})
                    return
                receive = _replay(body, receive)
        await self.flask(scope, receive, send)  # type: ignore[arg-type]

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.lane.close()
                self.flask.executor.shutdown(wait=True)
                self.app.extensions["xst_db"].dispose()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _small_body(scope: Scope, receive: Receive) -> bytes | None:
    """The whole body of a request that declares a Content-Length of at most MAX_BODY; None (nothing read)
    for any other request, which then goes to Flask as it came."""
    length = next((v for k, v in scope["headers"] if k.lower() == b"content-length"), b"")
    if not length.isdigit() or not 0 < int(length) <= MAX_BODY:
        return None
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ConnectionAbortedError(message["type"])
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """receive() for the next app: the body already read, then whatever the connection says next."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def again() -> dict[str, Any]:
        return pending.pop() if pending else await receive()
    return again
