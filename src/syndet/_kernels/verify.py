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
        out[p] = common(hashes, offsets[i], offsets[i + 1], hashes, offsets[j], offsets[j + 1])
    return out


@nb.njit(cache=True, inline="always")
def common(xs: np.ndarray, a: int, a_end: int, ys: np.ndarray, b: int, b_end: int) -> int:
    """Values both of the sorted, duplicate-free xs[a:a_end] and ys[b:b_end] hold (a merge)."""
    c = 0
    while a < a_end and b < b_end:
        x, y = xs[a], ys[b]
        if x == y:
            c += 1
            a += 1
            b += 1
        elif x < y:
            a += 1
        else:
            b += 1
    return c


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


@nb.njit(cache=True, inline="always")
def _count_run(
    i: int, j: int, k: int, min_words: int, covered: int, longest: int, covered_to: int
) -> Any:
    """Add the run of shared shingles seq[i:j] (its j - i + k - 1 words, less those already
    counted before ``covered_to``) to the covered words and the longest passage; a run of
    fewer than ``min_words`` words is not a passage and changes nothing."""
    words = j - i + k - 1
    if words < min_words:
        return covered, longest, covered_to
    end = j + k - 1  # one past the last covered word
    return covered + end - max(i, covered_to), max(longest, words), end


