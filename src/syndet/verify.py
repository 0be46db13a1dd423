"""Stage 5: exact verification of candidate pairs, and the relation each pair gets.

MinHash only proposes; this stage decides, on the exact shingle sets. For a pair ``(A, B)``:

* ``jaccard = |A ∩ B| / |A ∪ B|``
* ``containment_a = |A ∩ B| / |A|`` (share of a's shingles found in b), ``containment_b`` likewise
* ``c_min``/``c_max``: the smaller and larger containment.

Relations, first match wins (cut-offs in :class:`syndet.config.VerifyConfig`):

=============  =========================================================================
duplicate      the same text after normalization (equal fingerprints and lengths)
syndicated     ``c_min >= syndicated_min``: most of *both* articles is the same text
               (different headline, chrome, trimmed tail, light edits)
partial        ``c_max >= partial_min``: most of one article is inside the other
rewritten      ``c_max >= rewritten_min``: clear verbatim reuse short of the above
(none)         anything less; also any pair sharing fewer than ``min_shared`` shingles
=============  =========================================================================

Different stories about one event share names, places and quotes but little running text, so
their 5-gram containment stays far below ``rewritten_min``; such pairs are never reported.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

__all__ = ["RELATIONS", "classify", "overlap"]

#: Relation names by code (code 0 is "not related" and never reported).
RELATIONS: tuple[str, ...] = ("none", "duplicate", "syndicated", "partial", "rewritten")


@functools.lru_cache(maxsize=1)
def _kernel() -> Any:
    from syndet._kernels import verify as k

    return k.intersect


def overlap(
    offsets: np.ndarray, hashes: np.ndarray, pairs: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact ``(intersection, size_a, size_b)`` for each pair of rows of a set batch.

    ``hashes[offsets[i]:offsets[i + 1]]`` must be document i's sorted, duplicate-free shingles.
    """
    pairs = np.ascontiguousarray(pairs, dtype=np.int64).reshape(-1, 2)
    inter = _kernel()(offsets, hashes, pairs)
    sizes = np.diff(offsets)
    return inter, sizes[pairs[:, 0]], sizes[pairs[:, 1]]


def classify(
    inter: np.ndarray,
    size_a: np.ndarray,
    size_b: np.ndarray,
    same_text: np.ndarray,
    *,
    syndicated_min: float,
    partial_min: float,
    rewritten_min: float,
    min_shared: int,
) -> dict[str, np.ndarray]:
    """Scores and relation code for each pair (vectorized; see the table in the module docs)."""
    inter = np.asarray(inter, dtype=np.float64)
    a = np.maximum(np.asarray(size_a, dtype=np.float64), 1.0)
    b = np.maximum(np.asarray(size_b, dtype=np.float64), 1.0)
    union = np.maximum(a + b - inter, 1.0)
    jaccard = inter / union
    ca = inter / a
    cb = inter / b
    cmin = np.minimum(ca, cb)
    cmax = np.maximum(ca, cb)
    enough = inter >= min_shared
    code = np.select(
        [
            same_text,
            enough & (cmin >= syndicated_min),
            enough & (cmax >= partial_min),
            enough & (cmax >= rewritten_min),
        ],
        [1, 2, 3, 4],
        default=0,
    ).astype(np.int8)
    return {
        "relation": code,
        "jaccard": jaccard,
        "containment_a": ca,
        "containment_b": cb,
        "shared": inter.astype(np.int64),
    }
