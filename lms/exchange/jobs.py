"""The exchange exports as a scheduler job (lms/scheduler.py): every 20 s, the exports asked for on the page."""
from __future__ import annotations

from flask import Flask

from ..db import Database
from ..scheduler import job
from .operations import run_pending_exports


def write_exports_now(app: Flask) -> list[tuple[int, str]]:
    """Write the exports waiting (and those whose run died: claimed longer ago than EXCHANGE_STALE_SECONDS)."""
    db: Database = app.extensions["xst_db"]
    with app.app_context():
        return run_pending_exports(db.factory, stale_seconds=int(app.config["EXCHANGE_STALE_SECONDS"]),
                                   max_attempts=int(app.config["EXCHANGE_MAX_ATTEMPTS"]))


@job("exchange.write_exports", 20)
def write_exports_job(app: Flask) -> str:
    return "; ".join(f"export {i}: {state}" for i, state in write_exports_now(app)) or "none waiting"
