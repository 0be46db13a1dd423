"""Stage 5: exact verification of candidate pairs, and the relation each pair gets.

MinHash only proposes; this stage decides, on the exact shingle sets of the articles'
*authored* text (chrome, wire credits and quoted speech removed by :mod:`syndet.boilerplate`).
For a pair ``(A, B)``:

* ``jaccard = |A ∩ B| / |A ∪ B|``
* ``containment_a = |A ∩ B| / |A|`` (share of a's shingles found in b), ``containment_b`` likewise
* ``c_min``/``c_max``: the smaller and larger containment
* shared passages: maximal runs of consecutive shingles of one article found in the other,
  of at least ``min_passage_words`` words (shorter runs are names, titles and stock phrases
  that independent stories share). ``coverage_a`` is the share of a's words inside such
  passages, ``shared_words`` the smaller of the two sides' covered word counts, ``longest``
  the longest passage in words.

Relations, first match wins (cut-offs in :class:`syndet.config.VerifyConfig`):

=============  =========================================================================
duplicate      the same text after normalization (equal fingerprints and lengths)
(none)         ``c_max < rewritten_min``, or fewer than ``min_shared_words`` shared words
               (unless the shorter article is a short text, of at most
               ``short_text_words`` words, and at least ``min_shared_floor`` shared
               words cover ``min_shared_share`` of it)
syndicated     ``c_min >= syndicated_min``: most of *both* articles is the same text
               (different headline, chrome, trimmed tail, light edits)
partial        ``c_max >= partial_min`` (most of one article is inside the other) or the
               shared text is mostly one verbatim block (``longest >= partial_block *
               shared_words``)
rewritten      anything else that is reported: reuse spread over many shorter passages
=============  =========================================================================

Different stories about one event share names, places and quotes but little authored running
text; with quotes removed their overlap stays under ``min_shared_words``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from syndet.config import VerifyConfig

__all__ = ["RELATIONS", "classify", "classify_with", "overlap", "passages", "seq_overlap"]

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


def passages(
    seq_offsets: np.ndarray,
    seq: np.ndarray,
    set_offsets: np.ndarray,
    sets: np.ndarray,
    pairs: np.ndarray,
    k: int,
    *,
    min_words: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Words of a and of b inside shared passages, and the longest passage, for each pair.

    ``seq`` holds each document's shingle hashes in text order, ``sets`` its sorted unique
    shingles (both ragged, same row order). Runs shorter than ``min_words`` words are not
    passages (see :attr:`~syndet.config.VerifyConfig.min_passage_words`).
    """
    pairs = np.ascontiguousarray(pairs, dtype=np.int64).reshape(-1, 2)
    return _passages_kernel()(seq_offsets, seq, set_offsets, sets, pairs, k, min_words)  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=1)
def _passages_kernel() -> Any:
    from syndet._kernels import verify as k

    return k.passages


