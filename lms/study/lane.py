"""The lane's heartbeat route (lms/lane.py): the steady beat, answered on the worker's event loop.

Every learner with the player open sends a beat every HEARTBEAT_SECONDS; at the year-end peak these are
most of the requests the servers see. After the lane's checks of cookie and CSRF, the route answers when:

* the body is a JSON object that check_beat_input() accepts; one it refuses (bad JSON, a NUL or a lone
  surrogate, nesting too deep, a number out of range) is refused here with Flask's 400 and its reason, on its
  own: it never joins a batch;
* the one-statement steady beat (operations._HEARTBEAT_PG, in autocommit) decides it: the account is
  active with the same session version, the stream holds the clock, and the beat credits time or comes
  too soon after the last one (429, Flask's error body; nothing changed).

Anything else — a first beat, a refusal, a prompt — goes on to Flask, where heartbeat() answers; the
statement changed nothing then.

The route keeps HEARTBEAT_LANE_CONNECTIONS connections per process; beats that arrive while all are busy go
together in one statement (one transaction, one WAL flush) on the next free one (lms.lane.Batches).
"""
from __future__ import annotations

import asyncio

import psycopg
from flask import Flask

from .. import clock
from ..db import Database, transaction
from ..errors import DomainError, InvalidInput
from ..lane import Account, Batches, Connections, Unreachable, json_body, unavailable_body
from ..validation import JSONRefused, parse_json
from .operations import _HEARTBEAT_PG, SteadyBeat, StudySettings, check_beat_input, refresh_completion

PATH = "/api/v1/study/heartbeat"


class HeartbeatRoute:
    path = PATH

    def __init__(self, app: Flask, conninfo: str) -> None:
        self.app = app
        self.db: Database = app.extensions["xst_db"]
        self.connections = Connections(conninfo, int(app.config.get("HEARTBEAT_LANE_CONNECTIONS", 4)))
        self.batches: Batches[SteadyBeat] = Batches(self.connections, _HEARTBEAT_PG, SteadyBeat.params,
                                                    senders=self.connections.size)

    @classmethod
    def for_app(cls, app: Flask, conninfo: str) -> HeartbeatRoute | None:
        return cls(app, conninfo) if app.config.get("HEARTBEAT_LANE", True) else None

    async def answer(self, account: Account, body: bytes) -> tuple[int, bytes] | None:
        """(status, JSON body) when the steady-beat statement decides this beat — credited, or refused as
        too frequent with Flask's own error body — else None (nothing changed)."""
        try:
            stream, seq, position = check_beat_input(parse_json(body))
        except JSONRefused as refused:  # Flask's request check refuses it before any view, with this reason
            return 400, json_body({"error": InvalidInput.code, "message": str(refused)})
        except InvalidInput as refused:  # the beat view's own refusal, after the cookie the lane has checked
            return refused.status, json_body({"error": refused.code, "message": refused.message})
        settings = self.app.extensions.get("xst_study_settings")
        if settings is None:  # made once per app, as lms.api.settings() does
            settings = self.app.extensions["xst_study_settings"] = StudySettings.from_config(self.app.config)
        beat = SteadyBeat.of(clock.now(), account.person_id, account.session_version, account.login_id, stream, seq,
                             position, settings)
        try:
            row = await self.batches.run(beat)
        except Unreachable as exc:  # Flask could not connect either
            self.app.logger.warning("heartbeat lane: database unreachable: %s", exc)
            return unavailable_body()
        except psycopg.OperationalError as exc:  # the connection broke (a restart): nothing was credited;
            # Flask retries the beat on a fresh connection, or answers 503
            self.app.logger.warning("heartbeat lane: connection lost, handing the beat to Flask: %s", exc)
            return None
        except Exception:  # one statement, or one transaction for a batch: nothing was credited; Flask
            # retries the beat and answers any error
            self.app.logger.exception("heartbeat lane: handing the beat to Flask")
            return None
        if row is None:
            return None
        try:
            result, completed = beat.answer(row)
        except DomainError as refused:
            return refused.status, json_body({"error": refused.code, "message": refused.message})
        if completed is not None:  # a chapter was just completed: the course's completion, in a transaction
            result["course_complete"] = await asyncio.to_thread(self._complete, completed, beat)
        return 200, json_body(result)

    async def close(self) -> None:
        await self.connections.close()

    def _complete(self, enrolment_id: int, beat: SteadyBeat) -> bool:
        s = self.db.factory()
        try:
            with transaction(s):
                return refresh_completion(s, enrolment_id, beat.now)
        finally:
            s.close()
