"""numba kernel of :func:`syndet.boilerplate.gallery_lines` (the rule is documented there)."""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np


@nb.njit(cache=True)
def _gallery_doc(
    hashes: np.ndarray, words: np.ndarray, s: int, e: int, min_words: int, gap: int, out: Any
) -> None:
    """Marks one document's gallery lines (``s..e``) in ``out``."""
    # Doubled lines: a line of min_words or more whose next non-empty line is the same.
    prev = -1
    for i in range(s, e):
        if words[i] == 0:
            continue
        if prev >= 0 and words[i] >= min_words and hashes[i] == hashes[prev]:
            out[prev] = True
            out[i] = True
        prev = i
    # Fill the gaps: lines between two doubled lines with at most ``gap`` non-empty lines
    # between them are the single captions of the same gallery (not between the two copies
    # of one line, which are next to each other anyway).
    last = -1
    between = 0
    for i in range(s, e):
        if out[i]:
            if last >= 0 and between <= gap and hashes[last] != hashes[i]:
                for g in range(last + 1, i):
                    out[g] = True
            last = i
            between = 0
        elif words[i] > 0:
            between += 1


@nb.njit(cache=True, parallel=True)
def gallery_lines(
    hashes: np.ndarray, words: np.ndarray, doc_offsets: np.ndarray, min_words: int, gap: int
) -> Any:
    out = np.zeros(len(hashes), dtype=np.bool_)
    for d in nb.prange(len(doc_offsets) - 1):
        _gallery_doc(hashes, words, doc_offsets[d], doc_offsets[d + 1], min_words, gap, out)
    return out


_CAPTION = np.frombuffer(b"caption ", dtype=np.uint8)
_OF = np.frombuffer(b" of ", dtype=np.uint8)


@nb.njit(cache=True)
def _digits(data: np.ndarray, p: int, e: int) -> int:
    """End of the run of ASCII digits at ``p`` (``p`` itself when there is none)."""
    while p < e and 48 <= data[p] <= 57:
        p += 1
    return p


@nb.njit(cache=True)
def _counter_at(data: np.ndarray, p: int, e: int, caption: np.ndarray, of: np.ndarray) -> bool:
    """Whether "caption <digits> of <digits>" starts at ``p``."""
    if p + len(caption) > e:
        return False
    for j in range(len(caption)):
        if data[p + j] != caption[j]:
            return False
    q = _digits(data, p + len(caption), e)
    if q == p + len(caption) or q + len(of) > e:
        return False
    for j in range(len(of)):
        if data[q + j] != of[j]:
            return False
    return _digits(data, q + len(of), e) > q + len(of)


def _shifts(pattern: np.ndarray) -> np.ndarray:
    """Horspool's bad-character shifts: how far the window may move when its last byte is b."""
    shifts = np.full(256, len(pattern), dtype=np.int64)
    for j in range(len(pattern) - 1):
        shifts[pattern[j]] = len(pattern) - 1 - j
    return shifts


_CAPTION_SHIFTS = _shifts(_CAPTION)


@nb.njit(cache=True)
def _caption_counters(data: np.ndarray, s: int, e: int) -> bool:
    """Whether the line ``s..e`` holds two or more caption counters."""
    caption, of, shifts = _CAPTION, _OF, _CAPTION_SHIFTS
    m = len(caption)
    found = 0
    # Horspool's search: the window moves by up to 8 bytes at a time.
    p = s
    while p + m <= e:
        last = data[p + m - 1]
        if last == 32 and (p == s or data[p - 1] == 32) and _counter_at(data, p, e, caption, of):
            found += 1
            if found == 2:
                return True
        p += shifts[last]
    return False


@nb.njit(cache=True, parallel=True)
def caption_counter_lines(
    offsets: np.ndarray, data: np.ndarray, words: np.ndarray, min_words: int
) -> Any:
    out = np.zeros(len(offsets) - 1, dtype=np.bool_)
    for i in nb.prange(len(offsets) - 1):
        if words[i] >= min_words:
            out[i] = _caption_counters(data, offsets[i], offsets[i + 1])
    return out
