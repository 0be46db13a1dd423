"""numba kernels of :mod:`syndet.verify` (private; imported lazily by that module).

Defined at module level so that numba's on-disk cache (``cache=True``) is reused across
processes: a jitted closure gets a new cache key in every process and is compiled again.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np


@nb.njit(cache=True, parallel=True)
def intersect(offsets: np.ndarray, hashes: np.ndarray, pairs: np.ndarray) -> Any:
    m = pairs.shape[0]
    out = np.zeros(m, dtype=np.int64)
    for p in nb.prange(m):
        i, j = pairs[p, 0], pairs[p, 1]
        a, a_end = offsets[i], offsets[i + 1]
        b, b_end = offsets[j], offsets[j + 1]
        c = 0
        # Merge of two sorted, duplicate-free arrays.
        while a < a_end and b < b_end:
            x, y = hashes[a], hashes[b]
            if x == y:
                c += 1
                a += 1
                b += 1
            elif x < y:
                a += 1
            else:
                b += 1
        out[p] = c
    return out


@nb.njit(cache=True, inline="always")
def _member(hashes: np.ndarray, lo: int, hi: int, x: Any) -> bool:
    """Binary search for x in the sorted slice hashes[lo:hi]."""
    end = hi
    while lo < hi:
        mid = (lo + hi) >> 1
        if hashes[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo < end and hashes[lo] == x


@nb.njit(cache=True)
def _cover(
    seq: np.ndarray, s0: int, s1: int, sets: np.ndarray, t0: int, t1: int, k: int
) -> Any:
    """Words of the sequence seq[s0:s1] inside runs of shingles found in sets[t0:t1].

    A run of r consecutive shared shingles covers r + k - 1 consecutive words; runs never
    overlap in words counted twice because the next run starts after a missing shingle, whose
    k words may overlap the previous run: those are counted once via ``covered_to``.
    """
    covered = 0
    longest = 0
    covered_to = s0  # words before this position (in word index space) are already counted
    i = s0
    while i < s1:
        if _member(sets, t0, t1, seq[i]):
            j = i
            while j < s1 and _member(sets, t0, t1, seq[j]):
                j += 1
            start = max(i, covered_to)
            end = j + k - 1  # one past the last covered word
            covered += end - start
            longest = max(longest, j - i + k - 1)
            covered_to = end
            i = j
        else:
            i += 1
    return covered, longest


@nb.njit(cache=True, parallel=True)
def passages(
    seq_offsets: np.ndarray,
    seq: np.ndarray,
    set_offsets: np.ndarray,
    sets: np.ndarray,
    pairs: np.ndarray,
    k: int,
) -> Any:
    m = pairs.shape[0]
    cov_a = np.zeros(m, dtype=np.int64)
    cov_b = np.zeros(m, dtype=np.int64)
    longest = np.zeros(m, dtype=np.int64)
    for p in nb.prange(m):
        i, j = pairs[p, 0], pairs[p, 1]
        ca, la = _cover(
            seq, seq_offsets[i], seq_offsets[i + 1], sets, set_offsets[j], set_offsets[j + 1], k
        )
        cb, lb = _cover(
            seq, seq_offsets[j], seq_offsets[j + 1], sets, set_offsets[i], set_offsets[i + 1], k
        )
        cov_a[p] = ca
        cov_b[p] = cb
        longest[p] = max(la, lb)
    return cov_a, cov_b, longest
