"""The reminder campaigns as a scheduler job (lms/scheduler.py): every 10 minutes, the campaigns whose day has come."""
from __future__ import annotations

from flask import Flask

from ..db import Database
from ..scheduler import job
from .operations import run_due_campaigns


@job("reminders.send_due", 600)
def send_due_reminders_job(app: Flask) -> str:
    db: Database = app.extensions["xst_db"]
    with app.app_context():
        done = run_due_campaigns(db.factory)
    return "; ".join(f"campaign {c}: {p} persons, {e} employers" for c, p, e in done) or "none due"
