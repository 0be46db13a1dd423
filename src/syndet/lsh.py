"""Stage 4: LSH banding of MinHash signatures into candidate pairs.

A signature of ``num_perm`` values is cut into ``b`` bands of ``r`` rows; two documents become a
candidate pair when all ``r`` values of at least one band agree. For Jaccard similarity ``s`` each
band agrees with probability ``s**r``, so the pair is proposed with probability

    P(s) = 1 - (1 - s**r)**b

an S-curve whose steepest point is near ``s = (1/b)**(1/r)``. :func:`optimal_params` picks
``(b, r)`` with ``b * r <= num_perm`` the way datasketch's ``MinHashLSH`` does: minimise
``w_fp * integral_0^t P(s) ds + w_fn * integral_t^1 (1 - P(s)) ds`` for threshold ``t``.

Buckets are found by sorting, not by dictionaries of sets: the keys of every band (one 64-bit hash
of its ``r`` values per document) that two documents or more hold (one hash-table pass finds them)
are sorted, runs of equal keys are buckets, and pairs are emitted from the runs by a numba
kernel. A bucket larger than ``max_bucket`` (a thousand copies of one page would give half a
million pairs) is expanded as a star around its lowest-ranked member instead; the pairs not
emitted are counted and reported.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "CandidateStats",
    "band_keys",
    "candidate_pairs",
    "optimal_params",
    "packed_candidates",
    "pair_rows",
    "probability",
]


def probability(s: float | np.ndarray, bands: int, rows: int) -> Any:
    """Chance that two documents of Jaccard similarity ``s`` share at least one band."""
    return 1.0 - (1.0 - np.asarray(s, dtype=np.float64) ** rows) ** bands


def _integral(f: Any, lo: float, hi: float, steps: int = 512) -> float:
    # Composite Simpson's rule: the integrands are smooth polynomials in s, so 512 panels are
    # far more accurate than the choice needs (datasketch uses scipy's quad for the same).
    if hi <= lo:
        return 0.0
    xs = np.linspace(lo, hi, steps + 1)
    ys = f(xs)
    h = (hi - lo) / steps
    return float(h / 3 * (ys[0] + ys[-1] + 4 * ys[1:-1:2].sum() + 2 * ys[2:-1:2].sum()))


@functools.lru_cache(maxsize=64)
def optimal_params(
    threshold: float,
    num_perm: int,
    false_positive_weight: float = 0.5,
    false_negative_weight: float = 0.5,
) -> tuple[int, int]:
    """``(bands, rows)`` minimising weighted false positive and negative areas around threshold."""
    best = (float("inf"), 1, 1)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = _integral(lambda s, b=b, r=r: probability(s, b, r), 0.0, threshold)
            fn = _integral(lambda s, b=b, r=r: 1.0 - probability(s, b, r), threshold, 1.0)
            err = false_positive_weight * fp + false_negative_weight * fn
            if err < best[0]:
                best = (err, b, r)
    return best[1], best[2]


@functools.lru_cache(maxsize=1)
def _kernels() -> Any:
    from syndet._kernels import lsh as k

    return k.keys, k.count_pairs, k.emit, k.shared_keys


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per band and document: shape ``(bands, documents)``."""
    if bands * rows > signatures.shape[1]:
        raise ValueError(f"{bands} bands x {rows} rows need more than {signatures.shape[1]} values")
    keys, _, _, _ = _kernels()
    return keys(np.ascontiguousarray(signatures), bands, rows)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class CandidateStats:
    """What banding produced, for ``summary.json``."""

    bucket_pairs: int
    candidate_pairs: int
    capped_buckets: int
    pairs_not_expanded: int


def candidate_pairs(
    keys: np.ndarray, rank: np.ndarray, *, max_bucket: int = 64
) -> tuple[np.ndarray, CandidateStats]:
    """Distinct candidate pairs ``(i, j)``, ``rank[i] < rank[j]``, as an ``(m, 2)`` int64 array.

    ``keys`` is ``band_keys(...)``; ``rank`` orders documents (their id order) so that pairs,
    star hubs and the output do not depend on input order. Row indices are returned, sorted
    by ``(rank[i], rank[j])``.
    """
    packed, stats = packed_candidates(keys, rank, max_bucket=max_bucket)
    return pair_rows(packed, rank), stats


def pair_rows(packed: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Row pairs ``(m, 2)`` of packed rank pairs, in their order."""
    order_by_rank = np.argsort(np.asarray(rank, dtype=np.int64), kind="stable")
    lo = (packed >> np.uint64(32)).astype(np.int64)
    hi = (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)
    return np.stack([order_by_rank[lo], order_by_rank[hi]], axis=1)


def packed_candidates(
    keys: np.ndarray, rank: np.ndarray, *, max_bucket: int = 64
) -> tuple[np.ndarray, CandidateStats]:
    """:func:`candidate_pairs` as their ranks, packed ``rank[i] << 32 | rank[j]`` and sorted
    (ranks must be below ``2**32``): what the engines merge across band groups and reducers
    without going back to rows."""
    _, count_pairs, emit, shared_keys = _kernels()
    bands, n = keys.shape
    if n >= 1 << 31:
        raise ValueError("more than 2**31 documents in one banding call")
    rank = np.asarray(rank, dtype=np.int64)
    # Most keys are held by one document and make no pair: only the others are sorted.
    shared = shared_keys(keys)  # any layout: no copy of a view's keys
    parts = []
    bucket_pairs = capped = dropped = 0
    for band in range(bands):
        # Sort by key: buckets become runs (emit finds each capped bucket's hub by rank).
        members = np.flatnonzero(shared[band])
        k = keys[band][members]
        order = np.argsort(k)
        sorted_keys = k[order]
        sorted_docs = rank[members[order]]
        total, cb, dr = count_pairs(sorted_keys, max_bucket)
        out = np.empty(total, dtype=np.uint64)
        emit(sorted_keys, sorted_docs, max_bucket, out)
        parts.append(out)
        bucket_pairs += total
        capped += cb
        dropped += dr
    packed = np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.uint64)
    stats = CandidateStats(
        bucket_pairs=int(bucket_pairs),
        candidate_pairs=len(packed),
        capped_buckets=int(capped),
        pairs_not_expanded=int(dropped),
    )
    return packed, stats
