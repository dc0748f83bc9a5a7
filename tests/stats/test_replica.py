"""The statistics pages read the streaming replica when DATABASE_REPLICA_URL names one (docs/deploy.md), and the
primary when it is unset; everything else reads the primary. The "replica" here is a second database of the same
backend holding other figures than the primary, so the page shows which one it read."""
from __future__ import annotations

import io
import os
import secrets
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, insert, text

from lms import clock
from lms.db import Base
from lms.orgs.seed import seed
from lms.stats.models import StatsArea, StatsCell, StatsRefresh
from lms.stats.operations import refresh_stats
from tests.conftest import PG_ADMIN_URL
from tests.test_access import web_login

YEAR = 2026


@pytest.fixture
def replica_url(backend: str, tmp_path: Any) -> Iterator[str]:
    """A second database with the schema, the regions and bureaus every database has (the same ids as the
    primary's), and this year's figures of 鹿城: 777 persons, 500 of them meeting the requirement."""
    if backend == "sqlite":
        url, admin = f"sqlite:///{tmp_path / 'replica.db'}", None
    else:
        name = f"xst_replica_{os.getpid()}_{secrets.token_hex(3)}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    tally = {"persons": 777, "participants": 700, "complete": 500, "professional_ok": 600, "public_ok": 650,
             **{c: Decimal(0) for c in ("general_public", "industry_public", "professional", "src_study", "src_exam",
                                        "src_claim", "src_roster", "src_transfer", "src_other")}}
    with engine.begin() as c:
        seed(c)
        where = {"year": YEAR, "region": "wenzhou-lucheng", "industry": "教育"}
        c.execute(insert(StatsArea), [where | tally])
        c.execute(insert(StatsCell), [where | tally | {"employer_id": None}])
        c.execute(insert(StatsRefresh), [{"year": YEAR, "refreshed_at": clock.now(), "persons": 777}])
    engine.dispose()
    yield url
    if admin is not None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()


def test_dashboards_read_the_replica_when_one_is_configured_and_the_primary_otherwise(
        make_app: Any, make: Any, db: Any, replica_url: str) -> None:
    primary_app = make_app()
    replicated = make_app(DATABASE_REPLICA_URL=replica_url)
    p = make.practitioner("鹿城一人", region="wenzhou-lucheng")
    refresh_stats(db, [YEAR])   # the primary's figures: one person
    db.commit()
    city = make.staff("bureau", region="wenzhou")
    try:
        shown = {}
        for name, app in (("primary", primary_app), ("replica", replicated)):
            client = app.test_client()
            web_login(client, city)   # the login and its session are the primary's
            page = client.get(f"/stats/{YEAR}").get_data(as_text=True)
            shown[name] = page
            assert client.get("/stats").status_code == 302
            rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(
                client.get(f"/stats/{YEAR}/overview.xlsx").data)).active.iter_rows(min_row=2)]
            assert rows[0][:2] == ["专业技术人员", 777 if name == "replica" else 1], name
            people = client.get(f"/stats/{YEAR}/people?measure=persons").get_data(as_text=True)
            assert (p.name in people) == (name == "primary"), name
        assert 'data-label="人数">777<' in shown["replica"] and 'data-label="人数">777<' not in shown["primary"]
        assert 'data-label="人数">1<' in shown["primary"]
    finally:
        replica = replicated.extensions["xst_db_replica"]
        assert replica is not None and primary_app.extensions["xst_db_replica"] is None
        replica.dispose()
