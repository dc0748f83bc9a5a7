"""The connection pool: a connection that sat idle is checked before use; busy ones cost no extra round trip."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from lms.db import make_engine


def _kill_backends(pg_url: str, pids: list[int]) -> None:
    admin = make_engine(pg_url)
    with admin.begin() as c:
        for pid in pids:
            c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    admin.dispose()


def _count_pings(engine: Any) -> list[Any]:
    """Record the pool's liveness checks (the dialect's ping, which the pool calls at checkout)."""
    pings: list[Any] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_conn: Any) -> Any:
        pings.append(dbapi_conn)
        return ping(dbapi_conn)

    engine.dialect.do_ping = counted
    return pings


@pytest.fixture
def pg(backend: str, request: pytest.FixtureRequest) -> str:
    if backend != "postgresql":
        pytest.skip("connection pooling and pings are PostgreSQL's")
    return str(request.getfixturevalue("pg_url"))


def test_a_connection_cut_while_idle_is_replaced_before_use(pg: str) -> None:
    engine = make_engine(pg, pool_size=1, ping_idle_s=0)
    pings = _count_pings(engine)
    with engine.connect() as c:
        pid = c.execute(text("SELECT pg_backend_pid()")).scalar_one()
    assert pings == []  # a fresh connection needs no check
    _kill_backends(pg, [pid])  # e.g. the database restarted, or a firewall cut an idle connection
    with engine.connect() as c:
        assert c.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    assert len(pings) == 1
    engine.dispose()


def test_a_busy_connection_is_not_pinged_and_one_lost_within_the_idle_window_fails_once(pg: str) -> None:
    engine = make_engine(pg, pool_size=1, ping_idle_s=3600)
    with engine.connect() as c:
        pid = c.execute(text("SELECT pg_backend_pid()")).scalar_one()
    pings = _count_pings(engine)
    with engine.connect() as c:
        c.execute(text("SELECT 1"))
    assert pings == []  # used again at once: no extra round trip
    _kill_backends(pg, [pid])
    with pytest.raises(OperationalError), engine.connect() as c:  # ... lost inside the window: this one fails
        c.execute(text("SELECT 1"))
    with engine.connect() as c:  # the pool was invalidated: the next use gets a fresh connection
        assert c.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    engine.dispose()


def test_a_statement_asked_to_run_with_its_generic_plan_does_so_and_only_for_its_own_transaction(pg: str) -> None:
    """The batched heartbeat statement would be planned afresh on every run without it (lms.db.GENERIC_PLAN)."""
    from sqlalchemy.orm import Session

    from lms.db import one_statement
    engine = make_engine(pg, pool_size=1)
    mode = "SELECT current_setting('plan_cache_mode')"
    with Session(engine) as s:
        assert one_statement(s, mode, {}, generic_plan=True) == ("force_generic_plan",)  # on its own
        assert one_statement(s, mode, {}) == ("auto",)
        s.execute(text("SELECT 1"))  # inside the caller's transaction: until it ends
        assert one_statement(s, mode, {}, generic_plan=True) == ("force_generic_plan",)
        assert s.execute(text(mode)).scalar_one() == "force_generic_plan"
        s.commit()
        assert s.execute(text(mode)).scalar_one() == "auto"
    engine.dispose()


def test_the_lanes_connections_run_generic_plans(
        make_app: Any, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("the lane's connections are PostgreSQL's")
    import asyncio

    from lms.asgi import lane_routes
    from lms.lane import Lane
    lane = Lane(make_app(), lane_routes())

    async def modes() -> list[str]:
        try:
            return [(await route.connections.fetch_all("SHOW plan_cache_mode", {}))[0][0]  # type: ignore[attr-defined]
                    for route in lane.routes.values()]
        finally:
            await lane.close()
    assert dict(zip(lane.routes, asyncio.run(modes()), strict=True)) == {
        "/api/v1/study/heartbeat": "force_generic_plan", "/api/v1/exams/bookings": "force_generic_plan"}
