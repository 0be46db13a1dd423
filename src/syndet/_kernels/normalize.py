"""numba kernels of :mod:`syndet.normalize` (private; imported lazily by that module).

Defined at module level so that numba's on-disk cache (``cache=True``) is reused across
processes: a jitted closure gets a new cache key in every process and is compiled again.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np


@nb.njit(cache=True, inline="always")
def utf8_len(cp: int) -> int:
    if cp < 0x80:
        return 1
    if cp < 0x800:
        return 2
    if cp < 0x10000:
        return 3
    return 4


@nb.njit(cache=True, inline="always")
def put(out: np.ndarray, pos: int, cp: int) -> int:
    if cp < 0x80:
        out[pos] = cp
        return pos + 1
    if cp < 0x800:
        out[pos] = 0xC0 | (cp >> 6)
        out[pos + 1] = 0x80 | (cp & 0x3F)
        return pos + 2
    if cp < 0x10000:
        out[pos] = 0xE0 | (cp >> 12)
        out[pos + 1] = 0x80 | ((cp >> 6) & 0x3F)
        out[pos + 2] = 0x80 | (cp & 0x3F)
        return pos + 3
    out[pos] = 0xF0 | (cp >> 18)
    out[pos + 1] = 0x80 | ((cp >> 12) & 0x3F)
    out[pos + 2] = 0x80 | ((cp >> 6) & 0x3F)
    out[pos + 3] = 0x80 | (cp & 0x3F)
    return pos + 4


@nb.njit(cache=True)
def one_doc(
    data: np.ndarray,
    start: int,
    end: int,
    table: np.ndarray,
    exp: np.ndarray,
    out: np.ndarray,
    pos0: int,
    write: bool,
) -> int:
    """Normalize data[start:end]; return the output length, or -1 if context-sensitive."""
    pos = pos0
    pending = False  # a separator is owed before the next letter
    i = start
    while i < end:
        b0 = np.int64(data[i])
        # Decode one UTF-8 code point (Arrow guarantees valid UTF-8).
        if b0 < 0x80:
            cp = b0
            i += 1
            # ASCII fast path: letters and digits map to themselves (lower-cased).
            if 97 <= cp <= 122 or 48 <= cp <= 57:
                if pending:
                    if pos > pos0:
                        if write:
                            out[pos] = 32
                        pos += 1
                    pending = False
                if write:
                    out[pos] = cp
                pos += 1
                continue
        elif b0 < 0xE0:
            cp = ((b0 & 0x1F) << 6) | (np.int64(data[i + 1]) & 0x3F)
            i += 2
        elif b0 < 0xF0:
            cp = (
                ((b0 & 0x0F) << 12)
                | ((np.int64(data[i + 1]) & 0x3F) << 6)
                | (np.int64(data[i + 2]) & 0x3F)
            )
            i += 3
        else:
            cp = (
                ((b0 & 0x07) << 18)
                | ((np.int64(data[i + 1]) & 0x3F) << 12)
                | ((np.int64(data[i + 2]) & 0x3F) << 6)
                | (np.int64(data[i + 3]) & 0x3F)
            )
            i += 4
        t = np.int64(table[cp])
        if t >= 0:
            if pending:
                if pos > pos0:
                    if write:
                        out[pos] = 32
                    pos += 1
                pending = False
            if write:
                pos = put(out, pos, t)
            else:
                pos += utf8_len(t)
        elif t == -1:
            pending = True
        elif t == -2:
            pass
        elif t == -3:
            return -1
        else:
            row = -4 - t
            for k in range(exp.shape[1]):
                e = np.int64(exp[row, k])
                if e == -1:
                    pending = True
                elif e >= 0:
                    if pending:
                        if pos > pos0:
                            if write:
                                out[pos] = 32
                            pos += 1
                        pending = False
                    if write:
                        pos = put(out, pos, e)
                    else:
                        pos += utf8_len(e)
    return pos - pos0


@nb.njit(cache=True, parallel=True)
def lengths(offsets: np.ndarray, data: np.ndarray, table: np.ndarray, exp: np.ndarray) -> Any:
    n = offsets.shape[0] - 1
    out_len = np.empty(n, dtype=np.int64)
    dummy = np.empty(0, dtype=np.uint8)
    for d in nb.prange(n):
        out_len[d] = one_doc(data, offsets[d], offsets[d + 1], table, exp, dummy, 0, False)
    return out_len


@nb.njit(cache=True, parallel=True)
def fill(
    offsets: np.ndarray,
    data: np.ndarray,
    table: np.ndarray,
    exp: np.ndarray,
    out_offsets: np.ndarray,
    simple: np.ndarray,
    out: np.ndarray,
) -> None:
    n = offsets.shape[0] - 1
    for d in nb.prange(n):
        if simple[d]:
            one_doc(data, offsets[d], offsets[d + 1], table, exp, out, out_offsets[d], True)
