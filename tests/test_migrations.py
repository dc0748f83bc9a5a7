"""The Alembic migrations build exactly the schema the models describe, on both databases."""
from __future__ import annotations

import os
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from lms.cli import alembic_config
from lms.models import metadata
from tests.conftest import PG_ADMIN_URL


@pytest.fixture
def empty_url(backend: str, tmp_path: Any) -> Any:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"xst_mig_{os.getpid()}_{tmp_path.name[-20:].replace('-', '_').lower()}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_to_head_matches_the_models_and_downgrade_empties_the_database(empty_url: str) -> None:
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "head")
    engine = create_engine(empty_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # SQLite cannot add the two use_alter foreign keys after creating the tables; nothing else may differ.
    diff = [d for d in diff if not (isinstance(d, tuple) and d[0] == "add_fk")]
    assert diff == []
    command.downgrade(cfg, "base")
    with engine.connect() as conn:
        tables = set(conn.dialect.get_table_names(conn)) - {"alembic_version"}
    engine.dispose()
    assert tables == set()


def test_exports_written_before_exports_became_jobs_are_ready_afterwards_and_ready_means_a_file(
        empty_url: str) -> None:
    """0031: an export written in its request before (file, rows) is ready, finished when it was made; an export
    row that says ready without a file is refused by the database."""
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "0030_org_resubmission")
    engine = create_engine(empty_url)
    with engine.begin() as c:
        org = c.scalar(text("SELECT id FROM organisation WHERE kind = 'city_hr'"))  # seeded by 0001
        c.execute(text("INSERT INTO person (id, role, name, username, org_id, password_hash, active, session_version, "
                       "created_at, region) VALUES (9001, 'bureau', '王科员', 'x-city', :o, 'x', true, 1, "
                       "'2026-03-01', 'wenzhou')"), {"o": org})
        c.execute(text("INSERT INTO exchange_export (id, org_id, made_by_id, year, fmt, rows, key, filename, "
                       "created_at) VALUES (1, :o, 9001, 2026, 'csv', 5, :k, 'x.csv', '2026-03-02 01:00:00')"),
                  {"k": "a" * 64 + ".csv", "o": org})
    command.upgrade(cfg, "head")
    with engine.begin() as c:
        row = c.execute(text("SELECT state, rows, attempts, finished_at FROM exchange_export")).one()
    assert tuple(row[:3]) == ("ready", 5, 0) and str(row[3]).startswith("2026-03-02 01:00:00")
    with pytest.raises(Exception, match="(?i)check"), engine.begin() as c:
        c.execute(text("INSERT INTO exchange_export (org_id, made_by_id, year, fmt, state, attempts, filename, "
                       "created_at) VALUES (:o, 9001, 2026, 'csv', 'ready', 0, 'y.csv', '2026-03-03')"), {"o": org})
    engine.dispose()
