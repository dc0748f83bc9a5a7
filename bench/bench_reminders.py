"""Bench: the city's year-end reminder campaign (issue 14 item 3) over make bench-scale's city of half a million.

The city (SCALE as bench_scale: 500,000 practitioners, about 10 million entries) is the one a BENCH_KEEP run of
bench_scale left, or is built here and kept; the campaign runs on a copy of it (CREATE DATABASE … TEMPLATE), dropped
at the end, so the kept city stays untold. The city HR bureau's clerk schedules a campaign for today; the scheduler
runs it in a separate process that is killed (SIGKILL) part way, as a host failing mid-campaign, and a second run in
this process finishes it (lms.reminders.operations.run_campaign, batch by batch). Then, against a direct count (every
person of the city judged in Python by the rules engine over this year's entries):
* missed: persons short of their policy's requirement with no reminder; wrongly told: reminded but not short;
* told twice: persons with more than one reminder message of the campaign.

Prints one line:
    reminders: <P> persons, <T> short told in <S> s (<R> persons/s) across a restart, told twice <D>, missed <M>,
    wrongly told <W>
S is the whole campaign's time, the killed run's included.
"""
from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scale import ADMIN_URL, DB_NAME, PERSONS, build, log, pg_dsn, reusable  # noqa: E402
from bench.setup import database_url, fresh_database  # noqa: E402
from lms import clock  # noqa: E402

COPY = "xst_bench_remind"
KILL_AFTER = float(os.environ.get("BENCH_KILL_AFTER", "15"))  # seconds the first run lives


def app_for(url: str) -> object:
    from lms import create_app
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + os.urandom(8).hex(),
                       "INSTANCE_DIR": "/tmp/xst-bench-instance", "RATELIMIT_STORAGE_URI": "memory://"})


def run(url: str, campaign_id: int) -> tuple[int, int]:
    """One scheduler's run of the campaign (the child process's work, and the second run's)."""
    from lms.db import database
    from lms.reminders.operations import run_campaign
    app = app_for(url)
    with app.app_context():  # type: ignore[attr-defined]
        return run_campaign(database().factory, campaign_id)


def expected_short(url: str, year: int) -> set[int]:
    """The city's active practitioners short of their policy's requirement this year, judged in Python."""
    from lms.regions import REGIONS, policy_of
    from lms.reminders.operations import judged_on
    from rules import load_policy
    policies = {code: load_policy(found) if (found := policy_of(code, judged_on(year))) else None for code in REGIONS}
    short: set[int] = set()
    with psycopg.connect(pg_dsn(url)) as conn, conn.cursor(name="direct") as cur:
        cur.itersize = 20_000
        cur.execute("""
            SELECT p.id, p.region, e.category, sum(e.hours)
            FROM person p LEFT JOIN hours_entry e ON e.person_id = p.id AND e.year = %s
            WHERE p.role = 'practitioner' AND p.active GROUP BY p.id, p.region, e.category ORDER BY p.id""", (year,))
        current, region, got = None, "", {}

        def close() -> None:
            policy = policies.get(region)
            if current is not None and policy is not None and not policy.judge_totals(got)[1]:
                short.add(current)

        for pid, reg, category, hours in cur:
            if pid != current:
                close()
                current, region, got = pid, reg, {}
            if category is not None:
                got[category] = Decimal(hours)
        close()
    return short


def main() -> None:
    from sqlalchemy import func, select

    from lms.accounts.models import Person
    from lms.db import database, transaction
    from lms.messages.models import Message
    from lms.reminders.models import ReminderDelivery
    from lms.reminders.operations import schedule_campaign
    year = clock.study_year()
    city_url = database_url(ADMIN_URL, DB_NAME)
    ids = reusable(city_url)
    if ids is None:
        city_url = fresh_database(ADMIN_URL, DB_NAME)
        t0 = time.perf_counter()
        ids = build(city_url, year)
        log(f"city built and kept in {time.perf_counter() - t0:.0f} s")
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)'))
        t = time.perf_counter()
        c.execute(text(f'CREATE DATABASE "{COPY}" TEMPLATE "{DB_NAME}"'))
        log(f"copied the city in {time.perf_counter() - t:.0f} s")
    url = database_url(ADMIN_URL, COPY)
    try:
        app = app_for(url)
        with app.app_context(), database().factory() as s, transaction(s):  # type: ignore[attr-defined]
            clerk = s.get(Person, ids["staff"]["bench-city"])
            campaign = schedule_campaign(s, clerk, year=year, send_on=clock.china_today(), note="bench")
            campaign_id = campaign.id
        t = time.perf_counter()
        child = subprocess.Popen([sys.executable, __file__, "--run", url, str(campaign_id)], cwd=ROOT)
        try:
            child.wait(timeout=KILL_AFTER)
            log("the first run finished before it could be killed: raise the city's size or lower BENCH_KILL_AFTER")
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
            child.wait()
        with app.app_context(), database().factory() as s:  # type: ignore[attr-defined]
            before = s.scalar(select(func.count()).select_from(ReminderDelivery)
                              .where(ReminderDelivery.campaign_id == campaign_id)) or 0
        log(f"first run killed after {time.perf_counter() - t:.1f} s with {before} persons told")
        persons, employers = run(url, campaign_id)
        took = time.perf_counter() - t
        log(f"second run told {persons} persons and {employers} employers' administrators")
        ref = f"campaign:{campaign_id}"
        with app.app_context(), database().factory() as s:  # type: ignore[attr-defined]
            told = set(s.scalars(select(ReminderDelivery.person_id).where(
                ReminderDelivery.campaign_id == campaign_id, ReminderDelivery.kind == "practitioner")))
            twice = s.scalar(select(func.count()).select_from(
                select(Message.person_id).where(Message.ref == ref).group_by(Message.person_id)
                .having(func.count() > 1).subquery())) or 0
            messages = s.scalar(select(func.count()).select_from(Message).where(Message.ref == ref)) or 0
        app.extensions["xst_db"].dispose()  # type: ignore[attr-defined]
        short = expected_short(url, year)
        missed, wrong = len(short - told), len(told - short)
        if messages != len(told) + employers and not twice:
            log(f"messages {messages} against {len(told)} persons and {employers} administrators told")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        log(f"bench process peak memory {rss:.0f} MiB")
        print(f"reminders: {PERSONS} persons, {len(told)} short told in {took:.0f} s "
              f"({len(told) / took:.0f} persons/s) across a restart, told twice {twice}, missed {missed}, "
              f"wrongly told {wrong}", flush=True)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{COPY}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        run(sys.argv[2], int(sys.argv[3]))
    else:
        main()
