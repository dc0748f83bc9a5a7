"""The lane's booking route (lms/lane.py): the rush for seats, answered on the worker's event loop.

When a plan's sessions open for booking (Wenzhou 第十条: the practitioner who finished the online study books
an exam date and session), thousands of candidates press 报名 within seconds, and most of them are told
that the seats are gone. After the lane's checks of cookie and CSRF, the route answers when the body is a
JSON object with a positive integer ``session_id`` and the booking statement (operations._BOOK_PG, in
autocommit) decides it: booked (201, the ticket), full (409 no_seats_left) or already booked (409
already_booked, a double click), with Flask's error bodies. That statement checks the account itself (an
active practitioner with the same session version) and every booking rule in book_seat()'s order, and takes
seats only under the session row's lock, never more than are left (the session's CHECK backs it); the partial
unique index skips a second active booking. Anything else — closed, not eligible, passed, no attempts left —
goes on to Flask's api_book, which answers precisely; the statement changed nothing for that request.

Requests for one session that arrive while its statement runs go together in the next one (lms.lane.Batches,
one batch of a session at a time per process): the statement locks the session row only when it has seats to
give, gives them in arrival order and commits once for the batch. One booking per statement, the seats were
taken one commit (one WAL flush, under the row's lock) at a time: measured on the 5,000-candidate rush, 2.2 to
3.1 s for the 1,000 seats, and the queue behind them made p99 121-259 ms. BOOKING_LANE_CONNECTIONS connections
per process, opened when the first booking comes; their statements run with the generic plan.

A batch holds its session's row lock while it inserts; it waits for another transaction only when that one is
inserting a booking for the same person in the same plan (a double click that reached another worker). Two
batches can therefore wait on each other only if two people double-click onto two sessions of one plan in
crossed order at the same moment; PostgreSQL then ends one statement with a deadlock error (after
deadlock_timeout), nothing of it is committed, and its requests go to Flask like any failed batch.
"""
from __future__ import annotations

from typing import Any

import psycopg
from flask import Flask

from lms.errors import DomainError
from lms.lane import Account, Batches, Connections, Unreachable, json_body, unavailable_body
from lms.validation import is_id, parse_json

from .operations import _BOOK_PG, ExamSettings, RushBooking

PATH = "/api/v1/exams/bookings"


class BookingRoute:
    path = PATH

    def __init__(self, app: Flask, conninfo: str) -> None:
        self.app = app
        self.connections = Connections(conninfo, int(app.config.get("BOOKING_LANE_CONNECTIONS", 4)))
        self.batches: Batches[RushBooking] = Batches(self.connections, _BOOK_PG, RushBooking.params, senders=1)

    @classmethod
    def for_app(cls, app: Flask, conninfo: str) -> BookingRoute | None:
        return cls(app, conninfo) if app.config.get("BOOKING_LANE", True) else None

    async def answer(self, account: Account, body: bytes) -> tuple[int, bytes] | None:
        """201 with the ticket, 409 when the seats are gone or the person already holds a booking, else None
        (nothing changed)."""
        session_id = _session_id(body)
        if session_id is None:
            return None
        rush = RushBooking.of(account.person_id, account.session_version, account.login_id, session_id,
                              self._settings())
        try:
            row = await self.batches.run(rush)
        except Unreachable as exc:  # Flask could not connect either
            self.app.logger.warning("booking lane: database unreachable: %s", exc)
            return unavailable_body()
        except psycopg.OperationalError as exc:  # the connection broke (a restart): nothing was booked
            self.app.logger.warning("booking lane: connection lost, handing the booking to Flask: %s", exc)
            return None
        except Exception:  # the batch's statement failed whole: nothing was booked; Flask tries and answers
            self.app.logger.exception("booking lane: handing the booking to Flask")
            return None
        try:
            booked = rush.outcome(row)
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


def _session_id(body: bytes) -> int | None:
    """The body's session_id when it is what api_book accepts (a JSON object, a positive integer), else None."""
    try:
        data: Any = parse_json(body)
    except ValueError:
        return None
    value = data.get("session_id") if isinstance(data, dict) else None
    return value if is_id(value) else None
