"""An export of a figure's persons streams from the database into a write-only workbook on disk (issue 14, bad
input: an export of 500,000 rows): the memory it takes stays a small part of what holding its rows would take."""
from __future__ import annotations

import re
import tracemalloc
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, select

from lms import clock
from lms.accounts.models import Person
from lms.orgs.scope import scope_of
from lms.stats.models import StatsPersonYear, StatsRefresh
from lms.stats.queries import Slice, people_query
from lms.stats.views import _person_row
from tests.test_access import web_login

YEAR = 2026
N = 4_000


def _seed(db: Any) -> None:
    """N practitioners of 鹿城 and their year's summary rows, written in two statements."""
    now = clock.now()
    db.execute(insert(Person), [
        {"role": "practitioner", "name": f"人员{i}", "id_number": f"B{i:017d}", "mobile": f"1{i:010d}",
         "region": "wenzhou-lucheng", "industry": "教育", "password_hash": "x", "active": True, "session_version": 1,
         "created_at": now} for i in range(N)])
    ids = list(db.scalars(select(Person.id).where(Person.id_number.like("B%")).order_by(Person.id_number)))
    zero = Decimal(0)
    db.execute(insert(StatsPersonYear), [
        {"person_id": ids[i], "year": YEAR, "region": "wenzhou-lucheng", "industry": "教育", "employer_id": None,
         "policy": "wenzhou-2020", "general_public": Decimal(18), "industry_public": zero, "professional": Decimal(i % 90),
         "total": Decimal(18 + i % 90), "src_study": zero, "src_exam": Decimal(18), "src_claim": Decimal(i % 90),
         "src_roster": zero, "src_transfer": zero, "src_other": zero, "entries": 2, "complete": i % 90 >= 72,
         "professional_ok": i % 90 >= 60, "public_ok": True} for i in range(N)])
    db.add(StatsRefresh(year=YEAR, refreshed_at=now, persons=N))
    db.commit()


def test_an_export_of_many_persons_streams_in_a_fraction_of_the_memory_its_rows_would_take(
        app: Any, make: Any, db: Any) -> None:
    _seed(db)
    city = make.staff("bureau", region="wenzhou")
    client = app.test_client()
    web_login(client, city)
    with app.app_context():
        q = people_query(scope_of(db, city), YEAR, Slice(), "persons")
        assert q is not None
        tracemalloc.start()
        held = [_person_row(r) for r in db.execute(q)]   # what building the export in memory would hold at least
        _, in_memory = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert len(held) == N
        del held
    db.rollback()
    # The same export of no rows first: modules imported and caches filled are not the rows' memory.
    assert len(client.get(f"/stats/{YEAR}/people.xlsx?measure=cat_industry_public").data) > 0
    tracemalloc.start()
    resp = client.get(f"/stats/{YEAR}/people.xlsx?measure=persons")
    size = sum(len(chunk) for chunk in resp.response)   # read as a server sends it, chunk by chunk
    _, streamed = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    resp.close()
    assert resp.status_code == 200 and size > N * 10
    assert streamed < in_memory / 3, (streamed, in_memory)


def _login_city(app: Any, make: Any) -> Any:
    client = app.test_client()
    web_login(client, make.staff("bureau", region="wenzhou"))
    return client


