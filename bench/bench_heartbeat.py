"""Heartbeat throughput benchmark: gunicorn + PostgreSQL, thousands of simulated learners.

    .venv/bin/python bench/bench_heartbeat.py [--learners 2000] [--heartbeat-seconds 1] [--interval S]
                                              [--duration 30] [--workers 2] [--threads 2] [--connections 64]

What it does, in one run:

1. Drops and recreates the PostgreSQL database ``xst_bench_heartbeat``, builds the schema with
   ``lms.models.metadata.create_all`` and seeds one bureau user and one published general-public course
   of the current study year (through the operations), then bulk-inserts the learners (``person``) and
   their enrolments (``enrolment``) with SQLAlchemy Core; every learner shares one cheap argon2 hash.
2. Serves the app with gunicorn as in production (gunicorn.conf.py: the ASGI worker serving
   ``lms.asgi:create_asgi_app()``, one listening socket per worker; ``--worker-class gthread`` serves the
   Flask app alone under gthread instead, for comparison) on a free loopback port (HEARTBEAT_SECONDS=``--heartbeat-seconds``
   instead of production's 30 so that 2,000 learners make a measurable load, grace the same, idle timeout
   300 s, presence prompts disabled, cheap argon2, a generous login rate limit).
3. One asyncio load generator process (uvloop; for the set-up one aiohttp ``ClientSession`` with a
   keep-alive connection pool of ``--connections`` sockets, for the timed phases bench/http_lite.py's leaner
   pool of as many kept-alive sockets, since the client's CPU is taken from the server it measures; each
   learner's session cookie and CSRF token are kept by hand): every learner gets a CSRF token, logs in via POST /api/v1/auth/login (a real Flask
   session), opens a stream on the chapter via POST /api/v1/study/streams and sends its first heartbeat,
   which opens the study segment and earns nothing (arriving learners are spread out in life; this step
   is not timed, and it is where a learner's clock starts).
4. Ceiling: GET /api/v1/ping, closed loop, ``--connections`` concurrent requests over the lean pool and
   the same cookies for ``--ping-seconds``; bare = completed requests / elapsed.
5. Heartbeats, paced like the player (lms/static/player.js): learner i sends its first beat at
   ``t0 + offset_i`` (offsets spread evenly over one interval, so the offered load is learners / interval
   per second) and each next beat ``interval`` seconds after sending the previous one, or as soon as the
   previous answer arrives if that is later (the player never has two beats in flight and never catches
   up on missed ones); ``--duration`` seconds in all; interval defaults to 1.25 x HEARTBEAT_SECONDS.  A paced run
   is used rather than a closed loop because the schedule is what makes the credited time checkable, and
   because a closed loop would hold every learner at the server's limit (unbounded latency).  N is the
   capacity at the given rate: accepted heartbeats / (last answer - first send).  Choose the rate near
   the server's limit: if the server cannot keep up, answers come late, p99 grows and beats are refused.
6. Stops gunicorn and checks every learner in the database.

Definitions:

* errors E: heartbeats that were not answered 200 (including 429 too-frequent and 409), transport
  failures and timeouts, plus any failed login / stream opening.
* credit mismatches M: learners for which any of these fails, from the database after the run —
  (a) the learner has exactly one study segment and its ``beats`` equals the number of 200 answers;
  (b) ``study_segment.credited_ms`` == ``chapter_progress.credited_ms`` == the sum of the per-beat
  ``credited_seconds`` the server returned (in ms, exactly);
  (c) the credited time is what the beats should have earned: the server handled each beat between
  sending it and reading its answer, so for consecutive accepted beats a, b it saw a gap within
  [sent_b - answered_a, answered_b - sent_a]; capped at HEARTBEAT_SECONDS + grace each, summed, and
  allowing 1 ms of truncation per beat, the credited total must lie within those bounds.
  (The first beat of a segment earns nothing.)
* p99: 99th percentile of heartbeat request latency (send to body read), in ms.
* ratio R = N / bare.

Progress goes to stderr; the last line of stdout is
``heartbeat: <N>/s, ratio <R> to bare endpoint, p99 <P> ms, errors <E>, credit mismatches <M>``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cpu_meter import CpuMeter  # noqa: E402
from bench.http_lite import LiteHTTP  # noqa: E402
from bench.setup import database_url, free_port, fresh_database  # noqa: E402

DB_NAME = "xst_bench_heartbeat"
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "Study2026ok"
HEARTBEAT_S, GRACE_S = 1, 1


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


# ---- database ---------------------------------------------------------------------------------------------

def db_url() -> str:
    return database_url(PG_ADMIN, DB_NAME)


def seed(learners: int, tmp: str) -> tuple[list[int], list[str], int, int]:
    """Fresh database; returns (person ids, mobiles, enrolment ids aligned, chapter id)."""
    from argon2 import PasswordHasher
    from sqlalchemy import insert, select

    from courseware.storage import MediaStore
    from lms import clock, create_app
    from lms.accounts.idcard import check_digit
    from lms.accounts.models import Person
    from lms.catalogue.models import CourseOffering, Enrolment
    from lms.catalogue.operations import add_chapter, create_course, set_offering_status
    from lms.orgs.operations import create_staff

    fresh_database(PG_ADMIN, DB_NAME)

    app = create_app({"DATABASE_URL": db_url(), "SECRET_KEY": "bench", "INSTANCE_DIR": tmp,
                      "MEDIA_DIR": os.path.join(tmp, "media"), "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024})
    year = clock.study_year()
    db = app.extensions["xst_db"]
    with app.app_context():
        s = db.factory()
        actor = create_staff(s, None, role="bureau", username="bench_bureau", name="王科员", password=PASSWORD)
        course = create_course(s, actor, title="心跳压测课程", summary="bench", category="general_public",
                               credited_hours=Decimal(18), year=year)
        chapter = add_chapter(s, actor, MediaStore(app.config["MEDIA_DIR"]), course, title="第1讲", kind="pdf",
                              mime="application/pdf", ext=".pdf", data=b"%PDF-1.4\n% bench\n%%EOF\n",
                              study_minutes=600)
        set_offering_status(s, actor, s.get(CourseOffering, (course.id, year)), "published")
        s.commit()
        course_id, chapter_id = course.id, chapter.id
        s.close()
    pw_hash = PasswordHasher(time_cost=1, memory_cost=1024).hash(PASSWORD)
    now = clock.now()
    people, mobiles = [], []
    for i in range(learners):
        born = date(1960, 1, 1) + timedelta(days=i % 15000)
        first17 = f"330302{born:%Y%m%d}{i // 15000:03d}"
        mobile = f"139{i:08d}"
        mobiles.append(mobile)
        people.append({"role": "practitioner", "name": f"学员{i}", "id_number": first17 + check_digit(first17),
                       "mobile": mobile, "region": "wenzhou", "industry": "教育", "password_hash": pw_hash,
                       "active": True, "session_version": 1, "created_at": now})
    with db.engine.begin() as c:
        c.execute(insert(Person.__table__), people)
        by_mobile = dict(c.execute(select(Person.mobile, Person.id).where(Person.role == "practitioner")).all())
        pids = [by_mobile[m] for m in mobiles]
        c.execute(insert(Enrolment.__table__), [
            {"person_id": pid, "course_id": course_id, "year": year, "category": "general_public",
             "created_at": now} for pid in pids])
        by_person = dict(c.execute(select(Enrolment.person_id, Enrolment.id)).all())
    db.engine.dispose()
    return pids, mobiles, [by_person[p] for p in pids], chapter_id  # type: ignore[return-value]


def check_credits(pids: list[int], learners: list[Learner]) -> int:
    """Count learners whose credited time is not what the schedule earned (see the module docstring)."""
    from sqlalchemy import create_engine, text
    engine = create_engine(db_url())
    with engine.connect() as c:
        segs: dict[int, list[tuple[int, int]]] = {}
        for pid, ms, beats in c.execute(text("SELECT person_id, credited_ms, beats FROM study_segment")):
            segs.setdefault(pid, []).append((ms, beats))
        prog = dict(c.execute(text("SELECT e.person_id, p.credited_ms FROM chapter_progress p "
                                   "JOIN enrolment e ON e.id = p.enrolment_id")).all())
    engine.dispose()
    cap_ms = (HEARTBEAT_S + GRACE_S) * 1000
    bad = 0
    for pid, ln in zip(pids, learners, strict=True):
        # The server handled each beat somewhere between sending it and reading its answer, so the gap it saw
        # between beats a and b lies in [sent_b - answered_a, answered_b - sent_a]; each gap is capped.
        low = high = 0.0
        for (sa, ra), (sb, rb) in zip(ln.accepted_t, ln.accepted_t[1:], strict=False):
            low += min((sb - ra) * 1000, cap_ms)
            high += min((rb - sa) * 1000, cap_ms)
        slack = len(ln.accepted_t)  # the server truncates each gap to whole milliseconds
        got = segs.get(pid, [])
        ok = (len(got) == 1 and got[0][1] == len(ln.accepted_t) and got[0][0] == prog.get(pid)
              and got[0][0] == ln.returned_ms and low - slack <= got[0][0] <= high + slack)
        if not ok:
            bad += 1
            if bad <= 5:
                log(f"  mismatch person {pid}: segments {got}, progress {prog.get(pid)}, returned "
                    f"{ln.returned_ms}, accepted {len(ln.accepted_t)}, expected {low:.0f}..{high:.0f} ms")
    return bad


# ---- gunicorn ---------------------------------------------------------------------------------------------

def start_server(args: argparse.Namespace, port: int, tmp: str) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "DATABASE_URL": db_url().replace("+psycopg", ""), "SECRET_KEY": "bench-secret-key",
        "INSTANCE_PATH": tmp, "MEDIA_DIR": os.path.join(tmp, "media"),
        "HEARTBEAT_SECONDS": str(HEARTBEAT_S), "HEARTBEAT_GRACE_SECONDS": str(GRACE_S),
        "IDLE_TIMEOUT_SECONDS": "300", "PRESENCE_MEAN_SECONDS": "0",
        "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "LOGIN_RATE_LIMIT": "100000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://", "SQL_ECHO": "0", "WEB_THREADS": str(args.threads),
    }
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers),
           "-b", f"127.0.0.1:{port}", "--backlog", "4096", "--keep-alive", "75",
           "--error-logfile", os.path.join(tmp, "gunicorn.log"), "--log-level", "warning"]
    if args.access_log:
        cmd += ["--access-logfile", args.access_log, "--access-logformat", '%(r)s %(s)s %(D)s']
    if args.worker_class == "gthread":  # for comparison: the Flask app alone under gthread (no lane)
        cmd += ["-k", "gthread", "--threads", str(args.threads), "lms:create_app()"]
    log("starting:", " ".join(cmd[1:]))
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# ---- load generator ---------------------------------------------------------------------------------------

class Learner:
    __slots__ = ("idx", "mobile", "enrolment_id", "cookie", "csrf", "stream", "accepted_t", "returned_ms")

    def __init__(self, idx: int, mobile: str, enrolment_id: int) -> None:
        self.idx, self.mobile, self.enrolment_id = idx, mobile, enrolment_id
        self.cookie = self.csrf = self.stream = ""
        self.accepted_t: list[tuple[float, float]] = []  # (sent, answered)
        self.returned_ms = 0

    def headers(self) -> dict[str, str]:
        return {"Cookie": f"session={self.cookie}", "X-CSRFToken": self.csrf, "Content-Type": "application/json"}


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))]


async def drive(args: argparse.Namespace, base: str, learners: list[Learner], chapter_id: int) -> dict[str, Any]:
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=30)
    conn = aiohttp.TCPConnector(limit=args.connections, keepalive_timeout=60, force_close=False)
    out: dict[str, Any] = {"setup_errors": 0}
    async with aiohttp.ClientSession(connector=conn, cookie_jar=aiohttp.DummyCookieJar(),
                                     timeout=timeout, auto_decompress=False) as http:

        async def setup_one(ln: Learner) -> None:
            async with http.get(base + "/api/v1/auth/csrf") as r:
                ln.csrf = (await r.json())["csrf_token"]
                ln.cookie = r.cookies["session"].value
            async with http.post(base + "/api/v1/auth/login", headers=ln.headers(),
                                 data=json.dumps({"login": ln.mobile, "password": PASSWORD})) as r:
                body = await r.json()
                if r.status != 200:
                    raise RuntimeError(f"login {r.status}: {body}")
                ln.cookie, ln.csrf = r.cookies["session"].value, body["csrf_token"]
            async with http.post(base + "/api/v1/study/streams", headers=ln.headers(),
                                 data=json.dumps({"enrolment_id": ln.enrolment_id, "chapter_id": chapter_id})) as r:
                body = await r.json()
                if r.status != 201:
                    raise RuntimeError(f"stream {r.status}: {body}")
                ln.stream = body["stream"]
            # The first beat opens the study segment (it earns nothing); it is part of arriving, not timed.
            t0 = time.perf_counter()
            async with http.post(base + "/api/v1/study/heartbeat", headers=ln.headers(),
                                 data=json.dumps({"stream": ln.stream, "seq": 1, "position": 0})) as r:
                body = await r.json()
                if r.status != 200 or body.get("state") != "started":
                    raise RuntimeError(f"first beat {r.status}: {body}")
                ln.accepted_t.append((t0, time.perf_counter()))

        t = time.perf_counter()
        sem = asyncio.Semaphore(args.connections)

        async def guarded(ln: Learner) -> None:
            async with sem:
                try:
                    await setup_one(ln)
                except Exception as exc:
                    out["setup_errors"] += 1
                    if out["setup_errors"] <= 3:
                        log(f"  setup failed for {ln.mobile}: {exc!r}")

        await asyncio.gather(*(guarded(ln) for ln in learners))
        log(f"logged in and opened {len(learners) - out['setup_errors']} streams in {time.perf_counter() - t:.1f} s")

        # -- ceiling: the trivial endpoint, closed loop over the same kind of pool ----------------------------
        lite = LiteHTTP("127.0.0.1", int(base.rsplit(":", 1)[1]), args.connections)
        await lite.open()
        ping_lat: list[float] = []
        ping_err = 0

        async def pinger(k: int, stop_at: float) -> int:
            nonlocal ping_err
            hdr, n = f"Cookie: session={learners[k % len(learners)].cookie}\r\n", 0
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                try:
                    status, _body = await lite.request("GET", "/api/v1/ping", hdr)
                except (OSError, ValueError, asyncio.IncompleteReadError):
                    ping_err += 1
                    continue
                if status != 200:
                    ping_err += 1
                    continue
                ping_lat.append(time.perf_counter() - t0)
                n += 1
            return n

        await asyncio.gather(*(pinger(k, time.perf_counter() + 1.0) for k in range(args.connections)))  # warm
        ping_lat.clear()
        cpu0, t0 = time.process_time(), time.perf_counter()
        counts = await asyncio.gather(*(pinger(k, t0 + args.ping_seconds) for k in range(args.connections)))
        elapsed = time.perf_counter() - t0
        out["bare"] = sum(counts) / elapsed
        out["ping_errors"] = ping_err
        log(f"ping: {out['bare']:.0f}/s, p99 {pct(ping_lat, 0.99) * 1000:.1f} ms, errors {ping_err}, "
            f"client cpu {(time.process_time() - cpu0) / elapsed:.0%}")

        # -- heartbeats, paced ------------------------------------------------------------------------------
        interval, n_beats = args.interval, max(2, int(args.duration / args.interval))
        lat: list[float] = []
        status_counts: dict[str, int] = {}
        accepted = 0
        first_send, last_done = float("inf"), 0.0
        live = [ln for ln in learners if ln.stream]
        start = time.perf_counter() + 1.0
        timeline: list[tuple[float, float, int]] | None = [] if os.environ.get("BENCH_VERBOSE") else None

        async def player(k: int, ln: Learner) -> None:
            nonlocal accepted, first_send, last_done
            hdr = f"Cookie: session={ln.cookie}\r\nX-CSRFToken: {ln.csrf}\r\nContent-Type: application/json\r\n"
            next_at = start + interval * k / len(live)
            for j in range(n_beats):
                delay = next_at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                t0 = time.perf_counter()
                next_at = t0 + interval
                first_send = min(first_send, t0)
                payload = f'{{"stream":"{ln.stream}","seq":{j + 2},"position":{j + 1}}}'.encode()
                try:
                    status, raw = await lite.request("POST", "/api/v1/study/heartbeat", hdr, payload)
                except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                    key = type(exc).__name__
                    status_counts[key] = status_counts.get(key, 0) + 1
                    continue
                t1 = time.perf_counter()
                last_done = max(last_done, t1)
                lat.append(t1 - t0)
                if timeline is not None:
                    timeline.append((t0 - start, t1 - t0, status))
                if status == 200:
                    accepted += 1
                    ln.accepted_t.append((t0, t1))
                    ln.returned_ms += round(json.loads(raw)["credited_seconds"] * 1000)
                else:
                    status_counts[str(status)] = status_counts.get(str(status), 0) + 1
                    if sum(status_counts.values()) <= 3:
                        log(f"  beat {status}: {raw[:200]!r}")

        log(f"heartbeats: {len(live)} learners x {n_beats} beats every {interval} s "
            f"(offered {len(live) / interval:.0f}/s)")
        cpu0 = time.process_time()
        meter = CpuMeter()
        meter.start()
        await asyncio.gather(*(player(k, ln) for k, ln in enumerate(live)))
        log(f"cpu during the heartbeats: {meter.stop()}")
        if timeline is not None:  # BENCH_VERBOSE=1: per second of sending, beats, p50 and max latency, refusals
            for sec in range(int(max(t for t, _l, _s in timeline)) + 1):
                got = sorted(lt for t, lt, _s in timeline if sec <= t < sec + 1)
                bad = sum(1 for t, _l, st in timeline if sec <= t < sec + 1 and st != 200)
                if got:
                    log(f"  t={sec:3d}s beats {len(got):5d} p50 {got[len(got) // 2] * 1000:7.1f} ms "
                        f"max {got[-1] * 1000:7.1f} ms refused {bad}")
        await lite.close()
        window = last_done - first_send
        out.update(accepted=accepted, window=window, lat=lat, status_counts=status_counts,
                   client_cpu=(time.process_time() - cpu0) / window)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--learners", type=int, default=2000)
    ap.add_argument("--heartbeat-seconds", type=int, default=1, help="the app's HEARTBEAT_SECONDS")
    ap.add_argument("--interval", type=float, help="seconds between one learner's beats (default 1.25 x heartbeat)")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of heartbeats")
    ap.add_argument("--ping-seconds", type=float, default=8.0)
    ap.add_argument("--workers", type=int, default=2, help="as gunicorn.conf.py")
    ap.add_argument("--threads", type=int, default=2, help="as gunicorn.conf.py")
    ap.add_argument("--worker-class", default="asgi", choices=["asgi", "gthread"],
                    help="asgi: as gunicorn.conf.py; gthread: the Flask app alone, for comparison")
    ap.add_argument("--connections", type=int, default=64,
                    help="client keep-alive sockets shared by the learners, and ping concurrency")
    ap.add_argument("--access-log", help="gunicorn access log file (request, status, microseconds)")
    args = ap.parse_args()
    global HEARTBEAT_S, GRACE_S
    HEARTBEAT_S = args.heartbeat_seconds
    GRACE_S = HEARTBEAT_S  # the credit cap is 2 x the beat interval, so latency jitter is not clipped
    args.interval = args.interval or 1.25 * HEARTBEAT_S
    if not HEARTBEAT_S / 2 < args.interval <= HEARTBEAT_S + GRACE_S:
        ap.error("interval must be within (HEARTBEAT_SECONDS/2, HEARTBEAT_SECONDS + grace]")

    try:
        import uvloop
        uvloop.install()
    except ImportError:
        log("uvloop not installed: plain asyncio")

    with tempfile.TemporaryDirectory(prefix="bench-hb-") as tmp:
        t = time.perf_counter()
        pids, mobiles, enrolments, chapter_id = seed(args.learners, tmp)
        log(f"seeded {len(pids)} learners in {time.perf_counter() - t:.1f} s")
        learners = [Learner(i, m, e) for i, (m, e) in enumerate(zip(mobiles, enrolments, strict=True))]
        port = free_port()
        proc = start_server(args, port, tmp)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.time() + 30
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                        sock.sendall(b"GET /api/v1/ping HTTP/1.0\r\n\r\n")
                        if b" 200 " in sock.recv(100):
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("gunicorn did not start: " + Path(tmp, "gunicorn.log").read_text()[-2000:])
                time.sleep(0.2)
            res = asyncio.run(asyncio.wait_for(drive(args, base, learners, chapter_id), 600))
        finally:
            stop_server(proc)
            glog = Path(tmp, "gunicorn.log")
            if glog.exists() and "Traceback" in glog.read_text():
                log("gunicorn log:\n" + glog.read_text()[-3000:])
        mismatches = check_credits(pids, learners)

    n = res["accepted"] / res["window"]
    ratio = n / res["bare"]
    p99 = pct(res["lat"], 0.99) * 1000
    errors = sum(res["status_counts"].values()) + res["setup_errors"]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    log(f"accepted {res['accepted']} in {res['window']:.1f} s; p50 {pct(res['lat'], 0.5) * 1000:.1f} ms, "
        f"p99.9 {pct(res['lat'], 0.999) * 1000:.1f} ms, max {max(res['lat'], default=0) * 1000:.1f} ms; "
        f"non-200 {res['status_counts']}; client cpu {res['client_cpu']:.0%} of a core; "
        f"client maxrss {usage.ru_maxrss // 1024} MiB")
    log(f"config: learners {args.learners}, interval {args.interval} s, duration {args.duration} s, "
        f"{args.worker_class} workers {args.workers} threads {args.threads}, connections {args.connections}")
    print(f"heartbeat: {n:.0f}/s, ratio {ratio:.2f} to bare endpoint, p99 {p99:.0f} ms, errors {errors}, "
          f"credit mismatches {mismatches}")


if __name__ == "__main__":
    main()
