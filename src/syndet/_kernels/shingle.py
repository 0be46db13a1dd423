"""numba kernels of :mod:`syndet.shingle` (private; imported lazily by that module).

Defined at module level so that numba's on-disk cache (``cache=True``) is reused across
processes: a jitted closure gets a new cache key in every process and is compiled again.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np

from syndet._kernels.hashing import xxh64


@nb.njit(cache=True, parallel=True)
def count(offsets: np.ndarray, data: np.ndarray, k: int) -> Any:
    n = offsets.shape[0] - 1
    out = np.zeros(n, dtype=np.int64)
    for d in nb.prange(n):
        a, b = offsets[d], offsets[d + 1]
        if b > a:
            words = 1
            for i in range(a, b):
                if data[i] == 32:
                    words += 1
            out[d] = max(words - k + 1, 0)
    return out


@nb.njit(cache=True, parallel=True)
def fill(
    offsets: np.ndarray,
    data: np.ndarray,
    k: int,
    seed: Any,
    out_offsets: np.ndarray,
    out: np.ndarray,
    starts_buf: np.ndarray,
) -> None:
    n = offsets.shape[0] - 1
    for d in nb.prange(n):
        m = out_offsets[d + 1] - out_offsets[d]
        if m <= 0:
            continue
        a, b = offsets[d], offsets[d + 1]
        # Word starts go into this document's slice of a shared scratch buffer (its
        # length is words + 1 <= shingles + k), so threads never share memory.
        ws = starts_buf[out_offsets[d] + d * k : out_offsets[d + 1] + (d + 1) * k]
        nw = 0
        ws[nw] = a
        nw += 1
        for i in range(a, b):
            if data[i] == 32:
                ws[nw] = i + 1
                nw += 1
        ws[nw] = b + 1  # sentinel: one past the virtual space after the last word
        base = out_offsets[d]
        for j in range(m):
            out[base + j] = xxh64(data, ws[j], ws[j + k] - 1, seed)


@nb.njit(cache=True, parallel=True)
def unique_sorted(offsets: np.ndarray, hashes: np.ndarray) -> Any:
    n = offsets.shape[0] - 1
    work = hashes.copy()
    counts = np.zeros(n, dtype=np.int64)
    for d in nb.prange(n):
        a, b = offsets[d], offsets[d + 1]
        if b <= a:
            continue
        seg = np.sort(work[a:b])
        m = 1
        work[a] = seg[0]
        for i in range(1, b - a):
            if seg[i] != seg[i - 1]:
                work[a + m] = seg[i]
                m += 1
        counts[d] = m
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    for d in range(n):
        out_offsets[d + 1] = out_offsets[d] + counts[d]
    out = np.empty(out_offsets[n], dtype=np.uint64)
    for d in nb.prange(n):
        a = offsets[d]
        o = out_offsets[d]
        for i in range(counts[d]):
            out[o + i] = work[a + i]
    return out_offsets, out
