"""Day one with `make run`: it serves with the demo printed once (password beside the accounts), and a second
`make run` on the same machine refuses the port instead of sharing it (gunicorn's reuse_port would)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from lms.ports import in_use, refuse_taken

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_port_probe_sees_a_reuse_port_listener_and_not_a_closed_one() -> None:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.listen()
    try:
        assert in_use("127.0.0.1", port) and in_use("0.0.0.0", port)
        with pytest.raises(SystemExit, match=f"端口 {port} 已被占用"):
            refuse_taken([("127.0.0.1", port)])
    finally:
        listener.close()
    assert not in_use("127.0.0.1", port)
    refuse_taken([("127.0.0.1", port), "/tmp/a-unix-socket"])  # free: no exit


@pytest.mark.slow
def test_make_run_twice_on_one_machine_the_second_refuses_the_port(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "MAKEFLAGS", "MFLAGS")}
    env |= {"WEB_BIND": f"127.0.0.1:{port}", "INSTANCE_PATH": str(tmp_path / "instance"), "WEB_WORKERS": "1",
            "RATELIMIT_STORAGE_URI": "memory://", "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024"}
    out = tmp_path / "first.log"
    with out.open("wb") as log:
        first = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while "学时通: http://" not in out.read_text(encoding="utf-8", errors="replace"):
            assert first.poll() is None, out.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, out.read_text(encoding="utf-8")
            time.sleep(0.5)
        text = out.read_text(encoding="utf-8")
        assert text.count("已载入演示数据") == 1 and "演示数据已存在" not in text  # the demo ran once
        lines = text.splitlines()
        at = lines.index("演示账号（密码均为 Demo2026ok）：")
        assert lines[at + 1].strip().startswith("市人社局        用户名 admin")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=30) as resp:
            assert resp.status == 200

        second = subprocess.run(["make", "--no-print-directory", "run"], cwd=ROOT, env=env, capture_output=True,
                                timeout=120)
        said = (second.stdout + second.stderr).decode()
        assert second.returncode != 0 and f"端口 {port} 已被占用" in said
        assert "演示数据" not in said  # refused before touching the database
        assert first.poll() is None  # the first still serves
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=30) as resp:
            assert resp.status == 200
    finally:
        os.killpg(first.pid, signal.SIGTERM)
        try:
            first.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(10)


def test_gunicorn_itself_refuses_a_taken_port(tmp_path: Path) -> None:
    """Started directly (not through make), gunicorn's on_starting hook refuses the port too."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    env: dict[str, Any] = {**os.environ, "WEB_BIND": f"127.0.0.1:{port}", "INSTANCE_PATH": str(tmp_path)}
    try:
        done = subprocess.run([str(ROOT / ".venv/bin/gunicorn"), "-w", "1"], cwd=ROOT, env=env, capture_output=True,
                              timeout=60)
    finally:
        listener.close()
    assert done.returncode != 0 and f"端口 {port} 已被占用" in done.stderr.decode()
