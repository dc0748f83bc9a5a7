"""Bench: the city's data exchange export (浙人社发〔2016〕63号 第十四条) through the scheduler's job, over make
bench-scale's city of half a million (2,000,000 registrations this year).

The kept city (a BENCH_KEEP run of bench_scale, database xst_bench_scale) is never written: the export runs on a copy
(CREATE DATABASE … TEMPLATE), dropped at the end. The city HR bureau's clerk (bench-city) asks for this year's
export as the page does (lms.exchange.operations.request_export: recorded pending, answered at once); the job
(lms.exchange.jobs.write_exports_now) writes it into the exchange store and marks it ready. CSV first: a run in a
child process is killed (SIGKILL) after BENCH_KILL_AFTER seconds, as a host failing midway, and the next run takes the
stale claim again (EXCHANGE_STALE_SECONDS=0 here) and writes it whole; then XLSX, in one run. The file's records are
counted against the city's registrations of the year, and the XLSX's sheets against Excel's 1,048,576 rows a sheet.

Prints one line a format:
    exchange <fmt>: <N> records (<M> expected) in <S> s (the job's run), <MB> MB, <K> sheets, request <R> ms,
    attempts <A>
"""
from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scale import ADMIN_URL, DB_NAME, log, reusable  # noqa: E402
from bench.setup import database_url  # noqa: E402
from lms import clock  # noqa: E402

COPY = "xst_bench_exchange"
KILL_AFTER = float(os.environ.get("BENCH_KILL_AFTER", "8"))  # seconds the first CSV run lives
MEDIA = os.environ.get("BENCH_MEDIA_DIR") or str(Path(tempfile.gettempdir()) / "xst-bench-exchange" / "media")


def app_for(url: str) -> object:
    from lms import create_app
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + os.urandom(8).hex(),
                       "INSTANCE_DIR": "/tmp/xst-bench-instance", "RATELIMIT_STORAGE_URI": "memory://",
                       "MEDIA_DIR": MEDIA, "EXCHANGE_STALE_SECONDS": 0})


def run(url: str) -> list[tuple[int, str]]:
    """One scheduler run of the exchange job (the child process's work, and the runs after it)."""
    from lms.exchange.jobs import write_exports_now
    return write_exports_now(app_for(url))  # type: ignore[arg-type]


def main() -> None:
    from openpyxl import load_workbook
    from sqlalchemy import func, select

    from lms.accounts.models import Person
    from lms.db import database, transaction
    from lms.exchange.models import ExchangeExport
    from lms.exchange.operations import request_export
    from lms.filestore import file_store
    from lms.hours.models import HoursEntry
    year = clock.study_year()
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        if not c.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DB_NAME}):
            raise SystemExit(f"no kept city {DB_NAME}: run BENCH_KEEP=1 make bench-scale first")
        c.execute(text(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)'))
        t = time.perf_counter()
        c.execute(text(f'CREATE DATABASE "{COPY}" TEMPLATE "{DB_NAME}"'))
        log(f"copied the city in {time.perf_counter() - t:.0f} s")
    url = database_url(ADMIN_URL, COPY)
    try:
        ids = reusable(url)  # the copy's schema brought up to the models
        if ids is None:
            raise SystemExit(f"{DB_NAME} holds another SCALE's city")
        engine = create_engine(url)
        with engine.begin() as c:  # migration 0031: an export waiting has no file and no count yet
            c.execute(text("ALTER TABLE exchange_export ALTER COLUMN rows DROP NOT NULL, "
                           "ALTER COLUMN key DROP NOT NULL"))
        engine.dispose()
        app = app_for(url)
        with app.app_context(), database().factory() as s:  # type: ignore[attr-defined]
            clerk = s.get(Person, ids["staff"]["bench-city"])
            assert clerk is not None
            from lms.orgs.scope import person_clause, scope_of
            expected = s.scalar(select(func.count()).select_from(HoursEntry).join(Person, Person.id == HoursEntry.person_id)
                                .where(HoursEntry.year == year, person_clause(scope_of(s, clerk)))) or 0
        log(f"{expected} registrations of {year} in the city clerk's scope")
        for fmt in ("csv", "xlsx"):
            with app.app_context(), database().factory() as s, transaction(s):  # type: ignore[attr-defined]
                t = time.perf_counter()
                export_id = request_export(s, s.get(Person, ids["staff"]["bench-city"]), year=year, since=None,
                                           fmt=fmt).id
            asked = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            if fmt == "csv" and KILL_AFTER > 0:
                child = subprocess.Popen([sys.executable, __file__, "--run", url], cwd=ROOT)
                try:
                    child.wait(timeout=KILL_AFTER)
                    log("the first run finished before it could be killed")
                except subprocess.TimeoutExpired:
                    child.send_signal(signal.SIGKILL)
                    child.wait()
                    log(f"first run killed after {time.perf_counter() - t:.1f} s")
                t = time.perf_counter()
            done = run(url)
            took = time.perf_counter() - t
            with app.app_context(), database().factory() as s:  # type: ignore[attr-defined]
                made = s.get(ExchangeExport, export_id)
                assert made is not None and made.key is not None, (done, made and made.error)
                path = file_store("exchange").path(made.key)  # type: ignore[attr-defined]
                size = path.stat().st_size / 1e6
                sheets = len(load_workbook(path, read_only=True).sheetnames) if fmt == "xlsx" else 1
                log(f"{fmt}: {done}, state {made.state}, attempts {made.attempts}, {path}")
                print(f"exchange {fmt}: {made.rows} records ({expected} expected) in {took:.0f} s (the job's run), "
                      f"{size:.0f} MB, {sheets} sheet(s), request {asked:.0f} ms, attempts {made.attempts}",
                      flush=True)
                path.unlink()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        log(f"bench process peak memory {rss:.0f} MiB")
        app.extensions["xst_db"].dispose()  # type: ignore[attr-defined]
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        run(sys.argv[2])
    else:
        main()
