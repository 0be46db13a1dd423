"""numba kernels of :mod:`syndet.minhash` (private; imported lazily by that module).

Defined at module level so that numba's on-disk cache (``cache=True``) is reused across
processes: a jitted closure gets a new cache key in every process and is compiled again.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np

u64 = nb.uint64
#: Batches with fewer hashes are processed on the calling thread: waking the pool costs
#: more than it saves.
SERIAL_HASHES = 1 << 12


@nb.njit(cache=True, inline="always")
def fmix64(h: Any) -> Any:
    """MurmurHash3's finalizer: the one-shot pre-mix datasketch applies to each hash."""
    h ^= h >> u64(33)
    h *= u64(0xFF51AFD7ED558CCD)
    h ^= h >> u64(33)
    h *= u64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> u64(33))


@nb.njit(cache=True, inline="always")
def affine64_row(
    hashes: np.ndarray, i: int, end: int, a: np.ndarray, b: np.ndarray, row: Any
) -> None:
    p = a.shape[0]
    # Four hashes per pass over the permutations: the loop is bound by the 64-bit multiplies
    # (vpmullq, 8 per zmm), and sharing each load of a[j], b[j] and row[j] by four of them
    # takes the loads and stores off the critical path (2.3x faster than one hash per pass
    # on Zen 4).
    while i + 4 <= end:
        h0 = fmix64(hashes[i])
        h1 = fmix64(hashes[i + 1])
        h2 = fmix64(hashes[i + 2])
        h3 = fmix64(hashes[i + 3])
        for j in range(p):
            aj = a[j]
            bj = b[j]
            v = min(min(aj * h0 + bj, aj * h1 + bj), min(aj * h2 + bj, aj * h3 + bj))
            row[j] = min(row[j], v)
        i += 4
    while i < end:
        h = fmix64(hashes[i])
        # Inner loop over permutations: contiguous, branch-free, vectorizes.
        for j in range(p):
            row[j] = min(row[j], a[j] * h + b[j])
        i += 1


@nb.njit(cache=True, parallel=True)
def affine64(offsets: np.ndarray, hashes: np.ndarray, a: np.ndarray, b: np.ndarray) -> Any:
    n = offsets.shape[0] - 1
    sig = np.full((n, a.shape[0]), np.iinfo(np.uint64).max, dtype=np.uint64)
    if offsets[n] - offsets[0] < SERIAL_HASHES:  # no thread pool round trip for small batches
        for d in range(n):
            affine64_row(hashes, offsets[d], offsets[d + 1], a, b, sig[d])
    else:
        for d in nb.prange(n):
            affine64_row(hashes, offsets[d], offsets[d + 1], a, b, sig[d])
    return sig


@nb.njit(cache=True, parallel=True)
def legacy(offsets: np.ndarray, hashes: np.ndarray, a: np.ndarray, b: np.ndarray) -> Any:
    n = offsets.shape[0] - 1
    sig = np.full((n, a.shape[0]), u64((1 << 32) - 1), dtype=np.uint64)
    for d in nb.prange(n):
        legacy_row(hashes, offsets[d], offsets[d + 1], a, b, sig[d])
    return sig


@nb.njit(cache=True, inline="always")
def legacy_row(
    hashes: np.ndarray, i: int, end: int, a: np.ndarray, b: np.ndarray, row: Any
) -> None:
    prime = u64((1 << 61) - 1)
    for k in range(i, end):
        h = hashes[k]
        for j in range(a.shape[0]):
            v = ((a[j] * h + b[j]) % prime) & u64(0xFFFFFFFF)
            row[j] = min(row[j], v)
