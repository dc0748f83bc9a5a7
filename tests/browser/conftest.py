"""Browser tests: the app served on a real port, driven by Debian's headless Chromium through Playwright."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from lms import clock, create_app
from lms.db import Base
from tests.conftest import base_config

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def session(self) -> Any:
        return self.app.extensions["xst_db"].factory()


@pytest.fixture
def live(tmp_path: Any) -> Iterator[Any]:
    """Build and serve an app on a fresh SQLite file with the real clock and CSRF on; yields a factory."""
    clock.set_source(None)
    servers: list[LiveServer] = []

    def start(**overrides: Any) -> LiveServer:
        cfg = base_config(tmp_path) | {"DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}",
                                       "WTF_CSRF_ENABLED": True, "TESTING": False} | overrides
        app = create_app(cfg)
        Base.metadata.create_all(app.extensions["xst_db"].engine)
        srv = LiveServer(app)
        srv.thread.start()
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.server.shutdown()
        srv.app.extensions["xst_db"].dispose()


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def shoot(page: Any, name: str) -> None:
    """Keep a screenshot for people to look at (test-results/, ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
