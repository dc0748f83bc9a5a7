"""The statistics' refresh, run by the scheduler's leader (lms/scheduler.py)."""
from __future__ import annotations

from flask import Flask

from ..db import Database, transaction
from ..scheduler import job
from .operations import refresh_stats

REFRESH_SECONDS = 900  # the dashboards say "数据截至 …" and that it is rebuilt every 15 minutes


@job("stats.refresh", REFRESH_SECONDS)
def refresh_job(app: Flask) -> dict[int, int]:
    """Rebuild this study year's and last year's statistics and the claims waiting, in one transaction."""
    db: Database = app.extensions["xst_db"]
    with app.app_context(), db.factory() as s, transaction(s):
        return refresh_stats(s)
