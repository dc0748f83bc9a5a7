"""The study player through a real database outage: its private PostgreSQL cluster stopped for seconds, then started.

The server answers 503 with Retry-After while it cannot reach the database; the player says so, keeps retrying, and
the beat that gets through after the outage continues the same study segment (the gap is under the idle timeout),
so the learner loses no more than the idle rules allow: the outage beyond one interval and its grace.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from bench.pgcluster import Cluster
from lms import clock, create_app
from lms.db import Base
from tests.browser.conftest import LiveServer, shoot
from tests.browser.test_document_chapter import PHONE, arrange, credited_ms, log_in, segments, wiggle
from tests.conftest import base_config

pytestmark = pytest.mark.browser
BEAT = "/api/v1/study/heartbeat"


@pytest.fixture
def served(tmp_path: Any) -> Iterator[tuple[LiveServer, Cluster]]:
    clock.set_source(None)
    cluster = Cluster()
    cfg = base_config(tmp_path) | {
        "DATABASE_URL": cluster.url, "WTF_CSRF_ENABLED": True, "TESTING": False, "HEARTBEAT_SECONDS": 3,
        "HEARTBEAT_GRACE_SECONDS": 1, "IDLE_TIMEOUT_SECONDS": 20, "DATABASE_PING_IDLE_SECONDS": 0}
    app = create_app(cfg)
    Base.metadata.create_all(app.extensions["xst_db"].engine)
    srv = LiveServer(app)
    srv.thread.start()
    try:
        yield srv, cluster
    finally:
        srv.server.shutdown()
        app.extensions["xst_db"].dispose()
        cluster.close()


def test_the_player_retries_through_a_real_database_outage_and_keeps_its_segment(
        served: tuple[LiveServer, Cluster], browser: Any) -> None:
    srv, cluster = served
    ids = arrange(srv)
    page = browser.new_page(viewport=PHONE, locale="zh-CN")
    log_in(page, srv.url)
    page.goto(f"{srv.url}/study/{ids['enrolment']}?chapter={ids['html']}")
    page.wait_for_selector("#status.ok")
    box = {"x": 0, "y": 100, "width": 380}
    wiggle(page, box, 4)
    answers: list[tuple[int, str | None]] = []
    page.on("response", lambda r: answers.append((r.status, r.headers.get("retry-after")))
            if r.url.endswith(BEAT) else None)
    before = credited_ms(srv, ids["html"])
    stopped = time.monotonic()
    cluster.stop()
    wiggle(page, box, 7)
    status = page.inner_text("#status")
    assert "服务器暂时无法记录学习时间" in status and "自动重试" in status, status
    shoot(page, "study-database-outage-phone")
    cluster.start()
    outage = time.monotonic() - stopped
    wiggle(page, box, 7)
    elapsed = time.monotonic() - stopped
    refused = [a for a in answers if a[0] == 503]
    assert refused and all(retry == "5" for _, retry in refused), answers
    assert answers[-1][0] == 200 and "正在计时" in page.inner_text("#status"), answers
    assert segments(srv) == 1  # the outage was shorter than the idle timeout: the same segment went on
    gained = (credited_ms(srv, ids["html"]) - before) / 1000
    # Lost: the outage beyond one interval and its grace (3 + 1 s), the wait for the retry (at most one interval),
    # and the beat not yet sent at the end (one interval).
    assert elapsed - outage - 3 - 3 <= gained <= elapsed, (gained, elapsed, outage, answers)