def test_a_csv_export_streams_its_rows_after_the_request_has_ended_and_holds_what_the_xlsx_holds(
        app: Any, make: Any, db: Any) -> None:
    """The CSV is read from the database while it is sent: no Content-Length, many chunks, read here after the
    request (and its teardown, which closes the request's sessions) has ended; its rows are the XLSX's rows."""
    import csv
    import io

    from openpyxl import load_workbook
    _seed(db)
    client = _login_city(app, make)
    resp = client.get(f"/stats/{YEAR}/people.csv?measure=persons")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "Content-Length" not in resp.headers
    pool = app.extensions["xst_db"].engine.pool
    try:
        chunks = list(resp.response)   # read as a server sends it, after the view returned
        # read whole: its connection is back in the pool before the server closes the response (a test client
        # that never closes it left a transaction open, and the suite's TRUNCATE waited on it for good)
        held = pool.checkedout()
    finally:
        resp.close()
    assert held == 0
    # the header goes at once, alone; the rows in several chunks of whole lines (lms/exports.CSV_CHUNK)
    assert chunks[0].decode("utf-8-sig").count("\n") == 1 and len(chunks) > 3
    assert all(c.endswith(b"\r\n") for c in chunks)
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(client.get(f"/stats/{YEAR}/people.xlsx?measure=persons").data)).active
    cells = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == N + 1 and rows[0] == cells[0]
    assert sorted(r[:2] for r in rows[1:]) == sorted(r[:2] for r in cells[1:])
    assert sorted(r[0] for r in rows[1:]) == sorted(f"人员{i}" for i in range(N))


def test_a_csv_export_memory_is_a_fraction_of_what_its_rows_would_take(app: Any, make: Any, db: Any) -> None:
    _seed(db)
    with app.app_context():
        q = people_query(scope_of(db, make.staff("bureau", region="wenzhou")), YEAR, Slice(), "persons")
        assert q is not None
        tracemalloc.start()
        held = [_person_row(r) for r in db.execute(q)]
        _, in_memory = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert len(held) == N
        del held
    db.rollback()
    client = _login_city(app, make)
    client.get(f"/stats/{YEAR}/people.csv?measure=cat_industry_public").close()   # imports and caches first
    tracemalloc.start()
    resp = client.get(f"/stats/{YEAR}/people.csv?measure=persons")
    size = 0
    peak = 0
    for chunk in resp.response:
        size += len(chunk)
        peak = max(peak, tracemalloc.get_traced_memory()[0])
    tracemalloc.stop()
    resp.close()
    assert resp.status_code == 200 and size > N * 10
    assert peak < in_memory / 3, (peak, in_memory)


def test_the_drilldown_suggests_csv_from_the_large_export_threshold_on(app: Any, make: Any, db: Any,
                                                                      monkeypatch: Any) -> None:
    """At LARGE_EXPORT persons and above the page says the XLSX is sent only once whole and suggests the CSV;
    one below, it does not."""
    from lms.stats import views
    _seed(db)
    client = _login_city(app, make)
    monkeypatch.setattr(views, "LARGE_EXPORT", N)
    page = client.get(f"/stats/{YEAR}/people?measure=cat_general_public").get_data(as_text=True)
    assert f"共 {N} 人次" in page, re.findall("共 [0-9]+ ..", page)
    assert 'id="large-export"' in page and "建议选 CSV" in page
    assert f"/stats/{YEAR}/people.csv?measure=cat_general_public" in page and f"/stats/{YEAR}/people.xlsx?measure=cat_general_public" in page
    monkeypatch.setattr(views, "LARGE_EXPORT", N + 1)
    page = client.get(f"/stats/{YEAR}/people?measure=cat_general_public").get_data(as_text=True)
    assert f"共 {N} 人次" in page and 'id="large-export"' not in page


@pytest.mark.parametrize("chunks", [1, 2], ids=["after-the-header", "midway"])
def test_a_csv_download_broken_off_gives_its_connection_back(app: Any, make: Any, db: Any, chunks: int) -> None:
    """The server closes the response when the client goes away (a2wsgi closes the iterable): the cursor and the
    session go with it, not when the garbage collector finds them — after the header alone (no row read yet: only
    call_on_close frees it) or midway through the rows."""
    _seed(db)
    client = _login_city(app, make)
    pool = app.extensions["xst_db"].engine.pool
    resp = client.get(f"/stats/{YEAR}/people.csv?measure=persons")
    body = iter(resp.response)
    try:
        read = [next(body) for _ in range(chunks)]
        held_while_sending = pool.checkedout()
    finally:
        resp.close()
    assert read[0].startswith("\ufeff姓名".encode()) and read[-1].endswith(b"\r\n")
    assert held_while_sending == 1 and pool.checkedout() == 0
