"""Bench: a city of half a million practitioners on PostgreSQL (issue 14 item 6).

Builds a private database (dropped at the end) with COPY: P practitioners (default 500,000) of E employers (20,000) in
Wenzhou's 12 counties and 12 industries, five years of hours (about four entries a person-year: ~10 million), and
200,000 claims in review. Then:

* the year-end verdict for every person of this study year: lms.stats.operations.refresh_year, which judges every
  person-year against their policy in SQL (C, seconds; the claims' summary is rebuilt beside it);
* the pages, in process (Flask's test client) and through HTTP (gunicorn as `make run` serves it), each R times:
  dashboards — the city's, a county's; lists — an employer's staff list, the industry authority's claims queue, a
  practitioner's hours page, the city's drill-down of persons short of their requirement (p95 of each group, A and B,
  the worse of in-process and HTTP);
* every figure of the city's and each county's dashboard (persons, participants, complete, professional and public
  requirement met, hours by category and by source) against a direct count: one pass over this year's hours_entry
  rows grouped by person, each person judged by the rules engine (Policy.judge_totals) in Python (W, figures wrong).

Prints one line:
    scale: <P> persons, dashboards p95 <A> ms, lists p95 <B> ms, year-end <C> s, figures wrong <W>
SCALE=0.1 builds a tenth of everything; BENCH_REPEAT (20) requests per page. BENCH_KEEP=1 leaves the database for
a look afterwards; BENCH_REUSE=1 measures again on the database a BENCH_KEEP run left (of the same SCALE), without
building it anew (it gains the models' new tables, columns — filled as their migration fills them — and indexes,
and is left in place too).
"""
from __future__ import annotations

import asyncio
import os
import resource
import signal
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.setup import database_url, free_port, fresh_database, start_server, wait_up  # noqa: E402
from lms import clock  # noqa: E402
from lms.regions import REGIONS  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DB_NAME = "xst_bench_scale"
SCALE = float(os.environ.get("SCALE", "1"))
PERSONS = int(500_000 * SCALE)
EMPLOYERS = max(12, int(20_000 * SCALE))
CLAIMS = int(200_000 * SCALE)
YEARS = 5
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
CITY = "wenzhou"   # the bench builds Wenzhou and its counties
COUNTIES = sorted(c for c, r in REGIONS.items() if r.parent == CITY)
INDUSTRIES = ("教育", "卫生健康", "工程技术", "农业", "经济", "会计", "统计", "新闻出版", "文化艺术", "科学研究", "其他", "律师")
PASSWORD = "Bench2026ok"
CATS = ("general_public", "industry_public", "professional")
SOURCE_OF = {"course": "study", "exam": "exam", "claim": "claim", "roster": "roster", "transfer_in": "transfer"}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def entries_of(pid: int, year: int) -> list[tuple[str, int, str]]:
    """A person-year's registrations (category, hours, source), varied so that some meet the requirement and some
    do not, deterministically from the ids."""
    k = (pid * 7 + year * 13) % 20
    out: list[tuple[str, int, str]] = []
    if k != 0:
        out.append(("general_public", 18 if k > 2 else 12, "exam"))
    if k % 3 != 1:
        out.append(("professional", 30 + k * 3, "claim" if k % 2 else "roster"))
    if k % 4 == 0:
        out.append(("industry_public", 12, "roster"))
    out.append(("professional", 20 if k % 5 else 8, "transfer_in" if k == 7 else "roster" if k % 2 else "exam"))
    if k % 2 == 0:
        out.append(("general_public", 6, "course"))
    if k % 3 == 0:
        out.append(("professional", 10, "claim"))
    if k % 4 == 2:
        out.append(("industry_public", 6, "roster"))
    if k == 11:
        out.append(("professional", -4, "correction"))
    return out