def seq_overlap(
    seq_offsets: np.ndarray, seq: np.ndarray, pairs: np.ndarray, k: int, *, min_words: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`overlap` and :func:`passages` at once from the shingle sequences alone:
    ``(intersection, size_a, size_b, covered_a, covered_b, longest)`` for each pair.

    The same numbers without the sorted sets: each pair hashes its two documents' shingles
    into small tables instead (no per-document sort, no set to store or read back).
    """
    from syndet._kernels import verify as kernels

    pairs = np.ascontiguousarray(pairs, dtype=np.int64).reshape(-1, 2)
    return kernels.verify_seqs(  # type: ignore[no-any-return]
        np.ascontiguousarray(seq_offsets, dtype=np.int64), seq, pairs, k, min_words
    )


def distinct_counts(seq_offsets: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Each row's number of distinct shingles (its set size) from its sequence."""
    from syndet._kernels import verify as kernels

    return kernels.distinct_counts(  # type: ignore[no-any-return]
        np.ascontiguousarray(seq_offsets, dtype=np.int64), seq
    )


def classify_with(
    cutoffs: VerifyConfig,
    inter: np.ndarray,
    size_a: np.ndarray,
    size_b: np.ndarray,
    same_text: np.ndarray,
    *,
    covered_a: np.ndarray,
    covered_b: np.ndarray,
    longest: np.ndarray,
    k: int,
) -> dict[str, np.ndarray]:
    """:func:`classify` with the cut-offs of a :class:`~syndet.config.VerifyConfig`."""
    return classify(
        inter,
        size_a,
        size_b,
        same_text,
        covered_a=covered_a,
        covered_b=covered_b,
        longest=longest,
        k=k,
        syndicated_min=cutoffs.syndicated_min,
        partial_min=cutoffs.partial_min,
        partial_block=cutoffs.partial_block,
        rewritten_min=cutoffs.rewritten_min,
        min_shared_words=cutoffs.min_shared_words,
        min_shared_floor=cutoffs.min_shared_floor,
        min_shared_share=cutoffs.min_shared_share,
        short_text_words=cutoffs.short_text_words,
    )


def classify(
    inter: np.ndarray,
    size_a: np.ndarray,
    size_b: np.ndarray,
    same_text: np.ndarray,
    *,
    covered_a: np.ndarray | None = None,
    covered_b: np.ndarray | None = None,
    longest: np.ndarray | None = None,
    k: int = 5,
    syndicated_min: float,
    partial_min: float,
    partial_block: float = 0.5,
    rewritten_min: float,
    min_shared_words: int,
    min_shared_floor: int | None = None,
    min_shared_share: float = 1.0,
    short_text_words: int | None = None,
) -> dict[str, np.ndarray]:
    """Scores and relation code for each pair (vectorized; see the table in the module docs).

    Without passage counts (``covered_a``/``covered_b``/``longest``), shared words are
    estimated as ``inter`` (each shared shingle adds about one word to a passage) and the
    block rule is not applied.
    """
    inter = np.asarray(inter, dtype=np.float64)
    a = np.maximum(np.asarray(size_a, dtype=np.float64), 1.0)
    b = np.maximum(np.asarray(size_b, dtype=np.float64), 1.0)
    union = np.maximum(a + b - inter, 1.0)
    jaccard = inter / union
    ca = inter / a
    cb = inter / b
    cmin = np.minimum(ca, cb)
    cmax = np.maximum(ca, cb)
    if covered_a is None or covered_b is None or longest is None:
        cov_a = np.minimum(inter + np.where(inter > 0, k - 1, 0), a + k - 1)
        cov_b = np.minimum(inter + np.where(inter > 0, k - 1, 0), b + k - 1)
        block = np.zeros(len(inter), dtype=bool)
    else:
        cov_a = np.asarray(covered_a, dtype=np.float64)
        cov_b = np.asarray(covered_b, dtype=np.float64)
        shared = np.minimum(cov_a, cov_b)
        block = np.asarray(longest, dtype=np.float64) >= partial_block * np.maximum(shared, 1)
    shared_words = np.minimum(cov_a, cov_b)
    words_a, words_b = a + k - 1, b + k - 1  # a document of n shingles has n + k - 1 words
    shorter_cov = np.where(words_a <= words_b, cov_a / words_a, cov_b / words_b)
    enough = shared_words >= min_shared_words
    if min_shared_floor is not None:
        floor = (shared_words >= min_shared_floor) & (shorter_cov >= min_shared_share)
        if short_text_words is not None:
            floor &= np.minimum(words_a, words_b) <= short_text_words
        enough |= floor
    reported = enough & (cmax >= rewritten_min)
    code = np.select(
        [
            same_text,
            ~reported,
            cmin >= syndicated_min,
            (cmax >= partial_min) | block,
        ],
        [1, 0, 2, 3],
        default=4,
    ).astype(np.int8)
    return {
        "relation": code,
        "jaccard": jaccard,
        "containment_a": ca,
        "containment_b": cb,
        "shared": inter.astype(np.int64),
        "shared_words": shared_words.astype(np.int64),
        "coverage_a": np.minimum(cov_a / words_a, 1.0),
        "coverage_b": np.minimum(cov_b / words_b, 1.0),
    }
