"""Where the CPU went during a timed phase of a bench: the app server, PostgreSQL and the load generator.

Reads /proc (Linux): CPU seconds (user + system) of the processes whose command line names gunicorn,
postgres, or is this process, between start() and stop(); printed by the benches on stderr only.
"""
from __future__ import annotations

import os
import time

_HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _sample() -> dict[int, tuple[str, float]]:
    out: dict[int, tuple[str, float]] = {}
    me = os.getpid()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ")
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(name)
        role = "client" if pid == me else "gunicorn" if b"gunicorn" in cmd else \
            "postgres" if cmd.startswith(b"postgres") else "other"
        out[pid] = (role, (int(fields[11]) + int(fields[12])) / _HZ)
    return out


def _machine() -> list[int]:
    """/proc/stat's first line: user nice system idle iowait irq softirq steal (clock ticks, all cores)."""
    with open("/proc/stat") as f:
        return [int(x) for x in f.readline().split()[1:9]]


class CpuMeter:
    def start(self) -> None:
        self._t, self._a, self._m = time.perf_counter(), _sample(), _machine()

    def stop(self) -> str:
        """'gunicorn 1.42, postgres 0.31, client 0.15, other 0.02 cores (gunicorn processes: 0.72 0.70)'."""
        b, m, elapsed = _sample(), _machine(), time.perf_counter() - self._t
        d = [(y - x) / _HZ / elapsed for x, y in zip(self._m, m, strict=True)]
        machine = (f"; machine: busy {sum(d) - d[3] - d[4]:.2f} of {os.cpu_count()} cores "
                   f"(softirq {d[6]:.2f}, steal {d[7]:.2f}, idle {d[3]:.2f})")
        cores: dict[str, float] = {}
        workers: list[float] = []
        for pid, (role, t) in b.items():
            used = t - self._a.get(pid, (role, 0.0))[1]
            cores[role] = cores.get(role, 0.0) + used
            if role == "gunicorn" and used > 0.01 * elapsed:
                workers.append(used / elapsed)
        return ", ".join(f"{role} {cores.get(role, 0.0) / elapsed:.2f}"
                         for role in ("gunicorn", "postgres", "client", "other")) + " cores (gunicorn processes: " + \
            " ".join(f"{w:.2f}" for w in sorted(workers, reverse=True)) + ")" + machine
