"""numba kernels of :class:`syndet.Index`'s stages for a few articles (private; imported lazily).

An index's ``add`` prepares one article. Through the scan's batch functions that is a dozen
kernel calls (line statistics, the line filter, galleries, joining the kept lines, word counts,
shingles, signatures, band keys, shingle sets), each a dispatch of a dozen arguments and most
of them parallel kernels whose launch costs more than one article's work, plus the numpy glue
between them: about as much time as the work itself. Here the same steps run in one call on
the calling thread, composed from the very functions the batch kernels run per document, so
the results are the same (the tests compare both paths).
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np

from syndet._kernels.boilerplate import _caption_counters, _gallery_doc
from syndet._kernels.hashing import xxh64
from syndet._kernels.lines import _join_doc, dropped, line_stats_range
from syndet._kernels.lsh import band_key
from syndet._kernels.minhash import affine64_row, legacy_row
from syndet._kernels.shingle import count_spaces, shingles_serial, sort_unique
from syndet._kernels.verify import _cover, common

u64 = nb.uint64


@nb.njit(cache=True)
def offsets_of(lengths: np.ndarray) -> Any:
    out = np.empty(lengths.shape[0] + 1, dtype=np.int64)
    out[0] = 0
    for i in range(lengths.shape[0]):
        out[i + 1] = out[i] + lengths[i]
    return out


@nb.njit(cache=True)
def authored(
    full_off: np.ndarray,
    full: np.ndarray,
    auth_off: np.ndarray,
    auth: np.ndarray,
    flags: np.ndarray,
    doc_offsets: np.ndarray,
    rules: Any,
) -> Any:
    """Fingerprints and lengths of the documents' normalized lines, and their authored text:
    the kept lines joined (``(fps, lengths, own_off, own)``), as the index's line path
    computes them from :func:`syndet._kernels.lines.read_lines`' output. ``rules``:
    ``(line_filter, galleries, gallery_min_words, gallery_gap, caption_min_words)``."""
    line_filter, galleries, gallery_min_words, gallery_gap, caption_min_words = rules
    lines = full_off.shape[0] - 1
    n = doc_offsets.shape[0] - 1
    words = np.zeros(lines, dtype=np.int64)
    line_hash = np.empty(lines, dtype=np.uint64)
    fps = np.empty(n, dtype=np.uint64)
    lens = np.empty(n, dtype=np.int64)
    line_stats_range(full_off, full, doc_offsets, 0, n, words, line_hash, fps, lens)
    keep = np.ones(lines, dtype=np.bool_)
    if line_filter:  # boilerplate.cheap_filter, from read_lines' raw-text flags
        for line in range(lines):
            keep[line] = not dropped(words[line], flags[line])
    if galleries:  # _lines.gallery_mask
        gallery = np.zeros(lines, dtype=np.bool_)
        for d in range(n):
            _gallery_doc(
                line_hash, words, doc_offsets[d], doc_offsets[d + 1], gallery_min_words,
                gallery_gap, gallery,
            )  # fmt: skip
        for line in range(lines):
            w = words[line]
            if w > 0 and (
                gallery[line]
                or (
                    w >= caption_min_words
                    and _caption_counters(auth, auth_off[line], auth_off[line + 1])
                )
            ):
                keep[line] = False
    # lines.join, one document after another
    own_off = np.empty(n + 1, dtype=np.int64)
    own_off[0] = 0
    for d in range(n):
        t = 0
        c = 0
        for line in range(doc_offsets[d], doc_offsets[d + 1]):
            ln = auth_off[line + 1] - auth_off[line]
            if ln > 0 and keep[line]:
                t += ln
                c += 1
        own_off[d + 1] = own_off[d] + (t + c - 1 if c > 0 else 0)
    own = np.empty(own_off[n], dtype=np.uint8)
    for d in range(n):
        _join_doc(auth_off, auth, keep, doc_offsets[d], doc_offsets[d + 1], own, own_off[d])
    return fps, lens, own_off, own


@nb.njit(cache=True)
def stages(
    off: np.ndarray,
    data: np.ndarray,
    params: Any,
) -> Any:
    """Words, shingles (in text order), MinHash band keys and shingle sets of normalized
    texts: ``(words, seq_off, seq, keys, set_off, sets)``, as :func:`syndet.shingle.
    shingle_batch`, :func:`~syndet.minhash.signature_batch`, :func:`~syndet.lsh.band_keys`
    and :func:`~syndet.shingle.unique_shingles` give them. ``params``: ``(k, seed, a, b,
    legacy, bands, rows)``, the shingle size and seed, the MinHash permutations and whether
    they are the legacy scheme, and the banding."""
    k, seed, a, b, legacy, bands, rows = params
    n = off.shape[0] - 1
    words = np.zeros(n, dtype=np.int64)
    for d in range(n):
        if off[d + 1] > off[d]:
            words[d] = count_spaces(data, off[d], off[d + 1]) + 1
    seq_off, seq = shingles_serial(off, data, k, seed)
    perms = a.shape[0]
    empty = u64((1 << 32) - 1) if legacy else u64(0xFFFFFFFFFFFFFFFF)
    row = np.empty(perms, dtype=np.uint64)
    keys = np.empty((bands, n), dtype=np.uint64)
    for d in range(n):
        row[:] = empty
        if legacy:
            legacy_row(seq, seq_off[d], seq_off[d + 1], a, b, row)
        else:
            affine64_row(seq, seq_off[d], seq_off[d + 1], a, b, row)
        for band in range(bands):
            keys[band, d] = band_key(row, band, rows)
    work = seq.copy()
    set_off = np.empty(n + 1, dtype=np.int64)
    set_off[0] = 0
    for d in range(n):
        set_off[d + 1] = set_off[d] + sort_unique(work, seq_off[d], seq_off[d + 1])
    sets = np.empty(set_off[n], dtype=np.uint64)
    for d in range(n):
        m = set_off[d + 1] - set_off[d]
        sets[set_off[d] : set_off[d + 1]] = work[seq_off[d] : seq_off[d] + m]
    return words, seq_off, seq, keys, set_off, sets


@nb.njit(cache=True)
def from_lines(
    full_off: np.ndarray,
    full: np.ndarray,
    auth_off: np.ndarray,
    auth: np.ndarray,
    lengths: bool,
    flags: np.ndarray,
    doc_offsets: np.ndarray,
    rules: Any,
    params: Any,
) -> Any:
    """:func:`authored` then :func:`stages`: ``(fps, lengths, words, seq_off, seq, keys,
    set_off, sets)``. With ``lengths``, ``full_off`` and ``auth_off`` are read_lines' per-line
    lengths (no line was left to the reference) and are made offsets here."""
    if lengths:
        full_off = offsets_of(full_off)
        auth_off = offsets_of(auth_off)
    fps, lens, own_off, own = authored(full_off, full, auth_off, auth, flags, doc_offsets, rules)
    words, seq_off, seq, keys, set_off, sets = stages(own_off, own, params)
    return fps, lens, words, seq_off, seq, keys, set_off, sets


@nb.njit(cache=True)
def plain_docs(
    off: np.ndarray,
    data: np.ndarray,
    params: Any,
) -> Any:
    """:func:`stages` of whole normalized texts, with their fingerprints and lengths:
    ``(fps, lengths, words, seq_off, seq, keys, set_off, sets)``."""
    n = off.shape[0] - 1
    fps = np.empty(n, dtype=np.uint64)
    lens = np.empty(n, dtype=np.int64)
    for d in range(n):
        fps[d] = xxh64(data, off[d], off[d + 1], u64(0))
        lens[d] = off[d + 1] - off[d]
    words, seq_off, seq, keys, set_off, sets = stages(off, data, params)
    return fps, lens, words, seq_off, seq, keys, set_off, sets


@nb.njit(cache=True)
def verify(
    doc_seq: np.ndarray,
    doc_set: np.ndarray,
    off: np.ndarray,
    seqs: np.ndarray,
    same: np.ndarray,
    rewritten_min: float,
    k: int,
    min_words: int,
) -> Any:
    """The new article (its shingles in text order and its sorted set) against stored ones
    (``seqs[off[i]:off[i + 1]]``, in text order): ``(keep, inter, size_b, covered_a,
    covered_b, longest)``, the numbers :func:`syndet.pipeline.verify_seq_pairs` classifies, as
    :func:`syndet.verify.overlap` and :func:`~syndet.verify.passages` give them for the pairs
    (new, stored). Only pairs that can be reported are kept and get passage counts: equal
    texts (``same``) and those with ``rewritten_min`` of the smaller set shared. Passages are
    runs of at least ``min_words`` words, as in the scan."""
    n = off.shape[0] - 1
    work = seqs.copy()
    keep = np.zeros(n, dtype=np.bool_)
    inter = np.zeros(n, dtype=np.int64)
    size_b = np.zeros(n, dtype=np.int64)
    cov_a = np.zeros(n, dtype=np.int64)
    cov_b = np.zeros(n, dtype=np.int64)
    longest = np.zeros(n, dtype=np.int64)
    m = doc_set.shape[0]
    for d in range(n):
        a, b = off[d], off[d + 1]
        size = sort_unique(work, a, b)  # the stored article's set, at work[a:a + size]
        c = common(doc_set, 0, m, work, a, a + size)
        size_b[d] = size
        inter[d] = c
        if not same[d] and c / max(min(m, size), 1) < rewritten_min:
            continue
        keep[d] = True
        ca, la = _cover(doc_seq, 0, doc_seq.shape[0], work, a, a + size, k, min_words)
        cb, lb = _cover(seqs, a, b, doc_set, 0, m, k, min_words)
        cov_a[d] = ca
        cov_b[d] = cb
        longest[d] = max(la, lb)
    return keep, inter, size_b, cov_a, cov_b, longest
