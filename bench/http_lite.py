"""A lean HTTP/1.1 keep-alive client for the timed phases of the benches.

The load generator shares the 2-core machine with the server it measures, so its own CPU per request is
taken from the server. aiohttp costs about 0.4 ms of CPU per request here; this client (asyncio streams
on uvloop, a fixed pool of kept-alive sockets, requests written as bytes, answers read by Content-Length)
costs a fraction of that. It speaks only what the benches need: one request at a time per socket, answers
with a Content-Length, and it reconnects when the server closes a socket.
"""
from __future__ import annotations

import asyncio


class LiteHTTP:
    def __init__(self, host: str, port: int, connections: int) -> None:
        self.host, self.port, self.size = host, port, connections
        self.free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()

    async def open(self) -> None:
        for _ in range(self.size):
            self.free.put_nowait(await asyncio.open_connection(self.host, self.port))

    async def close(self) -> None:
        while not self.free.empty():
            _r, w = self.free.get_nowait()
            w.close()

    async def request(self, method: str, path: str, headers: str = "", body: bytes = b"") -> tuple[int, bytes]:
        """Send one request on a free kept-alive socket (waiting for one if all are busy): (status, body)."""
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Length: {len(body)}\r\n{headers}\r\n").encode() + body
        reader, writer = await self.free.get()
        keep = False
        try:
            writer.write(head)
            raw = await reader.readuntil(b"\r\n\r\n")
            status = int(raw[9:12])
            lower = raw.lower()
            at = lower.find(b"\r\ncontent-length:")
            if at < 0:
                raise ConnectionError("answer without Content-Length")
            length = int(lower[at + 17:lower.index(b"\r\n", at + 2)])
            answer = await reader.readexactly(length)
            keep = b"\r\nconnection: close" not in lower
            return status, answer
        finally:
            if keep:
                self.free.put_nowait((reader, writer))
            else:  # closed by the server, or broken: replace it
                writer.close()
                self.free.put_nowait(await asyncio.open_connection(self.host, self.port))
