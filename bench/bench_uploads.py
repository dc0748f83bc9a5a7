"""Bench: 200 courseware uploads of 1-20 MB over reused keep-alive connections, none may be dropped (issue 15).

The app is served as `make run` serves it (gunicorn with gunicorn.conf.py, two workers) on a fresh SQLite database
with one clerk; bench/uploads.py logs in through the form and uploads, loading the form before each upload as a
browser does. Prints exactly one line:  uploads: <N> sent, <D> dropped, <E> errors, <MB> MB in <S> s
`BENCH_UPLOADS` sets the count (200).
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.setup import free_port  # noqa: E402
from bench.uploads import run, sizes  # noqa: E402

CLERK, PASSWORD = "uploadclerk", "Upload2026ok"


@contextlib.contextmanager
def served(folder: Path, workers: int = 2) -> Iterator[str]:
    """gunicorn with the project's config on a fresh SQLite database holding one clerk; yields its address."""
    env = os.environ | {"DATABASE_URL": f"sqlite:///{folder / 'uploads.db'}", "SECRET_KEY": "bench-uploads",
                        "INSTANCE_PATH": str(folder), "MEDIA_DIR": str(folder / "media"),
                        "RATELIMIT_STORAGE_URI": "memory://", "WEB_WORKERS": str(workers)}
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "lms"]
    subprocess.run([*flask, "db-upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*flask, "create-staff", "--username", CLERK, "--name", "上传测试", "--password", PASSWORD],
                   env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--log-level", "warning"], cwd=ROOT,
                              env=env | {"WEB_BIND": f"127.0.0.1:{port}"}, stdin=subprocess.DEVNULL)
    try:
        for _ in range(1200):  # a worker boots in up to a minute on a busy machine
            try:
                urllib.request.urlopen(base + "/login", timeout=5).read()
                break
            except OSError:
                time.sleep(0.05)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    count = int(os.environ.get("BENCH_UPLOADS", "200"))
    with tempfile.TemporaryDirectory(prefix="xst-uploads-") as folder, served(Path(folder)) as base:
        started = time.monotonic()
        out = run(base, CLERK, PASSWORD, sizes(count))
        elapsed = time.monotonic() - started
    for error in out.errors[:5]:
        print("error:", error, file=sys.stderr)
    print(f"uploads: {out.sent} sent, {out.dropped} dropped, {len(out.errors)} errors, "
          f"{out.megabytes:.0f} MB in {elapsed:.0f} s")


if __name__ == "__main__":
    main()