def build(url: str, this_year: int) -> dict[str, Any]:
    """Everything by COPY, in a few transactions; returns the ids the measurements need."""
    from argon2 import PasswordHasher
    pw = PasswordHasher(time_cost=1, memory_cost=1024).hash(PASSWORD)
    created = datetime(this_year - YEARS, 6, 1)
    now = clock.now()
    with psycopg.connect(pg_dsn(url), autocommit=False) as conn:
        cur = conn.cursor()
        city = cur.execute("SELECT id FROM organisation WHERE region_code = 'wenzhou' AND kind = 'city_hr'").fetchone()
        assert city is not None
        org0 = int(cur.execute("SELECT coalesce(max(id), 0) + 1 FROM organisation").fetchone()[0])  # type: ignore[index]
        with cur.copy("COPY organisation (id, kind, name, uscc, region_code, industry, status, disabled, created_at) "
                      "FROM STDIN") as cp:
            for i in range(EMPLOYERS):
                cp.write_row((org0 + i, "employer", f"单位{i}", f"91330300{i:010d}",
                              COUNTIES[i % len(COUNTIES)], INDUSTRIES[(i // len(COUNTIES)) % len(INDUSTRIES)],
                              "approved", False, created))
            cp.write_row((org0 + EMPLOYERS, "authority", "温州市教育局", None, "wenzhou", "教育", "approved", False,
                          created))
        cur.execute("SELECT setval(pg_get_serial_sequence('organisation', 'id'), %s)", (org0 + EMPLOYERS,))
        p0 = int(cur.execute("SELECT coalesce(max(id), 0) + 1 FROM person").fetchone()[0])  # type: ignore[index]
        log(f"copying {PERSONS} persons")
        with cur.copy("COPY person (id, role, name, id_number, mobile, region, industry, password_hash, active, "
                      "session_version, created_at) FROM STDIN") as cp:
            for i in range(PERSONS):
                e = i % EMPLOYERS
                cp.write_row((p0 + i, "practitioner", f"人员{i}", f"B{i:017d}", f"1{i:010d}",
                              COUNTIES[e % len(COUNTIES)], INDUSTRIES[(e // len(COUNTIES)) % len(INDUSTRIES)], pw, True,
                              1, created))
        staff = {}
        for j, (role, org, region, username) in enumerate((
                ("bureau", int(city[0]), "wenzhou", "bench-city"),
                ("bureau", None, COUNTIES[0], "bench-county"),
                ("employer", org0, COUNTIES[0], "bench-employer"),
                ("authority", org0 + EMPLOYERS, "wenzhou", "bench-authority"))):
            if org is None:
                org = int(cur.execute("SELECT id FROM organisation WHERE region_code = %s AND kind = 'county_hr'",
                                      (region,)).fetchone()[0])  # type: ignore[index]
            staff[username] = p0 + PERSONS + j
            cur.execute("INSERT INTO person (id, role, name, username, org_id, region, password_hash, active, "
                        "session_version, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, true, 1, %s)",
                        (p0 + PERSONS + j, role, "科员", username, org, region, pw, created))
        cur.execute("SELECT setval(pg_get_serial_sequence('person', 'id'), %s)", (p0 + PERSONS + 4,))
        log("copying fee reports")   # three employers in four report each year's training fees (lms/orgs/fees.py)
        with cur.copy("COPY fee_report (org_id, year, amount, trained, reported_by_id, reported_at) FROM STDIN") as cp:
            for year in range(this_year - YEARS + 1, this_year + 1):
                for i in range(EMPLOYERS):
                    if (i + year) % 4:
                        cp.write_row((org0 + i, year, Decimal((i * 7919 + year) % 5_000_000) / 100, (i + year) % 60,
                                      staff["bench-employer"], now))
        log("copying employments")
        with cur.copy("COPY employment (person_id, org_id, status, applied_at, started_on, confirmed_by_id, "
                      "region_code) FROM STDIN") as cp:
            for i in range(PERSONS):
                if i % 20 == 19:
                    continue  # one in twenty has no confirmed employer
                e = i % EMPLOYERS
                cp.write_row((p0 + i, org0 + e, "current", created, created.date(), p0 + i,
                              COUNTIES[e % len(COUNTIES)]))
        conn.commit()
        n = 0
        for year in range(this_year - YEARS + 1, this_year + 1):
            log(f"copying {year}'s hours")
            with cur.copy("COPY hours_entry (person_id, year, category, hours, source_type, source_ref, title, "
                          "registered_by_org, registered_at, note) FROM STDIN") as cp:
                for i in range(PERSONS):
                    pid = p0 + i
                    for k, (cat, hours, source) in enumerate(entries_of(pid, year)):
                        cp.write_row((pid, year, cat, hours, source, f"{pid}:{year}:{k}", "登记", "温州市人社局",
                                      now, ""))
                        n += 1
            conn.commit()
        log(f"{n} entries; copying {CLAIMS} claims")
        with cur.copy("COPY hour_claim (person_id, year, policy, kind, kind_label, rule, chain, steps, facts, title, "
                      "hours_claimed, status, step, version, filed_by_id, filed_at, updated_at) FROM STDIN") as cp:
            for c in range(CLAIMS):
                pid = p0 + (c * 2_654_435_761) % PERSONS
                at = now - timedelta(days=c % 180, minutes=c % 1440)
                cp.write_row((pid, this_year, "wenzhou-2020", "training", "培训", "第十二条", "default", 1,
                              '{"hours": "8", "start": "2026-02-01"}', f"培训{c}", 8,
                              "returned" if c % 10 == 0 else "pending", 0, 1, pid, at, at))
        conn.commit()
        log("analyze")
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
    return {"entries": n, "staff": staff, "org0": org0, "p0": p0}


def reusable(url: str) -> dict[str, Any] | None:
    """The ids of the city a BENCH_KEEP run left at url, its schema brought up to the models (new tables and
    indexes); None when there is no such database or it holds another SCALE's city."""
    from lms.models import metadata
    try:
        with psycopg.connect(pg_dsn(url)) as conn:
            staff = dict(conn.execute("SELECT username, id FROM person WHERE username LIKE 'bench-%%'").fetchall())
            persons, org0 = conn.execute("SELECT count(*) FILTER (WHERE role = 'practitioner'), min(id) FILTER "
                                         "(WHERE role = 'practitioner') FROM person").fetchone()  # type: ignore[misc]
            employer0 = conn.execute("SELECT min(id) FROM organisation WHERE kind = 'employer'").fetchone()
            entries = conn.execute("SELECT count(*) FROM hours_entry").fetchone()
    except psycopg.OperationalError:
        return None
    if len(staff) != 4 or persons != PERSONS or employer0 is None or entries is None:
        return None
    engine = create_engine(url)
    metadata.create_all(engine)
    added = _add_new_columns(engine)
    for table in metadata.sorted_tables:
        for index in table.indexes:
            index.create(engine, checkfirst=True)
    engine.dispose()
    if added:
        with psycopg.connect(pg_dsn(url), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE hour_claim")
    return {"entries": int(entries[0]), "staff": staff, "org0": int(employer0[0]), "p0": int(org0)}


def _add_new_columns(engine: Any) -> list[str]:
    """The models' columns a kept database lacks, added (nullable, as every migration adds them first), and what
    fills them: the claims' copies of their claimants (lms/claims/claimant.py, migration 0028) backfilled and their
    triggers installed. Returns the columns added."""
    from sqlalchemy import inspect
    from sqlalchemy.schema import CreateColumn

    from lms.claims.claimant import BACKFILL, claimant_ddl
    from lms.models import metadata
    added = []
    with engine.begin() as c:
        have = inspect(c)
        for table in metadata.sorted_tables:
            present = {col["name"] for col in have.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:
                    spec = CreateColumn(column).compile(dialect=engine.dialect)
                    c.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {str(spec).replace(' NOT NULL', '')}"))
                    added.append(f"{table.name}.{column.name}")
        if any(a.startswith("hour_claim.claimant_") for a in added):
            log("backfilling the claims' copies of their claimants")
            c.execute(text(BACKFILL))
        for stmt in claimant_ddl("postgresql"):
            c.exec_driver_sql(stmt)
    if added:
        log("added columns: " + ", ".join(added))
    return added


def direct_counts(url: str, year: int) -> dict[str, dict[str, Any]]:
    """Per region and for the city: the dashboard's figures counted from this year's entries, each person judged
    in Python by the rules engine."""
    from lms.stats.operations import judged_policy
    from rules import load_policy
    policies = {code: load_policy(judged_policy(code, year)) for code in REGIONS}
    out: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(Decimal))
    with psycopg.connect(pg_dsn(url)) as conn, conn.cursor(name="direct") as cur:
        cur.itersize = 20_000
        cur.execute("""
            SELECT p.id, p.region, e.person_id IS NOT NULL, e.category, e.source_type, e.hours
            FROM person p LEFT JOIN hours_entry e ON e.person_id = p.id AND e.year = %s
            WHERE p.role = 'practitioner' ORDER BY p.id""", (year,))
        current: Any = None
        got: dict[str, Decimal] = {}
        region = ""
        entries = 0

        def close() -> None:
            if current is None:
                return
            policy = policies[region]
            results, complete = policy.judge_totals(got)
            req = policy.annual_requirement
            public = sum((got.get(c, Decimal(0)) for c in req.public_categories), Decimal(0))
            for key in (region, "city"):
                o = out[key]
                o["persons"] += 1
                o["participants"] += 1 if entries else 0
                o["complete"] += 1 if complete else 0
                o["professional_ok"] += 1 if got.get("professional", Decimal(0)) >= req.professional else 0
                o["public_ok"] += 1 if req.public is None or public >= req.public else 0
                for c in CATS:
                    o[c] += got.get(c, Decimal(0))
                for src, v in srcs.items():
                    o[f"src_{src}"] += v
            del results

        srcs: dict[str, Decimal] = defaultdict(Decimal)
        for pid, reg, has, cat, source, hours in cur:
            if pid != current:
                close()
                current, region, got, entries, srcs = pid, reg, {}, 0, defaultdict(Decimal)
            if has:
                entries += 1
                got[cat] = got.get(cat, Decimal(0)) + hours
                srcs[SOURCE_OF.get(source, "other")] += hours
        close()
    return out


def figures_wrong(app: Any, url: str, year: int, staff: dict[str, int]) -> int:
    """How many dashboard figures (city and every county) differ from the direct count."""
    from lms.accounts.models import Person
    from lms.db import database
    from lms.orgs.scope import scope_of
    from lms.stats.queries import Slice, employer_funding, totals
    direct = direct_counts(url, year)
    wrong = 0
    with psycopg.connect(pg_dsn(url)) as conn:
        fees = {(REGIONS[r].short_name, i or "未填写"): [int(n), int(t), Decimal(a).quantize(Decimal("0.01"))]
                for r, i, n, t, a in conn.execute(
                    "SELECT o.region_code, o.industry, count(*), sum(f.trained), sum(f.amount) FROM fee_report f "
                    "JOIN organisation o ON o.id = f.org_id WHERE f.year = %s GROUP BY 1, 2", (year,))}
    with app.app_context(), database().factory() as s:
        scope = scope_of(s, s.get(Person, staff["bench-city"]))
        shown_fees = {(r[0], r[1]): r[2:] for r in employer_funding(s, scope, year, Slice()).rows}
        for key in sorted(set(fees) | set(shown_fees)):
            if shown_fees.get(key) != fees.get(key):
                wrong += 1
                log(f"wrong: employers' fees {key} show {shown_fees.get(key)}, direct sum {fees.get(key)}")
        for key, sl in [("city", Slice()), *((c, Slice(region=c)) for c in COUNTIES)]:
            shown = totals(s, scope, year, sl)
            for name, value in shown.items():
                expected = direct[key].get(name, 0)
                if Decimal(value) != Decimal(expected):
                    wrong += 1
                    log(f"wrong: {key} {name} shows {value}, direct count {expected}")
    return wrong


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)] * 1000


def in_process(app: Any, pages: dict[str, tuple[str, str]]) -> dict[str, float]:
    out = {}
    clients: dict[str, Any] = {}
    for name, (login, url) in pages.items():
        if login not in clients:
            c = app.test_client()
            r = c.post("/login", data={"login": login, "password": PASSWORD})
            assert r.status_code == 302, (login, r.status_code)
            clients[login] = c
        c = clients[login]
        times = []
        for _ in range(REPEAT + 2):
            t = time.perf_counter()
            r = c.get(url)
            body = r.get_data()
            times.append(time.perf_counter() - t)
            assert r.status_code == 200 and body, (name, r.status_code)
        out[name] = p95(times[2:])
    return out


async def http_login(http: Any, base: str, login: str) -> str:
    """Log in through the JSON API (its CSRF token first); the session cookie's value."""
    async with http.get(base + "/api/v1/auth/csrf") as r:
        cookie = r.cookies["session"].value
        token = (await r.json())["csrf_token"]
    async with http.post(base + "/api/v1/auth/login", json={"login": login, "password": PASSWORD},
                         headers={"Cookie": f"session={cookie}", "X-CSRFToken": token}) as r:
        assert r.status == 200, (login, r.status, await r.text())
        return str(r.cookies["session"].value)


async def over_http(base: str, pages: dict[str, tuple[str, str]]) -> dict[str, float]:
    import aiohttp
    out = {}
    async with aiohttp.ClientSession() as http:
        cookies: dict[str, str] = {}
        for name, (login, url) in pages.items():
            if login not in cookies:
                cookies[login] = await http_login(http, base, login)
            times = []
            for _ in range(REPEAT + 2):
                t = time.perf_counter()
                async with http.get(base + url, headers={"Cookie": f"session={cookies[login]}"},
                                    allow_redirects=False) as r:
                    await r.read()
                    times.append(time.perf_counter() - t)
                    assert r.status == 200, (name, r.status)
            out[name] = p95(times[2:])
    return out


async def export_over_http(base: str, login: str, url: str) -> tuple[float, float, int, int]:
    """A drill-down's CSV through the server: (seconds to the first byte of the body, to the last, lines, bytes).
    Not part of the result line: the issue sets no target for it; its first byte shows it is streamed."""
    import aiohttp
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        session = await http_login(http, base, login)
        t = time.perf_counter()
        first = 0.0
        lines = size = 0
        async with http.get(base + url, headers={"Cookie": f"session={session}"}) as r:
            assert r.status == 200 and r.content_type == "text/csv", (url, r.status)
            async for chunk in r.content.iter_any():
                if not first:
                    first = time.perf_counter() - t
                lines += chunk.count(b"\n")
                size += len(chunk)
        return first, time.perf_counter() - t, lines, size


def main() -> None:
    from lms import create_app
    from lms.db import database, transaction
    from lms.stats.operations import refresh_claims, refresh_year
    year = clock.study_year()
    reused = reusable(database_url(ADMIN_URL, DB_NAME)) if os.environ.get("BENCH_REUSE") else None
    url = database_url(ADMIN_URL, DB_NAME) if reused else fresh_database(ADMIN_URL, DB_NAME)
    server = None
    try:
        t0 = time.perf_counter()
        ids = reused or build(url, year)
        log(f"{'reused' if reused else 'built'} in {time.perf_counter() - t0:.0f} s")
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + os.urandom(8).hex(), "WTF_CSRF_ENABLED": False,
                          "LOGIN_RATE_LIMIT": "1000000 per minute", "RATELIMIT_STORAGE_URI": "memory://",
                          "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024, "INSTANCE_DIR": "/tmp/xst-bench-instance"})
        for y in range(year - YEARS + 1, year):  # earlier years, for the year-over-year table (not timed)
            with app.app_context(), database().factory() as s, transaction(s):
                refresh_year(s, y)
        t = time.perf_counter()
        with app.app_context(), database().factory() as s, transaction(s):
            refresh_year(s, year)
        verdict = time.perf_counter() - t
        with app.app_context(), database().factory() as s, transaction(s):
            refresh_claims(s)
        log(f"year-end verdict of {PERSONS} persons: {verdict:.1f} s")
        county = COUNTIES[0]
        dashboards = {"city dashboard": ("bench-city", f"/stats/{year}"),
                      "county dashboard": ("bench-county", f"/stats/{year}")}
        lists = {"employer's staff": ("bench-employer", "/org/staff"),
                 "reviewer's queue": ("bench-authority", "/claims/review"),
                 "person's hours": (f"B{7:017d}", "/hours"),
                 "persons short": ("bench-city", f"/stats/{year}/people?measure=short&region={county}")}
        inproc = in_process(app, dashboards | lists)
        log("in process: " + ", ".join(f"{k} {v:.0f} ms" for k, v in inproc.items()))
        port = free_port()
        server = start_server(url, port)
        base = f"http://127.0.0.1:{port}"
        asyncio.run(wait_up(base))
        http = asyncio.run(over_http(base, dashboards | lists))
        log("over HTTP: " + ", ".join(f"{k} {v:.0f} ms" for k, v in http.items()))
        first, whole, lines, size = asyncio.run(export_over_http(base, "bench-city",
                                                                 f"/stats/{year}/people.csv?measure=persons"))
        log(f"export over HTTP: the city's {lines - 1} persons as CSV, first byte {first * 1000:.0f} ms, whole "
            f"{whole:.1f} s, {size / 2**20:.0f} MiB")
        if lines - 1 != PERSONS:
            log(f"wrong: the CSV lists {lines - 1} persons, the city has {PERSONS}")
        wrong = figures_wrong(app, url, year, ids["staff"])
        a = max(max(inproc[k], http[k]) for k in dashboards)
        b = max(max(inproc[k], http[k]) for k in lists)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        log(f"bench process peak memory {rss:.0f} MiB; {ids['entries']} entries")
        app.extensions["xst_db"].dispose()
        print(f"scale: {PERSONS} persons, dashboards p95 {a:.0f} ms, lists p95 {b:.0f} ms, year-end {verdict:.1f} s, "
              f"figures wrong {wrong}", flush=True)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if not os.environ.get("BENCH_KEEP") and not os.environ.get("BENCH_REUSE"):
            admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
