"""Fault bench (issue 15): the platform on a private PostgreSQL cluster that is restarted, stopped and killed under load.

    .venv/bin/python bench/bench_faults.py        (make bench-faults)

Everything runs against its own cluster (bench/pgcluster.py: initdb in a temporary folder, its own port, fsync on),
never the shared server. Two phases:

1. Heartbeats and schedulers. LEARNERS learners (HEARTBEAT_SECONDS 1, grace 1, idle timeout 300 s) study behind
   gunicorn as `make run` serves it (gunicorn.conf.py, two workers), each beating like the player
   (lms/static/player.js): every 1.25 s, never two beats in flight, and after a 503 again after its Retry-After
   clamped to one interval, or after a second when the connection failed. Three `flask --app lms scheduler`
   processes run every job every 0.3 s beside them. At 8 s the cluster is restarted (pg_ctl restart, fast); at 20 s
   it is stopped for 10 seconds, then started; the run ends 10 s later.
2. A booking rush with a worker killed: CANDIDATES candidates log in and all book one session of SEATS seats at once
   (as bench/bench_booking.py, every fifth double-clicking); when a fifth of the answers are in, one gunicorn worker
   is killed (SIGKILL). A request whose connection failed is sent again once, as a person clicks again.

Figures (the last line):

* recovery S: for each fault, seconds from the cluster accepting connections again to the first heartbeat credited
  after it; the larger of the two.
* errors E: heartbeats answered anything but 200, except 503 while the database was away (from the fault until it
  accepted connections again, plus 2 s); heartbeats and bookings whose connection failed and whose retry failed too;
  bookings answered anything but 201 or 409 (no_seats_left, already_booked); a fault after which no scheduler ran a
  job again; seats left unbooked while candidates were refused.
* credit wrong W: over every learner, |credited in the database - the sum of credited_seconds the server answered|,
  plus any credit beyond the time the learner was actually studying (first send to last answer), in ms.
* oversold O, double-booked D: from the database after the rush (bench/bench_booking.py's verify()).
* overlapping job runs J: recorded scheduler runs (scheduler_run) that started before an earlier one had finished.

Progress goes to stderr; the last line of stdout is exactly
``faults: recovery <S> s, errors <E>, credit wrong <W> ms, oversold <O>, double-booked <D>, overlapping job runs <J>``.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pgcluster import Cluster  # noqa: E402
from bench.setup import free_port  # noqa: E402

LEARNERS = int(os.environ.get("BENCH_FAULT_LEARNERS", "200"))
CANDIDATES = int(os.environ.get("BENCH_FAULT_CANDIDATES", "1500"))
SEATS = int(os.environ.get("BENCH_FAULT_SEATS", "300"))
INTERVAL = 1.25
RESTART_AT, STOP_AT, STOP_FOR, AFTER = 8.0, 20.0, 10.0, 10.0


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


# ---- schedulers (also used by tests/test_scheduler_leadership.py) ---------------------------------------------

def start_schedulers(url: str, folder: Path, n: int, every: float = 0.3) -> list[subprocess.Popen[bytes]]:
    """n `flask --app lms scheduler` processes on database url, every job every `every` seconds."""
    env = os.environ | {"DATABASE_URL": url, "SECRET_KEY": "scheduler-bench", "INSTANCE_PATH": str(folder),
                        "MEDIA_DIR": str(folder / "media"), "SCHEDULER_EVERY_SECONDS": str(every),
                        "SCHEDULER_POLL_SECONDS": "1", "SCHEDULER_CHECK_SECONDS": "1"}
    return [subprocess.Popen([str(ROOT / ".venv/bin/flask"), "--app", "lms", "scheduler"], cwd=ROOT, env=env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(n)]


def stop_processes(processes: list[subprocess.Popen[bytes]]) -> None:
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()


def scheduler_runs(url: str) -> list[Any]:
    from sqlalchemy import create_engine, select

    from lms.db import normalise_url
    from lms.scheduler import SchedulerRun
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as c:
            return list(c.execute(select(SchedulerRun)).all())
    finally:
        engine.dispose()


def overlapping(runs: list[Any]) -> int:
    """How many runs started before an earlier-started run had finished."""
    count, last_end = 0, None
    for run in sorted(runs, key=lambda r: r.started_at):
        if last_end is not None and run.started_at < last_end:
            count += 1
        last_end = run.finished_at if last_end is None else max(last_end, run.finished_at)
    return count


def leader_changes(runs: list[Any]) -> int:
    ordered = sorted(runs, key=lambda r: r.started_at)
    return sum(1 for a, b in zip(ordered, ordered[1:], strict=False) if a.leader != b.leader)


# ---- phase 1: heartbeats through a restart and a stop --------------------------------------------------------

class Learner:
    def __init__(self, mobile: str, enrolment_id: int) -> None:
        self.mobile, self.enrolment_id = mobile, enrolment_id
        self.cookie = self.csrf = self.stream = ""
        self.answered_ms = 0
        self.first_sent = self.last_answered = 0.0

    def headers(self) -> dict[str, str]:
        return {"Cookie": f"session={self.cookie}", "X-CSRFToken": self.csrf, "Content-Type": "application/json"}


async def heartbeats(base: str, learners: list[Learner], chapter_id: int, cluster: Cluster,
                     password: str) -> dict[str, Any]:
    import aiohttp
    faults: list[tuple[float, float]] = []  # (went away, accepting connections again), monotonic
    answers: list[tuple[float, int]] = []  # (answered at, status)
    failed: list[str] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64),
                                     cookie_jar=aiohttp.DummyCookieJar()) as http:
        async def begin(lr: Learner) -> None:
            async with http.get(base + "/api/v1/auth/csrf") as r:
                lr.cookie, lr.csrf = r.cookies["session"].value, (await r.json())["csrf_token"]
            async with http.post(base + "/api/v1/auth/login", json={"login": lr.mobile, "password": password},
                                 headers=lr.headers()) as r:
                body = await r.json()
                lr.cookie, lr.csrf = r.cookies["session"].value, body["csrf_token"]
            async with http.post(base + "/api/v1/study/streams", headers=lr.headers(),
                                 json={"enrolment_id": lr.enrolment_id, "chapter_id": chapter_id}) as r:
                lr.stream = (await r.json())["stream"]
        sem = asyncio.Semaphore(32)

        async def gated(lr: Learner) -> None:
            async with sem:
                await begin(lr)
        await asyncio.gather(*(gated(lr) for lr in learners))
        log(f"faults: {len(learners)} learners logged in, streams open")

        t0 = time.monotonic()
        end = t0 + STOP_AT + STOP_FOR + AFTER

        async def study(i: int, lr: Learner) -> None:
            await asyncio.sleep(INTERVAL * i / len(learners))
            seq = 0
            while time.monotonic() < end:
                seq += 1
                sent = time.monotonic()
                lr.first_sent = lr.first_sent or sent
                wait = INTERVAL
                try:
                    async with http.post(base + "/api/v1/study/heartbeat", headers=lr.headers(),
                                         json={"stream": lr.stream, "seq": seq, "position": 0}) as r:
                        body = await r.json(content_type=None)
                        status = r.status
                        if status == 200:
                            lr.answered_ms += round(body["credited_seconds"] * 1000)
                            lr.last_answered = time.monotonic()
                        elif status == 503:  # the player: Retry-After, at most one interval, with jitter
                            retry = float(r.headers.get("Retry-After", "1"))
                            wait = max(1.0, min(retry, INTERVAL)) * random.uniform(0.8, 1.2)
                except (TimeoutError, aiohttp.ClientError) as exc:
                    status, wait = 0, 1.0
                    failed.append(type(exc).__name__)
                answers.append((time.monotonic(), status))
                await asyncio.sleep(max(0.0, sent + wait - time.monotonic()))

        async def break_things() -> None:
            await asyncio.sleep(RESTART_AT)
            away = time.monotonic()
            await asyncio.to_thread(cluster.restart, "fast")
            faults.append((away, time.monotonic()))
            log(f"faults: restarted the cluster in {faults[-1][1] - away:.2f} s")
            await asyncio.sleep(max(0.0, t0 + STOP_AT - time.monotonic()))
            away = time.monotonic()
            await asyncio.to_thread(cluster.stop, "fast")
            await asyncio.sleep(STOP_FOR)
            await asyncio.to_thread(cluster.start)
            faults.append((away, time.monotonic()))
            log(f"faults: stopped the cluster for {faults[-1][1] - away:.1f} s")

        await asyncio.gather(break_things(), *(study(i, lr) for i, lr in enumerate(learners)))
    recovery = 0.0
    for _away, up in faults:
        first = min((t for t, status in answers if status == 200 and t >= up), default=float("inf"))
        recovery = max(recovery, first - up)
    errors: dict[str, int] = {}
    for t, status in answers:
        if status == 200:
            continue
        if status == 503 and any(away <= t <= up + 2 for away, up in faults):
            continue
        key = f"{status} at {t - t0:.1f} s" if status not in (429,) else "429"
        errors[key] = errors.get(key, 0) + 1
    log(f"faults: heartbeat errors {sorted(errors.items())}")
    statuses: dict[int, int] = {}
    for _, status in answers:
        statuses[status] = statuses.get(status, 0) + 1
    log(f"faults: heartbeat answers by status {sorted(statuses.items())}, transport failures {len(failed)}")
    return {"recovery": recovery, "errors": sum(errors.values()), "faults": faults}


def credit_wrong(url: str, learners: list[Learner], cap_ms: int) -> int:
    from sqlalchemy import create_engine, text

    from lms.db import normalise_url
    engine = create_engine(normalise_url(url))
    with engine.connect() as c:
        stored = dict(c.execute(text("SELECT enrolment_id, credited_ms FROM chapter_progress")).all())
    engine.dispose()
    wrong = 0
    for lr in learners:
        have = int(stored.get(lr.enrolment_id, 0))
        wrong += abs(have - lr.answered_ms)
        span = round((lr.last_answered - lr.first_sent) * 1000) + cap_ms
        wrong += max(0, have - span)
    return wrong


def phase_heartbeats(cluster: Cluster, folder: Path) -> dict[str, Any]:
    import bench.bench_heartbeat as hb  # its database lives in BENCH_PG_ADMIN_URL's cluster: ours
    pids, mobiles, enrolments, chapter_id = hb.seed(LEARNERS, str(folder))
    learners = [Learner(m, e) for m, e in zip(mobiles, enrolments, strict=True)]
    url = hb.db_url().replace("+psycopg", "")
    schedulers = start_schedulers(url, folder, 3)
    port = free_port()
    server = hb.start_server(argparse.Namespace(workers=2, threads=2, access_log=None, worker_class="asgi"),
                             port, str(folder))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(base)
        result = asyncio.run(heartbeats(base, learners, chapter_id, cluster, hb.PASSWORD))
        time.sleep(2)  # the schedulers' last runs
    finally:
        hb.stop_server(server)
        stop_processes(schedulers)
    result["credit_wrong"] = credit_wrong(url, learners, (hb.HEARTBEAT_S + hb.GRACE_S) * 1000)
    runs = scheduler_runs(url)
    result["overlapping"] = overlapping(runs)
    led_after = [any(_after(r, up) for r in runs) for _away, up in result["faults"]]
    result["errors"] += led_after.count(False)
    log(f"faults: {len(runs)} scheduler runs by {len({r.leader for r in runs})} leaderships, "
        f"{leader_changes(runs)} hand-overs, a leader after every fault: {all(led_after)}")
    return result


def _after(run: Any, up_monotonic: float) -> bool:
    """Whether a recorded run (database clock, UTC) started after a moment on this process's monotonic clock."""
    from datetime import UTC, datetime, timedelta
    wall = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=time.monotonic() - up_monotonic)
    return bool(run.started_at >= wall)


