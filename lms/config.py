"""Configuration read from the environment; tests pass a dict to create_app."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def public_base_url(value: str) -> str:
    """Check PUBLIC_BASE_URL: an http(s) address with a host and no path, query or fragment."""
    from urllib.parse import urlsplit
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/") or parts.query \
            or parts.fragment:
        raise ValueError(f"PUBLIC_BASE_URL must look like https://host[:port], not {value!r}")
    return f"{parts.scheme}://{parts.netloc}"


def instance_secret_key(instance: Path) -> str:
    """The random key an install without SECRET_KEY keeps in its instance folder (no secret in the repository).

    Every process must read the same key (gunicorn's workers start at once on a fresh folder): the key is
    written whole to a private temporary file (created with mode 0600, never readable by others even for a
    moment) and linked to its final name, which fails if another process got there first; the loser then
    reads the winner's key. A reader thus never sees a missing-then-replaced or half-written file.
    """
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        tmp = instance / f".secret_key.{os.getpid()}.{os.urandom(4).hex()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, os.urandom(32).hex().encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, key_file)
        except FileExistsError:
            pass  # another process's key won
        finally:
            tmp.unlink()
    secret = key_file.read_text().strip()
    if not secret:
        raise RuntimeError(f"{key_file} is empty: delete it (every session then ends) or set SECRET_KEY")
    return secret


def from_env() -> dict[str, object]:
    """Build the app config from environment variables with safe defaults."""
    instance = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))
    secret = os.environ.get("SECRET_KEY") or instance_secret_key(instance)
    return {
        "SECRET_KEY": secret,
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'xueshitong.db'}"),
        # A streaming replica the statistics pages read (docs/deploy.md); unset: they read DATABASE_URL.
        "DATABASE_REPLICA_URL": os.environ.get("DATABASE_REPLICA_URL") or None,
        "INSTANCE_DIR": str(instance),
        "MEDIA_DIR": os.environ.get("MEDIA_DIR", str(instance / "media")),
        "EVIDENCE_DIR": os.environ.get("EVIDENCE_DIR", ""),  # claim evidence; empty: evidence/ beside MEDIA_DIR
        # Where courseware, evidence and exchange files live (lms/filestore.py): empty for the folders above, or
        # s3://bucket/prefix for S3-compatible object storage shared by several app hosts (docs/deploy.md).
        "FILE_STORE": os.environ.get("FILE_STORE", ""),
        # This system's name in the record ids of its exchange files (lms/exchange, docs/exchange.md): unique among
        # the systems that exchange registrations, and never changed once files were exchanged.
        "EXCHANGE_SYSTEM_ID": os.environ.get("EXCHANGE_SYSTEM_ID", "xueshitong-wenzhou"),
        # An export claimed longer ago than this whose run never finished is taken again (its run died; runs of the
        # scheduler never overlap, so a live run is never taken from), and given up after this many runs.
        "EXCHANGE_STALE_SECONDS": _int("EXCHANGE_STALE_SECONDS", 900),
        "EXCHANGE_MAX_ATTEMPTS": _int("EXCHANGE_MAX_ATTEMPTS", 3),
        "FILE_STORE_ENDPOINT": os.environ.get("FILE_STORE_ENDPOINT", ""),
        "FILE_STORE_REGION": os.environ.get("FILE_STORE_REGION", ""),
        "FILE_STORE_ACCESS_KEY": os.environ.get("FILE_STORE_ACCESS_KEY", ""),
        "FILE_STORE_SECRET_KEY": os.environ.get("FILE_STORE_SECRET_KEY", ""),
        "HEARTBEAT_SECONDS": _int("HEARTBEAT_SECONDS", 30),
        "HEARTBEAT_GRACE_SECONDS": _int("HEARTBEAT_GRACE_SECONDS", 5),
        "IDLE_TIMEOUT_SECONDS": _int("IDLE_TIMEOUT_SECONDS", 300),
        "PRESENCE_MEAN_SECONDS": _int("PRESENCE_MEAN_SECONDS", 900),
        "PRESENCE_ANSWER_SECONDS": _int("PRESENCE_ANSWER_SECONDS", 60),
        # The reverse proxies (addresses or CIDR networks) whose X-Forwarded-For is believed (lms/proxies.py);
        # empty: none, the connection's peer is the client.
        "TRUSTED_PROXIES": os.environ.get("TRUSTED_PROXIES", ""),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Per address, for every login and registration post together: an office of 40 behind one NAT logging in at
        # nine stays under it; one account's password guessing is throttled per account (lms/accounts/throttle.py).
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "100 per minute"),
        "PUBLIC_RATE_LIMIT": os.environ.get("PUBLIC_RATE_LIMIT", "30 per minute"),
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_MB", 200) * 1024 * 1024,
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 3),
        "ARGON2_MEMORY_KIB": _int("ARGON2_MEMORY_KIB", 65536),
        # The address printed on documents and in their QR codes (never the request's host): set it to the public
        # https address in production. The default is the address `make run` serves.
        "PUBLIC_BASE_URL": public_base_url(os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")),
        # The TrueType CJK font embedded in PDFs (lms/pdf.py); face index for a .ttc collection.
        "PDF_FONT_PATH": os.environ.get("PDF_FONT_PATH", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
        "PDF_FONT_INDEX": _int("PDF_FONT_INDEX", 0),
        # The TrueType font for characters the first one lacks (rare ones in names); empty: none.
        "PDF_FALLBACK_FONT_PATH": os.environ.get("PDF_FALLBACK_FONT_PATH",
                                                 "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
        # Mail (lms/messages/mailer.py): the outbox is sent by the scheduler only when SMTP_URL is set, e.g.
        # smtp://mail.example.gov.cn:25, smtp://user:password@host:587?starttls=1 or smtps://user:password@host:465.
        "SMTP_URL": os.environ.get("SMTP_URL", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "学时通 <noreply@xueshitong.local>"),
        "SMTP_TIMEOUT_SECONDS": _int("SMTP_TIMEOUT_SECONDS", 15),
        "OUTBOX_MAX_ATTEMPTS": _int("OUTBOX_MAX_ATTEMPTS", 6),
        # Password reset by e-mail (lms/accounts/reset.py; only with SMTP_URL): minutes a code holds.
        "RESET_CODE_MINUTES": _int("RESET_CODE_MINUTES", 15),
        "CITY_BUREAU_NAME": os.environ.get("CITY_BUREAU_NAME", "温州市人力资源和社会保障局"),
        "SQL_ECHO": os.environ.get("SQL_ECHO", "0") == "1",
        # Connections kept open per process: at least the worker's threads, or the pool opens and closes a
        # PostgreSQL backend (a fork) for every request beyond it.
        "DATABASE_POOL_SIZE": _int("DATABASE_POOL_SIZE", 10),
        # A pooled connection idle longer than this is checked (one round trip) before use; busy ones are not.
        "DATABASE_PING_IDLE_SECONDS": _int("DATABASE_PING_IDLE_SECONDS", 5),
        # Served by gunicorn's ASGI worker (lms/asgi.py): threads per worker process that run the Flask app,
        # and the lane on the event loop (lms/lane.py): each route on or off, and its asynchronous connections
        # per process.
        "WEB_THREADS": _int("WEB_THREADS", 2),
        # The scheduler (lms/scheduler.py): how often an idle copy competes for leadership, how often the leader
        # checks it still holds it between runs, and (tests, benches) every job's interval instead of its own.
        "SCHEDULER_POLL_SECONDS": _int("SCHEDULER_POLL_SECONDS", 5),
        "SCHEDULER_CHECK_SECONDS": _int("SCHEDULER_CHECK_SECONDS", 2),
        "SCHEDULER_EVERY_SECONDS": float(os.environ["SCHEDULER_EVERY_SECONDS"])
        if os.environ.get("SCHEDULER_EVERY_SECONDS") else None,
        "HEARTBEAT_LANE": os.environ.get("HEARTBEAT_LANE", "1") not in ("", "0"),
        "HEARTBEAT_LANE_CONNECTIONS": _int("HEARTBEAT_LANE_CONNECTIONS", 4),
        "BOOKING_LANE": os.environ.get("BOOKING_LANE", "1") not in ("", "0"),
        "BOOKING_LANE_CONNECTIONS": _int("BOOKING_LANE_CONNECTIONS", 4),
    }
