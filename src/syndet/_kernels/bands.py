"""numba kernels of the SQLite index's in-memory band keys (:mod:`syndet.store.sqlite`;
private, imported lazily).

A run is a sorted uint64 array of packed ``(key << 32) | doc`` pairs. Probing 32 keys in a
million articles' run (32M pairs, 256 MB) with binary searches touches about 25 places each,
most of them cache misses; a fence (the position of the first pair of each top-``bits``
prefix, 8 bytes per prefix) narrows each search to a few dozen neighbouring pairs.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np

u64 = nb.uint64


@nb.njit(cache=True)
def fence(run: np.ndarray, bits: int) -> Any:
    """``out[p]``: the position of the first pair in ``run`` whose top ``bits`` bits are at
    least ``p``, for p in 0..2**bits (so a prefix's pairs are ``out[p]:out[p + 1]``)."""
    size = 1 << bits
    shift = u64(64 - bits)
    out = np.empty(size + 1, dtype=np.int64)
    n = run.shape[0]
    j = 0
    for p in range(size + 1):
        while j < n and (run[j] >> shift) < u64(p):
            j += 1
        out[p] = j
    return out


@nb.njit(cache=True)
def probe(run: np.ndarray, fences: np.ndarray, bits: int, queries: np.ndarray, cap: int) -> Any:
    """For each query ``key << 32``: the position of its first pair in ``run`` and how many
    pairs hold that key (at most ``cap``). ``fences`` may be empty: then the whole run is
    searched."""
    m = queries.shape[0]
    n = run.shape[0]
    starts = np.zeros(m, dtype=np.int64)
    counts = np.zeros(m, dtype=np.int64)
    shift = u64(64 - bits)
    step = u64(32)
    for i in range(m):
        q = queries[i]
        lo = 0
        hi = n
        if fences.shape[0] > 0:
            p = np.int64(q >> shift)
            lo = fences[p]
            hi = fences[p + 1]
        while lo < hi:  # first pair >= q
            mid = (lo + hi) >> 1
            if run[mid] < q:
                lo = mid + 1
            else:
                hi = mid
        key = q >> step  # compared as keys: q + 2**32 would wrap for the largest key
        j = lo
        stop = min(n, lo + cap)
        while j < stop and (run[j] >> step) == key:
            j += 1
        starts[i] = lo
        counts[i] = j - lo
    return starts, counts