def wait_up(base: str) -> None:
    import urllib.request
    for _ in range(1200):
        try:
            urllib.request.urlopen(base + "/api/v1/auth/csrf", timeout=5).read()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server did not start")


# ---- phase 2: a worker killed during a booking rush ----------------------------------------------------------

def workers_of(master: int) -> list[int]:
    try:
        with open(f"/proc/{master}/task/{master}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


async def rush(base: str, creds: list[tuple[str, str]], session_id: int, master: int) -> int:
    import aiohttp
    errors, answered, killed = 0, 0, [False]
    kill_after = len(creds) // 5
    gate = asyncio.Event()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=32),
                                     cookie_jar=aiohttp.DummyCookieJar()) as http:
        async def one(cookie: str, token: str) -> None:
            nonlocal errors, answered
            await gate.wait()
            for attempt in range(2):
                try:
                    async with http.post(base + "/api/v1/exams/bookings", json={"session_id": session_id},
                                         headers={"Cookie": f"session={cookie}", "X-CSRFToken": token}) as r:
                        body = await r.json(content_type=None)
                        if r.status != 201 and body.get("error") not in ("no_seats_left", "already_booked"):
                            errors += 1
                            log(f"faults: booking answered {r.status} {body}")
                        break
                except (TimeoutError, aiohttp.ClientError):
                    if attempt == 1:
                        errors += 1
            answered += 1
            if answered >= kill_after and not killed[0]:
                killed[0] = True
                victims = workers_of(master)
                if victims:
                    os.kill(victims[0], signal.SIGKILL)
                    log(f"faults: killed worker {victims[0]} after {answered} answers")
        tasks = [asyncio.create_task(one(c, t)) for i, (c, t) in enumerate(creds)
                 for _ in range(2 if i % 5 == 0 else 1)]
        await asyncio.sleep(0)
        gate.set()
        await asyncio.gather(*tasks)
    return errors


