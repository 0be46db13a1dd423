"""numba kernels of :mod:`syndet._hashing` (private; imported lazily by that module).

Defined at module level so that numba's on-disk cache (``cache=True``) is reused across
processes: a jitted closure gets a new cache key in every process and is compiled again.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np

_P1 = 0x9E3779B185EBCA87
_P2 = 0xC2B2AE3D27D4EB4F
_P3 = 0x165667B19E3779F9
_P4 = 0x85EBCA77C2B2AE63
_P5 = 0x27D4EB2F165667C5


u64 = nb.uint64
p1, p2, p3, p4, p5 = u64(_P1), u64(_P2), u64(_P3), u64(_P4), u64(_P5)


@nb.njit(cache=True, inline="always")
def rotl(x: Any, r: int) -> Any:
    return (x << u64(r)) | (x >> u64(64 - r))


@nb.njit(cache=True, inline="always")
def read64(data: np.ndarray, i: int) -> Any:
    v = u64(0)
    for j in range(8):
        v |= u64(data[i + j]) << u64(8 * j)
    return v


@nb.njit(cache=True, inline="always")
def read32(data: np.ndarray, i: int) -> Any:
    v = u64(0)
    for j in range(4):
        v |= u64(data[i + j]) << u64(8 * j)
    return v


@nb.njit(cache=True, inline="always")
def round_(acc: Any, lane: Any) -> Any:
    acc = acc + lane * p2
    acc = rotl(acc, 31)
    return acc * p1


@nb.njit(cache=True, inline="always")
def merge(acc: Any, val: Any) -> Any:
    acc = acc ^ round_(u64(0), val)
    return acc * p1 + p4


@nb.njit(cache=True)
def xxh64(data: np.ndarray, start: int, end: int, seed: Any) -> Any:
    length = end - start
    i = start
    if length >= 32:
        v1 = seed + p1 + p2
        v2 = seed + p2
        v3 = seed
        v4 = seed - p1
        limit = end - 32
        while i <= limit:
            v1 = round_(v1, read64(data, i))
            v2 = round_(v2, read64(data, i + 8))
            v3 = round_(v3, read64(data, i + 16))
            v4 = round_(v4, read64(data, i + 24))
            i += 32
        h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)
        h = merge(h, v1)
        h = merge(h, v2)
        h = merge(h, v3)
        h = merge(h, v4)
    else:
        h = seed + p5
    h = h + u64(length)
    while i + 8 <= end:
        h = h ^ round_(u64(0), read64(data, i))
        h = rotl(h, 27) * p1 + p4
        i += 8
    if i + 4 <= end:
        h = h ^ (read32(data, i) * p1)
        h = rotl(h, 23) * p2 + p3
        i += 4
    while i < end:
        h = h ^ (u64(data[i]) * p5)
        h = rotl(h, 11) * p1
        i += 1
    h = h ^ (h >> u64(33))
    h = h * p2
    h = h ^ (h >> u64(29))
    h = h * p3
    return h ^ (h >> u64(32))


@nb.njit(cache=True, parallel=True)
def ranges(offsets: np.ndarray, data: np.ndarray, seed: Any) -> Any:
    n = offsets.shape[0] - 1
    out = np.empty(n, dtype=np.uint64)
    for d in nb.prange(n):
        out[d] = xxh64(data, offsets[d], offsets[d + 1], seed)
    return out
