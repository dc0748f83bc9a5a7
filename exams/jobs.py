"""Periodic exam jobs (APScheduler via lms.scheduler); each is idempotent through state columns."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy.orm import Session

from lms.db import Database, transaction
from lms.scheduler import job

from .operations import (
    ExamSettings,
    expire_offers,
    mark_absent,
    send_reminders,
    submit_expired_papers,
    update_booking_windows,
)


def _run(app: Flask, fn: Callable[[Session], int]) -> int:
    db: Database = app.extensions["xst_db"]
    with app.app_context(), db.factory() as s, transaction(s):
        return fn(s)


@job("exams.booking_windows", 30)
def booking_windows_job(app: Flask) -> int:
    """Open and close booking windows on time."""
    return _run(app, update_booking_windows)


@job("exams.expire_offers", 30)
def expire_offers_job(app: Flask) -> int:
    """Pass lapsed waiting-list offers to the next in line."""
    settings = ExamSettings.from_config(app.config)
    return _run(app, lambda s: expire_offers(s, settings))


@job("exams.submit_expired", 15)
def submit_expired_job(app: Flask) -> int:
    """Submit papers whose time ran out."""
    return _run(app, submit_expired_papers)


@job("exams.mark_absent", 300)
def mark_absent_job(app: Flask) -> int:
    """Mark candidates who never checked in as absent."""
    return _run(app, mark_absent)


@job("exams.reminders", 600)
def reminders_job(app: Flask) -> int:
    """Remind candidates the day before their exam."""
    return _run(app, send_reminders)
