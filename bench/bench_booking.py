"""Bench: 5,000 logged-in candidates rush 1,000 seats through the booking API behind gunicorn (PostgreSQL).

Prints exactly one line:  booking: <N>/s, p99 <P> ms, oversold <O>, double-booked <D>, errors <E>

Every candidate logs in through the API (a real Flask session and CSRF token), then all of them are
released at once against one session of 1,000 seats, ``BENCH_CONCURRENCY`` requests in flight; every
fifth candidate double-clicks (two requests at the same moment). N = answered requests / elapsed,
p99 over every booking request. Oversold and double-booked are counted from the database after the
run. A refusal because the seats are gone (409 no_seats_left) or because the person already holds a
booking (409 already_booked, the double click) is an answer, not an error; an error is anything else,
or a count of bookings that is not exactly min(seats, candidates).
"""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path

import aiohttp
from argon2 import PasswordHasher
from sqlalchemy import create_engine, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cpu_meter import CpuMeter  # noqa: E402
from bench.setup import database_url, free_port, fresh_database, start_server, wait_up  # noqa: E402
from exams.models import ExamPlan, ExamSession  # noqa: E402
from lms import clock  # noqa: E402
from lms.accounts.models import Person  # noqa: E402
from lms.catalogue.models import Course, CourseOffering  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DB_NAME = "xst_bench_booking"
CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", "5000"))
SEATS = int(os.environ.get("BENCH_SEATS", "1000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "32"))
PASSWORD = "Bench2026ok"


def db_url() -> str:
    return database_url(ADMIN_URL, DB_NAME)


def build_database() -> int:
    """Create the dedicated database, build the schema and seed candidates, a course and one session."""
    engine = create_engine(fresh_database(ADMIN_URL, DB_NAME))
    now = clock.now()
    pw = PasswordHasher(time_cost=1, memory_cost=1024).hash(PASSWORD)  # one cheap hash shared by everyone
    with engine.begin() as c:
        c.execute(insert(Person), [{"role": "practitioner", "name": f"考生{i}", "id_number": f"B{i:017d}",
                                    "mobile": f"1{i:010d}", "region": "wenzhou", "password_hash": pw,
                                    "active": True, "session_version": 1, "created_at": now}
                                   for i in range(CANDIDATES)])
        city = c.scalar(text("SELECT id FROM organisation WHERE region_code = 'wenzhou' AND kind = 'city_hr'"))
        bureau = c.execute(insert(Person).values(role="bureau", name="王科员", username="bench-bureau", org_id=city,
                                                 region="wenzhou", password_hash=pw, active=True,
                                                 session_version=1, created_at=now).returning(Person.id)).scalar()
        course = c.execute(insert(Course).values(title="一般公需科目", summary="", category="general_public",
                                                 credited_hours=18, created_by_id=bureau, created_at=now)
                           .returning(Course.id)).scalar()
        year = clock.study_year()
        c.execute(insert(CourseOffering).values(course_id=course, year=year, status="published", published_at=now))
        c.execute(text("INSERT INTO enrolment (person_id, course_id, year, category, created_at, completed_at) "
                       "SELECT id, :c, :y, 'general_public', :now, :now FROM person WHERE role = 'practitioner'"),
                  {"c": course, "y": year, "now": now})
        plan = c.execute(insert(ExamPlan).values(year=year, category="general_public", title="bench", pass_mark=60,
                                                 duration_minutes=60, question_count=20, owner_org_id=city,
                                                 region_code="wenzhou", created_at=now)
                         .returning(ExamPlan.id)).scalar()
        session = c.execute(insert(ExamSession).values(
            plan_id=plan, venue_name="考点", venue_address="地址", room="1", starts_at=now + timedelta(days=2),
            ends_at=now + timedelta(days=2, hours=2), seats=SEATS, taken=0,
            booking_opens_at=now - timedelta(hours=1), booking_closes_at=now + timedelta(days=1),
            cancel_deadline=now + timedelta(days=1), booking_state="open", allowed_cidrs="", created_at=now,
        ).returning(ExamSession.id)).scalar()
    engine.dispose()
    assert session is not None
    return int(session)


async def login_all(http: aiohttp.ClientSession, base: str) -> list[tuple[str, str]]:
    """Log every candidate in through the API; return (cookie, csrf token) per candidate."""
    sem = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> tuple[str, str]:
        async with sem:
            async with http.get(base + "/api/v1/auth/csrf") as r:
                cookie = r.cookies["session"].value
                token = (await r.json())["csrf_token"]
            async with http.post(base + "/api/v1/auth/login", json={"login": f"B{i:017d}", "password": PASSWORD},
                                 headers={"Cookie": f"session={cookie}", "X-CSRFToken": token}) as r:
                body = await r.json()
                assert r.status == 200, body
                return r.cookies["session"].value, body["csrf_token"]

    return await asyncio.gather(*(one(i) for i in range(CANDIDATES)))


async def rush(http: aiohttp.ClientSession, base: str, creds: list[tuple[str, str]],
               session_id: int) -> tuple[float, list[float], dict[str, int]]:
    """Everyone books the same session at once; return elapsed seconds, latencies and outcomes."""
    sem = asyncio.Semaphore(CONCURRENCY)
    start_gate = asyncio.Event()
    latencies: list[float] = []
    by_outcome: dict[str, list[float]] = {}
    outcomes: dict[str, int] = {}
    last_booked = [0.0]

    async def one(cookie: str, token: str) -> None:
        await start_gate.wait()
        async with sem:
            t0 = time.perf_counter()
            try:
                async with http.post(base + "/api/v1/exams/bookings", json={"session_id": session_id},
                                     headers={"Cookie": f"session={cookie}", "X-CSRFToken": token}) as r:
                    body = await r.json(content_type=None)
                    key = "booked" if r.status == 201 else str(body.get("error", r.status))
            except aiohttp.ClientError as exc:
                key = type(exc).__name__
            latencies.append(time.perf_counter() - t0)
            by_outcome.setdefault(key, []).append(latencies[-1])
            outcomes[key] = outcomes.get(key, 0) + 1
            if key == "booked":
                last_booked[0] = time.perf_counter()

    # Every fifth candidate double-clicks: its second request goes out right beside the first.
    tasks = [asyncio.create_task(one(c, t)) for i, (c, t) in enumerate(creds) for _ in range(2 if i % 5 == 0 else 1)]
    await asyncio.sleep(0)
    meter = CpuMeter()
    meter.start()
    t0 = time.perf_counter()
    start_gate.set()
    await asyncio.gather(*tasks)
    if os.environ.get("BENCH_VERBOSE"):
        print(f"cpu during the rush: {meter.stop()}", file=sys.stderr)
    if os.environ.get("BENCH_VERBOSE"):
        print(f"last seat booked after {last_booked[0] - t0:.2f} s", file=sys.stderr)
        for key, values in sorted(by_outcome.items()):
            values.sort()
            print(f"  {key}: {len(values)}, p50 {values[len(values) // 2] * 1000:.0f} ms, "
                  f"p99 {values[int(len(values) * 0.99)] * 1000:.0f} ms, max {values[-1] * 1000:.0f} ms", file=sys.stderr)
    return time.perf_counter() - t0, latencies, outcomes


async def main_async(base: str, session_id: int) -> tuple[float, list[float], dict[str, int]]:
    await wait_up(base)
    conn = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=conn, cookie_jar=aiohttp.DummyCookieJar()) as http:
        creds = await login_all(http, base)
        return await rush(http, base, creds, session_id)


def verify(session_id: int) -> tuple[int, int, int]:
    """Count from the database: seats oversold, persons holding two active bookings, and active bookings."""
    engine = create_engine(db_url())
    with engine.connect() as c:
        seats, taken = c.execute(text("SELECT seats, taken FROM exam_session WHERE id = :i"), {"i": session_id}).one()
        active = c.execute(text("SELECT count(*) FROM exam_booking WHERE session_id = :i "
                                "AND status IN ('booked','checked_in')"), {"i": session_id}).scalar_one()
        double = c.execute(text("SELECT count(*) FROM (SELECT person_id FROM exam_booking WHERE status IN "
                                "('booked','checked_in') GROUP BY person_id, plan_id HAVING count(*) > 1) x")).scalar_one()
    engine.dispose()
    oversold = max(0, active - seats, taken - seats)
    assert active == taken, (active, taken)
    return oversold, double, active


def main() -> None:
    session_id = build_database()
    port = free_port()
    server = start_server(db_url(), port, WORKERS, WEB_THREADS=str(THREADS))
    try:
        elapsed, latencies, outcomes = asyncio.run(main_async(f"http://127.0.0.1:{port}", session_id))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    oversold, double, active = verify(session_id)
    answers = sum(outcomes.get(k, 0) for k in ("booked", "no_seats_left", "already_booked"))
    errors = sum(outcomes.values()) - answers
    if outcomes.get("booked", 0) != min(SEATS, CANDIDATES) or active != outcomes.get("booked", 0):
        errors += 1
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    if os.environ.get("BENCH_VERBOSE"):
        print(outcomes, f"{elapsed:.2f}s", file=sys.stderr)
    print(f"booking: {len(latencies) / elapsed:.0f}/s, p99 {p99:.0f} ms, oversold {oversold}, "
          f"double-booked {double}, errors {errors}")


if __name__ == "__main__":
    main()
