"""Uploads over reused keep-alive connections, as a browser sends them (issue 15: large bodies dropped).

A clerk logs in through the login form, then, again and again on the same kept-alive connection, loads the
courseware upload form and posts a file of 1-20 MB to it (multipart, with the form's CSRF token). Every upload
must get an answer: the page that says what is wrong with the file (these files are not courseware packages).
A connection closed without an answer is a dropped upload; the client then opens a new connection, as a browser
would, and goes on.

Why uploads were dropped: gunicorn 27's ASGI worker, with the gunicorn_h1c C parser, answers a request and only
then resets its parser for the next one. A browser sends its next request as soon as it has the answer; what
arrives before the reset is kept as the "remaining" tail of the finished message, at most 64 KiB
(gunicorn_h1c's limit_remaining). The rest of a larger request is dropped, the parser says so
(remaining_truncated), and the worker closes the connection without answering (gunicorn/asgi/protocol.py,
"A capped tail cannot be safely replayed"). Flask under a2wsgi answers from a thread, which widens the window
between answer and reset, so most of a large body lands in it. gunicorn.conf.py now uses gunicorn's own
Python parser (http_parser = "python"), which keeps such a tail whole and counts it in its read backpressure.

`python -m bench.uploads BASE LOGIN PASSWORD [COUNT]` runs COUNT uploads against a served app and prints one
line: `uploads: <N> sent, <D> dropped, <E> errors, <MB> MB in <S> s`.
"""
from __future__ import annotations

import http.client
import os
import re
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
                    r'|<meta name="csrf-token" content="([^"]+)"')
_DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.BadStatusLine)


@dataclass
class Outcome:
    sent: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)
    megabytes: float = 0.0


def sizes(count: int, seed: int = 15) -> list[int]:
    """count sizes from 1 MB to 20 MB (both ends included, spread evenly, in a fixed shuffled order)."""
    import random
    mb = 1024 * 1024
    spread = [mb + (19 * mb * i) // max(1, count - 1) for i in range(count)]
    random.Random(seed).shuffle(spread)
    return spread


class Browser:
    """One kept-alive HTTP/1.1 connection with a cookie, reopened only when the server closes it."""

    def __init__(self, base: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = {}
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=120)

    def reopen(self) -> None:
        self.conn.close()
        self.conn = self._connect()

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str]:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=sent)
        r = self.conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        for value in r.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if r.will_close:
            self.reopen()
        return r.status, text


def token(page: str) -> str:
    m = _TOKEN.search(page)
    if not m:
        raise RuntimeError("no CSRF token on the page")
    return next(g for g in m.groups() if g)


def multipart(fields: dict[str, str], name: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                 f"Content-Type: application/zip\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def run(base: str, login: str, password: str, upload_sizes: list[int]) -> Outcome:
    """Log in through the form, then upload one file per size over the kept-alive connection."""
    out = Outcome()
    b = Browser(base)
    status, page = b.request("GET", "/login")
    form = urllib.parse.urlencode({"csrf_token": token(page), "login": login, "password": password}).encode()
    status, page = b.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 302:
        raise RuntimeError(f"login failed: {status}")
    filler = os.urandom(1024 * 1024)
    for size in upload_sizes:
        data = (filler * (size // len(filler) + 1))[:size]
        try:
            status, page = b.request("GET", "/admin/courses/upload")  # the form, as a browser loads it first
            body, kind = multipart({"csrf_token": token(page), "year": "2026"}, "package", "course.zip", data)
            status, page = b.request("POST", "/admin/courses/upload", body, {"Content-Type": kind})
        except _DROPPED:
            out.dropped += 1
            b.reopen()
            continue
        out.sent += 1
        out.megabytes += size / 1024 / 1024
        if status != 200 or "课件包未导入" not in page:
            out.errors.append(f"{size} bytes: {status}")
    b.conn.close()
    return out


def main() -> None:
    base, login, password = sys.argv[1:4]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 200
    started = time.monotonic()
    out = run(base, login, password, sizes(count))
    print(f"uploads: {out.sent} sent, {out.dropped} dropped, {len(out.errors)} errors, "
          f"{out.megabytes:.0f} MB in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
