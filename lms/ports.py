"""Refuse to start a server on a port that another server already listens on.

gunicorn.conf.py sets ``reuse_port``: each worker opens its own listening socket with SO_REUSEPORT, and the
kernel lets any other process of the same user do the same. A second ``make run`` (another checkout, its own
database) would then start silently on the same port, and the kernel would split the requests between the two
servers. Before gunicorn opens anything, its ``on_starting`` hook (and ``make run`` before it loads the demo)
binds each address once *without* SO_REUSEPORT: that bind fails while anything listens there, whatever options
the listener used. SO_REUSEADDR is set on the probe so that connections of a server just stopped (TIME_WAIT)
do not count as "in use".
"""
from __future__ import annotations

import errno
import socket
import sys
import time
from collections.abc import Iterable


def parse_bind(bind: str) -> tuple[str, int]:
    """'127.0.0.1:5000', '[::1]:5000' or ':5000' as (host, port)."""
    host, _, port = bind.rpartition(":")
    return host.strip("[]") or "0.0.0.0", int(port)


def in_use(host: str, port: int) -> bool:
    """Whether something listens on host:port (a bind without SO_REUSEPORT fails)."""
    for family, kind, proto, _name, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return True
                raise
    return False


def refuse_taken(addresses: Iterable[tuple[str, int] | str]) -> None:
    """Exit with a message naming the first TCP address already in use (unix sockets are not probed)."""
    for address in addresses:
        if isinstance(address, tuple) and in_use(*address):
            host, port = address
            raise SystemExit(f"端口 {port} 已被占用（{host}:{port} 上已有服务在运行，可能是另一个 make run）。"
                             f"请先停止它，或用 WEB_BIND=127.0.0.1:其他端口 启动。")


def wait_until_answering(host: str, port: int, timeout: float = 120.0) -> bool:
    """Wait until a connection to host:port is accepted (the server started), at most timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def main(argv: list[str]) -> None:
    """`python -m lms.ports HOST:PORT ...`: exit 1 with the message when one is taken;
    `python -m lms.ports --wait HOST:PORT`: exit 1 unless it answers within two minutes."""
    if argv[:1] == ["--wait"]:
        host, port = parse_bind(argv[1])
        if not wait_until_answering("127.0.0.1" if host in ("0.0.0.0", "::") else host, port):
            raise SystemExit(f"服务没有在 {host}:{port} 上启动，请查看上面的错误信息")
        return
    refuse_taken(parse_bind(a) for a in argv)


if __name__ == "__main__":  # pragma: no cover - exercised by tests/test_make_run.py through make
    main(sys.argv[1:])
