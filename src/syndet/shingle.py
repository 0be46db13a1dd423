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
    from syndet._kernels import shingle as k

    return k.shingles


def shingle_batch(offsets: np.ndarray, data: np.ndarray, k: int, seed: int = 0) -> ShingleBatch:
    """Shingle hashes of every document of a normalized batch (Arrow-style offsets + UTF-8)."""
    if k < 1:
        raise ValueError("k must be >= 1")
    out_offsets, out = _kernels()(
        np.ascontiguousarray(offsets, dtype=np.int64),
        np.ascontiguousarray(data, dtype=np.uint8),
        k,
        np.uint64(seed),
    )
    return ShingleBatch(out_offsets, out)


@functools.lru_cache(maxsize=1)
def _unique_kernel() -> Any:
    from syndet._kernels import shingle as k

    return k.unique_sorted


def unique_shingles(batch: ShingleBatch) -> ShingleBatch:
    """Each document's shingle set: sorted, duplicates removed (what the verifier compares)."""
    offsets, hashes = _unique_kernel()(batch.offsets, batch.hashes)
    return ShingleBatch(offsets, hashes)
