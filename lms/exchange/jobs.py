"""The exchange exports as a scheduler job (lms/scheduler.py): every 20 s, the exports asked for on the page."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from ..db import Database
from ..scheduler import job
from .operations import run_pending_exports


def write_exports_now(app: Flask) -> list[tuple[int, str]]:
    """Write the exports waiting (and those whose run died: claimed longer ago than EXCHANGE_STALE_SECONDS)."""
    db: Database = app.extensions["xst_db"]
    with app.app_context():
        return run_pending_exports(db.factory, stale_seconds=int(app.config["EXCHANGE_STALE_SECONDS"]),
                                   max_attempts=int(app.config["EXCHANGE_MAX_ATTEMPTS"]), work_dir=work_dir(app))


def work_dir(app: Flask) -> Path:
    """Where the job writes a file before the store keeps it (the instance's own: a dead run's leftovers go)."""
    return Path(app.config["INSTANCE_DIR"]) / "exchange-work"


@job("exchange.write_exports", 20)
def write_exports_job(app: Flask) -> str:
    return "; ".join(f"export {i}: {state}" for i, state in write_exports_now(app)) or "none waiting"
