"""Make a PNG smaller without changing a pixel: one IDAT chunk compressed at zlib level 9, ancillary chunks
(text, time, physical size) dropped."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEPT = (b"IHDR", b"PLTE", b"tRNS")


def _chunks(data: bytes):
    pos = len(SIGNATURE)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        yield data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def recompress(path: Path) -> int:
    """Rewrite ``path`` in place when that makes it smaller; returns its size."""
    data = Path(path).read_bytes()
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path} is not a PNG")
    chunks = list(_chunks(data))
    pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    smaller = SIGNATURE + b"".join(_chunk(k, b) for k, b in chunks if k in KEPT) + \
        _chunk(b"IDAT", zlib.compress(pixels, 9)) + _chunk(b"IEND", b"")
    if len(smaller) < len(data):
        Path(path).write_bytes(smaller)
        return len(smaller)
    return len(data)
