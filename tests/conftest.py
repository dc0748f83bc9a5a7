"""Fixtures: every database test runs on SQLite and on PostgreSQL (127.0.0.1:5432, trust auth)."""
from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from lms import audit, clock, create_app
from lms.db import Base
from lms.models import metadata  # noqa: F401  (every table, exams included)
from lms.orgs.seed import seed
from lms.security import limiter
from tests.mailbox import mailbox  # noqa: F401  (a real SMTP server: tests/mailbox.py)

# Recording an audit action that has no Chinese name fails the test that does it (lms/audit.py ACTION_NAMES).
audit.STRICT_ACTIONS = True

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
START = datetime(2026, 3, 2, 2, 0, 0)  # 10:00 on 2 March 2026, Beijing time


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test process (one per xdist worker)."""
    name = f"xst_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    yield url
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_uscc(n: int) -> str:
    """A valid unified social credit code (GB 32100-2015 check character) numbered n."""
    from stdnum.cn import uscc
    body = f"913303{n:011d}"[:17]
    return body + uscc.calc_check_digit(body)


def truncate_all(app: Any) -> None:
    db = app.extensions["xst_db"]
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as c:
        c.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        seed(c)  # the regions and HR bureaus every database has (migration 0007)


def base_config(tmp_path: Any) -> dict[str, Any]:
    return {
        "TESTING": True, "SECRET_KEY": "test-secret-" + uuid.uuid4().hex, "WTF_CSRF_ENABLED": False,
        "MEDIA_DIR": str(tmp_path / "media"), "INSTANCE_DIR": str(tmp_path),
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024, "LOGIN_RATE_LIMIT": "1000 per minute",
        "PUBLIC_RATE_LIMIT": "1000 per minute", "RATELIMIT_STORAGE_URI": "memory://",
        "HEARTBEAT_SECONDS": 30, "HEARTBEAT_GRACE_SECONDS": 5, "IDLE_TIMEOUT_SECONDS": 300,
        "PRESENCE_MEAN_SECONDS": 0, "PRESENCE_ANSWER_SECONDS": 60,
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_app(backend: str, tmp_path: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Build apps on the test's database (fresh SQLite file, or the emptied PostgreSQL database)."""
    made: list[Any] = []
    url = f"sqlite:///{tmp_path / 'test.db'}" if backend == "sqlite" else request.getfixturevalue("pg_url")

    def build(**overrides: Any) -> Any:
        cfg = base_config(tmp_path) | {"DATABASE_URL": url} | overrides
        app = create_app(cfg)
        if not made and backend == "sqlite":
            Base.metadata.create_all(app.extensions["xst_db"].engine)
        made.append(app)
        return app

    yield build
    if made and backend == "postgresql":
        truncate_all(made[0])
    for app in made:
        app.extensions["xst_db"].dispose()


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app()


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[clock.FrozenClock]:
    fc = clock.FrozenClock(START)
    clock.set_source(fc)
    yield fc
    clock.set_source(None)


@pytest.fixture(autouse=True)
def _reset_limiter() -> Iterator[None]:
    yield
    try:
        limiter.reset()
    except Exception:
        pass


@pytest.fixture
def db(app: Any) -> Iterator[Any]:
    """A session outside any request, for arranging and checking (commits are real)."""
    from sqlalchemy.orm import Session

    from lms.db import make_engine
    engine = make_engine(app.config["DATABASE_URL"], immediate=False)
    s = Session(engine, expire_on_commit=False)
    yield s
    s.close()
    engine.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


# ---- factories -------------------------------------------------------------------------------------------

from lms.accounts.idcard import check_digit  # noqa: E402


def make_id_number(n: int, born: str = "19850612") -> str:
    first17 = f"330302{born}{n % 1000:03d}"
    return first17 + check_digit(first17)


PASSWORD = "Study2026ok"


