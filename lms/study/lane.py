"""The lane's heartbeat route (lms/lane.py): the steady beat, answered on the worker's event loop.

Every learner with the player open sends a beat every HEARTBEAT_SECONDS; at the year-end peak these are
most of the requests the servers see. After the lane's checks of cookie and CSRF, the route answers when:

* the body is a JSON object that check_beat_input() accepts;
* the one-statement steady beat (operations._HEARTBEAT_PG, in autocommit) decides it: the account is
  active with the same session version, the stream holds the clock, and the beat credits time or comes
  too soon after the last one (429, Flask's error body; nothing changed).

Anything else — a first beat, a refusal, a prompt — goes on to Flask, where heartbeat() answers; the
statement changed nothing then.

The route keeps HEARTBEAT_LANE_CONNECTIONS connections per process; beats that arrive while all are busy go
together in one statement (one transaction, one WAL flush) on the next free one (_Batches).
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

from flask import Flask

from .. import clock
from ..db import Database, transaction
from ..errors import DomainError
from ..lane import Account, Connections, json_body
from .operations import _HEARTBEAT_PG, SteadyBeat, StudySettings, check_beat_input, refresh_completion

PATH = "/api/v1/study/heartbeat"


class HeartbeatRoute:
    path = PATH

    def __init__(self, app: Flask, conninfo: str) -> None:
        self.app = app
        self.db: Database = app.extensions["xst_db"]
        self.connections = Connections(conninfo, int(app.config.get("HEARTBEAT_LANE_CONNECTIONS", 4)),
                                       generic_plans=True)
        self.batches = _Batches(self.connections)

    @classmethod
    def for_app(cls, app: Flask, conninfo: str) -> HeartbeatRoute | None:
        return cls(app, conninfo) if app.config.get("HEARTBEAT_LANE", True) else None

    async def answer(self, account: Account, body: bytes) -> tuple[int, bytes] | None:
        """(status, JSON body) when the steady-beat statement decides this beat — credited, or refused as
        too frequent with Flask's own error body — else None (nothing changed)."""
        try:
            stream, seq, position = check_beat_input(json.loads(body))
        except (ValueError, DomainError):
            return None
        settings = self.app.extensions.get("xst_study_settings")
        if settings is None:  # made once per app, as lms.api.settings() does
            settings = self.app.extensions["xst_study_settings"] = StudySettings.from_config(self.app.config)
        beat = SteadyBeat.of(clock.now(), account.person_id, account.session_version, stream, seq, position,
                             settings)
        try:
            row = await self.batches.run(beat)
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


class _Batches:
    """Beats waiting for the database, sent as one transaction per batch, one batch per free connection.

    Every beat commits, and a commit waits for PostgreSQL's WAL flush: measured at the peak, the backends
    spent their time waiting on WALSync/WALWrite with CPU to spare, and a slow flush made beats queue for
    connections until the run collapsed. A beat that finds a connection free goes at once, alone; beats
    that arrive while every connection is busy go together in the next batch (one flush for all). A
    person's beat waits while another of theirs is on its way (no two in one batch or in two batches).
    """
    MAX = 64

    def __init__(self, connections: Connections) -> None:
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
                    rows = await self.connections.fetch_all(_HEARTBEAT_PG, SteadyBeat.params([b for b, _ in batch]))
                except Exception as exc:  # nothing of the batch was committed: each request goes to Flask
                    by_person, failed = {}, exc
                else:
                    by_person, failed = {row[0]: row for row in rows}, None
                for beat, done in batch:
                    self.people.discard(beat.person_id)
                    if done.done():
                        continue
                    if failed is not None:
                        done.set_exception(failed)
                    else:
                        done.set_result(by_person.get(beat.person_id))
        finally:
            self.busy -= 1
            for beat, done in batch:  # cancelled or failed half-way: no request is left waiting
                self.people.discard(beat.person_id)
                if not done.done():
                    done.set_exception(RuntimeError("heartbeat lane: batch not finished"))
