"""The outbox sender as a scheduler job (lms/scheduler.py): every 30 s while SMTP_URL is set, nothing otherwise."""
from __future__ import annotations

from flask import Flask

from ..db import Database
from ..scheduler import job
from .mailer import SendReport, send_outbox, smtp_settings


def send_outbox_now(app: Flask) -> SendReport | None:
    """Send the outbox mails that are due (None: SMTP_URL is not set, mail stays in the outbox)."""
    url = app.config.get("SMTP_URL")
    if not url:
        return None
    db: Database = app.extensions["xst_db"]
    settings = smtp_settings(url, app.config["MAIL_FROM"], float(app.config.get("SMTP_TIMEOUT_SECONDS", 15)))
    with app.app_context():
        return send_outbox(db.factory, settings, max_attempts=int(app.config.get("OUTBOX_MAX_ATTEMPTS", 6)))


@job("messages.send_outbox", 30)
def send_outbox_job(app: Flask) -> str:
    report = send_outbox_now(app)
    return "SMTP_URL not set" if report is None else str(report)
