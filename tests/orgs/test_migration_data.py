"""Migration 0007 (organisations) up and down over data made before it, on both databases: every person and hours
entry is still there, staff accounts belong to their region's bureau, and plans to the bureau of their maker (and,
from 0026, to its region)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from alembic import command
from sqlalchemy import MetaData, Table, create_engine, func, insert, select, text

from lms.cli import alembic_config
from tests.test_migrations import empty_url  # noqa: F401  (the fixture)

BEFORE = "0006_login_session"
AT = datetime(2026, 3, 1, 2, 0)


def _seed_old(conn: Any) -> None:
    meta = MetaData()
    person = Table("person", meta, autoload_with=conn)
    hours = Table("hours_entry", meta, autoload_with=conn)
    plan = Table("exam_plan", meta, autoload_with=conn)
    base = {"password_hash": "x", "active": True, "session_version": 1, "created_at": AT, "industry": "教育"}
    rows = [
        {"id": 1, "role": "bureau", "name": "温州科员", "username": "admin", "region": "wenzhou"},
        {"id": 2, "role": "proctor", "name": "监考", "username": "proctor1", "region": "wenzhou"},
        {"id": 3, "role": "bureau", "name": "威海科员", "username": "weihai", "region": "weihai"},
        {"id": 4, "role": "practitioner", "name": "张伟", "id_number": "330302198506120010", "mobile": "13900000001",
         "region": "wenzhou", "employer": "温州市第一中学"},
        {"id": 5, "role": "practitioner", "name": "王芳", "id_number": "371002198811030048", "mobile": "13900000003",
         "region": "weihai"},
    ]
    conn.execute(insert(person), [base | {"id_number": None, "mobile": None, "username": None, "employer": None} | r
                                  for r in rows])
    conn.execute(insert(hours), [{"person_id": 4, "year": 2025, "category": "general_public", "hours": 18,
                                  "source_type": "exam", "source_ref": "enrolment:1", "title": "考试合格",
                                  "rule": "温 第十条", "registered_by_id": None,
                                  "registered_by_org": "温州市人力资源和社会保障局", "registered_at": AT, "note": ""},
                                 {"person_id": 5, "year": 2025, "category": "professional", "hours": 72,
                                  "source_type": "manual", "source_ref": "m-1", "title": "专业科目", "rule": None,
                                  "registered_by_id": 3, "registered_by_org": "威海市人力资源和社会保障局",
                                  "registered_at": AT, "note": ""}])
    conn.execute(insert(plan), [{"year": year, "category": "general_public", "title": "考试", "pass_mark": 60,
                                 "duration_minutes": 60, "question_count": 20, "created_by_id": maker,
                                 "created_at": AT} for year, maker in ((2026, 1), (2025, 3))])


def _counts(conn: Any) -> tuple[int, int]:
    return (conn.scalar(text("SELECT count(*) FROM person")), conn.scalar(text("SELECT count(*) FROM hours_entry")))


def test_organisations_migrate_up_and_down_keeping_every_person_and_hours_entry(empty_url: str) -> None:  # noqa: F811
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, BEFORE)
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        _seed_old(conn)
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval('person_id_seq', 10)"))
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert _counts(conn) == (5, 2)
        bureau_of = dict(conn.execute(text(
            "SELECT p.username, o.name FROM person p JOIN organisation o ON o.id = p.org_id")).all())
        assert bureau_of == {"admin": "温州市人力资源和社会保障局", "proctor1": "温州市人力资源和社会保障局",
                             "weihai": "威海市人力资源和社会保障局"}
        assert conn.scalar(text("SELECT employer FROM person WHERE id = 4")) == "温州市第一中学"  # kept, unmatched
        owners = conn.execute(text("SELECT o.name, p.region_code FROM exam_plan p "
                                   "JOIN organisation o ON o.id = p.owner_org_id ORDER BY p.id")).all()
        # 0026: each plan is for the region of the bureau that runs it (only its practitioners book it)
        assert [tuple(o) for o in owners] == [("温州市人力资源和社会保障局", "wenzhou"),
                                              ("威海市人力资源和社会保障局", "weihai")]
        regions = conn.scalar(select(func.count()).select_from(Table("region", MetaData(), autoload_with=conn)))
        assert regions >= 25
    command.downgrade(cfg, BEFORE)
    with engine.connect() as conn:
        assert _counts(conn) == (5, 2)
        assert conn.scalar(text("SELECT name FROM person WHERE id = 5")) == "王芳"
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert _counts(conn) == (5, 2)
    engine.dispose()


def test_a_downgrade_refuses_while_accounts_of_the_new_roles_exist(empty_url: str) -> None:  # noqa: F811
    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "head")
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        org = conn.scalar(text("SELECT id FROM organisation WHERE region_code = 'wenzhou'"))
        conn.execute(text("INSERT INTO person (role, name, username, region, password_hash, active, "
                          "session_version, created_at, org_id) VALUES ('supervisor', '监察', 'jc', 'wenzhou', 'x', "
                          ":t, 1, :at, :org)"), {"org": org, "at": AT, "t": True})
    try:
        command.downgrade(cfg, BEFORE)
    except RuntimeError as exc:
        assert "无法降级" in str(exc)
    else:
        raise AssertionError("the downgrade should have refused")
    finally:
        engine.dispose()
