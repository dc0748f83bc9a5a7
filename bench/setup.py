"""What the benches share: a fresh PostgreSQL database with the schema, a free loopback port, and the app served by
gunicorn (gunicorn.conf.py: the ASGI worker with the lane in front of Flask) with the bench's settings."""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent


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


def start_server(url: str, port: int, workers: int = 2, **extra: str) -> subprocess.Popen[bytes]:
    """gunicorn on 127.0.0.1:`port` over database `url`: a fresh secret, logins unthrottled and hashed cheaply (the
    benches log in thousands of candidates), `extra` added to the environment (e.g. WEB_THREADS)."""
    env = os.environ | {
        "DATABASE_URL": url.replace("+psycopg", ""), "SECRET_KEY": "bench-" + os.urandom(8).hex(),
        "LOGIN_RATE_LIMIT": "1000000 per minute", "RATELIMIT_STORAGE_URI": "memory://",
        "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "INSTANCE_PATH": "/tmp/xst-bench-instance",
    } | extra
    return subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning"], cwd=ROOT, env=env, start_new_session=True)


async def wait_up(base: str, tries: int = 300) -> None:
    """Wait until the server at `base` answers (every 0.1 s, `tries` times) or stop the bench."""
    import aiohttp
    async with aiohttp.ClientSession() as http:
        for _ in range(tries):
            try:
                async with http.get(base + "/api/v1/auth/csrf") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("server did not start")
