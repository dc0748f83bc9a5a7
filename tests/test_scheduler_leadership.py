"""Scheduler leadership that survives the database (lms/scheduler.py).

Three `flask --app lms scheduler` processes on a private PostgreSQL cluster (bench/pgcluster.py) that is restarted
again and again under them: after every restart exactly one of them leads again, no two job runs ever overlap, and
leadership changes hands at most once per restart (an old leader that kept going beside a new one would alternate
with it). Every run is recorded with the leader that ran it (`scheduler_run`).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from bench.bench_faults import leader_changes, overlapping, start_schedulers
from bench.bench_faults import stop_processes as stop
from bench.pgcluster import Cluster
from lms import create_app
from lms.db import Base, normalise_url
from lms.scheduler import LOCK_KEY, Leadership, NotLeader, SchedulerRun, run_once
from tests.conftest import base_config, login_id


def recorded(url: str) -> list[Any]:
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as c:
            return list(c.execute(select(SchedulerRun)).all())
    finally:
        engine.dispose()


def wait_for_runs(url: str, after: int, timeout: float = 90) -> list[Any]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            runs = recorded(url)
        except Exception:  # the server is still coming up
            runs = []
        if len(runs) > after:
            return runs
        time.sleep(0.3)
    raise AssertionError(f"no scheduler run recorded within {timeout} s")


@pytest.fixture
def cluster() -> Any:
    c = Cluster()
    engine = create_engine(normalise_url(c.url))
    Base.metadata.create_all(engine)
    engine.dispose()
    yield c
    c.close()


@pytest.mark.slow
def test_three_schedulers_through_repeated_restarts_never_run_two_jobs_at_once(cluster: Cluster, tmp_path: Path) -> None:
    processes = start_schedulers(cluster.url, tmp_path, 3)
    restarts = 4
    try:
        runs = wait_for_runs(cluster.url, 0)  # the processes boot in a few seconds on a busy machine
        for i in range(restarts):
            time.sleep(1.5)
            cluster.restart("immediate" if i % 2 else "fast")  # a crash every other time: no goodbye to anyone
            runs = wait_for_runs(cluster.url, len(runs), timeout=30)  # a leader again after every restart
        time.sleep(2)
        assert all(p.poll() is None for p in processes)  # no scheduler gave up
    finally:
        stop(processes)
    runs = recorded(cluster.url)
    assert overlapping(runs) == 0
    assert 1 <= len({r.leader for r in runs}) <= restarts + 1
    assert leader_changes(runs) <= restarts, [(r.leader, r.started_at) for r in sorted(runs, key=lambda r: r.started_at)]
    # A run whose job met a connection the restart had cut fails and is recorded so (the job runs again next time;
    # jobs are idempotent): at most one per restart, since the pool is then renewed.
    failed = [r.detail for r in runs if r.outcome != "ok"]
    assert len(failed) <= restarts and all("connection" in (d or "") or "terminat" in (d or "") for d in failed), failed
    assert sum(r.outcome == "ok" for r in runs) > len(runs) // 2


def test_a_leader_whose_lock_connection_is_cut_stops_before_its_next_run_and_another_takes_over(
        cluster: Cluster, tmp_path: Path) -> None:
    """The lock is lost with its connection (here cut by the server, as a restart or a network cut does): the old
    leader's next run does not happen (NotLeader), and the competitor that takes the lock runs and records it."""
    config = base_config(tmp_path) | {"DATABASE_URL": cluster.url}
    first, second = create_app(config), create_app(config)
    a, b = Leadership(first), Leadership(second)
    ran: list[str] = []
    from lms.scheduler import Job
    probe = Job("test.probe", 1, lambda app: ran.append(app.name))
    try:
        assert a.try_acquire() and a.holds() and not b.try_acquire()
        assert run_once(first, a, probe) == "ok"
        engine = create_engine(normalise_url(cluster.url))
        with engine.begin() as c:  # cut the leader's connection, as the server does on a restart
            c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                           "AND objid = :k"), {"k": LOCK_KEY})
        engine.dispose()
        with pytest.raises(NotLeader):
            run_once(first, a, probe)
        assert b.try_acquire() and b.holds()
        assert run_once(second, b, probe) == "ok"
        assert not a.try_acquire()  # the old leader competes again and waits
    finally:
        a.release()
        b.release()
        for app in (first, second):
            app.extensions["xst_db"].dispose()
    runs = recorded(cluster.url)
    assert [r.leader for r in runs] == [a.name, b.name] and len(ran) == 2 and a.name != b.name


def test_the_leader_runs_a_real_job_and_records_it_on_either_database(
        app: Any, db: Any, make: Any, frozen_clock: Any) -> None:
    """The idle-segment job through run_once, as the scheduler runs it: done at once (on SQLite the record is written
    after the job, never around it, where the job would wait on SQLite's write lock) and recorded with its leader."""
    from lms.scheduler import close_idle_segments_job
    from lms.study.models import StudySegment
    from lms.study.operations import StudySettings, heartbeat, start_stream
    person = make.practitioner()
    e = make.enrol(person, make.course())
    settings = StudySettings(30, 5, 300, 0, 60)
    with app.app_context():
        stream = start_stream(db, person, e.id, e.course.chapters[0].id, settings)
        heartbeat(db, person.id, 1, login_id(db, person), stream, 1, None, settings)
        db.commit()
    frozen_clock.advance(400)
    lead = Leadership(app)
    from lms.scheduler import Job
    job = Job("study.close_idle_segments", 30, close_idle_segments_job)
    try:
        assert lead.try_acquire()
        started = time.monotonic()
        assert run_once(app, lead, job) == "ok"
        assert time.monotonic() - started < 5
    finally:
        lead.release()
    db.expire_all()
    assert db.scalars(select(StudySegment.end_reason)).one() == "idle"
    runs = db.scalars(select(SchedulerRun)).all()
    assert [(r.job_id, r.leader, r.outcome) for r in runs] == [("study.close_idle_segments", lead.name, "ok")]
    assert runs[0].started_at <= runs[0].finished_at
