"""numba kernels of :mod:`syndet.verify` (private; imported lazily by that module).

Defined at module level so that numba's on-disk cache (``cache=True``) is reused across
processes: a jitted closure gets a new cache key in every process and is compiled again.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np


@nb.njit(cache=True, parallel=True)
def intersect(offsets: np.ndarray, hashes: np.ndarray, pairs: np.ndarray) -> Any:
    m = pairs.shape[0]
    out = np.zeros(m, dtype=np.int64)
    for p in nb.prange(m):
        i, j = pairs[p, 0], pairs[p, 1]
        a, a_end = offsets[i], offsets[i + 1]
        b, b_end = offsets[j], offsets[j + 1]
        c = 0
        # Merge of two sorted, duplicate-free arrays.
        while a < a_end and b < b_end:
            x, y = hashes[a], hashes[b]
            if x == y:
                c += 1
                a += 1
                b += 1
            elif x < y:
                a += 1
            else:
                b += 1
        out[p] = c
    return out