class Factory:
    def __init__(self, app: Any, s: Any) -> None:
        self.app, self.s, self.n = app, s, 0

    def practitioner(self, name: str = "张三", region: str = "wenzhou", industry: str = "教育", **kw: Any) -> Any:
        from lms.accounts.operations import register_practitioner
        self.n += 1
        with self.app.app_context():
            p = register_practitioner(self.s, name=name, id_number=kw.pop("id_number", make_id_number(self.n)),
                                      mobile=kw.pop("mobile", f"139{self.n:08d}"), region=region, industry=industry,
                                      password=kw.pop("password", PASSWORD))
            self.s.commit()
            login_id(self.s, p)  # a login of their own, for tests that call the heartbeat and booking directly
        return p

    def staff(self, role: str = "bureau", username: str | None = None, org: Any = None,
              region: str = "wenzhou") -> Any:
        """A staff account of org (default: the HR bureau of region)."""
        from lms.orgs.operations import create_staff
        self.n += 1
        with self.app.app_context():
            p = create_staff(self.s, None, org, role=role, username=username or f"{role}{self.n}", name="王科员",
                             password=PASSWORD, region=region)
            self.s.commit()
        return p

    def org(self, kind: str = "employer", region: str = "wenzhou-lucheng", name: str | None = None,
            industry: str = "教育", status: str = "approved") -> Any:
        """An organisation straight into the database (the registration flow is tested on its own)."""
        from lms.orgs.models import Organisation
        from lms.orgs.scope import hr_bureau_of
        self.n += 1
        with self.app.app_context():
            if kind in ("province_hr", "city_hr", "county_hr"):
                return hr_bureau_of(self.s, region)
            org = Organisation(kind=kind, name=name or f"测试单位{self.n}", region_code=region, industry=industry,
                               uscc=make_uscc(self.n) if kind == "employer" else None, status=status,
                               decision_reason="资料不全" if status == "rejected" else None,
                               contact_phone="0577-88888888", created_at=clock.now())
            self.s.add(org)
            self.s.commit()
        return org

    def course(self, title: str = "习近平新时代中国特色社会主义思想概论", year: int = 2026, chapters: int = 2,
               minutes: int = 2, publish: bool = True, category: str = "general_public",
               region: str = "wenzhou", owner: Any = None) -> Any:
        """A course of the HR bureau of region (courses are seen within their territory), published for year; with
        owner (an industry authority), that organisation's course of its industry instead, as if filed (温 第十一条)."""
        from lms.catalogue.models import CourseOffering
        from lms.catalogue.operations import add_chapter, create_course, set_offering_status
        from lms.filestore import file_store
        with self.app.app_context():
            actor = self.staff(region=region)
            c = create_course(self.s, actor, title=title, summary="课程简介", category=category,
                              credited_hours=Decimal(18), year=year)
            store = file_store("media", self.app)  # the app's store: a folder, or S3 when FILE_STORE says
            for i in range(chapters):
                add_chapter(self.s, actor, store, c, title=f"第{i + 1}讲", kind="pdf", mime="application/pdf",
                            ext=".pdf", data=b"%PDF-1.4\n% chapter " + str(i).encode() + b"\n%%EOF\n",
                            study_minutes=minutes)
            if publish:
                set_offering_status(self.s, actor, self.s.get(CourseOffering, (c.id, year)), "published")
            if owner is not None:
                c.owner_org_id, c.industry = owner.id, owner.industry if category == "industry_public" else None
            self.s.commit()
        return c

    def enrol(self, person: Any, course: Any, year: int = 2026) -> Any:
        from lms.catalogue.operations import enrol
        with self.app.app_context():
            e = enrol(self.s, person, course.id, year)
            self.s.commit()
        return e


@pytest.fixture
def make(app: Any, db: Any) -> Factory:
    return Factory(app, db)


def login_id(s: Any, person: Any) -> int:
    """The id of the person's first open login (lms/accounts/sessions.py), opened and committed if there is none:
    what a signed-in cookie names, for tests that call the heartbeat or booking operations directly."""
    from sqlalchemy import select

    from lms.accounts.models import LoginSession
    from lms.accounts.sessions import open_login
    found = s.scalar(select(LoginSession.id).where(LoginSession.person_id == person.id,
                                                   LoginSession.ended_at.is_(None)).order_by(LoginSession.id))
    if found is None:
        found = open_login(s, person, "127.0.0.1", "pytest").id
        s.commit()
    return int(found)


def login(client: Any, login_name: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/login", json={"login": login_name, "password": password})


@pytest.fixture
def through_front() -> Iterator[Callable[..., Any]]:
    """Clients that reach an app through the ASGI front gunicorn serves (lms/asgi.py), bridged back to WSGI by
    a2wsgi so that werkzeug's test client (cookies, headers, base_url) can drive it; the front runs on an
    event loop in its own thread, as in a worker."""
    import asyncio
    import threading

    from a2wsgi import ASGIMiddleware
    from werkzeug.test import Client

    from lms.asgi import Front
    made: list[tuple[Front, asyncio.AbstractEventLoop, threading.Thread]] = []

    def client(app: Any) -> Client:
        front, loop = Front(app), asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()
        made.append((front, loop, thread))
        return Client(ASGIMiddleware(front, loop=loop), use_cookies=True)  # type: ignore[arg-type]

    async def finish(front: Front) -> None:
        await front.lane.close()
        # a2wsgi's bridge leaves a request's task waiting for its last send once the client has read the
        # answer (its wait_time): end those before the loop closes.
        rest = asyncio.all_tasks() - {asyncio.current_task()}
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    yield client
    for front, loop, thread in made:
        asyncio.run_coroutine_threadsafe(finish(front), loop).result(10)
        front.flask.executor.shutdown(wait=True)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
