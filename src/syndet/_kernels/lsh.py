"""numba kernels of :mod:`syndet.lsh` (private; imported lazily by that module).

Defined at module level so that numba's on-disk cache (``cache=True``) is reused across
processes: a jitted closure gets a new cache key in every process and is compiled again.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np

u64 = nb.uint64


@nb.njit(cache=True, parallel=True)
def keys(sig: np.ndarray, bands: int, rows: int) -> Any:
    n = sig.shape[0]
    out = np.empty((bands, n), dtype=np.uint64)
    for d in nb.prange(n):
        for band in range(bands):
            out[band, d] = band_key(sig[d], band, rows)
    return out


@nb.njit(cache=True, inline="always")
def band_key(row: np.ndarray, band: int, rows: int) -> Any:
    """The key of one band of one signature row."""
    # Mix the band number in so equal values in different bands never collide.
    h = u64(0x9E3779B97F4A7C15) * u64(band + 1)
    for j in range(band * rows, (band + 1) * rows):
        h ^= row[j]
        h *= u64(0xBF58476D1CE4E5B9)
        h ^= h >> u64(31)
    return h


@nb.njit(cache=True)
def count_pairs(sorted_keys: np.ndarray, max_bucket: int) -> Any:
    """Pairs each run of equal keys yields (all pairs, or a star above max_bucket)."""
    n = sorted_keys.shape[0]
    total = 0
    capped_buckets = 0
    dropped = 0
    i = 0
    while i < n:
        j = i + 1
        while j < n and sorted_keys[j] == sorted_keys[i]:
            j += 1
        m = j - i
        if m > max_bucket:
            total += m - 1
            capped_buckets += 1
            dropped += m * (m - 1) // 2 - (m - 1)
        else:
            total += m * (m - 1) // 2
        i = j
    return total, capped_buckets, dropped


@nb.njit(cache=True)
def emit(
    sorted_keys: np.ndarray, sorted_docs: np.ndarray, max_bucket: int, out: np.ndarray
) -> None:
    n = sorted_keys.shape[0]
    pos = 0
    i = 0
    while i < n:
        j = i + 1
        while j < n and sorted_keys[j] == sorted_keys[i]:
            j += 1
        m = j - i
        if m > max_bucket:
            # a star around the lowest-ranked member: the run is in no particular order
            first = i
            for x in range(i + 1, j):
                if sorted_docs[x] < sorted_docs[first]:
                    first = x
            hub = sorted_docs[first]
            for x in range(i, j):
                if x != first:
                    out[pos] = (u64(hub) << u64(32)) | u64(sorted_docs[x])
                    pos += 1
        else:
            for x in range(i, j):
                for y in range(x + 1, j):
                    lo = min(sorted_docs[x], sorted_docs[y])
                    hi = max(sorted_docs[x], sorted_docs[y])
                    out[pos] = (u64(lo) << u64(32)) | u64(hi)
                    pos += 1
        i = j


@nb.njit(cache=True, inline="always")
def _slot(x: Any, mask: Any) -> Any:
    return (x ^ (x >> u64(29))) & mask


@nb.njit(cache=True, parallel=True)
def shared_keys(keys: np.ndarray) -> Any:
    """``out[band, i]``: the key of document ``i`` in that band is held by another document
    too (its bucket has two members or more). Bands in parallel; each counts its keys in an
    open-addressing table (keys are already well mixed) instead of sorting them. Documents
    are read in their own order: reading them by rank, a gather through a permutation, cost
    as much as the table itself.
    """
    bands, n = keys.shape
    out = np.zeros((bands, n), dtype=np.bool_)
    size = 1
    while size < 2 * n:
        size *= 2
    mask = u64(size - 1)
    for band in nb.prange(bands):
        row = keys[band]
        table = np.zeros(size, dtype=np.uint64)
        count = np.zeros(size, dtype=np.uint8)
        for i in range(n):
            x = row[i]
            h = _slot(x, mask)
            while count[h] != 0 and table[h] != x:
                h = (h + u64(1)) & mask
            if count[h] == 0:
                table[h] = x
                count[h] = 1
            else:
                count[h] = 2
        for i in range(n):
            x = row[i]
            h = _slot(x, mask)
            while table[h] != x or count[h] == 0:
                h = (h + u64(1)) & mask
            out[band, i] = count[h] == 2
    return out
