"""The one scheduler process (APScheduler 3).

APScheduler 3 cannot share a job store between processes, so all jobs run in a single
process started beside the web server (`lms scheduler`, which `make run` starts). It first
takes a leadership lock — a PostgreSQL advisory lock held on its own connection, or an
exclusive file lock for the embedded SQLite — so a second copy on another host stays idle
and retries. Every job is idempotent (state columns and conditional updates), so running
one twice, or on two hosts during a hand-over, does no harm.
"""
from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from .db import Database, transaction

log = logging.getLogger("xst.scheduler")
LOCK_KEY = 0x5853_5431  # "XST1"


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
    """Hold the scheduler lock for the life of the process."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.conn: Any = None
        self.fh: Any = None

    def try_acquire(self) -> bool:
        db: Database = self.app.extensions["xst_db"]
        if db.is_postgres:
            # Its own unpooled connection: the advisory lock lives exactly as long as this connection.
            self.conn = create_engine(db.engine.url, poolclass=NullPool).connect()
            got = bool(self.conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar())
            self.conn.commit()
            if not got:
                self.conn.close()
                self.conn = None
            return got
        path = os.path.join(self.app.config["INSTANCE_DIR"], "scheduler.lock")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.fh = open(path, "w")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            self.fh = None
            return False
        return True


def run_scheduler(app: Flask, poll_seconds: int = 15) -> None:
    """Become the leader (or wait idle until the leader goes away), then run every registered job."""
    try:
        import exams.jobs  # noqa: F401  (registers the exam jobs, if present)
    except ImportError:
        pass
    lead = Leadership(app)
    while not lead.try_acquire():
        log.info("another scheduler holds the lock; staying idle")
        time.sleep(poll_seconds)
    sched = BlockingScheduler(timezone="Asia/Shanghai", job_defaults={"coalesce": True, "max_instances": 1})
    for j in JOBS:
        sched.add_job(j.run, "interval", seconds=j.seconds, id=j.id, args=[app], replace_existing=True)
    log.info("scheduler running %d jobs: %s", len(JOBS), ", ".join(j.id for j in JOBS))
    print(f"scheduler: leader, running {len(JOBS)} jobs", flush=True)
    sched.start()
