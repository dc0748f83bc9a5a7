"""The scheduler: one leader runs the periodic jobs (APScheduler 3), and it stops the moment it is no longer leader.

APScheduler 3 cannot share a job store between processes, so every copy of `lms scheduler` (one beside each web
server, `make run`) competes for leadership: a PostgreSQL advisory lock held on the leader's own connection, or an
exclusive file lock for the embedded SQLite. The others stay idle and try again every SCHEDULER_POLL_SECONDS.

A session-level advisory lock lives exactly as long as its connection. When PostgreSQL restarts, or that connection
is cut, the lock is gone and another copy may take it, while the old leader, if it never looked, would go on running
jobs beside the new one (issue 15: two or three copies at once after one restart). So leadership is checked:

* before every job run (`Leadership.holds`: the lock is still granted to the leader's backend), and every
  SCHEDULER_CHECK_SECONDS in between; the moment it is lost the scheduler is paused and the process goes back to
  competing, until it wins again;
* and every run holds a second, transaction-level advisory lock (RUN_KEY) on its own connection for as long as it
  runs, taken with pg_try_advisory_xact_lock: whoever else is leader, two runs never overlap (a run that finds it
  taken is skipped; APScheduler runs it again at its next time). Jobs run one at a time in the leader.

Each run is recorded in `scheduler_run` with the leader that ran it and its start and end on the database's clock,
in the transaction that held RUN_KEY, so recorded runs never overlap (`make bench-faults` counts them). Every job is
idempotent (state columns and conditional updates) as well.
"""
from __future__ import annotations

import fcntl
import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import DateTime, Integer, String, create_engine, func, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.pool import NullPool

from .db import Base, Database, transaction

log = logging.getLogger("xst.scheduler")
LOCK_KEY = 0x5853_5431  # "XST1": leadership, held for the life of the leader's connection
RUN_KEY = 0x5853_5432  # "XST2": one job run at a time, held for the run's transaction
_TERMS = itertools.count(1)  # each leadership won in this process


class SchedulerRun(Base):
    """One job run: which job, which leader ran it, when (the database's clock on PostgreSQL), and how it ended."""
    __tablename__ = "scheduler_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64))
    leader: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    finished_at: Mapped[datetime] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(10))  # "ok" or "failed"
    detail: Mapped[str | None] = mapped_column(String(200))


@dataclass(frozen=True)
class Job:
    id: str
    seconds: int
    run: Callable[[Flask], Any]


JOBS: list[Job] = []


def job(job_id: str, seconds: int) -> Callable[[Callable[[Flask], Any]], Callable[[Flask], Any]]:
    """Register a periodic job under a fixed id."""

    def register(fn: Callable[[Flask], Any]) -> Callable[[Flask], Any]:
        if not any(j.id == job_id for j in JOBS):
            JOBS.append(Job(job_id, seconds, fn))
        return fn

    return register


@job("study.close_idle_segments", 30)
def close_idle_segments_job(app: Flask) -> int:
    from .study.operations import StudySettings, close_idle_segments
    db: Database = app.extensions["xst_db"]
    with app.app_context(), db.factory() as s, transaction(s):
        return close_idle_segments(s, StudySettings.from_config(app.config))


