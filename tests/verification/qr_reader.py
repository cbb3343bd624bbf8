"""A minimal QR reader for tests: SVG path (one unit square per dark module, as the `qrcode`
SVG path factories write it) → module matrix → data segments. It reads only clean symbols
(no error correction needed) of versions 1-6, which is all a verification link needs; written
from ISO/IEC 18004, independently of the encoder, so a test can check that the served image
really encodes the link, and in which modes."""

from __future__ import annotations

import re

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
ALIGNMENT = {1: [], 2: [6, 18], 3: [6, 22], 4: [6, 26], 5: [6, 30], 6: [6, 34]}
# (blocks, data codewords per block) for error correction level M (ISO/IEC 18004 Table 9)
BLOCKS_M = {1: (1, 16), 2: (1, 28), 3: (1, 44), 4: (2, 32), 5: (2, 43), 6: (4, 27)}
MASKS = [
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
]


def matrix_from_svg(svg: str, border: int = 4) -> list[list[bool]]:
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1)) - 2 * border
    grid = [[False] * size for _ in range(size)]
    for x, y in re.findall(r"M(\d+),(\d+)H", svg):
        grid[int(y) - border][int(x) - border] = True
    return grid


def _function_modules(n: int, version: int) -> list[list[bool]]:
    f = [[False] * n for _ in range(n)]

    def area(r0, r1, c0, c1):
        for r in range(max(r0, 0), min(r1, n)):
            for c in range(max(c0, 0), min(c1, n)):
                f[r][c] = True

    area(0, 9, 0, 9)  # finders, separators and format information
    area(0, 9, n - 8, n)
    area(n - 8, n, 0, 9)
    area(6, 7, 0, n)  # timing patterns
    area(0, n, 6, 7)
    pos = ALIGNMENT[version]
    for r in pos:
        for c in pos:
            if (r, c) in {(6, 6), (6, pos[-1]), (pos[-1], 6)}:
                continue  # would overlap a finder
            area(r - 2, r + 3, c - 2, c + 3)
    return f


def _codewords(grid, mask) -> list[int]:
    n = len(grid)
    version = (n - 17) // 4
    f = _function_modules(n, version)
    bits, upward, j = [], True, n - 1
    while j > 0:
        if j == 6:
            j -= 1
        for i in range(n - 1, -1, -1) if upward else range(n):
            for jj in (j, j - 1):
                if not f[i][jj]:
                    bits.append(int(grid[i][jj]) ^ int(MASKS[mask](i, jj)))
        upward, j = not upward, j - 2
    blocks, per_block = BLOCKS_M[version]
    raw = [int("".join(map(str, bits[k : k + 8])), 2) for k in range(0, len(bits) - 7, 8)]
    data_cw = raw[: blocks * per_block]
    # De-interleave (equal block sizes for level M at versions 1-6).
    return [data_cw[i * blocks + b] for b in range(blocks) for i in range(per_block)]


def _segments(data: list[int]) -> list[tuple[str, str]]:
    bits = "".join(f"{b:08b}" for b in data)
    pos, out = 0, []

    def take(k):
        nonlocal pos
        value = int(bits[pos : pos + k], 2)
        pos += k
        return value

    while pos + 4 <= len(bits):
        mode = take(4)
        if mode == 0:
            break
        if mode == 0b0010:
            count, text = take(9), ""
            for _ in range(count // 2):
                v = take(11)
                text += ALNUM[v // 45] + ALNUM[v % 45]
            if count % 2:
                text += ALNUM[take(6)]
            out.append(("alphanumeric", text))
        elif mode == 0b0100:
            count = take(8)
            out.append(("byte", bytes(take(8) for _ in range(count)).decode("utf-8")))
        else:
            raise ValueError(f"unsupported mode {mode:04b}")
    return out


def read_svg(svg: str) -> list[tuple[str, str]]:
    """The (mode, text) segments of a clean level-M QR symbol; tries each mask and keeps the
    one whose stream parses and ends in the standard padding."""
    grid = matrix_from_svg(svg)
    for mask in range(8):
        try:
            segments = _segments(_codewords(grid, mask))
        except (ValueError, IndexError, UnicodeDecodeError):
            continue
        data = _codewords(grid, mask)
        if segments and data[-1] in (0xEC, 0x11):
            return segments
    raise ValueError("not a readable level-M QR symbol")
