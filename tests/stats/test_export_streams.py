"""An export of a figure's persons streams from the database into a write-only workbook on disk (issue 14, bad
input: an export of 500,000 rows): the memory it takes stays a small part of what holding its rows would take."""
from __future__ import annotations

import tracemalloc
from decimal import Decimal
from typing import Any

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
