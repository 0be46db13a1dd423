"""numba kernels of :mod:`syndet.minhash` (private; imported lazily by that module).

Defined at module level so that numba's on-disk cache (``cache=True``) is reused across
processes: a jitted closure gets a new cache key in every process and is compiled again.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np

u64 = nb.uint64


@nb.njit(cache=True, parallel=True)
def affine64(offsets: np.ndarray, hashes: np.ndarray, a: np.ndarray, b: np.ndarray) -> Any:
    n = offsets.shape[0] - 1
    p = a.shape[0]
    sig = np.full((n, p), np.iinfo(np.uint64).max, dtype=np.uint64)
    for d in nb.prange(n):
        row = sig[d]
        for i in range(offsets[d], offsets[d + 1]):
            h = hashes[i]
            # MurmurHash3 fmix64: the one-shot pre-mix datasketch applies.
            h ^= h >> u64(33)
            h *= u64(0xFF51AFD7ED558CCD)
            h ^= h >> u64(33)
            h *= u64(0xC4CEB9FE1A85EC53)
            h ^= h >> u64(33)
            # Inner loop over permutations: contiguous, branch-free, vectorizes.
            for j in range(p):
                v = a[j] * h + b[j]
                row[j] = min(row[j], v)
    return sig


@nb.njit(cache=True, parallel=True)
def legacy(offsets: np.ndarray, hashes: np.ndarray, a: np.ndarray, b: np.ndarray) -> Any:
    n = offsets.shape[0] - 1
    p = a.shape[0]
    prime = u64((1 << 61) - 1)
    sig = np.full((n, p), u64((1 << 32) - 1), dtype=np.uint64)
    for d in nb.prange(n):
        row = sig[d]
        for i in range(offsets[d], offsets[d + 1]):
            h = hashes[i]
            for j in range(p):
                v = ((a[j] * h + b[j]) % prime) & u64(0xFFFFFFFF)
                row[j] = min(row[j], v)
    return sig
