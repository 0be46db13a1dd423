"""numba kernels for ragged byte arrays (private; imported lazily)."""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np


@nb.njit(cache=True, parallel=True)
def word_counts(offsets: np.ndarray, data: np.ndarray) -> Any:
    """Words of each normalized text: spaces + 1 when non-empty (single spaces, no edges)."""
    n = offsets.shape[0] - 1
    out = np.zeros(n, dtype=np.int64)
    for d in nb.prange(n):
        a, b = offsets[d], offsets[d + 1]
        if b > a:
            c = 1
            for i in range(a, b):
                if data[i] == 32:
                    c += 1
            out[d] = c
    return out
