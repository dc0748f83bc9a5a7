"""What the benches share: a fresh PostgreSQL database with the schema, and a free loopback port."""
from __future__ import annotations

import socket

from sqlalchemy import create_engine, make_url, text


def fresh_database(admin_url: str, name: str) -> str:
    """Drop and recreate database `name` next to `admin_url`, build every table; return its URL."""
    from lms.models import metadata

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = database_url(admin_url, name)
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return url


def database_url(admin_url: str, name: str) -> str:
    """`admin_url` naming database `name` instead (host, port, socket directory and options kept)."""
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
