"""Claim jobs for the scheduler (lms/scheduler.py); each is idempotent."""
from __future__ import annotations

from flask import Flask

from ..db import Database, transaction
from ..scheduler import job
from .deadlines import remind_deadlines


@job("claims.deadline_reminders", 3600)
def deadline_reminders_job(app: Flask) -> int:
    """Remind claimants of returned claims ten days before their deadline, once per claim."""
    db: Database = app.extensions["xst_db"]
    with app.app_context(), db.factory() as s, transaction(s):
        return remind_deadlines(s)
