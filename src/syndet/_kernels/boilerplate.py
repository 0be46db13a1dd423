"""numba kernel of :func:`syndet.boilerplate.gallery_lines` (the rule is documented there)."""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np


@nb.njit(cache=True, parallel=True)
def gallery_lines(
    hashes: np.ndarray, words: np.ndarray, doc_offsets: np.ndarray, min_words: int, gap: int
) -> Any:
    n_docs = len(doc_offsets) - 1
    out = np.zeros(len(hashes), dtype=np.bool_)
    for d in nb.prange(n_docs):
        s, e = doc_offsets[d], doc_offsets[d + 1]
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
        # between them are the single captions of the same gallery (not between the two
        # copies of one line, which are next to each other anyway).
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
    return out
