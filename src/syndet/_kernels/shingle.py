"""numba kernels of :mod:`syndet.shingle` (private; imported lazily by that module).

Defined at module level so that numba's on-disk cache (``cache=True``) is reused across
processes: a jitted closure gets a new cache key in every process and is compiled again.

How a document's k-grams are hashed (``doc_shingles``), each step without a branch per byte:

1. ``count_spaces`` / ``word_starts``: 64-byte windows compared with ``' '`` in one vector
   instruction; the mask's popcount counts words, its set bits (tzcnt) are the word starts.
2. For a block of 64 k-grams, each k-gram's first 64 bytes are copied as one block and the
   block is transposed, so that word ``w`` of the block's k-grams is one contiguous row.
3. ``xxh64_lt64`` hashes the rows with selects instead of branches, which LLVM vectorizes 8
   k-grams per AVX-512 register. Rare k-grams of 64 bytes or more (and those within 64 bytes
   of the buffer's end, whose block cannot be copied) are rehashed with the general XXH64.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros as _tz

from syndet._kernels.hashing import eq_mask64, move_bytes, xxh64, xxh64_lt64

trailing_zeros: Any = _tz  # an intrinsic: cttz, one tzcnt
u64 = nb.uint64
SPACE = 32
#: Batches with fewer bytes are hashed on the calling thread: waking the pool costs more
#: than it saves.
SERIAL_BYTES = 1 << 16
#: Runs of documents a batch is cut into, for the threads.
RUNS = 64
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


@nb.njit(cache=True, inline="always")
def doc_count(offsets: np.ndarray, data: np.ndarray, k: int, d: int) -> int:
    """Shingles of document d: words - k + 1 (words = spaces + 1), at least 0."""
    a, b = offsets[d], offsets[d + 1]
    return max(count_spaces(data, a, b) + 2 - k, 0) if b > a else 0


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


@nb.njit(cache=True, inline="always")
def doc_shingles(
    data: np.ndarray,
    a: int,
    b: int,
    k: int,
    seed: Any,
    out: np.ndarray,
    base: int,
    m: int,
    ws: np.ndarray,
    rows: np.ndarray,
    words: np.ndarray,
    lens: np.ndarray,
) -> None:
    """Hashes of the m word k-grams of data[a:b] into out[base:base + m].

    ws (m + k + FLAT + 1 slots at least), rows, words and lens are scratch space (see
    ``run``).
    """
    nbytes = data.shape[0]
    word_starts(data, a, b, ws)
    # The hashing loop wants the words of 8 k-grams side by side (words[w, j] = the w-th
    # little-endian word of k-gram j) so that it reads each as one vector: LLVM does not
    # vectorize the loads themselves (gathers at arbitrary byte offsets). Each k-gram's first
    # 64 bytes are copied as one block (one unaligned 64-byte load and store) and the block
    # transposed in L1; as fast as eight 8-byte loads per k-gram, and no load needs clamping
    # to the buffer's end.
    block = rows.view(np.uint64).reshape((BLOCK, 8))
    for j0 in range(0, m, BLOCK):
        nb_ = min(BLOCK, m - j0)
        for j in range(nb_):
            s = ws[j0 + j]
            lens[j] = ws[j0 + j + k] - 1 - s
            if s + 64 <= nbytes:  # else the general hash below (only at the buffer's end)
                move_bytes(rows, 64 * j, data, s, 64)
        for w in range(7):
            for j in range(nb_):
                words[w, j] = block[j, w]
        for j in range(nb_):
            # The word holding the last n & 7 bytes (those past the k-gram are ignored).
            words[7, j] = block[j, (lens[j] >> u64(3)) & u64(7)]
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
            s = ws[j0 + j]
            n = np.int64(lens[j])
            if n >= 64 or s + 64 > nbytes:  # rare (very long words): the general hash
                out[base + j0 + j] = xxh64(data, s, s + n, seed)


@nb.njit(cache=True)
def run(
    data: np.ndarray,
    offsets: np.ndarray,
    out_offsets: np.ndarray,
    k: int,
    seed: Any,
    out: np.ndarray,
    lo: int,
    hi: int,
) -> None:
    """Hash the k-grams of documents lo..hi-1, with one set of scratch arrays."""
    most = 0
    for d in range(lo, hi):
        most = max(most, out_offsets[d + 1] - out_offsets[d])
    ws = np.empty(most + k + FLAT + 1, dtype=np.int64)
    rows = np.empty(BLOCK * 64, dtype=np.uint8)
    words = np.empty((8, BLOCK), dtype=np.uint64)
    lens = np.empty(BLOCK, dtype=np.uint64)
    for d in range(lo, hi):
        m = out_offsets[d + 1] - out_offsets[d]
        if m > 0:
            a, b = offsets[d], offsets[d + 1]
            doc_shingles(data, a, b, k, seed, out, out_offsets[d], m, ws, rows, words, lens)


@nb.njit(cache=True)
def shingles_serial(offsets: np.ndarray, data: np.ndarray, k: int, seed: Any) -> Any:
    """:func:`shingles` on the calling thread: small batches, and one article of an index."""
    n = offsets.shape[0] - 1
    out_offsets = np.empty(n + 1, dtype=np.int64)
    out_offsets[0] = 0
    for d in range(n):
        out_offsets[d + 1] = out_offsets[d] + doc_count(offsets, data, k, d)
    out = np.empty(out_offsets[n], dtype=np.uint64)
    run(data, offsets, out_offsets, k, seed, out, 0, n)
    return out_offsets, out


@nb.njit(cache=True, parallel=True)
def shingles(offsets: np.ndarray, data: np.ndarray, k: int, seed: Any) -> Any:
    """(out_offsets, hashes) of every document's word k-grams (one call: count, then hash)."""
    n = offsets.shape[0] - 1
    if offsets[n] - offsets[0] < SERIAL_BYTES:  # no thread pool round trips for small batches
        return shingles_serial(offsets, data, k, seed)
    counts = np.empty(n, dtype=np.int64)
    for d in nb.prange(n):
        counts[d] = doc_count(offsets, data, k, d)
    out_offsets = np.empty(n + 1, dtype=np.int64)
    out_offsets[0] = 0
    for d in range(n):
        out_offsets[d + 1] = out_offsets[d] + counts[d]
    out = np.empty(out_offsets[n], dtype=np.uint64)
    # Runs of consecutive documents rather than single ones, so that the scratch space is
    # allocated once per run (per document it cost 6% of the time).
    chunks = min(n, RUNS)
    for c in nb.prange(chunks):
        run(data, offsets, out_offsets, k, seed, out, (n * c) // chunks, (n * (c + 1)) // chunks)
    return out_offsets, out


@nb.njit(cache=True)
def sort_unique(work: np.ndarray, a: int, b: int) -> int:
    """Sort ``work[a:b]`` and move its distinct values to the front; their number."""
    if b <= a:
        return 0
    work[a:b].sort()
    m = 1
    for i in range(a + 1, b):
        if work[i] != work[a + m - 1]:
            work[a + m] = work[i]
            m += 1
    return m


@nb.njit(cache=True, parallel=True)
def unique_sorted(offsets: np.ndarray, hashes: np.ndarray) -> Any:
    n = offsets.shape[0] - 1
    work = hashes.copy()
    counts = np.zeros(n, dtype=np.int64)
    for d in nb.prange(n):
        counts[d] = sort_unique(work, offsets[d], offsets[d + 1])
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
