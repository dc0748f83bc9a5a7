"""Bench: a 20,000-row attendee roster checked, confirmed and registered, then uploaded again (PostgreSQL).

Prints exactly one line:
    roster: <N> rows/s, <T> s for <R> rows, refused <F>, double-registered <D>, second upload added <A>

The roster (XLSX by default, BENCH_ROSTER_FORMAT=csv for CSV) holds registered practitioners, a share of people not
yet registered (their rows wait) and a share of bad rows: ID numbers failing the GB 11643 check digit, duplicate
rows, names that do not match the registered person, hours over the daily cap. T covers reading and checking the
file (upload_roster) and the confirmation that registers the hours (confirm_roster), each in its own transaction as
the pages run them. F must equal the bad rows seeded, D (persons with more hours from the programme than their
row says, or with more than one first registration) must be 0, and A (entries written by confirming the same file
again) must be 0.
"""
from __future__ import annotations

import csv
import io
import os
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.setup import fresh_database  # noqa: E402
from lms import clock  # noqa: E402
from lms.accounts.idcard import check_digit  # noqa: E402
from lms.accounts.models import Person  # noqa: E402
from lms.hours.models import HoursEntry  # noqa: E402
from lms.orgs.models import Organisation  # noqa: E402
from lms.orgs.operations import create_staff  # noqa: E402
from lms.orgs.scope import hr_bureau_of  # noqa: E402
from lms.rosters.models import RosterUpload  # noqa: E402
from lms.rosters.operations import SOURCE, confirm_roster, decide_programme, file_programme, upload_roster  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DB_NAME = "xst_bench_roster"
ROWS = int(os.environ.get("BENCH_ROSTER_ROWS", "20000"))
FORMAT = os.environ.get("BENCH_ROSTER_FORMAT", "xlsx")
UNKNOWN_SHARE, BAD_SHARE = 0.10, 0.05   # people not yet registered; bad rows
PASSWORD = "Bench2026ok"


def id_number(i: int) -> str:
    born = date(1970, 1, 1) + timedelta(days=i // 500)
    first17 = f"330302{born:%Y%m%d}{i % 500:03d}"
    return first17 + check_digit(first17)


def wrong_check_digit(idn: str) -> str:
    return idn[:17] + ("1" if idn[17] != "1" else "2")


def roster(n: int) -> tuple[list[tuple[str, str, str, str]], list[dict[str, object]], int]:
    """The rows, the practitioners to register beforehand, and how many rows are bad."""
    rows: list[tuple[str, str, str, str]] = []
    people: list[dict[str, object]] = []
    bad = int(n * BAD_SHARE)
    unknown = int(n * UNKNOWN_SHARE)
    now = clock.now()
    for i in range(n - bad):
        name = f"学员{i}"
        if i >= unknown:
            people.append({"role": "practitioner", "name": name, "id_number": id_number(i), "mobile": f"13{i:09d}",
                           "region": "wenzhou-lucheng", "industry": "工程技术", "password_hash": "x",
                           "active": True, "session_version": 1, "created_at": now})
        rows.append((name, id_number(i), "3" if i % 2 else "", "" if i % 2 else "15.5"))
    good = n - bad
    for k in range(bad):   # four kinds of bad rows, in turn
        i = unknown + (k * 7) % (good - unknown)   # a registered person's number
        kind = k % 4
        if kind == 0:
            rows.append((f"学员{i}", wrong_check_digit(id_number(i)), "3", ""))
        elif kind == 1:
            rows.append((f"学员{i}", id_number(i), "1", ""))                 # duplicate of an earlier row
        elif kind == 2:
            rows.append(("冒名者", id_number(good + k), "2", ""))            # not the registered name
            people.append({"role": "practitioner", "name": f"他人{k}", "id_number": id_number(good + k),
                           "mobile": f"15{k:09d}", "region": "wenzhou-lucheng", "industry": "工程技术",
                           "password_hash": "x", "active": True, "session_version": 1, "created_at": now})
        else:
            rows.append((f"新人{k}", id_number(good + k), "", "30"))         # over 3 days × 6 hours
    return rows, people, bad


def encode(rows: list[tuple[str, str, str, str]]) -> tuple[str, bytes]:
    header = ("姓名", "身份证号码", "参加天数", "学时")
    if FORMAT == "csv":
        buf = io.StringIO()
        csv.writer(buf).writerows([header, *rows])
        return "roster.csv", buf.getvalue().encode()
    from openpyxl import Workbook
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名单")
    ws.append(header)
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return "roster.xlsx", out.getvalue()


def main() -> None:
    from lms import create_app
    url = fresh_database(ADMIN_URL, DB_NAME)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-roster", "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_KIB": 1024})
    engine = create_engine(url)
    rows, people, bad = roster(ROWS)
    filename, data = encode(rows)
    with app.app_context(), Session(engine, expire_on_commit=False) as s:
        s.execute(insert(Person), people)
        org = Organisation(kind="organiser", name="基准测试培训学院", region_code="wenzhou-lucheng", status="approved",
                           created_at=clock.now())
        s.add(org)
        s.flush()
        organiser = create_staff(s, None, org, role="organiser", username="bench_org", name="机构", password=PASSWORD)
        clerk = create_staff(s, None, hr_bureau_of(s, "wenzhou"), role="bureau", username="bench_clerk",
                             name="科员", password=PASSWORD)
        today = clock.china_today()
        programme = file_programme(s, organiser, title="基准研修班", category="professional", industry="",
                                   starts_on=today - timedelta(days=5), ends_on=today - timedelta(days=3),
                                   hours_per_day="6", venue="温州市鹿城区", fee="0", capacity="30000",
                                   approval_document="基准〔2026〕1号")
        decide_programme(s, clerk, programme, True)
        s.commit()

        started = time.perf_counter()
        upload = upload_roster(s, organiser, programme, filename, data)
        s.commit()
        checked = time.perf_counter() - started
        confirm_roster(s, clerk, upload)
        s.commit()
        elapsed = time.perf_counter() - started
        print(f"(checked in {checked:.1f} s, confirmed in {elapsed - checked:.1f} s)", file=sys.stderr)
        refused = upload.rows_refused

        again = upload_roster(s, organiser, programme, filename, data)
        s.commit()
        added = confirm_roster(s, clerk, again)
        s.commit()

        s.execute(text("ANALYZE hours_entry"))
        per_person = select(HoursEntry.person_id, func.sum(HoursEntry.hours).label("total"),
                            func.count().filter(~HoursEntry.source_ref.like("%:%:%")).label("firsts")) \
            .where(HoursEntry.source_type == SOURCE).group_by(HoursEntry.person_id).subquery()
        over = s.scalar(select(func.count()).select_from(per_person).where(
            (per_person.c.firsts > 1) | (per_person.c.total > Decimal(18)))) or 0
        registered = s.scalar(select(func.count()).select_from(HoursEntry)
                              .where(HoursEntry.source_type == SOURCE)) or 0
        assert registered > 0 and s.get(RosterUpload, again.id) is not None
    engine.dispose()
    if refused != bad:
        print(f"(seeded {bad} bad rows, refused {refused})", file=sys.stderr)
    print(f"roster: {len(rows) / elapsed:,.0f} rows/s, {elapsed:.1f} s for {len(rows):,} rows, refused {refused}, "
          f"double-registered {over}, second upload added {added}")


if __name__ == "__main__":
    main()