class Leadership:
    """The scheduler lock: taken with try_acquire(), checked with holds(), given up with release()."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.conn: Any = None
        self.fh: Any = None
        self.name = ""  # the leader's name while it holds the lock: host, process and term
        self._guard = threading.Lock()  # the lock's connection is used from the jobs' thread and the main one

    @property
    def db(self) -> Database:
        db: Database = self.app.extensions["xst_db"]
        return db

    def try_acquire(self) -> bool:
        """Take the lock if no one holds it; False (and nothing held) if another does or the database is away."""
        with self._guard:
            if self.db.is_postgres:
                try:
                    # Its own unpooled connection: the advisory lock lives exactly as long as this connection.
                    self.conn = create_engine(self.db.engine.url, poolclass=NullPool,
                                              connect_args={"connect_timeout": 5}).connect()
                    got = bool(self.conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar())
                    self.conn.commit()
                except SQLAlchemyError as exc:
                    log.warning("scheduler: cannot reach the database to compete for leadership: %s", _first(exc))
                    got = False
                if not got:
                    self._close_conn()
            else:
                path = os.path.join(self.app.config["INSTANCE_DIR"], "scheduler.lock")
                os.makedirs(os.path.dirname(path), exist_ok=True)
                self.fh = open(path, "w")
                try:
                    fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    got = True
                except BlockingIOError:
                    self.fh.close()
                    self.fh = None
                    got = False
            if got:
                self.name = f"{socket.gethostname()}:{os.getpid()}#{next(_TERMS)}"
            return got

    def holds(self) -> bool:
        """True while the lock is still ours: on PostgreSQL, granted to this connection's backend right now."""
        with self._guard:
            if self.fh is not None:
                return True
            if self.conn is None:
                return False
            try:
                held = bool(self.conn.execute(text(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND classid = 0 AND objid = :k AND objsubid = 1)"),
                    {"k": LOCK_KEY}).scalar())
                self.conn.commit()
            except SQLAlchemyError as exc:  # the connection is gone, and the lock with it
                log.warning("scheduler: lost the leadership connection: %s", _first(exc))
                held = False
            if not held:
                self._close_conn()
            return held

    def release(self) -> None:
        with self._guard:
            self._close_conn()
            if self.fh is not None:
                self.fh.close()
                self.fh = None

    def _close_conn(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except SQLAlchemyError as exc:
                log.debug("scheduler: closing a lost connection: %s", _first(exc))
            self.conn = None


class NotLeader(Exception):
    """The leadership was lost before a run: the run did not happen."""


def run_once(app: Flask, lead: Leadership, j: Job) -> str:
    """Run one job if this process is still the leader and no other run is going on; record the run.

    Returns "ok", "failed", "busy" (another run holds RUN_KEY: skipped) or raises NotLeader (skipped).
    On SQLite the file lock admits one scheduler per host and the jobs run one at a time in it; the run is
    recorded after it, in a short transaction of its own (a transaction held open around the job would hold
    SQLite's write lock, which the job's own transaction then waits for)."""
    db: Database = app.extensions["xst_db"]
    if not db.is_postgres:
        if not lead.holds():
            raise NotLeader()
        started = _db_now(None)
        outcome, detail = _run(app, j)
        with db.engine.begin() as conn:
            _record(conn, j, lead, started, _db_now(None), outcome, detail)
        return outcome
    with db.engine.connect() as conn, conn.begin():
        if not conn.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": RUN_KEY}):
            return "busy"
        if not lead.holds():
            raise NotLeader()
        started = _db_now(conn)
        outcome, detail = _run(app, j)
        _record(conn, j, lead, started, _db_now(conn), outcome, detail)
    return outcome


def _run(app: Flask, j: Job) -> tuple[str, str | None]:
    try:
        j.run(app)
    except Exception as exc:  # recorded, and the next run tries again (jobs are idempotent)
        log.exception("scheduler: job %s failed", j.id)
        return "failed", _first(exc)[:200]
    return "ok", None


def _record(conn: Connection, j: Job, lead: Leadership, started: datetime, finished: datetime, outcome: str,
            detail: str | None) -> None:
    conn.execute(insert(SchedulerRun).values(job_id=j.id, leader=lead.name, started_at=started,
                                             finished_at=finished, outcome=outcome, detail=detail))


def _db_now(conn: Connection | None) -> datetime:
    """Now on the database's clock (the same for every scheduler host) on PostgreSQL; the real clock on SQLite."""
    if conn is not None:
        value: datetime = conn.scalar(select(func.timezone("UTC", func.clock_timestamp())))
        return value
    return datetime.now(UTC).replace(tzinfo=None)


def _first(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def run_scheduler(app: Flask, poll_seconds: float | None = None) -> None:
    """Compete for leadership; while leader, run every registered job; on losing it, pause and compete again."""
    try:
        import exams.jobs  # noqa: F401  (registers the exam jobs, if present)
    except ImportError:
        pass
    from .claims import jobs as _claim_jobs  # noqa: F401  (registers the deadline reminders)
    from .exchange import jobs as _exchange_jobs  # noqa: F401  (registers the exchange exports' writer)
    from .messages import jobs as _mail_jobs  # noqa: F401  (registers the outbox sender)
    from .reminders import jobs as _reminder_jobs  # noqa: F401  (registers the year-end reminders)
    from .stats import jobs as _stats_jobs  # noqa: F401  (registers stats.refresh)
    poll = poll_seconds if poll_seconds is not None else float(app.config.get("SCHEDULER_POLL_SECONDS", 5))
    check = float(app.config.get("SCHEDULER_CHECK_SECONDS", 2))
    every = app.config.get("SCHEDULER_EVERY_SECONDS")  # tests and benches: every job this often
    lead = Leadership(app)
    lost = threading.Event()

    def guarded(j: Job) -> None:
        if lost.is_set():
            return
        try:
            run_once(app, lead, j)
        except NotLeader:
            lost.set()
        except DBAPIError as exc:  # the database went away during the run: nothing of it was recorded
            log.warning("scheduler: run of %s not completed: %s", j.id, _first(exc))

    sched = BackgroundScheduler(timezone="Asia/Shanghai", executors={"default": ThreadPoolExecutor(1)},
                                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    for j in JOBS:
        sched.add_job(guarded, "interval", seconds=float(every or j.seconds), id=j.id, args=[j],
                      replace_existing=True)
    sched.start(paused=True)
    try:
        while True:
            while not lead.try_acquire():
                log.info("another scheduler holds the lock; staying idle")
                time.sleep(poll)
            lost.clear()
            sched.resume()
            log.info("scheduler %s leading, running %d jobs: %s", lead.name, len(JOBS), ", ".join(j.id for j in JOBS))
            print(f"scheduler: leader {lead.name}, running {len(JOBS)} jobs", flush=True)
            while not lost.wait(check) and lead.holds():
                pass
            sched.pause()
            lead.release()
            print(f"scheduler: {lead.name} lost the leadership; competing again", flush=True)
    finally:
        sched.shutdown(wait=False)
        lead.release()
