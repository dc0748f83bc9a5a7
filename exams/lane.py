"""The lane's booking route (lms/lane.py): the rush for seats, answered on the worker's event loop.

When a plan's sessions open for booking (Wenzhou 第十条: the practitioner who finished the online study books
an exam date and session), thousands of candidates press 报名 within seconds, and most of them are told
that the seats are gone. After the lane's checks of cookie and CSRF, the route answers when the body is a
JSON object with a positive integer ``session_id`` and the one-statement booking (operations._BOOK_PG, in
autocommit) decides it: booked (201, the ticket) or full (409 no_seats_left, Flask's error body). That
statement checks the account itself (an active practitioner with the same session version) and every
booking rule in book_seat()'s order, and takes the seat with the conditional UPDATE that can never
oversell; the partial unique index refuses a second active booking. Anything else — closed, not eligible,
already booked, a double click that lost the race (the index refused it) — goes on to Flask's api_book,
which answers precisely; the statement changed nothing then.

No batches here: every booking commits alone, so that one candidate's refusal by the index never undoes
another's seat. BOOKING_LANE_CONNECTIONS connections per process, opened when the first booking comes, and
one statement at a time per exam session in each process (_Turns): a seat is taken under the session row's
lock until the commit, and when several of a process's connections waited on the same row, each commit woke
them all to wait again (measured on the 5,000-candidate rush: four waiting connections per process, 1,217 and
1,262 answers/s with p99 330 ms; one, 1,404/s with p99 155 ms). Bookings for different sessions go side by
side.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from flask import Flask
from psycopg import IntegrityError

from lms.errors import DomainError
from lms.lane import Account, Connections, json_body

from .operations import _BOOK_PG, ExamSettings, RushBooking

PATH = "/api/v1/exams/bookings"


class BookingRoute:
    path = PATH

    def __init__(self, app: Flask, conninfo: str) -> None:
        self.app = app
        self.connections = Connections(conninfo, int(app.config.get("BOOKING_LANE_CONNECTIONS", 4)))
        self.turns = _Turns()

    @classmethod
    def for_app(cls, app: Flask, conninfo: str) -> BookingRoute | None:
        return cls(app, conninfo) if app.config.get("BOOKING_LANE", True) else None

    async def answer(self, account: Account, body: bytes) -> tuple[int, bytes] | None:
        """201 with the ticket, 409 when the seats are gone, else None (nothing changed)."""
        session_id = _session_id(body)
        if session_id is None:
            return None
        rush = RushBooking.of(account.person_id, account.session_version, session_id, self._settings())
        try:
            async with self.turns.of(session_id):
                rows = await self.connections.fetch_all(_BOOK_PG, rush.params)
        except IntegrityError:
            return None  # a concurrent booking of the same person: api_book answers (already booked)
        except Exception:  # the statement failed whole: nothing was booked; Flask tries again and answers
            self.app.logger.exception("booking lane: handing the booking to Flask")
            return None
        try:
            booked = rush.outcome(rows[0] if rows else None)
        except DomainError as refused:
            return refused.status, json_body({"error": refused.code, "message": refused.message})
        if booked is None:
            return None
        return 201, json_body({"booking_id": booked[0], "ticket_no": booked[1], "session_id": session_id})

    async def close(self) -> None:
        await self.connections.close()

    def _settings(self) -> ExamSettings:
        cached: ExamSettings | None = self.app.extensions.get("xst_exam_settings")
        if cached is None:  # made once per app, as exams.views.settings() does
            cached = self.app.extensions["xst_exam_settings"] = ExamSettings.from_config(self.app.config)
        return cached


class _Turns:
    """One holder at a time per key (an exam session), in arrival order; a key's lock lives only while
    someone holds or awaits it, so ids sent by clients do not pile up."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def of(self, key: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


def _session_id(body: bytes) -> int | None:
    """The body's session_id when it is what api_book accepts (a JSON object, a positive integer), else None."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        return None
    value = data.get("session_id") if isinstance(data, dict) else None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    return value
