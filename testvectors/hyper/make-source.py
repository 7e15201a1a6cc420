#!/usr/bin/env python3
"""Writes source.png (88x72 RGB, 8-bit) into the current folder: smooth
gradients, discs, edges and LCG noise, so the tiny test model and its file
see texture of every kind. Deterministic (no libraries beyond zlib)."""
import struct
import zlib

W, H = 88, 72
state = 12345


def noise():
    global state
    state = (state * 1103515245 + 12345) & 0x7FFFFFFF
    return (state >> 16) % 17 - 8


rows = []
for y in range(H):
    row = bytearray([0])  # filter: none
    for x in range(W):
        r = (x * 255) // (W - 1)
        g = (y * 255) // (H - 1)
        b = 128 + ((x // 8 + y // 8) % 2) * 64
        for cx, cy, rad, col in ((24, 24, 14, (250, 40, 40)), (66, 48, 18, (30, 200, 90))):
            if (x - cx) ** 2 + (y - cy) ** 2 < rad * rad:
                r, g, b = col
        if 44 <= x < 47:
            r = g = b = 10
        px = [min(255, max(0, v + noise())) for v in (r, g, b)]
        row += bytes(px)
    rows.append(bytes(row))
raw = b"".join(rows)


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
open("source.png", "wb").write(png)