@nb.njit(cache=True)
def _cover(
    seq: np.ndarray, s0: int, s1: int, sets: np.ndarray, t0: int, t1: int, k: int, min_words: int
) -> Any:
    """Words of the sequence seq[s0:s1] inside runs of shingles found in sets[t0:t1] (runs of
    at least ``min_words`` words).

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
            j = i + 1  # seq[i] is known to be shared: the run goes on from the next one
            while j < s1 and _member(sets, t0, t1, seq[j]):
                j += 1
            covered, longest, covered_to = _count_run(
                i, j, k, min_words, covered, longest, covered_to
            )
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
    min_words: int,
) -> Any:
    m = pairs.shape[0]
    cov_a = np.zeros(m, dtype=np.int64)
    cov_b = np.zeros(m, dtype=np.int64)
    longest = np.zeros(m, dtype=np.int64)
    for p in nb.prange(m):
        i, j = pairs[p, 0], pairs[p, 1]
        a0, a1, b0, b1 = seq_offsets[i], seq_offsets[i + 1], seq_offsets[j], seq_offsets[j + 1]
        ca, la = _cover(seq, a0, a1, sets, set_offsets[j], set_offsets[j + 1], k, min_words)
        cb, lb = _cover(seq, b0, b1, sets, set_offsets[i], set_offsets[i + 1], k, min_words)
        cov_a[p] = ca
        cov_b[p] = cb
        longest[p] = max(la, lb)
    return cov_a, cov_b, longest


# -- verification from the shingle sequences alone (the local engine) ------------------------
#
# The kernels above need each document's sorted set next to its sequence: sorting every
# candidate's shingles (and storing both) cost more than the comparisons, and each passage
# step was a binary search. Here each pair builds two small open-addressing tables from the
# sequences (shingle hashes are xxHash64 values: their low bits are already uniform, so they
# index the table directly) and every membership test is one or two probes. The counts are
# the same integers the sorted-set kernels give.


@nb.njit(cache=True, inline="always")
def _table_bits(n: int) -> int:
    """log2 of a power-of-two table size at least twice n (load factor <= 1/2)."""
    bits = 4
    while (1 << bits) < 2 * n:
        bits += 1
    return bits


@nb.njit(cache=True)
def _table_size(offsets: np.ndarray, rows: np.ndarray) -> int:
    """A table size that fits the longest of the given rows of a ragged array: each chunk
    sizes its own tables, so one long document elsewhere does not make every chunk clear
    tables its size."""
    longest = 0
    for d in rows:
        longest = max(longest, offsets[d + 1] - offsets[d])
    return 1 << _table_bits(longest)


@nb.njit(cache=True, inline="always")
def _fill(
    seq: np.ndarray, s0: int, s1: int, keys: np.ndarray, stamp: np.ndarray, cur: int, mask: int,
    other_keys: np.ndarray, other_stamp: np.ndarray, other_mask: int,
) -> Any:  # fmt: skip
    """Insert seq[s0:s1] into the table (slots whose stamp is ``cur`` are taken). Returns the
    number of distinct values and how many of them the other table holds (the intersection
    of the two sets, one probe per distinct value; 0 while the other is still empty)."""
    distinct = 0
    shared = 0
    for i in range(s0, s1):
        x = seq[i]
        s = np.int64(x & np.uint64(mask))
        while stamp[s] == cur and keys[s] != x:
            s = (s + 1) & mask
        if stamp[s] != cur:
            stamp[s] = cur
            keys[s] = x
            distinct += 1
            shared += _has(other_keys, other_stamp, cur, other_mask, x)
    return distinct, shared


@nb.njit(cache=True, inline="always")
def _has(keys: np.ndarray, stamp: np.ndarray, cur: int, mask: int, x: Any) -> bool:
    s = np.int64(x & np.uint64(mask))
    while stamp[s] == cur:
        if keys[s] == x:
            return True
        s = (s + 1) & mask
    return False


@nb.njit(cache=True, inline="always")
def _cover_in(
    seq: np.ndarray, s0: int, s1: int, keys: np.ndarray, stamp: np.ndarray, cur: int, mask: int,
    k: int, min_words: int,
) -> Any:  # fmt: skip
    """:func:`_cover` with membership in a table instead of a sorted slice (each run of
    shared shingles is counted where it ends)."""
    covered = 0
    longest = 0
    covered_to = s0
    run = 0
    for i in range(s0, s1 + 1):
        if i < s1 and _has(keys, stamp, cur, mask, seq[i]):
            run += 1
        elif run:
            covered, longest, covered_to = _count_run(
                i - run, i, k, min_words, covered, longest, covered_to
            )
            run = 0
    return covered, longest


@nb.njit(cache=True, parallel=True)
def verify_seqs(
    seq_offsets: np.ndarray, seq: np.ndarray, pairs: np.ndarray, k: int, min_words: int
) -> Any:
    """``(intersection, size_a, size_b, covered_a, covered_b, longest)`` of each pair of rows,
    from the shingle sequences only (sizes and intersection count distinct shingles): what
    :func:`intersect` and :func:`passages` give on the sorted sets."""
    m = pairs.shape[0]
    # rows: intersection, size a, size b, covered a, covered b, longest
    out = np.zeros((6, m), dtype=np.int64)
    chunks = min(m, 256)
    for c in nb.prange(chunks):
        # one pair of tables per chunk of pairs, reused: a slot is taken when its stamp is
        # the current pair's, so nothing is cleared between pairs
        lo, hi = c * m // chunks, (c + 1) * m // chunks
        size = _table_size(seq_offsets, pairs[lo:hi].ravel())
        keys_a = np.empty(size, dtype=np.uint64)
        keys_b = np.empty(size, dtype=np.uint64)
        stamp_a = np.zeros(size, dtype=np.int64)
        stamp_b = np.zeros(size, dtype=np.int64)
        for cur, p in enumerate(range(lo, hi), 1):
            i, j = pairs[p, 0], pairs[p, 1]
            a0, a1 = seq_offsets[i], seq_offsets[i + 1]
            b0, b1 = seq_offsets[j], seq_offsets[j + 1]
            mask_a = (1 << _table_bits(a1 - a0)) - 1
            mask_b = (1 << _table_bits(b1 - b0)) - 1
            # a first (b's table holds nothing for this pair yet), then b, counting a's
            na, _ = _fill(seq, a0, a1, keys_a, stamp_a, cur, mask_a, keys_b, stamp_b, mask_b)
            nb_, shared = _fill(seq, b0, b1, keys_b, stamp_b, cur, mask_b, keys_a, stamp_a, mask_a)
            ca, la = _cover_in(seq, a0, a1, keys_b, stamp_b, cur, mask_b, k, min_words)
            cb, lb = _cover_in(seq, b0, b1, keys_a, stamp_a, cur, mask_a, k, min_words)
            out[0, p], out[1, p], out[2, p] = shared, na, nb_
            out[3, p], out[4, p], out[5, p] = ca, cb, max(la, lb)
    return out[0], out[1], out[2], out[3], out[4], out[5]


@nb.njit(cache=True, parallel=True)
def distinct_counts(seq_offsets: np.ndarray, seq: np.ndarray) -> Any:
    """Distinct values of each row of a ragged array (a document's shingle-set size)."""
    n = seq_offsets.shape[0] - 1
    out = np.zeros(n, dtype=np.int64)
    chunks = min(n, 256)
    for c in nb.prange(chunks):
        lo, hi = c * n // chunks, (c + 1) * n // chunks
        size = _table_size(seq_offsets, np.arange(lo, hi))
        keys = np.empty(size, dtype=np.uint64)
        stamp = np.zeros(size, dtype=np.int64)
        nothing = np.zeros(1, dtype=np.int64)  # an empty other table: no intersection
        for cur, d in enumerate(range(lo, hi), 1):
            a0, a1 = seq_offsets[d], seq_offsets[d + 1]
            mask = (1 << _table_bits(a1 - a0)) - 1
            out[d], _ = _fill(seq, a0, a1, keys, stamp, cur, mask, keys, nothing, 0)
    return out