def phase_booking() -> dict[str, int]:
    os.environ.update(BENCH_CANDIDATES=str(CANDIDATES), BENCH_SEATS=str(SEATS))
    import aiohttp

    import bench.bench_booking as bk
    session_id = bk.build_database()
    port = free_port()
    server = bk.start_server(port)
    base = f"http://127.0.0.1:{port}"
    try:
        async def go() -> int:
            await bk.wait_up(base)
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=bk.CONCURRENCY),
                                             cookie_jar=aiohttp.DummyCookieJar()) as http:
                creds = await bk.login_all(http, base)
            log(f"faults: {len(creds)} candidates logged in")
            return await rush(base, creds, session_id, server.pid)
        errors = asyncio.run(go())
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    oversold, double, active = bk.verify(session_id)
    lost_seats = max(0, min(SEATS, CANDIDATES) - active)
    log(f"faults: {active} of {SEATS} seats booked, oversold {oversold}, double-booked {double}")
    return {"errors": errors + lost_seats, "oversold": oversold, "double": double}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="xst-faults-") as tmp:
        folder = Path(tmp)
        os.chmod(folder, 0o755)
        cluster = Cluster(fsync=True)
        os.environ["BENCH_PG_ADMIN_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/postgres"
        try:
            log(f"faults: private PostgreSQL cluster on port {cluster.port}")
            beats = phase_heartbeats(cluster, folder)
            booking = phase_booking()
        finally:
            cluster.close()
    print(f"faults: recovery {beats['recovery']:.2f} s, errors {beats['errors'] + booking['errors']}, "
          f"credit wrong {beats['credit_wrong']} ms, oversold {booking['oversold']}, "
          f"double-booked {booking['double']}, overlapping job runs {beats['overlapping']}")


if __name__ == "__main__":
    main()
