"""The secret key kept in the instance folder when SECRET_KEY is unset (lms/config.py)."""
from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path
from typing import Any

from lms.config import from_env

WORKERS, ROUNDS = 8, 25


def _read_key(instance: str, barrier: Any, out: Any) -> None:
    os.environ.pop("SECRET_KEY", None)
    os.environ["INSTANCE_PATH"] = instance
    barrier.wait()  # every worker reads the config at the same moment, as gunicorn's workers do at boot
    out.put(from_env()["SECRET_KEY"])


def test_workers_started_at_once_on_a_fresh_instance_folder_share_one_private_key(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    for n in range(ROUNDS):
        instance = tmp_path / f"instance{n}"
        barrier, out = ctx.Barrier(WORKERS), ctx.Queue()
        procs = [ctx.Process(target=_read_key, args=(str(instance), barrier, out)) for _ in range(WORKERS)]
        for p in procs:
            p.start()
        keys = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        assert len(set(keys)) == 1, f"round {n}: the workers read {len(set(keys))} different keys"
        assert len(keys[0]) == 64 and int(keys[0], 16) >= 0
        key_file = instance / "secret_key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert key_file.read_text().strip() == keys[0]
        assert [f.name for f in instance.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_the_key_file_is_never_readable_by_others_even_for_a_moment(tmp_path: Path, monkeypatch: Any) -> None:
    """Made private as it is created (os.open with mode 0600), not chmod-ed after the key was written."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "inst"))
    old = os.umask(0)  # the widest umask: a file created with the default mode would be world-readable
    try:
        seen: list[int] = []
        real_write = os.write

        def write(fd: int, data: bytes) -> int:
            seen.append(stat.S_IMODE(os.fstat(fd).st_mode))
            return real_write(fd, data)
        monkeypatch.setattr(os, "write", write)
        key = from_env()["SECRET_KEY"]
    finally:
        os.umask(old)
    assert seen and set(seen) == {0o600}
    assert from_env()["SECRET_KEY"] == key  # read again, not replaced


def test_a_set_secret_key_leaves_the_instance_folder_alone(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "inst"))
    assert from_env()["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "inst" / "secret_key").exists()
