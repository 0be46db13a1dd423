"""Stage 2: word k-gram shingles, hashed with xxHash64.

A document's shingles are its word k-grams after normalization; the hash of a shingle is
``xxhash.xxh64_intdigest(" ".join(words[i:i + k]).encode(), seed)``: the 64-bit xxHash of the
k-gram's UTF-8 text with single spaces, exactly what :func:`shingle_hashes` computes one document
at a time. :func:`shingle_batch` computes the same for a whole :class:`NormalizedBatch` in one
parallel numba kernel with its own XXH64 (the xxHash spec, checked against the ``xxhash`` package
in the tests), reading the normalized UTF-8 buffer directly.

A document with fewer than ``k`` words has no shingles; the pipeline reports it as too short.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from syndet._arrays import ragged_take

__all__ = ["ShingleBatch", "shingle_batch", "shingle_hashes", "unique_shingles"]

def shingle_hashes(normalized: str, k: int, seed: int = 0) -> np.ndarray:
    """Shingle hashes of one normalized text, in text order (the reference implementation)."""
    import xxhash

    words = normalized.split(" ") if normalized else []
    return np.array(
        [
            xxhash.xxh64_intdigest(" ".join(words[i : i + k]).encode("utf-8"), seed)
            for i in range(len(words) - k + 1)
        ],
        dtype=np.uint64,
    )


class ShingleBatch:
    """Shingle hashes of a batch: ``hashes[offsets[i]:offsets[i + 1]]`` belong to document i."""

    __slots__ = ("hashes", "offsets")

    def __init__(self, offsets: np.ndarray, hashes: np.ndarray) -> None:
        self.offsets = offsets
        self.hashes = hashes

    def __len__(self) -> int:
        return int(self.offsets.shape[0] - 1)

    def counts(self) -> np.ndarray:
        return np.diff(self.offsets)

    def doc(self, i: int) -> np.ndarray:
        return self.hashes[self.offsets[i] : self.offsets[i + 1]]

    def take(self, rows: np.ndarray) -> ShingleBatch:
        """The shingles of the given documents only, in that order (vectorized gather)."""
        return ShingleBatch(*ragged_take(self.offsets, self.hashes, rows))


@functools.lru_cache(maxsize=1)
def _kernels() -> Any:
    import numba as nb

    from syndet._hashing import xxh64_kernel

    xxh64 = xxh64_kernel()

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

    return count, fill


def shingle_batch(offsets: np.ndarray, data: np.ndarray, k: int, seed: int = 0) -> ShingleBatch:
    """Shingle hashes of every document of a normalized batch (Arrow-style offsets + UTF-8)."""
    count, fill = _kernels()
    counts = count(offsets, data, k)
    out_offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out_offsets[1:])
    out = np.empty(int(out_offsets[-1]), dtype=np.uint64)
    scratch = np.empty(int(out_offsets[-1]) + (len(counts) + 1) * k, dtype=np.int64)
    fill(offsets, data, k, np.uint64(seed), out_offsets, out, scratch)
    return ShingleBatch(out_offsets, out)


@functools.lru_cache(maxsize=1)
def _unique_kernel() -> Any:
    import numba as nb

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

    return unique_sorted


def unique_shingles(batch: ShingleBatch) -> ShingleBatch:
    """Each document's shingle set: sorted, duplicates removed (what the verifier compares)."""
    offsets, hashes = _unique_kernel()(batch.offsets, batch.hashes)
    return ShingleBatch(offsets, hashes)
