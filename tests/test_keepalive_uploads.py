"""Uploads of 1-20 MB over a reused keep-alive connection all arrive (issue 15; bench/uploads.py says why they did not).

The app served as `make run` serves it (gunicorn.conf.py); a clerk loads the upload form and posts a file to it, again
and again on one connection, as a browser does. Every upload gets its answer; none is dropped. `make bench-uploads`
runs 200.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.bench_uploads import CLERK, PASSWORD, served
from bench.uploads import run, sizes


@pytest.mark.slow
def test_uploads_of_1_to_20_mb_over_one_kept_alive_connection_are_never_dropped(tmp_path: Path) -> None:
    with served(tmp_path, workers=1) as base:
        out = run(base, CLERK, PASSWORD, sizes(16))
    assert out.dropped == 0 and out.sent == 16, out
    assert out.errors == []
