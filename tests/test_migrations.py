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
