"""numba kernels of :mod:`syndet.shingle` (private; imported lazily by that module).

Defined at module level so that numba's on-disk cache (``cache=True``) is reused across
processes: a jitted closure gets a new cache key in every process and is compiled again.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros as _tz

from syndet._kernels.hashing import eq_mask64, load_u64, xxh64, xxh64_lt64

trailing_zeros: Any = _tz  # an intrinsic: cttz, one tzcnt
u64 = nb.uint64
SPACE = 32
#: Shingles hashed per block: the block's words (8 x 64 x 8 bytes) stay in L1.
BLOCK = 64
#: Word starts written per 64-byte window before checking the window's real count (see
#: ``word_starts``); a window of text rarely holds more than 12 spaces.
FLAT = 12


@nb.njit(cache=True, inline="always")
def count_spaces(data: np.ndarray, a: int, b: int) -> int:
    c = 0
    i = a
    while i + 64 <= b:
        m = eq_mask64(data, i, SPACE)
        while m:  # LLVM turns this loop into one popcnt
            m &= m - u64(1)
            c += 1
        i += 64
    for j in range(i, b):
        c += data[j] == SPACE
    return c


@nb.njit(cache=True, parallel=True)
def count(offsets: np.ndarray, data: np.ndarray, k: int) -> Any:
    """Shingles per document: words - k + 1 (words = spaces + 1), at least 0."""
    n = offsets.shape[0] - 1
    out = np.zeros(n, dtype=np.int64)
    for d in nb.prange(n):
        a, b = offsets[d], offsets[d + 1]
        if b > a:
            out[d] = max(count_spaces(data, a, b) + 2 - k, 0)
    return out


@nb.njit(cache=True, inline="always")
def word_starts(data: np.ndarray, a: int, b: int, ws: np.ndarray) -> int:
    """Write the start of every word of data[a:b] into ws, then b + 1; return the word count.

    64 bytes at a time: one vector compare gives the mask of spaces, and the first FLAT set
    bits are written unconditionally (a wrong write past the window's count is overwritten by
    the next window or ignored): no branch per space, one rarely taken branch per window.
    ws needs FLAT spare slots past the sentinel.
    """
    nw = 1
    ws[0] = a
    i = a
    while i + 64 <= b:
        m = eq_mask64(data, i, SPACE)
        c = m
        cnt = 0
        while c:  # popcnt
            c &= c - u64(1)
            cnt += 1
        for r in range(FLAT):
            ws[nw + r] = i + 1 + trailing_zeros(m)
            m &= m - u64(1)
        for r in range(FLAT, cnt):
            ws[nw + r] = i + 1 + trailing_zeros(m)
            m &= m - u64(1)
        nw += cnt
        i += 64
    for j in range(i, b):
        ws[nw] = j + 1  # kept only if data[j] is a space
        nw += data[j] == SPACE
    ws[nw] = b + 1  # sentinel: one past the virtual space after the last word
    return nw


@nb.njit(cache=True)
def doc_shingles(
    data: np.ndarray, a: int, b: int, k: int, seed: Any, out: np.ndarray, base: int, m: int
) -> None:
    """Hashes of the m word k-grams of data[a:b] into out[base:base + m]."""
    lim = data.shape[0] - 8  # loads are clamped to stay inside data (len(data) >= 8)
    ws = np.empty(m + k + FLAT + 1, dtype=np.int64)
    word_starts(data, a, b, ws)
    # Words of the block's k-grams, stored transposed so that the hashing loop reads each
    # of them as a contiguous vector: the loads themselves (at arbitrary byte offsets) would
    # be gathers, which LLVM does not vectorize; the arithmetic then runs 8 hashes at a time.
    words = np.empty((8, BLOCK), dtype=np.uint64)
    lens = np.empty(BLOCK, dtype=np.uint64)
    for j0 in range(0, m, BLOCK):
        nb_ = min(BLOCK, m - j0)
        for j in range(nb_):
            s = ws[j0 + j]
            n = ws[j0 + j + k] - 1 - s
            lens[j] = n
            # Words past the k-gram's end may be garbage (hashing ignores them) but must be
            # readable: clamped to the buffer. A word the hash uses is never clamped.
            for w in range(7):
                words[w, j] = load_u64(data, min(s + 8 * w, lim))
            p = s + (n & ~7)
            q = min(p, lim)
            # the tail word, shifted when clamped so that its low bytes still start at p
            words[7, j] = load_u64(data, q) >> (u64(8 * (p - q)) & u64(63))
        for j in range(nb_):
            out[base + j0 + j] = xxh64_lt64(
                words[0, j],
                words[1, j],
                words[2, j],
                words[3, j],
                words[4, j],
                words[5, j],
                words[6, j],
                words[7, j],
                lens[j],
                seed,
            )
        for j in range(nb_):
            if lens[j] >= 64:  # rare (very long words): the general hash
                s = ws[j0 + j]
                out[base + j0 + j] = xxh64(data, s, s + np.int64(lens[j]), seed)


@nb.njit(cache=True, parallel=True)
def fill(
    offsets: np.ndarray,
    data: np.ndarray,
    k: int,
    seed: Any,
    out_offsets: np.ndarray,
    out: np.ndarray,
) -> None:
    n = offsets.shape[0] - 1
    for d in nb.prange(n):
        m = out_offsets[d + 1] - out_offsets[d]
        if m > 0:
            doc_shingles(data, offsets[d], offsets[d + 1], k, seed, out, out_offsets[d], m)


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
