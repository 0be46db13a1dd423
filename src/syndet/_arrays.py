"""Ragged-array helpers (private): many variable-length rows stored as ``offsets`` + ``values``.

Row ``i`` is ``values[offsets[i]:offsets[i + 1]]``, the Arrow list/string layout. These helpers
gather and concatenate rows without a Python loop over rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["ragged_concat", "ragged_take"]


def ragged_take(
    offsets: np.ndarray, values: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The given rows, in that order, as new ``(offsets, values)``."""
    rows = np.asarray(rows, dtype=np.int64)
    lens = np.diff(offsets)[rows]
    out_offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lens, out=out_offsets[1:])
    # Index of every kept value: start of its row in the input, shifted by its output position.
    idx = np.repeat(offsets[rows] - out_offsets[:-1], lens) + np.arange(
        out_offsets[-1], dtype=np.int64
    )
    return out_offsets, values[idx]


def ragged_concat(
    parts: Sequence[tuple[np.ndarray, np.ndarray]], dtype: type = np.uint64
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of several ragged arrays, one after the other."""
    if not parts:
        return np.zeros(1, dtype=np.int64), np.empty(0, dtype=dtype)
    values = np.concatenate([v for _, v in parts])
    lens = np.concatenate([np.diff(o) for o, _ in parts])
    offsets = np.zeros(len(lens) + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    return offsets, values
