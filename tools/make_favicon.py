"""Regenerate the site icon committed in ``lms/static/``: ``favicon.svg`` and ``favicon.ico`` (32 px PNG inside).

The project never runs this; it documents how the committed files were made. Standard library only: an open
book on the header's blue with its red rule, drawn pixel by pixel (ICO) and as shapes (SVG).

    python3 tools/make_favicon.py
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

N = 32
BLUE, RED, WHITE, CLEAR = (0x1D, 0x4F, 0x91, 255), (0xB7, 0x1C, 0x1C, 255), (255, 255, 255, 255), (0, 0, 0, 0)
STATIC = Path(__file__).resolve().parents[1] / "lms" / "static"


def pixel(x: int, y: int) -> tuple[int, int, int, int]:
    r = 6  # rounded corners
    cx = r if x < r else (N - 1 - r if x > N - 1 - r else x)
    cy = r if y < r else (N - 1 - r if y > N - 1 - r else y)
    if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
        return CLEAR
    if y >= 26:
        return RED
    if 8 <= y <= 21 and (6 <= x <= 14 or 17 <= x <= 25):  # the two pages, with three lines of text each
        return BLUE if y in (11, 14, 17) and (8 <= x <= 12 or 19 <= x <= 23) else WHITE
    if 9 <= y <= 22 and x in (15, 16):
        return WHITE if y == 22 else BLUE
    return BLUE


def png() -> bytes:
    rows = b"".join(b"\x00" + bytes(c for x in range(N) for c in pixel(x, y)) for y in range(N))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", N, N, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<clipPath id="r"><rect width="32" height="32" rx="6"/></clipPath>
<g clip-path="url(#r)"><rect width="32" height="32" fill="#1d4f91"/><rect y="26" width="32" height="6" fill="#b71c1c"/>
<path d="M6 8h9v14H6zM17 8h9v14h-9z" fill="#fff"/>
<path d="M8 11.5h5M8 14.5h5M8 17.5h5M19 11.5h5M19 14.5h5M19 17.5h5" stroke="#1d4f91"/></g>
</svg>
"""


def main() -> None:
    data = png()
    ico = struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", N, N, 0, 0, 1, 32, len(data), 22) + data
    (STATIC / "favicon.ico").write_bytes(ico)
    (STATIC / "favicon.svg").write_text(SVG, encoding="utf-8")


if __name__ == "__main__":
    main()
