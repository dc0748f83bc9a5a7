"""Engine, session and the one-transaction-per-operation helper.

SQLite is the embedded default (WAL, foreign keys, busy timeout, BEGIN IMMEDIATE so that two
writers queue instead of failing on lock upgrade); PostgreSQL is production.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar

import psycopg
from flask import current_app, g
from sqlalchemy import ColumnElement, MetaData, bindparam, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from .errors import NotFound

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


T = TypeVar("T")
V = TypeVar("V")
CONNECT_TIMEOUT_S = 5


def normalise_url(url: str) -> str:
    """Use psycopg 3 for postgresql:// URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


# SQLSTATEs that say the server cannot serve now, not that the statement is wrong: connection exceptions (08),
# insufficient resources (53, e.g. too many connections), shutting down or starting up (57P01-57P03).
_UNAVAILABLE_STATES = ("08", "53", "57P01", "57P02", "57P03")
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk I/O error")


def is_unavailable(exc: BaseException) -> bool:
    """True when exc says the database cannot be reached or cannot answer now (a 503: try again shortly), rather
    than that our statement is wrong (a 500): connection refused or lost, the server shutting down or starting up,
    too many connections, the pool's wait ran out, SQLite's file locked."""
    if isinstance(exc, SATimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if exc.orig is not None else exc
    if isinstance(exc, psycopg.InterfaceError):  # the connection is closed
        return True
    if isinstance(exc, psycopg.OperationalError):
        state = exc.sqlstate
        return state is None or state.startswith(_UNAVAILABLE_STATES)  # None: failed on the client's side
    if isinstance(exc, sqlite3.OperationalError):
        return str(exc).startswith(_SQLITE_UNAVAILABLE)
    return False


def make_engine(url: str, echo: bool = False, pool_size: int = 10, immediate: bool = True,
                ping_idle_s: float = 5.0) -> Engine:
    """Create an engine with the per-dialect settings this project relies on.

    immediate=False (SQLite only) begins transactions DEFERRED: for read-mostly sessions such as
    a test's own checking session, which must not hold the write lock while the app works.
    ping_idle_s (PostgreSQL): a pooled connection idle for longer is checked before use.
    """
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # let us emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    # connect_timeout: a server that does not answer (a host down, packets dropped) fails the request after 5 s
    # with a 503 instead of holding a worker thread for the kernel's two minutes.
    engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=10,
                           connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    _ping_when_idle(engine, ping_idle_s)
    return engine


def _ping_when_idle(engine: Engine, idle_s: float) -> None:
    """Check a pooled connection before use only if it sat idle for more than idle_s seconds.

    pool_pre_ping would cost a round trip on every request; under load connections are busy and alive, and
    a connection that sat idle (where a restart of the database or a firewall's idle cut shows up) is still
    checked. Raising DisconnectionError at checkout makes the pool drop it and take a fresh one (SQLAlchemy's
    documented checkout-event recipe). A connection lost within idle_s of its last use fails its statement
    once; SQLAlchemy then invalidates the pool, so the next request gets fresh connections.
    """

    @event.listens_for(engine, "checkin")
    def _idle(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")  # none yet: a fresh connection
        if since is None or time.monotonic() - since <= idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("stale connection") from exc


class Database:
    """One engine and session factory per app."""

    def __init__(self, url: str, echo: bool = False, pool_size: int = 10, ping_idle_s: float = 5.0) -> None:
        self.engine = make_engine(url, echo, pool_size=pool_size, ping_idle_s=ping_idle_s)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def dispose(self) -> None:
        self.engine.dispose()


def database() -> Database:
    db: Database = current_app.extensions["xst_db"]
    return db


def get_session() -> Session:
    """Return the request's session (opened lazily, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = database().factory()
    s: Session = g.db_session
    return s


def read_session() -> Session:
    """The request's session on the streaming replica (DATABASE_REPLICA_URL), for pages that may show what is a
    moment old and say as of when (the statistics); the primary's session when there is no replica. Read only: it
    is never committed."""
    replica: Database | None = current_app.extensions.get("xst_db_replica")
    if replica is None:
        return get_session()
    if "db_replica_session" not in g:
        g.db_replica_session = replica.factory()
    s: Session = g.db_replica_session
    return s


def outliving_request(s: Session) -> Session:
    """Take the request's session `s` out of the request's hands, for a response whose body is read after the
    request has ended (a streamed download): Flask runs the teardown, which closes the request's sessions, before
    the server reads such a body. The caller closes it, with response.call_on_close(s.close)."""
    for key in ("db_session", "db_replica_session"):
        if g.get(key) is s:
            g.pop(key)
    return s


def close_session(_exc: BaseException | None = None) -> None:
    for key in ("db_session", "db_replica_session"):
        s = g.pop(key, None)
        if s is not None:
            s.close()


@contextmanager
def transaction(s: Session | None = None) -> Iterator[Session]:
    """Run one operation in one transaction: commit on success, roll back on any error."""
    s = s or get_session()
    try:
        yield s
        s.commit()
    except BaseException:
        s.rollback()
        raise


# Prepared statements over arrays of rows (a batch of heartbeats) are estimated at 10 rows by the generic plan, so
# PostgreSQL would plan them afresh on every execution (custom plans, about 1 ms for the heartbeat statement);
# their generic plan is right for one row and for sixty.
GENERIC_PLAN = "SET LOCAL plan_cache_mode = force_generic_plan"


def one_statement(s: Session, sql: str, params: dict[str, Any], generic_plan: bool = False) -> Any:
    """Run one prepared statement on PostgreSQL and return its first row (or None).

    Outside a transaction it runs on its own in autocommit (one round trip, no BEGIN/COMMIT; being one
    statement it is atomic, and no Python runs while it holds row locks), then the connection goes back to
    the pool so that anything further runs in a transaction; inside one, BEGIN and the statement are pipelined.
    For hot paths that do their whole work in one statement (heartbeats, booking a seat). generic_plan: use
    the statement's generic plan (GENERIC_PLAN, for the rest of the transaction; outside one, the statement
    runs in a transaction of its own, pipelined in the same round trip).
    """
    autocommit = not s.in_transaction()
    conn = s.connection(execution_options={"isolation_level": "AUTOCOMMIT"} if autocommit else None)
    raw = conn.connection.dbapi_connection
    assert raw is not None
    dbapi = conn.dialect.loaded_dbapi
    try:
        if generic_plan:
            with raw.pipeline(), raw.transaction() if autocommit else nullcontext():
                raw.execute(GENERIC_PLAN)
                return raw.execute(sql, params, prepare=True).fetchone()
        if not autocommit:
            with raw.pipeline():
                return raw.execute(sql, params, prepare=True).fetchone()
        return raw.execute(sql, params, prepare=True).fetchone()
    except dbapi.Error as exc:  # as SQLAlchemy's own exceptions (IntegrityError ...), like any other statement
        raise DBAPIError.instance(sql, params, exc, dbapi.Error) from exc
    finally:
        if autocommit:
            s.rollback()


def dialect_insert(s: Session) -> Any:
    """The insert construct of the session's database (PostgreSQL's or SQLite's), which has on_conflict_do_nothing
    and on_conflict_do_update: the database decides a race, not a check before the insert."""
    return postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert


IN_CHUNK = 1000  # values per lookup of a long list (PostgreSQL binds at most 65,535 parameters a statement)


def chunked(values: Sequence[V], size: int = IN_CHUNK) -> Iterator[Sequence[V]]:
    """values in slices of at most size (a list of 100,000 ID numbers looked up 1,000 at a time)."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def inline_in(column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """column IN (values), the values written into the statement (SQLAlchemy quotes them), not bound one by one.

    A statement run five times is prepared by psycopg, and PostgreSQL may then choose a generic plan for
    IN ($1 … $1000) that compares every row of the table with each value: the roster lookup took 1.1 s a chunk
    forced generic and 6 ms inline (make bench-roster fell from 2,600 to 770 rows/s). Pass only checked values
    (numbers, ID numbers that passed their check), at most IN_CHUNK of them (chunked)."""
    return column.in_(bindparam(f"inline_{column.key}", list(values), expanding=True, literal_execute=True))


def get_or_404(s: Session, model: type[T], ident: object) -> T:
    obj = s.get(model, ident)
    if obj is None:
        raise NotFound()
    return obj
